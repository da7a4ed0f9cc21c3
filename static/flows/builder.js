/*
 * The flow builder: a drawflow canvas for the graph, a side panel for each node's config,
 * live validation on the nodes, save draft / publish, and a test panel that runs the draft
 * through POST /api/v1/flows/test-run/ with the run's state kept here, in the page.
 *
 * The page's own model (`state.nodes`: drawflow id -> {id, type, config}) is the truth for
 * node data; drawflow owns positions and connections. A connection from output k of a node
 * is the edge whose `when` is the k-th outcome of that node (outputLabels). Any text that
 * came from a user is put in the page with textContent or escaped, never as raw HTML.
 */
/* global Drawflow */
import { apiClient, pageConfig } from "../shared/api.js";
import { byId, esc } from "../shared/dom.js";

const config = pageConfig("builder-config");
const { request } = apiClient(config.api_base || "/api/v1/");
const TYPES = config.node_types || {};
const TARGETS = config.targets || { user: [], team: [], specialty: [] };

const DEFAULTS = {
  message: { text: "" },
  collect_input: { variable: "", question: "", kind: "text" },
  branch: { conditions: [{ label: "yes", variable: "", op: "eq", value: "" }] },
  ai_answer: {},
  ai_action: { task: "classify", variable: "", labels: [] },
  handoff: { target: { kind: "team", name: "" }, reason: "" },
  resolve: { resolution: "resolved", csat: true },
  action: { add_tags: [] },
  webhook: { url: "", secret: "", timeout_seconds: 10, retries: 2, map: {} },
};
const COLUMN = 320;

const $ = byId;
const dom = {
  flowSelect: $("flow-select"),
  newFlowForm: $("new-flow-form"),
  newFlowName: $("new-flow-name"),
  newFlowError: $("new-flow-error"),
  settings: $("flow-settings"),
  name: $("flow-name"),
  enabled: $("flow-enabled"),
  priority: $("flow-priority"),
  triggerKind: $("trigger-kind"),
  keywords: $("trigger-keywords"),
  codesLike: $("trigger-codes"),
  intent: $("trigger-intent"),
  examples: $("trigger-examples"),
  attribute: $("trigger-attribute"),
  attrValue: $("trigger-value"),
  palette: $("palette"),
  title: $("flow-title"),
  status: $("flow-status"),
  save: $("save-draft"),
  publish: $("publish"),
  deleteFlow: $("delete-flow"),
  notice: $("notice"),
  canvas: $("drawflow"),
  canvasEmpty: $("canvas-empty"),
  issues: $("validation-errors"),
  issueCount: $("issue-count"),
  tabConfig: $("tab-config"),
  tabTest: $("tab-test"),
  configPane: $("config-pane"),
  testPane: $("test-pane"),
  configEmpty: $("config-empty"),
  form: $("node-config"),
  testContact: $("test-contact"),
  testHours: $("test-office-hours"),
  testLanguage: $("test-language"),
  testHookOk: $("test-webhook-ok"),
  testHookResponse: $("test-webhook-response"),
  testStart: $("test-start"),
  testRestart: $("test-restart"),
  transcript: $("test-transcript"),
  testForm: $("test-form"),
  testInput: $("test-input"),
  testSend: $("test-send"),
  testStatus: $("test-status"),
  path: $("test-path"),
  variables: $("test-variables"),
};

const state = {
  flows: [],
  flow: null, // the flow's detail as the API returned it
  nodes: new Map(), // drawflow id (number) -> {id, type, config}
  startId: null, // drawflow id of the entry node
  selected: null, // drawflow id shown in the config panel
  issues: [],
  dirty: false,
  quiet: 0, // > 0 while the page itself edits the canvas (loading, re-wiring outputs)
  validateTimer: null,
  validateSeq: 0,
  test: { state: null, contact: null, tags: [], turn: 0, busy: false },
};

// --- helpers ------------------------------------------------------------------------------

function clone(value) {
  return JSON.parse(JSON.stringify(value ?? null));
}

function notify(text, kind = "info") {
  dom.notice.textContent = text;
  dom.notice.dataset.kind = kind;
  dom.notice.hidden = !text;
}

function splitList(text, separator = ",") {
  return String(text || "").split(separator).map((s) => s.trim()).filter(Boolean);
}

function parseScalar(text) {
  const t = String(text).trim();
  if (t === "true") return true;
  if (t === "false") return false;
  if (t !== "" && !Number.isNaN(Number(t))) return Number(t);
  return t;
}

function scalarText(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function typeTitle(type) {
  return (TYPES[type] && TYPES[type].title) || type;
}

function outputLabels(type, cfg) {
  // Each type's outcomes come from the server's node types (flows/nodes.py); "next" is the first output.
  const edges = TYPES[type] ? TYPES[type].edges : ["next"];
  const fixed = edges.includes("next") ? ["next", ...edges.filter((e) => e !== "next")] : edges;
  if (type !== "branch") return fixed;
  const labels = [];
  for (const c of (cfg && cfg.conditions) || []) {
    const label = String((c && c.label) || "").trim();
    if (label && !labels.includes(label) && !["else", "next", "error"].includes(label)) labels.push(label);
  }
  return [...labels, ...fixed];
}

function summary(type, c) {
  c = c || {};
  switch (type) {
    case "message": return c.text || "(no text yet)";
    case "collect_input": return `${c.variable || "?"} (${c.kind || "text"}): ${c.question || "no question yet"}`;
    case "branch": return `If ${((c.conditions || []).map((x) => x.label).filter(Boolean).join(" / ")) || "…"}, else …`;
    case "ai_answer": return "The assistant answers the visitor's message";
    case "ai_action": return `${c.task || "?"} into ${c.variable || "?"}`;
    case "handoff": {
      const t = c.target || {};
      const whom = t.kind === "default" ? "the default target" : `${t.kind || "?"} ${t.name || "?"}`;
      return `To ${whom}${c.reason ? ` — ${c.reason}` : ""}`;
    }
    case "resolve": return `As ${c.resolution || "resolved"}, CSAT ${c.csat === true ? "on" : c.csat === false ? "off" : "per policy"}`;
    case "action": {
      const parts = [];
      if ((c.add_tags || []).length) parts.push(`+${c.add_tags.join(", +")}`);
      if ((c.remove_tags || []).length) parts.push(`−${c.remove_tags.join(", −")}`);
      if (c.set_attributes && Object.keys(c.set_attributes).length) parts.push(`set ${Object.keys(c.set_attributes).join(", ")}`);
      if ((c.count || []).length) parts.push(`count ${c.count.join(", ")}`);
      return parts.join("; ") || "(nothing yet)";
    }
    case "webhook": return `POST ${c.url || "(no URL yet)"}`;
    default: return "";
  }
}

// --- the canvas ---------------------------------------------------------------------------

const editor = new Drawflow(dom.canvas);
editor.reroute = false;
editor.start();

function nodeEl(dfId) {
  return document.getElementById(`node-${dfId}`);
}

function dfIdOf(nodeId) {
  for (const [dfId, node] of state.nodes) if (node.id === nodeId) return dfId;
  return null;
}

function renderNode(dfId) {
  const node = state.nodes.get(dfId);
  const el = nodeEl(dfId);
  if (!node || !el) return;
  el.dataset.nodeId = node.id;
  el.dataset.nodeType = node.type;
  el.setAttribute("data-testid", "flow-node");
  el.classList.toggle("is-start", dfId === state.startId);
  el.classList.toggle("is-selected", dfId === state.selected);
  const content = el.querySelector(".drawflow_content_node");
  content.innerHTML = `
    <div class="fnode__head"><span class="fnode__title">${esc(typeTitle(node.type))}</span><span class="fnode__id">${esc(node.id)}</span></div>
    <span class="fnode__start">Start</span>
    <div class="fnode__summary">${esc(summary(node.type, node.config))}</div>
    <ul class="fnode__issues" data-testid="node-issues"></ul>`;
  outputLabels(node.type, node.config).forEach((label, i) => {
    const out = el.querySelector(`.outputs .output_${i + 1}`);
    if (out) {
      out.dataset.label = label;
      out.title = `${label}: drag to the next node`;
    }
  });
  paintIssues(dfId);
}

function addNode(type, cfg, nodeId, x, y) {
  const labels = outputLabels(type, cfg);
  const dfId = editor.addNode(type, 1, labels.length, x, y, `fnode fnode--${type}`, {}, "");
  state.nodes.set(dfId, { id: nodeId, type, config: cfg });
  renderNode(dfId);
  return dfId;
}

function quietly(fn) {
  state.quiet += 1;
  try {
    return fn();
  } finally {
    state.quiet -= 1;
  }
}

/** Outputs follow a node's outcomes (a Branch's labels); connections stay with their label. */
function syncOutputs(dfId, oldLabels, newLabels) {
  if (JSON.stringify(oldLabels) === JSON.stringify(newLabels)) return;
  quietly(() => {
    const before = editor.getNodeFromId(dfId);
    const targets = {};
    oldLabels.forEach((label, i) => {
      const output = before.outputs[`output_${i + 1}`];
      targets[label] = output ? output.connections.map((c) => c.node) : [];
      for (const c of output ? output.connections : []) editor.removeSingleConnection(dfId, c.node, `output_${i + 1}`, c.output);
    });
    let count = Object.keys(editor.getNodeFromId(dfId).outputs).length;
    while (count < newLabels.length) { editor.addNodeOutput(dfId); count += 1; }
    while (count > newLabels.length) { editor.removeNodeOutput(dfId, `output_${count}`); count -= 1; }
    newLabels.forEach((label, i) => {
      for (const target of targets[label] || []) editor.addConnection(dfId, target, `output_${i + 1}`, "input_1");
    });
  });
}

function connectionsOf(dfId) {
  const node = state.nodes.get(dfId);
  const df = editor.getNodeFromId(dfId);
  return outputLabels(node.type, node.config).map((label, i) => {
    const output = df.outputs[`output_${i + 1}`];
    return { label, output: `output_${i + 1}`, targets: output ? output.connections.map((c) => Number(c.node)) : [] };
  });
}

function toDocument() {
  const ids = [...state.nodes.keys()].sort((a, b) => (a === state.startId ? -1 : b === state.startId ? 1 : a - b));
  const nodes = [];
  const edges = [];
  const layout = {};
  for (const dfId of ids) {
    const node = state.nodes.get(dfId);
    const df = editor.getNodeFromId(dfId);
    nodes.push({ id: node.id, type: node.type, config: clone(node.config) });
    layout[node.id] = [Math.round(df.pos_x), Math.round(df.pos_y)];
    for (const { label, targets } of connectionsOf(dfId)) {
      for (const target of targets) {
        const to = state.nodes.get(target);
        if (to) edges.push({ from: node.id, to: to.id, when: label });
      }
    }
  }
  return { nodes, edges, layout };
}

function nextNodeId() {
  let n = state.nodes.size + 1;
  const taken = new Set([...state.nodes.values()].map((x) => x.id));
  while (taken.has(`n${n}`)) n += 1;
  return `n${n}`;
}

function loadGraph(detail) {
  quietly(() => {
    editor.clear();
    state.nodes.clear();
    state.startId = null;
    state.selected = null;
    const layout = detail.layout || {};
    const byId = {};
    (detail.nodes || []).forEach((n, i) => {
      const xy = layout[n.id] || [40 + (i % 5) * COLUMN, 60 + Math.floor(i / 5) * 220];
      const dfId = addNode(n.type, n.config || {}, n.id, xy[0], xy[1]);
      if (!(n.id in byId)) byId[n.id] = dfId;
      if (i === 0) state.startId = dfId;
    });
    const dropped = [];
    for (const e of detail.edges || []) {
      const from = byId[e.from];
      const to = byId[e.to];
      const node = from && state.nodes.get(from);
      const k = node ? outputLabels(node.type, node.config).indexOf(e.when || "next") : -1;
      if (from && to && k >= 0) editor.addConnection(from, to, `output_${k + 1}`, "input_1");
      else dropped.push(e);
    }
    for (const dfId of state.nodes.keys()) renderNode(dfId);
    if (dropped.length) notify(`${dropped.length} edge(s) could not be drawn (unknown node or outcome) and were left out.`, "warning");
  });
  dom.canvasEmpty.hidden = state.nodes.size > 0;
  showConfig(null);
}

editor.on("nodeSelected", (id) => {
  if (state.quiet) return;
  select(Number(id));
});
editor.on("nodeUnselected", () => {
  if (!state.quiet) select(null);
});
// A node selected by the page (just added from the palette) is not drawflow's own selection:
// a click on the empty canvas must unselect it too.
editor.on("click", (e) => {
  const target = e && e.target;
  if (!state.quiet && target && target.closest && !target.closest(".drawflow-node") && state.selected !== null) select(null);
});
editor.on("nodeRemoved", (id) => {
  const dfId = Number(id);
  state.nodes.delete(dfId);
  if (state.startId === dfId) state.startId = state.nodes.size ? Math.min(...state.nodes.keys()) : null;
  if (state.startId !== null) renderNode(state.startId);
  if (state.selected === dfId) showConfig(null);
  dom.canvasEmpty.hidden = state.nodes.size > 0;
  if (!state.quiet) changed();
});
editor.on("nodeMoved", () => {
  if (!state.quiet) changed({ validate: false });
});
editor.on("connectionCreated", (c) => {
  if (state.quiet) return;
  // One outcome leads to one node: a new connection from an output replaces the old one.
  const source = Number(c.output_id);
  const df = editor.getNodeFromId(source);
  quietly(() => {
    for (const other of df.outputs[c.output_class].connections) {
      if (String(other.node) !== String(c.input_id)) editor.removeSingleConnection(source, other.node, c.output_class, other.output);
    }
  });
  if (state.selected === source) renderConnections();
  changed();
});
editor.on("connectionRemoved", (c) => {
  if (state.quiet) return;
  if (state.selected === Number(c.output_id)) renderConnections();
  changed();
});

function select(dfId) {
  const previous = state.selected;
  state.selected = dfId;
  if (previous !== null && state.nodes.has(previous)) nodeEl(previous).classList.remove("is-selected");
  if (dfId !== null && state.nodes.has(dfId)) nodeEl(dfId).classList.add("is-selected");
  showConfig(dfId);
  if (dfId !== null) showTab("config");
}

function addFromPalette(type) {
  if (!state.flow) return;
  const from = state.selected !== null && state.nodes.has(state.selected) ? state.selected : null;
  let x = 40;
  let y = 80;
  if (from !== null) {
    const df = editor.getNodeFromId(from);
    x = df.pos_x + COLUMN;
    y = df.pos_y;
  } else if (state.nodes.size) {
    const all = [...state.nodes.keys()].map((id) => editor.getNodeFromId(id));
    x = Math.max(...all.map((n) => n.pos_x)) + COLUMN;
    y = Math.min(...all.map((n) => n.pos_y)) + 160;
  }
  const dfId = addNode(type, clone(DEFAULTS[type] || {}), nextNodeId(), x, y);
  if (state.startId === null) {
    state.startId = dfId;
    renderNode(dfId);
  }
  if (from !== null) {
    const free = connectionsOf(from).find((o) => !o.targets.length && o.label !== "error");
    if (free) quietly(() => editor.addConnection(from, dfId, free.output, "input_1"));
  }
  dom.canvasEmpty.hidden = true;
  select(dfId);
  bringIntoView(dfId);
  changed();
}

// A node added to the right of the last one may land past the canvas's edge: pan until it shows.
function bringIntoView(dfId) {
  const el = nodeEl(dfId);
  if (!el) return;
  const box = editor.container.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const margin = 24;
  let dx = 0;
  let dy = 0;
  if (r.right > box.right - margin) dx = box.right - margin - r.right;
  if (r.left + dx < box.left + margin) dx = box.left + margin - r.left;
  if (r.bottom > box.bottom - margin) dy = box.bottom - margin - r.bottom;
  if (r.top + dy < box.top + margin) dy = box.top + margin - r.top;
  if (!dx && !dy) return;
  editor.canvas_x += dx;
  editor.canvas_y += dy;
  editor.precanvas.style.transform = `translate(${editor.canvas_x}px, ${editor.canvas_y}px) scale(${editor.zoom})`;
}

// --- the config panel -------------------------------------------------------------------------

function showTab(which) {
  const test = which === "test";
  dom.tabConfig.setAttribute("aria-selected", String(!test));
  dom.tabTest.setAttribute("aria-selected", String(test));
  dom.configPane.hidden = test;
  dom.testPane.hidden = !test;
}

function field(label, input, hint) {
  const wrap = document.createElement("div");
  wrap.className = "field";
  const id = `cfg-${input.dataset.field || Math.random().toString(36).slice(2)}`;
  input.id = input.id || id;
  const l = document.createElement("label");
  l.htmlFor = input.id;
  l.textContent = label;
  wrap.append(l, input);
  if (hint) {
    const small = document.createElement("small");
    small.className = "hint";
    small.textContent = hint;
    wrap.append(small);
  }
  return wrap;
}

function control(tag, name, value, opts = {}) {
  const el = document.createElement(tag);
  el.dataset.field = name;
  el.setAttribute("data-testid", `config-${name}`);
  if (tag === "select") {
    for (const [v, text] of opts.options) {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = text;
      el.append(o);
    }
  } else if (tag === "input") {
    el.type = opts.type || "text";
  } else if (tag === "textarea") {
    el.rows = opts.rows || 3;
  }
  if (opts.placeholder) el.placeholder = opts.placeholder;
  if (opts.list) el.setAttribute("list", opts.list);
  el.value = value ?? "";
  return el;
}

function editConfig(mutate, { rerender = false } = {}) {
  const dfId = state.selected;
  const node = state.nodes.get(dfId);
  if (!node) return;
  const before = outputLabels(node.type, node.config);
  mutate(node.config);
  syncOutputs(dfId, before, outputLabels(node.type, node.config));
  renderNode(dfId);
  if (rerender) showConfig(dfId);
  else renderConnections();
  changed();
}

function bind(el, apply) {
  const event = el.tagName === "SELECT" || el.type === "checkbox" ? "change" : "input";
  el.addEventListener(event, () => editConfig((c) => apply(c, el)));
  return el;
}

const LINES = (text) => splitList(text, "\n");

function pairs(obj) {
  return Object.entries(obj || {}).map(([k, v]) => `${k} = ${scalarText(v)}`).join("\n");
}

function parsePairs(text, scalar) {
  const out = {};
  for (const line of LINES(text)) {
    const at = line.indexOf("=");
    if (at < 1) continue;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (key) out[key] = scalar ? parseScalar(value) : value;
  }
  return out;
}

const OTHER_LANGUAGES = [["es", "Spanish"], ["fr", "French"], ["de", "German"], ["pt", "Portuguese"]];

// The node's words for a visitor who writes another language (flows.nodes.in_language); `key` is the text
// translated ("text", "question"). {"es": "…"} is short for {"es": {key: "…"}}.
function translationFields(c, key) {
  const box = document.createElement("details");
  box.className = "translations";
  box.setAttribute("data-testid", "config-translations");
  box.open = OTHER_LANGUAGES.some(([lang]) => textIn(c, lang, key));
  const summary = document.createElement("summary");
  summary.textContent = "In other languages";
  const hint = document.createElement("small");
  hint.className = "hint";
  hint.textContent = "A visitor who writes one of these reads it instead; left empty, the text above.";
  box.append(summary, hint);
  for (const [lang, name] of OTHER_LANGUAGES) {
    const el = control("textarea", `translation-${lang}`, textIn(c, lang, key), { rows: 2 });
    box.append(field(name, bind(el, (cfg, input) => setTextIn(cfg, lang, key, input.value))));
  }
  return box;
}

function textIn(c, lang, key) {
  const words = (c.translations || {})[lang];
  return typeof words === "string" ? words : (words || {})[key] || "";
}

function setTextIn(cfg, lang, key, value) {
  const all = { ...(cfg.translations || {}) };
  const words = typeof all[lang] === "string" ? { [key]: all[lang] } : { ...(all[lang] || {}) };
  if (value.trim()) words[key] = value;
  else delete words[key];
  if (Object.keys(words).length) all[lang] = words;
  else delete all[lang];
  if (Object.keys(all).length) cfg.translations = all;
  else delete cfg.translations;
}

function configFields(node) {
  const c = node.config;
  const parts = [];
  switch (node.type) {
    case "message":
      parts.push(field("Message", bind(control("textarea", "text", c.text), (cfg, el) => { cfg.text = el.value; }),
        "{{variable}} and {{contact.name}} are filled in."));
      parts.push(translationFields(c, "text"));
      break;
    case "collect_input": {
      parts.push(field("Question", bind(control("textarea", "question", c.question, { rows: 2 }), (cfg, el) => { cfg.question = el.value; })));
      parts.push(translationFields(c, "question"));
      parts.push(field("Save the answer in variable", bind(control("input", "variable", c.variable, { placeholder: "email" }), (cfg, el) => { cfg.variable = el.value.trim(); }),
        "Skipped when the contact already has a valid value."));
      const kind = control("select", "kind", c.kind || "text", { options: [["text", "Text"], ["email", "Email"], ["phone", "Phone"], ["number", "Number"], ["choice", "Choice (buttons)"]] });
      kind.addEventListener("change", () => editConfig((cfg) => { cfg.kind = kind.value; if (kind.value !== "choice") delete cfg.choices; }, { rerender: true }));
      parts.push(field("Answer kind", kind));
      if (c.kind === "choice") {
        parts.push(field("Choices (comma separated)", bind(control("input", "choices", (c.choices || []).join(", ")), (cfg, el) => { cfg.choices = splitList(el.value); })));
      }
      parts.push(field("Re-ask text (optional)", bind(control("input", "retry_text", c.retry_text), (cfg, el) => { cfg.retry_text = el.value; if (!el.value) delete cfg.retry_text; })));
      parts.push(field("Re-asks before the error edge", bind(control("input", "max_retries", c.max_retries ?? 3, { type: "number" }), (cfg, el) => { cfg.max_retries = Number(el.value || 0); })));
      break;
    }
    case "branch":
      parts.push(branchFields(c));
      break;
    case "ai_answer": {
      const p = document.createElement("p");
      p.className = "hint";
      p.textContent = "The assistant answers the visitor's message from the knowledge base, then the flow goes on.";
      parts.push(p);
      break;
    }
    case "ai_action": {
      const task = control("select", "task", c.task || "classify", { options: [["classify", "Classify the message"], ["extract", "Extract a value"]] });
      task.addEventListener("change", () => editConfig((cfg) => { cfg.task = task.value; }, { rerender: true }));
      parts.push(field("Task", task));
      parts.push(field("Into variable", bind(control("input", "variable", c.variable), (cfg, el) => { cfg.variable = el.value.trim(); })));
      if ((c.task || "classify") === "classify") {
        parts.push(field("Labels (comma separated)", bind(control("input", "labels", (c.labels || []).join(", ")), (cfg, el) => { cfg.labels = splitList(el.value); })));
      } else {
        parts.push(field("Look for", bind(control("select", "kind", c.kind || "", { options: [["", "Guess from the variable name"], ["email", "Email"], ["phone", "Phone"], ["order_number", "Order number"], ["name", "Name"], ["text", "Free text"]] }),
          (cfg, el) => { cfg.kind = el.value; if (!el.value) delete cfg.kind; })));
      }
      break;
    }
    case "handoff": {
      const target = c.target || {};
      const kind = control("select", "target-kind", target.kind || "team", { options: [["team", "Team"], ["user", "Agent"], ["specialty", "Round-robin in a specialty"], ["default", "The workspace's default target"]] });
      kind.addEventListener("change", () => editConfig((cfg) => {
        cfg.target = kind.value === "default" ? { kind: "default" } : { ...(cfg.target || {}), kind: kind.value };
      }, { rerender: true }));
      parts.push(field("Hand off to", kind));
      if (target.kind !== "default") {
        const listId = `targets-${target.kind || "team"}`;
        const list = document.createElement("datalist");
        list.id = listId;
        for (const name of TARGETS[target.kind || "team"] || []) {
          const o = document.createElement("option");
          o.value = name;
          list.append(o);
        }
        parts.push(list);
        parts.push(field("Name", bind(control("input", "target-name", target.name, { list: listId }), (cfg, el) => { cfg.target = { kind: (cfg.target || {}).kind || "team", name: el.value.trim() }; }),
          `Known: ${(TARGETS[target.kind || "team"] || []).join(", ") || "none"}`));
      }
      parts.push(field("Reason (shown to the agent)", bind(control("input", "reason", c.reason), (cfg, el) => { cfg.reason = el.value; })));
      break;
    }
    case "resolve":
      parts.push(field("Resolution", bind(control("select", "resolution", c.resolution || "resolved", { options: [["resolved", "Resolved"], ["no_action_needed", "No action needed"], ["duplicate", "Duplicate"], ["spam", "Spam"]] }),
        (cfg, el) => { cfg.resolution = el.value; })));
      parts.push(field("CSAT survey", bind(control("select", "csat", c.csat === true ? "on" : c.csat === false ? "off" : "", { options: [["", "Per workspace policy"], ["on", "On"], ["off", "Off"]] }),
        (cfg, el) => { if (el.value) cfg.csat = el.value === "on"; else delete cfg.csat; })));
      parts.push(field("CSAT delay in seconds (empty: policy)", bind(control("input", "csat_delay_seconds", c.csat_delay_seconds ?? "", { type: "number" }),
        (cfg, el) => { if (el.value === "") delete cfg.csat_delay_seconds; else cfg.csat_delay_seconds = Number(el.value); })));
      break;
    case "action":
      parts.push(field("Add tags (comma separated)", bind(control("input", "add_tags", (c.add_tags || []).join(", ")), (cfg, el) => { cfg.add_tags = splitList(el.value); })));
      parts.push(field("Remove tags (comma separated)", bind(control("input", "remove_tags", (c.remove_tags || []).join(", ")), (cfg, el) => { cfg.remove_tags = splitList(el.value); })));
      parts.push(field("Set contact attributes (one “name = value” per line)", bind(control("textarea", "set_attributes", pairs(c.set_attributes)),
        (cfg, el) => { cfg.set_attributes = parsePairs(el.value, true); })));
      parts.push(field("Count (variables raised by one each time, comma separated)", bind(control("input", "count", (c.count || []).join(", ")), (cfg, el) => { cfg.count = splitList(el.value); }),
        "A loop's tries: a Branch then tests “is at least”."));
      break;
    case "webhook":
      parts.push(field("URL (POST, JSON)", bind(control("input", "url", c.url, { type: "url", placeholder: "https://…" }), (cfg, el) => { cfg.url = el.value.trim(); })));
      parts.push(field("Signing secret", bind(control("input", "secret", c.secret), (cfg, el) => { cfg.secret = el.value; }),
        "Signs the body: X-Helpdesk-Signature: sha256=<HMAC>."));
      parts.push(field("Timeout (seconds)", bind(control("input", "timeout_seconds", c.timeout_seconds ?? 10, { type: "number" }), (cfg, el) => { cfg.timeout_seconds = Number(el.value || 10); })));
      parts.push(field("Retries", bind(control("input", "retries", c.retries ?? 2, { type: "number" }), (cfg, el) => { cfg.retries = Number(el.value || 0); })));
      parts.push(field("Response to variables (one “variable = json.path” per line)", bind(control("textarea", "map", pairs(c.map)),
        (cfg, el) => { cfg.map = parsePairs(el.value, false); })));
      break;
    default:
      break;
  }
  return parts;
}

function conditionSource(c) {
  if (c.op === "in_office_hours") return "office_hours";
  if ("attribute" in c) return "attribute";
  if ("message" in c) return "message";
  return "variable";
}

function branchFields(c) {
  const box = document.createElement("fieldset");
  box.className = "conditions";
  const legend = document.createElement("legend");
  legend.textContent = "Conditions (the first that holds is taken; else: the else edge)";
  box.append(legend);
  (c.conditions || []).forEach((cond, i) => {
    const row = document.createElement("div");
    row.className = "condition";
    row.setAttribute("data-testid", `condition-${i}`);
    const source = conditionSource(cond);
    const label = control("input", `condition-${i}-label`, cond.label, { placeholder: "label" });
    label.addEventListener("input", () => editConfig((cfg) => { cfg.conditions[i].label = label.value.trim(); }));
    const src = control("select", `condition-${i}-source`, source, { options: [["variable", "Variable"], ["attribute", "Contact attribute"], ["message", "Message text"], ["office_hours", "Office hours"]] });
    src.addEventListener("change", () => editConfig((cfg) => {
      const old = cfg.conditions[i];
      const next = { label: old.label };
      if (src.value === "office_hours") Object.assign(next, { op: "in_office_hours", value: true });
      else {
        Object.assign(next, { op: old.op === "in_office_hours" ? "eq" : old.op || "eq", value: old.op === "in_office_hours" ? "" : old.value ?? "" });
        if (src.value === "message") next.message = true;
        else next[src.value] = old.variable || old.attribute || "";
      }
      cfg.conditions[i] = next;
    }, { rerender: true }));
    row.append(label, src);
    if (source === "office_hours") {
      const open = control("select", `condition-${i}-value`, cond.value === false ? "false" : "true", { options: [["true", "is open"], ["false", "is closed"]] });
      open.addEventListener("change", () => editConfig((cfg) => { cfg.conditions[i].value = open.value === "true"; }));
      row.append(open);
    } else {
      if (source !== "message") {
        const key = control("input", `condition-${i}-key`, cond[source], { placeholder: source === "attribute" ? "attribute" : "variable" });
        key.addEventListener("input", () => editConfig((cfg) => { cfg.conditions[i][source] = key.value.trim(); }));
        row.append(key);
      }
      const op = control("select", `condition-${i}-op`, cond.op || "eq", { options: [["eq", "equals"], ["contains", "contains"], ["matches", "matches regex"], ["at_least", "is at least"]] });
      op.addEventListener("change", () => editConfig((cfg) => { cfg.conditions[i].op = op.value; }));
      const value = control("input", `condition-${i}-value`, scalarText(cond.value), { placeholder: "value" });
      value.addEventListener("input", () => editConfig((cfg) => { cfg.conditions[i].value = parseScalar(value.value); }));
      row.append(op, value);
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn btn--ghost btn--small";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => editConfig((cfg) => { cfg.conditions.splice(i, 1); }, { rerender: true }));
    row.append(remove);
    box.append(row);
  });
  const add = document.createElement("button");
  add.type = "button";
  add.className = "btn btn--small";
  add.textContent = "Add condition";
  add.setAttribute("data-testid", "add-condition");
  add.addEventListener("click", () => editConfig((cfg) => {
    cfg.conditions = cfg.conditions || [];
    cfg.conditions.push({ label: `case${cfg.conditions.length + 1}`, variable: "", op: "eq", value: "" });
  }, { rerender: true }));
  box.append(add);
  return box;
}

function renderConnections() {
  const box = dom.form.querySelector(".connections");
  const dfId = state.selected;
  if (!box || dfId === null || !state.nodes.has(dfId)) return;
  box.replaceChildren();
  const title = document.createElement("h3");
  title.className = "pane__subtitle";
  title.textContent = "Goes to";
  box.append(title);
  const outputs = connectionsOf(dfId);
  if (!outputs.length) {
    const p = document.createElement("p");
    p.className = "hint";
    p.textContent = "This node ends the flow.";
    box.append(p);
    return;
  }
  for (const { label, output, targets } of outputs) {
    const options = [["", "— nowhere (the flow ends) —"]];
    for (const [other, node] of state.nodes) options.push([String(other), `${node.id} · ${typeTitle(node.type)}`]);
    const select = control("select", `connect-${label}`, targets.length ? String(targets[0]) : "", { options });
    select.setAttribute("data-testid", `connect-${label}`);
    select.addEventListener("change", () => {
      quietly(() => {
        for (const t of connectionsOf(dfId).find((o) => o.output === output).targets) editor.removeSingleConnection(dfId, t, output, "input_1");
        if (select.value) editor.addConnection(dfId, Number(select.value), output, "input_1");
      });
      changed();
    });
    box.append(field(label === "next" ? "Next" : label === "error" ? "On error" : label === "else" ? "Else" : `When “${label}”`, select));
  }
}

function showConfig(dfId) {
  const node = dfId === null ? null : state.nodes.get(dfId);
  dom.form.replaceChildren();
  dom.form.hidden = !node;
  dom.configEmpty.hidden = Boolean(node);
  if (!node) return;
  dom.form.dataset.nodeId = node.id;
  dom.form.dataset.nodeType = node.type;
  const head = document.createElement("div");
  head.className = "node-config__head";
  const title = document.createElement("h2");
  title.className = "panel__title";
  title.textContent = `${typeTitle(node.type)} · ${node.id}`;
  head.append(title);
  dom.form.append(head, ...configFields(node));
  const connections = document.createElement("div");
  connections.className = "connections";
  dom.form.append(connections);
  renderConnections();
  const actions = document.createElement("div");
  actions.className = "node-config__actions";
  const start = document.createElement("button");
  start.type = "button";
  start.className = "btn btn--small";
  start.textContent = dfId === state.startId ? "This is the start node" : "Make this the start node";
  start.disabled = dfId === state.startId;
  start.setAttribute("data-testid", "make-start");
  start.addEventListener("click", () => {
    const previous = state.startId;
    state.startId = dfId;
    if (previous !== null) renderNode(previous);
    renderNode(dfId);
    showConfig(dfId);
    changed();
  });
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "btn btn--ghost btn--small btn--danger";
  remove.textContent = "Delete node";
  remove.setAttribute("data-testid", "delete-node");
  remove.addEventListener("click", () => editor.removeNodeId(`node-${dfId}`));
  actions.append(start, remove);
  dom.form.append(actions);
}

dom.form.addEventListener("submit", (e) => e.preventDefault());

// --- flow settings --------------------------------------------------------------------------

function currentTrigger() {
  const kind = dom.triggerKind.value;
  if (!kind) return {};
  if (kind === "keywords") {
    const trigger = { kind, keywords: splitList(dom.keywords.value) };
    const codes = splitList(dom.codesLike.value);
    if (codes.length) trigger.codes_like = codes;
    return trigger;
  }
  if (kind === "intent") return { kind, intent: dom.intent.value.trim(), examples: LINES(dom.examples.value) };
  if (kind === "attribute") {
    const trigger = { kind, attribute: dom.attribute.value.trim() };
    if (dom.attrValue.value.trim() !== "") trigger.value = parseScalar(dom.attrValue.value);
    return trigger;
  }
  return { kind };
}

function showTriggerFields() {
  for (const el of document.querySelectorAll("[data-trigger]")) el.hidden = el.dataset.trigger !== dom.triggerKind.value;
}

function loadSettings(flow) {
  dom.settings.hidden = false;
  dom.palette.hidden = false;
  dom.name.value = flow.name;
  dom.enabled.checked = flow.enabled;
  dom.priority.value = flow.priority;
  const t = flow.trigger || {};
  dom.triggerKind.value = t.kind || "";
  dom.keywords.value = (t.keywords || []).join(", ");
  dom.codesLike.value = (t.codes_like || []).join(", ");
  dom.intent.value = t.intent || "";
  dom.examples.value = (t.examples || []).join("\n");
  dom.attribute.value = t.attribute || "";
  dom.attrValue.value = "value" in t ? scalarText(t.value) : "";
  showTriggerFields();
}

for (const el of [dom.name, dom.priority, dom.keywords, dom.codesLike, dom.intent, dom.examples, dom.attribute, dom.attrValue]) {
  el.addEventListener("input", () => changed());
}
dom.enabled.addEventListener("change", () => changed({ validate: false }));
dom.triggerKind.addEventListener("change", () => { showTriggerFields(); changed(); });
for (const [name, text] of Object.entries(config.builtin_intents || {})) {
  const o = document.createElement("option");
  o.value = name;
  o.label = text;
  $("builtin-intents").append(o);
}

// --- validation, saving, publishing -----------------------------------------------------------------

function changed({ validate = true } = {}) {
  if (!state.flow) return;
  state.dirty = true;
  renderStatus();
  if (validate) {
    clearTimeout(state.validateTimer);
    state.validateTimer = setTimeout(validateNow, 300);
  }
}

async function validateNow() {
  if (!state.flow) return;
  const seq = ++state.validateSeq;
  const doc = toDocument();
  try {
    const res = await request(`flows/${state.flow.id}/validate/`, { method: "POST", body: { trigger: currentTrigger(), nodes: doc.nodes, edges: doc.edges } });
    if (seq === state.validateSeq) setIssues(res.issues);
  } catch (err) {
    if (seq === state.validateSeq) notify(`Could not check the flow: ${err.message}`, "error");
  }
}

function paintIssues(dfId) {
  const node = state.nodes.get(dfId);
  const el = nodeEl(dfId);
  if (!node || !el) return;
  const mine = state.issues.filter((i) => i.node_id === node.id);
  el.classList.toggle("has-error", mine.some((i) => i.severity === "error"));
  el.classList.toggle("has-warning", mine.some((i) => i.severity !== "error"));
  const list = el.querySelector(".fnode__issues");
  if (!list) return;
  list.replaceChildren(...mine.map((i) => {
    const li = document.createElement("li");
    li.className = `fnode__issue fnode__issue--${i.severity}`;
    li.textContent = i.message;
    return li;
  }));
}

function setIssues(issues) {
  state.issues = issues || [];
  for (const dfId of state.nodes.keys()) paintIssues(dfId);
  const errors = state.issues.filter((i) => i.severity === "error").length;
  dom.issueCount.textContent = state.issues.length ? String(state.issues.length) : "";
  dom.issueCount.className = `badge${errors ? " badge--alert" : ""}`;
  dom.issues.dataset.errors = String(errors);
  if (!state.issues.length) {
    const li = document.createElement("li");
    li.className = "issues__ok";
    li.textContent = state.flow ? "No problems: this flow can be published." : "";
    dom.issues.replaceChildren(li);
    return;
  }
  dom.issues.replaceChildren(...state.issues.map((i) => {
    const li = document.createElement("li");
    li.className = `issue issue--${i.severity}`;
    li.dataset.nodeId = i.node_id || "";
    li.dataset.code = i.code;
    const where = document.createElement("button");
    where.type = "button";
    where.className = "issue__where";
    where.textContent = i.node_id ? i.node_id : "Flow";
    where.disabled = !i.node_id || dfIdOf(i.node_id) === null;
    where.addEventListener("click", () => select(dfIdOf(i.node_id)));
    const text = document.createElement("span");
    text.textContent = `${i.severity === "error" ? "" : "Warning: "}${i.message}`;
    li.append(where, text);
    return li;
  }));
}

function renderStatus() {
  const flow = state.flow;
  dom.save.disabled = !flow;
  dom.publish.disabled = !flow;
  dom.deleteFlow.disabled = !flow;
  if (!flow) {
    dom.title.textContent = "No flow selected";
    dom.status.textContent = "";
    return;
  }
  dom.title.textContent = dom.name.value || flow.name;
  let text;
  if (state.dirty) text = "Unsaved changes";
  else if (!flow.published) text = "Draft, not published";
  else if (flow.draft_differs) text = `Published v${flow.published_version} · draft has changes`;
  else text = `Published v${flow.published_version}`;
  dom.status.textContent = text;
  dom.status.dataset.state = state.dirty ? "dirty" : flow.published && !flow.draft_differs ? "published" : "draft";
}

function flowBody() {
  const doc = toDocument();
  return {
    name: dom.name.value.trim(),
    enabled: dom.enabled.checked,
    priority: Number(dom.priority.value || 0),
    trigger: currentTrigger(),
    nodes: doc.nodes,
    edges: doc.edges,
    layout: doc.layout,
  };
}

async function save() {
  if (!state.flow) return false;
  dom.save.disabled = true;
  try {
    const detail = await request(`flows/${state.flow.id}/`, { method: "PUT", body: flowBody() });
    state.flow = detail;
    state.dirty = false;
    setIssues(detail.issues);
    const errors = detail.issues.filter((i) => i.severity === "error").length;
    notify(errors ? `Draft saved with ${errors} problem${errors > 1 ? "s" : ""} to fix before publishing.` : "Draft saved.", errors ? "warning" : "success");
    await refreshList(detail.id);
    return true;
  } catch (err) {
    notify(`Could not save: ${err.message}`, "error");
    return false;
  } finally {
    renderStatus();
  }
}

async function publish() {
  if (!state.flow) return;
  if (state.dirty && !(await save())) return;
  dom.publish.disabled = true;
  try {
    const detail = await request(`flows/${state.flow.id}/publish/`, { method: "POST" });
    state.flow = detail;
    setIssues(detail.issues);
    notify(`Published version ${detail.published_version}. New conversations use it; running ones keep theirs.`, "success");
    await refreshList(detail.id);
  } catch (err) {
    if (err.error && err.error.fields && err.error.fields.issues) setIssues(err.error.fields.issues);
    notify(`Not published: ${err.message}`, "error");
  } finally {
    renderStatus();
  }
}

async function refreshList(selectId) {
  const res = await request("flows/");
  state.flows = res.results;
  dom.flowSelect.replaceChildren();
  const none = document.createElement("option");
  none.value = "";
  none.textContent = state.flows.length ? "Choose a flow…" : "No flows yet";
  dom.flowSelect.append(none);
  for (const f of state.flows) {
    const o = document.createElement("option");
    o.value = f.id;
    o.textContent = `${f.name}${f.published ? ` (v${f.published_version})` : " (draft)"}${f.enabled ? "" : " · off"}`;
    dom.flowSelect.append(o);
  }
  dom.flowSelect.value = selectId || "";
}

async function openFlow(id) {
  if (!id) return;
  const detail = await request(`flows/${id}/`);
  state.flow = detail;
  dom.newFlowError.hidden = true; // (a refused name belongs to the attempt, not to the flow opened next)
  loadSettings(detail);
  loadGraph(detail);
  setIssues(detail.issues);
  state.dirty = false;
  resetTest();
  notify("");
  renderStatus();
  dom.flowSelect.value = String(detail.id);
  const url = new URL(window.location.href);
  url.searchParams.set("flow", detail.id);
  window.history.replaceState(null, "", url);
}

dom.flowSelect.addEventListener("change", async () => {
  if (state.dirty && !window.confirm("Discard the unsaved changes of this flow?")) {
    dom.flowSelect.value = state.flow ? String(state.flow.id) : "";
    return;
  }
  await openFlow(dom.flowSelect.value);
});

dom.newFlowForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  dom.newFlowError.hidden = true;
  if (state.dirty && !window.confirm("Discard the unsaved changes of this flow?")) return;
  try {
    const detail = await request("flows/", { method: "POST", body: { name: dom.newFlowName.value.trim(), trigger: {}, nodes: [], edges: [] } });
    dom.newFlowName.value = "";
    await refreshList(detail.id);
    await openFlow(detail.id);
  } catch (err) {
    dom.newFlowError.textContent = err.message;
    dom.newFlowError.hidden = false;
  }
});

dom.newFlowName.addEventListener("input", () => { dom.newFlowError.hidden = true; });

dom.deleteFlow.addEventListener("click", async () => {
  if (!state.flow || !window.confirm(`Delete the flow “${state.flow.name}” and its versions?`)) return;
  await request(`flows/${state.flow.id}/`, { method: "DELETE" });
  state.flow = null;
  state.dirty = false;
  quietly(() => editor.clear());
  state.nodes.clear();
  dom.settings.hidden = true;
  dom.palette.hidden = true;
  dom.canvasEmpty.hidden = false;
  showConfig(null);
  setIssues([]);
  resetTest();
  await refreshList();
  renderStatus();
  notify("Flow deleted.", "success");
});

dom.save.addEventListener("click", save);
dom.publish.addEventListener("click", publish);
$("zoom-in").addEventListener("click", () => editor.zoom_in());
$("zoom-out").addEventListener("click", () => editor.zoom_out());
$("zoom-reset").addEventListener("click", () => editor.zoom_reset());
for (const button of document.querySelectorAll(".palette__item")) {
  button.addEventListener("click", () => addFromPalette(button.dataset.type));
}
dom.tabConfig.addEventListener("click", () => showTab("config"));
dom.tabTest.addEventListener("click", () => showTab("test"));
// Keys typed in the panels are not canvas shortcuts (drawflow deletes the selected node on Delete).
for (const panel of document.querySelectorAll(".builder__panel, .builder__side")) {
  panel.addEventListener("keydown", (e) => e.stopPropagation());
}
window.addEventListener("beforeunload", (e) => {
  if (state.dirty) e.preventDefault();
});

// --- the test panel ------------------------------------------------------------------------------------

function resetTest() {
  // a new object, not the old one cleared: a turn still running holds the old one and sees it is stale
  state.test = { state: null, contact: null, tags: [], turn: 0, busy: false };
  dom.testSend.disabled = false;
  dom.transcript.replaceChildren();
  dom.path.replaceChildren();
  dom.variables.replaceChildren();
  dom.testStatus.textContent = "";
  for (const dfId of state.nodes.keys()) nodeEl(dfId)?.classList.remove("is-visited", "is-current");
}

function say(sender, text, quickReplies) {
  const li = document.createElement("li");
  li.className = `turn turn--${sender}`;
  li.dataset.sender = sender;
  li.setAttribute("data-testid", "test-message");
  const who = document.createElement("span");
  who.className = "turn__who";
  who.textContent = { visitor: "Visitor", bot: "Flow", ai: "AI", system: "" }[sender] ?? sender;
  const body = document.createElement("span");
  body.className = "turn__text";
  body.textContent = text;
  li.append(who, body);
  if (quickReplies && quickReplies.length) {
    const row = document.createElement("div");
    row.className = "quick-replies";
    for (const choice of quickReplies) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn--small";
      b.textContent = choice;
      b.setAttribute("data-testid", "test-quick-reply");
      b.addEventListener("click", () => testTurn(choice));
      row.append(b);
    }
    li.append(row);
  }
  dom.transcript.append(li);
  li.scrollIntoView({ block: "nearest" });
}

function renderVariables(variables) {
  const entries = Object.entries(variables || {});
  if (!entries.length) {
    const dd = document.createElement("dd");
    dd.className = "hint";
    dd.textContent = "None yet.";
    dom.variables.replaceChildren(dd);
    return;
  }
  dom.variables.replaceChildren(...entries.flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = scalarText(v);
    dd.dataset.variable = k;
    return [dt, dd];
  }));
}

function renderPath(result) {
  state.test.turn += 1;
  const li = document.createElement("li");
  li.className = "path__turn";
  const label = document.createElement("span");
  label.className = "path__label";
  label.textContent = `Turn ${state.test.turn}:`;
  li.append(label);
  if (!result.steps.length) {
    const none = document.createElement("span");
    none.className = "hint";
    none.textContent = " no node ran";
    li.append(none);
  }
  for (const step of result.steps) {
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.dataset.nodeId = step.node_id;
    chip.textContent = `${step.node_id} · ${step.title || step.type}`;
    li.append(chip);
  }
  dom.path.append(li);
  for (const dfId of state.nodes.keys()) nodeEl(dfId)?.classList.remove("is-current");
  for (const step of result.steps) {
    const dfId = dfIdOf(step.node_id);
    if (dfId !== null) nodeEl(dfId).classList.add("is-visited");
  }
  const current = dfIdOf(result.state.node_id);
  if (current !== null && result.status !== "finished") nodeEl(current).classList.add("is-current");
}

const STATUS_TEXT = {
  waiting_input: "Waiting for the visitor's answer.",
  waiting_effect: "Waiting for a webhook result.",
  running: "Running.",
};

async function testTurn(message) {
  if (!state.flow || state.test.busy) return;
  let contact = state.test.contact;
  let webhookResponse;
  try {
    if (contact === null) contact = JSON.parse(dom.testContact.value || "{}");
    webhookResponse = JSON.parse(dom.testHookResponse.value || "{}");
  } catch (err) {
    dom.testStatus.textContent = `Fix the JSON in the test setup: ${err.message}`;
    return;
  }
  const test = state.test; // a Restart while this turn runs starts a new test: its answer is then dropped
  test.busy = true;
  dom.testSend.disabled = true;
  const doc = toDocument();
  try {
    const result = await request("flows/test-run/", { method: "POST", body: {
      name: dom.name.value.trim() || state.flow.name,
      nodes: doc.nodes,
      edges: doc.edges,
      state: state.test.state,
      message,
      contact,
      tags: state.test.tags,
      in_office_hours: dom.testHours.checked,
      language: dom.testLanguage.value,
      webhook: { ok: dom.testHookOk.checked, response: webhookResponse },
    } });
    if (state.test !== test) return;
    state.test.state = result.state;
    state.test.contact = result.contact;
    state.test.tags = result.tags;
    for (const entry of result.transcript) say(entry.sender, entry.text, entry.quick_replies);
    renderPath(result);
    renderVariables(result.variables);
    dom.testStatus.textContent = result.status === "finished"
      ? `The flow ended (${result.end_reason.replace(/_/g, " ")}).${result.tags.length ? ` Tags: ${result.tags.join(", ")}.` : ""}`
      : STATUS_TEXT[result.status] || result.status;
    dom.testStatus.dataset.status = result.status;
  } catch (err) {
    if (state.test === test) dom.testStatus.textContent = `Test failed: ${err.message}`;
  } finally {
    test.busy = false;
    if (state.test === test) dom.testSend.disabled = false;
  }
}

dom.testForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = dom.testInput.value;
  if (!text.trim()) return;
  dom.testInput.value = "";
  testTurn(text);
});
dom.testStart.addEventListener("click", () => {
  resetTest();
  testTurn(null);
});
dom.testRestart.addEventListener("click", resetTest);

// --- start ------------------------------------------------------------------------------------------------

(async function init() {
  setIssues([]);
  renderStatus();
  try {
    const wanted = new URL(window.location.href).searchParams.get("flow");
    await refreshList(wanted);
    if (wanted && state.flows.some((f) => String(f.id) === wanted)) await openFlow(wanted);
  } catch (err) {
    notify(`Could not load the flows: ${err.message}`, "error");
  }
  document.body.dataset.builderReady = "true";
})();
