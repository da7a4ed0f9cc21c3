"""A deleted team, specialty or agent leaves the default target behind, never a target of nothing."""
from __future__ import annotations

import pytest

from conversations import services, tasks
from conversations.models import Handoff
from routing.models import RestrictedTopic, Specialty, Team
from tests import factories
from tests.conftest import request_handoff

pytestmark = pytest.mark.django_db


def test_deleting_a_specialty_sends_its_topic_and_its_queue_to_the_default_target(workspace, no_tasks):
    """Deleting "medical" left the "Medical" topic and its queued handoffs as "specialty: none": nobody was ever
    assigned, with three agents online (trial of 3 Dec)."""
    medical = Specialty.objects.create(workspace=workspace, name="medical")
    general = Specialty.objects.create(workspace=workspace, name="general")
    online = factories.AgentFactory(workspace=workspace).user
    online.agent.specialties.set([general])
    policy = workspace.policy
    policy.target_kind, policy.target_specialty = "specialty", general
    policy.save()
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
