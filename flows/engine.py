"""The flow engine: a pure step function.

    advance(graph, state, inbound) -> Step(state, effects)

It reads nothing but its arguments (no clock, no randomness, no I/O), so the same
(graph, state, inbound) always gives the same Step. That is what lets
`flows/services.py` guarantee that no node runs twice when two messages arrive at once:
it locks the run row, calls `advance`, and saves the new state only if `steps` is still
what it read. The builder's test panel runs the very same function on in-memory state.

A run moves through nodes until it must wait: for the visitor's answer to a Collect
Input (`waiting_input`), or for the service to perform an effect whose result the flow
needs, an AI Action or a webhook (`waiting_effect`; the service calls `advance` again
with `Inbound(effect_result=...)`). Handoff and Resolve end the run, as does reaching a
node with no way on. Effects are returned in the order they must be applied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

from flows.graph import FlowGraph, Node
from flows.nodes import (
    ActionConfig,
    AIActionConfig,
    AIAnswerConfig,
    BranchConfig,
    CollectInputConfig,
    Condition,
    HandoffConfig,
    Json,
    MessageConfig,
    NodeConfig,
    ResolveConfig,
    WebhookConfig,
    as_number,
    as_text,
    check_answer,
    codes_in,
    expects_specific_value,
    in_language,
    json_path,
    language_of,
    looks_like_value,
    no_answer_hint,
    parse_node,
    render,
    retry_hint,
    one_of_the_offered,
    several_hint,
    several_values,
    values_given,
    why_we_ask,
)
from routing.decision import ASK_LIMIT, REASON, TRIGGER

RunStatus = Literal["running", "waiting_input", "waiting_effect", "finished"]


# --- state and input -------------------------------------------------------------------


@dataclass(frozen=True)
class RunState:
    """Where one run stands. `RunState()` is a run about to start at the entry node.

    `node_id` is the node to run next (`running`), the node waiting for an answer or an
    effect result (`waiting_*`), or the last node reached (`finished`). `steps` counts
    node executions over the whole run and only grows: every Step that changes
    anything raises it, so the service can use it as a compare-and-swap version.
    `retries` counts re-asks per Collect Input node; `last_message` is the latest
    visitor message the run saw (Branch "message" conditions and AI Actions read it).
    `passed_inputs` lists the Collect Inputs the run got past: one reached again
    through a loop asks again even if its variable is known, so such a loop waits.
    `offered` holds the values an answer gave at once ("NW-10001 or NW-10002"), while the
    visitor is asked which one: "the second one" picks from them.
    """

    node_id: str | None = None
    status: RunStatus = "running"
    variables: Mapping[str, Json] = field(default_factory=dict)
    steps: int = 0
    retries: Mapping[str, int] = field(default_factory=dict)
    last_message: str | None = None
    passed_inputs: tuple[str, ...] = ()  # Collect Inputs already answered or skipped
    end_reason: str = ""  # set when finished: completed, handed_off, resolved, step_limit, ...
    offered: tuple[str, ...] = ()

    @property
    def awaiting(self) -> str | None:
        """The node waiting for input or an effect result, if any."""
        return self.node_id if self.status in ("waiting_input", "waiting_effect") else None

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot for the run row."""
        return {
            "node_id": self.node_id,
            "status": self.status,
            "variables": dict(self.variables),
            "steps": self.steps,
            "retries": dict(self.retries),
            "last_message": self.last_message,
            "passed_inputs": list(self.passed_inputs),
            "end_reason": self.end_reason,
            "offered": list(self.offered),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunState:
        return cls(
            node_id=data.get("node_id"),
            status=data.get("status", "running"),
            variables=dict(data.get("variables") or {}),
            steps=int(data.get("steps") or 0),
            retries=dict(data.get("retries") or {}),
            last_message=data.get("last_message"),
            passed_inputs=tuple(data.get("passed_inputs") or ()),
            end_reason=data.get("end_reason") or "",
            offered=tuple(data.get("offered") or ()),
        )


@dataclass(frozen=True)
class EffectResult:
    """The outcome of a CallWebhook or RunAIAction, handed back to `advance`.

    `json` is the webhook's parsed response body, or the AI's answer (the chosen label
    for classify, the extracted value for extract). `step` is optional: when given it
    must equal the run's `steps` when the effect was issued, so a late or duplicated
    delivery is ignored rather than applied to a run that has moved on.
    """

    ok: bool
    json: Json = None
    error: str = ""
    step: int | None = None


@dataclass(frozen=True)
class Reading:
    """What the assistant made of the visitor's message: the facts a Collect Input's escapes need.

    A visitor waiting on a question is not trapped by it: a real question is answered
    (`kb_answer`, the knowledge base's confident answer) and the question asked again; a
    request for a person or anger hands off at once; a refusal ("skip", "I don't know it")
    takes the node's no-answer path. The service reads the message with the workspace's
    assistant (five languages); without a reading the message is taken as written (a question that
    expects a specific value, an order number, still takes only a message with something like one).
    """

    kb_answer: str | None = None
    kb_metadata: Mapping[str, Json] = field(default_factory=dict)
    wants_person: bool = False
    upset: bool = False  # frustrated or angry wording
    declined: bool = False  # a refusal, "skip", "I don't know it"
    why_asked: bool = False  # "why do you need it?": told why, then asked again
    language: str = ""  # the message's language: the handoff notice is said in it
    topic: str = ""  # a restricted topic the workspace's policy hands off ("Refunds"), when the message is one
    asked_in: str = ""  # the visitor's words that asked for a person, when a message sent just before this one did
    leaving: str = ""  # "never mind", "cancel", "stop": what the visitor is told as the flow stops there


@dataclass(frozen=True)
class Inbound:
    """What happened this turn, as the service snapshots it.

    `text` is the visitor's message, or None when there is none (a run started by
    "conversation started", or a resumed effect). `contact_fields` are the contact's
    own fields (name, email, phone); `contact_attributes` its custom attributes;
    `reading` the assistant's reading of `text`, for a waiting Collect Input; `language` the visitor's.
    """

    text: str | None = None
    contact_attributes: Mapping[str, Json] = field(default_factory=dict)
    contact_fields: Mapping[str, Json] = field(default_factory=dict)
    in_office_hours: bool = True
    effect_result: EffectResult | None = None
    reading: Reading | None = None
    language: str = ""  # the visitor's: a Message or question translated into it is said so (nodes.in_language)


# --- effects ------------------------------------------------------------------------


@dataclass(frozen=True)
class SendMessage:
    text: str
    quick_replies: tuple[str, ...] = ()
    metadata: Mapping[str, Json] = field(default_factory=dict)  # a knowledge-base answer names its article


@dataclass(frozen=True)
class LetAIAnswer:
    pass


@dataclass(frozen=True)
class RunAIAction:
    task: str  # "classify" | "extract"
    variable: str
    labels: tuple[str, ...]
    text: str
    kind: str = ""  # extract: the kind of value to find ("" guesses from the variable's name)


@dataclass(frozen=True)
class RequestHandoff:
    target_kind: str  # "user" | "team" | "specialty"; "" the workspace's own routing
    target_name: str
    reason: str
    trigger: str = "flow"  # a visitor who escaped a question: "user_request", "restricted_topic" or "ai_decision"
    notice: str = "plain"  # how the visitor's handoff notice opens (conversations.services.HandoffRequest)
    language: str = ""  # the notice's language; "" the conversation's
    topic: str = ""  # the restricted topic the visitor wrote of: its own target, when it has one, comes first


@dataclass(frozen=True)
class Resolve:
    resolution: str
    csat: bool | None  # None: per workspace policy
    csat_delay_seconds: int | None  # None: the workspace's delay


@dataclass(frozen=True)
class UpdateTags:
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def applied_to(self, tags: Sequence[str]) -> list[str]:
        """`tags` after this effect, in order: one rule for the runtime and the test panel."""
        kept = [t for t in tags if t not in self.remove]
        return kept + [t for t in self.add if t not in kept]


@dataclass(frozen=True)
class SetAttributes:
    values: Mapping[str, Json]


@dataclass(frozen=True)
class CallWebhook:
    url: str
    secret: str
    timeout_seconds: int
    retries: int
    payload: Mapping[str, Json]


@dataclass(frozen=True)
class Log:
    text: str


Effect: TypeAlias = (
    SendMessage
    | LetAIAnswer
    | RunAIAction
    | RequestHandoff
    | Resolve
    | UpdateTags
    | SetAttributes
    | CallWebhook
    | Log
)


@dataclass(frozen=True)
class Step:
    """The new state, the effects to apply in order, and the node ids run by this call."""

    state: RunState
    effects: tuple[Effect, ...] = ()
    path: tuple[str, ...] = ()


# --- the step function ------------------------------------------------------------------


def advance(
    graph: FlowGraph,
    state: RunState,
    inbound: Inbound,
    *,
    flow_name: str = "",
    max_steps: int = 50,
) -> Step:
    """Run the flow from `state` until it waits or ends; return the new state and effects.

    An inbound that the run cannot use (a message while it waits for a webhook, an
    effect result it is not waiting for, anything once finished) returns `state`
    unchanged and no effects. `max_steps` bounds the nodes run in one call, so a loop
    that never waits for the visitor ends the run ("step_limit") instead of spinning.
    """
    if max_steps < 1:
        raise ValueError("max_steps must be at least 1")
    run = _Run(graph, state, inbound, flow_name)
    if not run.begin():
        return Step(state, ())
    executed = 1 if state.status != "running" else 0  # a resume runs the waiting node
    while run.status == "running":
        if executed >= max_steps:
            run.finish(
                "step_limit",
                f"stopped after {executed} steps without waiting for the visitor; "
                "the flow probably loops",
            )
            break
        executed += 1
        run.execute()
    return Step(run.snapshot(), tuple(run.effects), tuple(run.path))


class _Run:
    """The mutable working copy of one `advance` call; never escapes it."""

    def __init__(self, graph: FlowGraph, state: RunState, inbound: Inbound, flow_name: str):
        self.graph = graph
        self.state = state
        self.inbound = inbound
        self.prefix = f"flow {flow_name}: " if flow_name else "flow: "
        self.flow_name = flow_name
        self.node_id = state.node_id
        self.status: RunStatus = state.status
        self.variables: dict[str, Json] = dict(state.variables)
        self.retries: dict[str, int] = dict(state.retries)
        self.steps = state.steps
        self.last_message = state.last_message
        self.passed_inputs = list(state.passed_inputs)
        self.end_reason = state.end_reason
        self.offered = state.offered
        # Attributes set by an Action earlier in this call are visible to later nodes.
        self.attributes: dict[str, Json] = dict(inbound.contact_attributes)
        self.effects: list[Effect] = []
        self.path: list[str] = []  # node ids executed (or resumed) by this call, in order
        self.started_now = state.steps == 0 and state.node_id is None  # this call's message started the run
        # contact details given to another question in this call, by kind: the email typed at the order number's
        # question answers the email question the flow asks next instead (trial of 4 Dec)
        self.given: dict[str, Json] = {}

    # -- bookkeeping --

    def snapshot(self) -> RunState:
        return replace(
            self.state,
            node_id=self.node_id,
            status=self.status,
            variables=MappingProxyType(self.variables),
            steps=self.steps,
            retries=MappingProxyType(self.retries),
            last_message=self.last_message,
            passed_inputs=tuple(self.passed_inputs),
            end_reason=self.end_reason,
            offered=self.offered,
        )

    def emit(self, effect: Effect) -> None:
        self.effects.append(effect)

    def log(self, text: str) -> None:
        self.effects.append(Log(self.prefix + text))

    def contact(self) -> dict[str, Json]:
        return {**self.attributes, **self.inbound.contact_fields}

    def follow(self, node: Node, when: str = "next") -> bool:
        """Move along the `when` edge; with none, the flow is over. True if it moved."""
        edge = self.graph.edge_from(node.id, when)
        if edge is None:
            if when in ("next", "else"):
                self.finish("completed", "finished")
            return False
        self.node_id = edge.target
        self.status = "running"
        self.offered = ()  # (what a question was given at once is that question's)
        return True

    def wait(self, node: Node, status: RunStatus) -> None:
        self.node_id = node.id
        self.status = status

    def finish(self, reason: str, line: str) -> None:
        self.status = "finished"
        self.end_reason = reason
        self.offered = ()
        self.log(line)

    # -- driving --

    def begin(self) -> bool:
        """Prepare and run any resumed node; False when the inbound gives nothing to do."""
        text, result = self.inbound.text, self.inbound.effect_result
        if self.status == "finished":
            return False
        if self.status == "waiting_input":
            if text is None:
                return False
            self.last_message = text
            loaded = self._load()
            if loaded and isinstance(loaded[1], CollectInputConfig):
                _answer_collect_input(self, loaded[0], loaded[1], text)
            elif loaded:
                self.finish("missing_node", f"node {loaded[0].id} no longer asks; stopped")
            return True
        if self.status == "waiting_effect":
            if result is None or (result.step is not None and result.step != self.steps):
                return False  # not what the run waits for, or a late duplicate
            loaded = self._load()
            if loaded and isinstance(loaded[1], AIActionConfig):
                _resume_ai_action(self, loaded[0], loaded[1], result)
            elif loaded and isinstance(loaded[1], WebhookConfig):
                _resume_webhook(self, loaded[0], loaded[1], result)
            elif loaded:
                self.finish("missing_node", f"node {loaded[0].id} no longer waits; stopped")
            return True
        if text is not None:
            self.last_message = text
        if self.node_id is None:
            entry = self.graph.entry
            if entry is None:
                self.finish("empty_flow", "the flow has no nodes")
                return True
            self.node_id = entry.id
        return True

    def execute(self) -> None:
        loaded = self._load()
        if loaded:
            _ENTER[type(loaded[1])](self, *loaded)

    def _load(self) -> tuple[Node, NodeConfig] | None:
        """Count a step and read the current node; a missing or broken node ends the run."""
        self.steps += 1
        node = self.graph.node(self.node_id or "")
        if node is None:
            self.finish("missing_node", f"node {self.node_id} is not in the flow; stopped")
            return None
        self.path.append(node.id)
        parsed = parse_node(node)
        if parsed.config is None or parsed.problems:
            problem = parsed.problems[0].message
            self.finish(
                "misconfigured", f"node {node.id} is not set up correctly ({problem}); stopped"
            )
            return None
        return node, in_language(parsed.config, self.inbound.language)


# --- node behaviour --------------------------------------------------------------------


def _enter_message(run: _Run, node: Node, config: MessageConfig) -> None:
    run.emit(SendMessage(render(config.text, run.variables, run.contact())))
    run.log(f"sent message {node.id}")
    run.follow(node)


_AN_EMAIL = CollectInputConfig(variable="email", question="", kind="email")


def _email_instead(config: CollectInputConfig, text: str) -> Json | None:
    """The one email address an answer to a question for a code (an order number) gives instead of the code."""
    if config.kind != "text" or not expects_specific_value(config):
        return None
    return check_answer(_AN_EMAIL, text)


def _known_value(run: _Run, config: CollectInputConfig) -> Json | None:
    """A value for the variable from the run or the contact, if it passes the check, or given with the message
    that started the flow."""
    for source in (run.variables, run.inbound.contact_fields, run.attributes):
        value = source.get(config.variable)
        checked = None if value in (None, "") else check_answer(config, as_text(value))
        if checked is not None:
            return checked
    if config.kind in run.given:
        return run.given[config.kind]
    return _given_with_the_trigger(run, config)


def _given_with_the_trigger(run: _Run, config: CollectInputConfig) -> Json | None:
    """What the message that started the flow already says ("Where is my order NW-10001?"): its one email or
    phone number, or the one code a question that expects one finds in it. Not a number or a choice ("a room
    for 2" answers no question about guests), nor free text."""
    text = (run.inbound.text or "").strip()
    if not run.started_now or not text or config.kind not in ("email", "phone", "text"):
        return None
    if config.kind == "text" and not expects_specific_value(config):
        return None
    value = check_answer(config, text)
    if config.kind == "text" and value == text and codes_in(text) != [text]:
        return None  # no code in it: the sentence itself ("NW-10002" alone is the code, asked for again: trial of 4 Dec)
    return value


def _enter_collect_input(run: _Run, node: Node, config: CollectInputConfig) -> None:
    known = None if node.id in run.passed_inputs else _known_value(run, config)
    if known is not None:
        run.variables[config.variable] = known
        run.passed_inputs.append(node.id)
        run.log(f"{config.variable} already known, skipped the question")
        run.follow(node)
        return
    if (node.id not in run.passed_inputs and run.started_now and config.kind == "text"
            and several_values(config, run.inbound.text or "")):
        # "What's the status of NW-10001 and NW-10002?" was asked for its order number (re-trial of 4 Dec)
        run.emit(SendMessage(several_hint(config.kind, language_of(config, run.inbound.language)), config.choices))
        run.offered = tuple(values_given(config, run.inbound.text or ""))
        run.log(f"asked which {config.variable} of several")
        run.wait(node, "waiting_input")
        return
    # asked again through a loop ("I couldn't find that order"): its words for asking again, when it has them
    again = node.id in run.passed_inputs and config.retry_text
    run.emit(SendMessage(render(config.retry_text if again else config.question, run.variables, run.contact()),
                         config.choices))
    run.log(f"asked for {config.variable}" + (" again" if again else ""))
    run.wait(node, "waiting_input")


def _answer_collect_input(run: _Run, node: Node, config: CollectInputConfig, text: str) -> None:
    reading = run.inbound.reading or Reading()
    # "the second one", after "which one do you mean?" (never an escape: "la primera" read as the Refunds topic was
    # handed off at high priority: re-trial of 4 Dec)
    picked = one_of_the_offered(run.offered, text, by_number=config.kind == "text")
    value = check_answer(config, picked) if picked else None if reading.why_asked else _answer_value(config, text, reading)
    # (a restricted topic is the answer to a free-text question, "what's the billing issue?", not an escape)
    on_a_topic = bool(reading.topic) and (config.kind != "text" or expects_specific_value(config))
    # one of the question's own buttons is its answer, whatever its words ("Damaged" read as frustration handed
    # the visitor off instead of taking the flow's "Damaged" branch: trial of 3 Dec)
    if (reading.wants_person or reading.upset or on_a_topic) and not (picked or _is_one_of_the_choices(config, text)):
        _escape_to_person(run, node, config, text, reading, value)
        return
    if reading.leaving and not _is_one_of_the_choices(config, text):
        # the visitor leaves the question, and the flow with it: told so, and what they asked on the way answered
        run.emit(SendMessage(reading.leaving))
        if reading.kb_answer:
            run.emit(SendMessage(reading.kb_answer, metadata=reading.kb_metadata))
        run.retries.pop(node.id, None)
        run.finish("visitor_left", f"the visitor left instead of giving {config.variable}; stopped")
        return
    if value is not None:
        run.variables[config.variable] = value
        run.retries.pop(node.id, None)
        if node.id not in run.passed_inputs:
            run.passed_inputs.append(node.id)
        run.log(f"collected {config.variable}")
        if reading.kb_answer and "?" in text and (config.kind != "text" or expects_specific_value(config)):
            # "NW-10001, and can I also return it?": the value, and a question answered on the way
            run.emit(SendMessage(reading.kb_answer, metadata=reading.kb_metadata))
            run.log("answered the question asked with it")
        run.follow(node)
        return
    email = _email_instead(config, text)
    if email is not None:
        # "jane.doe@example.com", "I don't have one, I ordered with jane@x.com" at the order number's question: no
        # number, and the address is known if the flow asks for it next (it was asked for again: trial of 4 Dec)
        run.given["email"] = email
        _no_answer(run, node, config, "the visitor gave an email address instead")
        return
    if reading.declined and _counts_as_refusal(config, text):
        _no_answer(run, node, config, "the visitor declined to give it")
        return
    tries = run.retries.get(node.id, 0) + 1
    if reading.kb_answer or reading.why_asked:
        asked_enough = tries > min(config.max_retries, ASK_LIMIT - 1)  # the question is asked at most ASK_LIMIT times
        if reading.kb_answer:
            run.emit(SendMessage(reading.kb_answer, metadata=reading.kb_metadata))
            run.log(f"answered the visitor's question while waiting for {config.variable}")
        elif not asked_enough:  # why it is asked, before asking again
            run.emit(SendMessage(why_we_ask(language_of(config, run.inbound.language))))
            run.log(f"said why {config.variable} is asked")
        if asked_enough:
            _no_answer(run, node, config, f"asked {tries} times, the visitor asked something else")
            return
        run.retries[node.id] = tries
        run.emit(SendMessage(render(config.question, run.variables, run.contact()), config.choices))
        run.log(f"asked for {config.variable} again ({tries}/{config.max_retries})")
        run.wait(node, "waiting_input")
        return
    if tries > config.max_retries:
        run.retries.pop(node.id, None)
        if run.follow(node, "error"):
            run.log(f"no valid {config.variable} after {tries} tries; took the error edge")
        else:
            run.finish("input_invalid", f"no valid {config.variable} after {tries} tries; stopped")
        return
    run.retries[node.id] = tries
    question = render(config.question, run.variables, run.contact())
    language = language_of(config, run.inbound.language)
    # two of them, or a question the articles do not answer asked instead: said so, whatever the retry text
    if several_values(config, text):
        retry = several_hint(config.kind, language)
        run.offered = tuple(values_given(config, text))
    elif "?" in text and re.search(r"[^\W\d_]{2}", text) and expects_specific_value(config):
        retry = f"{no_answer_hint(language)} {question}"
    else:
        retry = config.retry_text or f"{retry_hint(config.kind, language)} {question}"
    run.emit(SendMessage(render(retry, run.variables, run.contact()), config.choices))
    run.log(f"{config.variable} was not valid, asked again ({tries}/{config.max_retries})")
    run.wait(node, "waiting_input")


def _answer_value(config: CollectInputConfig, text: str, reading: Reading) -> Json | None:
    """The value the message gives, or None when it is not an answer to the question.

    Email, phone, number and choice answers are checked by their kind, so a question or a
    refusal never passes. Any text passes a text question, so there the reading decides:
    a question that expects a specific value (an order number, a code) does not take a
    message that holds none and that the assistant reads as a question, a refusal, a
    request for a person or anger. A free-text question (the issue, in a sentence) takes
    questions as the answer: a visitor often describes a problem as one.
    """
    value = check_answer(config, text)
    if value is None or config.kind != "text":
        return value
    if expects_specific_value(config):
        if not re.search(r"\w", text):  # emoji or punctuation alone ("🙂🙂🙂", "?") hold no order number
            return None
        if "?" in text and len(text.split()) > 1 and not codes_in(text):
            # a question holding no code is asked, not the answer: "Can I change my delivery address to 2 Elm St?"
            # was taken as the order number and looked up (trial of 3 Dec)
            return None
        # a message with nothing like a value in it is no value, whatever else it is ("actually, do you ship to
        # Canada?" was looked up as the order number: trial of 2 Dec); a refusal is no value even as one word
        return value if looks_like_value(text, bare_word=not reading.declined) else None
    if reading.wants_person or reading.upset or (reading.declined and _counts_as_refusal(config, text)):
        return None
    return value


def answers_the_question(graph: FlowGraph, state: RunState, text: str, reading: Reading | None = None) -> bool:
    """Whether `text` is the answer the run waits for: a value its Collect Input takes, and no escape from it. A
    message a newer one overtook goes to the question only then ("NW-24680" sent just before "I want to talk to a
    person"), not "ok" or "let me check" typed while the visitor looked the number up, nor part of a free-text
    answer."""
    node = graph.node(state.node_id) if state.status == "waiting_input" and state.node_id else None
    if node is None or node.type != "collect_input":
        return False
    config = parse_node(node).config
    assert isinstance(config, CollectInputConfig)
    if not expects_specific_value(config):
        return False  # free text comes in pieces ("my package", "arrived broken"): the newest message takes it
    if _is_one_of_the_choices(config, text) or one_of_the_offered(state.offered, text,
                                                                    by_number=config.kind == "text"):
        return True
    reading = reading or Reading()
    on_a_topic = bool(reading.topic) and (config.kind != "text" or expects_specific_value(config))
    if reading.why_asked or reading.wants_person or reading.upset or on_a_topic or reading.leaving:
        return False
    return _answer_value(config, text, reading) is not None


def _counts_as_refusal(config: CollectInputConfig, text: str) -> bool:
    """A refusal of a free-text question is short ("no", "rather not"): "No refund came yet" is an answer."""
    return expects_specific_value(config) or config.kind != "text" or len(text.split()) <= 3


def _no_answer(run: _Run, node: Node, config: CollectInputConfig, why: str) -> None:
    """Go on without the value: the error edge when the flow has one, else the next node."""
    run.retries.pop(node.id, None)
    if node.id not in run.passed_inputs:
        run.passed_inputs.append(node.id)
    if run.follow(node, "error"):
        run.log(f"no {config.variable}: {why}; took the error edge")
        return
    run.log(f"no {config.variable}: {why}; went on without it")
    run.follow(node)


def _is_one_of_the_choices(config: CollectInputConfig, text: str) -> bool:
    return config.kind == "choice" and check_answer(config, text) is not None


def _escape_to_person(run: _Run, node: Node, config: CollectInputConfig, text: str, reading: Reading,
                      value: Json | None) -> None:
    """Asked for a person, angry, or on a restricted topic instead of answering, while a question waits: hand
    off at once with what is known (a restricted topic to its own target, which the service looks up)."""
    if value is not None and (config.kind != "text" or expects_specific_value(config)):
        run.variables[config.variable] = value
    handoff = handoff_for_a_reading(run.graph, text, reading)
    run.emit(handoff)
    run.retries.pop(node.id, None)
    what = {"user_request": "asked for a person", "restricted_topic": f"wrote of {reading.topic}"}.get(
        handoff.trigger, "is frustrated")
    run.finish("handed_off", f"the visitor {what} instead of giving {config.variable}; handed off")


def for_a_person(reading: Reading) -> bool:
    """The assistant read the message as one for a person: asked for, upset, or on a restricted topic."""
    return reading.wants_person or reading.upset or bool(reading.topic)


def handoff_for_a_reading(graph: FlowGraph, text: str, reading: Reading) -> RequestHandoff:
    """The handoff a message read as one for a person asks for (`for_a_person`): to the flow's own target, or
    the restricted topic's, with the visitor's words as the reason."""
    # an explicit request comes first, as in a turn without a flow (routing.decision)
    cause = "user_request" if reading.wants_person else "restricted_topic" if reading.topic else "frustration"
    words = " ".join((reading.asked_in if cause == "user_request" and reading.asked_in else text).split())
    words = words if len(words) <= 120 else words[:119].rsplit(" ", 1)[0] + "…"
    notice = "sorry" if reading.upset else "of_course"
    about = f" “{reading.topic}”" if cause == "restricted_topic" else ""
    return RequestHandoff(*_the_flows_own_target(graph), f"{REASON[cause]}{about}: “{words}”",
                          trigger=TRIGGER[cause], notice=notice, language=reading.language, topic=reading.topic)


def _the_flows_own_target(graph: FlowGraph) -> tuple[str, str]:
    """Where the flow itself hands off, when all its Handoff nodes agree ("team", "Billing"): a visitor who
    leaves the Billing flow for a person wants the Billing team. ("", "") for the workspace's routing."""
    targets = set()
    for node in graph.nodes:
        if node.type == "handoff":
            config = parse_node(node).config
            if isinstance(config, HandoffConfig):
                targets.add((config.target_kind, config.target_name))
    return targets.pop() if len(targets) == 1 else ("", "")


def _condition_holds(run: _Run, condition: Condition) -> bool:
    if condition.op == "in_office_hours":
        return run.inbound.in_office_hours is bool(condition.value)
    if condition.source == "variable":
        actual = run.variables.get(condition.key)
    elif condition.source == "attribute":
        actual = run.contact().get(condition.key)
    else:
        actual = run.last_message
    if actual is None:
        return False
    if condition.op == "at_least":
        number, least = as_number(actual), as_number(condition.value)
        return number is not None and least is not None and number >= least
    expected = as_text(condition.value).strip().casefold()
    if condition.op == "eq":
        return as_text(actual).strip().casefold() == expected
    if condition.op == "contains":
        if isinstance(actual, list):
            return any(as_text(item).strip().casefold() == expected for item in actual)
        return expected in as_text(actual).casefold()
    try:
        return re.search(as_text(condition.value), as_text(actual), re.IGNORECASE) is not None
    except re.error:
        return False


def _enter_branch(run: _Run, node: Node, config: BranchConfig) -> None:
    label = next((c.label for c in config.conditions if _condition_holds(run, c)), None)
    if label is None:
        if run.graph.edge_from(node.id, "else") is None:
            run.finish("no_branch", f"branch {node.id}: nothing matched and no else edge; stopped")
            return
        run.log(f"branch {node.id}: no condition matched, took else")
        run.follow(node, "else")
        return
    run.log(f"branch {node.id}: took “{label}”")
    if not run.follow(node, label):
        run.finish("completed", "finished")


def _enter_ai_answer(run: _Run, node: Node, config: AIAnswerConfig) -> None:
    run.emit(LetAIAnswer())
    run.log("let the AI answer")
    run.follow(node)


def _enter_ai_action(run: _Run, node: Node, config: AIActionConfig) -> None:
    run.emit(
        RunAIAction(config.task, config.variable, config.labels, run.last_message or "", config.kind)
    )
    run.log(f"asked the AI to {config.task} into {config.variable}")
    run.wait(node, "waiting_effect")


def _resume_ai_action(run: _Run, node: Node, config: AIActionConfig, result: EffectResult) -> None:
    value = result.json if result.ok else None
    if config.task == "classify" and value is not None:
        wanted = as_text(value).strip().casefold()
        value = next((label for label in config.labels if label.casefold() == wanted), None)
    if value in (None, ""):
        # An AI that cannot decide should not strand the visitor: without an error edge
        # the flow goes on with the variable unset (a Branch's else catches it).
        failed = f"the AI could not {config.task} {config.variable} ({result.error or 'no answer'})"
        if run.follow(node, "error"):
            run.log(f"{failed}; took the error edge")
        else:
            run.log(f"{failed}; continued")
            run.follow(node)
        return
    run.variables[config.variable] = value
    run.log(f"the AI set {config.variable}")
    run.follow(node)


def _enter_handoff(run: _Run, node: Node, config: HandoffConfig) -> None:
    # (placeholders filled as in the flow's messages: agents read "Warranty claim for order {{order}}": trial 55)
    reason = render(config.reason, run.variables, run.contact()) if config.reason else \
        f"Requested by flow {run.flow_name}".rstrip()
    run.emit(RequestHandoff(config.target_kind, config.target_name, reason, language=run.inbound.language))
    whom = f"{config.target_kind} {config.target_name}" if config.target_kind else "the workspace's default target"
    run.finish("handed_off", f"handed off to {whom}")


def _enter_resolve(run: _Run, node: Node, config: ResolveConfig) -> None:
    run.emit(Resolve(config.resolution, config.csat, config.csat_delay_seconds))
    run.finish("resolved", f"resolved as {config.resolution}")


def _enter_action(run: _Run, node: Node, config: ActionConfig) -> None:
    done = []
    if config.add_tags or config.remove_tags:
        run.emit(UpdateTags(config.add_tags, config.remove_tags))
        done += [f"tagged {', '.join(config.add_tags)}"] if config.add_tags else []
        done += [f"untagged {', '.join(config.remove_tags)}"] if config.remove_tags else []
    if config.set_attributes:
        contact = run.contact()
        values = {
            key: render(value, run.variables, contact) if isinstance(value, str) else value
            for key, value in config.set_attributes.items()
        }
        run.attributes.update(values)
        run.emit(SetAttributes(MappingProxyType(values)))
        done.append(f"set {', '.join(values)}")
    for name in config.count:
        run.variables[name] = int(as_number(run.variables.get(name)) or 0) + 1
        done.append(f"counted {name}: {run.variables[name]}")
    run.log("; ".join(done))
    run.follow(node)


def _enter_webhook(run: _Run, node: Node, config: WebhookConfig) -> None:
    payload = {
        "flow": run.flow_name,
        "node": node.id,
        "variables": dict(run.variables),
        "contact": {**run.inbound.contact_fields, "attributes": dict(run.attributes)},
        "message": run.last_message,
    }
    run.emit(
        CallWebhook(config.url, config.secret, config.timeout_seconds, config.retries, payload)
    )
    run.log(f"called webhook {config.url.split('?')[0]}")  # a query may carry a token
    run.wait(node, "waiting_effect")


def _resume_webhook(run: _Run, node: Node, config: WebhookConfig, result: EffectResult) -> None:
    if not result.ok:
        why = result.error or "failed"
        if run.follow(node, "error"):
            run.log(f"webhook failed ({why}); took the error edge")
        else:
            run.finish("webhook_failed", f"webhook failed ({why}) and has no error edge; stopped")
        return
    set_names, missing = [], []
    for variable, path in config.map.items():
        found, value = json_path(result.json, path)
        if found:
            run.variables[variable] = value
            set_names.append(variable)
        else:
            missing.append(path)
    line = "webhook succeeded"
    line += f"; set {', '.join(set_names)}" if set_names else ""
    line += f"; not in the response: {', '.join(missing)}" if missing else ""
    run.log(line)
    run.follow(node)


_ENTER: Mapping[type, Any] = {
    MessageConfig: _enter_message,
    CollectInputConfig: _enter_collect_input,
    BranchConfig: _enter_branch,
    AIAnswerConfig: _enter_ai_answer,
    AIActionConfig: _enter_ai_action,
    HandoffConfig: _enter_handoff,
    ResolveConfig: _enter_resolve,
    ActionConfig: _enter_action,
    WebhookConfig: _enter_webhook,
}
