"""A survey goes out exactly once: task redelivery, sweep/countdown races, a worker dying mid-send.

Real threads on the real PostgreSQL with committed rows; nothing is killed, the crash is an
exception raised after the row was claimed (what a dying worker leaves behind: a transaction
that never commits).
"""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from conversations import services
from conversations.models import Conversation
from csat import services as csat_services
from csat import tasks
from csat.models import Survey
from tests import factories
from tests.csat.conftest import survey_of

pytestmark = pytest.mark.django_db(transaction=True)


def resolved_survey(*, delay_seconds: int) -> Survey:
    """A committed web conversation, resolved: its survey, due `delay_seconds` after the resolve."""
    workspace = factories.WorkspaceFactory()
    factories.PolicyFactory(workspace=workspace, csat_enabled=True, csat_delay_seconds=delay_seconds)
    conversation = factories.ConversationFactory(workspace=workspace)
    csat_services.conversation_resolve(conversation=conversation, resolution="resolved")
    return survey_of(conversation)


@pytest.fixture
def due_survey(no_tasks) -> Survey:
    """Resolved with no delay: the survey is due now."""
    return resolved_survey(delay_seconds=0)


def surveys_delivered(survey: Survey) -> int:
    return survey.conversation.messages.filter(metadata__csat__token=survey.token).count()


def requested_events(published) -> list[dict]:
    return [e for e in published if e["type"] == "csat.requested"]


def run_in_threads(*targets) -> tuple[list, list[BaseException]]:
    """Run each target in its own thread (own DB connection), started together."""
    results: list = [None] * len(targets)
    errors: list[BaseException] = []
    start = threading.Barrier(len(targets))

    def runner(index, target):
        start.wait()
        try:
            results[index] = target()
        except BaseException as exc:  # surfaced by the assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def slow_delivery(monkeypatch, seconds: float = 0.5) -> None:
    """Hold the claimed row (and its transaction) open a while, so racers really overlap."""
    deliver = csat_services._deliver

    def slow(survey, conversation):
        time.sleep(seconds)
        deliver(survey, conversation)

    monkeypatch.setattr(csat_services, "_deliver", slow)


def test_the_countdown_task_delivered_twice_sends_once(due_survey, published):
    # acks_late: a worker that dies after the commit but before the ack gets the task again.
    assert tasks.send_survey_task.run(due_survey.pk) == "sent"
    assert tasks.send_survey_task.run(due_survey.pk) == "skipped"

    assert surveys_delivered(due_survey) == 1
    assert len(requested_events(published)) == 1
    due_survey.refresh_from_db()
    assert due_survey.status == "sent"


def test_the_sweep_and_the_countdown_racing_send_once(due_survey, published, monkeypatch):
    slow_delivery(monkeypatch)

    results, errors = run_in_threads(lambda: tasks.send_survey_task.run(due_survey.pk),
                                     tasks.send_due_surveys_task.run)

    assert errors == []
    countdown_outcome, swept = results
    assert sorted([countdown_outcome == "sent", swept == 1]) == [False, True], results
    assert surveys_delivered(due_survey) == 1
    assert len(requested_events(published)) == 1


def test_many_concurrent_senders_send_once(due_survey, published, monkeypatch):
    slow_delivery(monkeypatch, 0.3)
    senders = [lambda: csat_services.survey_send(survey_id=due_survey.pk) for _ in range(4)]
    senders += [tasks.send_due_surveys_task.run for _ in range(2)]

    results, errors = run_in_threads(*senders)

    assert errors == []
    assert results[:4].count("sent") + sum(results[4:]) == 1, results
    assert surveys_delivered(due_survey) == 1
    assert len(requested_events(published)) == 1


def test_a_worker_dying_mid_send_leaves_the_survey_for_the_sweep(due_survey, published, monkeypatch):
    def crash(survey, conversation):
        # The row is already flipped to "sent" in this transaction; dying now must lose nothing.
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch, pytest.raises(SystemExit):
        patch.setattr(csat_services, "_deliver", crash)
        tasks.send_survey_task.run(due_survey.pk)
    due_survey.refresh_from_db()
    assert due_survey.status == "scheduled" and due_survey.sent_at is None
    assert surveys_delivered(due_survey) == 0 and requested_events(published) == []

    assert tasks.send_due_surveys_task.run() == 1  # after the restart, the beat sweep finds it
    assert tasks.send_due_surveys_task.run() == 0  # and a rerun finds nothing
    assert tasks.send_survey_task.run(due_survey.pk) == "skipped"  # the redelivered countdown is a no-op
    assert surveys_delivered(due_survey) == 1
    assert len(requested_events(published)) == 1


def test_a_lost_countdown_is_covered_by_the_sweep(no_tasks, survey_countdowns, published):
    """The broker lost the countdown (or the worker restarted with it): the row still has its due time."""
    survey = resolved_survey(delay_seconds=30)
    assert survey_countdowns == [(survey.pk, 30)]  # enqueued on commit... and never run

    assert tasks.send_due_surveys_task.run() == 0, "not before the delay"
    Survey.objects.filter(pk=survey.pk).update(due_at=timezone.now() - dt.timedelta(seconds=1))  # 30 s later
    assert tasks.send_due_surveys_task.run() == 1
    assert surveys_delivered(survey) == 1 and len(requested_events(published)) == 1


def test_an_early_countdown_waits_for_the_due_time(no_tasks, survey_countdowns):
    survey = resolved_survey(delay_seconds=30)

    assert tasks.send_survey_task.run(survey.pk) == "not_due"
    assert survey_countdowns[-1][0] == survey.pk and 1 <= survey_countdowns[-1][1] <= 30
    assert survey_of(survey.conversation).status == "scheduled"


def test_a_reopen_racing_the_send_cancels_it_without_a_deadlock(due_survey, published):
    """The visitor writes while the survey is being sent: the send yields to the reopen."""
    conversation = due_survey.conversation
    reopened = threading.Event()

    def visitor_writes():
        with transaction.atomic():
            locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
            services.conversation_reopen(conversation=locked)  # cancels with SKIP LOCKED: never waits
            reopened.set()
            time.sleep(0.5)  # the sender is now blocked on the conversation row
        return "reopened"

    def sender():
        reopened.wait(timeout=10)
        return csat_services.survey_send(survey_id=due_survey.pk)

    results, errors = run_in_threads(visitor_writes, sender)

    assert errors == []
    assert results[0] == "reopened" and results[1] in ("skipped", "cancelled")
    due_survey.refresh_from_db()
    assert due_survey.status == "cancelled"
    assert surveys_delivered(due_survey) == 0 and requested_events(published) == []


def test_a_send_holding_the_survey_when_the_visitor_writes_cancels_itself(due_survey, published):
    """The other order: the sender has claimed the survey row; the reopen skips it, the send sees the reopen."""
    conversation = due_survey.conversation
    claimed, reopened = threading.Event(), threading.Event()

    class PausingNow(dt.datetime):
        """The send compares the due time with `now` right after claiming the row: pause there."""

        def __lt__(self, other):
            claimed.set()
            reopened.wait(timeout=10)
            return super().__lt__(other)

    def sender():
        return csat_services.survey_send(survey_id=due_survey.pk, now=PausingNow.fromtimestamp(time.time(), dt.UTC))

    def visitor_writes():
        claimed.wait(timeout=10)
        services.receive_message(conversation=conversation, body="wait, one more question")
        reopened.set()
        return "reopened"

    results, errors = run_in_threads(sender, visitor_writes)

    assert errors == []
    assert results == ["cancelled", "reopened"]
    due_survey.refresh_from_db()
    assert (due_survey.status, due_survey.cancel_reason) == ("cancelled", "reopened")
    assert surveys_delivered(due_survey) == 0 and requested_events(published) == []
