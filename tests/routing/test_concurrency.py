"""Round-robin under concurrent handoffs, on the real database with real threads."""
from __future__ import annotations

import threading
from collections import Counter

import pytest

from conversations import services
from conversations.models import Conversation, Handoff
from tests import factories
from tests.conftest import request_handoff, run_together

pytestmark = pytest.mark.django_db(transaction=True)


def fire_concurrently(conversations, specialty, threads: int = 12) -> list[Exception]:
    todo = list(conversations)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                conversation = todo.pop()
            request_handoff(conversation, reason="load test",
                            target=services.Target(kind="specialty", specialty=specialty))

    return run_together(worker, repeat=threads)


@pytest.fixture
def specialty(workspace):
    return factories.SpecialtyFactory(workspace=workspace)


def test_60_concurrent_handoffs_spread_evenly_over_4_agents(workspace, specialty):
    agents = [factories.AgentFactory(workspace=workspace, capacity=20, specialties=[specialty]).user for _ in range(4)]
    conversations = [factories.ConversationFactory(workspace=workspace) for _ in range(60)]

    assert fire_concurrently(conversations, specialty) == []

    handoffs = Handoff.objects.filter(conversation__workspace=workspace)
    assert handoffs.count() == 60, "every conversation handed off exactly once"
    per_agent = Counter(Conversation.objects.filter(workspace=workspace).values_list("assignee_id", flat=True))
    counts = [per_agent[a.pk] for a in agents]
    assert sum(counts) == 60 and max(counts) - min(counts) <= 1, counts
    assert all(h.assigned_to_id == h.conversation.assignee_id for h in handoffs.select_related("conversation"))


def test_capacity_is_never_exceeded_and_the_rest_wait_in_the_queue(workspace, specialty):
    agents = [factories.AgentFactory(workspace=workspace, capacity=5, specialties=[specialty]).user for _ in range(4)]
    offline = factories.AgentFactory(workspace=workspace, capacity=50, available=False, specialties=[specialty]).user
    conversations = [factories.ConversationFactory(workspace=workspace) for _ in range(30)]

    assert fire_concurrently(conversations, specialty) == []

    per_agent = Counter(Conversation.objects.filter(workspace=workspace).values_list("assignee_id", flat=True))
    assert [per_agent[a.pk] for a in agents] == [5, 5, 5, 5]
    assert per_agent[offline.pk] == 0, "offline agents are skipped"
    waiting = Handoff.objects.filter(conversation__workspace=workspace, status="pending", assigned_to__isnull=True)
    assert waiting.count() == 10
