"""Typing both ways, "who is viewing", and notes on the sockets: the real router, the real Redis channel layer."""
from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from rest_framework.authtoken.models import Token

from conversations import services
from conversations.models import ConversationViewer
from conversations.typing import REPEAT_SECONDS, TypingThrottle
from helpdesk.asgi import application
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_broker_tasks(no_tasks):
    return no_tasks


@pytest.fixture(autouse=True)
async def _close_consumer_connections():
    yield
    await sync_to_async(connections.close_all)()


@database_sync_to_async
def make_world(prefix: str = ""):
    workspace = factories.WorkspaceFactory()
    factories.PolicyFactory(workspace=workspace)
    conversation, visitor_token = services.widget_conversation_start(workspace=workspace)
    agents = []
    for username, first_name in (("ana", "Ana"), ("ben", "Ben")):
        profile = factories.AgentFactory(workspace=workspace, user__username=prefix + username,
                                         user__first_name=first_name)
        agents.append((profile.user, Token.objects.create(user=profile.user).key))
    return workspace, conversation, visitor_token, agents


async def connect(path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_of(communicator, kind: str, timeout: float = 5.0, **match) -> dict:
    """The next event of `kind` whose fields equal `match`, skipping others."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        event = await communicator.receive_json_from(timeout=max(deadline - loop.time(), 0.01))
        if event["type"] == kind and all(event.get(k) == v for k, v in match.items()):
            return event


async def nothing_of(communicator, kind: str, wait: float = 0.6) -> None:
    """No event of `kind` arrives within `wait` seconds (others are consumed; a receive that timed out
    would cancel the consumer, so the queue is peeked with receive_nothing)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while loop.time() < deadline:
        if await communicator.receive_nothing(timeout=0.05):
            continue
        event = await communicator.receive_json_from(timeout=1)
        assert event["type"] != kind, event


async def test_typing_goes_both_ways_and_a_note_stays_in_the_inbox():
    _ws, conversation, visitor_token, [(ana, ana_token), (ben, ben_token)] = await make_world()
    widget = await connect(f"/ws/widget/{conversation.pk}/?token={visitor_token}")
    ana_inbox = await connect(f"/ws/inbox/?token={ana_token}")
    ben_inbox = await connect(f"/ws/inbox/?token={ben_token}")
    try:
        await widget.send_json_to({"type": "typing", "active": True})
        event = await next_of(ana_inbox, "typing")
        assert event == {"type": "typing", "conversation": str(conversation.pk), "who": "visitor", "active": True}

        await ana_inbox.send_json_to({"type": "typing", "conversation": str(conversation.pk), "active": True})
        assert await next_of(widget, "agent.typing") == {"type": "agent.typing", "active": True, "name": "Ana"}
        seen_by_ben = await next_of(ben_inbox, "typing", who="agent")
        assert seen_by_ben["agent"] == {"id": str(ana.pk), "name": "Ana"} and seen_by_ben["active"] is True

        # Ben writes a note: Ana's inbox sees him typing, the visitor sees nothing of it
        await ben_inbox.send_json_to({"type": "typing", "conversation": str(conversation.pk), "active": True,
                                      "private": True})
        assert (await next_of(ana_inbox, "typing", who="agent", agent={"id": str(ben.pk), "name": "Ben"}))["active"]
        await database_sync_to_async(services.note_add)(conversation=conversation, agent=ben, body="secret note")
        note = await next_of(ana_inbox, "message.created")
        assert note["message"]["private"] is True and note["message"]["body"] == "secret note"
        await nothing_of(widget, "agent.typing")
        await database_sync_to_async(services.agent_reply)(conversation=conversation, agent=ana, body="Hello!")
        reply = await next_of(widget, "message.created")
        assert reply["message"]["body"] == "Hello!"  # the first message the widget got after the note
    finally:
        for communicator in (widget, ana_inbox, ben_inbox):
            await communicator.disconnect()


async def test_a_steady_typist_is_announced_once_and_stopping_at_once():
    _ws, conversation, visitor_token, [(_ana, ana_token), _ben] = await make_world()
    widget = await connect(f"/ws/widget/{conversation.pk}/?token={visitor_token}")
    inbox = await connect(f"/ws/inbox/?token={ana_token}")
    try:
        for _ in range(5):
            await widget.send_json_to({"type": "typing", "active": True})
        await widget.send_json_to({"type": "typing", "active": False})
        assert (await next_of(inbox, "typing"))["active"] is True
        assert (await next_of(inbox, "typing"))["active"] is False  # the four repeats were throttled
        await nothing_of(inbox, "typing")

        await widget.send_json_to({"type": "typing", "active": "yes"})
        assert (await next_of(widget, "error"))["error"]["code"] == "invalid"
    finally:
        await widget.disconnect()
        await inbox.disconnect()


async def test_two_agents_see_each_other_viewing_and_leaving():
    _ws, conversation, _token, [(ana, ana_token), (ben, ben_token)] = await make_world()
    other = await database_sync_to_async(factories.ConversationFactory)(workspace=conversation.workspace)
    ana_inbox = await connect(f"/ws/inbox/?token={ana_token}")
    ben_inbox = await connect(f"/ws/inbox/?token={ben_token}")
    cid = str(conversation.pk)
    try:
        await ana_inbox.send_json_to({"type": "viewing", "conversation": cid})
        assert (await next_of(ben_inbox, "presence", conversation=cid))["viewers"] == [{"id": str(ana.pk), "name": "Ana"}]
        await ben_inbox.send_json_to({"type": "viewing", "conversation": cid})
        both = await next_of(ana_inbox, "presence", conversation=cid, viewers=[
            {"id": str(ana.pk), "name": "Ana"}, {"id": str(ben.pk), "name": "Ben"}])
        assert len(both["viewers"]) == 2

        # Ben opens another conversation: he leaves the first
        await ben_inbox.send_json_to({"type": "viewing", "conversation": str(other.pk)})
        await next_of(ana_inbox, "presence", conversation=cid, viewers=[{"id": str(ana.pk), "name": "Ana"}])
        # Ana closes her inbox: she leaves too
        await ana_inbox.disconnect()
        await next_of(ben_inbox, "presence", conversation=cid, viewers=[])
        await ben_inbox.send_json_to({"type": "viewing", "conversation": None})
        await next_of(ben_inbox, "presence", conversation=str(other.pk), viewers=[])
        assert not await database_sync_to_async(ConversationViewer.objects.exists)()
    finally:
        await ben_inbox.disconnect()


async def test_another_workspaces_conversation_cannot_be_watched_or_typed_into():
    _ws, conversation, visitor_token, _agents = await make_world()
    _other_ws, _c, _t, [(_eve, eve_token), _] = await make_world(prefix="other-")
    widget = await connect(f"/ws/widget/{conversation.pk}/?token={visitor_token}")
    eve = await connect(f"/ws/inbox/?token={eve_token}")
    try:
        await eve.send_json_to({"type": "viewing", "conversation": str(conversation.pk)})
        assert (await next_of(eve, "error"))["error"]["code"] == "not_found"
        await eve.send_json_to({"type": "typing", "conversation": str(conversation.pk), "active": True})
        assert (await next_of(eve, "error"))["error"]["code"] == "not_found"
        await nothing_of(widget, "agent.typing")
        assert not await database_sync_to_async(ConversationViewer.objects.exists)()
    finally:
        await widget.disconnect()
        await eve.disconnect()


def test_the_typing_throttle():
    throttle = TypingThrottle()
    assert throttle.should_send("c1", True, now=0.0)
    assert not throttle.should_send("c1", True, now=1.0)  # a repeat inside the window
    assert throttle.should_send("c1", True, now=REPEAT_SECONDS + 0.1)  # again, before receivers lapse
    assert throttle.should_send("c1", False, now=REPEAT_SECONDS + 0.2)  # stopping goes out at once
    assert not throttle.should_send("c1", False, now=REPEAT_SECONDS + 0.3)
    assert not throttle.should_send("c2", False, now=0.0)  # never announced: nothing to stop
    assert throttle.should_send("c2", True, now=0.0) and throttle.active_keys() == ["c2"]
    # from writing a note to writing a reply: the change goes out at once
    assert throttle.should_send("c3", True, now=0.0, mode="note")
    assert throttle.should_send("c3", True, now=0.5, mode="reply")
    assert not throttle.should_send("c3", True, now=1.0, mode="reply")
