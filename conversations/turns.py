"""The one orchestrator of a visitor turn: claim → snapshot → plan → apply.

Runs in a Celery worker (`process_turn_task`), never in a request. Every visitor message
gets exactly one outcome (an AI reply, a flow step or a handoff) whatever dies when:

- The claim is a lease (`services.message_turn_claim`): a worker that dies mid-turn holds
  it only until it expires; then the sweep (`sweep_turns_task`) queues the turn again.
- Nothing the turn decides is written before its outcome: the replies, the handoff, the
  assistant's memory, the contact's new details and the message's outcome commit in one
  transaction, which first checks that no other turn settled the message meanwhile.
- Database and broker errors propagate, so the task retries them; any other failure of
  the assistant or its provider becomes the fail-safe plan; a message taken up
  `MAX_TURN_ATTEMPTS` times goes straight to the fail-safe (an assistant that kills its
  worker must not leave the visitor waiting).

The "responding" indicator goes off when the outcome commits.
"""
from __future__ import annotations

import logging
from dataclasses import replace

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

from conversations import knowledge, llm_turn, realtime, selectors, services
from conversations.assistant.types import Turn
from conversations.models import Conversation, Message
from conversations.turn_memory import TurnMemory
from conversations.turn_plan import (NOT_DESCRIBED, NOTHING_TRIED, FieldSpec, Reply, TurnFacts, TurnPlan, TurnPolicy, asked_for_person_before,
                                     earlier_answers, plan_gathering_lapsed, plan_turn, what_follows_a_withdrawal,
                                     withdraws)
from csat import services as csat_services
from flows import selectors as flow_selectors
from flows import services as flow_services
from helpdesk.errors import ProviderUnavailable
from routing import selectors as routing_selectors
from routing.models import HandoffPolicy

logger = logging.getLogger(__name__)

# a turn also answers at most this many questions sent just before its message (a burst of ten; with two, the
# first of five questions sent within 0.2 s went unanswered: re-trial of 2 Dec; with five, the first two of eight:
# trial of 3 Dec). Each costs one more reading by the assistant (~15 ms).
EARLIER_QUESTIONS = 9
# a turn merged into a newer message's turn takes that turn itself, at most this often in one task (a visitor
# still writing while it runs: the rest is left to the newest message's own task)
TAKEOVERS = 3
MAX_TURN_ATTEMPTS = 3  # taken up this often without an outcome: the fail-safe answers
# Errors that pass: the task retries them (and the lease keeps the turn this attempt's meanwhile).
TRANSIENT_ERRORS = (OperationalError, InterfaceError, kombu.exceptions.OperationalError,
                    redis.exceptions.ConnectionError, ProviderUnavailable)


def process_turn(*, message_id: int, claim: str, worker: str = "") -> None:
    """Give the visitor message its one outcome. `claim` names this attempt (the task id: a retry keeps it);
    `worker` the worker process taking it (a restart of that worker releases the claim).

    A turn overtaken by a newer message is merged into the newest one's turn, and takes that turn at once
    (`TAKEOVERS`) rather than leaving it to its own task further back in the queue: behind a backlog, every turn
    of a visitor writing every few seconds found a newer message and was merged, so nobody got a reply until
    they stopped writing (60 visitors writing every 3 s: no reply from 6 s to 30 s, trial 53)."""
    for _ in range(1 + TAKEOVERS):
        message = services.message_turn_claim(message_id=message_id, claim=claim, worker=worker,
                                              lease_seconds=settings.TURN_LEASE_SECONDS)
        if message is None:
            return  # settled already, or another worker holds a live lease on it
        if _turn(message) != Message.TurnOutcome.MERGED:
            return
        newest = selectors.newest_visitor_message_waiting(message=message)
        if newest is None:
            return
        message_id = newest


def _turn(message: Message) -> str | None:
    """The claimed message's turn; its outcome (None when another turn settled it meanwhile)."""
    conversation = message.conversation
    settled = _flow_step(conversation, message)
    if settled is not None:
        return settled or None
    plan = _plan(conversation, message)
    with realtime.published_together():  # the outcome's events (typing off, the reply, a handoff's) in one trip
        return _apply(conversation, message, plan)


def _flow_step(conversation: Conversation, message: Message) -> str | None:
    """Settle the message without the assistant when a human owns the conversation, a newer
    message overtook it, or a flow takes it. Returns the outcome when settled ("" when another turn settled it),
    None when the assistant is to plan the turn."""
    if message.turn_flow_done:
        return None
    overtaken = _overtaken(conversation, message)
    if (conversation.ai_active and not overtaken
            and not flow_selectors.flows_may_take_messages(conversation=conversation)):
        # Nothing to settle before thinking: unlocked reads instead of the locked check. A human or a
        # newer message arriving meanwhile is caught by `_apply` under the lock, as after the locked
        # check; a flow published or started meanwhile does not take this message, as after it.
        return None
    # A newer message overtook this one and no flow waits for an answer: its turn is merged under the lock whatever the
    # messages sent before it say, so they are not read for it (each merged turn of a backlog read up to nine: 60
    # visitors writing every 3 s, 20 messages a second, left the AI 80-140 s behind: trial 53)
    merged_anyway = overtaken and flow_selectors.active_run_for(conversation=conversation) is None
    person_asked_in = "" if merged_anyway else _person_asked_in_burst(conversation, message)
    with transaction.atomic():
        locked = services.message_turn_lock(message=message)
        if locked is None:
            return ""
        conversation, message = locked.conversation, locked
        if not conversation.ai_active and not services.handoff_withdraw_waiting(conversation=conversation,
                                                                                 message=message):
            # a human took over while the turn waited in the queue, or the turn is about the waiting handoff:
            # "anyone there?" is told where it stands; the message is the team's
            services.handoff_reassure_waiting(conversation=conversation, message=message)
            services.message_turn_settle(message=message, outcome=Message.TurnOutcome.HUMAN)
            return Message.TurnOutcome.HUMAN
        if _opens_a_channel_conversation(conversation, message):
            # Flows triggered by "conversation started" start first (the widget starts them when it opens
            # a conversation, before the visitor writes); the message then goes to them like any other.
            flow_services.flow_start_for_new_conversation(conversation=conversation)
        if _overtaken(conversation, message) and not flow_services.flow_takes_as_answer(conversation=conversation,
                                                                                         message=message):
            # the newer message's turn answers with the fuller context; a flow's question takes each message in
            # turn instead ("NW-24680" then "I want to talk to a person": the number is the answer, and the agent
            # the request brings in reads it; merged, it never reached the flow: re-trial of 3 Dec)
            services.message_turn_settle(message=message, outcome=Message.TurnOutcome.MERGED)
            return Message.TurnOutcome.MERGED
        if flow_services.flow_handle_message(conversation=conversation, message=message,
                                             person_asked_in=person_asked_in):
            services.message_turn_settle(message=message, outcome=Message.TurnOutcome.FLOW)
            _answer_merged_questions(conversation, message)
            return Message.TurnOutcome.FLOW
        services.message_turn_pass_flows(message=message)
    return None


def _person_asked_in_burst(conversation: Conversation, message: Message) -> str:
    """The message sent just before `message` (merged into its turn) that asks for a person, when `message` does not
    ask, decline or withdraw it itself; else "". A flow then neither starts on `message` nor takes it as the answer
    to its question: the visitor is handed off ("can I talk to a human please" then "where is my order?" got the
    order flow's question and nobody: trial of 3 Dec). Read before the turn's lock, as the plan is."""
    earlier = selectors.visitor_messages_unanswered_before(message=message, limit=EARLIER_QUESTIONS)
    if not earlier:
        return ""
    policy = routing_selectors.policy_for(workspace=conversation.workspace)
    if not policy.handoff_enabled or policy.level == HandoffPolicy.Level.AI_ONLY:
        return ""  # the assistant brings in nobody: the flow, whose Handoff steps still hand off, keeps its message
    try:
        bot = knowledge.assistant_for(workspace=conversation.workspace, policy=policy)
        history = _history(conversation, message)
        readings = tuple(bot.analyze(text, history, conversation.language) for text in earlier)
        if not any(reading.human_request.fired for reading in readings):
            return ""  # (most bursts: the newest message is not read twice)
        newest = bot.analyze(message.body, history, conversation.language)
    except TRANSIENT_ERRORS:
        raise
    except Exception:  # the flows take the message as before; the turn's own plan fails safe if this was the cause
        logger.exception("Assistant failed on the messages sent before message %s", message.pk)
        return ""
    if not asked_for_person_before(newest, readings, message.body):
        return ""
    return next(text for text, reading in zip(earlier, readings) if reading.human_request.fired)


def _answer_merged_questions(conversation: Conversation, message: Message) -> None:
    """Under the turn's lock, once a flow took `message`: the questions sent just before it, whose turns were merged
    into this one, still get their answers from the articles ("Can I pay with PayPal?", "Do you ship to Canada?"
    and "How do I track my order?" sent together got only the tracking flow's question: trial of 2 Dec). A
    question with no answer is left to the flow's outcome, as a turn leaves it to its handoff."""
    earlier = selectors.visitor_messages_unanswered_before(message=message, limit=EARLIER_QUESTIONS)
    conversation.refresh_from_db(fields=["status"])
    if not earlier or not conversation.ai_active:  # the flow handed off: the person reads them all
        return
    try:
        bot = knowledge.assistant_for(workspace=conversation.workspace,
                                      policy=routing_selectors.policy_for(workspace=conversation.workspace))
        history = _history(conversation, message)
        replies = _as_the_channel_says(conversation, bot, earlier_answers(
            tuple(bot.analyze(text, history, conversation.language) for text in earlier)), " ".join(earlier))
    except TRANSIENT_ERRORS:
        raise
    except Exception:  # the flow has its message: the assistant failing on the others must not undo that
        logger.exception("Assistant failed on the questions merged into message %s", message.pk)
        return
    for reply in replies:
        services.ai_reply_locked(conversation, body=reply.text, metadata=dict(reply.metadata), ask_if_helpful=True)


def _opens_a_channel_conversation(conversation: Conversation, message: Message) -> bool:
    """An email, SMS or phone conversation opens with the visitor's first message."""
    return conversation.channel != Conversation.Channel.WEB and not conversation.messages.filter(
        sender_type=Message.SenderType.VISITOR, id__lt=message.pk).exists()


def _overtaken(conversation: Conversation, message: Message) -> bool:
    """A newer visitor message has a turn of its own (one a human owned has none: this turn still answers)."""
    return conversation.messages.filter(sender_type=Message.SenderType.VISITOR, id__gt=message.pk).exclude(
        turn_outcome=Message.TurnOutcome.HUMAN).exists()


# --- snapshot and plan -----------------------------------------------------------------------


def _plan(conversation: Conversation, message: Message) -> TurnPlan:
    policy_row = routing_selectors.policy_for(workspace=conversation.workspace)
    policy = _policy(policy_row)
    memory = TurnMemory.from_dict(conversation.assistant_state)
    history = _history(conversation, message)
    facts = TurnFacts(history=tuple(history), contact=_contact(conversation),
                      reached_here=conversation.channel != Conversation.Channel.WEB,
                      assistant_failed=message.turn_attempts > MAX_TURN_ATTEMPTS,
                      withdrew_handoff=withdraws(message.body) and selectors.handoff_withdrawn_by(message=message))
    if facts.withdrew_handoff and not memory.language:  # the cancelled handoff took the memory with it
        memory = replace(memory, language=conversation.language)
    if facts.assistant_failed:
        logger.error("Turn on message %s taken up %s times: fail-safe", message.pk, message.turn_attempts)
        return plan_turn(policy, memory, None, message.body, facts)
    try:
        bot = knowledge.assistant_for(workspace=conversation.workspace, policy=policy_row)
        analysis = bot.analyze(message.body, history, conversation.language)
        if analysis.answer is None and withdraws(message.body) and (asked := what_follows_a_withdrawal(message.body)):
            # "no actually I dont need anyone, just tell me if the tent is waterproof": the question after the
            # withdrawal, read alone, when the whole message found no article (it was dropped: trial 28)
            analysis = replace(analysis, answer=bot.analyze(asked, history, conversation.language).answer)
        earlier = selectors.visitor_messages_unanswered_before(message=message, limit=EARLIER_QUESTIONS)
        if earlier:
            facts = replace(facts, earlier=tuple(bot.analyze(text, history, conversation.language) for text in earlier),
                            earlier_texts=tuple(earlier))
        plan = plan_turn(policy, memory, analysis, message.body, facts)
        if plan.consult_model:
            verdict = llm_turn.verdict(bot=bot, analysis=analysis, question=message.body, history=history,
                                       policy=policy_row, may_hand_off=plan.model_may_hand_off)
            plan = plan_turn(policy, memory, analysis, message.body, replace(facts, model=verdict))
        logger.info("Turn on conversation %s: %s (%s)", conversation.pk, plan.decision.action, plan.decision.why)
        return replace(plan, replies=_as_the_channel_says(conversation, bot, plan.replies, message.body))
    except TRANSIENT_ERRORS:
        raise  # the task retries: a database or broker blip is not the assistant's failure
    except Exception:
        logger.exception("Assistant failed on conversation %s; fail-safe", conversation.pk)
        return plan_turn(policy, memory, None, message.body, facts)


# Channels whose replies reach the visitor as text messages (a phone call's too, texted after the call)
TEXTED = frozenset({Conversation.Channel.SMS, Conversation.Channel.PHONE})


def _as_the_channel_says(conversation: Conversation, bot, replies: tuple[Reply, ...], question: str) -> tuple[Reply, ...]:
    """By text message, an answer from the articles is quoted briefly (`Assistant.brief`)."""
    if conversation.channel not in TEXTED:
        return replies
    return tuple(replace(r, text=bot.brief(r.text, question)) if r.kb_answer else r for r in replies)


def _policy(policy: HandoffPolicy) -> TurnPolicy:
    fields = tuple(FieldSpec(name=f.name, kind=f.kind, required=f.required, question=f.question, regex=f.regex)
                   for f in policy.gather_fields.all())
    return TurnPolicy(level=policy.level, handoff_enabled=policy.handoff_enabled, fields=fields,
                      uses_model=bool(settings.LLM_BASE_URL), fallback_phone=policy.fallback_phone)


def _contact(conversation: Conversation) -> dict[str, str]:
    contact = conversation.contact
    known = {k: str(v) for k, v in (contact.attributes or {}).items() if isinstance(v, str | int) and v != ""}
    known.update({k: v for k, v in (("name", contact.name), ("email", contact.email), ("phone", contact.phone)) if v})
    return known


def _history(conversation: Conversation, message: Message) -> list[Turn]:
    return [Turn(sender=sender, text=body)
            for sender, body in selectors.message_history(conversation=conversation, before=message.pk)]


# --- apply -----------------------------------------------------------------------------------


def _apply(conversation: Conversation, message: Message, plan: TurnPlan) -> str | None:
    """Write the plan and the message's outcome in one transaction, or nothing at all. Returns the outcome
    (None when another turn settled the message while this one thought)."""
    with transaction.atomic():
        locked = services.message_turn_lock(message=message)
        if locked is None:
            return None
        conversation = locked.conversation
        if not conversation.ai_active:
            services.message_turn_settle(message=locked, outcome=Message.TurnOutcome.HUMAN)
            return Message.TurnOutcome.HUMAN
        if _overtaken(conversation, locked):
            services.message_turn_settle(message=locked, outcome=Message.TurnOutcome.MERGED)
            return Message.TurnOutcome.MERGED
        services.conversation_remember(conversation=conversation, memory=plan.memory.to_dict(),
                                       language=plan.language)
        if plan.contact_updates:
            conversation.contact = services.contact_fill_details(contact=conversation.contact, details=[
                (u.kind, u.name, u.value) for u in plan.contact_updates])
        for reply in plan.replies:
            services.ai_reply_locked(conversation, body=reply.text, metadata=dict(reply.metadata),
                                     ask_if_helpful=reply.kb_answer)
        if plan.handoff is not None:  # not overtaken (checked above, under the same lock)
            services.handoff_request_locked(conversation, request=_handoff_request(conversation, plan))
        services.message_turn_settle(message=locked, outcome=Message.TurnOutcome(plan.outcome))
        if plan.resolve:  # "that answered my question": resolved by the AI, confirmed (CSAT per the policy)
            csat_services.conversation_resolve_by_ai(conversation_id=conversation.pk,
                                                     how=Conversation.AiResolution.CONFIRMED)
    return plan.outcome


def _handoff_request(conversation: Conversation, plan: TurnPlan) -> services.HandoffRequest:
    h = plan.handoff
    assert h is not None
    target = services.restricted_topic_target(workspace=conversation.workspace, topic=h.topic) or services.Target()
    priority, reasons = services.handoff_priority(conversation=conversation, restricted_topic=bool(h.topic),
                                                 frustrated=h.frustrated)
    summary, gathered = h.summary, dict(h.gathered)
    told_the_flow = {name: value for name, value in flow_selectors.flow_answers_for(conversation=conversation).items()
                     if name not in gathered}
    if summary.startswith(NOT_DESCRIBED) and (problem := flow_selectors.flow_problem_for(conversation=conversation)):
        summary = problem + summary[len(NOT_DESCRIBED):]  # "where is my order" went to the flow, not to the assistant
    if f"\n{NOTHING_TRIED}" in summary and (tried := flow_selectors.flow_tried_for(conversation=conversation)):
        summary = summary.replace(NOTHING_TRIED, f"AI tried: {tried}", 1)  # the flow answered (re-trial of 3 Dec)
    if told_the_flow:  # the flow asked first ("What's your order number?"): the agent reads the answer too
        summary += "\nTold a flow: " + "; ".join(f"{name}: {value}" for name, value in told_the_flow.items())
        gathered = {**told_the_flow, **gathered}
    return services.HandoffRequest(trigger=h.trigger, reason=h.reason, target=target, summary=summary,
                                   priority=priority, priority_reasons=reasons, gathered=gathered,
                                   language=h.language, notice=h.notice)


# --- a visitor who went quiet while a detail was asked -------------------------------------------


def hand_off_stalled_gathering(*, conversation_id: int, now, quiet_for) -> bool:
    """The AI promised a person and asked for a detail first; the visitor left. The handoff is made with what
    is known, so it shows under "Needs agent" instead of staying an open AI conversation for good. Claimed
    with SKIP LOCKED and re-checked under the lock: a visitor who wrote meanwhile keeps their turn. True when
    a handoff was made."""
    with transaction.atomic():
        conversation = (Conversation.objects.select_for_update(of=("self",), skip_locked=True)
                        .filter(pk=conversation_id, status=Conversation.Status.OPEN).first())
        if conversation is None or not selectors.stalled_gathering_ids(now=now, quiet_for=quiet_for,
                                                                        conversation_id=conversation.pk):
            return False
        policy = _policy(routing_selectors.policy_for(workspace=conversation.workspace))
        plan = plan_gathering_lapsed(policy, TurnMemory.from_dict(conversation.assistant_state))
        if plan is None:
            return False
        services.conversation_remember(conversation=conversation, memory=plan.memory.to_dict(), language=plan.language)
        if plan.handoff is None:
            return False
        services.handoff_request_locked(conversation, request=_handoff_request(conversation, plan))
        logger.info("Conversation %s: the visitor went quiet while details were asked; handed off", conversation.pk)
        return True
