/*
 * Helpdesk chat widget. Embed on any site with one tag:
 *
 *   <script src="https://HOST/static/widget/widget.js" async></script>
 *
 * Optional attributes on that tag: data-title, data-color, data-workspace.
 * The API lives on the origin the script was loaded from, so the widget works
 * cross-origin. Visitors authenticate with `Authorization: Visitor <token>`; no cookies.
 * Host pages may call window.HelpdeskWidget.open() / .close() / .reset().
 * The file stays ASCII-only (\u escapes): host pages may declare any charset.
 */
(() => {
  "use strict";

  if (window.HelpdeskWidget) return; // the tag was included twice

  const MAX_LENGTH = 10000;
  const POLL_MS = 3000;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const DEFAULT_COLOR = "#4f46e5";
  const RATINGS = {
    positive: { emoji: "\u{1F44D}", label: "Good" },
    neutral: { emoji: "\u{1F610}", label: "Okay" },
    negative: { emoji: "\u{1F44E}", label: "Bad" },
  };

  // --- configuration from the script tag -------------------------------------------

  const script = document.currentScript || findOwnScript();
  const apiOrigin = new URL(script && script.src ? script.src : location.href).origin;
  const wsOrigin = apiOrigin.replace(/^http/, "ws");
  const options = {
    title: dataAttr("title") || "Chat with us",
    color: validColor(dataAttr("color")) || DEFAULT_COLOR,
    workspace: dataAttr("workspace"),
  };
  const storageKey = `helpdesk-widget:${apiOrigin}${options.workspace ? `:${options.workspace}` : ""}`;

  function findOwnScript() {
    // async scripts usually have document.currentScript; some loaders (tag managers) do not.
    const scripts = Array.from(document.getElementsByTagName("script")).reverse();
    return scripts.find((s) => /\/widget\/widget\.js([?#]|$)/.test(s.src)) || null;
  }

  function dataAttr(name) {
    const value = script ? script.getAttribute(`data-${name}`) : "";
    return (value || "").trim();
  }

  function validColor(value) {
    return value && window.CSS && CSS.supports("color", value) ? value : "";
  }

  // --- state ---------------------------------------------------------------------------

  const state = {
    conversation: null, // {id, token}
    status: null, // open | pending_human | assigned | resolved
    assigneeName: "",
    language: "", // the conversation's language, as the assistant detected it
    items: [], // messages in display order: {id, t, el}
    byId: new Map(),
    csat: new Map(), // survey token -> block element
    lastSeenId: null,
    historyLoaded: false,
    isOpen: false,
    unread: 0,
    sending: false,
    retry: null, // {body, key}: a failed send retried with the same text reuses its Idempotency-Key
    creating: null, // in-flight creation promise, so open + send never create two
    generation: 0, // bumped by reset(): late responses for a forgotten conversation are dropped
    socket: null,
    online: false,
    backoff: BACKOFF_MIN_MS,
    reconnectTimer: null,
    pollTimer: null,
    catchingUp: false,
    catchUpAgain: false,
  };

  const store = {
    load() {
      try {
        return JSON.parse(localStorage.getItem(storageKey) || "null");
      } catch {
        return null; // storage disabled (private mode, sandboxed iframe)
      }
    },
    save(value) {
      try {
        localStorage.setItem(storageKey, JSON.stringify(value));
      } catch {
        /* the chat still works for this page view */
      }
    },
    clear() {
      try {
        localStorage.removeItem(storageKey);
      } catch {
        /* nothing stored */
      }
    },
  };

  // --- HTTP ----------------------------------------------------------------------------

  class WidgetError extends Error {
    constructor(status, message, data) {
      super(message);
      this.status = status;
      this.data = data;
    }
  }

  function apiUrl(path) {
    if (/^https?:/.test(path)) {
      // Pagination links may carry the server's idea of its host; keep our origin.
      const u = new URL(path);
      return apiOrigin + u.pathname + u.search;
    }
    return `${apiOrigin}/api/v1/${path}`;
  }

  async function request(path, { method = "GET", body, auth = true, headers: extra = {} } = {}) {
    const headers = { Accept: "application/json", ...extra };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth && state.conversation) headers.Authorization = `Visitor ${state.conversation.token}`;
    let res;
    try {
      res = await fetch(apiUrl(path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        mode: "cors",
      });
    } catch {
      throw new WidgetError(0, "We couldn't reach the server. Check your connection and try again.");
    }
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new WidgetError(res.status, errorMessage(res.status, data), data);
    return data;
  }

  function errorMessage(status, data) {
    const message = data && data.error && data.error.message;
    if (message) return message;
    if (status === 413) return "That message is too long.";
    if (status === 429) return "You're sending messages too quickly. Please wait a moment.";
    if (status >= 500) return "Something went wrong on our side. Please try again.";
    return "Your message could not be sent. Please try again.";
  }

  async function getAll(path) {
    let data = await request(path);
    if (Array.isArray(data)) return data;
    const out = [...((data && data.results) || [])];
    for (let page = 0; data && data.next && page < 50; page += 1) {
      data = await request(data.next);
      out.push(...((data && data.results) || []));
    }
    return out;
  }

  const enc = encodeURIComponent;
  const isGone = (err) => err instanceof WidgetError && (err.status === 401 || err.status === 404);

  // --- conversation lifecycle ------------------------------------------------------------

  function ensureConversation() {
    if (state.conversation) return Promise.resolve(state.conversation);
    if (!state.creating) {
      const generation = state.generation;
      const body = options.workspace ? { workspace: options.workspace } : {};
      state.creating = request("widget/conversations/", { method: "POST", body, auth: false })
        .then((data) => {
          if (generation !== state.generation) throw new WidgetError(0, "The chat was reset.");
          state.conversation = { id: String(data.id), token: data.visitor_token };
          store.save({ id: state.conversation.id, visitor_token: data.visitor_token, csat: {} });
          applyConversation(data);
          startLive();
          return state.conversation;
        })
        .finally(() => {
          state.creating = null;
        });
    }
    return state.creating;
  }

  function startLive() {
    catchUp();
    refreshConversation();
    connect();
  }

  /** Drop a conversation whose token no longer works; the next send starts a new one. */
  function forget() {
    state.generation += 1;
    disconnect();
    store.clear();
    state.conversation = null;
    state.status = null;
    state.assigneeName = "";
    state.language = "";
    state.items = [];
    state.byId.clear();
    state.csat.clear();
    state.lastSeenId = null;
    state.historyLoaded = false;
    state.unread = 0;
    ui.log.replaceChildren();
    setTyping(false);
    renderHeader();
    renderUnread();
  }

  async function catchUp() {
    const conv = state.conversation;
    if (!conv) return;
    if (state.catchingUp) {
      state.catchUpAgain = true;
      return;
    }
    state.catchingUp = true;
    try {
      const after = state.lastSeenId ? `?after=${enc(state.lastSeenId)}` : "";
      const messages = await getAll(`widget/conversations/${enc(conv.id)}/messages/${after}`);
      if (conv !== state.conversation) return;
      messages.forEach(addMessage);
      state.historyLoaded = true;
    } catch (err) {
      if (isGone(err) && conv === state.conversation) forget();
      // other failures: the poll or the next reconnect tries again
    } finally {
      state.catchingUp = false;
      if (state.catchUpAgain) {
        state.catchUpAgain = false;
        catchUp();
      }
    }
  }

  async function refreshConversation() {
    const conv = state.conversation;
    if (!conv) return;
    try {
      const data = await request(`widget/conversations/${enc(conv.id)}/`);
      if (conv === state.conversation) applyConversation(data);
    } catch (err) {
      if (isGone(err) && conv === state.conversation) forget();
    }
  }

  function applyConversation(data) {
    if (!data) return;
    if (data.status) state.status = data.status;
    if (data.language) state.language = data.language;
    if ("assignee_name" in data) state.assigneeName = data.assignee_name || "";
    renderHeader();
  }

  function applyHandoffStatus(status) {
    // conversation.updated normally follows; this keeps the header right if it is late.
    const next = { pending: "pending_human", acknowledged: "assigned", resolved: "resolved" }[status];
    if (next) state.status = next;
    else if (status === "cancelled" && state.status !== "resolved") state.status = "open";
    renderHeader();
  }

  // --- websocket, with REST fallback ------------------------------------------------------

  function connect() {
    const conv = state.conversation;
    if (!conv || state.socket || !("WebSocket" in window)) {
      if (conv && !("WebSocket" in window)) startPolling();
      return;
    }
    clearTimeout(state.reconnectTimer);
    let ws;
    try {
      ws = new WebSocket(`${wsOrigin}/ws/widget/${enc(conv.id)}/?token=${enc(conv.token)}`);
    } catch {
      startPolling();
      scheduleReconnect();
      return;
    }
    state.socket = ws;
    ws.onopen = () => {
      if (state.socket !== ws) return;
      state.backoff = BACKOFF_MIN_MS;
      setOnline(true);
      stopPolling();
      catchUp(); // anything sent while we were away
      refreshConversation();
    };
    ws.onmessage = (event) => {
      if (state.socket !== ws) return;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      handleEvent(data);
    };
    ws.onclose = () => {
      if (state.socket !== ws) return;
      state.socket = null;
      setOnline(false);
      // An ai.typing{false} sent while we were offline would never arrive.
      setTyping(false);
      if (state.conversation === conv) {
        startPolling();
        scheduleReconnect();
        catchUp(); // a rejected token shows up here as 401/404 and is forgotten
      }
    };
  }

  function scheduleReconnect() {
    clearTimeout(state.reconnectTimer);
    const delay = state.backoff;
    state.backoff = Math.min(state.backoff * 2, BACKOFF_MAX_MS);
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function disconnect() {
    const ws = state.socket;
    state.socket = null;
    if (ws) ws.close();
    clearTimeout(state.reconnectTimer);
    stopPolling();
    setOnline(false);
    state.backoff = BACKOFF_MIN_MS;
  }

  function startPolling() {
    if (state.pollTimer) return;
    state.pollTimer = setInterval(() => {
      catchUp();
      refreshConversation();
    }, POLL_MS);
  }

  function stopPolling() {
    clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  function handleEvent(event) {
    switch (event.type) {
      case "message.created":
        addMessage(event.message);
        break;
      case "ai.typing":
        setTyping(Boolean(event.active));
        break;
      case "handoff.updated":
        applyHandoffStatus(event.status);
        break;
      case "conversation.updated":
        applyConversation(event);
        break;
      case "csat.requested":
        if (event.survey) showCsat(event.survey, null);
        break;
      default:
        break;
    }
  }

  // --- sending -------------------------------------------------------------------------------

  async function send(text) {
    const body = text.trim();
    if (!body || state.sending) return false;
    if (body.length > MAX_LENGTH) {
      showError(`Messages can be at most ${MAX_LENGTH.toLocaleString()} characters.`);
      return false;
    }
    state.sending = true;
    showError("");
    renderComposer();
    try {
      await postMessage(body, true);
      return true;
    } catch (err) {
      showError(err.message);
      return false;
    } finally {
      state.sending = false;
      renderComposer();
    }
  }

  async function postMessage(body, retryIfGone) {
    const conv = await ensureConversation();
    // A send that failed after the server stored it must not post a duplicate when retried.
    if (!state.retry || state.retry.body !== body) state.retry = { body, key: newKey() };
    try {
      // REST even when the socket is up: it answers with the message or a precise error.
      const message = await request(`widget/conversations/${enc(conv.id)}/messages/`, {
        method: "POST",
        body: { body },
        headers: { "Idempotency-Key": state.retry.key },
      });
      state.retry = null;
      if (conv === state.conversation) addMessage(message);
    } catch (err) {
      if (!(retryIfGone && isGone(err))) throw err;
      forget(); // the stored chat expired: start a fresh one and send there
      await postMessage(body, false);
    }
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  }

  // --- CSAT ------------------------------------------------------------------------------------

  async function answerCsat(token, rating, block) {
    setCsatBusy(block, true);
    setCsatError(block, "");
    try {
      // The survey token is the credential; no visitor header needed.
      await request(`csat/${enc(token)}/`, { method: "POST", body: { rating }, auth: false });
      rememberCsat(token, rating);
      showCsatThanks(block, token, rating, true);
    } catch (err) {
      if (err.status === 409) {
        // The 409 carries the rating recorded first, as top-level `rating`.
        const known = err.data && RATINGS[err.data.rating] ? err.data.rating : "";
        if (known) rememberCsat(token, known);
        showCsatRecorded(block, known);
      } else if (err.status === 0 && state.socket && state.online) {
        state.socket.send(JSON.stringify({ type: "csat.answer", token, rating }));
        rememberCsat(token, rating);
        showCsatThanks(block, token, rating, false);
      } else {
        setCsatError(block, err.message);
        setCsatBusy(block, false);
      }
    }
  }

  async function sendCsatComment(token, rating, comment, form) {
    const button = form.querySelector("button");
    button.disabled = true;
    setCsatError(form, "");
    try {
      await request(`csat/${enc(token)}/`, { method: "POST", body: { rating, comment }, auth: false });
      const done = el("p", "csat__done", "Thanks, we got your comment.");
      form.replaceWith(done);
    } catch (err) {
      setCsatError(form, err.status === 409 ? "Your rating is saved; the comment could not be added." : err.message);
      button.disabled = false;
    }
  }

  function rememberCsat(token, rating) {
    const saved = store.load();
    if (!saved || !state.conversation || saved.id !== state.conversation.id) return;
    saved.csat = { ...(saved.csat || {}), [token]: rating };
    store.save(saved);
  }

  // --- UI: building blocks -------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(pathData) {
    const ns = "http://www.w3.org/2000/svg";
    const icon = document.createElementNS(ns, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    icon.append(path);
    return icon;
  }

  const ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  const ICON_CLOSE = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z";
  const ICON_SEND = "M3 20.5 21 12 3 3.5V10l12 2-12 2z";

  function testid(node, id) {
    node.setAttribute("data-testid", id);
    return node;
  }

  function safeUrl(value) {
    try {
      const u = new URL(String(value), apiOrigin);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : "";
    } catch {
      return "";
    }
  }

  function formatTime(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // --- UI: skeleton ------------------------------------------------------------------------------

  const ui = buildUi();

  function buildUi() {
    // A custom tag name: host-page rules such as `div { ... }` don't match it.
    const host = document.createElement("helpdesk-widget");
    host.style.setProperty("--hd-accent", options.color);
    const root = host.attachShadow({ mode: "open" });
    applyStyles(root);

    const panel = testid(el("section", "panel"), "widget-panel");
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", options.title);

    const head = el("header", "head");
    const headText = el("div", "head__text");
    const title = el("h2", "head__title", options.title);
    const sub = el("p", "head__sub");
    const connection = testid(el("span", "conn"), "widget-connection");
    connection.setAttribute("data-state", "offline");
    connection.append(el("span", "conn__dot"), el("span", "sr-only conn__label", "Offline"));
    const answering = testid(el("span", "head__answering", "AI assistant"), "widget-answering");
    sub.append(connection, answering);
    headText.append(title, sub);
    const closeButton = el("button", "head__close");
    closeButton.type = "button";
    closeButton.setAttribute("aria-label", "Close chat");
    closeButton.append(svg(ICON_CLOSE));
    head.append(headText, closeButton);

    const status = testid(el("p", "status"), "widget-status");
    status.hidden = true;
    status.setAttribute("role", "status");

    const log = testid(el("div", "log"), "widget-messages");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", "Messages");
    log.tabIndex = 0;

    const typing = testid(el("div", "typing"), "widget-typing");
    typing.hidden = true;
    typing.setAttribute("role", "status");
    const dots = el("span", "typing__dots");
    dots.setAttribute("aria-hidden", "true");
    dots.append(el("i"), el("i"), el("i"));
    typing.append(dots, el("span", "", "AI is responding\u2026"));

    const error = testid(el("p", "error"), "widget-error");
    error.hidden = true;
    error.setAttribute("role", "alert");

    const form = el("form", "composer");
    form.noValidate = true;
    const label = el("label", "sr-only", "Your message");
    label.htmlFor = "hd-input";
    const input = testid(el("textarea", "composer__input"), "widget-input");
    input.id = "hd-input";
    input.rows = 1;
    input.maxLength = MAX_LENGTH;
    input.placeholder = "Type your message\u2026";
    input.setAttribute("aria-describedby", "hd-counter");
    const sendButton = testid(el("button", "composer__send"), "widget-send");
    sendButton.type = "submit";
    sendButton.setAttribute("aria-label", "Send message");
    sendButton.append(svg(ICON_SEND));
    const counter = el("span", "composer__counter");
    counter.id = "hd-counter";
    form.append(label, input, sendButton, counter);

    const footer = el("p", "footer", "Powered by Helpdesk");
    panel.append(head, status, log, typing, error, form, footer);

    const launcher = testid(el("button", "launcher"), "widget-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-label", "Open chat");
    launcher.setAttribute("aria-expanded", "false");
    const badge = el("span", "launcher__badge");
    badge.hidden = true;
    badge.setAttribute("aria-hidden", "true");
    launcher.append(svg(ICON_CHAT), badge);

    root.append(panel, launcher);
    return { host, root, panel, answering, connection, status, log, typing, error, form, input, sendButton, counter, launcher, badge, closeButton };
  }

  function applyStyles(root) {
    if (root.adoptedStyleSheets !== undefined && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(widgetStyles());
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(el("style", "", widgetStyles()));
    }
  }

  // --- UI: rendering ---------------------------------------------------------------------------

  // What the header says about who answers, in the conversation's language (the assistant's five).
  const HEADER_TEXT = {
    en: { ai: "AI assistant", waiting: "Waiting for an agent\u2026", agent: "Support agent",
      pending: "We've asked a person to join. You'll get their reply right here.",
      resolved: "This conversation is resolved. Send a message if you need anything else." },
    es: { ai: "Asistente virtual", waiting: "Esperando a un agente\u2026", agent: "Agente de soporte",
      pending: "Hemos pedido que se una una persona. Recibirás su respuesta aquí mismo.",
      resolved: "Esta conversación está resuelta. Escribe si necesitas algo más." },
    fr: { ai: "Assistant virtuel", waiting: "En attente d'un conseiller\u2026", agent: "Conseiller",
      pending: "Nous avons demandé à une personne de vous rejoindre. Sa réponse arrivera ici.",
      resolved: "Cette conversation est résolue. Écrivez-nous si vous avez besoin d'autre chose." },
    de: { ai: "KI-Assistent", waiting: "Warten auf einen Mitarbeiter\u2026", agent: "Support-Mitarbeiter",
      pending: "Wir haben eine Person dazugebeten. Ihre Antwort erscheint hier.",
      resolved: "Dieses Gespräch ist erledigt. Schreiben Sie, wenn Sie noch etwas brauchen." },
    pt: { ai: "Assistente virtual", waiting: "Aguardando um atendente\u2026", agent: "Atendente",
      pending: "Pedimos que uma pessoa participe. Você receberá a resposta aqui mesmo.",
      resolved: "Esta conversa foi resolvida. Envie uma mensagem se precisar de mais alguma coisa." },
  };

  function renderHeader() {
    const text = HEADER_TEXT[(state.language || "").slice(0, 2)] || HEADER_TEXT.en;
    let answering = text.ai;
    let status = "";
    if (state.status === "pending_human") {
      answering = text.waiting;
      status = text.pending;
    } else if (state.status === "assigned") {
      answering = state.assigneeName || text.agent;
    } else if (state.status === "resolved") {
      status = text.resolved;
    }
    ui.answering.textContent = answering;
    ui.status.textContent = status;
    ui.status.hidden = !status;
  }

  function setOnline(online) {
    state.online = online;
    ui.connection.setAttribute("data-state", online ? "online" : "offline");
    ui.connection.querySelector(".conn__label").textContent = online ? "Online" : "Offline";
    ui.connection.title = online ? "Connected" : state.conversation ? "Reconnecting\u2026" : "Not connected";
  }

  function setTyping(active) {
    ui.typing.hidden = !active;
    if (active) scrollToBottom(true);
  }

  function showError(message) {
    ui.error.textContent = message || "";
    ui.error.hidden = !message;
  }

  function renderComposer() {
    const length = ui.input.value.length;
    ui.counter.textContent = `${length.toLocaleString()} / ${MAX_LENGTH.toLocaleString()}`;
    ui.counter.classList.toggle("is-near", length >= MAX_LENGTH * 0.9);
    ui.counter.hidden = length === 0;
    ui.sendButton.disabled = state.sending;
    ui.form.classList.toggle("is-sending", state.sending);
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight, 140)}px`;
  }

  function renderUnread() {
    ui.badge.hidden = state.unread === 0;
    ui.badge.textContent = state.unread > 9 ? "9+" : String(state.unread);
    ui.launcher.setAttribute("aria-label", state.unread ? `Open chat (${state.unread} new)` : "Open chat");
  }

  function addMessage(message) {
    if (!message || message.id === undefined || message.id === null) return;
    const conv = state.conversation;
    if (!conv) return; // a late answer for a conversation that was reset or forgotten
    if (message.conversation != null && String(message.conversation) !== conv.id) return;
    const id = String(message.id);
    if (state.byId.has(id)) return; // our own message arrives as the POST answer and as an event
    const nearBottom = isNearBottom();
    const node = renderMessage(message);
    insertSorted({ id, t: Date.parse(message.created_at) || Date.now(), el: node });
    state.byId.set(id, node);
    state.lastSeenId = state.items[state.items.length - 1].id;

    const metadata = message.metadata || {};
    if (metadata.csat && metadata.csat.token) showCsat(metadata.csat, node);
    refreshQuickReplies();

    if (message.sender_type !== "visitor" && state.historyLoaded && !state.isOpen) {
      state.unread += 1;
      renderUnread();
    }
    scrollToBottom(nearBottom || message.sender_type === "visitor");
  }

  function insertSorted(item) {
    // Events and POST answers can arrive out of order; keep server time order.
    let index = state.items.length;
    while (index > 0 && state.items[index - 1].t > item.t) index -= 1;
    if (index === state.items.length) ui.log.append(item.el);
    else ui.log.insertBefore(item.el, state.items[index].el);
    state.items.splice(index, 0, item);
  }

  function renderMessage(message) {
    const type = ["visitor", "ai", "agent", "system"].includes(message.sender_type) ? message.sender_type : "system";
    const node = testid(el("div", `msg msg--${type}`), "widget-message");
    node.setAttribute("data-sender-type", type);
    node.setAttribute("data-message-id", String(message.id));

    if (type === "ai" || type === "agent") {
      const fallback = type === "ai" ? "AI assistant" : "Support agent";
      node.append(testid(el("div", "msg__sender", message.sender_name || fallback), "widget-sender"));
    }
    node.append(el("div", "msg__body", message.body || ""));

    const metadata = message.metadata || {};
    const article = metadata.article;
    const href = article && safeUrl(article.url);
    if (href) {
      const link = el("a", "msg__article", `Read: ${article.title || href}`);
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      node.append(link);
    }
    const replies = Array.isArray(metadata.quick_replies)
      ? metadata.quick_replies.filter((r) => typeof r === "string" && r.trim()).slice(0, 10)
      : [];
    const check = metadata.answer_check;
    if (type === "ai" && check && typeof check === "object" && !check.answer && check.yes && check.no) {
      node.append(buildAnswerCheck(message, check));
    } else if (replies.length) {
      const group = el("div", "quick-replies");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Suggested replies");
      replies.forEach((text) => {
        const button = testid(el("button", "quick-reply", text), "quick-reply");
        button.type = "button";
        button.addEventListener("click", () => send(text));
        group.append(button);
      });
      node.append(group);
    }
    if (type !== "system" && message.created_at) {
      // Drawn from an attribute by CSS so the message's text is exactly what was said.
      const time = el("time", "msg__time");
      time.dateTime = message.created_at;
      time.setAttribute("data-time", formatTime(message.created_at));
      node.append(time);
    }
    return node;
  }

  // "Did that answer your question?" under a knowledge-base answer: yes closes the conversation as
  // resolved by the AI; no takes the not-helpful path (a person, per the workspace's policy).
  function buildAnswerCheck(message, check) {
    const group = testid(el("div", "quick-replies answer-check"), "answer-check");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", String(check.question || ""));
    group.append(testid(el("p", "answer-check__question", String(check.question || "")), "answer-check-question"));
    [[true, check.yes], [false, check.no]].forEach(([helpful, label]) => {
      const button = testid(el("button", "quick-reply", String(label)), helpful ? "answer-yes" : "answer-no");
      button.type = "button";
      button.addEventListener("click", () => answerCheck(message, helpful, group));
      group.append(button);
    });
    group.append(el("p", "answer-check__error"));
    return group;
  }

  async function answerCheck(message, helpful, group) {
    const conv = state.conversation;
    if (!conv || group.classList.contains("is-busy")) return;
    group.classList.add("is-busy");
    group.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    group.querySelector(".answer-check__error").textContent = "";
    try {
      const reply = await request(`widget/conversations/${enc(conv.id)}/answer-feedback/`, {
        method: "POST",
        body: { message: String(message.id), helpful },
      });
      group.remove(); // answered: the visitor's choice shows as their message
      if (conv === state.conversation && reply && reply.message) addMessage(reply.message);
    } catch (err) {
      if (err.status === 409) {
        group.remove(); // already answered (another tab) or the conversation moved on
        return;
      }
      group.classList.remove("is-busy");
      group.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      group.querySelector(".answer-check__error").textContent = err.message;
    }
  }

  function refreshQuickReplies() {
    // Suggestions only make sense until the conversation moves on.
    const last = state.items.length ? state.items[state.items.length - 1].el : null;
    ui.log.querySelectorAll(".quick-replies").forEach((group) => {
      group.hidden = group.parentElement !== last;
    });
  }

  function showCsat(survey, anchor) {
    const token = String(survey.token || "");
    if (!token || state.csat.has(token)) return;
    const ratings = (Array.isArray(survey.options) ? survey.options : Object.keys(RATINGS)).filter((r) => RATINGS[r]);
    const block = testid(el("div", "csat"), "widget-csat");
    block.append(el("p", "csat__question", "How did we do?"));
    const buttons = el("div", "csat__buttons");
    buttons.setAttribute("role", "group");
    buttons.setAttribute("aria-label", "Rate this conversation");
    ratings.forEach((rating) => {
      const button = testid(el("button", "csat__button"), `csat-${rating}`);
      button.type = "button";
      button.setAttribute("aria-label", `Rate: ${RATINGS[rating].label}`);
      const emoji = el("span", "csat__emoji", RATINGS[rating].emoji);
      emoji.setAttribute("aria-hidden", "true");
      button.append(emoji, el("span", "csat__caption", RATINGS[rating].label));
      button.addEventListener("click", () => answerCsat(token, rating, block));
      buttons.append(button);
    });
    block.append(buttons, csatErrorLine());
    state.csat.set(token, block);
    (anchor || ui.log).append(block);

    const saved = store.load();
    const answered = saved && saved.csat && saved.csat[token];
    if (answered && RATINGS[answered]) showCsatThanks(block, token, answered, false);
    scrollToBottom(true);
  }

  function setCsatBusy(block, busy) {
    block.querySelectorAll(".csat__button").forEach((b) => {
      b.disabled = busy;
    });
  }

  function csatErrorLine() {
    const error = el("p", "csat__error");
    error.hidden = true;
    error.setAttribute("role", "alert");
    return error;
  }

  function setCsatError(block, message) {
    const error = block.querySelector(".csat__error");
    error.textContent = message;
    error.hidden = !message;
  }

  function showCsatThanks(block, token, rating, askComment) {
    const thanks = testid(el("p", "csat__thanks", `${RATINGS[rating].emoji} Thanks for your feedback`), "csat-thanks");
    block.replaceChildren(thanks);
    if (askComment) block.append(buildCommentForm(token, rating));
  }

  function showCsatRecorded(block, rating) {
    const text = rating
      ? `You already rated this conversation: ${RATINGS[rating].emoji} ${RATINGS[rating].label}`
      : "You already rated this conversation. Thank you!";
    block.replaceChildren(testid(el("p", "csat__thanks", text), "csat-recorded"));
  }

  function buildCommentForm(token, rating) {
    const form = el("form", "csat__comment");
    const label = el("label", "csat__label", "Anything to add? (optional)");
    label.htmlFor = `hd-csat-${token}`;
    const area = el("textarea", "csat__textarea");
    area.id = label.htmlFor;
    area.rows = 2;
    area.maxLength = 2000;
    const button = el("button", "csat__submit", "Send comment");
    button.type = "submit";
    form.append(label, area, button, csatErrorLine());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const comment = area.value.trim();
      if (comment) sendCsatComment(token, rating, comment, form);
    });
    return form;
  }

  function isNearBottom() {
    const log = ui.log;
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollToBottom(force) {
    if (force) ui.log.scrollTop = ui.log.scrollHeight;
  }

  // --- open / close / reset ----------------------------------------------------------------------

  function open() {
    state.isOpen = true;
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.launcher.classList.add("is-open");
    state.unread = 0;
    renderUnread();
    renderComposer();
    scrollToBottom(true);
    ui.input.focus({ preventScroll: true });
    ensureConversation().catch((err) => showError(err.message));
  }

  function close() {
    const hadFocus = ui.root.activeElement && ui.panel.contains(ui.root.activeElement);
    state.isOpen = false;
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.classList.remove("is-open");
    if (hadFocus) ui.launcher.focus();
  }

  function reset() {
    forget();
    showError("");
    ui.input.value = "";
    renderComposer();
  }

  // --- wiring ----------------------------------------------------------------------------------

  ui.launcher.addEventListener("click", () => (state.isOpen ? close() : open()));
  ui.closeButton.addEventListener("click", close);
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitComposer();
  });
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitComposer();
    }
  });
  ui.input.addEventListener("input", () => {
    renderComposer();
    if (ui.input.value.length < MAX_LENGTH && ui.error.textContent.includes("at most")) showError("");
  });
  window.addEventListener("online", () => {
    if (state.conversation && !state.socket) {
      state.backoff = BACKOFF_MIN_MS;
      connect();
    }
  });

  async function submitComposer() {
    const text = ui.input.value;
    const sent = await send(text);
    // Only clear what was sent; the visitor may have kept typing meanwhile.
    if (sent && ui.input.value === text) ui.input.value = "";
    renderComposer();
  }

  function mount() {
    document.body.append(ui.host);
    renderHeader();
    renderComposer();
    setOnline(false);
    const saved = store.load();
    if (saved && saved.id && saved.visitor_token) {
      state.conversation = { id: String(saved.id), token: saved.visitor_token };
      startLive();
    }
  }

  window.HelpdeskWidget = Object.freeze({ open, close, reset });

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });

  // --- styles (inside the shadow root, so the host page's CSS cannot reach them) ---------

  function widgetStyles() {
    return `
/* Important declarations in the shadow tree beat the host page's, even its !important ones. */
:host { all: initial !important; display: block !important; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }

.launcher, .panel {
  --accent: var(--hd-accent, ${DEFAULT_COLOR});
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1f2937;
}
button { font: inherit; cursor: pointer; }
button:disabled { cursor: default; opacity: .55; }
:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, white); outline-offset: 2px; }

.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  width: 58px; height: 58px; border-radius: 50%; border: 0;
  background: var(--accent); color: #fff;
  display: grid; place-items: center;
  box-shadow: 0 8px 24px rgba(15, 23, 42, .25);
  transition: transform .15s ease;
}
.launcher:hover { transform: scale(1.05); }
.launcher svg { width: 28px; height: 28px; fill: currentColor; }
.launcher__badge {
  position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; padding: 0 5px;
  border-radius: 10px; background: #dc2626; color: #fff; font-size: 12px; font-weight: 700;
  display: grid; place-items: center; border: 2px solid #fff;
}

.panel {
  position: fixed; right: 20px; bottom: 90px; z-index: 2147483000;
  width: 370px; height: min(600px, calc(100vh - 120px));
  display: flex; flex-direction: column;
  background: #fff; border-radius: 16px; overflow: hidden;
  box-shadow: 0 16px 48px rgba(15, 23, 42, .28);
}
@media (max-width: 480px) {
  .panel { inset: 0; width: auto; height: auto; border-radius: 0; }
  .launcher.is-open { display: none; }
}

.head {
  display: flex; align-items: center; gap: 8px;
  padding: 14px 12px 14px 18px; background: var(--accent); color: #fff;
}
.head__text { flex: 1; min-width: 0; }
.head__title { margin: 0; font-size: 16px; font-weight: 650; line-height: 1.3; }
.head__sub { margin: 2px 0 0; font-size: 13px; opacity: .92; display: flex; align-items: center; gap: 6px; }
.head__answering { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.head__close { border: 0; background: transparent; color: inherit; width: 34px; height: 34px; border-radius: 8px; display: grid; place-items: center; }
.head__close:hover { background: rgba(255, 255, 255, .16); }
.head__close svg { width: 20px; height: 20px; fill: currentColor; }
.conn__dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: #fbbf24; box-shadow: 0 0 0 2px rgba(255,255,255,.35); }
.conn[data-state="online"] .conn__dot { background: #34d399; }

.status { margin: 0; padding: 8px 16px; font-size: 13px; background: #fef9c3; color: #713f12; border-bottom: 1px solid #fde68a; }

.log { flex: 1; overflow-y: auto; padding: 16px 14px 8px; display: flex; flex-direction: column; gap: 10px; background: #f8fafc; }
.msg { max-width: 82%; display: flex; flex-direction: column; gap: 3px; }
.msg__body { padding: 9px 13px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg__sender { font-size: 12px; font-weight: 600; color: #64748b; padding-left: 4px; }
.msg__time { font-size: 11px; color: #64748b; padding: 0 4px; }
.msg__time::after { content: attr(data-time); }
.msg--visitor { align-self: flex-end; align-items: flex-end; }
.msg--visitor .msg__body { background: var(--accent); color: #fff; border-bottom-right-radius: 4px; }
.msg--ai, .msg--agent { align-self: flex-start; }
.msg--ai .msg__body, .msg--agent .msg__body { background: #fff; border: 1px solid #e2e8f0; border-bottom-left-radius: 4px; }
.msg--agent .msg__body { border-color: color-mix(in srgb, var(--accent) 35%, #e2e8f0); }
.msg--system { align-self: center; max-width: 90%; text-align: center; }
.msg--system .msg__body { padding: 4px 10px; font-size: 12.5px; color: #64748b; background: transparent; }
.msg__article { align-self: flex-start; font-size: 13px; color: var(--accent); font-weight: 600; text-decoration: none; padding: 2px 4px; }
.msg__article:hover { text-decoration: underline; }

.quick-replies { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 4px; }
.quick-reply { border: 1px solid var(--accent); color: var(--accent); background: #fff; border-radius: 999px; padding: 5px 12px; font-size: 13px; }
.quick-reply:hover { background: color-mix(in srgb, var(--accent) 10%, white); }
.answer-check { align-items: center; }
.answer-check__question { flex-basis: 100%; margin: 4px 0 0; font-size: 13px; color: #475569; }
.answer-check__error { flex-basis: 100%; margin: 0; color: #b91c1c; font-size: 13px; }
.answer-check__error:empty { display: none; }

.csat { align-self: stretch; margin: 4px 0; padding: 12px; background: #fff; border: 1px solid #e2e8f0; border-radius: 12px; text-align: center; }
.msg .csat { margin-top: 6px; }
.csat__question { margin: 0 0 8px; font-weight: 600; }
.csat__buttons { display: flex; justify-content: center; gap: 10px; }
.csat__button { width: 64px; padding: 6px 0 4px; border-radius: 12px; border: 1px solid #e2e8f0; background: #f8fafc; display: flex; flex-direction: column; align-items: center; gap: 2px; }
.csat__emoji { font-size: 24px; line-height: 1.2; }
.csat__caption { font-size: 11.5px; color: #64748b; }
.csat__button:hover:not(:disabled) { background: color-mix(in srgb, var(--accent) 10%, white); border-color: var(--accent); }
.csat__thanks, .csat__done { margin: 0; font-weight: 600; }
.csat__comment { display: flex; flex-direction: column; gap: 6px; margin-top: 10px; text-align: left; }
.csat__label { font-size: 13px; color: #475569; }
.csat__textarea { font: inherit; resize: vertical; padding: 8px; border: 1px solid #cbd5e1; border-radius: 8px; }
.csat__submit { align-self: flex-end; border: 0; border-radius: 8px; padding: 6px 12px; background: var(--accent); color: #fff; }
.csat__error { margin: 6px 0 0; color: #b91c1c; font-size: 13px; }

.typing { display: flex; align-items: center; gap: 8px; padding: 6px 18px; font-size: 12.5px; color: #64748b; background: #f8fafc; }
.typing__dots { display: inline-flex; gap: 3px; }
.typing__dots i { width: 6px; height: 6px; border-radius: 50%; background: #94a3b8; animation: hd-bounce 1.2s infinite ease-in-out; }
.typing__dots i:nth-child(2) { animation-delay: .15s; }
.typing__dots i:nth-child(3) { animation-delay: .3s; }
@keyframes hd-bounce { 0%, 60%, 100% { transform: translateY(0); opacity: .5; } 30% { transform: translateY(-4px); opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .typing__dots i { animation: none; } .launcher { transition: none; } }

.error { margin: 0; padding: 8px 16px; font-size: 13px; color: #991b1b; background: #fef2f2; border-top: 1px solid #fecaca; }

.composer { position: relative; display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px 18px; border-top: 1px solid #e2e8f0; background: #fff; }
.composer__input {
  flex: 1; resize: none; min-height: 40px; max-height: 140px; padding: 9px 12px;
  font: inherit; color: inherit; border: 1px solid #cbd5e1; border-radius: 10px; background: #fff;
}
.composer__input:focus { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 20%, transparent); }
.composer__send { width: 40px; height: 40px; flex: none; border: 0; border-radius: 10px; background: var(--accent); color: #fff; display: grid; place-items: center; }
.composer__send svg { width: 20px; height: 20px; fill: currentColor; }
.composer.is-sending .composer__send { opacity: .6; }
.composer__counter { position: absolute; right: 62px; bottom: 2px; font-size: 11px; color: #64748b; }
.composer__counter.is-near { color: #b91c1c; font-weight: 600; }
.footer { margin: 0; padding: 0 0 8px; text-align: center; font-size: 11px; color: #64748b; background: #fff; }
`;
  }
})();
