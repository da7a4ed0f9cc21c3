"""Exactly one outcome per visitor message, whatever dies when (real processes, real faults).

Each test breaks a real stack: SIGKILL a Celery worker in the middle of a turn, restart
Redis while a visitor writes, terminate the workers' database connections mid-turn. The
visitor's message must end with exactly one outcome (an AI reply or a handoff) and the
"responding" indicator must end off. Every wait is bounded (see conftest.wait_for).
"""
from __future__ import annotations

import json
import threading
import time

import pytest
from celery import Celery
from django.db import connection
from websockets.sync.client import connect

from conversations import knowledge, services
from conversations.models import Message
from helpdesk import embedded_paths
from tests import factories
from tests.integration.conftest import LEASE_SECONDS, SWEEP_SECONDS, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

QUESTION = "How long does standard shipping take?"


def shop():
    workspace = factories.WorkspaceFactory(slug="faults")
    factories.PolicyFactory(workspace=workspace)
    factories.ArticleFactory(workspace=workspace, title="Shipping times",
                             body="Standard shipping takes 2 to 4 working days in Spain and Portugal.")
    knowledge.knowledge_reindex(workspace=workspace)
    return workspace


def outcomes_for(message_id: int) -> list[Message]:
    """What answered the message: the AI replies and handoff notices written after it, before the next visitor message."""
    message = Message.objects.get(pk=message_id)
    later = Message.objects.filter(conversation_id=message.conversation_id, id__gt=message_id).order_by("id")
    out = []
    for m in later:
        if m.sender_type == "visitor":
            break
        if m.sender_type == "ai" or (m.sender_type == "system" and "handoff" in m.metadata):
            out.append(m)
    return out


def settled(message_id: int) -> Message | None:
    message = Message.objects.get(pk=message_id)
    return message if message.turn_processed_at else None


class TypingWatch:
    """The widget's socket, recording the "responding" indicator as the visitor sees it."""

    def __init__(self, stack, visitor) -> None:
        self.url = f"ws://127.0.0.1:{stack.port}/ws/widget/{visitor.conversation_id}/?token={visitor.token}"
        self.states: list[bool] = []
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._connected.wait(10), "the widget socket did not connect"

    def _read(self) -> None:
        with connect(self.url, open_timeout=10) as socket:
            self._connected.set()
            while not self._stop.is_set():
                try:
                    event = json.loads(socket.recv(timeout=0.2))
                except TimeoutError:
                    continue
                except Exception:  # Daphne went away: the test's assertions say what matters
                    return
                if event.get("type") == "ai.typing":
                    self.states.append(bool(event["active"]))

    @property
    def on(self) -> bool:
        return bool(self.states) and self.states[-1]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def test_a_worker_killed_mid_turn_leaves_no_message_unanswered(make_stack, slow_model):
    stack = make_stack(model_url=slow_model.url)
    workspace = shop()
    stack.start_worker("worker")
    visitor = stack.widget(workspace.slug)
    typing = TypingWatch(stack, visitor)
    slow_model.delay = 120  # the turn waits on the model: that is when the worker dies
    response = visitor.send(QUESTION)
    assert response.status_code == 201, response.text
    message_id = int(response.json()["id"])
    wait_for(slow_model.started.is_set, timeout=90, what="the turn to reach the model")

    stack.kill("worker")
    assert outcomes_for(message_id) == [] and settled(message_id) is None, "nothing half-done was committed"
    assert typing.on

    slow_model.delay = 0
    stack.start_worker("worker-2", node="another@faults")  # not the dead one started again: the lease lapses
    wait_for(lambda: settled(message_id), timeout=60 + LEASE_SECONDS, what="the turn to be taken up again")
    time.sleep(3 * SWEEP_SECONDS)  # a duplicate turn would land meanwhile
    replies = outcomes_for(message_id)
    assert len(replies) == 1 and replies[0].sender_type == "ai", [m.body for m in replies]
    assert "working days" in replies[0].body
    assert settled(message_id).turn_outcome == "reply"
    wait_for(lambda: not typing.on, timeout=10, what="the responding indicator to go off")
    typing.close()


def test_a_worker_started_again_after_sigkill_answers_its_turn_without_waiting_out_the_lease(make_stack, slow_model):
    stack = make_stack(model_url=slow_model.url, lease_seconds=600)  # only the restart can answer in time
    workspace = shop()
    stack.start_worker("worker")
    visitor = stack.widget(workspace.slug)
    typing = TypingWatch(stack, visitor)
    slow_model.delay = 120
    message_id = int(visitor.send(QUESTION).json()["id"])
    wait_for(slow_model.started.is_set, timeout=90, what="the turn to reach the model")
    claimed = Message.objects.get(pk=message_id)
    assert claimed.turn_claim_worker.startswith("worker@faults ")

    stack.kill("worker")  # SIGKILL mid-turn; the supervisor starts it again under its node name
    slow_model.delay = 0
    stack.start_worker("worker-restarted", node="worker@faults")
    answered = wait_for(lambda: settled(message_id), timeout=120, what="the restarted worker to take the turn")
    assert answered.turn_processed_at < claimed.turn_lease_until, "answered before the dead claim's lease lapsed"
    time.sleep(3 * SWEEP_SECONDS)  # a duplicate turn would land meanwhile
    replies = outcomes_for(message_id)
    assert len(replies) == 1 and "working days" in replies[0].body, [m.body for m in replies]
    wait_for(lambda: not typing.on, timeout=10, what="the responding indicator to go off")
    typing.close()


def test_a_turn_whose_task_redis_lost_is_queued_again_once(make_stack):
    """The worker that starts queues it when it is ready (no worker had started it); the sweep does not queue it
    again."""
    stack = make_stack(lease_seconds=600)
    workspace = shop()
    visitor = stack.widget(workspace.slug)
    response = visitor.send(QUESTION)  # stored, its task queued in Redis; no worker runs yet
    assert response.status_code == 201, response.text
    message_id = int(response.json()["id"])
    stack.stop_redis()  # SIGKILL, no persistence: the queued task is gone
    stack.start_redis()
    stack.start_worker("worker")

    answered = wait_for(lambda: settled(message_id), timeout=120, what="the lost turn to be queued again")
    time.sleep(3 * SWEEP_SECONDS)  # later sweeps must not queue it again
    assert len(outcomes_for(message_id)) == 1
    assert answered.turn_attempts == 1
    log = (stack.tmp / "worker.log").read_text(errors="replace")
    assert log.count("Queued 1 turn(s) again that no worker had started") == 1, log[-3000:]
    assert "Queued 1 turn(s) again that had no outcome" not in log, log[-3000:]


def test_a_message_sent_while_redis_is_down_is_answered_once_redis_is_back(make_stack):
    stack = make_stack()
    workspace = shop()
    stack.start_worker("worker")
    visitor = stack.widget(workspace.slug)

    stack.stop_redis()
    response = visitor.send(QUESTION, key="retry-1")
    assert response.status_code == 201, response.text  # stored: the visitor's words are never lost
    message_id = int(response.json()["id"])
    assert settled(message_id) is None

    stack.start_redis()
    # The widget retries with the same key: the stored message comes back and gets its turn.
    again = visitor.send(QUESTION, key="retry-1")
    assert again.status_code in (200, 201) and int(again.json()["id"]) == message_id
    wait_for(lambda: settled(message_id), timeout=90, what="the stored message to get its turn")
    time.sleep(3 * SWEEP_SECONDS)
    assert len(outcomes_for(message_id)) == 1
    assert Message.objects.filter(conversation_id=visitor.conversation_id, sender_type="visitor").count() == 1


def test_messages_sent_while_redis_hangs_are_stored_at_once_and_answered_when_it_wakes(make_stack):
    """A Redis that accepts connections and never answers must not hold the visitors' requests (and Daphne's worker
    threads): the limits are let through, the live updates and the tasks given up after a short timeout (the first
    request) or at once (the next ones: redis_breaker), and the sweep queues each stored message once Redis answers."""
    stack = make_stack()
    workspace = shop()
    stack.start_worker("worker")
    visitors = [stack.widget(workspace.slug) for _ in range(3)]

    stack.freeze_redis()
    try:
        responses = [visitor.send(QUESTION) for visitor in visitors]  # each bounded by the client's 30 s
        newcomer = stack.widget(workspace.slug)  # a new chat opens too (it was a 503: trial 27)
        responses.append(newcomer.send(QUESTION))
    finally:
        stack.thaw_redis()
    assert [r.status_code for r in responses] == [201, 201, 201, 201], [r.text for r in responses]
    for response in responses:
        message_id = int(response.json()["id"])
        wait_for(lambda: settled(message_id), timeout=90 + LEASE_SECONDS, what="the stored message to get its turn")
    time.sleep(3 * SWEEP_SECONDS)
    assert [len(outcomes_for(int(r.json()["id"]))) for r in responses] == [1, 1, 1, 1]


def test_a_message_stored_while_the_broker_is_down_is_swept_without_any_retry(make_stack):
    stack = make_stack()
    workspace = shop()
    stack.start_worker("worker")
    visitor = stack.widget(workspace.slug)

    stack.stop_redis()
    message_id = int(visitor.send(QUESTION).json()["id"])
    stack.start_redis()
    wait_for(lambda: settled(message_id), timeout=90 + LEASE_SECONDS, what="beat's sweep to queue the turn")
    assert len(outcomes_for(message_id)) == 1


def test_terminated_database_connections_mid_turn_are_retried_to_one_outcome(make_stack, slow_model):
    stack = make_stack(model_url=slow_model.url)
    workspace = shop()
    stack.start_worker("worker")
    visitor = stack.widget(workspace.slug)
    slow_model.delay = 3
    message_id = int(visitor.send(QUESTION).json()["id"])
    wait_for(slow_model.started.is_set, timeout=90, what="the turn to reach the model")

    with connection.cursor() as cursor:  # every other session on the test database: the worker's and Daphne's
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        assert cursor.fetchone()[0] >= 1
    slow_model.delay = 0
    wait_for(lambda: settled(message_id), timeout=60, what="the turn to complete after reconnecting")
    time.sleep(3 * SWEEP_SECONDS)
    replies = outcomes_for(message_id)
    assert len(replies) == 1 and "working days" in replies[0].body
    assert stack.procs["worker"].poll() is None, "the worker survived the lost connection"


def test_a_worker_killed_in_the_middle_of_a_batchs_turns_leaves_none_of_them_unanswered(make_stack, slow_model,
                                                                                         no_tasks):
    """Visitor messages written together queue their turns as one task (`process_turns_task`): the worker
    dies in the first turn; the others were never claimed. Each still gets exactly one outcome."""
    stack = make_stack(model_url=slow_model.url)
    workspace = shop()
    conversations = [factories.ConversationFactory(workspace=workspace) for _ in range(3)]
    batch = services.receive_messages([services.IncomingMessage(c, QUESTION) for c in conversations])
    queued = [args for name, args in no_tasks if name == "process_turns_task"]
    assert queued == [([m.pk for m in batch],)], "one task message for the batch's turns"
    broker = Celery(broker=embedded_paths.celery_redis_url(f"unix://{stack.redis_socket}"), set_as_current=False)
    stack.start_worker("worker")
    slow_model.delay = 120  # the first turn waits on the model: that is when the worker dies
    broker.send_task("conversations.tasks.process_turns_task", args=queued[0], queue=stack.env["HELPDESK_CELERY_QUEUE"])
    wait_for(slow_model.started.is_set, timeout=90, what="the batch's first turn to reach the model")

    stack.kill("worker")
    assert [settled(m.pk) for m in batch] == [None, None, None], "nothing half-done was committed"
    slow_model.delay = 0
    stack.start_worker("worker-2", node="another@faults")
    for message in batch:
        wait_for(lambda: settled(message.pk), timeout=60 + LEASE_SECONDS, what="every turn of the batch answered")
    time.sleep(3 * SWEEP_SECONDS)  # a duplicate turn would land meanwhile
    for message in batch:
        replies = outcomes_for(message.pk)
        assert len(replies) == 1 and "working days" in replies[0].body, [m.body for m in replies]
