"""Widget and inbox websockets over the real router and the real Redis channel layer."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from rest_framework.authtoken.models import Token

from conversations import services
from conversations.models import Message
from helpdesk.asgi import application
from tests import factories
from tests.conftest import close_socket_connections

pytestmark = pytest.mark.django_db(transaction=True)


async def receive_until(communicator, kind: str, timeout: float = 5.0) -> dict:
    """The next event of `kind`, skipping others."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        event = await communicator.receive_json_from(timeout=max(remaining, 0.01))
        if event["type"] == kind:
            return event


@database_sync_to_async
def new_widget_conversation(workspace):
    return services.widget_conversation_start(workspace=workspace)


@database_sync_to_async
def make_workspace():
    workspace = factories.WorkspaceFactory()
    factories.PolicyFactory(workspace=workspace)
    return workspace


@database_sync_to_async
def make_agent(workspace):
    profile = factories.AgentFactory(workspace=workspace)
    return profile.user, Token.objects.create(user=profile.user).key


@pytest.fixture(autouse=True)
def _no_broker_tasks(no_tasks):
    return no_tasks


@pytest.fixture(autouse=True)
async def _close_consumer_connections():
    """A refused socket's last query leaves its thread's connection open (the consumer is torn down with the test)."""
    yield
    await close_socket_connections()


async def test_widget_socket_streams_the_conversation():
    workspace = await make_workspace()
    conversation, token = await new_widget_conversation(workspace)
    communicator = WebsocketCommunicator(application, f"/ws/widget/{conversation.pk}/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    try:
        await communicator.send_json_to({"type": "message.send", "body": "Hello there"})
        event = await receive_until(communicator, "message.created")
        assert event["message"]["body"] == "Hello there" and event["message"]["sender_type"] == "visitor"
        typing = await receive_until(communicator, "ai.typing")
        assert typing["active"] is True

        await communicator.send_json_to({"type": "message.send", "body": ""})
        error = await receive_until(communicator, "error")
        assert error["error"]["code"] == "empty_message"
        await communicator.send_to(text_data="{broken")
        assert (await receive_until(communicator, "error"))["error"]["code"] == "malformed"
    finally:
        await communicator.disconnect()


async def test_the_widget_reports_what_the_visitor_saw_and_only_a_message_id_counts():
    workspace = await make_workspace()
    conversation, token = await new_widget_conversation(workspace)
    message = await visitor_says(conversation, "Hello there")
    communicator = WebsocketCommunicator(application, f"/ws/widget/{conversation.pk}/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    try:
        await communicator.send_json_to({"type": "seen", "message": message.pk})
        await communicator.send_json_to({"type": "seen", "message": "not-an-id"})
        assert (await receive_until(communicator, "error"))["error"]["code"] == "invalid"
        assert await seen_up_to(conversation) == message.pk
    finally:
        await communicator.disconnect()


@database_sync_to_async
def seen_up_to(conversation):
    conversation.refresh_from_db()
    return conversation.visitor_seen_up_to


@database_sync_to_async
def visitor_says(conversation, body):
    return services.receive_message(conversation=conversation, body=body)


@database_sync_to_async
def visitor_says_long_ago(conversation, body, *, days: int):
    message = services.receive_message(conversation=conversation, body=body)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=days))


@database_sync_to_async
def settle(message):
    services.message_turn_settle(message=message, outcome="reply")


async def test_a_socket_that_joins_mid_turn_shows_the_ai_working():
    """The widget posts its first message while its socket still connects (and a reconnect can come
    mid-turn): the "responding" indicator that went out before it joined is sent to it on connect."""
    workspace = await make_workspace()
    conversation, token = await new_widget_conversation(workspace)
    message = await visitor_says(conversation, "How long does shipping take?")
    communicator = WebsocketCommunicator(application, f"/ws/widget/{conversation.pk}/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    try:
        assert await communicator.receive_json_from(timeout=5) == {
            "type": "ai.typing", "active": True, "conversation": str(conversation.pk)}
        await settle(message)
        assert (await receive_until(communicator, "ai.typing"))["active"] is False
    finally:
        await communicator.disconnect()

    # Once the turn has its outcome, a new socket is not told the AI is working; nor for a message
    # older than the sweep's window, which will never get one.
    await visitor_says_long_ago(conversation, "Anyone?", days=2)
    communicator = WebsocketCommunicator(application, f"/ws/widget/{conversation.pk}/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    try:
        assert await communicator.receive_nothing(timeout=0.5)
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize("case", ["no token", "bad token", "another conversation"])
async def test_widget_socket_refuses_strangers(case):
    workspace = await make_workspace()
    conversation, token = await new_widget_conversation(workspace)
    other, other_token = await new_widget_conversation(workspace)
    path = {
        "no token": f"/ws/widget/{conversation.pk}/",
        "bad token": f"/ws/widget/{conversation.pk}/?token=forged",
        "another conversation": f"/ws/widget/{other.pk}/?token={token}",
    }[case]
    communicator = WebsocketCommunicator(application, path)
    assert await refused_with(communicator) == (4404 if case == "another conversation" else 4401)


async def refused_with(communicator) -> int:
    """The close code of a refused socket. It is accepted, then closed at once with its code: refused before the
    handshake, a client only saw an HTTP 403 (trial of 3 Dec). Nothing else comes on it."""
    connected, _ = await communicator.connect()
    assert connected
    closed = await communicator.receive_output(timeout=2)
    assert closed["type"] == "websocket.close", closed
    return closed["code"]


async def test_inbox_socket_gets_its_workspace_events_and_its_own_notifications():
    workspace = await make_workspace()
    agent, key = await make_agent(workspace)
    colleague, colleague_key = await make_agent(workspace)
    outsider, outsider_key = await make_agent(await make_workspace())

    sockets = {}
    for name, k in (("agent", key), ("colleague", colleague_key), ("outsider", outsider_key)):
        sockets[name] = WebsocketCommunicator(application, f"/ws/inbox/?token={k}")
        assert (await sockets[name].connect())[0]
    try:
        conversation, _ = await new_widget_conversation(workspace)
        created = await receive_until(sockets["agent"], "conversation.created")
        assert created["conversation"]["id"] == str(conversation.pk)

        await database_sync_to_async(services.handoff_request)(
            conversation=conversation, request=services.HandoffRequest(
                trigger="user_request", reason="asked for a person", priority="urgent",
                target=services.Target(kind="user", user=agent)))
        note = await receive_until(sockets["agent"], "notification")
        assert note == {"type": "notification", "kind": "handoff_assigned", "conversation": str(conversation.pk),
                        "reason": "asked for a person", "priority": "urgent", "title": note["title"]}
        updated = await receive_until(sockets["colleague"], "conversation.updated")
        assert updated["needs_agent"] is True and updated["status"] == "pending_human"

        # The colleague sees the conversation but is not notified; the outsider sees nothing at all.
        colleague_events = []
        while not await sockets["colleague"].receive_nothing(timeout=0.3):
            colleague_events.append(await sockets["colleague"].receive_json_from())
        assert "notification" not in {e["type"] for e in colleague_events}
        assert await sockets["outsider"].receive_nothing(timeout=0.3)
    finally:
        for communicator in sockets.values():
            await communicator.disconnect()


async def test_inbox_socket_refuses_anonymous_and_forged_tokens():
    assert await refused_with(WebsocketCommunicator(application, "/ws/inbox/")) == 4401
    assert await refused_with(WebsocketCommunicator(application, "/ws/inbox/?token=forged")) == 4401


@database_sync_to_async
def session_cookie_for(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.parametrize("origin, accepted", [("http://127.0.0.1:8000", True), ("https://evil.example", False),
                                              (None, False)])
async def test_session_sockets_only_from_our_own_pages(origin, accepted):
    workspace = await make_workspace()
    agent, _ = await make_agent(workspace)
    headers = [(b"cookie", f"sessionid={await session_cookie_for(agent)}".encode())]
    if origin:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(application, "/ws/inbox/", headers=headers)
    connected, code = await communicator.connect()
    assert connected is accepted
    if accepted:
        await communicator.disconnect()
    else:
        assert code == 4403
