"""The one orchestrator of a visitor turn: flows first, then the assistant and the handoff decision.

Runs in a Celery worker (`process_turn_task`), never in a request. The AI's "responding"
indicator is always cleared at the end of the turn, whatever happened.
"""
from __future__ import annotations

import logging
import re

from django.conf import settings
from django.utils import timezone

from conversations import assistant, knowledge, llm_turn, realtime, selectors, services
from conversations.assistant.extract import extract_field, validate_field
from conversations.assistant.phrases import phrase
from conversations.models import Conversation, Message
from flows import services as flow_services
from routing import selectors as routing_selectors
from routing.decision import INSIST_LIMIT, Decision, TurnSignals, decide
from routing.models import GatherField, HandoffPolicy
from routing.priority import PriorityFacts, compute_priority

logger = logging.getLogger(__name__)

YES = re.compile(r"^\s*(yes|yeah|yep|sure|ok|okay|please|yes please|s[ií]|por favor|oui|ja|sim|claro)\b", re.I)


def process_turn(*, message: Message) -> None:
    """Answer one visitor message. Exactly once: the message is claimed before any work."""
    claimed = Message.objects.filter(pk=message.pk, turn_processed_at__isnull=True).update(
        turn_processed_at=timezone.now())
    if not claimed:
        return
    conversation = Conversation.objects.select_related("workspace", "contact").get(pk=message.conversation_id)
    try:
        if not conversation.ai_active:
            return  # a human took over while the turn waited in the queue
        if _overtaken(conversation, message):
            return  # the newer message's turn answers with the fuller context
        if _flow_handles(conversation, message):
            return
        _assistant_turn(conversation, message)
    except Exception:
        logger.exception("Assistant failed on conversation %s; handing off", conversation.pk)
        _fail_safe_handoff(conversation, message)
    finally:
        realtime.publish_ai_typing(conversation, False)


def _overtaken(conversation: Conversation, message: Message) -> bool:
    return conversation.messages.filter(sender_type=Message.SenderType.VISITOR, id__gt=message.pk).exists()


def _flow_handles(conversation: Conversation, message: Message) -> bool:
    """An active or newly triggered flow gets the message first."""
    return bool(flow_services.flow_handle_message(conversation=conversation, message=message))


def _history(conversation: Conversation, message: Message) -> list[assistant.Turn]:
    rows = selectors.message_history(conversation=conversation, before=message.pk)
    return [assistant.Turn(sender=sender, text=body) for sender, body in rows]


def _assistant_turn(conversation: Conversation, message: Message) -> None:
    policy = routing_selectors.policy_for(workspace=conversation.workspace)
    bot = knowledge.assistant_for(workspace=conversation.workspace, policy=policy)
    history = _history(conversation, message)
    analysis = bot.analyze(message.body, history)
    state = dict(conversation.assistant_state or {})
    if analysis.language and analysis.language != conversation.language:
        conversation.language = analysis.language
        conversation.save(update_fields=["language"])
    lang = conversation.language or "en"
    asked = analysis.human_request.fired or (conversation.ai_offered_human and bool(YES.match(message.body)))
    if asked:
        state["human_requests"] = state.get("human_requests", 0) + 1

    if state.get("gathering"):
        _continue_gathering(conversation, message, policy, analysis, state, lang)
        return

    if analysis.smalltalk and not (asked or analysis.frustration.fired):
        # "hi", "thanks", "bye": a friendly word, not a knowledge-base miss that would hand off.
        # (The assistant never matches a topic or an article on small talk.)
        services.ai_reply(conversation=conversation, body=phrase(analysis.smalltalk, lang))
        _save_state(conversation, state)
        return

    if state.get("awaiting_problem") and not asked:
        state["problem"] = message.body[:500]
        state.pop("awaiting_problem", None)
    substantive = (analysis.answer is not None or analysis.restricted_topic is not None
                   or len(message.body.split()) >= 6) and not (asked and analysis.answer is None)
    if substantive and not state.get("problem"):
        state["problem"] = message.body[:500]

    gather = list(policy.gather_fields.all())
    known = _known_values(conversation, gather, state, history, message)
    missing = tuple(f.name for f in gather if f.required and f.name not in known)
    signals = TurnSignals(
        asked_for_human=asked,
        frustrated=analysis.frustration.fired,
        restricted_topic=analysis.restricted_topic.name if analysis.restricted_topic else None,
        kb_can_answer=analysis.answer is not None,
        said_not_helpful=analysis.not_helpful.fired,
        repeated_failure=analysis.repeated_question.fired,
        has_problem_statement=bool(state.get("problem")),
        ai_attempted=bool(state.get("ai_attempted")),
        human_requests=state.get("human_requests", 0),
        ai_offered_human=conversation.ai_offered_human,
        missing_fields=missing,
        handoff_enabled=policy.handoff_enabled,
    )
    decision = decide(policy.level, signals)
    logger.info("Turn on conversation %s: %s (%s)", conversation.pk, decision.action, decision.why)
    state["gathered"] = known
    _apply(conversation, message, policy, analysis, decision, state, lang, gather, bot=bot, history=history)


def _known_values(conversation: Conversation, gather: list[GatherField], state: dict,
                  history: list[assistant.Turn], message: Message) -> dict[str, str]:
    """What the conversation and the contact already tell us: never asked again."""
    known = dict(state.get("gathered") or {})
    contact = conversation.contact
    visitor_texts = [t.text for t in history if t.sender == "visitor"] + [message.body]
    for f in gather:
        if f.name in known:
            continue
        from_contact = {"name": contact.name, "email": contact.email, "phone": contact.phone}.get(f.kind, "")
        if from_contact and validate_field(f.kind, from_contact, f.regex or None):
            known[f.name] = from_contact
            continue
        if f.kind == GatherField.Kind.TEXT:
            if state.get("problem"):
                known[f.name] = state["problem"]
            continue
        if f.kind == GatherField.Kind.NAME:
            continue  # a name is asked, not guessed from free text
        for text in reversed(visitor_texts):
            value = extract_field(f.kind, text, f.regex or None)
            if value:
                known[f.name] = value
                break
    return known


def _apply(conversation: Conversation, message: Message, policy: HandoffPolicy, analysis, decision: Decision,
           state: dict, lang: str, gather: list[GatherField], *, bot: assistant.Assistant,
           history: list[assistant.Turn]) -> None:
    if decision.action == "answer":
        if analysis.answer is None:
            services.ai_reply(conversation=conversation, body=phrase("cannot_answer", lang))
        else:
            _answer(conversation, message, policy, analysis, state, lang, bot=bot, history=history)
        _save_state(conversation, state)
    elif decision.action == "cannot_answer":
        services.ai_reply(conversation=conversation, body=phrase("cannot_answer_ai_only", lang))
        _save_state(conversation, state)
    elif decision.action == "ask_problem":
        state["awaiting_problem"] = True
        services.ai_reply(conversation=conversation, body=phrase("ask_problem", lang))
        _save_state(conversation, state)
    elif decision.action == "offer_human":
        Conversation.objects.filter(pk=conversation.pk).update(ai_offered_human=True)
        body = phrase("offer_human", lang)
        if analysis.answer is not None:
            body = f"{analysis.answer.text}\n\n{body}"
        services.ai_reply(conversation=conversation, body=body, metadata=_answer_metadata(analysis))
        _save_state(conversation, state)
    elif decision.action == "ask_field":
        state["gathering"] = {"trigger": decision.trigger, "reason": decision.reason, "field": decision.field,
                              "attempts": 0, "topic": analysis.restricted_topic.name if analysis.restricted_topic else None,
                              "frustrated": analysis.frustration.fired}
        _save_state(conversation, state)
        services.ai_reply(conversation=conversation, body=_question(gather, decision.field, lang))
    elif decision.action == "handoff":
        _handoff(conversation, message, policy, decision.trigger, decision.reason, state, lang,
                 topic=analysis.restricted_topic.name if analysis.restricted_topic else None,
                 frustrated=analysis.frustration.fired)


def _answer_metadata(analysis) -> dict:
    a = analysis.answer
    if a is None:
        return {}
    return {"article": {"id": a.article_id, "title": a.title, "url": a.url}, "confidence": round(a.confidence, 3)}


def _answer(conversation: Conversation, message: Message, policy: HandoffPolicy, analysis, state: dict,
            lang: str, *, bot: assistant.Assistant, history: list[assistant.Turn]) -> None:
    body, metadata = analysis.answer.text, _answer_metadata(analysis)
    if settings.LLM_BASE_URL:
        # The policy chose to answer. The model may still hand off by its tool where the AI may
        # hand off at all, but never to overrule that choice (e.g. AI first answering a request).
        may_hand_off = (policy.handoff_enabled and policy.level != HandoffPolicy.Level.AI_ONLY
                        and not analysis.human_request.fired and analysis.restricted_topic is None)
        reply = llm_turn.respond(bot=bot, analysis=analysis, question=message.body, history=history,
                                 policy=policy, may_hand_off=may_hand_off)
        if reply.handoff:
            _handoff(conversation, message, policy, reply.trigger or "ai_decision", reply.reason, state, lang)
            return
        if reply.text:
            body = reply.text
            metadata["generated_by"] = reply.source
    if state.get("problem"):
        state["ai_attempted"] = True
    services.ai_reply(conversation=conversation, body=body, metadata=metadata, ask_if_helpful=True)


def _question(gather: list[GatherField], field_name: str, lang: str) -> str:
    f = next(g for g in gather if g.name == field_name)
    return f.question or phrase(f"gather_{f.kind}", lang, label=_label(f))


def _label(f: GatherField) -> str:
    """How a custom field is named to the visitor: "order_ref" -> "order ref"."""
    return f.name.replace("_", " ")


def _continue_gathering(conversation: Conversation, message: Message, policy: HandoffPolicy, analysis,
                        state: dict, lang: str) -> None:
    """The visitor answers the question asked; validate, then ask the next one or hand off."""
    gathering = dict(state["gathering"])
    gather = list(policy.gather_fields.all())
    by_name = {g.name: g for g in gather}
    current = by_name.get(gathering["field"])
    gathered = dict(state.get("gathered") or {})
    if current is not None and not analysis.human_request.fired:
        value = extract_field(current.kind, message.body, current.regex or None)
        if value and validate_field(current.kind, value, current.regex or None):
            gathered[current.name] = value
            gathering["attempts"] = 0
        else:
            gathering["attempts"] = gathering.get("attempts", 0) + 1
    state["gathered"] = gathered
    missing = [g for g in gather if g.required and g.name not in gathered]
    if not missing or state.get("human_requests", 0) >= INSIST_LIMIT:
        state.pop("gathering", None)
        _handoff(conversation, message, policy, gathering["trigger"], gathering["reason"], state, lang,
                 topic=gathering.get("topic"), frustrated=gathering.get("frustrated", False))
        return
    nxt = missing[0]
    if current is not None and nxt.name == current.name and gathering.get("attempts"):
        body = phrase(f"gather_invalid_{nxt.kind}", lang, label=_label(nxt))
        if nxt.question:
            body = f"{body} {nxt.question}"
    else:
        body = _question(gather, nxt.name, lang)
    gathering["field"] = nxt.name
    state["gathering"] = gathering
    _save_state(conversation, state)
    services.ai_reply(conversation=conversation, body=body)


def _handoff(conversation: Conversation, message: Message, policy: HandoffPolicy, trigger: str, reason: str,
             state: dict, lang: str, *, topic: str | None = None, frustrated: bool = False) -> None:
    history = _history(conversation, message) + [assistant.Turn(sender="visitor", text=message.body)]
    gathered = dict(state.get("gathered") or {})
    target = services.Target()
    if topic:
        restricted = policy.restricted_topics.filter(name=topic).select_related(
            "target_user", "target_team", "target_specialty").first()
        if restricted is not None and restricted.target_kind:
            target = services.Target.of(restricted)
    priority, reasons = "", ()
    if policy.auto_priority:
        first_visitor = conversation.messages.filter(sender_type=Message.SenderType.VISITOR).order_by("id").first()
        waited = (timezone.now() - first_visitor.created_at).total_seconds() / 60 if first_visitor else 0
        priority, reasons = compute_priority(PriorityFacts(
            vip=conversation.contact.is_vip, restricted_topic=bool(topic), frustrated=frustrated,
            text=" ".join(t.text for t in history if t.sender == "visitor"), waiting_minutes=waited))
    request = services.HandoffRequest(
        trigger=trigger, reason=reason, target=target, summary=assistant.summarize(history, gathered, reason),
        priority=priority, priority_reasons=reasons, gathered=gathered, language=lang)
    state.pop("gathering", None)
    _save_state(conversation, state)
    services.handoff_request(conversation=conversation, request=request, turn_message_id=message.pk)


def _fail_safe_handoff(conversation: Conversation, message: Message) -> None:
    try:
        request = services.HandoffRequest(trigger="ai_decision", reason="assistant error",
                                          summary=f"The assistant failed on: {message.body[:300]}",
                                          language=conversation.language or "en")
        services.handoff_request(conversation=conversation, request=request)
    except Exception:
        logger.exception("Fail-safe handoff failed on conversation %s", conversation.pk)


def _save_state(conversation: Conversation, state: dict) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(assistant_state=state)
    conversation.assistant_state = state

