"""What the assistant does for a flow: AI Action (classify, extract) and Let AI Answer.

Classify and extract are pure and cheap (label matching, the assistant's field
extractors), so the runtime and the builder's test panel run them inline, in order,
instead of queueing them. Answering uses the workspace's assistant and knowledge base.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from conversations import knowledge
from conversations.assistant.engine import questions_in
from conversations.assistant.extract import extract_field
from conversations.assistant.text import normalize, sentences
from conversations.assistant.types import Analysis, KBAnswer, Turn
from conversations.assistant.phrases import phrase
from conversations.turn_plan import DECLINE, WHY_ASKED, asks_after_withdrawing, leaves_a_question
from flows.document import BUILTIN_INTENTS, fold
from flows.engine import EffectResult, Reading, RunAIAction
from routing import selectors as routing_selectors

if TYPE_CHECKING:
    from workspaces.models import Workspace

logger = logging.getLogger(__name__)

CLASSIFY_THRESHOLD = 70  # rapidfuzz partial token-set similarity of a label to the message
_KIND_HINTS = (("email", "email"), ("mail", "email"), ("phone", "phone"), ("mobile", "phone"),
               ("order", "order_number"), ("name", "name"))


def classify(labels: tuple[str, ...], text: str) -> str | None:
    """The label the message is about: a label named in it, else the closest one, else None."""
    folded = fold(text)
    if not folded.strip():
        return None
    for label in labels:
        words = [re.escape(w) for w in re.split(r"[\s_-]+", fold(label)) if w]
        if words and re.search(r"(?<!\w)" + r"[\s_-]+".join(words) + r"(?!\w)", folded):
            return label
    scored = [(fuzz.partial_token_set_ratio(fold(label.replace("_", " ")), folded), -i, label)
              for i, label in enumerate(labels)]
    best = max(scored, default=None)
    return best[2] if best and best[0] >= CLASSIFY_THRESHOLD else None


def extract_kind(kind: str, variable: str) -> str:
    """What an extract looks for: the node's kind, else a guess from the variable's name."""
    if kind:
        return kind
    lowered = variable.casefold()
    return next((k for hint, k in _KIND_HINTS if hint in lowered), "text")


def ai_action_result(effect: RunAIAction) -> EffectResult:
    """Run an AI Action on the message it names; never raises (a failure is a result)."""
    try:
        if effect.task == "classify":
            value: Any = classify(effect.labels, effect.text)
            why = "no label fits the message"
        else:
            kind = extract_kind(effect.kind, effect.variable)
            value = extract_field(kind, effect.text)
            why = f"no {kind.replace('_', ' ')} in the message"
    except Exception as exc:  # an assistant bug must not strand the visitor: the engine takes the error edge
        logger.exception("AI action %s failed", effect.task)
        return EffectResult(ok=False, error=f"the assistant failed ({type(exc).__name__})")
    if value in (None, ""):
        return EffectResult(ok=False, error=why)
    return EffectResult(ok=True, json=value)


@dataclass(frozen=True)
class AIAnswer:
    text: str
    metadata: dict


def ai_answer(*, workspace: Workspace, text: str, history: list | None = None) -> AIAnswer | None:
    """The assistant's knowledge-base answer to `text`, or None when it has none. Reads only."""
    answer = _analyze(workspace, text, history).answer
    if answer is None:
        return None
    return AIAnswer(text=answer.text, metadata=_answer_metadata(answer))


def _answer_metadata(answer: KBAnswer) -> dict:
    return {"article": {"id": answer.article_id, "title": answer.title, "url": answer.url},
            "confidence": round(float(answer.confidence), 3)}


def detected_intents(*, workspace: Workspace, text: str, history: list | None = None) -> set[str]:
    """The assistant's built-in intents in `text` (see flows.document.BUILTIN_INTENTS)."""
    try:
        analysis = _analyze(workspace, text, history)
    except Exception:
        logger.exception("Intent detection failed for workspace %s", workspace.pk)
        return set()
    found = set()
    if analysis.wants_person:
        found.add("human_request")
    if analysis.frustration.fired:
        found.add("frustration")
    if analysis.complaint.fired:
        found.add("complaint")
    if analysis.smalltalk in BUILTIN_INTENTS:
        found.add(analysis.smalltalk)
    return found


def reading(*, workspace: Workspace, text: str, history: list | None = None) -> Reading | None:
    """The assistant's reading of a message that answers a flow's question (flows.engine.Reading).

    None when the assistant fails: the flow then takes the message as written, as before.
    """
    try:
        analysis = _analyze(workspace, text, history)
    except Exception:
        logger.exception("Reading a flow answer failed for workspace %s", workspace.pk)
        return None
    answer = analysis.answer
    policy = routing_selectors.policy_for(workspace=workspace)
    hands_off_topics = policy.handoff_enabled and policy.level != policy.Level.AI_ONLY
    leaving = leaves_a_question(text)
    if leaving and not asks_after_withdrawing(text):
        answer = None  # "cancel" alone is no question about cancelling an order
    return Reading(
        # (with a question answered next, not "What else can I help you with?" before its answer: trial of 4 Dec)
        leaving=phrase("flow_left_answered" if answer is not None else "flow_left", analysis.language) if leaving else "",
        kb_answer=answer.text if answer is not None else None,
        kb_metadata=_answer_metadata(answer) if answer is not None else {},
        wants_person=analysis.wants_person,
        upset=analysis.anger.fired or analysis.complaint.fired
        or (analysis.frustration.fired and not analysis.repeated_question.fired),
        declined=bool(DECLINE.match(normalize(text))) and not WHY_ASKED.search(normalize(text)),
        why_asked=bool(WHY_ASKED.search(normalize(text))),
        language=analysis.language,
        topic=analysis.restricted_topic.name if analysis.restricted_topic and hands_off_topics else "",
    )


def ai_answer_besides(*, workspace: Workspace, text: str, flow_name: str, history: list | None = None) -> AIAnswer | None:
    """The assistant's knowledge-base answer to `text`, unless it is the article the flow's name leads to (what the
    flow is for: "Where's my stuff? order nw-10001" needs no tracking article after the order's status). A message of
    several sentences is answered by the first of them the flow is not for ("Where is order NW-10001? Also, how much
    does shipping to France cost?" got the status alone: re-trial of 4 Dec), or of its questions."""
    own = _analyze(workspace, flow_name, None).answer
    said, asked = sentences(text), questions_in(text)
    # ("where is my order NW-10002 and how do I return it?": two questions in one sentence: trial of 4 Dec)
    for part in [text, *(said if len(said) > 1 else []), *(q for q in asked if len(asked) > 1 and q not in said)]:
        answer = _analyze(workspace, part, history).answer
        if answer is not None and (own is None or own.article_id != answer.article_id):
            return AIAnswer(text=answer.text, metadata=_answer_metadata(answer))
    return None


def _analyze(workspace: Workspace, text: str, history: list | None) -> Analysis:
    policy = routing_selectors.policy_for(workspace=workspace)
    bot = knowledge.assistant_for(workspace=workspace, policy=policy)
    return bot.analyze(text, [Turn(sender=s, text=t) for s, t in (history or [])])
