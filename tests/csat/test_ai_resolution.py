"""The AI gets credit: idle conversations it handled alone are resolved by it, and a visitor's "yes, that
answered it" resolves as confirmed; both count as AI-resolved in analytics, each apart."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conversations import services
from conversations.assistant.detectors import detect_not_helpful
from conversations.assistant.phrases import languages, phrase
from conversations.models import Conversation, Handoff, Message
from conversations.turn_memory import PendingHandoff, TurnMemory
from csat import selectors, tasks
from csat.models import Survey
from tests import factories
from tests.conftest import request_handoff, run_together

IDLE = 1800  # the policy's default ai_idle_resolve_seconds
ARTICLE = {"article": {"id": 1, "title": "Shipping times", "url": ""}, "confidence": 0.9}


def ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def say(conversation, sender: str, seconds_ago: float, body: str = "...", metadata: dict | None = None) -> Message:
    message = Message.objects.create(conversation=conversation, sender_type=sender, body=body,
                                     metadata=metadata or {})
    Message.objects.filter(pk=message.pk).update(created_at=ago(seconds_ago))
    if sender == "visitor":
        Conversation.objects.filter(pk=conversation.pk).update(last_visitor_message_at=ago(seconds_ago))
    return message


def answered(workspace, *, silent_for: float = IDLE + 60, **kwargs) -> Conversation:
    """A visitor asked, the AI answered from the knowledge base, then silence."""
    conversation = factories.ConversationFactory(workspace=workspace, **kwargs)
    say(conversation, "visitor", silent_for + 5, "How long does shipping take?")
    say(conversation, "ai", silent_for, "3–5 working days.", ARTICLE)
    return conversation


def idle_ids() -> list[int]:
    return selectors.ai_idle_conversation_ids(now=timezone.now())


# --- the language of the check ----------------------------------------------------------------------
@pytest.mark.parametrize("lang", languages())
def test_the_no_reply_is_heard_as_not_helpful_and_the_yes_is_not(lang):
    assert detect_not_helpful(phrase("answer_check_no", lang), []).fired
    assert not detect_not_helpful(phrase("answer_check_yes", lang), []).fired


# --- the idle sweep -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_conversation_the_ai_answered_is_resolved_by_it_after_the_visitors_silence(workspace, no_tasks, published,
                                                                                   django_capture_on_commit_callbacks):
    quiet = answered(workspace)
    recent = answered(workspace, silent_for=IDLE - 60)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resolve_idle_ai_conversations_task() == 1

    quiet.refresh_from_db()
    assert (quiet.status, quiet.resolution, quiet.resolved_by_kind, quiet.ai_resolution) == (
        "resolved", "resolved", "ai", "idle")
    assert Survey.objects.filter(conversation=quiet).exists(), "CSAT follows the policy, as for any resolve"
    assert any(e["type"] == "conversation.updated" and e["status"] == "resolved"
               and e["_group"] == f"conversation.{quiet.pk}" for e in published), "the widget hears it"
    recent.refresh_from_db()
    assert recent.status == "open", "not silent long enough yet"
    assert tasks.resolve_idle_ai_conversations_task() == 0, "a rerun finds nothing"

    period = selectors.Period(timezone.localdate() - dt.timedelta(days=1), timezone.localdate())
    counts = selectors.conversation_counts(workspace=workspace, period=period)
    assert (counts["ai_resolved"], counts["ai_resolved_idle"], counts["ai_resolved_confirmed"]) == (1, 1, 0)


@pytest.mark.django_db
def test_thanks_after_the_answer_still_ends_in_an_ai_resolution(workspace, no_tasks):
    conversation = answered(workspace, silent_for=IDLE + 120)
    say(conversation, "visitor", IDLE + 100, "thanks!")
    say(conversation, "ai", IDLE + 99, "You're welcome!")
    assert idle_ids() == [conversation.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["visitor wrote last", "handed off", "an agent wrote", "idle resolve off",
                                  "no answer, only a miss", "the AI offered a person", "the visitor said no",
                                  "a person promised, details asked first"])
def test_conversations_the_ai_did_not_handle_alone_stay_open(workspace, agent, no_tasks, case):
    conversation = answered(workspace)
    if case == "visitor wrote last":
        say(conversation, "visitor", IDLE + 30, "And to the Azores?")
    elif case == "handed off":
        request_handoff(conversation)
        services.handoff_cancel(handoff=services.open_handoff(conversation), reason="back to the AI")
    elif case == "an agent wrote":
        say(conversation, "agent", IDLE + 30, "Hi, Ana here")
    elif case == "idle resolve off":
        workspace.policy.ai_idle_resolve_seconds = None
        workspace.policy.save()
    elif case == "no answer, only a miss":
        conversation.messages.filter(sender_type="ai").update(metadata={})
    elif case == "the AI offered a person":
        Conversation.objects.filter(pk=conversation.pk).update(assistant_state={"offered_human": True, "offer_open": True})
    elif case == "the visitor said no":
        conversation.messages.filter(sender_type="ai").update(metadata={**ARTICLE, "answer_check": {"answer": "no"}})
    elif case == "a person promised, details asked first":  # "Of course, I'll bring in… what email?" (trial of 3 Dec)
        memory = TurnMemory(pending=PendingHandoff(cause="user_request", field="email"))
        Conversation.objects.filter(pk=conversation.pk).update(assistant_state=memory.to_dict())

    assert idle_ids() == []
    assert tasks.resolve_idle_ai_conversations_task() == 0
    conversation.refresh_from_db()
    assert conversation.status == "open" and conversation.ai_resolution == ""


@pytest.mark.django_db
def test_a_handoff_the_visitor_withdrew_before_anyone_took_it_leaves_the_conversation_to_the_ai(workspace, no_tasks):
    """Trial 54: "I want a person", then "never mind", then an answer and silence: the conversation stayed open for
    good. The withdrawn handoff reached nobody; the AI handled it alone."""
    conversation = factories.ConversationFactory(workspace=workspace)
    request_handoff(conversation)
    services.handoff_cancel(handoff=services.open_handoff(conversation), reason=Handoff.VISITOR_WITHDREW)
    say(conversation, "visitor", IDLE + 65, "never mind, how long does shipping take?")
    say(conversation, "ai", IDLE + 60, "3–5 working days.", ARTICLE)
    assert idle_ids() == [conversation.pk]
    assert tasks.resolve_idle_ai_conversations_task() == 1
    conversation.refresh_from_db()
    assert conversation.status == "resolved" and conversation.ai_resolution == "idle"


@pytest.mark.django_db
def test_the_policy_time_decides(workspace, no_tasks):
    workspace.policy.ai_idle_resolve_seconds = 60
    workspace.policy.save()
    conversation = answered(workspace, silent_for=90)
    assert idle_ids() == [conversation.pk]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_a_visitor_writing_while_the_sweep_runs_always_ends_with_an_open_conversation(workspace, no_tasks, attempt):
    conversation = answered(workspace)

    errors = run_together(lambda: services.receive_message(conversation=conversation, body="Wait, one more thing"),
                          tasks.resolve_idle_ai_conversations_task, tasks.resolve_idle_ai_conversations_task)

    assert errors == []
    conversation.refresh_from_db()
    # Resolved first and reopened by the message, or never resolved: the visitor is not left in a closed chat.
    assert conversation.status == "open" and conversation.ai_resolution == ""
    assert Survey.objects.filter(conversation=conversation, status="scheduled").count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_resolve_each_conversation_once(workspace, no_tasks):
    conversations = [answered(workspace) for _ in range(6)]
    counts: list[int] = []

    assert run_together(lambda: counts.append(tasks.resolve_idle_ai_conversations_task()), repeat=4) == []

    assert sum(counts) == 6
    assert Conversation.objects.filter(pk__in=[c.pk for c in conversations], ai_resolution="idle").count() == 6
    assert Survey.objects.filter(conversation__in=conversations).count() == 6, "one survey each"


# --- the answer check ----------------------------------------------------------------------------
@pytest.fixture
def kb_answer(visitor):
    """A widget conversation in Spanish where the AI just answered from the knowledge base."""
    conversation, token, client = visitor
    Conversation.objects.filter(pk=conversation.pk).update(language="es")
    services.receive_message(conversation=conversation, body="¿Cuánto tarda el envío?")
    answer = services.ai_reply(conversation=conversation, body="De 3 a 5 días laborables.", metadata=dict(ARTICLE),
                               ask_if_helpful=True)
    return conversation, client, answer


def feedback(client, conversation, answer, helpful):
    return client.post(f"/api/v1/widget/conversations/{conversation.pk}/answer-feedback/",
                       {"message": str(answer.pk), "helpful": helpful}, format="json")


@pytest.mark.django_db
def test_the_answer_carries_the_check_in_the_visitors_language(kb_answer):
    _conversation, client, answer = kb_answer
    assert answer.metadata["answer_check"] == {"question": "¿Eso responde a tu pregunta?", "yes": "Sí, gracias",
                                               "no": "No, eso no responde a mi pregunta"}
    assert answer.metadata["article"] == ARTICLE["article"]


@pytest.mark.django_db
def test_yes_resolves_as_confirmed_by_the_visitor(kb_answer, no_tasks, django_capture_on_commit_callbacks):
    conversation, client, answer = kb_answer
    turns_before = len(no_tasks)
    with django_capture_on_commit_callbacks(execute=True):
        response = feedback(client, conversation, answer, True)

    assert response.status_code == 201, response.json()
    assert response.json()["message"]["body"] == "Sí, gracias"
    assert response.json()["message"]["sender_type"] == "visitor"
    conversation.refresh_from_db()
    assert (conversation.status, conversation.resolved_by_kind, conversation.ai_resolution) == (
        "resolved", "ai", "confirmed")
    last_ai = conversation.messages.filter(sender_type="ai").order_by("-id").first()
    assert last_ai.body == phrase("answer_confirmed", "es")
    assert len(no_tasks) == turns_before, "no AI turn for the yes"
    answer.refresh_from_db()
    assert answer.metadata["answer_check"]["answer"] == "yes"

    again = feedback(client, conversation, answer, True)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"
    period = selectors.Period(timezone.localdate() - dt.timedelta(days=1), timezone.localdate())
    counts = selectors.conversation_counts(workspace=conversation.workspace, period=period)
    assert (counts["ai_resolved_confirmed"], counts["ai_resolved_idle"]) == (1, 0)


@pytest.mark.django_db
def test_the_yes_is_never_taken_up_as_a_turn_later(kb_answer, no_tasks, settings, django_capture_on_commit_callbacks):
    """The turn sweep queues visitor messages without an outcome: the yes must not look like one, or
    the AI would answer "Sí, gracias" in the closed conversation minutes later."""
    from conversations import tasks as conversation_tasks

    conversation, client, answer = kb_answer
    with django_capture_on_commit_callbacks(execute=True):
        yes_id = int(feedback(client, conversation, answer, True).json()["message"]["id"])
    later = timezone.now() - dt.timedelta(seconds=settings.TURN_LEASE_SECONDS + 60)
    Message.objects.filter(pk=yes_id).update(created_at=later)

    conversation_tasks.sweep_turns_task()

    assert ("process_turn_task", (yes_id,)) not in no_tasks
    assert Message.objects.get(pk=yes_id).turn_processed_at is not None


@pytest.mark.django_db
def test_no_is_the_visitors_message_and_goes_through_a_turn(kb_answer, no_tasks, django_capture_on_commit_callbacks):
    conversation, client, answer = kb_answer
    with django_capture_on_commit_callbacks(execute=True):
        response = feedback(client, conversation, answer, False)

    assert response.status_code == 201
    message = conversation.messages.get(pk=response.json()["message"]["id"])
    assert (message.sender_type, message.body) == ("visitor", "No, eso no responde a mi pregunta")
    assert no_tasks[-1] == ("process_turn_task", (message.pk,)), "the turn takes the not-helpful path"
    conversation.refresh_from_db()
    assert conversation.status == "open"
    answer.refresh_from_db()
    assert answer.metadata["answer_check"]["answer"] == "no"
    assert idle_ids() == [], "a 'no' never turns into an idle AI resolution"


@pytest.mark.django_db
def test_bad_feedback_is_refused_and_changes_nothing(kb_answer, workspace, no_tasks):
    conversation, client, answer = kb_answer
    url = f"/api/v1/widget/conversations/{conversation.pk}/answer-feedback/"
    visitor_message = conversation.messages.filter(sender_type="visitor").first()
    before = conversation.messages.count()

    assert client.post(url, {"message": str(visitor_message.pk), "helpful": True}, format="json").status_code == 404
    assert client.post(url, {"message": "nope", "helpful": True}, format="json").status_code == 404
    assert client.post(url, {"message": str(answer.pk)}, format="json").status_code == 400
    other, _token = services.widget_conversation_start(workspace=workspace)
    assert client.post(f"/api/v1/widget/conversations/{other.pk}/answer-feedback/",
                       {"message": str(answer.pk), "helpful": True}, format="json").status_code == 404

    services.receive_message(conversation=conversation, body="Y a Canarias?")  # the visitor moved on
    moved = client.post(url, {"message": str(answer.pk), "helpful": True}, format="json")
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "conversation_moved_on"
    conversation.refresh_from_db()
    assert conversation.status == "open" and conversation.messages.count() == before + 1
    answer.refresh_from_db()
    assert "answer" not in answer.metadata["answer_check"]


@pytest.mark.django_db
def test_an_offer_of_a_person_the_visitor_declined_does_not_keep_the_conversation_open(workspace, no_tasks):
    """Trial of 2 Dec: "no thanks" to the offer, then an answer, and the conversation never resolved."""
    conversation = answered(workspace)
    Conversation.objects.filter(pk=conversation.pk).update(assistant_state={"offered_human": True, "offer_open": False})
    assert idle_ids() == [conversation.pk]


@pytest.mark.django_db
def test_a_handed_off_conversation_an_agent_resolves_without_replying_is_not_ai_resolved(workspace, agent, no_tasks):
    """An agent added a note and resolved it: `handed_off` and `ai_resolved` both went up (trial of 3 Dec)."""
    from csat import services as csat_services

    conversation = answered(workspace)
    request_handoff(conversation)
    services.note_add(conversation=conversation, agent=agent, body="Duplicate of #12, closing")
    csat_services.conversation_resolve(conversation=conversation, resolution="resolved", by=agent)
    quiet = answered(workspace)
    tasks.resolve_idle_ai_conversations_task()

    period = selectors.Period(timezone.localdate() - dt.timedelta(days=1), timezone.localdate())
    counts = selectors.conversation_counts(workspace=workspace, period=period)
    assert (counts["conversations"], counts["handed_off"], counts["ai_resolved"]) == (2, 1, 1)
    quiet.refresh_from_db()
    assert quiet.resolved_by_kind == "ai"
