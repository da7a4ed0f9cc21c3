"""Visitor messages written together (group commit): `services.receive_messages` on the real
database, the widget consumers' batch on the real Redis, and two batches at once."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.utils import timezone
from rest_framework.authtoken.models import Token

from conversations import consumers, realtime, services, tasks
from conversations.models import Conversation, Message
from conversations.socket_batch import GroupCommit
from helpdesk.asgi import application
from helpdesk.errors import DomainError
from tests import factories
from tests.conftest import close_socket_connections
# steady_clock is autouse: every test here counts its limits in windows of its own
from tests.defences.test_abuse import fresh_address, steady_clock  # noqa: F401


def incoming(conversation, body, client_id=None):
    return services.IncomingMessage(conversation=conversation, body=body, client_id=client_id)


def turns_queued(no_tasks) -> list[int]:
    """The message ids whose turns were queued, in order, whichever task carried them."""
    ids: list[int] = []
    for name, args in no_tasks:
        if name == "process_turns_task":
            ids += args[0]
        elif name == "process_turn_task":
            ids.append(args[0])
    return ids


@pytest.fixture
def conversations(workspace):
    return [factories.ConversationFactory(workspace=workspace) for _ in range(3)]


def test_a_batch_stores_each_message_in_order_and_publishes_and_queues_like_one_message_each(
        workspace, conversations, published, no_tasks, django_capture_on_commit_callbacks):
    first, second, third = conversations
    with django_capture_on_commit_callbacks(execute=True):
        results = services.receive_messages([
            incoming(second, "two-a"), incoming(first, "one"), incoming(second, "two-b"), incoming(third, "three")])
        assert published == [] and no_tasks == [], "nothing before the commit"

    assert [m.body for m in results] == ["two-a", "one", "two-b", "three"]
    stored = {m.pk: m for m in Message.objects.filter(pk__in=[m.pk for m in results])}
    assert [stored[m.pk].body for m in results] == ["two-a", "one", "two-b", "three"]
    assert list(second.messages.filter(sender_type="visitor").values_list("body", flat=True)) == ["two-a", "two-b"]
    assert all(stored[m.pk].sender_name == str(m.conversation.contact) for m in results)
    for conversation in conversations:
        conversation.refresh_from_db()
        written = stored[results[3].pk].created_at
        assert conversation.last_visitor_message_at == conversation.last_activity_at == written, (
            "the conversations' latest activity: when the batch was written")

    inbox = f"inbox.{workspace.pk}"
    for message in results:
        widget = f"conversation.{message.conversation_id}"
        mine = [(e["type"], e["_group"]) for e in published
                if e.get("conversation") == str(message.conversation_id)
                or e.get("message", {}).get("id") == str(message.pk)]
        assert ("message.created", widget) in mine and ("message.created", inbox) in mine
        assert ("ai.typing", widget) in mine and ("ai.typing", inbox) in mine
    created = [e["message"]["body"] for e in published if e["type"] == "message.created" and e["_group"] == inbox]
    assert created == ["two-a", "one", "two-b", "three"], "the inbox hears them in order"
    assert no_tasks == [("process_turns_task", ([m.pk for m in results],))], "one task carries the batch's turns"


def test_one_bad_frame_is_refused_alone(conversations, published, no_tasks, django_capture_on_commit_callbacks):
    first, second, _ = conversations
    with django_capture_on_commit_callbacks(execute=True):
        results = services.receive_messages([
            incoming(first, "fine"), incoming(second, "   "), incoming(second, "also fine", client_id=7),
            incoming(first, "x" * 100_000), incoming(second, "fine too")])

    assert isinstance(results[0], Message) and isinstance(results[4], Message)
    assert [(type(r), r.code) for r in results[1:4]] == [(DomainError, "empty_message"), (DomainError, "invalid"),
                                                        (DomainError, "message_too_large")]
    assert sorted(Message.objects.filter(sender_type="visitor").values_list("body", flat=True)) == ["fine", "fine too"]
    assert turns_queued(no_tasks) == [results[0].pk, results[4].pk]


def test_a_client_id_sent_twice_is_stored_once_within_a_batch_and_across_batches(
        conversations, no_tasks, django_capture_on_commit_callbacks):
    first, second, _ = conversations
    with django_capture_on_commit_callbacks(execute=True):
        a, b, c = services.receive_messages([
            incoming(first, "hello", "c-1"), incoming(second, "hello", "c-1"), incoming(first, "hello", "c-1")])
    assert a.pk == c.pk != b.pk, "a client id is the visitor's key within their conversation"
    assert first.messages.filter(sender_type="visitor").count() == 1
    assert turns_queued(no_tasks) == [a.pk, b.pk], "the duplicate queues no second turn"

    Message.objects.filter(pk=b.pk).update(turn_lease_until=timezone.now() + timedelta(minutes=1))
    no_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.receive_messages([incoming(first, "hello", "c-1"), incoming(second, "hello", "c-1"),
                                           incoming(second, "new", "c-2")])
    assert [m.pk for m in again[:2]] == [a.pk, b.pk], "a retry returns the stored message"
    assert Message.objects.filter(sender_type="visitor").count() == 3
    assert turns_queued(no_tasks) == [a.pk, again[2].pk], (
        "a retry of a message whose turn never started (the broker was down) queues it; a running turn is left be")


def test_a_resolved_conversation_reopens_and_a_human_owned_one_notifies_its_owner(
        workspace, conversations, agent, published, no_tasks, django_capture_on_commit_callbacks):
    resolved, owned, plain = conversations
    Conversation.objects.filter(pk=resolved.pk).update(status=Conversation.Status.RESOLVED, resolution="resolved")
    Conversation.objects.filter(pk=owned.pk).update(status=Conversation.Status.ASSIGNED, assignee=agent)
    with django_capture_on_commit_callbacks(execute=True):
        results = services.receive_messages([
            incoming(resolved, "back again"), incoming(owned, "are you there?"), incoming(plain, "hi"),
            incoming(resolved, "still there?"), incoming(owned, "hello?")])

    assert all(isinstance(m, Message) for m in results)
    resolved.refresh_from_db()
    assert (resolved.status, resolved.resolution) == ("open", "")
    # the reopening, then the visitor's first words joining the inbox's views (resolved, then the plain one)
    assert [(e["conversation"]["id"], e["status"], e["conversation"]["not_started"]) for e in published
            if e["type"] == "conversation.updated" and e["_group"] == f"inbox.{workspace.pk}"] == [
        (str(resolved.pk), "open", True), (str(resolved.pk), "open", False), (str(plain.pk), "open", False)]
    owned_messages = [m for m in results if m.conversation_id == owned.pk]
    assert {(m.turn_outcome, m.turn_processed_at is not None) for m in owned_messages} == {("human", True)}
    notes = [(e["_group"], e["kind"]) for e in published if e["type"] == "notification"]
    assert notes == [(f"agent.{agent.pk}", "visitor_message")] * 2
    assert not [e for e in published if e["type"] == "ai.typing" and e["conversation"] == str(owned.pk)]
    assert sorted(turns_queued(no_tasks)) == sorted(m.pk for m in results if m.conversation_id != owned.pk)
    assert list(resolved.messages.filter(sender_type="visitor").values_list("body", flat=True)) == [
        "back again", "still there?"]


def test_the_limits_of_a_batch_are_each_senders_own(workspace, settings, no_tasks):
    settings.HELPDESK_VISITOR_MESSAGE_RATE = "2/min"
    chatty, quiet = (factories.ConversationFactory(workspace=workspace) for _ in range(2))
    address = fresh_address()
    frames = [consumers.VisitorFrame(chatty, {"body": f"chatty {n}"}, address) for n in range(3)]
    frames.insert(1, consumers.VisitorFrame(quiet, {"body": "quiet"}, address))
    frames.append(consumers.VisitorFrame(quiet, {"body": ""}, address))

    outcomes = consumers.receive_visitor_frames(frames)

    assert outcomes[:3] == [None, None, None]
    assert isinstance(outcomes[3], float) and 1 <= outcomes[3] <= 61, "the third of 2/min waits for the window"
    assert isinstance(outcomes[4], DomainError) and outcomes[4].code == "empty_message"
    assert sorted(Message.objects.filter(sender_type="visitor").values_list("body", flat=True)) == [
        "chatty 0", "chatty 1", "quiet"]


@pytest.mark.django_db(transaction=True)
def test_two_batches_on_the_same_conversations_at_once_neither_deadlock_nor_lose(no_tasks):
    workspace = factories.WorkspaceFactory()
    factories.PolicyFactory(workspace=workspace)
    shared = [factories.ConversationFactory(workspace=workspace) for _ in range(4)]
    rounds, failures = 15, []
    start = threading.Barrier(2, timeout=30)

    def write(name: str, order: list) -> None:
        try:
            for n in range(rounds):
                start.wait()  # both batches of a round run together
                results = services.receive_messages([incoming(c, f"{name} {n}") for c in order])
                failures.extend(r for r in results if isinstance(r, Exception))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=("up", shared)),
               threading.Thread(target=write, args=("down", shared[::-1]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    for conversation in shared:
        bodies = list(conversation.messages.filter(sender_type="visitor").values_list("body", flat=True))
        assert len(bodies) == 2 * rounds
        for name in ("up", "down"):
            assert [b for b in bodies if b.startswith(name)] == [f"{name} {n}" for n in range(rounds)]


@pytest.mark.django_db(transaction=True)
def test_a_batchs_events_go_to_redis_in_one_pipeline_in_order(monkeypatch, no_tasks):
    workspace = factories.WorkspaceFactory()
    factories.PolicyFactory(workspace=workspace)
    conversations = [factories.ConversationFactory(workspace=workspace) for _ in range(3)]
    sent: list[list] = []
    send_all = realtime._send_all
    monkeypatch.setattr(realtime, "_send_all", lambda events: (sent.append(events), send_all(events)))

    results = services.receive_messages([incoming(c, f"hello {n}") for n, c in enumerate(conversations)])

    assert len(sent) == 1, "one round trip to Redis for the batch"
    # (each conversation's first words also bring it into the inbox's views: its list item, to the inbox)
    assert [(event["type"], groups[0]) for groups, event in sent[0]] == [
        pair for m in results for pair in (("message.created", f"conversation.{m.conversation_id}"),
                                           ("conversation.updated", f"inbox.{workspace.pk}"),
                                           ("ai.typing", f"conversation.{m.conversation_id}"))]


# --- the group commit itself (no database) -------------------------------------------------------
def on_a_loop_of_its_own(scenario):
    """Runs `scenario()` on a new event loop in a thread of its own: the suite's browser tests keep a loop
    running in the main thread."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, scenario()).result(timeout=60)


def test_frames_arriving_during_a_write_go_together_in_the_next_batch_each_with_its_own_outcome():
    on_a_loop_of_its_own(_frames_arriving_during_a_write)


async def _frames_arriving_during_a_write():
    batches: list[list[str]] = []
    release = asyncio.Event()

    async def write(items):
        batches.append(list(items))
        if len(batches) == 1:
            await release.wait()  # the first batch is still being written while the others arrive
        return [ValueError(f"bad {item}") if item.startswith("bad") else f"stored {item}" for item in items]

    group = GroupCommit(write, max_batch=3, max_in_flight=1)
    first = asyncio.ensure_future(group.submit("a"))
    await asyncio.sleep(0)
    later = [asyncio.ensure_future(group.submit(item)) for item in ("b", "bad c", "d", "e")]
    await asyncio.sleep(0)
    assert batches == [["a"]], "a lone frame is written at once"
    release.set()
    outcomes = await asyncio.gather(first, *later, return_exceptions=True)

    assert batches == [["a"], ["b", "bad c", "d"], ["e"]], "the waiting frames together, at most max_batch"
    assert outcomes[:2] == ["stored a", "stored b"] and outcomes[3:] == ["stored d", "stored e"]
    assert isinstance(outcomes[2], ValueError) and str(outcomes[2]) == "bad bad c", "only its sender sees its error"


def test_a_failed_write_fails_its_batch_only_and_batches_run_side_by_side_up_to_the_bound():
    on_a_loop_of_its_own(_a_failed_write)


async def _a_failed_write():
    running, most = 0, 0

    async def write(items):
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        if "boom" in items:
            raise ConnectionError("database away")
        return [item.upper() for item in items]

    group = GroupCommit(write, max_batch=2, max_in_flight=2)
    outcomes = await asyncio.gather(*(group.submit(item) for item in ("a", "boom", "c", "d", "e")),
                                    return_exceptions=True)
    assert most == 2
    failed = [item for item, outcome in zip(("a", "boom", "c", "d", "e"), outcomes) if isinstance(outcome, Exception)]
    assert "boom" in failed and len(failed) <= 2, "only the frames written with it fail"
    assert all(outcome == item.upper() for item, outcome in zip(("a", "boom", "c", "d", "e"), outcomes)
               if item not in failed)


# --- widget sockets end to end -------------------------------------------------------------------
async def receive_until(communicator, kind: str, timeout: float = 10.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        event = await communicator.receive_json_from(timeout=max(deadline - asyncio.get_running_loop().time(), 0.01))
        if event["type"] == kind:
            return event


@database_sync_to_async
def socket_setup():
    workspace = factories.WorkspaceFactory()
    factories.PolicyFactory(workspace=workspace)
    profile = factories.AgentFactory(workspace=workspace)
    key = Token.objects.create(user=profile.user).key
    return key, [services.widget_conversation_start(workspace=workspace) for _ in range(2)]


@pytest.mark.django_db(transaction=True)
async def test_frames_sent_together_on_two_widget_sockets_reach_the_inbox_in_order_each_socket_its_own_errors(
        settings, no_tasks, monkeypatch):
    settings.WEBSOCKET_BATCHES_IN_FLIGHT = 1  # everything that arrives during a write waits for the next batch
    batch_sizes: list[int] = []
    receive_messages = services.receive_messages
    monkeypatch.setattr(services, "receive_messages",
                        lambda batch: (batch_sizes.append(len(batch)), receive_messages(batch))[1])
    settings.HELPDESK_VISITOR_MESSAGE_RATE = "4/min"
    key, started = await socket_setup()
    inbox = WebsocketCommunicator(application, f"/ws/inbox/?token={key}")
    widgets = [WebsocketCommunicator(application, f"/ws/widget/{c.pk}/?token={t}") for c, t in started]
    try:
        assert (await inbox.connect())[0]
        for widget in widgets:
            assert (await widget.connect())[0]
        alice, bob = widgets
        for n in range(3):
            await alice.send_json_to({"type": "message.send", "body": f"alice {n}", "client_id": f"a{n}"})
            await bob.send_json_to({"type": "message.send", "body": f"bob {n}"})
        await alice.send_json_to({"type": "message.send", "body": ""})
        await bob.send_json_to({"type": "message.send", "body": "bob 3"})
        await bob.send_json_to({"type": "message.send", "body": "bob 4"})  # the fifth in a minute

        seen = [(await receive_until(inbox, "message.created"))["message"]["body"] for _ in range(7)]
        assert [b for b in seen if b.startswith("alice")] == ["alice 0", "alice 1", "alice 2"]
        assert [b for b in seen if b.startswith("bob")] == ["bob 0", "bob 1", "bob 2", "bob 3"]
        alice_error = (await receive_until(alice, "error"))["error"]
        assert alice_error["code"] == "empty_message"
        bob_error = (await receive_until(bob, "error"))["error"]
        assert bob_error["code"] == "rate_limited" and bob_error["retry_after"] >= 1
        for widget, name in ((alice, "alice"), (bob, "bob")):
            mine = [e["message"]["body"] for e in await drain(widget) if e["type"] == "message.created"]
            assert all(body.startswith(name) for body in mine), "a widget hears only its own conversation"
        assert max(batch_sizes) > 1, "frames that arrived during a write went together"
        assert sorted(turns_queued(no_tasks)) == sorted(
            await database_sync_to_async(lambda: list(Message.objects.filter(
                sender_type="visitor").values_list("pk", flat=True)))())
    finally:
        for communicator in (inbox, *widgets):
            await communicator.disconnect()
        await close_socket_connections()


async def drain(communicator) -> list[dict]:
    events = []
    while not await communicator.receive_nothing(timeout=0.3):
        events.append(await communicator.receive_json_from())
    return events


# --- the batch's turns in the worker -------------------------------------------------------------
def test_a_batchs_task_gives_each_message_its_one_turn_and_a_redelivery_changes_nothing(
        workspace, conversations, no_tasks, monkeypatch):
    batch = services.receive_messages([incoming(c, "hello, what are your opening hours?") for c in conversations])
    ids = [m.pk for m in batch]

    tasks.process_turns_task(ids)
    tasks.process_turns_task(ids)  # delivered twice (a worker died before acknowledging it)

    for message in Message.objects.filter(pk__in=ids):
        assert message.turn_processed_at is not None and message.turn_outcome and message.turn_attempts == 1
        answers = Message.objects.filter(conversation_id=message.conversation_id, id__gt=message.pk,
                                         sender_type="ai")
        assert answers.count() == 1, "exactly one outcome each"

    monkeypatch.setattr(tasks, "TURN_BATCH_SECONDS", 0.0)  # a slow assistant: the rest go to other workers
    others = [factories.ConversationFactory(workspace=workspace) for _ in range(3)]
    slow = services.receive_messages([incoming(c, "and on Sundays?") for c in others])
    no_tasks.clear()
    tasks.process_turns_task([m.pk for m in slow])
    assert Message.objects.get(pk=slow[0].pk).turn_processed_at is not None
    assert no_tasks == [("process_turn_task", (slow[1].pk,)), ("process_turn_task", (slow[2].pk,))]


def test_a_client_id_reused_with_another_text_is_refused_within_a_batch_and_alone(
        conversations, no_tasks, django_capture_on_commit_callbacks):
    """Re-trial of 3 Dec: the widget socket dropped "Different text" sent under a used client_id without a word (the
    API answers 422 for a reused Idempotency-Key)."""
    first, second, _ = conversations
    with django_capture_on_commit_callbacks(execute=True):
        kept, reused, other = services.receive_messages([
            incoming(first, "What sizes do you have?", "c-1"), incoming(first, "Different text", "c-1"),
            incoming(second, "Different text", "c-1")])
        alone = services.receive_messages([incoming(first, "Another text", "c-1")])
    assert isinstance(kept, Message) and isinstance(other, Message)
    assert (type(reused), reused.code, reused.status) == (DomainError, "idempotency_key_reused", 422)
    assert (type(alone[0]), alone[0].code) == (DomainError, "idempotency_key_reused")
    assert not Message.objects.filter(conversation=first, body__in=["Different text", "Another text"]).exists()
