"""Presence and re-routing under concurrency, on the real database with real threads."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import services, tasks
from conversations.assistant.phrases import phrase
from conversations.models import Conversation, Handoff, Message
from routing import presence
from routing.models import AgentProfile
from tests import factories
from tests.conftest import request_handoff, run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def specialty(workspace):
    return factories.SpecialtyFactory(workspace=workspace)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Coming online enqueues the waiting-handoff sweep; these tests run that sweep themselves."""
    monkeypatch.setattr(presence, "pull_waiting_handoffs", lambda: None)


def test_agents_coming_online_while_sweeps_race_get_each_waiting_handoff_once(workspace, specialty):
    agents = [factories.AgentFactory(workspace=workspace, specialties=[specialty], capacity=4, last_seen_at=None).user
              for _ in range(3)]
    for _ in range(20):
        request_handoff(factories.ConversationFactory(workspace=workspace),
                        target=services.Target(kind="specialty", specialty=specialty))
    assert not Handoff.objects.filter(assigned_to__isnull=False).exists(), "nobody was online"

    comings = [lambda a=a: presence.presence_seen(user_id=a.pk) for a in agents]
    errors = run_together(*comings, tasks.assign_waiting_handoffs_task, repeat=4)
    assert errors == []
    tasks.assign_waiting_handoffs_task()  # a sweep that started before the last agent came online

    per_agent = Counter(Handoff.objects.filter(assigned_to__isnull=False).values_list("assigned_to_id", flat=True))
    assert [per_agent[a.pk] for a in agents] == [4, 4, 4], "capacity filled, never exceeded"
    assert Handoff.objects.filter(assigned_to__isnull=True).count() == 8
    for handoff in Handoff.objects.select_related("conversation"):
        assert handoff.assigned_to_id == handoff.conversation.assignee_id
        told = handoff.conversation.messages.filter(body=phrase("handoff_dequeued", "en")).count()
        assert told == (1 if handoff.assigned_to_id else 0), "the visitor is told once, when it is assigned"


def test_concurrent_reroute_sweeps_move_each_handoff_once(workspace, specialty):
    gone = factories.AgentFactory(workspace=workspace, specialties=[specialty], capacity=20).user
    for _ in range(12):
        request_handoff(factories.ConversationFactory(workspace=workspace),
                        target=services.Target(kind="specialty", specialty=specialty))
    here = [factories.AgentFactory(workspace=workspace, specialties=[specialty], capacity=20).user for _ in range(2)]
    AgentProfile.objects.filter(user=gone).update(last_seen_at=timezone.now() - timedelta(minutes=5))

    assert run_together(tasks.reroute_handoffs_task, repeat=4) == []

    per_agent = Counter(Conversation.objects.values_list("assignee_id", flat=True))
    assert per_agent[gone.pk] == 0 and [per_agent[a.pk] for a in here] == [6, 6]
    told = Message.objects.filter(sender_type="system", metadata__notice="someone_has_it")
    assert Counter(told.values_list("conversation_id", flat=True)) == Counter(
        {c: 1 for c in Conversation.objects.values_list("pk", flat=True)}), "each visitor told exactly once"


@pytest.mark.parametrize("attempt", range(3))
def test_an_acknowledgement_racing_a_reroute_leaves_one_owner(workspace, specialty, attempt):
    ana = factories.AgentFactory(workspace=workspace, specialties=[specialty]).user
    handoff = request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="specialty", specialty=specialty))
    bo = factories.AgentFactory(workspace=workspace, specialties=[specialty]).user
    AgentProfile.objects.filter(user=ana).update(last_seen_at=timezone.now() - timedelta(minutes=1))

    errors = run_together(lambda: services.handoff_acknowledge(handoff=handoff, agent=ana),
                          lambda: services.handoff_reroute(handoff=handoff))

    assert errors == []
    handoff.refresh_from_db()
    conversation = Conversation.objects.get(pk=handoff.conversation_id)
    assert handoff.status == "acknowledged" and conversation.status == "assigned"
    assert handoff.acknowledged_by == ana and handoff.assigned_to == ana and conversation.assignee == ana
    assert conversation.assignee != bo
