"""A deleted team, specialty or agent leaves the default target behind, never a target of nothing."""
from __future__ import annotations

import pytest

from conversations import services, tasks
from conversations.models import Handoff
from routing.models import RestrictedTopic, Specialty, Team
from tests import factories
from tests.conftest import request_handoff

pytestmark = pytest.mark.django_db


def default_specialty(workspace) -> tuple[Specialty, object]:
    """A "general" specialty, the workspace's default target; and the policy."""
    general = Specialty.objects.create(workspace=workspace, name="general")
    policy = workspace.policy
    policy.target_kind, policy.target_specialty = "specialty", general
    policy.save()
    return general, policy


def agent_with(workspace, specialty):
    user = factories.AgentFactory(workspace=workspace).user
    user.agent.specialties.set([specialty])
    return user


def test_deleting_a_specialty_sends_its_topic_and_its_queue_to_the_default_target(workspace, no_tasks):
    """Deleting "medical" left the "Medical" topic and its queued handoffs as "specialty: none": nobody was ever
    assigned, with three agents online (trial of 3 Dec)."""
    medical = Specialty.objects.create(workspace=workspace, name="medical")
    general, policy = default_specialty(workspace)
    online = agent_with(workspace, general)
    topic = RestrictedTopic.objects.create(policy=policy, name="Medical", keywords=["ibuprofen"],
                                           target_kind="specialty", target_specialty=medical)
    waiting = request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="specialty", specialty=medical))
    assert waiting.status == "pending" and waiting.assigned_to is None, "nobody has the medical specialty"

    medical.delete()

    topic.refresh_from_db()
    assert topic.target_kind == "" and services.restricted_topic_target(workspace=workspace, topic="Medical") is None
    waiting.refresh_from_db()
    assert (waiting.target_kind, waiting.target_specialty) == ("specialty", general), "the workspace's default now"
    tasks.assign_waiting_handoffs_task()
    waiting.refresh_from_db()
    assert waiting.assigned_to == online


def test_deleting_the_team_the_policy_targets_leaves_handoffs_for_every_online_agent(workspace, no_tasks):
    billing = Team.objects.create(workspace=workspace, name="Billing")
    policy = workspace.policy
    policy.target_kind, policy.target_team = "team", billing
    policy.save()
    waiting = request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="team", team=billing))
    closed = request_handoff(factories.ConversationFactory(workspace=workspace),
                             target=services.Target(kind="team", team=billing))
    Handoff.objects.filter(pk=closed.pk).update(status="resolved")

    billing.delete()

    policy.refresh_from_db()
    waiting.refresh_from_db()
    closed.refresh_from_db()
    assert policy.target_kind == "" and waiting.target_kind == ""
    assert closed.target_kind == "team", "a closed handoff keeps its history"


def test_deleting_an_agent_in_the_admin_sends_the_conversations_they_hold_back_to_the_queue(workspace, no_tasks):
    """An agent who leaves is deleted in /admin/: the conversations they had taken, and the one waiting for them,
    were left "assigned" to nobody (the assignee set to NULL), out of every queue for good. The confirmation page
    says what moves; deleting gives each to another agent of the default target, never back to the one leaving."""
    from django.test import Client

    from conversations.models import Conversation

    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    general, _ = default_specialty(workspace)
    leaving = agent_with(workspace, general)
    taken = request_handoff(factories.ConversationFactory(workspace=workspace))
    services.handoff_acknowledge(handoff=taken, agent=leaving)
    waiting = request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="user", user=leaving))
    assert (taken.assigned_to_id, waiting.assigned_to_id) == (leaving.pk, leaving.pk)
    colleague = agent_with(workspace, general)
    client = Client()
    client.force_login(admin)

    page = client.get(f"/admin/auth/user/{leaving.pk}/delete/").content.decode()
    listed = page.split('id="moving-to-default"', 1)[1].split("</ul>", 1)[0]
    assert "1 handoff still waiting" in listed and "(specialty general)" in page
    assert "2 open conversations they hold: back to the queue" in listed

    assert client.post(f"/admin/auth/user/{leaving.pk}/delete/", {"post": "yes"}).status_code == 302
    for conversation in (taken.conversation, waiting.conversation):
        conversation.refresh_from_db()
        handoff = Handoff.objects.filter(conversation=conversation, status__in=Handoff.OPEN_STATUSES).get()
        assert conversation.status == Conversation.Status.PENDING_HUMAN and conversation.needs_agent
        assert (handoff.target_kind, handoff.assigned_to, conversation.assignee) == ("specialty", colleague, colleague)


def test_deactivating_an_agent_hands_back_the_conversations_they_had_taken(workspace, no_tasks):
    """Unticking "active" is how an admin lets an agent go and keeps their name on the history. A conversation they
    had taken stayed theirs, with nobody left to answer it; now it goes to a colleague of the default target."""
    from conversations.models import Conversation

    general, _ = default_specialty(workspace)
    leaving = agent_with(workspace, general)
    taken = request_handoff(factories.ConversationFactory(workspace=workspace))
    services.handoff_acknowledge(handoff=taken, agent=leaving)
    colleague = agent_with(workspace, general)

    leaving.is_active = False
    leaving.save()

    conversation = Conversation.objects.get(pk=taken.conversation_id)
    handoff = Handoff.objects.filter(conversation=conversation, status__in=Handoff.OPEN_STATUSES).get()
    assert (conversation.status, handoff.assigned_to, conversation.assignee) == ("pending_human", colleague, colleague)
    leaving.save()  # saved again: nothing more moves
    assert Handoff.objects.filter(conversation=conversation).count() == 2


def test_an_agents_api_token_is_never_shown_in_admin(workspace):
    """Trial of 3 Dec: a user's delete page listed "Token: <the whole key>", and DRF's token admin lists every key:
    with it, anyone reading the page could call the API as that agent."""
    from django.test import Client
    from rest_framework.authtoken.models import Token

    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    leaving = factories.AgentFactory(workspace=workspace).user
    key = Token.objects.create(user=leaving).key
    client = Client()
    client.force_login(admin)

    page = client.get(f"/admin/auth/user/{leaving.pk}/delete/").content.decode()
    assert key not in page and f"API token …{key[-4:]}" in page
    bulk = client.post("/admin/auth/user/", {"action": "delete_selected", "_selected_action": [leaving.pk]})
    assert bulk.status_code == 200 and key not in bulk.content.decode()
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert key not in client.get("/admin/").content.decode()


def test_an_agent_taken_out_of_the_workspace_hands_back_what_they_hold(workspace, no_tasks):
    """Deleting the agent profile (the user stays) closed their inbox but left their conversations "assigned" to
    someone who no longer sees them. They go back to the queue, to a colleague."""
    from conversations.models import Conversation
    from routing.models import AgentProfile

    general, _ = default_specialty(workspace)
    leaving = agent_with(workspace, general)
    taken = request_handoff(factories.ConversationFactory(workspace=workspace))
    services.handoff_acknowledge(handoff=taken, agent=leaving)
    colleague = agent_with(workspace, general)

    AgentProfile.objects.get(user=leaving).delete()

    conversation = Conversation.objects.get(pk=taken.conversation_id)
    assert conversation.assignee_id != leaving.pk
    handoff = conversation.handoffs.order_by("-id").first()
    assert handoff.status == "pending" and handoff.assigned_to_id in (None, colleague.pk)


def test_deleting_a_workspace_takes_its_agents_and_conversations_together(workspace, no_tasks):
    from conversations.models import Conversation

    general, _ = default_specialty(workspace)
    agent = agent_with(workspace, general)
    taken = request_handoff(factories.ConversationFactory(workspace=workspace))
    services.handoff_acknowledge(handoff=taken, agent=agent)

    workspace.delete()

    assert not Conversation.objects.exists() and not Handoff.objects.exists()
