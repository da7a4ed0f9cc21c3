/*
 * A live connection: a websocket that reconnects with exponential backoff (0.5 s doubling to
 * 10 s), reconnects at once when the browser comes back online, and tells the page when it
 * is up or down so the page can catch up over REST (events sent while it was away are lost).
 */

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;

export function socketUrl(path) {
  if (/^wss?:/.test(path)) return path;
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
}

export class LiveConnection {
  /**
   * @param {string} path  "/ws/inbox/" or a full ws(s):// URL
   * @param {{onEvent: Function, onOpen?: Function, onClose?: Function}} handlers
   *   onOpen(reconnected), onClose(closeEvent); onEvent gets each parsed JSON frame.
   */
  constructor(path, { onEvent, onOpen = () => {}, onClose = () => {} }) {
    this.url = socketUrl(path);
    this.handlers = { onEvent, onOpen, onClose };
    this.socket = null;
    this.everConnected = false;
    this.backoff = BACKOFF_MIN_MS;
    this.refusals = 0; // closes with a 4xxx code in a row
    this.timer = null;
    window.addEventListener("online", () => {
      if (!this.socket) {
        this.backoff = BACKOFF_MIN_MS;
        this.connect();
      }
    });
  }

  get isOpen() {
    return Boolean(this.socket && this.socket.readyState === WebSocket.OPEN);
  }

  connect() {
    clearTimeout(this.timer);
    if (this.socket) return;
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = ws;
    ws.onopen = () => {
      if (this.socket !== ws) return;
      const reconnected = this.everConnected;
      this.everConnected = true;
      this.backoff = BACKOFF_MIN_MS;
      this.handlers.onOpen(reconnected);
    };
    ws.onmessage = (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      this.handlers.onEvent(data);
    };
    ws.onclose = (event) => {
      if (this.socket !== ws) return;
      this.socket = null;
      // refused with a reason (4401, 4403, 4404: accepted, then closed at once): the reset on open does not count,
      // so retries still back off instead of coming every half second
      this.refusals = event.code >= 4000 ? this.refusals + 1 : 0;
      if (this.refusals) this.backoff = Math.min(BACKOFF_MIN_MS * 2 ** (this.refusals - 1), BACKOFF_MAX_MS);
      this.handlers.onClose(event);
      this.scheduleReconnect();
    };
  }

  /** Send a JSON frame if the socket is open; returns whether it went (state to restore belongs in onOpen). */
  send(frame) {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  scheduleReconnect() {
    clearTimeout(this.timer);
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
