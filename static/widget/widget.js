/*
 * Helpdesk chat widget. Embed on any site with one tag:
 *
 *   <script src="https://HOST/static/widget/widget.js" async></script>
 *
 * Optional attributes on that tag: data-title, data-color, data-workspace.
 * The API lives on the origin the script was loaded from, so the widget works
 * cross-origin. Visitors authenticate with `Authorization: Visitor <token>`; no cookies.
 * Host pages may call window.HelpdeskWidget.open() / .close() / .reset(), and listen with
 * window.Helpdesk.on(name, callback) / .off(name, callback) for "handoff" {status},
 * "message" {message}, "open", "close" and "csat" {rating}; the same events are dispatched
 * on window as CustomEvents named "helpdesk:<name>" with the payload in `detail`.
 * The file stays ASCII-only (\u escapes): host pages may declare any charset.
 */
(() => {
  "use strict";

  if (window.HelpdeskWidget) return; // the tag was included twice

  const MAX_LENGTH = 10000;
  const POLL_MS = 3000;
  const BACKOFF_MIN_MS = 500;
  const RESEND_MS = 5000; // a message that could not go for want of a connection is tried again this often
  const FIRST_SOCKET_WAIT_MS = 1500; // a new chat's first message waits this long at most for the socket
  const BACKOFF_MAX_MS = 10000;
  const DEFAULT_COLOR = "#4f46e5";
  const RATINGS = { positive: "\u{1F44D}", neutral: "\u{1F610}", negative: "\u{1F44E}" }; // their emoji
  const TYPING_REPEAT_MS = 3000; // the visitor's "typing" is sent again this often while they type...
  const TYPING_IDLE_MS = 4000; // ...and "stopped" after this long without a key
  const TYPING_LAPSE_MS = 10000; // an agent's "typing" shown this long without a new frame (API.md)

  // --- the widget's own words, in the assistant's five languages ----------------------------
  // One phrase a line, its translations in LANGUAGES order. The visitor's language is the
  // conversation's (as the assistant detected it), else the browser's first of the five, else English.
  const LANGUAGES = ["en", "es", "fr", "de", "pt"];
  const PHRASES = {
    title: ["Chat with us", "Chatea con nosotros", "Discutons", "Chatten Sie mit uns", "Fale connosco"],
    ai: ["AI assistant", "Asistente virtual", "Assistant virtuel", "KI-Assistent", "Assistente virtual"],
    agent: ["Support agent", "Agente de soporte", "Conseiller", "Support-Mitarbeiter", "Agente de apoio"],
    waiting: ["Waiting for an agent\u2026", "Esperando a un agente\u2026", "En attente d'un conseiller\u2026", "Warten auf einen Mitarbeiter\u2026", "\u00C0 espera de um agente\u2026"],
    pending: ["We've asked a person to join. You'll get their reply right here.", "Hemos pedido que se una una persona. Recibir\u00E1s su respuesta aqu\u00ED mismo.", "Nous avons demand\u00E9 \u00E0 une personne de vous rejoindre. Sa r\u00E9ponse arrivera ici.", "Wir haben eine Person dazugebeten. Ihre Antwort erscheint hier.", "Pedimos a uma pessoa que se junte \u00E0 conversa. Vai receber a resposta aqui mesmo."],
    resolved: ["This conversation is resolved. Send a message if you need anything else.", "Esta conversaci\u00F3n est\u00E1 resuelta. Escribe si necesitas algo m\u00E1s.", "Cette conversation est r\u00E9solue. \u00C9crivez-nous si vous avez besoin d'autre chose.", "Dieses Gespr\u00E4ch ist erledigt. Schreiben Sie, wenn Sie noch etwas brauchen.", "Esta conversa foi resolvida. Envie uma mensagem se precisar de mais alguma coisa."],
    online: ["Online", "En l\u00EDnea", "En ligne", "Online", "Online"],
    offline: ["Offline", "Sin conexi\u00F3n", "Hors ligne", "Offline", "Offline"],
    connected: ["Connected", "Conectado", "Connect\u00E9", "Verbunden", "Ligado"],
    reconnecting: ["Reconnecting\u2026", "Reconectando\u2026", "Reconnexion\u2026", "Verbindung wird wiederhergestellt\u2026", "A restabelecer a liga\u00E7\u00E3o\u2026"],
    notConnected: ["Not connected", "Sin conectar", "Non connect\u00E9", "Nicht verbunden", "Sem liga\u00E7\u00E3o"],
    openChat: ["Open chat", "Abrir chat", "Ouvrir la discussion", "Chat \u00F6ffnen", "Abrir chat"],
    openChatUnread: ["Open chat ({n} new)", "Abrir chat ({n} nuevos)", "Ouvrir la discussion ({n} nouveaux)", "Chat \u00F6ffnen ({n} neu)", "Abrir chat ({n} novas)"],
    closeChat: ["Close chat", "Cerrar chat", "Fermer la discussion", "Chat schlie\u00DFen", "Fechar chat"],
    messages: ["Messages", "Mensajes", "Messages", "Nachrichten", "Mensagens"],
    aiTyping: ["AI is responding\u2026", "La IA est\u00E1 respondiendo\u2026", "L'IA r\u00E9pond\u2026", "Die KI antwortet\u2026", "A IA est\u00E1 a responder\u2026"],
    agentTyping: ["{name} is typing\u2026", "{name} est\u00E1 escribiendo\u2026", "{name} est en train d'\u00E9crire\u2026", "{name} schreibt\u2026", "{name} est\u00E1 a escrever\u2026"],
    yourMessage: ["Your message", "Tu mensaje", "Votre message", "Ihre Nachricht", "A sua mensagem"],
    placeholder: ["Type your message\u2026", "Escribe tu mensaje\u2026", "\u00C9crivez votre message\u2026", "Schreiben Sie Ihre Nachricht\u2026", "Escreva a sua mensagem\u2026"],
    send: ["Send message", "Enviar mensaje", "Envoyer le message", "Nachricht senden", "Enviar mensagem"],
    poweredBy: ["Powered by Helpdesk", "Con la tecnolog\u00EDa de Helpdesk", "Propuls\u00E9 par Helpdesk", "Bereitgestellt von Helpdesk", "Com a tecnologia Helpdesk"],
    unsentUntilBack: ["We couldn't reach the server. Your message will be sent as soon as the connection is back.", "No pudimos conectar con el servidor. Tu mensaje se enviar\u00E1 en cuanto vuelva la conexi\u00F3n.", "Impossible de joindre le serveur. Votre message partira d\u00E8s le retour de la connexion.", "Der Server ist nicht erreichbar. Ihre Nachricht wird gesendet, sobald die Verbindung zur\u00FCck ist.", "N\u00E3o foi poss\u00EDvel contactar o servidor. A sua mensagem ser\u00E1 enviada assim que a liga\u00E7\u00E3o voltar."],
    unreachable: ["We couldn't reach the server. Check your connection and try again.", "No pudimos conectar con el servidor. Revisa tu conexi\u00F3n e int\u00E9ntalo de nuevo.", "Impossible de joindre le serveur. V\u00E9rifiez votre connexion et r\u00E9essayez.", "Der Server ist nicht erreichbar. Pr\u00FCfen Sie Ihre Verbindung und versuchen Sie es erneut.", "N\u00E3o foi poss\u00EDvel contactar o servidor. Verifique a sua liga\u00E7\u00E3o e tente novamente."],
    tooLong: ["That message is too long.", "Ese mensaje es demasiado largo.", "Ce message est trop long.", "Diese Nachricht ist zu lang.", "Essa mensagem \u00E9 demasiado longa."],
    maxLength: ["Messages can be at most {n} characters.", "Los mensajes pueden tener como m\u00E1ximo {n} caracteres.", "Un message peut compter au plus {n} caract\u00E8res.", "Nachrichten d\u00FCrfen h\u00F6chstens {n} Zeichen lang sein.", "As mensagens podem ter no m\u00E1ximo {n} caracteres."],
    tooFast: ["You're sending messages too quickly. Please wait a moment.", "Est\u00E1s enviando mensajes demasiado r\u00E1pido. Espera un momento.", "Vous envoyez des messages trop vite. Patientez un instant.", "Sie senden zu schnell. Bitte warten Sie einen Moment.", "Est\u00E1 a enviar mensagens demasiado depressa. Aguarde um momento."],
    serverError: ["Something went wrong on our side. Please try again.", "Algo sali\u00F3 mal por nuestra parte. Int\u00E9ntalo de nuevo.", "Un probl\u00E8me est survenu de notre c\u00F4t\u00E9. Veuillez r\u00E9essayer.", "Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es erneut.", "Algo correu mal do nosso lado. Tente novamente."],
    notSent: ["Your message could not be sent. Please try again.", "No se pudo enviar tu mensaje. Int\u00E9ntalo de nuevo.", "Votre message n'a pas pu \u00EAtre envoy\u00E9. Veuillez r\u00E9essayer.", "Ihre Nachricht konnte nicht gesendet werden. Bitte versuchen Sie es erneut.", "N\u00E3o foi poss\u00EDvel enviar a sua mensagem. Tente novamente."],
    suggested: ["Suggested replies", "Respuestas sugeridas", "R\u00E9ponses sugg\u00E9r\u00E9es", "Antwortvorschl\u00E4ge", "Respostas sugeridas"],
    read: ["Read: {title}", "Leer: {title}", "Lire : {title}", "Lesen: {title}", "Ler: {title}"],
    howDidWeDo: ["How did we do?", "\u00BFQu\u00E9 tal lo hicimos?", "Comment s'est pass\u00E9 l'\u00E9change ?", "Wie waren wir?", "Como foi o nosso atendimento?"],
    rateConversation: ["Rate this conversation", "Valora esta conversaci\u00F3n", "\u00C9valuez cette conversation", "Bewerten Sie dieses Gespr\u00E4ch", "Avalie esta conversa"],
    rate: ["Rate: {label}", "Valorar: {label}", "Note : {label}", "Bewertung: {label}", "Avaliar: {label}"],
    positive: ["Good", "Bien", "Bien", "Gut", "Bom"],
    neutral: ["Okay", "Regular", "Correct", "Okay", "Razo\u00E1vel"],
    negative: ["Bad", "Mal", "Mauvais", "Schlecht", "Mau"],
    thanks: ["Thanks for your feedback", "Gracias por tu opini\u00F3n", "Merci pour votre avis", "Danke f\u00FCr Ihr Feedback", "Obrigado pela sua opini\u00E3o"],
    alreadyRated: ["You already rated this conversation: {rating}", "Ya valoraste esta conversaci\u00F3n: {rating}", "Vous avez d\u00E9j\u00E0 \u00E9valu\u00E9 cette conversation : {rating}", "Sie haben dieses Gespr\u00E4ch bereits bewertet: {rating}", "J\u00E1 avaliou esta conversa: {rating}"],
    alreadyRatedThanks: ["You already rated this conversation. Thank you!", "Ya valoraste esta conversaci\u00F3n. \u00A1Gracias!", "Vous avez d\u00E9j\u00E0 \u00E9valu\u00E9 cette conversation. Merci !", "Sie haben dieses Gespr\u00E4ch bereits bewertet. Danke!", "J\u00E1 avaliou esta conversa. Obrigado!"],
    commentLabel: ["Anything to add? (optional)", "\u00BFAlgo m\u00E1s que a\u00F1adir? (opcional)", "Quelque chose \u00E0 ajouter ? (facultatif)", "M\u00F6chten Sie etwas erg\u00E4nzen? (optional)", "Algo a acrescentar? (opcional)"],
    sendComment: ["Send comment", "Enviar comentario", "Envoyer le commentaire", "Kommentar senden", "Enviar coment\u00E1rio"],
    commentThanks: ["Thanks, we got your comment.", "Gracias, hemos recibido tu comentario.", "Merci, nous avons bien re\u00E7u votre commentaire.", "Danke, wir haben Ihren Kommentar erhalten.", "Obrigado, recebemos o seu coment\u00E1rio."],
    commentFailed: ["Your rating is saved; the comment could not be added.", "Tu valoraci\u00F3n est\u00E1 guardada; no se pudo a\u00F1adir el comentario.", "Votre note est enregistr\u00E9e ; le commentaire n'a pas pu \u00EAtre ajout\u00E9.", "Ihre Bewertung ist gespeichert; der Kommentar konnte nicht hinzugef\u00FCgt werden.", "A sua avalia\u00E7\u00E3o foi guardada; n\u00E3o foi poss\u00EDvel adicionar o coment\u00E1rio."],
  };

  // --- configuration from the script tag -------------------------------------------

  const script = document.currentScript || findOwnScript();
  const apiOrigin = new URL(script && script.src ? script.src : location.href).origin;
  const wsOrigin = apiOrigin.replace(/^http/, "ws");
  const options = {
    title: dataAttr("title"), // empty: "Chat with us" in the visitor's language
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
    aiTyping: false,
    agentTyping: "", // the name of the agent typing now
    agentTypingTimer: null,
    typingSentAt: 0, // when the visitor's "typing" frame last went out (0: not typing)
    typingIdleTimer: null,
    items: [], // messages in display order: {id, t, el}
    byId: new Map(),
    csat: new Map(), // survey token -> block element
    lastSeenId: null,
    seenReported: 0, // the newest message id the server heard the visitor saw ("seen" frame)
    seenTimer: null,
    historyLoaded: false,
    lastHandoffStatus: "", // the host page hears each handoff status once
    isOpen: false,
    unread: 0,
    sending: false,
    outbox: [], // what the visitor sent while another message was on its way, in order
    unsent: null, // the box's text that could not go for want of a connection: sent when the server is back
    openingError: null, // the error shown when the chat could not start: cleared once it has
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

  function languageIndex() {
    const wanted = [state.language, ...(navigator.languages || [navigator.language])];
    for (const tag of wanted) {
      const index = LANGUAGES.indexOf(String(tag || "").slice(0, 2).toLowerCase());
      if (index >= 0) return index;
    }
    return 0;
  }

  /** The phrase `key` in the visitor's language, with its {placeholders} filled from `values`. */
  function t(key, values) {
    const row = PHRASES[key];
    const text = row[languageIndex()] || row[0];
    return values ? text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m)) : text;
  }

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

  // A value kept for this tab only (sessionStorage): read back after a reload or on the site's next page, gone in a
  // new tab; "" removes it. With storage disabled (private mode, a sandboxed iframe) it lasts as long as the page.
  function tabValue(name) {
    const key = `${storageKey}:${name}`;
    return {
      load() {
        try {
          return sessionStorage.getItem(key) || "";
        } catch {
          return "";
        }
      },
      save(value) {
        try {
          if (value) sessionStorage.setItem(key, value);
          else sessionStorage.removeItem(key);
        } catch {
          /* storage disabled */
        }
      },
    };
  }

  // Whether the panel was open: a reload shows the chat as the visitor left it, a new tab starts with the launcher.
  const panelOpen = tabValue("open");
  const panelState = {
    wasOpen: () => panelOpen.load() === "1",
    remember: (isOpen) => panelOpen.save(isOpen ? "1" : ""),
  };

  // What the visitor has typed and not sent: given back after a reload (trial 27: a half-written message was lost);
  // sent or cleared, it is forgotten.
  const typed = tabValue("draft");
  const draft = {
    load: () => typed.load(),
    remember: (text) => typed.save(text.trim() ? text : ""),
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
      throw new WidgetError(0, t("unreachable"));
    }
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new WidgetError(res.status, errorMessage(res.status, data), data);
    return data;
  }

  function errorMessage(status, data) {
    if (status === 413) return t("tooLong");
    if (status === 429) return t("tooFast");
    if (status >= 500) return t("serverError");
    // The server explains other refusals in English; in another language the widget's own words.
    const message = data && data.error && data.error.message;
    return message && languageIndex() === 0 ? message : t("notSent");
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
      // the browser's language: the workspace's greeting in it, when it has one
      const body = { language: navigator.language || "" };
      if (options.workspace) body.workspace = options.workspace;
      state.creating = request("widget/conversations/", { method: "POST", body, auth: false })
        .then((data) => {
          if (generation !== state.generation) throw new WidgetError(0, "The chat was reset.");
          state.conversation = { id: String(data.id), token: data.visitor_token };
          store.save({ id: state.conversation.id, visitor_token: data.visitor_token, csat: {} });
          applyConversation(data);
          // Nothing to replay in a conversation this page just created: the visitor's first message
          // (answered by the POST before the first catch-up ends) is news to the host page too.
          state.historyLoaded = true;
          startLive();
          const conv = state.conversation;
          return socketOpen(FIRST_SOCKET_WAIT_MS).then(() => conv);
        })
        .finally(() => {
          state.creating = null;
        });
    }
    return state.creating;
  }

  // The first message waits briefly for the socket, so the visitor sees the assistant start on it
  // (ai.typing) and not only its answer; a socket that cannot open holds it up no longer than this.
  function socketOpen(timeoutMs) {
    const ws = state.socket;
    if (!ws || ws.readyState !== WebSocket.CONNECTING) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        ws.removeEventListener("open", done);
        ws.removeEventListener("close", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      ws.addEventListener("open", done);
      ws.addEventListener("close", done);
    });
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
    state.seenReported = 0;
    state.historyLoaded = false;
    state.unread = 0;
    ui.log.replaceChildren();
    setTyping(false);
    setAgentTyping(false, "");
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
    if ("assignee_name" in data) state.assigneeName = data.assignee_name || "";
    if (data.language && data.language !== state.language) {
      state.language = data.language;
      renderWords(); // the assistant detected the visitor's language: the widget follows it
    } else {
      renderHeader();
    }
  }

  // --- script events for the host page ---------------------------------------------------------

  const listeners = new Map(); // event name -> Set of callbacks
  const EVENT_NAMES = ["handoff", "message", "open", "close", "csat"];

  function on(name, callback) {
    if (!EVENT_NAMES.includes(name) || typeof callback !== "function") return;
    if (!listeners.has(name)) listeners.set(name, new Set());
    listeners.get(name).add(callback);
  }

  function off(name, callback) {
    const set = listeners.get(name);
    if (set) set.delete(callback);
  }

  function emit(name, detail) {
    for (const callback of Array.from(listeners.get(name) || [])) {
      try {
        callback(detail);
      } catch (err) {
        console.error("Helpdesk: a host page's", name, "listener failed", err); // never break the widget
      }
    }
    window.dispatchEvent(new CustomEvent(`helpdesk:${name}`, { detail }));
  }

  function applyHandoffStatus(status) {
    // conversation.updated normally follows; this keeps the header right if it is late.
    if (status && status !== state.lastHandoffStatus) {
      state.lastHandoffStatus = status;
      emit("handoff", { status });
    }
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
      // the server is back: "couldn't reach the server" is no longer true, and what could not go goes now
      if (ui.error.textContent === t("unreachable")) showError("");
      resendUnsent();
      stopPolling();
      catchUp(); // anything sent while we were away
      refreshConversation();
      reportSeenSoon(); // what was shown while the socket was down
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
      // An ai.typing{false} sent while we were offline would never arrive; the server stopped our own typing.
      setTyping(false);
      setAgentTyping(false, "");
      state.typingSentAt = 0;
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
      case "agent.typing":
        setAgentTyping(Boolean(event.active), String(event.name || ""));
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
      showError(t("maxLength", { n: MAX_LENGTH.toLocaleString() }));
      return false;
    }
    state.sending = true;
    stopTyping();
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

  /** A frame on the socket, when it is up; returns whether it went. */
  function sendFrame(frame) {
    if (!state.socket || !state.online) return false;
    state.socket.send(JSON.stringify(frame));
    return true;
  }

  // The visitor is typing: the agents see it (sent again now and then, so theirs does not lapse).
  function noteTyping() {
    if (!ui.input.value.trim()) return stopTyping();
    const now = Date.now();
    if (now - state.typingSentAt > TYPING_REPEAT_MS && sendFrame({ type: "typing", active: true })) {
      state.typingSentAt = now;
    }
    clearTimeout(state.typingIdleTimer);
    state.typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(state.typingIdleTimer);
    if (state.typingSentAt) sendFrame({ type: "typing", active: false });
    state.typingSentAt = 0;
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
      emit("csat", { rating });
    } catch (err) {
      if (err.status === 409) {
        // The 409 carries the rating recorded first, as top-level `rating`.
        const known = err.data && RATINGS[err.data.rating] ? err.data.rating : "";
        if (known) rememberCsat(token, known);
        showCsatRecorded(block, known);
      } else if (err.status === 0 && sendFrame({ type: "csat.answer", token, rating })) {
        rememberCsat(token, rating);
        showCsatThanks(block, token, rating, false);
        emit("csat", { rating });
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
      const done = el("p", "csat__done", t("commentThanks"));
      form.replaceWith(done);
    } catch (err) {
      setCsatError(form, err.status === 409 ? t("commentFailed") : err.message);
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

    const head = el("header", "head");
    const headText = el("div", "head__text");
    const title = el("h2", "head__title");
    const sub = el("p", "head__sub");
    const connection = testid(el("span", "conn"), "widget-connection");
    connection.setAttribute("data-state", "offline");
    connection.append(el("span", "conn__dot"), el("span", "sr-only conn__label"));
    const answering = testid(el("span", "head__answering"), "widget-answering");
    sub.append(connection, answering);
    headText.append(title, sub);
    const closeButton = el("button", "head__close");
    closeButton.type = "button";
    closeButton.append(svg(ICON_CLOSE));
    head.append(headText, closeButton);

    const status = testid(el("p", "status"), "widget-status");
    status.hidden = true;
    status.setAttribute("role", "status");

    const log = testid(el("div", "log"), "widget-messages");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.tabIndex = 0;

    const typing = testid(el("div", "typing"), "widget-typing");
    typing.hidden = true;
    typing.setAttribute("role", "status");
    const dots = el("span", "typing__dots");
    dots.setAttribute("aria-hidden", "true");
    dots.append(el("i"), el("i"), el("i"));
    const typingText = el("span", "typing__text");
    typing.append(dots, typingText);

    const error = testid(el("p", "error"), "widget-error");
    error.hidden = true;
    error.setAttribute("role", "alert");

    const form = el("form", "composer");
    form.noValidate = true;
    const label = el("label", "sr-only");
    label.htmlFor = "hd-input";
    const input = testid(el("textarea", "composer__input"), "widget-input");
    input.id = "hd-input";
    input.rows = 1;
    // no maxLength: it cut a long paste in half without a word (trial 54); the counter and the error say it instead
    input.setAttribute("aria-describedby", "hd-counter");
    const sendButton = testid(el("button", "composer__send"), "widget-send");
    sendButton.type = "submit";
    sendButton.append(svg(ICON_SEND));
    const counter = el("span", "composer__counter");
    counter.id = "hd-counter";
    form.append(label, input, sendButton, counter);

    const footer = el("p", "footer");
    panel.append(head, status, log, typing, error, form, footer);

    const launcher = testid(el("button", "launcher"), "widget-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    const badge = el("span", "launcher__badge");
    badge.hidden = true;
    badge.setAttribute("aria-hidden", "true");
    launcher.append(svg(ICON_CHAT), badge);

    root.append(panel, launcher);
    return { host, root, panel, title, answering, connection, status, log, typing, typingText, error, form, label, input,
      sendButton, counter, footer, launcher, badge, closeButton };
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

  /** Every fixed word of the widget, in the visitor's language (again when the language becomes known). */
  function renderWords() {
    const title = options.title || t("title");
    ui.panel.lang = LANGUAGES[languageIndex()];
    ui.panel.setAttribute("aria-label", title);
    ui.title.textContent = title;
    ui.closeButton.setAttribute("aria-label", t("closeChat"));
    ui.log.setAttribute("aria-label", t("messages"));
    ui.label.textContent = t("yourMessage");
    ui.input.setAttribute("aria-label", t("yourMessage")); // named by more than its placeholder
    ui.input.placeholder = t("placeholder");
    ui.sendButton.setAttribute("aria-label", t("send"));
    ui.footer.textContent = t("poweredBy");
    renderHeader();
    renderTyping();
    renderUnread();
    setOnline(state.online);
    // messages shown before the language was known (a reload shows the history first): "Read: …" in English under
    // a Spanish answer (trial 54)
    ui.log.querySelectorAll(".msg__article").forEach((link) => {
      link.textContent = t("read", { title: link.dataset.title });
    });
    ui.log.querySelectorAll(".quick-replies").forEach((group) => group.setAttribute("aria-label", t("suggested")));
  }

  function renderHeader() {
    let answering = t("ai");
    let status = "";
    if (state.status === "pending_human") {
      answering = t("waiting");
      status = t("pending");
    } else if (state.status === "assigned") {
      answering = state.assigneeName || t("agent");
    } else if (state.status === "resolved") {
      status = t("resolved");
    }
    ui.answering.textContent = answering;
    ui.status.textContent = status;
    ui.status.hidden = !status;
  }

  function setOnline(online) {
    state.online = online;
    ui.connection.setAttribute("data-state", online ? "online" : "offline");
    ui.connection.querySelector(".conn__label").textContent = t(online ? "online" : "offline");
    ui.connection.title = t(online ? "connected" : state.conversation ? "reconnecting" : "notConnected");
  }

  function setTyping(active) {
    state.aiTyping = active;
    renderTyping();
  }

  function setAgentTyping(active, name) {
    clearTimeout(state.agentTypingTimer);
    state.agentTyping = active ? name || t("agent") : "";
    // A lost "stopped" (a closed tab, a dropped socket) must not leave it on for good.
    if (active) state.agentTypingTimer = setTimeout(() => setAgentTyping(false, ""), TYPING_LAPSE_MS);
    renderTyping();
  }

  function renderTyping() {
    const active = Boolean(state.agentTyping) || state.aiTyping;
    const wasHidden = ui.typing.hidden;
    ui.typing.hidden = !active;
    ui.typing.setAttribute("data-who", state.agentTyping ? "agent" : "ai");
    ui.typingText.textContent = state.agentTyping ? t("agentTyping", { name: state.agentTyping }) : t("aiTyping");
    if (active && wasHidden) scrollToBottom(true);
  }

  function showError(message) {
    ui.error.textContent = message || "";
    ui.error.hidden = !message;
  }

  function renderComposer() {
    const length = ui.input.value.length;
    ui.counter.textContent = `${length.toLocaleString()} / ${MAX_LENGTH.toLocaleString()}`;
    ui.counter.classList.toggle("is-near", length >= MAX_LENGTH * 0.9);
    ui.counter.classList.toggle("is-over", length > MAX_LENGTH);
    ui.counter.hidden = length === 0;
    ui.sendButton.disabled = state.sending;
    ui.form.classList.toggle("is-sending", state.sending);
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight, 140)}px`;
  }

  function renderUnread() {
    ui.badge.hidden = state.unread === 0;
    ui.badge.textContent = state.unread > 9 ? "9+" : String(state.unread);
    ui.launcher.setAttribute("aria-label", state.unread ? t("openChatUnread", { n: state.unread }) : t("openChat"));
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
    if (state.historyLoaded) emit("message", { message }); // new messages, not the history replayed on load

    const metadata = message.metadata || {};
    if (metadata.csat && metadata.csat.token) showCsat(metadata.csat, node);
    refreshQuickReplies();
    if (message.sender_type === "agent" && state.status === "pending_human" && state.historyLoaded) {
      // a person's reply is a person there, even before the status event comes (trial of 4 Dec: the header kept
      // saying "We've asked a person to join" while Ana replied)
      state.status = "assigned";
      state.assigneeName = state.assigneeName || String(message.sender_name || "");
      renderHeader();
    }

    if (message.sender_type !== "visitor" && state.historyLoaded && !state.isOpen) {
      state.unread += 1;
      renderUnread();
    }
    scrollToBottom(nearBottom || message.sender_type === "visitor");
    reportSeenSoon();
  }

  // What the visitor has seen: the newest message shown while the panel is open and the page in view. An agent's
  // reply after it, still unseen a few minutes later, goes to the visitor's email when they gave one.
  function reportSeenSoon() {
    clearTimeout(state.seenTimer);
    state.seenTimer = setTimeout(reportSeen, 300); // a history replay sends one frame, not one per message
  }

  function reportSeen() {
    if (!state.isOpen || document.visibilityState !== "visible") return;
    let newest = 0;
    for (const id of state.byId.keys()) newest = Math.max(newest, Number(id) || 0);
    if (newest > state.seenReported && sendFrame({ type: "seen", message: newest })) state.seenReported = newest;
  }

  function insertSorted(item) {
    // Events and POST answers can arrive out of order; keep server time order.
    let index = state.items.length;
    while (index > 0 && state.items[index - 1].t > item.t) index -= 1;
    if (index === state.items.length) ui.log.append(item.el);
    else ui.log.insertBefore(item.el, state.items[index].el);
    state.items.splice(index, 0, item);
  }

  /** The body without the articles' bare addresses ("From our article “Returns”: https://…/help/1/3/"): the
   *  links under the message open them; emails and SMS keep the address, having no such link. */
  function withoutArticleUrls(body, articles) {
    let text = body;
    for (const article of articles) {
      const url = article && typeof article.url === "string" ? article.url : "";
      if (url && safeUrl(url)) text = text.split(`: ${url}`).join("");
    }
    return text;
  }

  /** The message's text with its http(s) addresses as links (a tracking link an agent pasted was plain text:
   *  re-trial of 4 Dec). Text nodes and anchors only, never markup; the same cut as the app's shared linkParts,
   *  written again here because this file is embedded alone on host pages. */
  function linkedBody(text) {
    const body = el("div", "msg__body");
    let at = 0;
    for (const match of text.matchAll(/\bhttps?:\/\/[^\s<>"']+/gi)) {
      const url = match[0].replace(/[.,;:!?)\]}'"\u00bb\u201d]+$/, "");
      const href = safeUrl(url);
      if (!href || !/^https?:/i.test(url)) continue;
      if (match.index > at) body.append(document.createTextNode(text.slice(at, match.index)));
      const link = el("a", "msg__link", url);
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
      body.append(link);
      at = match.index + url.length;
    }
    if (at < text.length) body.append(document.createTextNode(text.slice(at)));
    return body;
  }

  function renderMessage(message) {
    const type = ["visitor", "ai", "agent", "system"].includes(message.sender_type) ? message.sender_type : "system";
    const node = testid(el("div", `msg msg--${type}`), "widget-message");
    node.setAttribute("data-sender-type", type);
    node.setAttribute("data-message-id", String(message.id));

    if (type === "ai" || type === "agent") {
      const fallback = t(type === "ai" ? "ai" : "agent");
      node.append(testid(el("div", "msg__sender", message.sender_name || fallback), "widget-sender"));
    }
    const metadata = message.metadata || {};
    // the answer's article, and the others' when the message asked several things
    const articles = [metadata.article, ...(Array.isArray(metadata.more_articles) ? metadata.more_articles : [])];
    node.append(linkedBody(withoutArticleUrls(message.body || "", articles)));

    for (const article of articles.slice(0, 4)) {
      const href = article && safeUrl(article.url);
      if (!href) continue;
      const link = el("a", "msg__article", t("read", { title: article.title || href }));
      link.dataset.title = article.title || href; // relabelled when the widget learns the visitor's language
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
      group.setAttribute("aria-label", t("suggested"));
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
    block.append(el("p", "csat__question", t("howDidWeDo")));
    const buttons = el("div", "csat__buttons");
    buttons.setAttribute("role", "group");
    buttons.setAttribute("aria-label", t("rateConversation"));
    ratings.forEach((rating) => {
      const button = testid(el("button", "csat__button"), `csat-${rating}`);
      button.type = "button";
      button.setAttribute("aria-label", t("rate", { label: t(rating) }));
      const emoji = el("span", "csat__emoji", RATINGS[rating]);
      emoji.setAttribute("aria-hidden", "true");
      button.append(emoji, el("span", "csat__caption", t(rating)));
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
    const thanks = testid(el("p", "csat__thanks", `${RATINGS[rating]} ${t("thanks")}`), "csat-thanks");
    block.replaceChildren(thanks);
    if (askComment) block.append(buildCommentForm(token, rating));
  }

  function showCsatRecorded(block, rating) {
    const text = rating ? t("alreadyRated", { rating: `${RATINGS[rating]} ${t(rating)}` }) : t("alreadyRatedThanks");
    block.replaceChildren(testid(el("p", "csat__thanks", text), "csat-recorded"));
  }

  function buildCommentForm(token, rating) {
    const form = el("form", "csat__comment");
    const label = el("label", "csat__label", t("commentLabel"));
    label.htmlFor = `hd-csat-${token}`;
    const area = el("textarea", "csat__textarea");
    area.id = label.htmlFor;
    area.rows = 2;
    area.maxLength = 2000;
    const button = el("button", "csat__submit", t("sendComment"));
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
    const wasOpen = state.isOpen;
    state.isOpen = true;
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.launcher.classList.add("is-open");
    state.unread = 0;
    renderUnread();
    renderComposer();
    scrollToBottom(true);
    ui.input.focus({ preventScroll: true });
    startWhenPossible();
    panelState.remember(true);
    reportSeenSoon();
    if (!wasOpen) emit("open", {});
  }

  // A chat that could not start for want of the server (down, overloaded, a hung Redis) is tried again while the panel
  // is open, and its error goes once it has started (trial 27: "Something went wrong on our side" stayed on screen after
  // the server was back, until the visitor sent something).
  function startWhenPossible() {
    ensureConversation()
      .then(() => {
        if (state.openingError !== null && ui.error.textContent === state.openingError) showError("");
        state.openingError = null;
      })
      .catch((err) => {
        showError(err.message);
        const passing = err instanceof WidgetError && (err.status >= 500 || err.status === 429
          || (err.status === 0 && err.message === t("unreachable")));
        if (!passing) return;
        state.openingError = err.message;
        setTimeout(() => {
          if (state.isOpen && !state.conversation) startWhenPossible();
        }, RESEND_MS);
      });
  }

  function close() {
    const wasOpen = state.isOpen;
    const hadFocus = ui.root.activeElement && ui.panel.contains(ui.root.activeElement);
    state.isOpen = false;
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.classList.remove("is-open");
    if (hadFocus) ui.launcher.focus();
    panelState.remember(false);
    if (wasOpen) emit("close", {});
  }

  function reset() {
    forget();
    showError("");
    ui.input.value = "";
    draft.remember("");
    renderComposer();
  }

  // --- wiring ----------------------------------------------------------------------------------

  ui.launcher.addEventListener("click", () => (state.isOpen ? close() : open()));
  document.addEventListener("visibilitychange", reportSeenSoon); // back to the tab: what is on screen is seen
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
    noteTyping();
    draft.remember(ui.input.value);
    const tooLong = t("maxLength", { n: MAX_LENGTH.toLocaleString() });
    if (ui.input.value.length > MAX_LENGTH) showError(tooLong);
    else if (ui.error.textContent === tooLong) showError("");
  });
  window.addEventListener("online", () => {
    if (state.conversation && !state.socket) {
      state.backoff = BACKOFF_MIN_MS;
      connect();
    }
    resendUnsent();
  });

  async function submitComposer() {
    const text = ui.input.value;
    if (!text.trim()) return;
    state.outbox.push(text);
    ui.input.value = ""; // on its way; back in the box if it cannot go
    draft.remember(ui.input.value);
    renderComposer();
    // Enter again while a message is on its way: this one follows it, in order (the third of three quick
    // messages stayed in the box, unsent and unsaid: trial 56)
    if (state.sending) return;
    while (state.outbox.length) {
      if (!(await send(state.outbox[0]))) {
        // what could not go is back in the box, before anything typed since
        ui.input.value = [...state.outbox.splice(0), ui.input.value].filter((part) => part.trim()).join("\n");
        // for want of a connection, it goes by itself when the server is back (a message sent while Daphne restarted
        // stayed in the box after the widget was online again: trial 26); its Idempotency-Key is kept, so a first try
        // the server stored is not stored twice
        if (ui.error.textContent === t("unreachable")) {
          state.unsent = ui.input.value;
          showError(t("unsentUntilBack"));
          setTimeout(resendUnsent, RESEND_MS); // (a socket that never dropped brings no "back" of its own)
        }
        break;
      }
      state.outbox.shift();
    }
    draft.remember(ui.input.value); // what went is no draft; what could not go is one again
    renderComposer();
  }

  /** The server is reachable again: the text that could not go is sent, unless the visitor changed it since. */
  function resendUnsent() {
    const text = state.unsent;
    state.unsent = null;
    if (text === null || state.sending || ui.input.value !== text) return;
    if (ui.error.textContent === t("unsentUntilBack")) showError("");
    submitComposer();
  }

  function mount() {
    document.body.append(ui.host);
    renderWords();
    ui.input.value = draft.load();
    renderComposer();
    const saved = store.load();
    if (saved && saved.id && saved.visitor_token) {
      state.conversation = { id: String(saved.id), token: saved.visitor_token };
      startLive();
      if (panelState.wasOpen()) open();
    }
  }

  window.HelpdeskWidget = Object.freeze({ open, close, reset });
  window.Helpdesk = Object.freeze({ on, off, open, close });

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
.msg__time { font-size: 11px; color: #475569; padding: 0 4px; }
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
.msg__link { color: inherit; text-decoration: underline; word-break: break-all; }

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
.composer__counter { position: absolute; right: 62px; bottom: 2px; font-size: 11px; color: #475569; }
.composer__counter.is-near, .composer__counter.is-over { color: #b91c1c; font-weight: 600; }
.footer { margin: 0; padding: 0 0 8px; text-align: center; font-size: 11px; color: #475569; background: #fff; }
`;
  }
})();
