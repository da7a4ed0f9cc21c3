"""An agent is online while an inbox of theirs is open: the inbox socket over the real router and channel
layer, and the heartbeat its polling fallback calls."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from helpdesk.asgi import application
from routing import presence
from routing.models import AgentProfile
from tests import factories
from tests.conftest import client_for, close_socket_connections
from tests.conversations.test_consumers import refused_with

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch, no_tasks):
    monkeypatch.setattr(presence, "pull_waiting_handoffs", lambda: None)


@pytest.fixture(autouse=True)
async def _close_consumer_connections():
    yield
    await close_socket_connections()


@database_sync_to_async
def offline_agent(workspace=None):
    workspace = workspace or factories.WorkspaceFactory()
    if not hasattr(workspace, "policy"):
        factories.PolicyFactory(workspace=workspace)
    profile = factories.AgentFactory(workspace=workspace, last_seen_at=None)
    return profile.user, Token.objects.create(user=profile.user).key, workspace


@database_sync_to_async
def last_seen(user):
    return AgentProfile.objects.get(user=user).last_seen_at


async def next_of(communicator, kind: str) -> dict:
    while True:
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == kind:
            return event


async def test_an_open_inbox_socket_makes_the_agent_online_and_colleagues_hear_it():
    agent, key, workspace = await offline_agent()
    _colleague, colleague_key, _ = await offline_agent(workspace)
    colleague = WebsocketCommunicator(application, f"/ws/inbox/?token={colleague_key}")
    assert (await colleague.connect())[0]
    socket = WebsocketCommunicator(application, f"/ws/inbox/?token={key}")
    try:
        assert (await socket.connect())[0]
        assert presence.is_online(await last_seen(agent), timezone.now())
        event = await next_of(colleague, "agent.presence")
        if event["agent"]["id"] != str(agent.pk):  # the colleague's own arrival came first
            event = await next_of(colleague, "agent.presence")
        assert event == {"type": "agent.presence", "agent": {"id": str(agent.pk), "name": agent.get_full_name()},
                         "online": True}
    finally:
        await socket.disconnect()
        await colleague.disconnect()
    # Closed just now: still online through the grace period, so a reload is not a departure.
    assert presence.is_online(await last_seen(agent), timezone.now())
    assert not presence.is_online(await last_seen(agent), timezone.now() + timedelta(seconds=31))


@override_settings(PRESENCE_GRACE_SECONDS=0.6)
async def test_the_socket_keeps_refreshing_presence_while_it_stays_open():
    agent, key, _ = await offline_agent()
    socket = WebsocketCommunicator(application, f"/ws/inbox/?token={key}")
    assert (await socket.connect())[0]
    try:
        first = await last_seen(agent)
        await asyncio.sleep(1.0)  # several heartbeats (every 0.2 s here)
        assert await last_seen(agent) > first
        assert presence.is_online(await last_seen(agent), timezone.now()), "online as long as the socket is open"
    finally:
        await socket.disconnect()


async def test_a_frame_sent_as_the_socket_closes_is_dropped_and_the_heartbeat_ends_with_the_consumer():
    # re-trial of 4 Dec: Daphne raised "Attempt to send on a closed protocol" on a frame crossing the close, the
    # consumer died before its disconnect ran, and its heartbeat kept the agent online for 15 minutes and more
    from conversations.consumers import InboxConsumer

    consumer = InboxConsumer()

    async def closed(message):
        raise RuntimeError("Attempt to send on a closed protocol")

    consumer.base_send = closed
    await consumer.send_json({"type": "pong"})  # dropped, not raised

    consumer.heartbeat = asyncio.create_task(asyncio.sleep(60))

    async def receive():
        raise ConnectionError("the application is stopped")

    with pytest.raises(ConnectionError):
        await consumer({"type": "websocket", "path": "/ws/inbox/"}, receive, closed)
    await asyncio.sleep(0)
    assert consumer.heartbeat.cancelled(), "the heartbeat ends with the consumer"


async def test_a_refused_socket_does_not_make_anyone_online():
    agent, _, _ = await offline_agent()
    socket = WebsocketCommunicator(application, "/ws/inbox/?token=forged")
    assert await refused_with(socket) == 4401
    assert await last_seen(agent) is None


def test_an_inbox_that_polls_keeps_its_agent_online_with_the_heartbeat(workspace, visitor):
    profile = factories.AgentFactory(workspace=workspace, last_seen_at=None)
    response = client_for(profile.user).post("/api/v1/agents/me/heartbeat/")
    assert response.status_code == 204
    profile.refresh_from_db()
    assert presence.is_online(profile.last_seen_at, timezone.now())

    _conversation, _token, visitor_client = visitor
    assert visitor_client.post("/api/v1/agents/me/heartbeat/").status_code in (401, 403)


@database_sync_to_async
def remove(user, how: str) -> None:
    if how == "deactivated":
        user.is_active = False
        user.save()
    elif how == "deleted":
        user.delete()
    elif how == "taken out of the workspace":
        AgentProfile.objects.filter(user=user).delete()
    else:  # deactivated by a bulk update (the workspace document): no signal, the heartbeat finds out
        type(user).objects.filter(pk=user.pk).update(is_active=False)


async def events_until_closed(socket, timeout: float = 3.0) -> tuple[list[dict], int | None]:
    events = []
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        output = await socket.receive_output(timeout=max(deadline - asyncio.get_running_loop().time(), 0.01))
        if output["type"] == "websocket.close":
            return events, output.get("code")
        events.append(__import__("json").loads(output["text"]))


@override_settings(PRESENCE_GRACE_SECONDS=0.6)
@pytest.mark.parametrize("how", ["deactivated", "deleted", "taken out of the workspace", "bulk"])
async def test_an_agent_who_is_removed_has_their_open_inbox_closed(how):
    """Trial of 3 Dec: an agent deleted in /admin/ (or deactivated by the workspace document) kept an open inbox
    socket that went on receiving every visitor message of the workspace, and could still send typing to visitors."""
    from conversations import services

    agent, key, workspace = await offline_agent()
    socket = WebsocketCommunicator(application, f"/ws/inbox/?token={key}")
    assert (await socket.connect())[0]
    try:
        await remove(agent, how)
        events, code = await events_until_closed(socket)
        assert code == 4403
        if how != "bulk":
            assert events[-1] == {"type": "access.revoked"}, "told at once, not at the next heartbeat"
        await database_sync_to_async(services.widget_conversation_start)(workspace=workspace)
        assert await socket.receive_nothing(timeout=0.3), "nothing reaches a closed inbox"
    finally:
        await socket.disconnect()
