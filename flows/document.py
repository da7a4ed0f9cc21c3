"""A flow as a document: its trigger, its graph and its handoff targets, checked as a whole.

Pure reading and checking lives here (`parse_trigger`, `keywords_match`,
`flow_issues`, `validate_flows`), shared by the builder's API, the runtime and the
workspace document (`helpdesk/workspace_config.py` calls `validate_flows`, then
`flows.services.flow_replace_all` to import and `flows.selectors.flow_documents` to export).
A flow document, as in API.md:

    {"name", "enabled", "published", "priority", "trigger": {"kind", ...},
     "nodes": [{"id", "type", "config"}], "edges": [{"from", "to", "when"}],
     "layout"?: {node_id: [x, y]}, "draft"?: {"trigger", "nodes", "edges"}}

`nodes`/`edges`/`trigger` are what runs (the published version, or the draft of an
unpublished flow); `draft` appears only when a published flow has unpublished edits.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

from rapidfuzz import fuzz

from flows.graph import FlowDocumentError, FlowGraph
from flows.nodes import NODE_TYPES, HandoffConfig, Json, TargetKind, as_text, parse_node
from flows.validation import FlowIssue, validate_graph


TRIGGER_KINDS = ("conversation_started", "keywords", "intent", "attribute")
# Intents the assistant detects by itself; any other intent name is defined by its examples.
BUILTIN_INTENTS = {
    "human_request": "the visitor asks for a person",
    "frustration": "the visitor is frustrated or angry",
    "complaint": "the visitor wants to complain",
    "greeting": "the visitor says hello",
    "thanks": "the visitor says thanks",
    "goodbye": "the visitor says goodbye",
}
INTENT_THRESHOLD = 85  # rapidfuzz token-set similarity (0-100) to one example phrase


# --- triggers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    kind: str
    keywords: tuple[str, ...] = ()
    codes_like: tuple[str, ...] = ()  # a keywords trigger also fires on a code shaped like one of these ("NW-10001")
    intent: str = ""
    examples: tuple[str, ...] = ()
    attribute: str = ""
    value: Json = None
    has_value: bool = False  # an attribute trigger without "value" fires when the attribute is truthy


def _strings(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return None
    return tuple(v.strip() for v in value if v.strip())


def parse_trigger(raw: Any) -> tuple[Trigger | None, list[str]]:
    """The trigger and the problems with it, worded for the admin (never raises)."""
    if not isinstance(raw, Mapping) or not raw.get("kind"):
        return None, ["Choose what starts the flow: conversation started, keywords, an intent or a contact attribute."]
    kind = raw.get("kind")
    if kind not in TRIGGER_KINDS:
        return None, [f"“{kind}” is not a trigger (use {', '.join(TRIGGER_KINDS)})."]
    problems: list[str] = []
    if kind == "conversation_started":
        return Trigger(kind), problems
    if kind == "keywords":
        keywords = _strings(raw.get("keywords"))
        if keywords is None:
            return None, ["“keywords” must be a list of words or phrases."]
        codes_like = _strings(raw.get("codes_like"))
        if codes_like is None:
            return None, ["“codes_like” must be a list of example codes, such as NW-10001."]
        problems += [f"“{example}” is no example code: write one like NW-10001 (letters, at least three digits, "
                     "dashes)." for example in codes_like if code_shape(example) is None]
        if not keywords and not codes_like:
            problems.append("Add at least one keyword; otherwise no message starts the flow.")
        return Trigger(kind, keywords=keywords, codes_like=codes_like), problems
    if kind == "intent":
        intent = raw.get("intent")
        intent = intent.strip() if isinstance(intent, str) else ""
        examples = _strings(raw.get("examples"))
        if examples is None:
            return None, ["“examples” must be a list of example phrases."]
        if not intent:
            problems.append("Name the intent (e.g. order_status, or one the assistant detects: "
                            f"{', '.join(BUILTIN_INTENTS)}).")
        elif intent not in BUILTIN_INTENTS and not examples:
            problems.append(f"The intent “{intent}” needs example phrases (or use one the assistant detects: "
                            f"{', '.join(BUILTIN_INTENTS)}).")
        return Trigger(kind, intent=intent, examples=examples), problems
    attribute = raw.get("attribute")
    attribute = attribute.strip() if isinstance(attribute, str) else ""
    if not attribute:
        problems.append("Name the contact attribute that starts the flow (e.g. vip).")
    return Trigger(kind, attribute=attribute, value=raw.get("value"), has_value="value" in raw), problems


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text` for matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# an address is no word of the message: "pat.billing@example.com", given when asked for an email, started the
# Billing flow (trial of 3 Dec)
_ADDRESSES = re.compile(r"\S+@\S+|(?:https?://|www\.)\S+")


def keywords_match(keywords: tuple[str, ...], text: str) -> str | None:
    """The first keyword (a word or phrase) found in `text` as whole words, ignoring case and accents, and not
    inside an email address or a link."""
    folded = _ADDRESSES.sub(" ", fold(text))
    for keyword in keywords:
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in fold(keyword).split()) + r"(?!\w)"
        if keyword.strip() and re.search(pattern, folded):
            return keyword
    return None


# An example code: letters, digits and separators ("NW-10001", "ORD 2024/0042"), with at least three digits
_EXAMPLE_CODE = re.compile(r"[A-Za-z0-9]+(?:[-\s./#][A-Za-z0-9]+)*")
_CODE_PARTS = re.compile(r"[A-Za-z]+|\d+")


@lru_cache(maxsize=256)  # read on every visitor message, for each flow a code starts
def code_shape(example: str) -> re.Pattern[str] | None:
    """The codes shaped like `example`, as visitors type them: the same letters in any case, as many digits, any or
    no separator between the parts ("NW-10001" finds "nw 10002", "NW10003", "#NW-10004"). None: not an example."""
    example = example.strip().lstrip("#")
    if len(example) > 40 or not _EXAMPLE_CODE.fullmatch(example) or sum(c.isdigit() for c in example) < 3:
        return None
    parts = [re.escape(part) if part.isalpha() else rf"\d{{{len(part)}}}" for part in _CODE_PARTS.findall(example)]
    return re.compile(r"(?<![\w-])#?" + r"[-\u2010-\u2015\s./]?".join(parts) + r"(?![\w-])", re.IGNORECASE)


def code_match(codes_like: tuple[str, ...], text: str) -> str | None:
    """The first code in `text` shaped like one of `codes_like`, as written (not inside an email address or a link)."""
    text = _ADDRESSES.sub(" ", text)
    for example in codes_like:
        shape = code_shape(example)
        found = shape.search(text) if shape else None
        if found:
            return found.group(0).lstrip("#")
    return None


def examples_match(examples: tuple[str, ...], text: str) -> bool:
    """The message says what one of the example phrases says (token-set similarity)."""
    folded = fold(text)
    return any(fuzz.token_set_ratio(folded, fold(example)) >= INTENT_THRESHOLD for example in examples)


def attribute_matches(trigger: Trigger, attributes: Mapping[str, Json]) -> bool:
    if trigger.attribute not in attributes:
        return False
    actual = attributes[trigger.attribute]
    if not trigger.has_value:
        return bool(actual) and actual not in ("false", "0", "no")
    return as_text(actual).strip().casefold() == as_text(trigger.value).strip().casefold()


# --- checking a whole flow ---------------------------------------------------------------


@dataclass(frozen=True)
class TargetNames:
    """Who a Handoff may name: agents' usernames, team names, specialty names."""

    usernames: frozenset[str]
    teams: frozenset[str]
    specialties: frozenset[str]
    scope: str = "this workspace"  # named in messages: "this workspace" or "the document"

    def has(self, kind: str, name: str) -> bool:
        return name in {"user": self.usernames, "team": self.teams, "specialty": self.specialties}.get(kind, ())


def flow_issues(*, trigger: Any, graph: FlowGraph, targets: TargetNames | None) -> list[FlowIssue]:
    """Every problem with a flow: the trigger, the graph (flows.validation) and handoff targets.

    Issues with `node_id` None concern the flow as a whole; "invalid_trigger" the trigger.
    """
    issues = [FlowIssue(None, "invalid_trigger", p) for p in parse_trigger(trigger)[1]]
    issues += validate_graph(graph)
    if targets is not None:
        for node in graph.nodes:
            config = parse_node(node).config
            raw = node.config.get("target")
            kind = raw.get("kind") if isinstance(raw, Mapping) else None
            if (isinstance(config, HandoffConfig) and config.target_name and kind in get_args(TargetKind)
                    and not targets.has(config.target_kind, config.target_name)):
                issues.append(FlowIssue(
                    node.id, "unknown_target",
                    f"There is no {config.target_kind} named “{config.target_name}” in {targets.scope}; "
                    f"choose an existing {config.target_kind}."))
    return issues


def errors_of(issues: list[FlowIssue]) -> list[FlowIssue]:
    return [i for i in issues if i.severity == "error"]


def issue_payload(issue: FlowIssue) -> dict[str, Any]:
    return {"node_id": issue.node_id, "code": issue.code, "message": issue.message, "severity": issue.severity}


def _node_title(node_type: str) -> str:
    known = NODE_TYPES.get(node_type)
    return known.title if known else node_type or "node"


def _check_shape(flow: Any, index: int) -> tuple[dict[str, str], str]:
    """Shape problems of one flow document (path -> message) and its display name."""
    where = f"flows[{index}]"
    if not isinstance(flow, Mapping):
        return {where: f"Flow {index + 1} must be an object with name, trigger, nodes and edges."}, f"#{index + 1}"
    errors: dict[str, str] = {}
    name = flow.get("name")
    label = f"“{name}”" if isinstance(name, str) and name.strip() else f"#{index + 1}"
    if not isinstance(name, str) or not name.strip():
        errors[f"{where}.name"] = f"Flow {label} needs a name."
    elif len(name.strip()) > 100:
        errors[f"{where}.name"] = f"Flow {label}: a name has at most 100 characters."
    for key in ("enabled", "published"):
        if key in flow and not isinstance(flow[key], bool):
            errors[f"{where}.{key}"] = f"Flow {label}: “{key}” must be true or false."
    priority = flow.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        errors[f"{where}.priority"] = f"Flow {label}: “priority” must be a whole number."
    if "layout" in flow and not isinstance(flow["layout"], Mapping):
        errors[f"{where}.layout"] = f"Flow {label}: “layout” must be an object of node id -> [x, y]."
    for part, raw in (("", flow), (".draft", flow.get("draft"))):
        if part and raw is None:
            continue
        if part and not isinstance(raw, Mapping):
            errors[f"{where}.draft"] = f"Flow {label}: “draft” must be an object with trigger, nodes and edges."
            continue
        try:
            FlowGraph.from_document(raw)
        except FlowDocumentError as exc:
            errors[f"{where}{part}.{exc.path}"] = f"Flow {label}: {exc.path} {exc.message}."
    return errors, label


def validate_flows(flows: list[dict], *, usernames: set[str], teams: set[str],
                   specialties: set[str]) -> dict[str, str]:
    """Problems with the "flows" of a workspace document, path -> message; empty when all is well.

    A flow is refused for any error of `flow_issues` (warnings pass). Each message names
    the flow, the node and the rule broken, e.g. `flows[1].nodes[3].config.target`:
    "Flow “Billing”, node “n4” (Human Handoff) breaks rule unknown_target: There is no team
    named “Billing” in this workspace; …". A `draft`, and a flow with `"published": false`, is only
    checked for its shape: it is work in progress, which the builder saves with its problems (an
    admin's half-built flow made the export unimportable: trial of 3 Dec).
    """
    targets = TargetNames(frozenset(usernames), frozenset(teams), frozenset(specialties), scope="the document")
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    for index, flow in enumerate(flows):
        shape, label = _check_shape(flow, index)
        if shape:
            errors.update(shape)
            continue
        name = flow["name"].strip()
        if name.casefold() in seen:
            errors[f"flows[{index}].name"] = (f"Flow {label}: another flow (flows[{seen[name.casefold()]}]) has the "
                                              "same name; flow names must be unique.")
        seen.setdefault(name.casefold(), index)
        if flow.get("published") is False:
            continue  # a flow never published is a draft: the builder saves it with its problems, so may the document
        graph = FlowGraph.from_document(flow)
        positions = {}
        for position, node in enumerate(graph.nodes):
            positions.setdefault(node.id, position)
        for issue in errors_of(flow_issues(trigger=flow.get("trigger"), graph=graph, targets=targets)):
            path = _issue_path(index, issue, positions)
            if issue.node_id is not None and issue.node_id in positions:
                node = graph.nodes[positions[issue.node_id]]
                subject = f"Flow {label}, node “{node.id}” ({_node_title(node.type)})"
            elif issue.code == "invalid_trigger":
                subject = f"Flow {label}, trigger"
            else:
                subject = f"Flow {label}"
            message = f"{subject} breaks rule {issue.code}: {issue.message}"
            errors[path] = f"{errors[path]} {message}" if path in errors else message
    return errors


def _issue_path(index: int, issue: FlowIssue, positions: dict[str, int]) -> str:
    base = f"flows[{index}]"
    if issue.code == "invalid_trigger":
        return f"{base}.trigger"
    if issue.node_id is None or issue.node_id not in positions:
        return base
    node = f"{base}.nodes[{positions[issue.node_id]}]"
    if issue.code == "unknown_target" or (issue.code == "missing_config" and "hand off" in issue.message):
        return f"{node}.config.target"
    if issue.code in ("missing_config", "invalid_config", "invalid_webhook_url"):
        return f"{node}.config"
    return node


def normalized(flow: Mapping[str, Any]) -> dict[str, Any]:
    """A validated flow document with defaults filled in, as `flows.services.flow_replace_all` applies it."""
    graph = FlowGraph.from_document(flow).to_document()
    draft = flow.get("draft")
    return {
        "name": flow["name"].strip(),
        "enabled": flow.get("enabled", True),
        "published": flow.get("published", True),
        "priority": flow.get("priority", 0),
        "trigger": dict(flow.get("trigger") or {}),
        "graph": graph,
        "layout": dict(flow.get("layout") or {}),
        "draft": None if draft is None else {
            "trigger": dict(draft.get("trigger") or flow.get("trigger") or {}),
            "graph": FlowGraph.from_document(draft).to_document(),
        },
    }
