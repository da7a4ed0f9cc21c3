"""Two agents answering one visitor at once (trial of 2 Dec: both replies reached the visitor, and the second
agent only had a hint under the composer). A reply says which message its writer had seen (`after`); a
colleague's reply since then refuses it with 409 `replied_meanwhile`, and sending again sends it."""
from __future__ import annotations

import pytest

from conversations import services
from conversations.models import Message
from helpdesk.errors import DomainError
from tests import factories
from tests.conftest import client_for, run_together


@pytest.fixture
def conversation(workspace):
    conversation = factories.ConversationFactory(workspace=workspace)
    factories.MessageFactory(conversation=conversation, body="My tent zip broke after a week.")
    return conversation


def agent_replies(conversation) -> list[str]:
    return list(conversation.messages.filter(sender_type="agent", private=False).order_by("id")
                .values_list("body", flat=True))


def test_a_reply_written_while_a_colleague_answered_is_held_back_until_sent_again(workspace, conversation, no_tasks):
    ana = client_for(factories.AgentFactory(workspace=workspace, user__first_name="Ana").user)
    ben = client_for(factories.AgentFactory(workspace=workspace, user__first_name="Ben").user)
    base = f"/api/v1/conversations/{conversation.pk}/messages/"
    seen = conversation.messages.latest("id").pk

    first = ben.post(base, {"body": "Hi, Ben here: I can help with the zip.", "after": seen}, format="json")
    assert first.status_code == 201

    second = ana.post(base, {"body": "Hi, Ana here!", "after": str(seen)}, format="json")
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "replied_meanwhile"
    assert "Ben" in error["message"] and "Ben here: I can help with the zip." in error["message"]
    assert error["fields"]["after"].startswith(f"Message {first.json()['id']}")
    assert agent_replies(conversation) == ["Hi, Ben here: I can help with the zip."], "nothing of Ana's was sent"

    anyway = ana.post(base, {"body": "Hi, Ana here!", "after": first.json()["id"]}, format="json")
    assert anyway.status_code == 201
    assert agent_replies(conversation) == ["Hi, Ben here: I can help with the zip.", "Hi, Ana here!"]


def test_only_a_colleagues_reply_to_the_visitor_holds_a_reply_back(workspace, conversation, agent, agent_client,
                                                                    no_tasks):
    colleague = factories.AgentFactory(workspace=workspace).user
    base = f"/api/v1/conversations/{conversation.pk}/messages/"
    seen = conversation.messages.latest("id").pk
    services.note_add(conversation=conversation, agent=colleague, body="I think this is a warranty case.")
    factories.MessageFactory(conversation=conversation, body="Are you there?")
    factories.MessageFactory(conversation=conversation, sender_type="ai", body="A person will be with you.")
    mine = agent_client.post(base, {"body": "Looking at it now.", "after": seen}, format="json")
    assert mine.status_code == 201, "a note, the visitor's message and the AI's are no colleague's reply"

    again = agent_client.post(base, {"body": "Could you send a photo?", "after": seen}, format="json")
    assert again.status_code == 201, "the writer's own reply since is no collision"

    services.agent_reply(conversation=conversation, agent=colleague, body="I'll take it from here.")
    note = agent_client.post(base, {"body": "ok, yours", "private": True, "after": seen}, format="json")
    assert note.status_code == 201, "a note reaches no visitor: never held back"
    unchecked = agent_client.post(base, {"body": "Thanks Ben."}, format="json")
    assert unchecked.status_code == 201, "a client that does not say what it saw is not checked"

    bad = agent_client.post(base, {"body": "x", "after": "latest"}, format="json")
    assert bad.status_code == 400 and "after" in bad.json()["error"]["fields"]


@pytest.mark.django_db(transaction=True)
def test_two_replies_at_the_same_moment_send_one_and_hold_the_other(workspace):
    conversation = factories.ConversationFactory(workspace=workspace)
    seen = factories.MessageFactory(conversation=conversation, body="hello?").pk
    agents = [factories.AgentFactory(workspace=workspace).user for _ in range(2)]

    def reply(agent):
        return lambda: services.agent_reply(conversation=conversation, agent=agent, body=f"Hi from {agent.pk}",
                                            seen_up_to=seen)

    errors = run_together(*(reply(a) for a in agents))
    assert len(errors) == 1 and isinstance(errors[0], DomainError) and errors[0].code == "replied_meanwhile", errors
    assert Message.objects.filter(conversation=conversation, sender_type="agent").count() == 1


def test_a_reply_to_a_conversation_a_colleague_was_assigned_leaves_it_with_them(workspace, conversation, no_tasks):
    """Trial of 3 Dec: Ben assigned the conversation to Chloé; Ana, whose page said "Chloé Martin has this
    conversation: a reply reaches the visitor too", replied, and the conversation became Ana's: Chloé lost it
    without notice. The reply reaches the visitor and Chloé keeps the conversation; Ana takes it only by
    assigning it to herself."""
    from tests.conftest import request_handoff

    ana = factories.AgentFactory(workspace=workspace, user__first_name="Ana").user
    chloe = factories.AgentFactory(workspace=workspace, user__first_name="Chloé").user
    handoff = request_handoff(conversation)
    services.conversation_assign(conversation=conversation, user=chloe, by=factories.AgentFactory(workspace=workspace).user)

    reply = client_for(ana).post(f"/api/v1/conversations/{conversation.pk}/messages/", {"body": "Ana here, on it"},
                                 format="json")

    assert reply.status_code == 201
    handoff.refresh_from_db()
    conversation.refresh_from_db()
    assert (conversation.assignee, handoff.assigned_to) == (chloe, chloe)
    assert (handoff.status, handoff.acknowledged_by) == ("acknowledged", ana), "the visitor has had a reply"
    assert agent_replies(conversation) == ["Ana here, on it"]


def test_a_reassignment_says_who_passed_it_on(workspace, conversation, no_tasks):
    """Trial of 3 Dec: Ana took the conversation; an admin assigned it to Ben, who read "Assigned by Ana Ortiz"."""
    ana = factories.AgentFactory(workspace=workspace, user__first_name="Ana", user__last_name="Ortiz").user
    ben = factories.AgentFactory(workspace=workspace, user__first_name="Ben").user
    admin = factories.AgentFactory(workspace=workspace, user__first_name="Alex", user__last_name="Admin",
                                   user__is_staff=True).user
    services.conversation_assign(conversation=conversation, user=ana, by=ana)
    services.conversation_assign(conversation=conversation, user=ben, by=admin)

    handoff = conversation.handoffs.get()
    assert (handoff.assigned_to, handoff.reason) == (ben, "Assigned by Alex Admin")


def test_a_reply_to_a_waiting_conversation_nobody_has_takes_it(workspace, conversation, no_tasks):
    from tests.conftest import request_handoff

    ana = factories.AgentFactory(workspace=workspace, user__first_name="Ana").user
    handoff = request_handoff(conversation)
    handoff.refresh_from_db()
    assert handoff.assigned_to is None or handoff.assigned_to == ana

    assert client_for(ana).post(f"/api/v1/conversations/{conversation.pk}/messages/", {"body": "On it"},
                                format="json").status_code == 201

    conversation.refresh_from_db()
    assert conversation.assignee == ana
