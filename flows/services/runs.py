"""Flows on real conversations: start a run, resume it on a message or a webhook result, apply effects.

Concurrency: every entry point locks the conversation row, then the run row, reads the
run's state, calls the pure `flows.engine.advance`, and saves the new state with a
compare-and-swap on `steps` before applying any effect, all in one transaction. Two
messages arriving at once are therefore applied one after the other, each to the state
the other left: no node runs twice, and an effect is applied only with the state that
produced it. Side effects outside the database (the webhook call, real-time events)
happen after commit.

Let AI Answer: when nothing the visitor would see follows it in the same step (the
usual case: the flow ends, or only tags/attributes follow), `flow_handle_message`
saves the run and returns False, so the turn's assistant answers that message with its
whole machinery (knowledge base, LLM, handoff policy). When a message or question
follows it, the assistant's knowledge-base answer is sent right there instead, so the
visitor reads the answer before the flow's next question.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from conversations import selectors as conversation_selectors
from conversations import services as conversation_services
from conversations.assistant.engine import questions_in
from conversations.assistant.extract import ORDER
from conversations.assistant.phrases import phrase
from conversations.assistant.text import detect_language, sentences
from conversations.models import Contact, Conversation, Handoff, Message
from csat import services as csat_services
from flows import ending, selectors
from flows.document import (
    BUILTIN_INTENTS,
    Trigger,
    attribute_matches,
    code_match,
    examples_match,
    keywords_match,
    parse_trigger,
)
from flows.engine import (
    CallWebhook,
    Effect,
    EffectResult,
    Inbound,
    LetAIAnswer,
    Log,
    Reading,
    RequestHandoff,
    Resolve,
    RunAIAction,
    RunState,
    SendMessage,
    SetAttributes,
    Step,
    UpdateTags,
    advance,
    answers_the_question,
    for_a_person,
    handoff_for_a_reading,
)
from flows.graph import FlowGraph
from flows.models import Flow, FlowRun, FlowStepLog, FlowVersion
from flows.nodes import as_text
from flows.services import ai
from routing.models import Specialty, Team

if TYPE_CHECKING:
    from django.db.models import QuerySet

logger = logging.getLogger(__name__)
User = get_user_model()

RUN_IDLE_LIMIT = timedelta(hours=24)  # a run untouched this long is over; the visitor moved on


def max_steps() -> int:
    """Nodes one call may run without waiting for the visitor (a loop ends the run instead)."""
    return int(getattr(settings, "FLOWS_MAX_STEPS", 50))


class _RunMoved(Exception):
    """The run's state changed under us; never expected while the row is locked."""


# --- entry points --------------------------------------------------------------------------


def flow_start_for_new_conversation(*, conversation: Conversation) -> bool:
    """Start the highest-priority flow triggered by a new conversation ("conversation started", or a
    contact attribute the visitor came with). At most once per conversation: a redelivered task
    finds the run and does nothing. True when a flow started.
    """
    with transaction.atomic():
        conversation = conversation_services.lock_conversation(conversation)
        if not conversation.ai_active or FlowRun.objects.filter(conversation=conversation).exists():
            return False
        attributes = conversation.contact.attributes or {}

        def fires(flow: Flow, trigger: Trigger) -> str | None:
            if trigger.kind == "conversation_started":
                return "the conversation started"
            if trigger.kind == "attribute" and attribute_matches(trigger, attributes):
                return f"the contact's {trigger.attribute} matched"
            return None

        picked = _pick_flow(conversation, fires)
        if picked is None:
            return False
        run = _start_run(conversation, *picked)
        _drive(run, conversation, inbound=_inbound(conversation), message=None)
        return True


def flow_handle_message(*, conversation: Conversation, message: Message, person_asked_in: str = "") -> bool:
    """Give a visitor message to the conversation's flow: the active run, else a flow it triggers.

    True when a flow consumed the message (the assistant must not answer it too); False when
    no flow wants it, or a Let AI Answer leaves this message to the assistant. Safe to call
    twice with one message (the second call changes nothing) and concurrently with others.
    `person_asked_in`: a message sent just before this one asked for a person (the turn's burst). No flow
    starts on this message then (the assistant's turn hands off), and a question waiting for an answer
    escapes to a person as if this message had asked. Nor while the assistant prepares a handoff.
    """
    with transaction.atomic():
        conversation = conversation_services.lock_conversation(conversation)
        if not conversation.ai_active:
            return False
        run = selectors.active_run_for(conversation=conversation, lock=True)
        if run is not None and run.last_message_id is not None and message.pk <= run.last_message_id:
            return True  # this run already took this message (a redelivery, or a late duplicate turn)
        if run is not None:
            stale = _stale_reason(run, conversation)
            if stale:
                ending.end_run(run, conversation, reason="superseded", line=stale)
                run = None
        if run is not None and _asked_after(run, conversation, message):
            return False  # the assistant answers it; the question still waits for its answer
        if run is None:
            # (nor while the assistant asks for a detail before a handoff: "sure, it's kim@example.com and my order
            # number is NW-10001" is the answer, not the order flow's: the status came instead of the handoff, and the
            # email was lost: trial of 4 Dec)
            picked = None if person_asked_in or conversation_selectors.handoff_being_prepared(
                conversation=conversation) else _pick_flow(conversation, _message_trigger(conversation, message))
            if picked is None:
                return False
            run = _start_run(conversation, *picked, message=message)
            # the flow speaks the visitor's language from its first words ("¿dónde está mi pedido?"), as the
            # assistant does; the answers to its questions ("NW-10001") say too little to change it
            conversation_services.conversation_set_language(
                conversation=conversation, language=detect_language(message.body, conversation.language or "en"))
        inbound = replace(_inbound(conversation, text=message.body),
                          reading=_reading(run, conversation, message, person_asked_in))
        return _drive(run, conversation, inbound=inbound, message=message)


def _asked_after(run: FlowRun, conversation: Conversation, message: Message) -> bool:
    """On the web chat, the run's question was sent after the visitor wrote `message`: they had not seen it, so it is
    no answer to it ("How long does shipping take?" typed as the chat opened was read as the email a "conversation
    started" flow asked for a moment later: trial of 3 Dec). An email or SMS opens with the message the flow reads."""
    return (conversation.channel == Conversation.Channel.WEB
            and RunState.from_dict(run.state).status == "waiting_input"
            and Message.objects.filter(conversation_id=conversation.pk, id__gt=message.pk,
                                       metadata__flow_run=str(run.pk)).exists())


def flow_takes_as_answer(*, conversation: Conversation, message: Message) -> bool:
    """Under the caller's lock: the conversation's flow waits on a question and `message` answers it. The turn of a
    message a newer one overtook gives it to the flow then, instead of merging it into the newer one's turn."""
    run = selectors.active_run_for(conversation=conversation)
    if run is None or RunState.from_dict(run.state).status != "waiting_input":
        return False
    return answers_the_question(FlowGraph.from_document(run.version.graph), RunState.from_dict(run.state),
                                message.body, _reading(run, conversation, message))


def _reading(run: FlowRun, conversation: Conversation, message: Message,
             person_asked_in: str = "") -> Reading | None:
    """The assistant's reading of an answer to a waiting Collect Input (its escapes need it); with `person_asked_in`,
    read as asking for a person in those words."""
    if RunState.from_dict(run.state).status != "waiting_input":
        return None
    history = conversation_selectors.message_history(conversation=conversation, before=message.pk)
    reading = ai.reading(workspace=conversation.workspace, text=message.body, history=history)
    if person_asked_in:
        reading = replace(reading or Reading(), wants_person=True, asked_in=person_asked_in)
    return reading


def flow_resume_effect(*, run_id: int, result: EffectResult) -> bool:
    """Hand a webhook's outcome back to its run (the webhook task calls this). True if applied.

    A result for a step the run is no longer waiting on (a redelivered task, a run that
    ended meanwhile) is ignored.
    """
    with transaction.atomic():
        conversation_id = FlowRun.objects.filter(pk=run_id).values_list("conversation_id", flat=True).first()
        if conversation_id is None:
            return False
        conversation = conversation_services.lock_conversation(Conversation(pk=conversation_id))
        run = (FlowRun.objects.select_for_update(of=("self",)).select_related("flow", "version")
               .filter(pk=run_id, active=True).first())
        if run is None or run.pending_effect.get("step") != result.step:
            return False
        if not conversation.ai_active:
            ending.end_run(run, conversation, reason="superseded",
                           line="a person took over while the webhook ran; stopped")
            return False
        _drive(run, conversation, inbound=_inbound(conversation, effect_result=result), message=None)
        return True


# --- choosing and starting a flow ----------------------------------------------------------------


# Why a run started when a code in the message, not its words, fired the trigger
CODE_GIVEN = "the message gives a code like"


def _pick_flow(conversation: Conversation,
               fires: Callable[[Flow, Trigger], str | None]) -> tuple[Flow, FlowVersion, str] | None:
    """The first flow, by priority, whose published trigger fires: (flow, version, why)."""
    flows: QuerySet[Flow] = selectors.triggerable_flows(workspace=conversation.workspace)
    for flow in flows:
        version = flow.published_version
        trigger, problems = parse_trigger(version.trigger)
        if trigger is None or problems:
            continue
        why = fires(flow, trigger)
        if why:
            return flow, version, why
    return None


def _message_trigger(conversation: Conversation, message: Message) -> Callable[[Flow, Trigger], str | None]:
    detected: set[str] | None = None
    attributes = conversation.contact.attributes or {}

    for_the_team: bool | None = None

    def goes_to_the_team() -> bool:
        """The assistant reads the message as one for a person: asked for, upset, or on a restricted topic."""
        nonlocal for_the_team
        if for_the_team is None:
            seen = ai.reading(workspace=conversation.workspace, text=message.body,
                              history=conversation_selectors.message_history(conversation=conversation,
                                                                             before=message.pk))
            for_the_team = seen is not None and for_a_person(seen)
        return for_the_team

    def fires(flow: Flow, trigger: Trigger) -> str | None:
        nonlocal detected
        if trigger.kind == "keywords":
            keyword = keywords_match(trigger.keywords, message.body)
            if keyword:
                return f"the message mentions “{keyword}”"
            code = code_match(trigger.codes_like, message.body)
            # a code says which order, not what the visitor wants: "you charged me twice for order NW-10003" is a
            # billing dispute for the team, not the order's status (trial of 4 Dec)
            return f"{CODE_GIVEN} “{code}”" if code and not goes_to_the_team() else None
        if trigger.kind == "intent":
            if trigger.examples and examples_match(trigger.examples, message.body):
                return f"the message matches the intent “{trigger.intent}”"
            if trigger.intent in BUILTIN_INTENTS:
                if detected is None:
                    detected = ai.detected_intents(workspace=conversation.workspace, text=message.body,
                                                   history=conversation_selectors.message_history(
                                                       conversation=conversation, before=message.pk))
                if trigger.intent in detected:
                    return f"the assistant detected “{trigger.intent}”"
            return None
        if trigger.kind == "attribute" and attribute_matches(trigger, attributes):
            # An attribute is a standing fact, not an event: its flow runs once per conversation.
            if not FlowRun.objects.filter(conversation=conversation, flow=flow).exists():
                return f"the contact's {trigger.attribute} matched"
        return None

    return fires


def _start_run(conversation: Conversation, flow: Flow, version: FlowVersion, why: str,
               message: Message | None = None) -> FlowRun:
    # "wo ist meine Bestellung NW-10001? Und kann ich mit Klarna zahlen?" by email got the status alone (trial of 4 Dec)
    # (and "where is my order NW-10002 and how do I return it?", two questions in a sentence: trial of 4 Dec)
    says_more = message is not None and (why.startswith(CODE_GIVEN) or len(sentences(message.body)) > 1
                                         or len(questions_in(message.body)) > 1)
    run = FlowRun.objects.create(conversation=conversation, flow=flow, version=version, state=RunState().to_dict(),
                                 steps=0, answers_rest_of=message.pk if says_more else None)
    run.flow, run.version = flow, version
    ending.log_line(run, conversation, 0, f"started (v{version.number}) because {why}")
    return run


def _stale_reason(run: FlowRun, conversation: Conversation) -> str:
    """Why a still-active run should not take this message, or ""."""
    if run.updated_at < timezone.now() - RUN_IDLE_LIMIT:
        return "idle for too long; stopped"
    if Handoff.objects.filter(conversation=conversation, requested_at__gt=run.updated_at).exists():
        return "a person handled the conversation since; stopped"
    return ""


# --- running -----------------------------------------------------------------------------------------


def _inbound(conversation: Conversation, *, text: str | None = None,
             effect_result: EffectResult | None = None) -> Inbound:
    contact: Contact = conversation.contact
    fields = {k: v for k, v in (("name", contact.name), ("email", contact.email), ("phone", contact.phone)) if v}
    return Inbound(text=text, contact_attributes=dict(contact.attributes or {}), contact_fields=fields,
                   in_office_hours=selectors.workspace_in_office_hours(workspace=conversation.workspace),
                   effect_result=effect_result, language=conversation.language or "en")


def run_to_rest(graph: FlowGraph, state: RunState, inbound: Inbound, *, flow_name: str,
                on_ai_action: Callable[[RunAIAction], EffectResult],
                on_webhook: Callable[[CallWebhook], EffectResult] | None = None) -> tuple[Step, list[Effect]]:
    """`advance`, then feed back the results of inline effects until the run waits or ends.

    AI Actions are always answered inline; webhooks only when `on_webhook` is given (the
    test panel); otherwise the run is left waiting for the webhook task. Returns the last
    Step (its `path` covers every call) and every effect, in order.
    """
    limit = max_steps()
    step = advance(graph, state, inbound, flow_name=flow_name, max_steps=limit)
    effects, path = list(step.effects), list(step.path)
    attributes = dict(inbound.contact_attributes)
    for _ in range(limit):
        if step.state.status != "waiting_effect":
            break
        pending = _pending(step.effects)
        if isinstance(pending, RunAIAction):
            result = on_ai_action(pending)
        elif isinstance(pending, CallWebhook) and on_webhook is not None:
            result = on_webhook(pending)
        else:
            break
        for effect in step.effects:
            if isinstance(effect, SetAttributes):
                attributes.update(effect.values)
        resumed = replace(inbound, text=None, contact_attributes=attributes,
                          effect_result=replace(result, step=step.state.steps))
        step = advance(graph, step.state, resumed, flow_name=flow_name, max_steps=limit)
        effects += step.effects
        # The resumed node was already listed when the run stopped there.
        path += step.path[1:] if path and step.path[:1] == (path[-1],) else step.path
    else:
        if step.state.status == "waiting_effect":  # AI Actions chained past the step limit
            line = Log(f"flow {flow_name}: stopped after {limit} AI actions in a row; the flow probably loops")
            step = replace(step, state=replace(step.state, status="finished", end_reason="step_limit"))
            effects.append(line)
    return replace(step, path=tuple(path)), effects


def _pending(effects: tuple[Effect, ...]) -> Effect | None:
    return next((e for e in reversed(effects) if isinstance(e, RunAIAction | CallWebhook)), None)


def _drive(run: FlowRun, conversation: Conversation, *, inbound: Inbound, message: Message | None) -> bool:
    """Advance the run, save it (compare-and-swap on steps), then apply its effects in order."""
    graph = FlowGraph.from_document(run.version.graph)
    before = RunState.from_dict(run.state)
    step, effects = run_to_rest(graph, before, inbound, flow_name=run.flow.name, on_ai_action=ai.ai_action_result)
    state = step.state
    now = timezone.now()
    if state == before:
        # Nothing the run does with this input: a message while it waits for its webhook. The assistant's turn
        # answers it ("I want to talk to a person", sent while the order was looked up, was kept by the flow and
        # never answered, nor handed off: trial of 3 Dec); the webhook's result then goes on as before, or ends
        # the run if a person took over meanwhile.
        if message is not None:
            ending.log_line(run, conversation, state.steps,
                            "a message arrived while the webhook ran; the assistant answers it")
            return False
        return True
    pending: dict[str, Any] = {}
    hook = _pending(step.effects) if state.status == "waiting_effect" else None
    if isinstance(hook, CallWebhook):
        pending = {"step": state.steps, "node": state.node_id,
                   "payload": {**hook.payload, "conversation": _conversation_payload(conversation)}}
    changes: dict[str, Any] = {
        "state": state.to_dict(), "steps": state.steps, "active": not state.finished,
        "end_reason": state.end_reason, "pending_effect": pending, "updated_at": now,
        "finished_at": now if state.finished else None,
    }
    if message is not None:
        changes["last_message_id"] = message.pk
    if not FlowRun.objects.filter(pk=run.pk, steps=before.steps, active=True).update(**changes):
        raise _RunMoved(f"run {run.pk} moved on from step {before.steps}")
    _fill_contact(conversation, graph, before, state)
    consumed = _apply(run, conversation, effects, state=state, message=message)
    if run.answers_rest_of and not pending and state.status != "waiting_input" and state.end_reason != "visitor_left":
        _answer_the_rest(run, conversation, state)
    if pending:
        from flows.tasks import call_webhook_task  # Celery: the task module imports this one

        run_id, at = run.pk, state.steps
        # robust: a broker hiccup must not fail the visitor's turn; the sweep re-sends stuck calls.
        transaction.on_commit(lambda: call_webhook_task.delay(run_id, at), robust=True)
    return consumed


def _fill_contact(conversation: Conversation, graph: FlowGraph, before: RunState, state: RunState) -> None:
    """An email or phone the visitor just gave a flow's question fills the contact's empty field, as the policy's own
    gathering does (trial of 3 Dec: the agent saw "Visitor #49" with no address, the queue notice promised no email,
    and a reply the visitor missed was never mailed). Before the effects: a handoff's notice reads the contact."""
    details = []
    for node in graph.nodes:
        variable, kind = str(node.config.get("variable") or ""), node.config.get("kind")
        value = state.variables.get(variable)
        if (node.type == "collect_input" and kind in ("email", "phone") and value
                and value != before.variables.get(variable)):
            details.append((str(kind), variable, as_text(value)))
    if details:
        conversation.contact = conversation_services.contact_fill_details(contact=conversation.contact, details=details)


def _visible(effect: Effect) -> bool:
    return isinstance(effect, SendMessage | RequestHandoff | Resolve | LetAIAnswer)


def _apply(run: FlowRun, conversation: Conversation, effects: list[Effect], *, state: RunState,
           message: Message | None) -> bool:
    """Apply the effects in order; False when a Let AI Answer leaves the message to the assistant."""
    consumed = True
    name = run.flow.name
    for index, effect in enumerate(effects):
        if isinstance(effect, SendMessage):
            if effect.text.strip():
                metadata: dict[str, Any] = {**effect.metadata, "flow": name, "flow_run": str(run.pk)}
                if effect.quick_replies:
                    metadata["quick_replies"] = list(effect.quick_replies)
                conversation_services.ai_reply(conversation=conversation, body=effect.text, metadata=metadata)
        elif isinstance(effect, Log):
            FlowStepLog.objects.create(run=run, conversation=conversation, step=state.steps, flow_name=name,
                                       text=effect.text[:500])
        elif isinstance(effect, LetAIAnswer):
            text = message.body if message is not None else state.last_message
            later = any(_visible(e) for e in effects[index + 1:])
            if message is not None and not later:
                consumed = False  # the turn's assistant answers this very message next
            elif text:
                _answer_now(run, conversation, text)
            else:
                ending.log_line(run, conversation, state.steps, "no visitor message for the AI to answer yet")
        elif isinstance(effect, RequestHandoff):
            _handoff(run, conversation, effect, state)
        elif isinstance(effect, Resolve):
            csat_services.conversation_resolve(
                conversation=conversation, resolution=effect.resolution, by_kind=Conversation.ResolvedBy.FLOW,
                csat=effect.csat, csat_delay_seconds=effect.csat_delay_seconds)
        elif isinstance(effect, UpdateTags):
            conversation.tags = conversation_services.conversation_update_tags(conversation=conversation,
                                                                               change=effect.applied_to)
        elif isinstance(effect, SetAttributes):
            conversation.contact = conversation_services.contact_update_attributes(contact_id=conversation.contact_id,
                                                                                   values=effect.values)
        # RunAIAction was answered inline; CallWebhook is queued by the caller after commit.
    return consumed


def _answer_the_rest(run: FlowRun, conversation: Conversation, state: RunState) -> None:
    """The run came to rest, its lookup done and no question waiting: what else the message that started it asks is
    answered from the articles, after it ("I want to return order NW-10001": the order's status, then the returns
    answer; the answer came first while the lookup ran: trial of 4 Dec); a rest for a person (asked for, upset, a
    restricted topic) hands off after it. Once; not when the flow handed off (the person reads it)."""
    message_id, run.answers_rest_of = run.answers_rest_of, None
    FlowRun.objects.filter(pk=run.pk).update(answers_rest_of=None)
    message = Message.objects.filter(pk=message_id, conversation=conversation).first()
    conversation.refresh_from_db(fields=["status"])
    if message is None or not conversation.ai_active:
        return
    rest = ORDER.sub(" ", message.body)  # the code is the flow's
    if len(re.findall(r"[^\W\d_]{2,}", rest)) < 2:
        return  # "it's NW-10002" asks nothing else (it was answered from the history: "Once an order has shipped it
        # can no longer be changed", for an order not shipped: re-trial of 4 Dec)
    try:
        history = conversation_selectors.message_history(conversation=conversation, before=message.pk)
        seen = ai.reading(workspace=conversation.workspace, text=rest, history=history)
        for_the_team = seen is not None and for_a_person(seen)
        answer = None if for_the_team else ai.ai_answer_besides(
            workspace=conversation.workspace, text=rest, flow_name=run.flow.name, history=history)
    except Exception:  # the flow has answered; the assistant failing on the rest must not undo that
        logger.exception("Answering the rest of message %s failed", message.pk)
        return
    if for_the_team:
        # "I was charged but NW-10002 says processing": the order's status, then the Billing team, not the status
        # alone (re-trial of 4 Dec)
        graph = FlowGraph.from_document(run.version.graph)
        _handoff(run, conversation, handoff_for_a_reading(graph, message.body, seen), state)
        return
    if answer is not None:
        conversation_services.ai_reply(conversation=conversation, body=answer.text,
                                       metadata={**answer.metadata, "flow": run.flow.name}, ask_if_helpful=True)


def _answer_now(run: FlowRun, conversation: Conversation, text: str) -> None:
    lang = conversation.language or "en"
    try:
        history = conversation_selectors.message_history(conversation=conversation)
        answer = ai.ai_answer(workspace=conversation.workspace, text=text, history=history)
    except Exception:  # the flow goes on; the visitor is told the AI cannot answer
        logger.exception("Let AI Answer failed on conversation %s", conversation.pk)
        answer = None
    if answer is None:
        conversation_services.ai_reply(conversation=conversation, body=phrase("cannot_answer", lang),
                                       metadata={"flow": run.flow.name})
        return
    conversation_services.ai_reply(conversation=conversation, body=answer.text,
                                   metadata={**answer.metadata, "flow": run.flow.name})


def _target(conversation: Conversation, kind: str, name: str) -> conversation_services.Target | None:
    workspace = conversation.workspace
    if kind == "team":
        team = Team.objects.filter(workspace=workspace, name=name).first()
        return conversation_services.Target(kind, team=team) if team else None
    if kind == "specialty":
        specialty = Specialty.objects.filter(workspace=workspace, name=name).first()
        return conversation_services.Target(kind, specialty=specialty) if specialty else None
    user = User.objects.filter(username=name, is_active=True, agent__workspace=workspace).first()
    return conversation_services.Target(kind, user=user) if user else None


def _handoff(run: FlowRun, conversation: Conversation, effect: RequestHandoff, state: RunState) -> None:
    target = conversation_services.restricted_topic_target(workspace=conversation.workspace, topic=effect.topic)
    if target is None:
        target = _target(conversation, effect.target_kind, effect.target_name) if effect.target_kind else \
            conversation_services.Target()  # no target of its own: the workspace's routing
    if target is None:
        ending.log_line(run, conversation, state.steps, f"no {effect.target_kind} named {effect.target_name} any more; "
                                                        "handed off to the workspace's default target")
        target = conversation_services.Target()
    # what the visitor gave is "gathered"; what the flow found out itself (a webhook's `order_found`) is only told
    given = FlowGraph.from_document(run.version.graph or {}).visitor_variables
    gathered = {k: as_text(v) for k, v in state.variables.items() if k in given}
    # (not the flow's own counters: "lookup_tries: 1" beside the order not found read as a finding: trial 55)
    found = {k: as_text(v) for k, v in state.variables.items() if k not in given and not _COUNTER.search(k)}
    lines = [f"Flow “{run.flow.name}” handed off: {effect.reason}."]
    if problem := selectors.flow_problem(run):  # what the visitor wanted, in their words (re-trial of 3 Dec)
        lines.insert(0, problem)
    if gathered:
        lines.append("Collected: " + "; ".join(f"{k}: {v}" + (" (not found)" if _not_found(k, found) else "")
                                               for k, v in gathered.items()) + ".")
    if found:
        lines.append("The flow found: " + "; ".join(f"{k}: {v}" for k, v in found.items()) + ".")
    if state.last_message:
        lines.append(f"Last visitor message: “{state.last_message[:300]}”")
    # (a visitor who escaped the flow is prioritised like one outside it: a restricted topic or anger counts, and so
    # does anger in the message that started it: "This is the third time I'm asking. Your service is a joke. Where is
    # my order??" went to Support at normal priority when the order was not found: trial of 4 Dec)
    # (and a restricted topic in it: "I was double charged" was high priority outside the Billing flow and normal
    # through it: trial of 4 Dec)
    started = _started_reading(run, conversation)
    priority, reasons = conversation_services.handoff_priority(
        conversation=conversation, restricted_topic=bool(effect.topic or (started and started.topic)),
        frustrated=effect.notice == "sorry" or bool(started and started.upset))
    request = conversation_services.HandoffRequest(
        trigger=effect.trigger, reason=effect.reason, target=target, summary="\n".join(lines), priority=priority,
        priority_reasons=reasons, gathered=gathered, language=effect.language or conversation.language or "en",
        notice=effect.notice)
    conversation_services.handoff_request(conversation=conversation, request=request)


_COUNTER = re.compile(r"(?:^|_)(?:tries|attempts|retries|count|counter|loops?)$")


def _not_found(variable: str, found: dict[str, str]) -> bool:
    """The flow found that what the visitor gave does not exist: `order_number` given, `order_found` false. The
    summary read "Collected: order_number: ORD-12e45" as if it were a real order, with "order_found: false" lines
    below it (trial 55)."""
    stem = variable.removesuffix("_number").removesuffix("_id").removesuffix("_code")
    return any(name.startswith(stem) and name.endswith("_found") and value == "false" for name, value in found.items())


def _started_reading(run: FlowRun, conversation: Conversation):
    """How the visitor's message that started the run reads (upset, a restricted topic), or None without one."""
    started_by = selectors.flow_started_by(run)
    return ai.reading(workspace=conversation.workspace, text=started_by) if started_by else None


def _conversation_payload(conversation: Conversation) -> dict[str, Any]:
    """What a webhook learns about the conversation (no message history, no tokens)."""
    return {"id": str(conversation.pk), "channel": conversation.channel, "status": conversation.status,
            "tags": list(conversation.tags or []), "language": conversation.language or ""}
