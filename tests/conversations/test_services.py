"""The message pipeline and the handoff lifecycle, on the real database."""
from __future__ import annotations

import pytest

from conversations import services
from csat import services as csat_services
from conversations.models import Conversation, Handoff, Message
from helpdesk.errors import DomainError
from tests import factories
from tests.conftest import request_handoff


def events_of(published, kind):
    return [e for e in published if e["type"] == kind]


@pytest.fixture
def conversation(workspace):
    return factories.ConversationFactory(workspace=workspace)


@pytest.fixture
def specialty_agents(workspace):
    specialty = factories.SpecialtyFactory(workspace=workspace, name="general")
    agents = [factories.AgentFactory(workspace=workspace, specialties=[specialty]).user for _ in range(2)]
    return specialty, agents


# --- receiving messages -------------------------------------------------------------------
def test_visitor_message_is_committed_published_and_queued_for_the_ai(
        conversation, published, no_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.receive_message(conversation=conversation, body="Where is my order?")

    assert Message.objects.get(pk=message.pk).body == "Where is my order?"
    created = events_of(published, "message.created")
    assert {e["_group"] for e in created} == {f"conversation.{conversation.pk}", f"inbox.{conversation.workspace_id}"}
    assert created[0]["message"]["sender_type"] == "visitor"
    assert {"type": "ai.typing", "active": True} in [{"type": e["type"], "active": e["active"]}
                                                    for e in events_of(published, "ai.typing")]
    assert no_tasks == [("process_turn_task", (message.pk,))]


def test_a_visitor_message_publishes_exactly_these_events_in_order_after_commit(
        conversation, published, no_tasks, django_capture_on_commit_callbacks):
    """What the widget and the inbox hear of a visitor's message, and the turn it queues: nothing
    before the commit, then the message to both groups, the inbox's list item once the visitor's first
    message makes the conversation one its views show, "the AI is typing" to both, one turn."""
    with django_capture_on_commit_callbacks(execute=True):
        message = services.receive_message(conversation=conversation, body="Where is my order?")
        assert published == [] and no_tasks == []

    message = Message.objects.get(pk=message.pk)
    widget, inbox = f"conversation.{conversation.pk}", f"inbox.{conversation.workspace_id}"
    payload = {"id": str(message.pk), "conversation": str(conversation.pk), "sender_type": "visitor",
               "sender_name": str(conversation.contact), "body": "Where is my order?", "private": False,
               "metadata": {}, "created_at": message.created_at.isoformat().replace("+00:00", "Z")}
    typing = {"type": "ai.typing", "active": True, "conversation": str(conversation.pk)}
    joined = published.pop(2)
    assert (joined["type"], joined["_group"], joined["conversation"]["not_started"]) == (
        "conversation.updated", inbox, False)
    assert published == [{"type": "message.created", "message": payload, "_group": widget},
                         {"type": "message.created", "message": payload, "_group": inbox},
                         {**typing, "_group": widget}, {**typing, "_group": inbox}]
    assert no_tasks == [("process_turn_task", (message.pk,))]

    published.clear()  # a second message: the conversation is in the views already
    with django_capture_on_commit_callbacks(execute=True):
        services.receive_message(conversation=conversation, body="It was NW-1234.")
    assert [e["type"] for e in published] == ["message.created", "message.created", "ai.typing", "ai.typing"]


def test_a_message_to_a_team_owned_conversation_notifies_the_team_online(
        conversation, workspace, published, no_tasks, django_capture_on_commit_callbacks):
    """The visitor's path locks the conversation without joining its team: the team still loads."""
    team = factories.TeamFactory(workspace=workspace)
    online = factories.AgentFactory(workspace=workspace, teams=[team]).user
    factories.AgentFactory(workspace=workspace, teams=[team], last_seen_at=None)  # no inbox open
    conversation.status, conversation.team = Conversation.Status.ASSIGNED, team
    conversation.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.receive_message(conversation=conversation, body="anyone?")
    assert no_tasks == []
    assert [(n["_group"], n["kind"]) for n in events_of(published, "notification")] == [
        (f"agent.{online.pk}", "visitor_message")]


def test_a_provider_retry_creates_no_duplicate(conversation, no_tasks):
    first = services.receive_message(conversation=conversation, body="hello", external_id="SM123")
    again = services.receive_message(conversation=conversation, body="hello", external_id="SM123")
    assert again.pk == first.pk
    assert conversation.messages.filter(external_id="SM123").count() == 1


@pytest.mark.parametrize("body, status, code", [
    ("", 400, "empty_message"), ("   \n ", 400, "empty_message"), ("x" * 10_001, 413, "message_too_large"),
    (None, 400, "invalid"),
])
def test_bad_bodies_are_refused_and_nothing_is_written(conversation, no_tasks, body, status, code):
    with pytest.raises(DomainError) as error:
        services.receive_message(conversation=conversation, body=body)
    assert (error.value.status, error.value.code) == (status, code)
    assert not conversation.messages.exists()
    assert no_tasks == []


def test_a_human_owned_conversation_gets_no_ai_turn_and_the_assignee_is_notified(
        conversation, agent, published, no_tasks, django_capture_on_commit_callbacks):
    conversation.status, conversation.assignee = Conversation.Status.ASSIGNED, agent
    conversation.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.receive_message(conversation=conversation, body="are you there?")
    assert no_tasks == []
    notes = events_of(published, "notification")
    assert [(n["_group"], n["kind"]) for n in notes] == [(f"agent.{agent.pk}", "visitor_message")]


# --- handoff ---------------------------------------------------------------------------------------------
def test_handoff_to_a_user_assigns_stops_the_ai_and_notifies_once(
        conversation, agent, published, django_capture_on_commit_callbacks):
    target = services.Target(kind="user", user=agent)
    with django_capture_on_commit_callbacks(execute=True):
        handoff = request_handoff(conversation, target=target, priority="high")
        again = request_handoff(conversation, target=target)

    assert again.pk == handoff.pk, "a repeated request returns the open handoff"
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee, conversation.needs_agent) == ("pending_human", agent, True)
    assert not conversation.ai_active
    assert {"type": "ai.typing", "active": False, "conversation": str(conversation.pk),
            "_group": f"conversation.{conversation.pk}"} in published
    assert {"type": "handoff.updated", "status": "pending", "_group": f"conversation.{conversation.pk}"} in published
    notes = events_of(published, "notification")
    assert len(notes) == 1 and notes[0]["_group"] == f"agent.{agent.pk}" and notes[0]["priority"] == "high"
    system = conversation.messages.get(sender_type="system")
    assert "team" in system.body.lower()


def test_handoff_round_robin_picks_the_agent_with_fewest_open_conversations(workspace, specialty_agents):
    specialty, (busy, free) = specialty_agents
    factories.ConversationFactory(workspace=workspace, assignee=busy, status="assigned")
    conversation = factories.ConversationFactory(workspace=workspace)
    handoff = request_handoff(conversation, target=services.Target(kind="specialty", specialty=specialty))
    assert handoff.assigned_to == free


def test_nobody_available_waits_in_the_queue_and_tells_the_visitor(workspace, specialty_agents):
    specialty, agents = specialty_agents
    for a in agents:
        a.agent.available = False
        a.agent.save()
    conversation = factories.ConversationFactory(workspace=workspace)
    handoff = request_handoff(conversation, target=services.Target(kind="specialty", specialty=specialty))
    assert handoff.assigned_to is None and handoff.status == "pending"
    notice = conversation.messages.get(sender_type="system")
    assert notice.metadata["queue_position"] == 1 and notice.metadata["expected_minutes"] >= 1
    assert notice.metadata["nobody_online"] is True
    assert "No one from our team is online right now" in notice.body and "busy" not in notice.body

    agents[0].agent.available = True
    agents[0].agent.save()
    handoff = services.handoff_assign_waiting(handoff=handoff)
    assert handoff.assigned_to == agents[0]
    conversation.refresh_from_db()
    assert conversation.assignee == agents[0]


def test_a_stale_turn_hands_nothing_off(conversation, no_tasks):
    old = services.receive_message(conversation=conversation, body="I want a human")
    services.receive_message(conversation=conversation, body="actually, never mind")
    assert services.handoff_request(conversation=conversation, turn_message_id=old.pk,
                                    request=services.HandoffRequest(trigger="user_request", reason="x")) is None
    assert not Handoff.objects.filter(conversation=conversation).exists()


def test_agent_reply_acknowledges_and_takes_the_conversation(conversation, agent, published,
                                                             django_capture_on_commit_callbacks):
    handoff = request_handoff(conversation, target=services.Target(kind="user", user=agent))
    with django_capture_on_commit_callbacks(execute=True):
        message = services.agent_reply(conversation=conversation, agent=agent, body="Hi, I'm Ana. Let me check.")

    handoff.refresh_from_db()
    conversation.refresh_from_db()
    assert handoff.status == "acknowledged" and handoff.acknowledged_by == agent and handoff.first_human_reply_at
    assert (conversation.status, conversation.needs_agent) == ("assigned", False)
    assert message.sender_name == "Ana"
    widget_messages = [e for e in events_of(published, "message.created") if e["_group"].startswith("conversation.")]
    assert widget_messages[-1]["message"]["body"] == "Hi, I'm Ana. Let me check."


def test_an_agent_replying_to_an_ai_conversation_takes_it_over(conversation, agent):
    services.agent_reply(conversation=conversation, agent=agent, body="Jumping in here.")
    handoff = Handoff.objects.get(conversation=conversation)
    assert (handoff.trigger, handoff.status) == ("agent", "acknowledged")
    conversation.refresh_from_db()
    assert conversation.assignee == agent and not conversation.ai_active


def test_a_second_claim_is_refused(workspace, conversation, agent):
    team = factories.TeamFactory(workspace=workspace)
    other = factories.AgentFactory(workspace=workspace, teams=[team]).user
    agent.agent.teams.add(team)
    handoff = request_handoff(conversation, target=services.Target(kind="team", team=team))
    services.handoff_acknowledge(handoff=handoff, agent=agent)
    services.handoff_acknowledge(handoff=handoff, agent=agent)  # the same agent again: harmless
    with pytest.raises(DomainError) as error:
        services.handoff_acknowledge(handoff=handoff, agent=other)
    assert error.value.status == 409
    handoff.refresh_from_db()
    assert handoff.acknowledged_by == agent


def test_hand_back_to_ai_cancels_and_the_ai_answers_again(conversation, agent, no_tasks,
                                                          django_capture_on_commit_callbacks):
    handoff = request_handoff(conversation, target=services.Target(kind="user", user=agent))
    services.conversation_unassign(conversation=conversation, by=agent)
    handoff.refresh_from_db()
    conversation.refresh_from_db()
    assert handoff.status == "cancelled" and handoff.cancel_reason == "handed_back"
    assert (conversation.status, conversation.assignee) == ("open", None)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.receive_message(conversation=conversation, body="one more question")
    assert ("process_turn_task", (message.pk,)) in no_tasks


def test_cancelling_a_resolved_handoff_is_refused(conversation, agent):
    handoff = request_handoff(conversation, target=services.Target(kind="user", user=agent))
    csat_services.conversation_resolve(conversation=conversation, resolution="resolved", by=agent)
    handoff.refresh_from_db()
    assert handoff.status == "resolved"
    with pytest.raises(DomainError) as error:
        services.handoff_cancel(handoff=handoff, reason="x")
    assert error.value.status == 409


def test_resolve_then_a_new_visitor_message_reopens_with_the_ai(conversation, agent, no_tasks):
    request_handoff(conversation, target=services.Target(kind="user", user=agent))
    csat_services.conversation_resolve(conversation=conversation, resolution="resolved", by=agent)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.resolution, conversation.resolved_by_kind) == (
        "resolved", "resolved", "agent")
    services.receive_message(conversation=conversation, body="Hello again")
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee, conversation.resolution) == ("open", None, "")


def test_resolving_frees_a_slot_and_the_queue_is_served_at_once(workspace, agent, monkeypatch, no_tasks,
                                                                django_capture_on_commit_callbacks):
    """Trial of 3 Dec: a handoff waiting for an agent at capacity was given to them ~45 s after they resolved one
    (the sweep's next beat). Resolving now runs the sweep."""
    from routing import presence

    pulls = []
    monkeypatch.setattr(presence, "pull_waiting_handoffs", lambda: pulls.append(1))
    agent.agent.capacity = 1
    agent.agent.save()
    busy = factories.ConversationFactory(workspace=workspace)
    services.handoff_acknowledge(handoff=request_handoff(busy, target=services.Target(kind="user", user=agent)),
                                 agent=agent)
    waiting = request_handoff(factories.ConversationFactory(workspace=workspace))
    assert waiting.assigned_to is None, "the agent is full"
    with django_capture_on_commit_callbacks(execute=True):
        csat_services.conversation_resolve(conversation=busy, resolution="resolved", by=agent)
    assert pulls == [1]
    with django_capture_on_commit_callbacks(execute=True):  # nothing waits: no sweep
        csat_services.conversation_resolve(conversation=waiting.conversation, resolution="spam", by=agent)
    assert pulls == [1]


def test_manual_assignment_to_someone_else_waits_for_their_acknowledgement(workspace, conversation, agent,
                                                                           published,
                                                                           django_capture_on_commit_callbacks):
    colleague = factories.AgentFactory(workspace=workspace).user
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_assign(conversation=conversation, by=agent, user=colleague)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee, conversation.needs_agent) == (
        "pending_human", colleague, True)
    assert [n["_group"] for n in events_of(published, "notification")] == [f"agent.{colleague.pk}"]


def test_assigning_an_agent_of_another_workspace_is_refused(conversation, agent):
    stranger = factories.AgentFactory().user
    with pytest.raises(DomainError) as error:
        services.conversation_assign(conversation=conversation, by=agent, user=stranger)
    assert error.value.status == 404
    assert not Handoff.objects.filter(conversation=conversation).exists()


# --- the agent's context survives a reassignment ------------------------------------------------------


def test_assigning_after_a_hand_back_keeps_the_summary_and_the_gathered_details(workspace, agent, admin_agent):
    conversation = factories.ConversationFactory(workspace=workspace)
    first = request_handoff(conversation, summary="Problem: “The zipper broke”", gathered={"email": "a@b.co"})
    services.handoff_cancel(handoff=first, reason="handed_back", tell_visitor=False)
    services.conversation_assign(conversation=conversation, by=admin_agent, user=agent)
    handoff = services.open_handoff(conversation)
    assert handoff.pk != first.pk
    assert (handoff.summary, handoff.gathered) == ("Problem: “The zipper broke”", {"email": "a@b.co"})


def test_assigning_an_ai_conversation_gives_the_agent_what_the_ai_learnt(workspace, agent, admin_agent):
    conversation = factories.ConversationFactory(workspace=workspace, assistant_state={
        "problem": "My invoice shows the wrong VAT number", "tried": ["could not answer “VAT number”"]})
    services.conversation_assign(conversation=conversation, by=admin_agent, user=agent)
    summary = services.open_handoff(conversation).summary
    assert summary.startswith("Problem: “My invoice shows the wrong VAT number”")
    assert "AI tried: could not answer “VAT number”" in summary


def test_details_given_to_the_ai_fill_the_contact_without_overwriting_it(workspace):
    contact = factories.ContactFactory(workspace=workspace, email="kept@example.org", attributes={"plan": "pro"})
    services.contact_fill_details(contact=contact, details=[
        ("email", "email", "new@example.org"), ("phone", "phone", "+34 612 345 678"), ("regex", "plan", "free"),
        ("order_number", "order", "A-10234")])
    contact.refresh_from_db()
    assert (contact.email, contact.phone) == ("kept@example.org", "+34 612 345 678")
    assert contact.attributes == {"plan": "pro", "order": "A-10234"}


def test_the_place_in_the_queue_counts_only_the_visitors_waiting_for_the_same_team(workspace):
    """Trial of 2 Dec: a visitor handed to Support, with nobody waiting for Support, was told "number 8 in the
    queue" because seven visitors waited for Billing."""
    billing, support = factories.TeamFactory(workspace=workspace, name="Billing"), factories.TeamFactory(
        workspace=workspace, name="Support")
    for _ in range(3):
        request_handoff(factories.ConversationFactory(workspace=workspace),
                        target=services.Target(kind="team", team=billing))
    fourth_for_billing = factories.ConversationFactory(workspace=workspace)
    request_handoff(fourth_for_billing, target=services.Target(kind="team", team=billing))
    first_for_support = factories.ConversationFactory(workspace=workspace)
    request_handoff(first_for_support, target=services.Target(kind="team", team=support))
    assert fourth_for_billing.messages.get(sender_type="system").metadata["queue_position"] == 4
    assert first_for_support.messages.get(sender_type="system").metadata["queue_position"] == 1


def test_a_removed_agent_stops_viewing_the_conversation_they_had_open(workspace, agent, published,
                                                                      django_capture_on_commit_callbacks):
    """Re-trial of 3 Dec: a removed agent's socket closed, but colleagues' inboxes still showed them viewing."""
    from conversations.models import ConversationViewer

    conversation = factories.ConversationFactory(workspace=workspace)
    services.viewing_set(profile=agent.agent, conversation=conversation, socket="s1")
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        agent.is_active = False
        agent.save()
    assert not ConversationViewer.objects.filter(user=agent).exists()
    presence = [e for e in events_of(published, "presence") if e["conversation"] == str(conversation.pk)]
    assert presence and presence[-1]["viewers"] == []
    assert [e["_group"] for e in events_of(published, "access.revoked")] == [f"agent.{agent.pk}"]
