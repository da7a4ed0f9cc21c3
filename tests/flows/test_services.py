"""Flows on real conversations: triggers, each node type's effect, versions, the step limit, concurrency."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from conversations.models import Conversation, Handoff, Message
from flows import selectors, services
from flows.engine import RunState
from flows.models import Flow, FlowRun, FlowStepLog, FlowVersion
from flows.services import ai
from helpdesk.errors import DomainError
from tests import factories
from tests.flows.conftest import bot_texts, graph_document, log_texts

ASK_EMAIL = ("ask", "collect_input", {"variable": "email", "question": "Your email?", "kind": "email"})
THANKS = ("thanks", "message", {"text": "Thanks, {{email}}! Passing you to Billing."})
HANDOFF = ("handoff", "handoff", {"target": {"kind": "team", "name": "Billing"}, "reason": "Billing question"})


# --- triggers -------------------------------------------------------------------------------


def test_no_flow_leaves_the_message_to_the_assistant(conversation, deliver):
    _, consumed = deliver(conversation, "hello there")

    assert consumed is False
    assert not FlowRun.objects.exists()
    assert bot_texts(conversation) == []


def test_keyword_starts_the_flow_and_the_run_waits_for_the_answer(conversation, deliver, make_flow, billing_team):
    flow = make_flow([ASK_EMAIL, THANKS, HANDOFF])

    _, consumed = deliver(conversation, "Question about my BILLING please")

    assert consumed is True
    run = FlowRun.objects.get()
    assert (run.flow_id, run.active, run.version.number) == (flow.pk, True, 1)
    assert run.state["status"] == "waiting_input" and run.state["node_id"] == "ask"
    message = conversation.messages.get(sender_type="ai")
    assert message.body == "Your email?"
    assert message.metadata["flow"] == "Billing"
    assert log_texts(conversation) == [
        "flow Billing: started (v1) because the message mentions “billing”",
        "flow Billing: asked for email",
    ]


def test_a_keyword_inside_another_word_does_not_trigger(conversation, deliver, make_flow):
    make_flow([ASK_EMAIL], trigger={"kind": "keywords", "keywords": ["bill"]})

    _, consumed = deliver(conversation, "my billing address")

    assert consumed is False


def test_the_highest_priority_flow_wins(conversation, deliver, make_flow):
    make_flow([("a", "message", {"text": "low"})], name="Low", priority=1)
    make_flow([("a", "message", {"text": "high"})], name="High", priority=5)

    deliver(conversation, "billing")

    assert bot_texts(conversation) == ["high"]


def test_disabled_and_unpublished_flows_never_start(conversation, deliver, make_flow):
    make_flow([("a", "message", {"text": "off"})], name="Off", enabled=False)
    make_flow([("a", "message", {"text": "draft"})], name="Draft", published=False)

    _, consumed = deliver(conversation, "billing")

    assert consumed is False and bot_texts(conversation) == []


def test_intent_by_examples(conversation, deliver, make_flow):
    make_flow([("a", "message", {"text": "Let me check your order."})],
              trigger={"kind": "intent", "intent": "order_status", "examples": ["where is my parcel"]})

    deliver(conversation, "hi, where is my parcel??")

    assert bot_texts(conversation) == ["Let me check your order."]


def test_builtin_intent_uses_the_assistant(conversation, deliver, make_flow, monkeypatch):
    make_flow([("a", "message", {"text": "A person will help."})],
              trigger={"kind": "intent", "intent": "human_request"})
    monkeypatch.setattr(ai, "detected_intents", lambda **kw: {"human_request"} if "human" in kw["text"] else set())

    _, first = deliver(conversation, "what are your hours")
    _, second = deliver(conversation, "a human please")

    assert (first, second) == (False, True)
    assert bot_texts(conversation) == ["A person will help."]


def test_asked_if_it_is_a_bot_a_flow_hears_a_wish_for_a_person(conversation):
    """A flow cannot offer a person as the assistant's own turn does: "are you a bot?" brings one in."""
    workspace = conversation.workspace
    assert "human_request" in ai.detected_intents(workspace=workspace, text="Sind Sie ein Roboter?")
    assert ai.reading(workspace=workspace, text="am I writing to a real human?").wants_person
    assert not ai.reading(workspace=workspace, text="Is this jacket machine washable?").wants_person


def test_attribute_trigger_runs_once_per_conversation(conversation, deliver, make_flow):
    conversation.contact.attributes = {"plan": "Pro"}
    conversation.contact.save()
    make_flow([("a", "message", {"text": "Hello, Pro customer!"})],
              trigger={"kind": "attribute", "attribute": "plan", "value": "pro"})

    deliver(conversation, "hi")
    _, again = deliver(conversation, "hi again")

    assert bot_texts(conversation) == ["Hello, Pro customer!"]
    assert again is False


def test_conversation_started_trigger_runs_once(conversation, make_flow, django_capture_on_commit_callbacks):
    make_flow([("hi", "message", {"text": "Welcome! Ask me about orders."})],
              trigger={"kind": "conversation_started"})

    with django_capture_on_commit_callbacks(execute=True):
        assert services.flow_start_for_new_conversation(conversation=conversation) is True
        assert services.flow_start_for_new_conversation(conversation=conversation) is False  # a redelivery

    assert bot_texts(conversation) == ["Welcome! Ask me about orders."]
    assert FlowRun.objects.get().end_reason == "completed"


def test_conversation_started_flow_waits_for_the_first_message(conversation, deliver, make_flow, billing_team):
    make_flow([ASK_EMAIL, THANKS, HANDOFF], trigger={"kind": "conversation_started"})
    services.flow_start_for_new_conversation(conversation=conversation)

    _, consumed = deliver(conversation, "me@example.org")

    assert consumed is True
    assert bot_texts(conversation) == ["Your email?", "Thanks, me@example.org! Passing you to Billing."]


def test_a_message_written_before_the_flows_first_question_is_no_answer_to_it(conversation, make_flow):
    """Trial of 3 Dec: the visitor's first message, stored just before the "conversation started" flow asked for an
    email, was taken as the email. It is the assistant's; the question still waits."""
    make_flow([ASK_EMAIL, THANKS], trigger={"kind": "conversation_started"})
    early = Message.objects.create(conversation=conversation, sender_type="visitor", body="How long does shipping take?")
    services.flow_start_for_new_conversation(conversation=conversation)

    assert services.flow_handle_message(conversation=conversation, message=early) is False
    run = FlowRun.objects.get()
    assert run.state["status"] == "waiting_input" and "email" not in run.state["variables"]
    assert bot_texts(conversation) == ["Your email?"]
    answer = Message.objects.create(conversation=conversation, sender_type="visitor", body="me@example.org")
    assert services.flow_handle_message(conversation=conversation, message=answer) is True
    assert FlowRun.objects.get().state["variables"]["email"] == "me@example.org"


def test_start_skips_a_conversation_a_human_owns(conversation, make_flow):
    make_flow([("hi", "message", {"text": "Welcome"})], trigger={"kind": "conversation_started"})
    Conversation.objects.filter(pk=conversation.pk).update(status="assigned")
    conversation.refresh_from_db()

    assert services.flow_start_for_new_conversation(conversation=conversation) is False
    assert not FlowRun.objects.exists()


# --- node types -------------------------------------------------------------------------------


def test_collect_input_then_handoff_to_a_team(conversation, deliver, make_flow, billing_team, published,
                                              django_capture_on_commit_callbacks):
    make_flow([ASK_EMAIL, THANKS, HANDOFF])
    deliver(conversation, "billing")

    _, consumed = deliver(conversation, "  jane@example.org ")

    assert consumed is True
    handoff = Handoff.objects.get(conversation=conversation)
    assert (handoff.trigger, handoff.target_kind, handoff.target_team, handoff.reason) == (
        "flow", "team", billing_team, "Billing question")
    assert handoff.gathered == {"email": "jane@example.org"}
    assert "Billing question" in handoff.summary and "jane@example.org" in handoff.summary
    # the contact has the address now (trial of 3 Dec: "Visitor #49", no email, no missed-reply mail)
    conversation.contact.refresh_from_db()
    assert conversation.contact.email == "jane@example.org"
    notice = conversation.messages.filter(sender_type="system").order_by("-id").first()
    assert notice is not None and "jane@example.org" in notice.body, notice and notice.body
    conversation.refresh_from_db()
    assert conversation.status == "pending_human" and conversation.team == billing_team
    run = FlowRun.objects.get()
    assert (run.active, run.end_reason) == (False, "handed_off")
    assert bot_texts(conversation)[-1] == "Thanks, jane@example.org! Passing you to Billing."
    assert log_texts(conversation)[-3:] == [
        "flow Billing: collected email", "flow Billing: sent message thanks",
        "flow Billing: handed off to team Billing"]


def test_invalid_answer_is_asked_again(conversation, deliver, make_flow):
    make_flow([ASK_EMAIL, THANKS])
    deliver(conversation, "billing")

    deliver(conversation, "not an email")

    assert bot_texts(conversation) == ["Your email?", "That doesn't look like an email address. Your email?"]
    assert FlowRun.objects.get().state["status"] == "waiting_input"
    assert "flow Billing: email was not valid, asked again (1/3)" in log_texts(conversation)


def test_collect_input_is_skipped_when_the_contact_already_gave_it(conversation, deliver, make_flow):
    conversation.contact.email = "known@example.org"
    conversation.contact.save()
    make_flow([ASK_EMAIL, THANKS])

    deliver(conversation, "billing")

    assert bot_texts(conversation) == ["Thanks, known@example.org! Passing you to Billing."]
    assert "flow Billing: email already known, skipped the question" in log_texts(conversation)


def test_choice_sends_quick_replies(conversation, deliver, make_flow):
    make_flow([("pick", "collect_input", {"variable": "topic", "question": "Which one?", "kind": "choice",
                                          "choices": ["Invoice", "Refund"]}),
               ("said", "message", {"text": "You chose {{topic}}"})])

    deliver(conversation, "billing")
    deliver(conversation, "2")

    ask = conversation.messages.filter(sender_type="ai").first()
    assert ask.metadata["quick_replies"] == ["Invoice", "Refund"]
    assert bot_texts(conversation)[-1] == "You chose Refund"


def test_branch_on_attribute_and_office_hours(conversation, deliver, make_flow, workspace):
    closed = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    factories.TeamFactory(workspace=workspace, name="Night", office_hours=closed)
    conversation.contact.attributes = {"vip": True}
    conversation.contact.save()
    nodes = [
        ("b", "branch", {"conditions": [{"label": "open", "op": "in_office_hours", "value": True},
                                        {"label": "vip", "attribute": "vip", "op": "eq", "value": True}]}),
        ("open", "message", {"text": "We are open"}),
        ("vip", "message", {"text": "Hello VIP"}),
        ("other", "message", {"text": "Hello"}),
    ]
    make_flow(nodes, [("b", "open", "open"), ("b", "vip", "vip"), ("b", "other", "else")])

    deliver(conversation, "billing")

    assert bot_texts(conversation) == ["Hello VIP"]  # the only team is closed all week


def test_branch_on_message_text(conversation, deliver, make_flow):
    nodes = [("b", "branch", {"conditions": [{"label": "refund", "message": True, "op": "contains",
                                              "value": "refund"}]}),
             ("r", "message", {"text": "Refunds take 5 days"}), ("o", "message", {"text": "Other"})]
    make_flow(nodes, [("b", "r", "refund"), ("b", "o", "else")])

    deliver(conversation, "billing: where is my REFUND")

    assert bot_texts(conversation) == ["Refunds take 5 days"]


def test_let_ai_answer_at_the_end_leaves_the_message_to_the_assistant(conversation, deliver, make_flow):
    make_flow([("tag", "action", {"add_tags": ["billing"]}), ("ai", "ai_answer", {})])

    _, consumed = deliver(conversation, "billing question")

    assert consumed is False  # the turn's assistant answers this message itself
    conversation.refresh_from_db()
    assert conversation.tags == ["billing"]
    assert FlowRun.objects.get().end_reason == "completed"


def test_let_ai_answer_followed_by_a_question_answers_in_order(conversation, deliver, make_flow, monkeypatch):
    seen = []

    def answer(*, workspace, text, history=None):
        seen.append(text)
        return ai.AIAnswer(text="Invoices are in your account page.", metadata={"confidence": 0.9})

    monkeypatch.setattr(ai, "ai_answer", answer)
    make_flow([("ai", "ai_answer", {}),
               ("ok", "collect_input", {"variable": "helped", "question": "Did that help?", "kind": "choice",
                                        "choices": ["Yes", "No"]})])

    _, consumed = deliver(conversation, "billing: where are my invoices?")

    assert consumed is True and seen == ["billing: where are my invoices?"]
    assert bot_texts(conversation) == ["Invoices are in your account page.", "Did that help?"]


def test_ai_action_classifies_into_a_variable(conversation, deliver, make_flow):
    nodes = [("c", "ai_action", {"task": "classify", "variable": "topic", "labels": ["refund", "invoice"]}),
             ("m", "message", {"text": "Topic: {{topic}}"})]
    make_flow(nodes)

    deliver(conversation, "billing - I need a copy of my invoice")

    assert bot_texts(conversation) == ["Topic: invoice"]
    assert FlowRun.objects.get().state["variables"] == {"topic": "invoice"}


def test_ai_action_extract_failure_takes_the_error_edge(conversation, deliver, make_flow):
    nodes = [("x", "ai_action", {"task": "extract", "variable": "order_number"}),
             ("ok", "message", {"text": "Order {{order_number}}"}), ("no", "message", {"text": "No order number"})]
    make_flow(nodes, [("x", "ok", "next"), ("x", "no", "error")])

    deliver(conversation, "billing for my order please")
    assert bot_texts(conversation) == ["No order number"]

    FlowRun.objects.all().delete()
    deliver(conversation, "billing for order A-10234")
    assert bot_texts(conversation)[-1] == "Order A-10234"


def test_resolve_closes_the_conversation_as_the_flow(conversation, deliver, make_flow):
    make_flow([("bye", "message", {"text": "Glad to help!"}),
               ("done", "resolve", {"resolution": "no_action_needed", "csat": False})])

    deliver(conversation, "billing")

    conversation.refresh_from_db()
    assert (conversation.status, conversation.resolution, conversation.resolved_by_kind) == (
        "resolved", "no_action_needed", "flow")
    assert FlowRun.objects.get().end_reason == "resolved"


def test_resolve_with_csat_schedules_a_survey_after_the_delay(conversation, deliver, make_flow):
    from csat.models import Survey

    make_flow([("done", "resolve", {"resolution": "resolved", "csat": True, "csat_delay_seconds": 120})])

    deliver(conversation, "billing")

    survey = Survey.objects.get(conversation=conversation)
    conversation.refresh_from_db()
    assert (survey.due_at - conversation.resolved_at).total_seconds() == 120


def test_action_tags_and_sets_attributes(conversation, deliver, make_flow, published):
    conversation.tags = ["old", "vip"]
    conversation.save()
    make_flow([("ask", "collect_input", {"variable": "plan", "question": "Plan?"}),
               ("act", "action", {"add_tags": ["billing"], "remove_tags": ["old"],
                                  "set_attributes": {"plan": "{{plan}}", "asked_billing": True}})])

    deliver(conversation, "billing")
    deliver(conversation, "Pro")

    conversation.refresh_from_db()
    conversation.contact.refresh_from_db()
    assert conversation.tags == ["vip", "billing"]
    assert conversation.contact.attributes == {"plan": "Pro", "asked_billing": True}
    assert any(e["type"] == "conversation.updated" for e in published)


def test_webhook_node_queues_the_call_after_commit(conversation, deliver, make_flow, monkeypatch):
    from flows import tasks

    calls = []
    monkeypatch.setattr(tasks.call_webhook_task, "delay", lambda *args: calls.append(args))
    make_flow([("ask", "collect_input", {"variable": "order", "question": "Order?"}),
               ("hook", "webhook", {"url": "https://hooks.example.org/orders", "secret": "s"}),
               ("m", "message", {"text": "Status: {{status}}"})])
    deliver(conversation, "billing")

    deliver(conversation, "NW-1")

    run = FlowRun.objects.get()
    assert run.state["status"] == "waiting_effect"
    assert calls == [(run.pk, run.steps)]
    payload = run.pending_effect["payload"]
    assert run.pending_effect["step"] == run.steps and run.pending_effect["node"] == "hook"
    assert payload["variables"] == {"order": "NW-1"} and payload["flow"] == "Billing"
    assert payload["conversation"]["id"] == str(conversation.pk)

    # while the webhook runs, a message is the assistant's to answer (kept by the flow, it was never answered)
    _, consumed = deliver(conversation, "hello?")
    assert consumed is False and FlowRun.objects.get().steps == run.steps


def test_a_flows_handoff_gathers_what_the_visitor_gave_not_what_a_webhook_found(conversation, deliver, make_flow,
                                                                                  billing_team, monkeypatch):
    """Trial of 3 Dec: the handoff's "gathered" listed `order_found: false`, as if the visitor had said it. The
    webhook's findings are in the summary, said as the flow's."""
    from flows import tasks
    from flows.engine import EffectResult

    monkeypatch.setattr(tasks.call_webhook_task, "delay", lambda *args: None)
    make_flow([("ask", "collect_input", {"variable": "order", "question": "Order?"}),
               ("count", "action", {"count": ["lookup_tries"]}),
               ("hook", "webhook", {"url": "https://hooks.example.org/orders", "secret": "s",
                                    "map": {"order_found": "found"}}),
               HANDOFF])
    deliver(conversation, "billing")
    deliver(conversation, "NW-1")
    run = FlowRun.objects.get()

    assert services.flow_resume_effect(run_id=run.pk, result=EffectResult(ok=True, json={"found": False},
                                                                          step=run.steps))

    handoff = Handoff.objects.get(conversation=conversation)
    assert handoff.gathered == {"order": "NW-1"}
    # (what was given and not found says so where it is listed: trial 55)
    assert "Collected: order: NW-1 (not found)." in handoff.summary
    assert "The flow found: order_found: false." in handoff.summary
    assert "lookup_tries" not in handoff.summary, "the flow's own counter is no finding (trial 55)"
    # what the visitor wanted opens it (re-trial of 3 Dec: only the flow's own words)
    assert handoff.summary.startswith("Problem: “billing” (started the flow"), handoff.summary


def test_handoff_to_a_specialty_round_robins(conversation, deliver, make_flow, workspace):
    refunds = factories.SpecialtyFactory(workspace=workspace, name="refunds")
    agent = factories.AgentFactory(workspace=workspace, specialties=[refunds]).user
    make_flow([("h", "handoff", {"target": {"kind": "specialty", "name": "refunds"}, "reason": "Refund"})])

    deliver(conversation, "billing")

    handoff = Handoff.objects.get()
    assert (handoff.target_kind, handoff.assigned_to) == ("specialty", agent)


def test_handoff_to_a_user(conversation, deliver, make_flow, agent):
    make_flow([("h", "handoff", {"target": {"kind": "user", "name": "ana"}, "reason": "VIP account manager"})])

    deliver(conversation, "billing")

    handoff = Handoff.objects.get()
    assert (handoff.target_kind, handoff.target_user, handoff.assigned_to) == ("user", agent, agent)


# --- versions, limits, stale runs ----------------------------------------------------------------


def test_a_running_conversation_keeps_its_version(conversation, deliver, make_flow, billing_team):
    flow = make_flow([ASK_EMAIL, ("m", "message", {"text": "Version one"})])
    deliver(conversation, "billing")
    services.flow_update_draft(flow=flow, nodes=graph_document([ASK_EMAIL, ("m", "message",
                                                                             {"text": "Version two"})])["nodes"])
    services.flow_publish(flow=flow)

    deliver(conversation, "a@example.org")

    assert bot_texts(conversation)[-1] == "Version one"
    other = factories.ConversationFactory(workspace=conversation.workspace)
    deliver(other, "billing")
    deliver(other, "b@example.org")
    assert bot_texts(other)[-1] == "Version two"
    assert FlowRun.objects.get(conversation=other).version.number == 2


def test_a_loop_without_input_stops_at_the_step_limit(conversation, deliver, workspace, settings):
    settings.FLOWS_MAX_STEPS = 10
    # Validation refuses such a loop, so this version is written directly, as an old one could be.
    doc = graph_document([("a", "action", {"add_tags": ["x"]}), ("b", "action", {"remove_tags": ["x"]})],
                         [("a", "b", "next"), ("b", "a", "next")])
    flow = Flow.objects.create(workspace=workspace, name="Loop", trigger={"kind": "keywords", "keywords": ["loop"]},
                               graph=doc)
    flow.published_version = FlowVersion.objects.create(flow=flow, number=1, trigger=flow.trigger, graph=doc)
    flow.save()

    _, consumed = deliver(conversation, "loop")

    run = FlowRun.objects.get()
    assert consumed is True and (run.active, run.end_reason, run.steps) == (False, "step_limit", 10)
    assert "stopped after 10 steps" in log_texts(conversation)[-1]


def test_a_run_superseded_by_a_human_does_not_take_the_next_message(conversation, deliver, make_flow, agent):
    make_flow([ASK_EMAIL, THANKS])
    deliver(conversation, "billing")
    factories.HandoffFactory(conversation=conversation, trigger="agent", status="cancelled")

    _, consumed = deliver(conversation, "x@example.org")

    assert consumed is False
    run = FlowRun.objects.get()
    assert (run.active, run.end_reason) == (False, "superseded")


def test_a_message_the_run_already_took_is_not_taken_again(conversation, deliver, make_flow):
    make_flow([ASK_EMAIL, ("m", "message", {"text": "done"}), ("n", "collect_input",
                                                                {"variable": "x", "question": "More?"})])
    deliver(conversation, "billing")
    message, _ = deliver(conversation, "a@example.org")

    again = services.flow_handle_message(conversation=conversation, message=message)

    assert again is True
    assert bot_texts(conversation) == ["Your email?", "done", "More?"]


def test_flow_end_runs_and_the_log_selector(conversation, deliver, make_flow):
    make_flow([ASK_EMAIL, THANKS])
    deliver(conversation, "billing")

    assert services.flow_end_runs(conversation=conversation, reason="resolved") == 1
    assert services.flow_end_runs(conversation=conversation) == 0

    log = selectors.flow_log_for(conversation)
    assert [e["text"] for e in log][-1] == "flow Billing: ended (resolved)"
    assert set(log[0]) == {"id", "flow", "run", "text", "created_at"} and log[0]["flow"] == "Billing"
    assert not FlowRun.objects.filter(active=True).exists()


def test_deleting_a_flow_keeps_what_it_did_and_ends_its_running_conversations(conversation, deliver, make_flow,
                                                                                workspace):
    """Trial of 3 Dec: deleting a flow deleted its runs' log, so past conversations lost their "Flow steps"."""
    flow = make_flow([ASK_EMAIL, THANKS])
    done = factories.ConversationFactory(workspace=workspace)
    deliver(done, "billing")
    deliver(done, "done@example.org")
    deliver(conversation, "billing")  # still waits for the email
    before = [e["text"] for e in selectors.flow_log_for(done)]

    services.flow_delete(flow=flow)

    assert not Flow.objects.exists() and not FlowRun.objects.exists()
    assert [e["text"] for e in selectors.flow_log_for(done)] == before
    assert {e["flow"] for e in selectors.flow_log_for(done)} == {"Billing"}
    assert [e["text"] for e in selectors.flow_log_for(conversation)][-1] == "flow Billing: ended: the flow was deleted"


def test_step_logs_are_not_messages(conversation, deliver, make_flow):
    make_flow([ASK_EMAIL])

    deliver(conversation, "billing")

    assert not conversation.messages.filter(sender_type="system").exists()
    assert FlowStepLog.objects.filter(conversation=conversation).count() == 2


# --- concurrency ------------------------------------------------------------------------------------


def _deliver_at_once(conversation, bodies: list[str], *, same_message: bool = False) -> list[bool]:
    """Each body is handled by its own thread (own database connection), released together."""
    if same_message:
        message = Message.objects.create(conversation=conversation, sender_type="visitor", body=bodies[0])
        messages = [message] * len(bodies)
    else:
        messages = [Message.objects.create(conversation=conversation, sender_type="visitor", body=b) for b in bodies]
    barrier = threading.Barrier(len(messages))
    results: list[bool | BaseException] = [False] * len(messages)

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = services.flow_handle_message(conversation=Conversation.objects.get(pk=conversation.pk),
                                                          message=messages[index])
        except BaseException as exc:  # reported below, with the thread's own traceback lost
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(messages))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results  # type: ignore[return-value]


@pytest.mark.django_db(transaction=True)
def test_two_messages_at_once_never_run_a_node_twice(workspace, make_flow, billing_team, no_tasks):
    conversation = factories.ConversationFactory(workspace=workspace)
    make_flow([ASK_EMAIL, THANKS, HANDOFF])
    services.flow_start_for_new_conversation(conversation=conversation)  # no trigger fires at start
    first = Message.objects.create(conversation=conversation, sender_type="visitor", body="billing")
    services.flow_handle_message(conversation=conversation, message=first)

    results = _deliver_at_once(conversation, ["one@example.org", "two@example.org"])

    assert sorted(results) == [False, True]  # one answered the question; the other found the run over
    assert Handoff.objects.filter(conversation=conversation).count() == 1
    thanks = [t for t in bot_texts(conversation) if t.startswith("Thanks")]
    assert len(thanks) == 1
    logs = log_texts(conversation)
    assert logs.count("flow Billing: collected email") == 1
    assert logs.count("flow Billing: handed off to team Billing") == 1
    run = FlowRun.objects.get()
    assert (run.active, run.end_reason) == (False, "handed_off")
    assert RunState.from_dict(run.state).steps == run.steps


@pytest.mark.django_db(transaction=True)
def test_one_message_delivered_twice_at_once_is_applied_once(workspace, make_flow, no_tasks):
    conversation = factories.ConversationFactory(workspace=workspace)
    make_flow([ASK_EMAIL, ("m", "message", {"text": "Got it"}),
               ("more", "collect_input", {"variable": "issue", "question": "What happened?"})])
    start = Message.objects.create(conversation=conversation, sender_type="visitor", body="billing")
    services.flow_handle_message(conversation=conversation, message=start)

    results = _deliver_at_once(conversation, ["me@example.org"] * 3, same_message=True)

    assert results == [True, True, True]
    assert bot_texts(conversation) == ["Your email?", "Got it", "What happened?"]
    assert log_texts(conversation).count("flow Billing: collected email") == 1


@pytest.mark.django_db(transaction=True)
def test_two_triggering_messages_at_once_start_one_run(workspace, make_flow, no_tasks):
    conversation = factories.ConversationFactory(workspace=workspace)
    make_flow([ASK_EMAIL])

    _deliver_at_once(conversation, ["billing?", "billing!"])

    assert FlowRun.objects.filter(conversation=conversation).count() == 1
    assert bot_texts(conversation).count("Your email?") == 1


# --- building and publishing ------------------------------------------------------------------------


def test_publish_snapshots_the_draft_and_is_idempotent(workspace, make_flow, billing_team):
    flow = make_flow([ASK_EMAIL, THANKS, HANDOFF], published=False)

    v1 = services.flow_publish(flow=flow)
    again = services.flow_publish(flow=flow)

    assert v1.pk == again.pk and v1.number == 1
    assert v1.graph == flow.graph and v1.trigger == flow.trigger
    services.flow_update_draft(flow=flow, trigger={"kind": "keywords", "keywords": ["invoice"]})
    flow.refresh_from_db()
    assert flow.draft_differs and flow.published_version.trigger["keywords"] == ["billing"]
    assert services.flow_publish(flow=flow).number == 2


def test_publish_refuses_a_draft_with_errors_and_changes_nothing(workspace, make_flow):
    flow = make_flow([HANDOFF, ("after", "message", {"text": "Bye"})], published=False)  # no team Billing either

    with pytest.raises(DomainError) as caught:
        services.flow_publish(flow=flow)

    assert caught.value.code == "flow_invalid" and caught.value.status == 400
    codes = {i["code"] for i in caught.value.fields["issues"]}
    assert {"message_after_handoff", "unknown_target"} <= codes
    flow.refresh_from_db()
    assert flow.published_version is None and not FlowVersion.objects.exists()


def test_a_draft_with_errors_is_saved_and_its_issues_listed(workspace, make_flow):
    flow = make_flow([ASK_EMAIL], published=False)

    services.flow_update_draft(flow=flow, nodes=[{"id": "x", "type": "message", "config": {}}], edges=[])

    flow.refresh_from_db()
    issues = selectors.flow_issues_for(flow)
    assert flow.graph["nodes"][0]["id"] == "x"
    assert [(i.node_id, i.code) for i in issues] == [("x", "missing_config")]


def test_flow_names_are_unique_per_workspace(workspace, make_flow):
    make_flow([ASK_EMAIL], published=False)

    with pytest.raises(DomainError) as caught:
        services.flow_create(workspace=workspace, name=" billing ")

    assert caught.value.code == "flow_name_taken"
    assert Flow.objects.count() == 1


# --- how the turn and the start task call the flows -----------------------------------------------------


def test_the_turn_gives_the_message_to_the_flow_first(conversation, make_flow, monkeypatch, no_tasks,
                                                      django_capture_on_commit_callbacks):
    from conversations import tasks, turns

    answered = []
    monkeypatch.setattr(turns, "_plan", lambda conversation, message: answered.append(message.body))
    monkeypatch.setattr(turns, "_apply", lambda conversation, message, plan: None)
    make_flow([ASK_EMAIL, ("ai", "ai_answer", {})], edges=[("ask", "ai", "next")])

    for body in ("hello", "billing", "me@example.org"):
        message = Message.objects.create(conversation=conversation, sender_type="visitor", body=body)
        with django_capture_on_commit_callbacks(execute=True):
            tasks.process_turn_task(message.pk)

    # "hello": no flow, the assistant; "billing": the flow asks; the answer: Let AI Answer hands it over.
    assert answered == ["hello", "me@example.org"]
    assert bot_texts(conversation) == ["Your email?"]


def test_the_start_task_starts_conversation_started_flows(workspace, make_flow, no_tasks,
                                                          django_capture_on_commit_callbacks):
    from conversations import services as conversation_services
    from conversations import tasks

    make_flow([("hi", "message", {"text": "Hi! Orders, returns or billing?"})],
              trigger={"kind": "conversation_started"})
    with django_capture_on_commit_callbacks(execute=True):
        conversation, _ = conversation_services.widget_conversation_start(workspace=workspace)

    assert ("start_conversation_task", (conversation.pk,)) in no_tasks
    tasks.start_conversation_task(conversation.pk)

    assert bot_texts(conversation)[-1] == "Hi! Orders, returns or billing?"
