"""Node types: their config (API.md's table), its defaults, and what it means.

`parse_node` is the single reading of a node's raw config. It never raises: it returns
a typed config with defaults filled in plus the problems found, so the validator can
show every problem in the builder and the engine can refuse to run a broken node with
a clear reason instead of guessing. Also here: answer checking for Collect Input,
`{{placeholder}}` rendering, and dotted JSON paths for webhook mapping.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, cast, get_args

from conversations import canned, fields
from conversations.assistant.extract import spaced_prefix
from conversations.assistant.phrases import phrase
from conversations.assistant.text import LANGUAGES, detect_language, normalize
from flows.graph import Node

Json: TypeAlias = Any  # a JSON value: str | int | float | bool | None | list | dict

InputKind = Literal["text", "email", "phone", "number", "choice"]
ConditionOp = Literal["eq", "contains", "matches", "at_least", "in_office_hours"]
ConditionSource = Literal["variable", "attribute", "message", "office_hours"]
AITask = Literal["classify", "extract"]
TargetKind = Literal["user", "team", "specialty"]
# a Handoff node's {"kind": "default"}: the workspace's own routing (its default target), no name
DEFAULT_TARGET = "default"
Resolution = Literal["resolved", "no_action_needed", "duplicate", "spam"]

VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)?)\s*\}\}")


# --- typed configs -------------------------------------------------------------------

# A node's words in other languages: {"es": {"text": "Hola"}}. The visitor is told the one in their language, the
# written text without one (`in_language`).
Translations: TypeAlias = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class MessageConfig:
    text: str
    translations: Translations = field(default_factory=dict)


@dataclass(frozen=True)
class CollectInputConfig:
    variable: str
    question: str
    kind: InputKind = "text"
    choices: tuple[str, ...] = ()
    retry_text: str = ""  # empty: a kind-specific hint followed by the question again
    max_retries: int = 3  # re-asks before giving up (the "error" edge, or the run ends)
    translations: Translations = field(default_factory=dict)  # the question and retry_text


@dataclass(frozen=True)
class Condition:
    """One Branch condition. `key` names the variable/attribute ("" for message/office hours).

    Comparisons forgive what visitors and admins type: `eq` and `contains` ignore case
    (and `eq` surrounding spaces; `contains` on a list means "has this item"), and
    `matches` is a case-insensitive regex search. `at_least` compares numbers: an Action's `count` (a loop's
    tries) is at least the value.
    """

    label: str
    op: ConditionOp
    source: ConditionSource
    key: str = ""
    value: Json = None


@dataclass(frozen=True)
class BranchConfig:
    conditions: tuple[Condition, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.label for c in self.conditions))


@dataclass(frozen=True)
class AIAnswerConfig:
    pass


ExtractKind = Literal["name", "email", "phone", "order_number", "text"]


@dataclass(frozen=True)
class AIActionConfig:
    task: AITask
    variable: str
    labels: tuple[str, ...] = ()
    kind: str = ""  # extract: what to look for; "" guesses from the variable's name


@dataclass(frozen=True)
class HandoffConfig:
    target_kind: TargetKind | Literal[""]  # "": the workspace's default target
    target_name: str
    reason: str = ""


@dataclass(frozen=True)
class ResolveConfig:
    resolution: Resolution = "resolved"
    csat: bool | None = None  # None: the workspace's CSAT policy decides
    csat_delay_seconds: int | None = None  # None: the workspace's CSAT delay


@dataclass(frozen=True)
class ActionConfig:
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    set_attributes: Mapping[str, Json] = field(default_factory=dict)
    count: tuple[str, ...] = ()  # run variables raised by one each time the node runs: a loop's tries


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str = ""
    timeout_seconds: int = 10
    retries: int = 2
    map: Mapping[str, str] = field(default_factory=dict)  # variable -> dotted JSON path


NodeConfig: TypeAlias = (
    MessageConfig
    | CollectInputConfig
    | BranchConfig
    | AIAnswerConfig
    | AIActionConfig
    | HandoffConfig
    | ResolveConfig
    | ActionConfig
    | WebhookConfig
)


@dataclass(frozen=True)
class ConfigProblem:
    """A config mistake, worded for the admin reading it next to the node."""

    code: str  # "missing_config" | "invalid_config" | "invalid_webhook_url" | "unknown_node_type"
    message: str


@dataclass(frozen=True)
class ParsedNode:
    config: NodeConfig | None  # None only for an unknown node type
    problems: tuple[ConfigProblem, ...] = ()


# --- reading raw config ---------------------------------------------------------------


class _Reader:
    """Reads one raw config object, filling defaults and collecting problems."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.problems: list[ConfigProblem] = []

    def missing(self, message: str) -> None:
        self.problems.append(ConfigProblem("missing_config", message))

    def invalid(self, message: str, code: str = "invalid_config") -> None:
        self.problems.append(ConfigProblem(code, message))

    def text(self, key: str, *, required: str = "") -> str:
        value = self.raw.get(key)
        text = value.strip() if isinstance(value, str) else ""
        if value is not None and not isinstance(value, str):
            self.invalid(f"“{key}” must be text.")
        elif not text and required:
            self.missing(required)
        return text

    def variable(self, key: str, *, required: str) -> str:
        name = self.text(key, required=required)
        if name and not VARIABLE_NAME.match(name):
            self.invalid(
                f"“{name}” is not a usable variable name: use letters, digits and "
                "underscores, starting with a letter (e.g. order_number)."
            )
        return name

    def one_of(self, key: str, options: tuple[str, ...], default: str) -> str:
        value = self.raw.get(key)
        if value is None or value == "":
            return default
        if value not in options:
            self.invalid(f"“{key}” must be one of {', '.join(options)} (got “{value}”).")
            return default
        return str(value)

    def integer(self, key: str, default: int | None, low: int, high: int) -> int | None:
        value = self.raw.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            self.invalid(f"“{key}” must be a whole number.")
            return default
        if not low <= value <= high:
            self.invalid(f"“{key}” must be between {low} and {high}.")
            return default
        return int(value)

    def boolean(self, key: str) -> bool | None:
        value = self.raw.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.invalid(f"“{key}” must be true or false.")
        return None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None:
            return ()
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            self.invalid(f"“{key}” must be a list of texts.")
            return ()
        return tuple(v.strip() for v in value if v.strip())

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.raw.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.invalid(f"“{key}” must be an object.")
            return {}
        return dict(value)

    def translations(self, texts: tuple[str, ...]) -> dict[str, dict[str, str]]:
        """`translations`: a language code and its texts for `texts` ({"es": {"question": "…"}}), or, shorter, the
        first of them alone ({"es": "…"})."""
        value = self.raw.get("translations")
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.invalid(f"“translations” must be an object: a language ({', '.join(LANGUAGES)}) and its words.")
            return {}
        found: dict[str, dict[str, str]] = {}
        for language, given in value.items():
            if language not in LANGUAGES:
                self.invalid(f"“{language}” in “translations” is not a language the assistant speaks "
                             f"({', '.join(LANGUAGES)}).")
                continue
            given = {texts[0]: given} if isinstance(given, str) else given
            if not isinstance(given, Mapping):
                self.invalid(f"“translations.{language}” must be text or an object with {', '.join(texts)}.")
                continue
            words: dict[str, str] = {}
            for key, text in given.items():
                if key not in texts:
                    self.invalid(f"“translations.{language}.{key}” cannot be translated: only {', '.join(texts)}.")
                elif not isinstance(text, str):
                    self.invalid(f"“translations.{language}.{key}” must be text.")
                elif text.strip():
                    words[key] = text.strip()
            if words:
                found[language] = words
        return found


def _message(r: _Reader) -> MessageConfig:
    return MessageConfig(text=r.text("text", required="Write the message to send."),
                         translations=r.translations(("text",)))


def _collect_input(r: _Reader) -> CollectInputConfig:
    variable = r.variable("variable", required="Choose the variable the answer is saved in.")
    question = r.text("question", required="Write the question to ask the visitor.")
    kind = r.one_of("kind", get_args(InputKind), "text")
    choices = r.strings("choices")
    if kind == "choice" and not choices:
        r.missing("A choice question needs at least one choice to offer.")
    return CollectInputConfig(
        variable=variable,
        question=question,
        kind=cast(InputKind, kind),
        choices=choices,
        retry_text=r.text("retry_text"),
        max_retries=r.integer("max_retries", 3, 0, 10) or 0,
        translations=r.translations(("question", "retry_text")),
    )


def _stripped(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _condition(r: _Reader, raw: Any, number: int) -> Condition | None:
    where = f"Condition {number}"
    if not isinstance(raw, Mapping):
        r.invalid(f"{where} must be an object.")
        return None
    label = _stripped(raw.get("label"))
    if not label:
        r.missing(f"{where} needs a label: it names the edge taken when the condition holds.")
    elif label in ("else", "next", "error"):
        r.invalid(f"{where}: “{label}” is reserved for edges; choose another label.")
    op = cast(ConditionOp, raw.get("op"))
    if op not in get_args(ConditionOp):
        r.invalid(f"{where}: the operator must be eq, contains, matches, at_least or in_office_hours.")
        op = "eq"  # keep the label, so its edges are not reported as unknown too
    if op == "in_office_hours":
        value = raw.get("value", True)
        if not isinstance(value, bool):
            r.invalid(f"{where}: an office-hours condition's value must be true or false.")
        return Condition(label, "in_office_hours", "office_hours", "", value is not False)
    source: ConditionSource
    if raw.get("variable"):
        source, key = "variable", str(raw["variable"]).strip()
    elif raw.get("attribute"):
        source, key = "attribute", str(raw["attribute"]).strip()
    elif "message" in raw:
        source, key = "message", ""
    else:
        r.missing(f"{where}: choose what to test: a variable, a contact attribute or the message.")
        source, key = "variable", ""  # keep the label, so its edges are not reported as unknown
    value = raw.get("value")
    if value is None or (isinstance(value, str) and not value.strip() and op != "eq"):
        r.missing(f"{where}: enter the value to compare with.")
    elif op == "matches":
        try:
            re.compile(str(value))
        except re.error as exc:
            r.invalid(f"{where}: “{value}” is not a valid regular expression ({exc}).")
    elif op == "at_least" and as_number(value) is None:
        r.invalid(f"{where}: “at least” compares numbers; “{value}” is not one.")
    return Condition(label, op, source, key, value)


def _branch(r: _Reader) -> BranchConfig:
    raw = r.raw.get("conditions")
    if raw is not None and not isinstance(raw, list | tuple):
        r.invalid("“conditions” must be a list.")
        raw = None
    if not raw:
        r.missing("Add at least one condition; otherwise only the “else” edge is ever taken.")
        return BranchConfig(conditions=())
    parsed = (_condition(r, c, i) for i, c in enumerate(raw, start=1))
    return BranchConfig(conditions=tuple(c for c in parsed if c is not None))


def _ai_answer(r: _Reader) -> AIAnswerConfig:
    return AIAnswerConfig()


def _ai_action(r: _Reader) -> AIActionConfig:
    task = r.one_of("task", get_args(AITask), "")
    if not task:
        r.missing("Choose the task: classify or extract.")
    variable = r.variable("variable", required="Choose the variable the result is saved in.")
    labels = r.strings("labels")
    if task == "classify" and not labels:
        r.missing("Classifying needs the labels to choose from.")
    kind = r.one_of("kind", get_args(ExtractKind), "")
    return AIActionConfig(task=cast(AITask, task or "extract"), variable=variable, labels=labels, kind=kind)


def _handoff(r: _Reader) -> HandoffConfig:
    target = r.mapping("target")
    kind = target.get("kind")
    name = _stripped(target.get("name"))
    if kind == DEFAULT_TARGET:  # the workspace's routing: its default target, as a policy with none names
        return HandoffConfig(target_kind="", target_name="", reason=r.text("reason"))
    if not target or not kind or not name:
        r.missing("Choose who to hand off to: a user, a team or a specialty, by name, or the workspace's default target.")
    elif kind not in get_args(TargetKind):
        r.invalid(f"The handoff target must be a user, a team, a specialty or “{DEFAULT_TARGET}” (got “{kind}”).")
    return HandoffConfig(
        target_kind=cast(TargetKind, kind if kind in get_args(TargetKind) else "team"),
        target_name=name,
        reason=r.text("reason"),
    )


def _resolve(r: _Reader) -> ResolveConfig:
    return ResolveConfig(
        resolution=cast(Resolution, r.one_of("resolution", get_args(Resolution), "resolved")),
        csat=r.boolean("csat"),
        csat_delay_seconds=r.integer("csat_delay_seconds", None, 0, 7 * 24 * 3600),
    )


def _action(r: _Reader) -> ActionConfig:
    config = ActionConfig(
        add_tags=r.strings("add_tags"),
        remove_tags=r.strings("remove_tags"),
        set_attributes=MappingProxyType(r.mapping("set_attributes")),
        count=r.strings("count"),
    )
    for name in config.count:
        if not VARIABLE_NAME.match(name):
            r.invalid(f"“{name}” can't be counted: a variable's name is letters, digits and _, not starting with a digit.")
    if not (config.add_tags or config.remove_tags or config.set_attributes or config.count) and not r.problems:
        r.missing("Add a tag, remove a tag, set an attribute or count a variable; this action does nothing yet.")
    return config


def _webhook(r: _Reader) -> WebhookConfig:
    url = r.text("url", required="Enter the URL the webhook is sent to.")
    if url and not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
        r.invalid("The webhook URL must start with http:// or https://.", "invalid_webhook_url")
    mapping = r.mapping("map")
    for variable, path in mapping.items():
        if not VARIABLE_NAME.match(str(variable)):
            r.invalid(f"“{variable}” in the response mapping is not a usable variable name.")
        if not isinstance(path, str) or not path.strip():
            r.invalid(f"The response path for “{variable}” must be text like “order.id”.")
    return WebhookConfig(
        url=url,
        secret=r.text("secret"),
        timeout_seconds=r.integer("timeout_seconds", 10, 1, 60) or 10,
        retries=r.integer("retries", 2, 0, 10) or 0,
        map=MappingProxyType({str(k): str(v).strip() for k, v in mapping.items()}),
    )


@dataclass(frozen=True)
class NodeType:
    """What the engine and the validator need to know about a node type."""

    title: str  # as the builder names it
    edges: frozenset[str]  # outcomes it can leave by; a Branch adds its condition labels
    parse: Callable[[_Reader], NodeConfig]
    ends_run: bool = False  # Handoff and Resolve: nothing runs after them
    waits_for_input: bool = False  # the only kind of node that lets a loop pause


NODE_TYPES: Mapping[str, NodeType] = MappingProxyType(
    {
        "message": NodeType("Message", frozenset({"next"}), _message),
        "collect_input": NodeType(
            "Collect Input", frozenset({"next", "error"}), _collect_input, waits_for_input=True
        ),
        "branch": NodeType("Branch", frozenset({"else"}), _branch),
        "ai_answer": NodeType("Let AI Answer", frozenset({"next"}), _ai_answer),
        "ai_action": NodeType("AI Action", frozenset({"next", "error"}), _ai_action),
        "handoff": NodeType("Human Handoff", frozenset(), _handoff, ends_run=True),
        "resolve": NodeType("Resolve", frozenset(), _resolve, ends_run=True),
        "action": NodeType("Action", frozenset({"next"}), _action),
        "webhook": NodeType("Send to Webhook", frozenset({"next", "error"}), _webhook),
    }
)


def parse_node(node: Node) -> ParsedNode:
    """Read `node.config` into its typed config; problems are listed, never raised."""
    node_type = NODE_TYPES.get(node.type)
    if node_type is None:
        known = ", ".join(NODE_TYPES)
        problem = ConfigProblem(
            "unknown_node_type", f"“{node.type}” is not a node type (known: {known})."
        )
        return ParsedNode(config=None, problems=(problem,))
    reader = _Reader(node.config)
    config = node_type.parse(reader)
    return ParsedNode(config=config, problems=tuple(reader.problems))


def edge_labels(node: Node, config: NodeConfig | None) -> frozenset[str]:
    """The `when` values an edge leaving `node` may carry."""
    node_type = NODE_TYPES.get(node.type)
    if node_type is None:
        return frozenset()
    if isinstance(config, BranchConfig):
        return node_type.edges | frozenset(config.labels)
    return node_type.edges


# --- languages ---------------------------------------------------------------------------


def in_language(config: NodeConfig, language: str) -> NodeConfig:
    """The node as said to a visitor who writes `language`: its translation's words over the written ones."""
    texts = getattr(config, "translations", {}).get(language)
    return replace(config, **texts) if texts else config


def language_of(config: MessageConfig | CollectInputConfig, language: str) -> str:
    """The language the node speaks to a visitor who writes `language`: that one when it has a translation, else the
    language it is written in (a flow written in Spanish re-asks in Spanish)."""
    if language in config.translations:
        return language
    return detect_language(config.text if isinstance(config, MessageConfig) else config.question)


def why_we_ask(language: str) -> str:
    """Said when the visitor asks why a question is asked ("why do you need my email?"), before the question again."""
    return phrase("why_we_ask", language)


def no_answer_hint(language: str) -> str:
    """Said before the question again when the visitor asked something the articles do not answer instead."""
    return phrase("cannot_answer_plain", language)


def retry_hint(kind: InputKind, language: str) -> str:
    """Said before the question again when the answer is not one of its kind."""
    return phrase(f"flow_retry_{kind}", language)


def several_hint(kind: InputKind, language: str) -> str:
    """Said instead of the retry hint when the answer holds several values of the kind asked for ("a@x.com or
    b@y.com")."""
    return phrase(f"flow_several_{kind}", language)


# --- Collect Input answers ---------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.,])-?\d+(?:[.,]\d+)?(?![\w.,]*\d)")


def _given(kind: str, text: str) -> list[str]:
    """The emails, phone numbers or numbers the answer holds, as written ([] for the other kinds)."""
    if kind == "email":
        return [m.group(0) for m in fields.EMAIL.finditer(text)]
    if kind == "phone":
        return [m.group(0).strip() for m in fields.PHONE.finditer(text)
                if len(fields.digits(m.group(0))) in fields.PHONE_DIGITS]
    if kind == "number":
        return _NUMBER.findall(text)
    return []


_SAME_VALUE: Mapping[str, Callable[[str], str]] = MappingProxyType(
    {"email": str.lower, "phone": fields.digits, "number": str})


def several_values(config: CollectInputConfig, text: str) -> bool:
    """The answer holds more than one value of the kind asked for (so none is taken)."""
    if config.kind == "text":
        return expects_specific_value(config) and check_answer(config, text) is None and len(codes_in(text)) > 1
    same = _SAME_VALUE.get(config.kind)
    return same is not None and len({same(v) for v in _given(config.kind, text)}) > 1


def values_given(config: CollectInputConfig, text: str) -> list[str]:
    """The values of the kind asked for that an answer holds, as written, in order: the codes of a text question."""
    return codes_in(text) if config.kind == "text" else list(dict.fromkeys(_given(config.kind, text)))


# "the second one", "la primera", "die letzte": which of the values given at once the visitor means (0-based; -1 last);
# as text.normalize writes them (no accents: "première" is "premiere")
_ORDINALS: Mapping[str, int] = MappingProxyType({
    **dict.fromkeys(("first", "1st", "former", "primer", "primero", "primera", "premier", "premiere", "erste", "ersten",
                     "erster", "erstes", "primeiro"), 0),
    **dict.fromkeys(("second", "2nd", "segundo", "segunda", "deuxieme", "seconde", "zweite", "zweiten", "zweiter",
                     "zweites"), 1),
    **dict.fromkeys(("third", "3rd", "tercer", "tercero", "tercera", "troisieme", "dritte", "dritten", "dritter",
                     "drittes", "terceiro", "terceira"), 2),
    **dict.fromkeys(("last", "latter", "ultimo", "ultima", "dernier", "derniere", "letzte",
                     "letzten", "letzter", "letztes"), -1),
})
_A_MOMENT = re.compile(r"\b(?:a|one|un|una|um|une|eine)\s+(?:second|segundo|seconde|sekunde)\b")


def one_of_the_offered(offered: Sequence[str], text: str, *, by_number: bool = False) -> str:
    """The value of `offered` a short answer picks by its place ("the second one", "la última", "die erste
    Bestellung"; with `by_number`, a question for a code, "1" or "#2" too); "" when it names none, or more than one,
    or it is "wait a second"."""
    words = normalize(text).replace("-", " ").split()
    if len(offered) < 2 or not words or len(words) > 6 or _A_MOMENT.search(" ".join(words)):
        return ""
    if by_number and (digit := re.fullmatch(r"\W*#?(\d)\W*", text.strip())):
        place = int(digit.group(1))
        return offered[place - 1] if 1 <= place <= len(offered) else ""
    places = {_ORDINALS[w.strip(".,!?¿¡")] for w in words if w.strip(".,!?¿¡") in _ORDINALS}
    if len(places) != 1:
        return ""
    place = places.pop()
    return offered[place] if place < len(offered) else ""


def check_answer(config: CollectInputConfig, text: str) -> Json | None:
    """The value to store for this answer, normalised; None when it is not acceptable."""
    text = text.strip()
    if not text:
        return None
    # an answer in a sentence counts when it holds exactly one value: "my email is ana@example.com",
    # "Mi correo es <ana@example.es>.", "call me on +34 600 123 456", "about 3 nights"
    if config.kind == "email":
        found = set(_given("email", text))
        return found.pop() if len(found) == 1 else None
    if config.kind == "phone":
        found = set(_given("phone", text))
        return re.sub(r"[\s().-]", "", found.pop()) if len(found) == 1 else None
    if config.kind == "number":
        numbers = _given("number", text)
        if len(numbers) != 1 or (numbers[0] != text and "?" in text):  # "is it 5 a night?" asks, it doesn't answer
            return None
        text = numbers[0]
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # a decimal comma, as in "3,5"
        try:
            number = float(text)
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() else number
    if config.kind == "choice":
        for choice in config.choices:
            if choice.casefold() == text.casefold():
                return choice
        if text.isascii() and text.isdigit() and 1 <= int(text) <= len(config.choices):
            return config.choices[int(text) - 1]  # "2" picks the second option
        return None
    if not expects_specific_value(config):
        return text
    text = _DASHES.sub("-", text)  # "NW–10003" typed with a dash the keyboard made long
    if fields.EMAIL.search(text) and not codes_in(fields.EMAIL.sub(" ", text)):
        # an email address is no order number or code: "jean@gmail.com" at the order number's question was "looked
        # up" as one (trial of 4 Dec); the question is asked again
        return None
    if len(text.split()) > 1:
        # "my order number is NW 10002", "es el A1234": the one code in the sentence, as written
        codes = codes_in(text)
        if len(codes) == 1:
            return codes[0]
        if codes:
            # "NW-10001, perdón, quise decir NW-10002": the code it corrects to; two with no correction are asked
            # about (the whole sentence was looked up as the order number: trial of 4 Dec)
            return codes[-1] if _CORRECTS.search(normalize(text)) else None
    return text


_DASHES = re.compile(r"[\u2010-\u2015\u2212]")

# Words that correct what was just said ("sorry, I meant", "perdón, quise decir", "ich meinte"), accent-folded
_CORRECTS = re.compile(r"\b(?:sorry|i\s+mean|i\s+meant|no\s+wait|correction|perdon|perdona|quise\s+decir|quiero\s+decir"
                       r"|mejor\s+dicho|pardon|je\s+voulais\s+dire|je\s+veux\s+dire|plutot|entschuldigung|ich\s+meinte"
                       r"|ich\s+meine|korrektur|desculp\w*|quis\s+dizer|quero\s+dizer|ou\s+melhor)\b")


def codes_in(text: str) -> list[str]:
    """The codes a sentence holds (`_CODE`, with at least three digits), as written, in order, each once; "nw 10002"
    typed in lower case keeps its prefix (it was looked up as "10002": trial of 4 Dec), "my 10002" does not."""
    codes: dict[str, None] = {}
    for m in _CODE.finditer(text):
        code = m.group(1)
        if sum(c.isdigit() for c in code) >= 3:
            prefix = spaced_prefix(text, m.start(1)) if code[:1].isdigit() else ""
            codes[f"{prefix} {code}" if prefix else code] = None
    return list(codes)


# A code in a sentence: digits, with letters or dashes in it, and an upper-case prefix of up to four letters
# ("NW 10002", "A-10234", "ORD123456", "28001"); at least three digits, so "3 weeks ago" holds none
_CODE = re.compile(r"(?<![\w-])#?((?:[A-Z]{1,4} |[A-Za-z]{1,4}-?)?\d[\w-]*)(?![\w-])")


# Variable names whose answer is one specific value (an order number, a code), not a sentence
_SPECIFIC_WORDS = frozenset({
    "order", "number", "num", "no", "nr", "id", "code", "ref", "reference", "tracking", "account", "invoice",
    "zip", "postcode", "postal", "sku", "serial", "ticket", "booking", "reservation", "confirmation", "pin",
    "policy", "member", "membership", "customer", "case"})
_FREE_TEXT_WORDS = frozenset({
    "issue", "problem", "description", "details", "detail", "message", "comment", "comments", "feedback",
    "reason", "question", "notes", "note", "text", "summary", "request", "story"})


def expects_specific_value(config: CollectInputConfig) -> bool:
    """Whether a text question asks for one value (order_number, booking_ref) rather than free text."""
    if config.kind != "text":
        return True
    words = {w.casefold() for w in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", config.variable) if w}
    return bool(words & _SPECIFIC_WORDS) and not words & _FREE_TEXT_WORDS


# One word that says something else than a code: "ok" while the visitor looks the number up is no order number
_NOT_A_CODE = frozenset({
    "ok", "okay", "k", "kk", "sure", "yes", "yeah", "yep", "yup", "no", "nope", "wait", "hmm", "hm", "um", "uh", "hi",
    "hello", "hey", "thanks", "thx", "ty", "alright", "right", "fine", "cool", "great", "one", "sec", "moment",
    "vale", "sí", "si", "claro", "espera", "momento", "hola", "gracias", "oui", "non", "attends", "merci", "bonjour",
    "ja", "nein", "moment", "danke", "hallo", "sim", "não", "nao", "obrigado", "obrigada", "olá", "ola",
    "both", "all", "ambos", "ambas", "todos", "beide", "alle", "tous", "toutes"})  # "both" at "which one?" (re-trial)


def looks_like_value(text: str, *, bare_word: bool = True) -> bool:
    """Whether a message holds a specific value: a token with a digit ("A1234", "it's 55512"), or
    (with `bare_word`) one word alone ("ABCDEF"; not when the word is a refusal such as "skip", nor "ok" or "wait")."""
    tokens = text.split()
    if any(re.search(r"\d", token) for token in tokens):
        return True
    return (bare_word and len(tokens) == 1 and "?" not in text
            and re.sub(r"[^\w]", "", text).casefold() not in _NOT_A_CODE)


# --- placeholders and paths ------------------------------------------------------------


def as_text(value: Json) -> str:
    """How a value reads inside a message or a comparison."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def as_number(value: Json) -> float | None:
    """A number, or a text that is one ("2"); None for anything else (a flag is no number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip()) if isinstance(value, str) else None
    except ValueError:
        return None


def render(text: str, variables: Mapping[str, Json], contact: Mapping[str, Json]) -> str:
    """Fill `{{variable}}` and `{{contact.field}}` placeholders; unknown or empty ones go, with the space before
    them ("I couldn't find an order {{order_number}}." with no number read "an order .": trial of 3 Dec)."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("contact."):
            return as_text(contact.get(name.removeprefix("contact."))) or canned.EMPTY
        return as_text(variables.get(name)) or canned.EMPTY

    return canned.without_empty(_PLACEHOLDER.sub(fill, text))


def placeholders(text: str) -> set[str]:
    """The `{{variable}}` names in `text` (not `{{contact.…}}`)."""
    return {m.group(1) for m in _PLACEHOLDER.finditer(text) if not m.group(1).startswith("contact.")}


_MISSING = object()


def json_path(data: Json, path: str) -> tuple[bool, Json]:
    """Follow a dotted path such as `items.0.status` (or `items[0].status`) into `data`.

    Returns (found, value); an empty path is the whole document.
    """
    path = re.sub(r"\[(-?\d+)\]", r".\1", path.strip()).strip(".")
    current: Json = data
    for part in path.split(".") if path else ():
        if isinstance(current, Mapping):
            current = current.get(part, _MISSING)
        elif isinstance(current, list) and re.fullmatch(r"-?\d+", part):
            index = int(part)
            current = current[index] if -len(current) <= index < len(current) else _MISSING
        else:
            current = _MISSING
        if current is _MISSING:
            return False, None
    return True, current
