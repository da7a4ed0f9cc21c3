/*
 * The agent inbox: conversation list, the selected conversation, live updates.
 * Talks to the REST API with the session cookie and listens on /ws/inbox/.
 * Every piece of customer text goes through textContent, never innerHTML.
 */

const config = JSON.parse(document.getElementById("inbox-config").textContent || "{}");
const API_BASE = config.api_base || "/api/v1/";
const ME = config.user || {};
const OPEN_STATUSES = "open,pending_human,assigned";
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
const POLL_MS = Math.max(Number(config.poll_ms) || 15000, 1000);
const HEARTBEAT_MS = 10000;

const FILTERS = {
  needs_agent: { params: { needs_agent: "true" }, match: (c) => Boolean(c.needs_agent) },
  mine: { params: { assignee: "me", status: OPEN_STATUSES }, match: (c) => !isResolved(c) && sameId(c.assignee && c.assignee.id, ME.id) },
  unassigned: { params: { assignee: "unassigned", status: OPEN_STATUSES }, match: (c) => !isResolved(c) && !c.assignee },
  open: { params: { status: OPEN_STATUSES }, match: (c) => !isResolved(c) },
  resolved: { params: { status: "resolved" }, match: (c) => isResolved(c) },
};

const STATUS_LABELS = { open: "AI", pending_human: "Waiting", assigned: "Assigned", resolved: "Resolved" };
const STATUS_TITLES = {
  open: "The AI (or a flow) is handling it",
  pending_human: "Waiting for a human",
  assigned: "Assigned to a human",
  resolved: "Resolved",
};
const HANDOFF_LABELS = { pending: "Waiting for an agent", acknowledged: "Taken", resolved: "Resolved", cancelled: "Back with the AI" };
const TRIGGER_LABELS = {
  user_request: "the visitor's request",
  ai_decision: "the AI",
  restricted_topic: "a restricted topic",
  flow: "a flow",
  agent: "an agent",
};
const SENDER_PREFIX = { ai: "AI: ", agent: "Agent: ", system: "", visitor: "" };
const RESOLUTION_LABELS = { resolved: "Resolved", no_action_needed: "No action needed", duplicate: "Duplicate", spam: "Spam" };

const state = {
  filter: "open",
  conversations: new Map(), // id -> list item, only those matching the filter
  next: null,
  listRequest: 0,
  openId: null,
  open: null, // detail of the selected conversation
  openRequest: 0,
  messageIds: new Set(),
  drafts: new Map(), // conversation id -> unsent reply text
  fetching: new Set(), // conversation ids being fetched because an event named an unknown one
  socket: null,
  everConnected: false,
  backoff: BACKOFF_MIN_MS,
  reconnectTimer: null,
  pollTimer: null,
  heartbeatTimer: null,
  announcedHandoffs: new Set(), // handoff ids the polling fallback has notified (or found waiting at start)
  permissionRequest: null,
};

const $ = (id) => document.getElementById(id);
const dom = {
  availability: $("availability-toggle"),
  myTeams: $("my-teams"),
  wsState: document.querySelector("[data-testid=ws-state]"),
  notify: document.querySelector("[data-testid=enable-notifications]"),
  tabs: Array.from(document.querySelectorAll(".filters__tab")),
  list: $("conversation-list"),
  listEmpty: $("conversation-empty"),
  loadMore: $("load-more"),
  placeholder: $("thread-placeholder"),
  view: $("thread-view"),
  contactName: $("contact-name"),
  contactEmail: $("contact-email"),
  status: $("conversation-status"),
  assignee: $("conversation-assignee"),
  team: $("conversation-team"),
  csat: $("conversation-csat"),
  channel: $("conversation-channel"),
  detailsToggle: $("details-toggle"),
  claim: $("claim"),
  assignGroup: $("assign-group"),
  assignSelect: $("assign-select"),
  assignSubmit: $("assign-submit"),
  unassign: $("unassign"),
  resolveGroup: $("resolve-group"),
  resolveType: $("resolve-type"),
  resolve: $("resolve"),
  resolvedNote: $("resolved-note"),
  handoff: $("handoff"),
  handoffPriority: $("handoff-priority"),
  handoffStatus: $("handoff-status"),
  handoffReason: $("handoff-reason"),
  handoffTarget: $("handoff-target"),
  handoffSummary: $("handoff-summary"),
  handoffGathered: $("handoff-gathered"),
  history: $("history"),
  replyForm: $("reply-form"),
  replyInput: $("reply-input"),
  replySend: $("reply-send"),
  replyHint: $("reply-hint"),
  details: $("details"),
  detailsBody: $("details-body"),
  contactDetails: $("contact-details"),
  contactAttributes: $("contact-attributes"),
  tags: $("conversation-tags"),
  flowLog: $("flow-log"),
  toasts: $("toasts"),
};

// --- small helpers ------------------------------------------------------------------------

function sameId(a, b) {
  return a !== undefined && a !== null && b !== undefined && b !== null && String(a) === String(b);
}

function isResolved(c) {
  return c.status === "resolved";
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function humanize(key) {
  const text = String(key).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function displayValue(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function contactName(c) {
  const contact = c.contact || {};
  return contact.name || contact.email || contact.phone || `Visitor ${String(contact.id || c.id).slice(0, 8)}`;
}

function relativeTime(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const seconds = Math.round((Date.now() - t) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours}h ago`;
  const days = Math.round(hours / 24);
  if (days < 7) return `${days}d ago`;
  return new Date(t).toLocaleDateString();
}

function timeElement(iso, className) {
  const node = el("time", className, relativeTime(iso));
  if (iso) {
    node.dateTime = iso;
    node.title = new Date(iso).toLocaleString();
    node.dataset.relative = "true";
  }
  return node;
}

function setText(node, text) {
  node.textContent = text === undefined || text === null ? "" : String(text);
}

// --- API ------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message, error) {
    super(message);
    this.status = status;
    this.error = error || {};
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

async function api(path, { method = "GET", body } = {}) {
  const url = /^(https?:)?\//.test(path) ? path : API_BASE + path;
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!["GET", "HEAD", "OPTIONS"].includes(method)) headers["X-CSRFToken"] = csrfToken();
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "Can't reach the server. Check your connection.");
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const error = (data && data.error) || {};
    if (res.status === 401 || error.code === "not_authenticated") {
      location.assign(`/login/?next=${encodeURIComponent(location.pathname + location.hash)}`);
    }
    throw new ApiError(res.status, error.message || `Request failed (${res.status}).`, error);
  }
  return data;
}

async function apiAll(path) {
  let data = await api(path);
  if (Array.isArray(data)) return data;
  const out = [...((data && data.results) || [])];
  for (let page = 0; data && data.next && page < 50; page += 1) {
    data = await api(data.next);
    out.push(...((data && data.results) || []));
  }
  return out;
}

function query(params) {
  const search = new URLSearchParams(params).toString();
  return search ? `?${search}` : "";
}

const enc = encodeURIComponent;

// --- toasts and desktop notifications -------------------------------------------------------

function toast({ kind = "info", title, body, actionLabel, action, timeout = 8000 }) {
  const node = el("div", `toast toast--${kind}`);
  node.setAttribute("data-testid", "toast");
  node.setAttribute("data-kind", kind);
  node.setAttribute("role", kind === "error" ? "alert" : "status");
  const text = el("div", "toast__text");
  if (title) text.append(el("strong", "toast__title", title));
  if (body) text.append(el("p", "toast__body", body));
  node.append(text);
  if (action) {
    const button = el("button", "btn btn--small btn--primary", actionLabel || "Open");
    button.type = "button";
    button.addEventListener("click", () => {
      action();
      node.remove();
    });
    node.append(button);
  }
  const close = el("button", "toast__close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Dismiss");
  close.addEventListener("click", () => node.remove());
  node.append(close);
  dom.toasts.append(node);
  if (timeout) setTimeout(() => node.remove(), timeout);
  return node;
}

function toastError(err) {
  toast({ kind: "error", title: "Something went wrong", body: err && err.message ? err.message : String(err) });
}

function notificationsSupported() {
  return "Notification" in window;
}

function renderNotifyButton() {
  if (!notificationsSupported()) {
    dom.notify.textContent = "Desktop notifications unavailable";
    dom.notify.disabled = true;
    return;
  }
  const labels = { granted: "Desktop notifications on", denied: "Notifications blocked in browser", default: "Enable notifications" };
  dom.notify.textContent = labels[Notification.permission] || labels.default;
  dom.notify.dataset.permission = Notification.permission;
}

function requestNotificationPermission() {
  if (!notificationsSupported() || Notification.permission !== "default") return Promise.resolve();
  // One prompt at a time: the load-time request and the first click may overlap.
  if (!state.permissionRequest) {
    state.permissionRequest = Promise.resolve()
      .then(() => Notification.requestPermission())
      .catch(() => {
        /* old Safari: callback-only API; the button stays available */
      })
      .finally(() => {
        state.permissionRequest = null;
        renderNotifyButton();
      });
  }
  return state.permissionRequest;
}

function desktopNotify(title, body, conversationId) {
  if (!notificationsSupported() || Notification.permission !== "granted") return;
  try {
    const n = new Notification(title, { body, tag: `handoff-${conversationId}` });
    n.onclick = () => {
      window.focus();
      openConversation(conversationId);
      n.close();
    };
  } catch {
    /* some mobile browsers only allow notifications from a service worker */
  }
}

// --- availability ---------------------------------------------------------------------------

async function loadMe() {
  try {
    const me = await api("agents/me/");
    dom.availability.checked = Boolean(me.available);
    dom.availability.disabled = false;
    const teams = (me.teams || []).map((t) => t.name).filter(Boolean);
    dom.myTeams.textContent = teams.length ? `Teams: ${teams.join(", ")}` : "";
    dom.myTeams.hidden = !teams.length;
  } catch (err) {
    if (err.status !== 401) toastError(err);
  }
}

async function setAvailability() {
  const wanted = dom.availability.checked;
  dom.availability.disabled = true;
  try {
    const me = await api("agents/me/", { method: "PATCH", body: { available: wanted } });
    dom.availability.checked = me && "available" in me ? Boolean(me.available) : wanted;
  } catch (err) {
    dom.availability.checked = !wanted;
    toastError(err);
  } finally {
    dom.availability.disabled = false;
  }
}

// --- conversation list ----------------------------------------------------------------------

async function loadList() {
  const request = ++state.listRequest;
  dom.list.setAttribute("aria-busy", "true");
  try {
    const data = await api(`conversations/${query(FILTERS[state.filter].params)}`);
    if (request !== state.listRequest) return; // a newer filter won
    const results = Array.isArray(data) ? data : (data && data.results) || [];
    state.conversations = new Map();
    results.forEach((c) => addToList(c));
    state.next = Array.isArray(data) ? null : data && data.next;
    renderList();
  } catch (err) {
    if (request === state.listRequest) toastError(err);
  } finally {
    if (request === state.listRequest) dom.list.setAttribute("aria-busy", "false");
  }
}

async function loadMore() {
  if (!state.next) return;
  const request = state.listRequest;
  dom.loadMore.disabled = true;
  try {
    const data = await api(state.next);
    if (request !== state.listRequest) return;
    ((data && data.results) || []).forEach((c) => addToList(c));
    state.next = data && data.next;
    renderList();
  } catch (err) {
    toastError(err);
  } finally {
    dom.loadMore.disabled = false;
  }
}

function addToList(c) {
  if (c && c.id !== undefined && FILTERS[state.filter].match(c)) state.conversations.set(String(c.id), c);
}

function mergeConversation(existing, patch) {
  if (!existing) return patch;
  const merged = { ...existing, ...patch };
  if (existing.contact && patch.contact) merged.contact = { ...existing.contact, ...patch.contact };
  return merged;
}

/** Apply a (partial) conversation from an event or a response to the list and the open view. */
function upsertConversation(patch) {
  if (!patch || patch.id === undefined || patch.id === null) return;
  const id = String(patch.id);
  const merged = mergeConversation(state.conversations.get(id), patch);
  if (FILTERS[state.filter].match(merged)) state.conversations.set(id, merged);
  else state.conversations.delete(id);
  renderList();
  if (id === state.openId && state.open) {
    state.open = mergeConversation(state.open, patch);
    renderThread();
  }
}

function sortedConversations() {
  return Array.from(state.conversations.values()).sort(
    (a, b) => (Date.parse(b.last_activity_at) || 0) - (Date.parse(a.last_activity_at) || 0),
  );
}

function renderList() {
  const items = sortedConversations();
  const existing = new Map(Array.from(dom.list.children).map((li) => [li.dataset.id, li]));
  const wanted = items.map((c) => {
    const id = String(c.id);
    const li = existing.get(id) || createRow(id);
    renderItem(li.firstElementChild, c);
    existing.delete(id);
    return li;
  });
  existing.forEach((li) => li.remove());
  // Move rows only when the order changed, so a focused row keeps focus.
  wanted.forEach((li, index) => {
    if (dom.list.children[index] !== li) dom.list.insertBefore(li, dom.list.children[index] || null);
  });
  dom.listEmpty.hidden = items.length > 0;
  dom.loadMore.hidden = !state.next;
}

function createRow(id) {
  const li = el("li", "conv-list__row");
  li.dataset.id = id;
  const button = el("button", "conv-item");
  button.type = "button";
  button.setAttribute("data-testid", "conversation-item");
  button.setAttribute("data-conversation-id", id);
  button.addEventListener("click", () => openConversation(id));
  li.append(button);
  return li;
}

function renderItem(button, c) {
  const id = String(c.id);
  button.setAttribute("data-needs-agent", c.needs_agent ? "true" : "false");
  button.setAttribute("data-status", c.status || "");
  button.classList.toggle("is-needs-agent", Boolean(c.needs_agent));
  button.classList.toggle("is-active", id === state.openId);
  if (id === state.openId) button.setAttribute("aria-current", "true");
  else button.removeAttribute("aria-current");

  const top = el("div", "conv-item__top");
  top.append(el("span", "conv-item__name", contactName(c)), timeElement(c.last_activity_at, "conv-item__time"));

  const last = c.last_message;
  const preview = last ? `${SENDER_PREFIX[last.sender_type] || ""}${last.body || ""}` : "No messages yet";
  const previewNode = el("p", "conv-item__preview", preview.length > 140 ? `${preview.slice(0, 140)}…` : preview);

  const meta = el("div", "conv-item__meta");
  if (c.needs_agent) meta.append(el("span", "badge badge--alert", "Needs agent"));
  meta.append(el("span", `badge badge--status badge--${c.status}`, STATUS_LABELS[c.status] || c.status || ""));
  if (c.priority) meta.append(el("span", `badge badge--priority badge--${c.priority}`, humanize(c.priority)));
  meta.append(el("span", "chip", c.channel || "web"));
  const owner = c.assignee ? c.assignee.name : c.team ? c.team.name : "";
  if (owner) meta.append(el("span", "conv-item__assignee", owner));

  button.replaceChildren(top, previewNode, meta);
}

function setFilter(filter) {
  if (!FILTERS[filter]) return;
  state.filter = filter;
  dom.tabs.forEach((tab) => tab.setAttribute("aria-selected", tab.dataset.filter === filter ? "true" : "false"));
  state.conversations = new Map();
  state.next = null;
  renderList();
  loadList();
}

// --- the selected conversation -------------------------------------------------------------

async function openConversation(id, { silent = false } = {}) {
  id = String(id);
  const switching = id !== state.openId;
  if (switching) {
    saveDraft();
    state.openId = id;
    state.open = null;
    state.messageIds = new Set();
    dom.history.replaceChildren();
    dom.replyInput.value = state.drafts.get(id) || "";
    history.replaceState(null, "", `#conversation=${enc(id)}`);
    renderList();
  }
  const request = ++state.openRequest;
  try {
    const [detail, messages] = await Promise.all([
      api(`conversations/${enc(id)}/`),
      apiAll(`conversations/${enc(id)}/messages/`),
    ]);
    if (request !== state.openRequest) return;
    state.open = detail;
    messages.forEach(appendMessage);
    renderThread();
    if (switching) scrollHistory(true);
    // The list may be filtered; keep its row in step with the fresh detail.
    if (state.conversations.has(id)) upsertConversation(detail);
  } catch (err) {
    if (request !== state.openRequest) return;
    if (err.status === 404) closeConversation();
    if (!silent || err.status === 404) toastError(err);
  }
}

function closeConversation() {
  state.openId = null;
  state.open = null;
  history.replaceState(null, "", location.pathname + location.search);
  renderThread();
  renderList();
}

function renderThread() {
  const c = state.open;
  dom.placeholder.hidden = Boolean(state.openId);
  dom.view.hidden = !state.openId;
  dom.detailsBody.hidden = !c;
  if (!c) return;

  setText(dom.contactName, contactName(c));
  setText(dom.contactEmail, (c.contact && c.contact.email) || "");
  dom.contactEmail.hidden = !(c.contact && c.contact.email);
  setText(dom.status, STATUS_LABELS[c.status] || humanize(c.status || ""));
  dom.status.className = `badge badge--status badge--${c.status}`;
  dom.status.title = STATUS_TITLES[c.status] || "";
  setText(dom.assignee, c.assignee ? c.assignee.name : "Unassigned");
  setText(dom.team, c.team ? c.team.name : "—");
  setText(dom.csat, csatLabel(c.csat));
  setText(dom.channel, c.channel || "web");

  renderHandoff(c.handoff);
  renderActions(c);
  renderDetails(c);
}

function renderHandoff(h) {
  dom.handoff.hidden = !h;
  if (!h) return;
  setText(dom.handoffReason, h.reason || "—");
  setText(dom.handoffPriority, humanize(h.priority || "normal"));
  dom.handoffPriority.className = `badge badge--priority badge--${h.priority || "normal"}`;
  setText(dom.handoffStatus, HANDOFF_LABELS[h.status] || humanize(h.status || ""));
  dom.handoffStatus.className = `badge badge--outline badge--handoff-${h.status}`;
  const target = h.target ? `${humanize(h.target.kind || "")}: ${h.target.name || h.target.id || ""}` : "";
  const trigger = h.trigger ? `Triggered by ${TRIGGER_LABELS[h.trigger] || humanize(h.trigger).toLowerCase()}` : "";
  setText(dom.handoffTarget, [trigger, target && `routed to ${target}`].filter(Boolean).join(" · "));
  setText(dom.handoffSummary, h.summary || "No summary yet.");
  renderKeyValues(dom.handoffGathered, h.gathered || {}, "Nothing gathered.");
  dom.handoff.classList.toggle("is-pending", h.status === "pending");
}

function renderKeyValues(container, object, emptyText) {
  const entries = Object.entries(object || {});
  container.replaceChildren();
  if (!entries.length) {
    container.append(el("div", "kv__empty", emptyText));
    return;
  }
  entries.forEach(([key, value]) => {
    const row = el("div", "kv__row");
    row.append(el("dt", "", humanize(key)), el("dd", "", displayValue(value)));
    container.append(row);
  });
}

function renderActions(c) {
  const h = c.handoff;
  const resolved = isResolved(c);
  const mine = sameId(c.assignee && c.assignee.id, ME.id);
  const targetsGroup = h && h.target && h.target.kind !== "user";
  dom.claim.hidden = !(h && h.status === "pending" && (targetsGroup || !mine));
  dom.unassign.hidden = resolved || !(c.status === "pending_human" || c.status === "assigned" || c.assignee || c.team);
  dom.assignGroup.hidden = resolved;
  dom.resolveGroup.hidden = resolved;
  dom.resolvedNote.hidden = !resolved;
  if (resolved) setText(dom.resolvedNote, `Resolved${c.resolution ? ` · ${RESOLUTION_LABELS[c.resolution] || c.resolution}` : ""}`);
  dom.replyHint.textContent = c.status === "open" ? "The AI is handling this conversation; replying takes it over." : "";
}

function renderDetails(c) {
  const contact = c.contact || {};
  const known = {
    name: contact.name,
    email: contact.email,
    phone: contact.phone,
    channel: c.channel,
    priority: c.priority,
  };
  Object.keys(known).forEach((k) => {
    if (!known[k]) delete known[k];
  });
  renderKeyValues(dom.contactDetails, known, "No contact details.");
  renderKeyValues(dom.contactAttributes, contact.attributes || {}, "None.");
  dom.tags.replaceChildren();
  const tags = Array.isArray(c.tags) ? c.tags : [];
  if (!tags.length) dom.tags.append(el("li", "tags__empty", "No tags."));
  tags.forEach((tag) => dom.tags.append(el("li", "chip", tag)));

  // What flows did in this conversation, for the agent only (visitors never see these lines).
  dom.flowLog.replaceChildren();
  const steps = Array.isArray(c.flow_log) ? c.flow_log : [];
  if (!steps.length) dom.flowLog.append(el("li", "tags__empty", "No flow has run."));
  steps.forEach((step) => dom.flowLog.append(el("li", "flow-log__item", step.text || String(step))));
}

function appendMessage(m) {
  if (!m || m.id === undefined || m.id === null) return;
  const id = String(m.id);
  if (state.messageIds.has(id)) return; // our reply comes back as the POST answer and as an event
  state.messageIds.add(id);
  const nearBottom = dom.history.scrollHeight - dom.history.scrollTop - dom.history.clientHeight < 120;
  const node = renderMessage(m);
  // Events can overtake a POST answer; keep server time order.
  const t = Date.parse(m.created_at) || Date.now();
  node.dataset.t = String(t);
  let before = null;
  for (let child = dom.history.lastElementChild; child; child = child.previousElementSibling) {
    if (Number(child.dataset.t) <= t) break;
    before = child;
  }
  dom.history.insertBefore(node, before);
  scrollHistory(nearBottom || m.sender_type === "agent");
}

function renderMessage(m) {
  const type = ["visitor", "ai", "agent", "system"].includes(m.sender_type) ? m.sender_type : "system";
  const row = el("article", `imsg imsg--${type}`);
  if (type !== "system") {
    const head = el("header", "imsg__head");
    const fallback = { visitor: "Visitor", ai: "Assistant", agent: "Agent" }[type];
    head.append(el("span", "imsg__sender", m.sender_name || fallback));
    if (type === "ai") head.append(el("span", "tag tag--ai", "AI"));
    head.append(timeElement(m.created_at, "imsg__time"));
    row.append(head);
  }
  // The hook is on the bubble alone, so its text is exactly what was said.
  const bubble = el("div", "imsg__body", m.body || "");
  bubble.setAttribute("data-testid", "inbox-message");
  bubble.setAttribute("data-sender-type", type);
  bubble.setAttribute("data-message-id", String(m.id));
  row.append(bubble);

  const metadata = m.metadata || {};
  if (metadata.article && metadata.article.title) {
    row.append(el("p", "imsg__note", `Suggested article: ${metadata.article.title}`));
  }
  if (Array.isArray(metadata.quick_replies) && metadata.quick_replies.length) {
    row.append(el("p", "imsg__note", `Quick replies: ${metadata.quick_replies.join(" · ")}`));
  }
  return row;
}

function scrollHistory(force) {
  if (force) dom.history.scrollTop = dom.history.scrollHeight;
}

function saveDraft() {
  if (state.openId) state.drafts.set(state.openId, dom.replyInput.value);
}

async function sendReply() {
  const id = state.openId;
  const text = dom.replyInput.value;
  if (!id || !text.trim() || dom.replySend.disabled) return;
  dom.replySend.disabled = true;
  try {
    const message = await api(`conversations/${enc(id)}/messages/`, { method: "POST", body: { body: text.trim() } });
    if (state.openId === id) {
      appendMessage(message);
      if (dom.replyInput.value === text) dom.replyInput.value = "";
    }
    state.drafts.delete(id);
    // A reply acknowledges a pending handoff; don't wait for the event to show it.
    refreshOpen(id);
  } catch (err) {
    toastError(err); // the text stays in the box
  } finally {
    dom.replySend.disabled = false;
  }
}

function refreshOpen(id) {
  if (id && id === state.openId) openConversation(id, { silent: true });
}

// --- actions --------------------------------------------------------------------------------

/** Run an action on the open conversation; `returnsConversation` says whether the answer is one. */
async function runAction(button, call, { returnsConversation = true } = {}) {
  const id = state.openId;
  if (!id) return false;
  button.disabled = true;
  try {
    const result = await call(id);
    if (returnsConversation && result && sameId(result.id, id) && result.status) upsertConversation(result);
    refreshOpen(id);
    if (!state.conversations.has(id)) loadList();
    return true;
  } catch (err) {
    toastError(err);
    return false;
  } finally {
    button.disabled = false;
  }
}

function claim() {
  const h = state.open && state.open.handoff;
  if (!h) return;
  runAction(dom.claim, () => api(`handoffs/${enc(h.id)}/acknowledge/`, { method: "POST", body: {} }), {
    returnsConversation: false,
  });
}

function assign() {
  const value = dom.assignSelect.value;
  if (!value) {
    toast({ kind: "error", title: "Choose an agent or a team first" });
    return;
  }
  const [kind, targetId] = [value.slice(0, value.indexOf(":")), value.slice(value.indexOf(":") + 1)];
  const body = kind === "team" ? { team_id: targetId } : { user_id: targetId };
  runAction(dom.assignSubmit, (id) => api(`conversations/${enc(id)}/assign/`, { method: "POST", body })).then((done) => {
    if (done) dom.assignSelect.value = "";
  });
}

function unassign() {
  runAction(dom.unassign, (id) => api(`conversations/${enc(id)}/unassign/`, { method: "POST", body: {} }));
}

function resolve() {
  const resolution = dom.resolveType.value;
  runAction(dom.resolve, (id) => api(`conversations/${enc(id)}/resolve/`, { method: "POST", body: { resolution } }));
}

async function loadAssignees() {
  const [agents, teams] = await Promise.all([
    apiAll("agents/").catch(() => []),
    apiAll("teams/").catch(() => []),
  ]);
  const placeholder = el("option", "", "Assign…");
  placeholder.value = "";
  const options = [placeholder];
  if (agents.length) {
    const group = document.createElement("optgroup");
    group.label = "Agents";
    agents.forEach((a) => {
      const name = a.name || a.username;
      const label = sameId(a.id, ME.id) ? `${name} (me)`
        : a.available === false ? `${name} (away)`
        : a.online === false ? `${name} (offline)` : name;
      const option = el("option", "", label);
      option.value = `user:${a.id}`;
      group.append(option);
    });
    options.push(group);
  }
  if (teams.length) {
    const group = document.createElement("optgroup");
    group.label = "Teams";
    teams.forEach((t) => {
      const option = el("option", "", t.name);
      option.value = `team:${t.id}`;
      group.append(option);
    });
    options.push(group);
  }
  dom.assignSelect.replaceChildren(...options);
}

// --- live updates ---------------------------------------------------------------------------

function wsUrl() {
  const path = config.ws_url || "/ws/inbox/";
  if (/^wss?:/.test(path)) return path;
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
}

function connect() {
  clearTimeout(state.reconnectTimer);
  if (state.socket) return;
  let ws;
  try {
    ws = new WebSocket(wsUrl());
  } catch {
    scheduleReconnect();
    return;
  }
  state.socket = ws;
  ws.onopen = () => {
    if (state.socket !== ws) return;
    const reconnected = state.everConnected;
    state.everConnected = true;
    state.backoff = BACKOFF_MIN_MS;
    setWsState(true);
    // Events sent while we were away are lost; the REST state is the truth.
    if (reconnected) {
      loadList();
      refreshOpen(state.openId);
    }
  };
  ws.onmessage = (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    handleEvent(data);
  };
  ws.onclose = (event) => {
    if (state.socket !== ws) return;
    state.socket = null;
    setWsState(false);
    if (event.code >= 4000) loadMe(); // an expired session redirects to the login page from there
    scheduleReconnect();
  };
}

function scheduleReconnect() {
  clearTimeout(state.reconnectTimer);
  const delay = state.backoff;
  state.backoff = Math.min(state.backoff * 2, BACKOFF_MAX_MS);
  state.reconnectTimer = setTimeout(connect, delay);
}

function setWsState(online) {
  dom.wsState.setAttribute("data-state", online ? "online" : "offline");
  const pollSeconds = Math.round(POLL_MS / 1000);
  dom.wsState.querySelector(".ws-state__label").textContent = online
    ? "Live"
    : `Reconnecting… (refreshing every ${pollSeconds} s)`;
  if (online) stopPolling();
  else startPolling();
}

// Without the socket nothing arrives by itself: refetch the list and the open conversation
// until it is back, so a handoff made meanwhile still shows up and its assignee is notified.
function startPolling() {
  if (state.pollTimer) return;
  state.pollTimer = setInterval(pollOnce, POLL_MS);
  // Without its socket the inbox keeps its agent online for routing (the server's grace period is 30 s).
  sendHeartbeat();
  state.heartbeatTimer = setInterval(sendHeartbeat, HEARTBEAT_MS);
}

function sendHeartbeat() {
  api("agents/me/heartbeat/", { method: "POST" }).catch(() => {});
}

async function pollOnce() {
  await loadList();
  // Keyed by handoff, not by "new since the last poll": the open conversation's refresh may have
  // brought the handoff in first, and it must still be announced once.
  state.conversations.forEach((c, id) => {
    if (!waitsForMe(c) || state.announcedHandoffs.has(String(c.handoff.id))) return;
    state.announcedHandoffs.add(String(c.handoff.id));
    onNotification({ kind: "handoff", conversation: id, title: "Handoff assigned to you",
                     reason: c.handoff.reason, priority: c.handoff.priority });
  });
  refreshOpen(state.openId);
}

function rememberWaitingHandoffs() {
  // Handoffs already waiting when the page opens are in the list, not announced again.
  state.conversations.forEach((c) => {
    if (waitsForMe(c)) state.announcedHandoffs.add(String(c.handoff.id));
  });
}

function waitsForMe(c) {
  const h = c.handoff;
  return Boolean(c.needs_agent && h && h.status === "pending" && h.assigned_to && sameId(h.assigned_to.id, ME.id));
}

function stopPolling() {
  clearInterval(state.pollTimer);
  state.pollTimer = null;
  clearInterval(state.heartbeatTimer); // the socket refreshes presence itself
  state.heartbeatTimer = null;
}

function handleEvent(event) {
  switch (event.type) {
    case "conversation.created":
      upsertConversation(event.conversation);
      break;
    case "conversation.updated":
      onConversationUpdated(event);
      break;
    case "message.created":
      onMessageCreated(event.message);
      break;
    case "handoff.updated":
      onHandoffUpdated(event);
      break;
    case "notification":
      onNotification(event);
      break;
    case "agent.presence": // someone opened the inbox: their "(offline)" mark goes
      loadAssignees();
      break;
    default:
      break;
  }
}

// The inbox's conversation.updated carries the whole list item (realtime.publish_conversation_updated).
function onConversationUpdated(event) {
  upsertConversation(event.conversation);
}

const CSAT_LABELS = { positive: "👍 Positive", neutral: "😐 Neutral", negative: "👎 Negative" };

function csatLabel(survey) {
  if (!survey) return "—";
  if (survey.status === "answered") {
    const label = CSAT_LABELS[survey.rating] || survey.rating;
    return survey.comment ? `${label}: “${survey.comment}”` : label;
  }
  return { scheduled: "Survey scheduled", sent: "Survey sent, no answer yet", cancelled: "Survey cancelled" }[survey.status]
    || survey.status;
}

function onMessageCreated(m) {
  if (!m || m.conversation === undefined || m.conversation === null) return;
  const id = String(m.conversation);
  if (id === state.openId) appendMessage(m);
  // A rating or a survey just landed on the open conversation: refresh its header.
  if (id === state.openId && m.metadata && (m.metadata.csat_result || m.metadata.csat)) refreshOpen(id);
  const lastMessage = { body: m.body, sender_type: m.sender_type, created_at: m.created_at };
  if (state.conversations.has(id) || (state.open && id === state.openId)) {
    upsertConversation({ id, last_message: lastMessage, last_activity_at: m.created_at });
  } else {
    fetchAndUpsert(id);
  }
}

function onHandoffUpdated(event) {
  if (event.conversation == null || !event.handoff) return;
  const key = String(event.conversation);
  const current = state.conversations.get(key) || (key === state.openId ? state.open : null);
  const handoff = { ...((current && current.handoff) || {}), ...event.handoff };
  upsertConversation({ id: key, handoff });
}

function onNotification(event) {
  const id = event.conversation;
  const watching = id != null && String(id) === state.openId && document.hasFocus();
  if (event.kind === "visitor_message" && watching) return; // the message is already on screen
  const fallback = event.kind === "visitor_message" ? "New message" : "Handoff assigned to you";
  const title = event.title || fallback;
  const body = [event.reason, event.priority && `Priority: ${event.priority}`].filter(Boolean).join(" · ");
  toast({
    kind: "notification",
    title,
    body,
    actionLabel: "Open",
    action: id != null ? () => openConversation(id) : null,
    timeout: event.kind === "visitor_message" ? 8000 : 20000,
  });
  if (id != null) {
    desktopNotify(title, body, String(id));
    if (!state.conversations.has(String(id))) fetchAndUpsert(String(id));
  }
}

async function fetchAndUpsert(id) {
  if (state.fetching.has(id)) return;
  state.fetching.add(id);
  try {
    upsertConversation(await api(`conversations/${enc(id)}/`));
  } catch {
    /* not visible to this agent, or gone */
  } finally {
    state.fetching.delete(id);
  }
}

// --- wiring ---------------------------------------------------------------------------------

function wire() {
  dom.tabs.forEach((tab) => tab.addEventListener("click", () => setFilter(tab.dataset.filter)));
  dom.tabs.forEach((tab, index) =>
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = dom.tabs[(index + step + dom.tabs.length) % dom.tabs.length];
      next.focus();
      next.click();
    }),
  );
  dom.loadMore.addEventListener("click", loadMore);
  dom.availability.addEventListener("change", setAvailability);
  dom.notify.addEventListener("click", async () => {
    if (notificationsSupported() && Notification.permission === "default") await requestNotificationPermission();
    else renderNotifyButton();
  });
  dom.claim.addEventListener("click", claim);
  dom.assignSubmit.addEventListener("click", assign);
  dom.unassign.addEventListener("click", unassign);
  dom.resolve.addEventListener("click", resolve);
  dom.detailsToggle.addEventListener("click", () => {
    const hidden = document.body.classList.toggle("details-collapsed");
    dom.detailsToggle.setAttribute("aria-expanded", hidden ? "false" : "true");
  });
  dom.replyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    sendReply();
  });
  dom.replyInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendReply();
    }
  });
  // Browsers only show the permission prompt after a user gesture; the first click anywhere counts.
  document.addEventListener("click", requestNotificationPermission, { once: true, capture: true });
  window.addEventListener("online", () => {
    if (!state.socket) {
      state.backoff = BACKOFF_MIN_MS;
      connect();
    }
  });
  setInterval(() => {
    document.querySelectorAll("time[data-relative]").forEach((node) => {
      node.textContent = relativeTime(node.dateTime);
    });
  }, 30000);
}

function start() {
  wire();
  renderNotifyButton();
  requestNotificationPermission();
  renderThread();
  connect();
  loadMe();
  loadAssignees();
  loadList().then(rememberWaitingHandoffs);
  const match = location.hash.match(/conversation=([^&]+)/);
  if (match) openConversation(decodeURIComponent(match[1]));
}

start();
