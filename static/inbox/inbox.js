/*
 * The agent inbox: conversation list (filters, search, unread markers), the selected
 * conversation (history with private notes, the handoff line, reply / note composer with the
 * "/" canned-response picker, typing and presence), and the contact panel.
 *
 * State lives in `state`; the parts of the page that follow it are lit-html templates, so user
 * text is always bound as text (lit-html escapes it), never parsed as markup. The REST client,
 * DOM helpers and the websocket with its reconnects are the shared modules in ../shared/.
 */
import { html, nothing, render } from "../vendor/lit-html/lit-html.js";
import { repeat } from "../vendor/lit-html/directives/repeat.js";
import { ApiError, apiClient, enc, pageConfig, query } from "../shared/api.js";
import { byId, humanize, isTyping, linkParts, relativeTime } from "../shared/dom.js";
import { LiveConnection } from "../shared/live.js";

const config = pageConfig("inbox-config");
const ME = config.user || {};
const { request: api, all: apiAll } = apiClient(config.api_base || "/api/v1/");
const OPEN_STATUSES = "open,pending_human,assigned";
const POLL_MS = Math.max(Number(config.poll_ms) || 15000, 1000);
const HEARTBEAT_MS = 10000;
const READ_MS = 3000; // a visitor message that came in this recently is not yet read (newestReadId)
const TYPING_LAPSE_MS = 10000; // the server's lapse too: without a new frame, typing has stopped
const TYPING_RESEND_MS = 3000;
const TYPING_IDLE_MS = 4000;
const LIST_RENDER_MS = 100; // live updates of the conversation list are drawn at most this often
const OWN_ACTION_MS = 15000; // a notification this soon after the agent's own action on it is theirs
const SEEN_KEY = `helpdesk.inbox.seen.${ME.id}`;

const FILTERS = {
  needs_agent: { params: { needs_agent: "true" }, match: (c) => Boolean(c.needs_agent), empty: "Nobody is waiting for an agent." },
  mine: { params: { assignee: "me", status: OPEN_STATUSES }, match: (c) => !isResolved(c) && sameId(c.assignee && c.assignee.id, ME.id), empty: "Nothing assigned to you." },
  // (a visitor who opened the chat and has not written is nobody's business yet: `started`, `not_started`)
  unassigned: { params: { assignee: "unassigned", status: OPEN_STATUSES, started: "true" }, match: (c) => !isResolved(c) && !c.assignee && !c.not_started, empty: "Every open conversation has an owner." },
  open: { params: { status: OPEN_STATUSES, started: "true" }, match: (c) => !isResolved(c) && !c.not_started, empty: "No open conversations." },
  resolved: { params: { status: "resolved" }, match: (c) => isResolved(c), empty: "No resolved conversations yet." },
};
const FILTER_KEYS = ["needs_agent", "mine", "unassigned", "open", "resolved"];

// Words an agent reads, never the API's enum values.
const STATUS_LABELS = { open: "With the AI", pending_human: "Waiting for an agent", assigned: "With an agent", resolved: "Resolved" };
const STATUS_TITLES = {
  open: "The AI (or a flow) is handling it",
  pending_human: "Handed off, nobody has taken it yet",
  assigned: "A person owns it",
  resolved: "Closed",
};
const HANDOFF_LABELS = { pending: "Waiting for an agent", acknowledged: "Taken", resolved: "Done", cancelled: "Back with the AI" };
const PRIORITY_LABELS = { low: "Low priority", normal: "Normal priority", high: "High priority", urgent: "Urgent" };
const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 }; // lower first, as the server's queue
const TRIGGER_LABELS = {
  user_request: "the visitor's request",
  ai_decision: "the AI",
  restricted_topic: "a restricted topic",
  flow: "a flow",
  agent: "an agent",
};
const TARGET_LABELS = { user: "agent", team: "team", specialty: "specialty" };
const SENDER_PREFIX = { ai: "AI: ", agent: "Agent: ", system: "", visitor: "" };
const RESOLUTION_LABELS = { resolved: "Solved", no_action_needed: "No action needed", duplicate: "Duplicate", spam: "Spam" };
const CHANNEL_LABELS = { web: "Web chat", email: "Email", sms: "SMS", voice: "Phone", phone: "Phone", slack: "Slack" };
const CSAT_LABELS = { positive: "👍 Positive", neutral: "😐 Neutral", negative: "👎 Negative" };

const state = {
  filter: "open",
  collisionWhileMine: false, // the open conversation was this agent's when a colleague's reply was warned of
  search: { q: "", tag: "" },
  conversations: new Map(), // id -> list item, only those matching the filter (or the search)
  next: null,
  listRequest: 0,
  listLoaded: false,
  openId: null,
  open: null, // detail of the selected conversation
  openRequest: 0,
  messages: new Map(), // message id -> message, of the open conversation
  arrivedAt: new Map(), // visitor message id -> when it came in over the socket while the conversation was open
  pastConversations: null, // the open contact's other conversations
  drafts: new Map(), // conversation id -> unsent reply text
  // conversation id -> the newest message on screen when the agent began the reply being written: a colleague's
  // reply after it holds this one back, though it came in while they typed (trial: 0.3 s before Enter)
  draftSeen: new Map(),
  fetching: new Set(), // conversation ids being fetched because an event named an unknown one
  seen: loadSeen(), // conversation id -> last activity the agent has seen (unread markers)
  handoffExpanded: false,
  mode: "reply", // or "note"
  canned: { items: null, conversation: null, open: false, matches: [], index: 0 },
  typing: new Map(), // conversation id -> Map(who key -> {name, until})
  presence: new Map(), // conversation id -> [{id, name}]
  myTyping: { conversation: null, sentAt: 0, idleTimer: null },
  ownActions: new Map(), // conversation id -> when this agent last acted on it
  notificationToasts: {}, // "handoffs" / "messages" -> { node, count }: the toast on screen that counts them
  editingContact: false,
  pollTimer: null,
  heartbeatTimer: null,
  announcedHandoffs: new Set(), // handoff ids the polling fallback has notified (or found waiting at start)
  permissionRequest: null,
};

const dom = {
  availability: byId("availability-toggle"),
  myTeams: byId("my-teams"),
  wsState: document.querySelector("[data-testid=ws-state]"),
  notify: document.querySelector("[data-testid=enable-notifications]"),
  shortcutsOpen: byId("shortcuts-open"),
  shortcuts: byId("shortcuts"),
  searchForm: byId("search-form"),
  searchInput: byId("search-input"),
  searchClear: byId("search-clear"),
  searchStatus: byId("search-status"),
  tabs: Array.from(document.querySelectorAll(".filters__tab")),
  list: byId("conversation-list"),
  listEmpty: byId("conversation-empty"),
  loadMore: byId("load-more"),
  placeholder: byId("thread-placeholder"),
  view: byId("thread-view"),
  back: byId("thread-back"),
  contactName: byId("contact-name"),
  contactEmail: byId("contact-email"),
  meta: byId("thread-meta"),
  presence: byId("presence"),
  detailsToggle: byId("details-toggle"),
  claim: byId("claim"),
  assignGroup: byId("assign-group"),
  assignSelect: byId("assign-select"),
  assignSubmit: byId("assign-submit"),
  unassign: byId("unassign"),
  resolveGroup: byId("resolve-group"),
  resolveType: byId("resolve-type"),
  resolve: byId("resolve"),
  resolvedNote: byId("resolved-note"),
  handoff: byId("handoff"),
  history: byId("history"),
  typing: byId("typing"),
  replyForm: byId("reply-form"),
  modes: Array.from(document.querySelectorAll(".reply__mode")),
  canned: byId("canned"),
  cannedList: byId("canned-list"),
  replyLabel: byId("reply-label"),
  replyInput: byId("reply-input"),
  replySend: byId("reply-send"),
  replyHint: byId("reply-hint"),
  collision: byId("reply-collision"),
  collisionText: byId("reply-collision-text"),
  collisionSend: byId("reply-anyway"),
  collisionClose: byId("reply-collision-close"),
  details: byId("details"),
  detailsBody: byId("details-body"),
  toasts: byId("toasts"),
};

// --- small helpers ------------------------------------------------------------------------

function sameId(a, b) {
  return a !== undefined && a !== null && b !== undefined && b !== null && String(a) === String(b);
}

function isResolved(c) {
  return c.status === "resolved";
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

function timeTemplate(iso, className) {
  if (!iso) return nothing;
  return html`<time class=${className} datetime=${iso} title=${new Date(iso).toLocaleString()}>${relativeTime(iso)}</time>`;
}

function statusLabel(status) {
  return STATUS_LABELS[status] || humanize(status || "");
}

function isNarrow() {
  return window.matchMedia("(max-width: 767.98px)").matches;
}

// --- unread markers -------------------------------------------------------------------------

function loadSeen() {
  try {
    return JSON.parse(localStorage.getItem(SEEN_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

function markSeen(c) {
  if (!c || !c.last_activity_at) return;
  const id = String(c.id);
  if (state.seen[id] === c.last_activity_at) return;
  state.seen[id] = c.last_activity_at;
  try {
    localStorage.setItem(SEEN_KEY, JSON.stringify(state.seen));
  } catch {
    /* private mode: markers last for this page only */
  }
}

/** Unread: something new (from the visitor, the AI or the system) since the agent last had it open. */
function isUnread(c) {
  const id = String(c.id);
  if (id === state.openId) return false;
  const last = c.last_message;
  if (!last || last.sender_type === "agent") return false;
  const seen = Date.parse(state.seen[id] || "");
  return Number.isNaN(seen) || (Date.parse(c.last_activity_at) || 0) > seen;
}

// --- toasts and desktop notifications -------------------------------------------------------

function toast({ kind = "info", title, body, actionLabel, action, timeout = 8000 }) {
  const node = document.createElement("div");
  const dismiss = () => {
    render(nothing, node);
    node.remove();
  };
  node.className = `toast toast--${kind}`;
  node.dataset.testid = "toast";
  node.dataset.kind = kind;
  node.setAttribute("role", kind === "error" ? "alert" : "status");
  render(html`
    <div class="toast__text">
      ${title ? html`<strong class="toast__title">${title}</strong>` : nothing}
      ${body ? html`<p class="toast__body">${body}</p>` : nothing}
    </div>
    ${action ? html`<button type="button" class="btn btn--small btn--primary" @click=${() => { action(); dismiss(); }}>${actionLabel || "Open"}</button>` : nothing}
    <button type="button" class="toast__close" aria-label="Dismiss" @click=${dismiss}>×</button>`, node);
  dom.toasts.append(node);
  if (timeout) setTimeout(dismiss, timeout);
  return node;
}

/** An action failed: say what did not happen and why, in words the agent can act on. */
function toastError(err, what = "That didn't work") {
  if (err instanceof ApiError && err.status === 409) {
    // A race with a colleague is normal in a shared inbox, not an error: the server's message says who won.
    toast({ kind: "info", title: err.message });
    return;
  }
  toast({ kind: "error", title: what, body: err && err.message ? err.message : String(err) });
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
    if (err.status === 403) accessRemoved();
    else if (err.status !== 401) toastError(err, "Couldn't load your profile");
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
    toastError(err, "Couldn't change your availability");
  } finally {
    dom.availability.disabled = false;
  }
}

// --- conversation list ----------------------------------------------------------------------

function searching() {
  return Boolean(state.search.q || state.search.tag);
}

function listParams() {
  // A search looks through every conversation, whatever the tab.
  if (searching()) return { q: state.search.q, tag: state.search.tag };
  return FILTERS[state.filter].params;
}

function matchesList(c) {
  if (searching()) return state.conversations.has(String(c.id)); // results stay; events don't add to them
  return FILTERS[state.filter].match(c);
}

async function loadList() {
  const request = ++state.listRequest;
  dom.list.setAttribute("aria-busy", "true");
  try {
    const data = await api(`conversations/${query(listParams())}`);
    if (request !== state.listRequest) return; // a newer filter or search won
    const results = Array.isArray(data) ? data : (data && data.results) || [];
    state.conversations = new Map(results.filter((c) => c && c.id != null).map((c) => [String(c.id), c]));
    if (!searching()) state.conversations.forEach((c, id) => !FILTERS[state.filter].match(c) && state.conversations.delete(id));
    state.next = Array.isArray(data) ? null : data && data.next;
    state.listLoaded = true;
    renderList();
  } catch (err) {
    if (request === state.listRequest) toastError(err, "Couldn't load the conversations");
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
    ((data && data.results) || []).forEach((c) => state.conversations.set(String(c.id), c));
    state.next = data && data.next;
    renderList();
  } catch (err) {
    toastError(err, "Couldn't load more conversations");
  } finally {
    dom.loadMore.disabled = false;
  }
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
  if (matchesList(merged)) state.conversations.set(id, merged);
  else state.conversations.delete(id);
  renderListSoon();
  if (id === state.openId && state.open) {
    state.open = mergeConversation(state.open, patch);
    if (document.hasFocus()) markSeen(state.open);
    renderThread();
  }
}

function sortedConversations() {
  const at = (c) => Date.parse(c.last_activity_at) || 0;
  return Array.from(state.conversations.values(), (c) => [at(c), c])
    .sort((a, b) => b[0] - a[0])
    .map(([, c]) => c);
}

// A burst of events (100 messages a second, trial of 2 Dec) re-sorted and re-rendered the whole list for each one
// and froze the page for seconds: the events of LIST_RENDER_MS are drawn in one render.
let listRenderTimer = null;
function renderListSoon() {
  if (listRenderTimer === null) listRenderTimer = setTimeout(renderList, LIST_RENDER_MS);
}

function conversationRow(c) {
  const id = String(c.id);
  const active = id === state.openId;
  const unread = isUnread(c);
  // waiting for an agent, the last message is the AI's handoff notice, the same in every row (trial 54c): what the
  // visitor wrote tells the agent which one to take
  const last = c.needs_agent && c.last_visitor_message ? { ...c.last_visitor_message, sender_type: "visitor" } : c.last_message;
  const prefix = last && last.private ? "Note: " : last ? SENDER_PREFIX[last.sender_type] || "" : "";
  const preview = last ? `${prefix}${last.body || ""}` : "No messages yet";
  const owner = c.assignee ? c.assignee.name : c.team ? c.team.name : "";
  const viewers = (state.presence.get(id) || []).filter((v) => !sameId(v.id, ME.id));
  const classes = ["conv-item", c.needs_agent ? "is-needs-agent" : "", active ? "is-active" : "", unread ? "is-unread" : ""].join(" ");
  return html`<li class="conv-list__row">
    <button type="button" class=${classes} data-testid="conversation-item" data-conversation-id=${id}
            data-needs-agent=${c.needs_agent ? "true" : "false"} data-status=${c.status || ""} data-unread=${unread ? "true" : "false"}
            aria-current=${active ? "true" : nothing} @click=${() => openConversation(id)}>
      <span class="conv-item__top">
        ${unread ? html`<span class="unread-dot" data-testid="unread-marker"></span><span class="sr-only">Unread: </span>` : nothing}
        <span class="conv-item__name">${contactName(c)}</span>
        ${timeTemplate(c.last_activity_at, "conv-item__time")}
      </span>
      ${c.subject ? html`<span class="conv-item__subject" data-testid="conversation-subject">${c.subject}</span>` : nothing}
      <span class="conv-item__preview">${preview.length > 140 ? `${preview.slice(0, 140)}…` : preview}</span>
      <span class="conv-item__meta">
        ${c.needs_agent ? html`<span class="badge badge--alert">Needs agent</span>` : nothing}
        ${c.needs_agent ? nothing : html`<span class="badge badge--status badge--${c.status}">${statusLabel(c.status)}</span>`}
        ${c.priority && c.priority !== "normal" ? html`<span class="badge badge--priority badge--${c.priority}">${PRIORITY_LABELS[c.priority] || humanize(c.priority)}</span>` : nothing}
        <span class="chip">${CHANNEL_LABELS[c.channel] || humanize(c.channel || "web")}</span>
        ${viewers.length ? html`<span class="conv-item__viewers" data-testid="conversation-viewers">Open by ${viewers.map((v) => v.name).join(", ")}</span>` : nothing}
        ${owner ? html`<span class="conv-item__assignee">${owner}</span>` : nothing}
      </span>
    </button>
  </li>`;
}

function renderList() {
  clearTimeout(listRenderTimer);
  listRenderTimer = null;
  const items = sortedConversations();
  render(repeat(items, (c) => String(c.id), conversationRow), dom.list);
  const empty = state.listLoaded && !items.length;
  dom.listEmpty.hidden = !empty;
  if (empty) {
    dom.listEmpty.textContent = searching()
      ? "Nothing matches. Try fewer words, or a whole email address."
      : FILTERS[state.filter].empty;
  }
  dom.loadMore.hidden = !state.next;
  const unread = items.filter(isUnread).length;
  dom.searchForm.classList.toggle("search--active", searching());
  document.title = `${unread ? `(${unread}) ` : ""}Inbox · Helpdesk`;
  if (searching()) {
    dom.searchStatus.hidden = false;
    const what = [state.search.q && `“${state.search.q}”`, state.search.tag && `tag #${state.search.tag}`].filter(Boolean).join(" and ");
    dom.searchStatus.textContent = `${items.length}${state.next ? "+" : ""} result${items.length === 1 ? "" : "s"} for ${what} in all conversations`;
  } else {
    dom.searchStatus.hidden = true;
  }
}

function setFilter(filter) {
  if (!FILTERS[filter]) return;
  state.filter = filter;
  clearSearch({ reload: false });
  dom.tabs.forEach((tab) => tab.setAttribute("aria-selected", tab.dataset.filter === filter ? "true" : "false"));
  resetList();
}

function resetList() {
  state.conversations = new Map();
  state.next = null;
  state.listLoaded = false;
  renderList();
  loadList();
}

// --- search ---------------------------------------------------------------------------------

/** "refund #vip" -> {q: "refund", tag: "vip"}; the API takes one tag. */
// "#refund" filters by tag; "#14" and "Visitor #14" are the name the list shows a contact without one, searched
// as written (re-trial of 3 Dec: "Visitor #14" became the tag "14" and found nothing)
const VISITOR_NUMBER = /^\s*(?:visitor\s*)?#\d+\s*$/i;

function parseSearch(text) {
  if (VISITOR_NUMBER.test(String(text))) return { q: String(text).trim(), tag: "" };
  const words = String(text).trim().split(/\s+/).filter(Boolean);
  const isTag = (w) => w.startsWith("#") && w.length > 1 && !/^#\d+$/.test(w);
  const tag = (words.find(isTag) || "").slice(1);
  const q = words.filter((w) => !isTag(w)).join(" ");
  return { q, tag };
}

let searchTimer = null;
function onSearchInput() {
  clearTimeout(searchTimer);
  dom.searchClear.hidden = !dom.searchInput.value;
  searchTimer = setTimeout(runSearch, 300);
}

function runSearch() {
  clearTimeout(searchTimer);
  const next = parseSearch(dom.searchInput.value);
  if (next.q === state.search.q && next.tag === state.search.tag) return;
  state.search = next;
  resetList();
}

function clearSearch({ reload = true } = {}) {
  dom.searchInput.value = "";
  dom.searchClear.hidden = true;
  const was = searching();
  state.search = { q: "", tag: "" };
  if (reload && was) resetList();
}

function searchByTag(tag) {
  dom.searchInput.value = `#${tag}`;
  dom.searchClear.hidden = false;
  runSearch();
}

// --- the selected conversation -------------------------------------------------------------

async function openConversation(id, { silent = false } = {}) {
  id = String(id);
  const switching = id !== state.openId;
  if (switching) {
    saveDraft();
    stopMyTyping();
    state.openId = id;
    state.open = null;
    state.messages = new Map();
    state.pastConversations = null;
    state.editingContact = false;
    state.handoffExpanded = false;
    state.canned.open = false;
    dom.replyInput.value = state.drafts.get(id) || "";
    showCollision("");
    history.replaceState(null, "", `#conversation=${enc(id)}`);
    document.body.classList.add("is-thread-open");
    live.send({ type: "viewing", conversation: id });
    renderHistory();
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
    messages.forEach((m) => m && m.id != null && state.messages.set(String(m.id), m));
    markSeen(detail);
    renderThread();
    renderHistory({ scroll: switching ? "bottom" : "auto" });
    // The list may be filtered; keep its row in step with the fresh detail.
    if (state.conversations.has(id)) upsertConversation(detail);
    if (switching) loadPastConversations(detail);
  } catch (err) {
    if (request !== state.openRequest) return;
    if (err.status === 404) closeConversation();
    if (!silent || err.status === 404) toastError(err, "Couldn't open the conversation");
  }
}

function closeConversation() {
  saveDraft();
  stopMyTyping();
  state.openId = null;
  state.open = null;
  state.messages = new Map();
  document.body.classList.remove("is-thread-open");
  history.replaceState(null, "", location.pathname + location.search);
  live.send({ type: "viewing", conversation: null });
  renderThread();
  renderList();
}

function renderThread() {
  const c = state.open;
  dom.placeholder.hidden = Boolean(state.openId);
  dom.view.hidden = !state.openId;
  if (!c) {
    render(nothing, dom.detailsBody);
    dom.detailsBody.hidden = true;
    return;
  }
  dom.detailsBody.hidden = false;
  const email = (c.contact && c.contact.email) || "";
  dom.contactName.textContent = contactName(c);
  dom.contactEmail.textContent = email;
  dom.contactEmail.hidden = !email || email === contactName(c);

  render(html`
    <div><dt>Status</dt><dd><span class="badge badge--status badge--${c.status}" id="conversation-status"
        data-testid="conversation-status" title=${STATUS_TITLES[c.status] || ""}>${statusLabel(c.status)}</span></dd></div>
    <div><dt>Assignee</dt><dd id="conversation-assignee" data-testid="conversation-assignee">${assigneeText(c)}</dd></div>
    ${c.team ? html`<div><dt>Team</dt><dd id="conversation-team" data-testid="conversation-team">${c.team.name}</dd></div>` : nothing}
    <div><dt>Channel</dt><dd id="conversation-channel">${CHANNEL_LABELS[c.channel] || humanize(c.channel || "web")}</dd></div>
    ${c.subject ? html`<div><dt>Subject</dt><dd id="conversation-subject" data-testid="conversation-detail-subject">${c.subject}</dd></div>` : nothing}
    ${c.csat ? html`<div><dt>CSAT</dt><dd id="conversation-csat" data-testid="conversation-csat">${csatLabel(c.csat)}</dd></div>` : nothing}
  `, dom.meta);

  renderHandoff(c.handoff);
  renderActions(c);
  renderPresence();
  renderDetails();
}

function csatLabel(survey) {
  if (!survey) return "—";
  if (survey.status === "answered") {
    const label = CSAT_LABELS[survey.rating] || survey.rating;
    return survey.comment ? `${label}: “${survey.comment}”` : label;
  }
  return { scheduled: "Survey scheduled", sent: "Survey sent, no answer yet", cancelled: "Survey cancelled" }[survey.status]
    || survey.status;
}

/** A message's text with its http(s) addresses as links that open in a new tab (lit-html escapes the rest). */
function linkedText(body) {
  return linkParts(body || "").map((part) => part.href
    ? html`<a href=${part.href} target="_blank" rel="noopener noreferrer nofollow">${part.text}</a>` : part.text);
}

/** The handoff is one line (status, priority, reason); its summary and gathered fields open below it. */
function renderHandoff(h) {
  dom.handoff.hidden = !h;
  if (!h) {
    render(nothing, dom.handoff);
    return;
  }
  const open = state.handoffExpanded;
  const target = h.target ? `${TARGET_LABELS[h.target.kind] || h.target.kind} ${h.target.name || h.target.id || ""}` : "";
  const trigger = h.trigger ? `Asked for by ${TRIGGER_LABELS[h.trigger] || humanize(h.trigger).toLowerCase()}` : "";
  const gathered = Object.entries(h.gathered || {});
  dom.handoff.classList.toggle("is-pending", h.status === "pending");
  dom.handoff.classList.toggle("is-open", open);
  render(html`
    <button type="button" class="handoff__line" data-testid="handoff-toggle" aria-expanded=${open ? "true" : "false"}
            aria-controls="handoff-body" @click=${toggleHandoff}>
      <span class="handoff__title">Handoff</span>
      <span class="badge badge--outline badge--handoff-${h.status}" id="handoff-status" data-testid="handoff-status">${HANDOFF_LABELS[h.status] || humanize(h.status || "")}</span>
      ${h.priority && h.priority !== "normal" ? html`<span class="badge badge--priority badge--${h.priority}" id="handoff-priority"
          data-testid="handoff-priority">${PRIORITY_LABELS[h.priority] || humanize(h.priority)}</span>` : nothing}
      <span class="handoff__reason" id="handoff-reason" data-testid="handoff-reason">${h.reason || "No reason given"}</span>
      <span class="handoff__chevron" aria-hidden="true">${open ? "▴" : "▾"}</span>
      <span class="sr-only">${open ? "Hide details" : "Show details"}</span>
    </button>
    <div class="handoff__body" id="handoff-body" ?hidden=${!open}>
      ${trigger || target ? html`<p class="handoff__target">${[trigger, target && `routed to the ${target}`].filter(Boolean).join(" · ")}</p>` : nothing}
      <div class="handoff__cols">
        <div>
          <h2 class="handoff__label">AI summary</h2>
          <p class="handoff__summary" id="handoff-summary" data-testid="handoff-summary">${h.summary || "No summary yet."}</p>
        </div>
        <div>
          <h2 class="handoff__label">Gathered information</h2>
          <dl class="kv" id="handoff-gathered" data-testid="handoff-gathered">
            ${gathered.length ? gathered.map(([k, v]) => html`<div class="kv__row"><dt>${humanize(k)}</dt><dd>${displayValue(v)}</dd></div>`)
              : html`<div class="kv__empty">Nothing gathered.</div>`}
          </dl>
        </div>
      </div>
    </div>`, dom.handoff);
}

function toggleHandoff() {
  if (!state.open || !state.open.handoff) return;
  state.handoffExpanded = !state.handoffExpanded;
  renderHandoff(state.open.handoff);
}

/** Who has it, or whom it waits for: an admin's assignment to a colleague who is away waits for them, and read
 * "Nobody yet" as if undone (re-trial of 3 Dec). */
function assigneeText(c) {
  if (c.assignee) return c.assignee.name;
  const h = c.handoff;
  const target = h && h.status === "pending" && h.target && h.target.name ? h.target : null;
  if (!target) return "Nobody yet";
  const label = { user: target.name, team: `the ${target.name} team`, specialty: `${target.name} (specialty)` };
  return `Waiting for ${label[target.kind] || target.name}`;
}

function renderActions(c) {
  const h = c.handoff;
  const resolved = isResolved(c);
  const mine = sameId(c.assignee && c.assignee.id, ME.id);
  const targetsGroup = h && h.target && h.target.kind !== "user";
  // (not to a colleague it was handed to: Ana, who had just transferred it to Ben, was offered to claim it: trial 26)
  // ... but to the colleague it was handed to: Ana, given it by Ben, saw "Waiting for an agent" and nothing to take it
  // with (trial 28)
  dom.claim.hidden = !(h && h.status === "pending" && (targetsGroup || !c.assignee || mine)) || outsider(c);
  // a colleague's reply warned of is stale once the conversation was handed to this agent: it is theirs now, and
  // the warning stayed until a reload (trial 26)
  if (mine && !dom.collision.hidden && !state.collisionWhileMine) showCollision("");
  const theirs = outsider(c); // another team's: notes only (the server refuses the rest)
  dom.unassign.hidden = resolved || theirs || !(c.status === "pending_human" || c.status === "assigned" || c.assignee || c.team);
  dom.assignGroup.hidden = resolved || theirs;
  dom.resolveGroup.hidden = resolved || theirs;
  dom.resolvedNote.hidden = !resolved;
  if (resolved) {
    const how = c.resolution && c.resolution !== "resolved" ? ` as ${(RESOLUTION_LABELS[c.resolution] || humanize(c.resolution)).toLowerCase()}` : "";
    dom.resolvedNote.textContent = `Resolved${how}. A new message from the visitor reopens it.`;
  }
  renderComposerHint();
}

// A team's conversation is for its members (the server refuses the others' claims and replies): they add notes.
function outsider(c) {
  const h = c && c.handoff;
  if (!h || !h.target || h.target.kind !== "team" || ME.is_staff) return false;
  if (!["pending", "acknowledged"].includes(h.status) || sameId(c.assignee && c.assignee.id, ME.id)) return false;
  return !(ME.team_ids || []).some((id) => sameId(id, h.target.id));
}

function renderComposerHint() {
  const c = state.open;
  const gap = state.cannedGap;
  if (gap && state.mode !== "note" && sameId(gap.conversation, state.openId) && dom.replyInput.value.trim()) {
    dom.replyHint.textContent = gap.text;
    return;
  }
  if (state.mode === "note") dom.replyHint.textContent = "Only agents see notes; the visitor never does.";
  else if (outsider(c)) dom.replyHint.textContent = "This conversation is for another team: add a note for them, or ask an admin to assign it to you.";
  else if (c && c.assignee && !sameId(c.assignee.id, ME.id) && !isResolved(c)) {
    // two agents answering one visitor at once read as a muddle (trial of 2 Dec): say whose it is
    dom.replyHint.textContent = `${c.assignee.name || "Another agent"} has this conversation: a reply reaches the visitor too. A note reaches only them.`;
  } else dom.replyHint.textContent = c && c.status === "open" ? "The AI is handling this conversation; replying takes it over." : "";
}

// --- history --------------------------------------------------------------------------------

function sortedMessages() {
  return Array.from(state.messages.values()).sort((a, b) => {
    const ta = Date.parse(a.created_at) || 0;
    const tb = Date.parse(b.created_at) || 0;
    return ta - tb || Number(a.id) - Number(b.id);
  });
}

function messageTemplate(m) {
  const type = ["visitor", "ai", "agent", "system"].includes(m.sender_type) ? m.sender_type : "system";
  const note = Boolean(m.private);
  const metadata = m.metadata || {};
  const fallback = { visitor: "Visitor", ai: "Assistant", agent: "Agent" }[type];
  // the visitor by the contact's name as known now, as the header and the list say: the thread named one visitor
  // "Visitor #54" on early messages and "sam.visitor@example.com" on later ones (trial of 4 Dec)
  const sender = type === "visitor" && state.open ? contactName(state.open) : m.sender_name || fallback;
  return html`<article class="imsg imsg--${type} ${note ? "imsg--private" : ""}">
    ${type !== "system" ? html`<header class="imsg__head">
      <span class="imsg__sender" data-testid="message-sender">${sender}</span>
      ${type === "ai" ? html`<span class="tag tag--ai">AI</span>` : nothing}
      ${note ? html`<span class="tag tag--note">Private note</span>` : nothing}
      ${metadata.via === "slack" ? html`<span class="tag tag--slack">via Slack</span>` : nothing}
      ${timeTemplate(m.created_at, "imsg__time")}
    </header>` : nothing}
    <div class="imsg__body" data-testid="inbox-message" data-sender-type=${type} data-message-id=${String(m.id)}
         data-private=${note ? "true" : "false"}>${linkedText(m.body)}</div>
    ${metadata.article && metadata.article.title ? html`<p class="imsg__note">Suggested article: ${metadata.article.title}</p>` : nothing}
    ${Array.isArray(metadata.quick_replies) && metadata.quick_replies.length
      ? html`<p class="imsg__note">Quick replies: ${metadata.quick_replies.join(" · ")}</p>` : nothing}
    ${Array.isArray(metadata.attachments) && metadata.attachments.length
      ? html`<p class="imsg__note" data-testid="attachments">Attachments: ${metadata.attachments.map((a, i) => html`${i ? " · " : ""}${attachmentTemplate(m, a)}`)}</p>` : nothing}
    ${metadata.delivery ? deliveryTemplate(m) : nothing}
  </article>`;
}

// A file that came with a mail or a text: a download link (the agent's session may fetch it), or its name alone
// for a message stored before attachments had ids.
function attachmentTemplate(m, a) {
  const label = `${a.filename} (${Math.ceil((a.size || 0) / 1024)} KB)`;
  if (!a.id) return label;
  const url = `/api/v1/conversations/${encodeURIComponent(m.conversation)}/messages/${encodeURIComponent(m.id)}/attachments/${encodeURIComponent(a.id)}/`;
  return html`<a href=${url} target="_blank" rel="noopener" download=${a.filename}>${label}</a>`;
}

// Messages that leave on email, SMS or phone show how their delivery went; a failed one can be retried.
const DELIVERY_LABELS = { queued: "Sending…", sent: "Delivered to the provider", failed: "Not delivered" };

function deliveryTemplate(m) {
  const delivery = m.metadata.delivery;
  const retry = async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      addMessage(await api(`conversations/${enc(m.conversation)}/messages/${enc(m.id)}/retry/`, { method: "POST" }));
    } catch (err) {
      button.disabled = false;
      toastError(err, "Couldn't retry the delivery");
    }
  };
  const failed = delivery.status === "failed";
  return html`<p class="imsg__delivery imsg__delivery--${delivery.status}" data-testid="delivery-status"
      data-status=${delivery.status}>${DELIVERY_LABELS[delivery.status] || delivery.status} (${delivery.channel || "channel"})${
    failed && delivery.error ? html`<span class="imsg__delivery-error">: ${delivery.error}</span>` : nothing}${
    failed ? html` <button type="button" class="btn btn--small" data-testid="delivery-retry" @click=${retry}>Retry</button>` : nothing}</p>`;
}

/** scroll: "bottom" always, "auto" only when the agent was already reading the end. */
function renderHistory({ scroll = "auto" } = {}) {
  const box = dom.history;
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  const items = sortedMessages();
  render(items.length || !state.open ? repeat(items, (m) => String(m.id), messageTemplate)
    : html`<p class="history__empty">No messages yet.</p>`, box);
  if (scroll === "bottom" || nearBottom) box.scrollTop = box.scrollHeight;
}

function addMessage(m, { scroll = "auto" } = {}) {
  if (!m || m.id === undefined || m.id === null) return;
  state.messages.set(String(m.id), m); // our reply comes back as the POST answer and as an event: one entry
  renderHistory({ scroll });
}

// --- composer: reply or note, canned responses, typing ---------------------------------------

function setMode(mode) {
  state.mode = mode === "note" ? "note" : "reply";
  const note = state.mode === "note";
  dom.replyForm.dataset.mode = state.mode;
  dom.modes.forEach((b) => b.setAttribute("aria-checked", b.dataset.mode === state.mode ? "true" : "false"));
  dom.replySend.textContent = note ? "Add note" : "Send";
  dom.replyLabel.textContent = note ? "Private note for agents" : "Reply to the visitor";
  dom.replyInput.placeholder = note
    ? "Write a private note… only agents see it (Enter adds it)"
    : "Write a reply… Enter sends, Shift+Enter for a new line, / for canned responses";
  stopMyTyping(); // a typed note is shown to colleagues only: start again with the right flag
  showCollision(""); // a note is never held back
  renderComposerHint();
}

function saveDraft() {
  if (state.openId) state.drafts.set(state.openId, dom.replyInput.value);
}

/** The newest message of the open conversation on screen: a colleague's reply after it holds ours back. */
function newestSeenId() {
  const ids = Array.from(state.messages.keys(), Number).filter(Number.isFinite);
  return ids.length ? Math.max(...ids) : undefined;
}

/** The newest message of the open conversation the agent has had time to read: a visitor message that came in
 * the last READ_MS is not counted, so "Resolve" clicked as it arrives is refused (409) rather than closing it
 * unanswered (re-trial of 3 Dec: `newestSeenId` counted a message rendered 0.3 s before the click). */
function newestReadId() {
  const now = Date.now();
  const ids = Array.from(state.messages.keys())
    .filter((id) => !(now - (state.arrivedAt.get(id) ?? 0) < READ_MS))
    .map(Number)
    .filter(Number.isFinite);
  return ids.length ? Math.max(...ids) : undefined;
}

function showCollision(text) {
  dom.collisionText.textContent = text || "";
  dom.collision.hidden = !text;
  state.collisionWhileMine = Boolean(text && state.open && sameId(state.open.assignee && state.open.assignee.id, ME.id));
}

async function sendReply({ anyway = false } = {}) {
  const id = state.openId;
  const text = dom.replyInput.value;
  if (!id || !text.trim() || dom.replySend.disabled) return;
  const note = state.mode === "note";
  dom.replySend.disabled = true;
  stopMyTyping();
  try {
    const path = note ? `conversations/${enc(id)}/notes/` : `conversations/${enc(id)}/messages/`;
    // "Send anyway" leaves `after` out: the agent has read the colleague's reply and sends theirs too
    const after = note || anyway ? undefined : state.draftSeen.get(id) ?? newestSeenId();
    const message = await api(path, { method: "POST", body: { body: text.trim(), after } });
    state.draftSeen.delete(id);
    showCollision("");
    if (state.openId === id) {
      addMessage(message, { scroll: "bottom" });
      if (dom.replyInput.value === text) dom.replyInput.value = "";
    }
    state.drafts.delete(id);
    if (state.cannedGap && sameId(state.cannedGap.conversation, id)) {
      state.cannedGap = null;
      renderComposerHint();
    }
    state.ownActions.set(id, Date.now());
    // A reply acknowledges a pending handoff; don't wait for the event to show it.
    if (!note) refreshOpen(id);
  } catch (err) {
    if (err instanceof ApiError && err.code === "replied_meanwhile" && state.openId === id) {
      showCollision(err.message); // the text stays in the box, and the colleague's reply comes into the history
      state.draftSeen.delete(id); // sent again after changing it: checked against what is on screen then
      refreshOpen(id);
    } else toastError(err, note ? "The note was not added" : "The reply was not sent"); // the text stays in the box
  } finally {
    dom.replySend.disabled = false;
  }
}

function refreshOpen(id) {
  if (id && id === state.openId) openConversation(id, { silent: true });
}

/** The "/word" being typed just before the caret, if any. */
function slashToken() {
  const input = dom.replyInput;
  const before = input.value.slice(0, input.selectionStart);
  const match = before.match(/(^|\s)\/([\w-]*)$/);
  return match ? { query: match[2].toLowerCase(), start: before.length - match[2].length - 1, end: input.selectionStart } : null;
}

async function loadCanned() {
  const id = state.openId;
  if (state.canned.items && state.canned.conversation === id) return;
  try {
    // ?conversation= fills {{contact.name}} and friends for this conversation ("rendered").
    const items = await apiAll(`canned-responses/${query({ conversation: id })}`);
    state.canned = { ...state.canned, items, conversation: id };
  } catch (err) {
    state.canned = { ...state.canned, items: [], conversation: id };
    toastError(err, "Couldn't load the canned responses");
  }
}

async function updateCanned() {
  const token = state.mode === "reply" || state.mode === "note" ? slashToken() : null;
  if (!token) {
    closeCanned();
    return;
  }
  // Each "/" fetches the list afresh: one a colleague or an admin added since shows at once (trial 28: it did not
  // until a reload)
  if (!state.canned.open) state.canned = { ...state.canned, items: null };
  await loadCanned();
  const again = slashToken(); // the agent may have typed on while the list loaded
  if (!again) {
    closeCanned();
    return;
  }
  const q = again.query;
  const items = state.canned.items || [];
  const matches = items.filter((r) => !q || String(r.shortcut).toLowerCase().includes(q) || String(r.title || "").toLowerCase().includes(q));
  matches.sort((a, b) => Number(!String(a.shortcut).toLowerCase().startsWith(q)) - Number(!String(b.shortcut).toLowerCase().startsWith(q)));
  state.canned = { ...state.canned, open: true, matches, index: Math.min(state.canned.index, Math.max(matches.length - 1, 0)) };
  renderCanned();
}

function closeCanned() {
  if (!state.canned.open) return;
  state.canned = { ...state.canned, open: false, matches: [], index: 0 };
  renderCanned();
}

function renderCanned() {
  const { open, matches, index, items } = state.canned;
  dom.canned.hidden = !open;
  dom.replyInput.setAttribute("aria-expanded", open ? "true" : "false");
  if (open && matches.length) dom.replyInput.setAttribute("aria-activedescendant", `canned-${matches[index].id}`);
  else dom.replyInput.removeAttribute("aria-activedescendant");
  if (!open) {
    render(nothing, dom.cannedList);
    return;
  }
  render(matches.length ? matches.map((r, i) => html`<li class="canned__item ${i === index ? "is-active" : ""}" role="option"
        id=${`canned-${r.id}`} aria-selected=${i === index ? "true" : "false"} data-testid="canned-option" data-shortcut=${r.shortcut}
        @mousedown=${(event) => { event.preventDefault(); pickCanned(i); }}>
      <span class="canned__shortcut">/${r.shortcut}</span> <span class="canned__name">${r.title || ""}</span>
      <span class="canned__preview">${r.rendered || r.body}</span></li>`)
    : html`<li class="canned__none">${items && items.length ? "No canned response matches: Esc to write it as it is."
      : "No canned responses yet: add them under Canned responses in the admin."}</li>`,
  dom.cannedList);
}

function pickCanned(index) {
  const item = state.canned.matches[index];
  const token = slashToken();
  if (!item || !token) return;
  const input = dom.replyInput;
  const text = item.rendered || item.body || "";
  input.value = input.value.slice(0, token.start) + text + input.value.slice(token.end);
  const caret = token.start + text.length;
  input.setSelectionRange(caret, caret);
  input.focus();
  closeCanned();
  saveDraft();
  // "We'll send the label to {{contact.email}}." for a visitor who gave none reads "…to." (trial of 3 Dec): say so
  const empty = item.empty_placeholders || [];
  state.cannedGap = empty.length ? { conversation: state.openId, text: `This contact has no ${empty.map((p) => PLACEHOLDER_WORDS[p] || p).join(" or ")} on file, so the canned response leaves it out: check the reply before sending.` } : null;
  renderComposerHint();
}

const PLACEHOLDER_WORDS = { "contact.name": "name", "contact.email": "email", "agent.name": "agent name" };

function onComposerKeydown(event) {
  const { open, matches, index } = state.canned;
  if (open && matches.length && ["ArrowDown", "ArrowUp", "Enter", "Tab"].includes(event.key)) {
    event.preventDefault();
    if (event.key === "ArrowDown") state.canned.index = (index + 1) % matches.length;
    else if (event.key === "ArrowUp") state.canned.index = (index - 1 + matches.length) % matches.length;
    else pickCanned(index);
    renderCanned();
    return;
  }
  if (open && !matches.length && event.key === "Enter" && !event.shiftKey) {
    // a shortcut that matches nothing is not sent to the visitor as "/war" (trial 28); Esc closes the picker
    event.preventDefault();
    return;
  }
  if (event.key === "Escape") {
    event.preventDefault();
    if (open) closeCanned();
    else dom.replyInput.blur();
    return;
  }
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendReply();
  }
}

function onComposerInput() {
  saveDraft();
  updateCanned();
  if (!state.openId) return;
  if (!dom.replyInput.value.trim()) state.draftSeen.delete(state.openId);
  else if (!state.draftSeen.has(state.openId)) state.draftSeen.set(state.openId, newestSeenId());
  // The visitor sees "Ana is typing…" (colleagues only, for a note): say so at most every few
  // seconds while typing, and stop after a pause.
  const now = Date.now();
  const mine = state.myTyping;
  if (mine.conversation !== state.openId || now - mine.sentAt > TYPING_RESEND_MS) {
    if (live.send({ type: "typing", conversation: state.openId, active: true, private: state.mode === "note" })) {
      mine.conversation = state.openId;
      mine.sentAt = now;
    }
  }
  clearTimeout(mine.idleTimer);
  mine.idleTimer = setTimeout(stopMyTyping, TYPING_IDLE_MS);
}

function stopMyTyping() {
  const mine = state.myTyping;
  clearTimeout(mine.idleTimer);
  if (mine.conversation) live.send({ type: "typing", conversation: mine.conversation, active: false });
  mine.conversation = null;
  mine.sentAt = 0;
}

// --- typing and presence from others -------------------------------------------------------

function onTyping(event) {
  if (event.conversation == null) return;
  const id = String(event.conversation);
  const who = event.who === "agent" && event.agent ? `agent:${event.agent.id}` : "visitor";
  if (event.who === "agent" && event.agent && sameId(event.agent.id, ME.id)) return; // my other tab
  const name = event.who === "agent" ? (event.agent && event.agent.name) || "An agent" : "The visitor";
  const typers = state.typing.get(id) || new Map();
  if (event.active) typers.set(who, { name, agent: event.who === "agent", until: Date.now() + TYPING_LAPSE_MS });
  else typers.delete(who);
  state.typing.set(id, typers);
  renderPresence();
  setTimeout(renderPresence, TYPING_LAPSE_MS + 100); // lapse without a new frame
}

function typersOf(id) {
  const typers = state.typing.get(id);
  if (!typers) return [];
  const now = Date.now();
  typers.forEach((t, key) => t.until < now && typers.delete(key));
  return Array.from(typers.values());
}

function onPresence(event) {
  if (event.conversation == null) return;
  const id = String(event.conversation);
  const viewers = Array.isArray(event.viewers) ? event.viewers : [];
  // An agent listed here is viewing this one; drop them from any other conversation.
  const ids = new Set(viewers.map((v) => String(v.id)));
  state.presence.forEach((list, other) => {
    if (other !== id) state.presence.set(other, list.filter((v) => !ids.has(String(v.id))));
  });
  state.presence.set(id, viewers);
  renderPresence();
  renderList();
}

function renderPresence() {
  const id = state.openId;
  if (!id) return;
  const typers = typersOf(id);
  const typingAgents = new Set(typers.filter((t) => t.agent).map((t) => t.name));
  const others = (state.presence.get(id) || []).filter((v) => !sameId(v.id, ME.id));
  const parts = others.map((v) => `${v.name} is ${typingAgents.has(v.name) ? "typing…" : "viewing"}`);
  typingAgents.forEach((name) => !others.some((v) => v.name === name) && parts.push(`${name} is typing…`));
  dom.presence.textContent = parts.join(" · ");
  dom.presence.hidden = !parts.length;
  const visitor = typers.find((t) => !t.agent);
  dom.typing.textContent = visitor ? "The visitor is typing…" : "";
}

// --- actions --------------------------------------------------------------------------------

/** Run an action on the open conversation; `returnsConversation` says whether the answer is one. */
async function runAction(button, call, what, { returnsConversation = true } = {}) {
  const id = state.openId;
  if (!id) return false;
  button.disabled = true;
  state.ownActions.set(id, Date.now());
  try {
    const result = await call(id);
    if (returnsConversation && result && sameId(result.id, id) && result.status) upsertConversation(result);
    refreshOpen(id);
    if (!state.conversations.has(id) && !searching()) loadList();
    return true;
  } catch (err) {
    toastError(err, what);
    if (err.status === 409) refreshOpen(id); // show who has it now
    return false;
  } finally {
    button.disabled = false;
  }
}

function claim() {
  const h = state.open && state.open.handoff;
  if (!h || dom.claim.hidden) return;
  runAction(dom.claim, () => api(`handoffs/${enc(h.id)}/acknowledge/`, { method: "POST", body: {} }), "Couldn't claim it", {
    returnsConversation: false,
  });
}

function assign() {
  const value = dom.assignSelect.value;
  if (!value) {
    toast({ kind: "error", title: "Choose an agent or a team first" });
    dom.assignSelect.focus();
    return;
  }
  const [kind, targetId] = [value.slice(0, value.indexOf(":")), value.slice(value.indexOf(":") + 1)];
  const body = kind === "team" ? { team_id: targetId } : { user_id: targetId };
  // the owner on screen: a colleague who took it meanwhile is shown (409), not silently replaced
  body.expected_assignee_id = state.open && state.open.assignee ? state.open.assignee.id : null;
  runAction(dom.assignSubmit, (id) => api(`conversations/${enc(id)}/assign/`, { method: "POST", body }), "Couldn't assign it").then((done) => {
    if (done) dom.assignSelect.value = "";
  });
}

function unassign() {
  runAction(dom.unassign, (id) => api(`conversations/${enc(id)}/unassign/`, { method: "POST", body: {} }), "Couldn't hand it back");
}

function resolve() {
  if (dom.resolveGroup.hidden) return;
  const resolution = dom.resolveType.value;
  // `after`: a visitor message that arrived as the agent clicked is shown (409) instead of closed unanswered
  runAction(dom.resolve, (id) => api(`conversations/${enc(id)}/resolve/`, { method: "POST", body: { resolution, after: newestReadId() } }), "Couldn't resolve it");
}

async function loadAssignees() {
  const [agents, teams] = await Promise.all([
    apiAll("agents/").catch(() => []),
    apiAll("teams/").catch(() => []),
  ]);
  const agentLabel = (a) => {
    const name = a.name || a.username;
    if (sameId(a.id, ME.id)) return `${name} (me)`;
    if (a.available === false) return `${name} (away)`;
    return a.online === false ? `${name} (offline)` : `${name} (online)`;
  };
  const keep = dom.assignSelect.value;
  render(html`<option value="">Assign…</option>
    ${agents.length ? html`<optgroup label="Agents">${agents.map((a) => html`<option value=${`user:${a.id}`}>${agentLabel(a)}</option>`)}</optgroup>` : nothing}
    ${teams.length ? html`<optgroup label="Teams">${teams.map((t) => html`<option value=${`team:${t.id}`}>${t.name}</option>`)}</optgroup>` : nothing}`,
  dom.assignSelect);
  dom.assignSelect.value = keep;
}

// --- contact panel: details, tags, past conversations ---------------------------------------

async function loadPastConversations(detail) {
  const contact = detail && detail.contact;
  if (!contact || contact.id == null) return;
  try {
    const data = await api(`conversations/${query({ contact: contact.id })}`);
    if (!state.open || !sameId(state.open.id, detail.id)) return;
    const results = Array.isArray(data) ? data : (data && data.results) || [];
    state.pastConversations = results.filter((c) => !sameId(c.id, detail.id));
  } catch {
    state.pastConversations = [];
  }
  renderDetails();
}

async function saveContact(event) {
  event.preventDefault();
  const c = state.open;
  if (!c || !c.contact) return;
  const form = event.currentTarget;
  const body = Object.fromEntries(["name", "email", "phone"].map((k) => [k, form.elements[k].value.trim()]));
  const button = form.querySelector("[type=submit]");
  button.disabled = true;
  try {
    const contact = await api(`contacts/${enc(c.contact.id)}/`, { method: "PATCH", body });
    state.editingContact = false;
    upsertConversation({ id: c.id, contact });
  } catch (err) {
    toastError(err, "The contact was not saved");
  } finally {
    button.disabled = false;
  }
}

async function changeTags(change) {
  const id = state.openId;
  if (!id) return false;
  try {
    const { tags } = await api(`conversations/${enc(id)}/tags/`, { method: "POST", body: change });
    state.ownActions.set(id, Date.now());
    upsertConversation({ id, tags });
    return true;
  } catch (err) {
    toastError(err, "The tags were not changed");
    return false;
  }
}

async function addTag(event) {
  event.preventDefault();
  const input = event.currentTarget.elements.tag;
  const tags = input.value.split(",").map((t) => t.trim().replace(/^#/, "")).filter(Boolean);
  if (tags.length && (await changeTags({ add: tags }))) input.value = "";
}

function toggleDetails() {
  // Wide screens show the panel unless hidden; narrower ones open it over the conversation.
  document.body.classList.toggle("details-toggled");
  renderDetailsToggle();
}

function renderDetailsToggle() {
  const shown = getComputedStyle(dom.details).display !== "none";
  dom.detailsToggle.setAttribute("aria-expanded", shown ? "true" : "false");
}

function renderDetails() {
  const c = state.open;
  if (!c) return;
  const contact = c.contact || {};
  const tags = Array.isArray(c.tags) ? c.tags : [];
  const steps = Array.isArray(c.flow_log) ? c.flow_log : [];
  const attributes = Object.entries(contact.attributes || {});
  const past = state.pastConversations;
  const fields = [["name", "Name", "text"], ["email", "Email", "email"], ["phone", "Phone", "tel"]];
  render(html`
    <button type="button" class="btn btn--ghost btn--small details__close" @click=${toggleDetails}>Close</button>
    <h2 class="details__title">Contact</h2>
    ${state.editingContact ? html`
      <form class="contact-form" data-testid="contact-form" @submit=${saveContact}>
        ${fields.map(([key, label, type]) => html`<label class="contact-form__field">${label}
          <input type=${type} name=${key} .value=${(key === "name" ? contact.name_on_file ?? contact.name : contact[key]) || ""} maxlength="200" autocomplete="off"></label>`)}
        <div class="contact-form__bar">
          <button type="submit" class="btn btn--primary btn--small" data-testid="contact-save">Save</button>
          <button type="button" class="btn btn--ghost btn--small" @click=${() => { state.editingContact = false; renderDetails(); }}>Cancel</button>
        </div>
      </form>` : html`
      <dl class="kv" id="contact-details" data-testid="contact-details">
        ${fields.map(([key, label]) => html`<div class="kv__row"><dt>${label}</dt>
          <dd>${(key === "name" ? contact.name_on_file ?? contact.name : contact[key]) || "—"}</dd></div>`)}
      </dl>
      ${contact.id != null ? html`<button type="button" class="btn btn--small details__edit" data-testid="contact-edit"
          @click=${() => { state.editingContact = true; renderDetails(); }}>Edit contact</button>` : nothing}`}

    <h2 class="details__title">Tags</h2>
    <ul class="tags" id="conversation-tags" data-testid="conversation-tags">
      ${tags.length ? tags.map((tag) => html`<li class="chip chip--tag" data-testid="tag">
          <button type="button" class="chip__link" title="Show conversations tagged #${tag}" @click=${() => searchByTag(tag)}>#${tag}</button>
          <button type="button" class="chip__remove" aria-label=${`Remove the tag ${tag}`} data-testid="tag-remove"
                  @click=${() => changeTags({ remove: [tag] })}>×</button></li>`)
        : html`<li class="tags__empty">No tags yet.</li>`}
    </ul>
    <form class="tag-form" @submit=${addTag}>
      <label class="sr-only" for="tag-input">Add a tag</label>
      <input type="text" id="tag-input" name="tag" data-testid="tag-input" maxlength="50" placeholder="Add a tag" autocomplete="off">
      <button type="submit" class="btn btn--small" data-testid="tag-add">Add</button>
    </form>

    <h2 class="details__title">Past conversations</h2>
    <ul class="past" data-testid="past-conversations">
      ${past === null ? html`<li class="tags__empty">Loading…</li>`
        : past.length ? past.map((p) => html`<li><button type="button" class="past__item" @click=${() => openConversation(p.id)}>
            <span class="past__top"><span class="badge badge--status badge--${p.status}">${statusLabel(p.status)}</span>
              ${timeTemplate(p.last_activity_at, "past__time")}</span>
            <span class="past__preview">${(p.last_message && p.last_message.body) || "No messages"}</span></button></li>`)
        : html`<li class="tags__empty">This is their first conversation.</li>`}
    </ul>

    ${attributes.length ? html`<h2 class="details__title">Attributes</h2>
      <dl class="kv" id="contact-attributes">${attributes.map(([k, v]) => html`<div class="kv__row"><dt>${humanize(k)}</dt><dd>${displayValue(v)}</dd></div>`)}</dl>` : nothing}

    <h2 class="details__title">Flow steps</h2>
    <ol class="flow-log" id="flow-log" data-testid="flow-log">
      ${steps.length ? steps.map((step) => html`<li class="flow-log__item">${step.text || String(step)}</li>`)
        : html`<li class="tags__empty flow-log__none">No flow has run.</li>`}
    </ol>`, dom.detailsBody);
}

// --- live updates ---------------------------------------------------------------------------

const live = new LiveConnection(config.ws_url || "/ws/inbox/", {
  onOpen(reconnected) {
    setWsState(true);
    // Presence is per socket: a new one says again what this agent is looking at.
    if (state.openId) live.send({ type: "viewing", conversation: state.openId });
    // Events sent while we were away are lost; the REST state is the truth.
    if (reconnected) {
      loadList();
      refreshOpen(state.openId);
    }
  },
  onClose(event) {
    if (event.code === 4403) return accessRemoved(); // no longer an agent here: the server says so on the page
    setWsState(false);
    if (event.code >= 4000) loadMe(); // an expired session redirects to the login page from there
  },
  onEvent: handleEvent,
});

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

/** This agent was taken out of the workspace (deleted, deactivated, profile removed): reconnecting and polling
 * only stacked "Couldn't load…" toasts (re-trial of 3 Dec). The page is loaded again once, and the server's answer
 * (the login page, or "The inbox is for agents…") says where they stand. */
let leaving = false;
function accessRemoved() {
  if (leaving) return;
  leaving = true;
  stopPolling();
  location.reload();
}

function handleEvent(event) {
  switch (event.type) {
    case "access.revoked":
      accessRemoved();
      break;
    case "conversation.created":
    case "conversation.updated": // the inbox's carries the whole list item (realtime.publish_conversation_updated)
      if (event.conversation) retireHandoffToast(event.conversation);
      if (!searching()) upsertConversation(event.conversation);
      else if (event.conversation && state.conversations.has(String(event.conversation.id))) upsertConversation(event.conversation);
      break;
    case "message.created":
      onMessageCreated(event.message);
      break;
    case "message.updated":
      // a delivery status changed: the message is shown again, in place
      if (event.message && String(event.message.conversation) === state.openId && state.messages.has(String(event.message.id))) {
        addMessage(event.message);
      }
      break;
    case "handoff.updated":
      onHandoffUpdated(event);
      break;
    case "notification":
      onNotification(event);
      break;
    case "typing":
      onTyping(event);
      break;
    case "presence":
      onPresence(event);
      break;
    case "agent.presence": // someone opened the inbox: their "(offline)" mark goes
      loadAssignees();
      break;
    default:
      break;
  }
}

function onMessageCreated(m) {
  if (!m || m.conversation === undefined || m.conversation === null) return;
  const id = String(m.conversation);
  if (id === state.openId) {
    if (m.sender_type === "visitor") state.arrivedAt.set(String(m.id), Date.now());
    addMessage(m);
    if (m.sender_type === "visitor") onTyping({ conversation: id, who: "visitor", active: false });
  }
  // A rating or a survey just landed on the open conversation: refresh its header.
  if (id === state.openId && m.metadata && (m.metadata.csat_result || m.metadata.csat)) refreshOpen(id);
  const lastMessage = { body: m.body, sender_type: m.sender_type, created_at: m.created_at, private: Boolean(m.private) };
  if (state.conversations.has(id) || (state.open && id === state.openId)) {
    const visitorSaid = m.sender_type === "visitor" ? { last_visitor_message: { body: m.body, created_at: m.created_at } } : {};
    upsertConversation({ id, last_message: lastMessage, last_activity_at: m.created_at, ...visitorSaid });
  } else if (!searching()) {
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
  const key = id != null ? String(id) : null;
  const watching = key !== null && key === state.openId && document.hasFocus();
  if (event.kind === "visitor_message" && watching) return; // the message is already on screen
  // The agent just assigned or claimed it themselves: nothing to tell them.
  if (key !== null && Date.now() - (state.ownActions.get(key) || 0) < OWN_ACTION_MS && event.kind !== "visitor_message") return;
  const messages = event.kind === "visitor_message";
  const fallback = messages ? "New message" : "Handoff assigned to you";
  const title = event.title || fallback;
  const body = [event.reason, event.priority && PRIORITY_LABELS[event.priority]].filter(Boolean).join(" · ");
  // Several at once (the queue handed to an agent who just came online): one toast that counts them, not a
  // stack that hides the list. It names and opens the most urgent of them, else the latest (re-trial of 3 Dec: an
  // urgent dispute was hidden behind "Latest: … Normal priority").
  const group = messages ? "messages" : "handoffs";
  const previous = state.notificationToasts[group];
  const count = previous && previous.node.isConnected ? previous.count + 1 : 1;
  if (count > 1) previous.node.remove();
  const mine = { key, title, body, rank: PRIORITY_RANK[event.priority] ?? PRIORITY_RANK.normal };
  const shown = count > 1 && previous.shown.rank < mine.rank ? previous.shown : mine;
  const latest = shown === mine;
  const node = toast({
    kind: "notification",
    title: count > 1 ? `${count} ${messages ? "new messages" : "handoffs for you"}` : title,
    body: count > 1 ? `${latest ? "Latest" : "Most urgent"}: ${shown.title}${shown.body ? ` · ${shown.body}` : ""}` : body,
    actionLabel: count > 1 ? (latest ? "Open latest" : "Open most urgent") : "Open",
    action: shown.key !== null ? () => openConversation(shown.key) : null,
    timeout: messages ? 8000 : 20000,
  });
  const keys = new Set(count > 1 ? previous.keys : []);
  if (key !== null) keys.add(key);
  state.notificationToasts[group] = { node, count, keys, shown };
  if (key !== null) {
    desktopNotify(title, body, key);
    if (!state.conversations.has(key) && !searching()) fetchAndUpsert(key);
  }
}

/** A handoff's toast goes once a colleague has taken the conversation, or it is closed: its "Open" would lead to
 * someone else's conversation (trial of 3 Dec: it stayed up for its 20 s after a colleague's claim). */
function retireHandoffToast(c) {
  const shown = state.notificationToasts.handoffs;
  const key = String(c.id);
  if (!shown || !shown.node.isConnected || !shown.keys.has(key)) return;
  const someoneElses = c.assignee && !sameId(c.assignee.id, ME.id) && c.status === "assigned";
  if (!someoneElses && !isResolved(c)) return;
  shown.keys.delete(key);
  if (shown.keys.size === 0) {
    shown.node.remove();
    state.notificationToasts.handoffs = null;
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

// --- keyboard -------------------------------------------------------------------------------

function moveSelection(step) {
  const ids = sortedConversations().map((c) => String(c.id));
  if (!ids.length) return;
  const at = ids.indexOf(state.openId);
  const next = at === -1 ? (step > 0 ? 0 : ids.length - 1) : Math.min(Math.max(at + step, 0), ids.length - 1);
  openConversation(ids[next]);
  const row = dom.list.querySelector(`[data-conversation-id="${CSS.escape(ids[next])}"]`);
  if (row) row.scrollIntoView({ block: "nearest" });
}

function focusComposer(mode) {
  if (!state.openId) return;
  setMode(mode);
  dom.replyInput.focus();
}

const SHORTCUTS = {
  j: () => moveSelection(1),
  k: () => moveSelection(-1),
  r: () => focusComposer("reply"),
  n: () => focusComposer("note"),
  s: () => dom.searchInput.focus(),
  c: () => claim(),
  e: () => resolve(),
  h: () => toggleHandoff(),
  "?": () => (dom.shortcuts.open ? dom.shortcuts.close() : dom.shortcuts.showModal()),
  1: () => setFilter(FILTER_KEYS[0]),
  2: () => setFilter(FILTER_KEYS[1]),
  3: () => setFilter(FILTER_KEYS[2]),
  4: () => setFilter(FILTER_KEYS[3]),
  5: () => setFilter(FILTER_KEYS[4]),
};

function onShortcut(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || isTyping(event)) return;
  if (dom.shortcuts.open && event.key !== "?") return; // the dialog handles Esc itself
  const action = SHORTCUTS[event.key];
  if (!action) return;
  event.preventDefault();
  action();
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
  dom.searchInput.addEventListener("input", onSearchInput);
  dom.searchInput.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      clearSearch();
      dom.searchInput.blur();
    }
  });
  dom.searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch();
  });
  dom.searchClear.addEventListener("click", () => {
    clearSearch();
    dom.searchInput.focus();
  });
  dom.loadMore.addEventListener("click", loadMore);
  dom.availability.addEventListener("change", setAvailability);
  dom.notify.addEventListener("click", async () => {
    if (notificationsSupported() && Notification.permission === "default") await requestNotificationPermission();
    else renderNotifyButton();
  });
  dom.shortcutsOpen.addEventListener("click", () => dom.shortcuts.showModal());
  dom.back.addEventListener("click", closeConversation);
  dom.claim.addEventListener("click", claim);
  dom.assignSubmit.addEventListener("click", assign);
  dom.unassign.addEventListener("click", unassign);
  dom.resolve.addEventListener("click", resolve);
  dom.detailsToggle.addEventListener("click", toggleDetails);
  window.matchMedia("(max-width: 1100px)").addEventListener("change", renderDetailsToggle);
  dom.modes.forEach((b) => b.addEventListener("click", () => {
    setMode(b.dataset.mode);
    dom.replyInput.focus();
  }));
  dom.replyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    sendReply();
  });
  dom.collisionSend.addEventListener("click", () => sendReply({ anyway: true }));
  dom.collisionClose.addEventListener("click", () => {
    showCollision("");
    dom.replyInput.focus();
  });
  dom.replyInput.addEventListener("keydown", onComposerKeydown);
  dom.replyInput.addEventListener("input", onComposerInput);
  dom.replyInput.addEventListener("click", updateCanned);
  dom.replyInput.addEventListener("blur", () => {
    closeCanned();
    stopMyTyping();
  });
  document.addEventListener("keydown", onShortcut);
  window.addEventListener("hashchange", openFromHash);
  window.addEventListener("focus", () => {
    if (!state.open) return;
    markSeen(state.open);
    renderList();
  });
  // Browsers only show the permission prompt after a user gesture; the first click anywhere counts.
  document.addEventListener("click", requestNotificationPermission, { once: true, capture: true });
  window.addEventListener("beforeunload", () => live.send({ type: "viewing", conversation: null }));
  // "just now" becomes "2m ago": lit-html owns those nodes, so re-render rather than edit them.
  setInterval(() => {
    renderList();
    if (state.open) renderHistory();
  }, 30000);
}

function start() {
  wire();
  renderNotifyButton();
  requestNotificationPermission();
  setMode("reply");
  renderThread();
  renderDetailsToggle();
  live.connect();
  loadMe();
  loadAssignees();
  loadList().then(rememberWaitingHandoffs);
  openFromHash();
}

/** A link to /inbox/#conversation=<id> opens that conversation, on load or while the page is open. */
function openFromHash() {
  const match = location.hash.match(/conversation=([^&]+)/);
  if (match && decodeURIComponent(match[1]) !== state.openId) openConversation(decodeURIComponent(match[1]));
}

start();
