"""Two agents acting on one conversation at once: one of them wins, the other is told, nobody is overwritten unaware
(trial of 3 Dec: two "Assign to me" both got 200, and so did a "resolved" and a "spam" resolve)."""
from __future__ import annotations

import pytest

from conversations import services
from conversations.models import Conversation
from tests import factories
from tests.conftest import client_for, run_together


def posted_at_once(*posts):
    """Each (user, url, body) posted by that user's API client, all released together (tests.conftest.run_together);
    the responses in the order of `posts`."""
    responses = [None] * len(posts)

    def post(index, user, url, body):
        responses[index] = client_for(user).post(url, body, format="json")

    assert not run_together(*(lambda i=i, p=p: post(i, *p) for i, p in enumerate(posts)))
    return responses


def waiting_conversation(workspace):
    conversation = factories.ConversationFactory(workspace=workspace)
    services.receive_message(conversation=conversation, body="I want to talk to a person")
    return conversation


@pytest.fixture
def ana_and_ben(workspace):
    return tuple(factories.AgentFactory(workspace=workspace, user__first_name=name).user for name in ("Ana", "Ben"))


@pytest.mark.django_db(transaction=True)
def test_two_agents_assigning_themselves_at_once_one_gets_it_the_other_is_told(workspace, ana_and_ben, no_tasks):
    ana, ben = ana_and_ben
    conversation = waiting_conversation(workspace)
    url = f"/api/v1/conversations/{conversation.pk}/assign/"

    # as a script would: no expected_assignee_id
    responses = posted_at_once(*((user, url, {"user_id": user.pk}) for user in (ana, ben)))

    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = (ana, ben)[[r.status_code for r in responses].index(200)]
    loser = responses[[r.status_code for r in responses].index(409)].json()["error"]
    assert loser["code"] == "already_assigned" and winner.first_name in loser["message"]
    conversation.refresh_from_db()
    assert conversation.assignee_id == winner.pk and conversation.status == Conversation.Status.ASSIGNED


@pytest.mark.django_db(transaction=True)
def test_two_agents_assigning_from_the_inbox_at_once_one_gets_it(workspace, ana_and_ben, no_tasks):
    """The inbox sends the owner on screen (nobody): the second click finds one and changes nothing."""
    ana, ben = ana_and_ben
    conversation = waiting_conversation(workspace)
    url = f"/api/v1/conversations/{conversation.pk}/assign/"

    responses = posted_at_once(*((user, url, {"user_id": user.pk, "expected_assignee_id": None})
                                 for user in (ana, ben)))

    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = responses[[r.status_code for r in responses].index(409)].json()["error"]
    assert refused["code"] == "assigned_meanwhile"
    winner = (ana, ben)[[r.status_code for r in responses].index(200)]
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == winner.pk


def test_taking_over_a_colleagues_conversation_needs_saying_whose_it_was(workspace, ana_and_ben, no_tasks):
    ana, ben = ana_and_ben
    conversation = waiting_conversation(workspace)
    url = f"/api/v1/conversations/{conversation.pk}/assign/"
    assert client_for(ana).post(url, {"user_id": ana.pk}, format="json").status_code == 200

    refused = client_for(ben).post(url, {"user_id": ben.pk}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["fields"]["expected_assignee_id"]
    stale = client_for(ben).post(url, {"user_id": ben.pk, "expected_assignee_id": None}, format="json")
    assert stale.status_code == 409 and "Ana" in stale.json()["error"]["message"]
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == ana.pk

    taken = client_for(ben).post(url, {"user_id": ben.pk, "expected_assignee_id": ana.pk}, format="json")
    assert taken.status_code == 200 and taken.json()["assignee"]["id"] == str(ben.pk)
    # passing it on to a colleague is deliberate, and assigning it again to its owner changes nothing
    assert client_for(ben).post(url, {"user_id": ana.pk}, format="json").status_code == 200
    again = client_for(ana).post(url, {"user_id": ana.pk, "expected_assignee_id": ben.pk}, format="json")
    assert again.status_code == 200 and again.json()["assignee"]["id"] == str(ana.pk)


@pytest.mark.django_db(transaction=True)
def test_two_resolves_with_different_resolutions_the_second_is_told(workspace, ana_and_ben, no_tasks):
    ana, ben = ana_and_ben
    conversation = waiting_conversation(workspace)
    url = f"/api/v1/conversations/{conversation.pk}/resolve/"

    responses = posted_at_once((ana, url, {"resolution": "resolved"}), (ben, url, {"resolution": "spam"}))

    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = responses[[r.status_code for r in responses].index(409)].json()["error"]
    assert refused["code"] == "already_resolved"
    conversation.refresh_from_db()
    winner = ("resolved", "spam")[[r.status_code for r in responses].index(200)]
    assert conversation.status == "resolved" and conversation.resolution == winner
    assert refused["message"].endswith(("as solved. Reopen it to change that.", "as spam. Reopen it to change that."))


def test_resolving_again_the_same_way_is_a_no_op(workspace, agent, agent_client, no_tasks):
    conversation = waiting_conversation(workspace)
    url = f"/api/v1/conversations/{conversation.pk}/resolve/"
    first = agent_client.post(url, {"resolution": "duplicate"}, format="json")
    again = agent_client.post(url, {"resolution": "duplicate"}, format="json")
    assert first.status_code == again.status_code == 200
    assert again.json()["status"] == "resolved"


def test_resolve_after_a_message_of_another_conversation_is_refused(workspace, agent, agent_client, no_tasks):
    conversation, other = waiting_conversation(workspace), waiting_conversation(workspace)
    elsewhere = other.messages.order_by("-id").first().pk
    url = f"/api/v1/conversations/{conversation.pk}/resolve/"

    refused = agent_client.post(url, {"resolution": "resolved", "after": elsewhere + 1000}, format="json")
    assert refused.status_code == 400 and "after" in refused.json()["error"]["fields"]
    refused = agent_client.post(url, {"resolution": "resolved", "after": elsewhere}, format="json")
    assert refused.status_code == 400
    assert Conversation.objects.get(pk=conversation.pk).status != "resolved"
