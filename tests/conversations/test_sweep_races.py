"""Sweeps decide under the row locks: an agent who takes a handoff while the expiry sweep runs keeps it.

Two real database connections (threads) race; the sweep is held at the lock until the
agent's transaction commits, exactly the interleaving that used to cancel a taken handoff.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from conversations import services, tasks
from conversations.models import Handoff
from tests import factories
from tests.conftest import request_handoff

pytestmark = pytest.mark.django_db(transaction=True)


def stale_pending_handoff(no_tasks):
    workspace = factories.WorkspaceFactory()
    policy = factories.PolicyFactory(workspace=workspace)
    policy.expiry_minutes = 30
    policy.save()
    agent = factories.AgentFactory(workspace=workspace).user
    conversation = factories.ConversationFactory(workspace=workspace)
    handoff = request_handoff(conversation, target=services.Target(kind="user", user=agent))
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Handoff.objects.filter(pk=handoff.pk).update(requested_at=an_hour_ago)
    conversation.last_visitor_message_at = an_hour_ago
    conversation.save()
    return handoff, agent


def someone_waits_for_a_lock(timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def in_thread(target, results: dict, name: str) -> threading.Thread:
    def run():
        try:
            results[name] = target()
        except BaseException as exc:  # reported by the test
            results[name] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_expiry_does_not_cancel_a_handoff_acknowledged_while_it_ran(no_tasks):
    handoff, agent = stale_pending_handoff(no_tasks)
    acknowledged, release = threading.Event(), threading.Event()
    results: dict = {}

    def agent_takes_it():
        with transaction.atomic():
            taken = services.handoff_acknowledge(handoff=Handoff.objects.get(pk=handoff.pk), agent=agent)
            acknowledged.set()
            release.wait(30)  # holds the locks while the sweep reaches them
        return taken

    agent_thread = in_thread(agent_takes_it, results, "agent")
    assert acknowledged.wait(20)
    sweep = in_thread(tasks.expire_handoffs_task, results, "sweep")
    assert someone_waits_for_a_lock(), "the sweep never reached the handoff's lock"
    release.set()
    agent_thread.join(30)
    sweep.join(30)

    assert results["agent"].status == "acknowledged"
    assert results["sweep"] == 0
    handoff.refresh_from_db()
    assert handoff.status == Handoff.Status.ACKNOWLEDGED


def test_expiry_keeps_a_handoff_whose_visitor_wrote_after_the_sweep_picked_it(no_tasks):
    handoff, _agent = stale_pending_handoff(no_tasks)
    cutoff = timezone.now() - timedelta(minutes=30)
    picked = Handoff.objects.select_related("conversation").get(pk=handoff.pk)  # what the sweep selected
    conversation = handoff.conversation
    conversation.last_visitor_message_at = timezone.now()  # then the visitor writes
    conversation.save()

    assert services.handoff_expire(handoff=picked, cutoff=cutoff) is False
    handoff.refresh_from_db()
    assert handoff.status == Handoff.Status.PENDING
    assert services.handoff_expire(handoff=picked, cutoff=timezone.now() + timedelta(seconds=1)) is True
