"""The one place that publishes real-time events: group names, event shapes, the publishing itself.

Every publish happens on commit, so nobody hears about a row that was rolled back.
Consumers subscribe with the group helpers below and relay events as they are.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import redis
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from conversations import payloads
from helpdesk import redis_breaker

if TYPE_CHECKING:
    from conversations.models import Conversation, Handoff, Message

logger = logging.getLogger(__name__)


# --- groups -------------------------------------------------------------------------
def conversation_group(conversation_id: int | str) -> str:
    """The visitor's widget sockets of one conversation."""
    return f"conversation.{conversation_id}"


def inbox_group(workspace_id: int | str) -> str:
    """Every agent socket of a workspace: all of them may see all its conversations."""
    return f"inbox.{workspace_id}"


def agent_group(user_id: int | str) -> str:
    """One agent's sockets, for notifications meant for that agent only."""
    return f"agent.{user_id}"


# --- events -------------------------------------------------------------------------
def publish_message_created(message: Message) -> None:
    """To the agents' inboxes; to the visitor's widget only what the visitor may see (no notes)."""
    event = {"type": "message.created", "message": payloads.message_payload(message)}
    conversation = message.conversation
    groups = [inbox_group(conversation.workspace_id)]
    if message.visible_to_visitor:
        groups.insert(0, conversation_group(conversation.id))
    _publish(groups, event)


def publish_message_updated(message: Message) -> None:
    """A message's delivery changed (queued, sent, failed): the inbox updates it in place."""
    event = {"type": "message.updated", "message": payloads.message_payload(message),
             "conversation": str(message.conversation_id)}
    _publish([inbox_group(message.conversation.workspace_id)], event)


def ai_typing_event(conversation: Conversation, active: bool) -> dict:
    return {"type": "ai.typing", "active": active, "conversation": str(conversation.id)}


def publish_ai_typing(conversation: Conversation, active: bool) -> None:
    _publish([conversation_group(conversation.id), inbox_group(conversation.workspace_id)],
             ai_typing_event(conversation, active))


def publish_conversation_created(conversation: Conversation) -> None:
    event = {"type": "conversation.created", "conversation": payloads.conversation_payload(conversation)}
    _publish([inbox_group(conversation.workspace_id)], event)


def publish_conversation_updated(conversation: Conversation) -> None:
    publish_inbox_conversation_updated(conversation)
    publish_widget_conversation_updated(conversation)


def publish_inbox_conversation_updated(conversation: Conversation) -> None:
    """The inbox's side alone (the conversation's list item): nothing the visitor sees changed."""
    item = payloads.conversation_payload(conversation)
    inbox_event = {
        "type": "conversation.updated",
        "conversation": item,
        "needs_agent": item["needs_agent"],
        "status": item["status"],
        "assignee": item["assignee"],
        "priority": item["priority"],
    }
    _publish([inbox_group(conversation.workspace_id)], inbox_event)


def publish_widget_conversation_updated(conversation: Conversation) -> None:
    """The widget's side alone: what changed is only the visitor's to see (the language the widget speaks)."""
    widget = payloads.widget_conversation_payload(conversation)
    widget_event = {"type": "conversation.updated", "status": widget["status"],
                    "assignee_name": widget["assignee_name"], "ai_active": widget["ai_active"],
                    "language": widget["language"]}
    _publish([conversation_group(conversation.id)], widget_event)


def publish_handoff_updated(handoff: Handoff) -> None:
    conversation = handoff.conversation
    _publish([conversation_group(conversation.id)], {"type": "handoff.updated", "status": handoff.status})
    _publish([inbox_group(conversation.workspace_id)], {
        "type": "handoff.updated", "status": handoff.status, "conversation": str(conversation.id),
        "handoff": payloads.handoff_payload(handoff),
    })


def publish_notification(user_ids: Iterable[int], *, kind: str, conversation: Conversation,
                         reason: str = "", priority: str = "", title: str = "") -> None:
    event = {"type": "notification", "kind": kind, "conversation": str(conversation.id),
             "reason": reason, "priority": priority or None, "title": title}
    _publish([agent_group(uid) for uid in user_ids], event)


def publish_agent_presence(workspace_id: int, *, agent: dict, online: bool, available: bool | None = None) -> None:
    """An agent came online (an inbox socket connected after they had none), or went away or came back: the inbox's
    agent lists update."""
    event = {"type": "agent.presence", "agent": agent, "online": online}
    if available is not None:
        event["available"] = available
    _publish([inbox_group(workspace_id)], event)


def publish_access_revoked(user_id: int) -> None:
    """The agent was removed (deleted, deactivated, left out of the workspace): their open inbox sockets close
    (InboxConsumer.relay), instead of streaming the workspace's conversations to someone who left."""
    _publish([agent_group(user_id)], {"type": ACCESS_REVOKED})


ACCESS_REVOKED = "access.revoked"


def publish_typing(conversation: Conversation, *, who: str, active: bool, agent: dict | None = None,
                   to_visitor: bool = False) -> None:
    """Someone types in the conversation: "visitor", or "agent" with `agent` {"id","name"}. The widget hears
    an agent's typing as `agent.typing` when `to_visitor` (never while the agent writes a note)."""
    event = {"type": "typing", "conversation": str(conversation.id), "who": who, "active": active}
    if agent is not None:
        event["agent"] = agent
    _publish([inbox_group(conversation.workspace_id)], event)
    if to_visitor and agent is not None:
        _publish([conversation_group(conversation.id)],
                 {"type": "agent.typing", "active": active, "name": agent["name"]})


def publish_presence(workspace_id: int, *, conversation_id: int, viewers: list[dict]) -> None:
    """Who has the conversation open in an inbox now: [{"id","name"}]."""
    _publish([inbox_group(workspace_id)],
             {"type": "presence", "conversation": str(conversation_id), "viewers": viewers})


def publish_csat_requested(conversation: Conversation, *, token: str, options: list[str]) -> None:
    event = {"type": "csat.requested", "survey": {"token": token, "options": options}}
    _publish([conversation_group(conversation.id)], event)


# --- transport ------------------------------------------------------------------------
def _publish(groups: list[str], event: dict) -> None:
    transaction.on_commit(lambda: _send(groups, event))


_together = threading.local()


@contextmanager
def published_together() -> Iterator[None]:
    """The events this thread publishes in the block (each on its commit) go to Redis at the block's
    end, in order, in one pipelined round trip: a batch of visitor messages written together
    (`services.receive_messages`) publishes its few dozen events at once instead of one trip each.
    Events committed before an error in the block are still sent. Nested blocks send at the outermost."""
    if getattr(_together, "events", None) is not None:
        yield
        return
    _together.events = []
    try:
        yield
    finally:
        events, _together.events = _together.events, None
        if events:
            _send_all(events)


def _send(groups: list[str], event: dict) -> None:
    """The event to its groups now, or at the end of the thread's `published_together` block."""
    waiting = getattr(_together, "events", None)
    if waiting is not None:
        waiting.append((groups, event))
    else:
        _send_all([(groups, event)])


def _send_all(events: list[tuple[list[str], dict]]) -> None:
    """Each event to its groups: one PUBLISH per group, all pipelined in one round trip to Redis, from
    the calling thread. Each call returns once Redis has them, so a thread's events go out in order.

    The payload and the Redis channel of each group are the channel layer's own (`serialize`, and
    its group channel naming, checked against the real layer in tests/conversations/test_realtime.py):
    every consumer of every process receives it through Channels as before. Publishing through the
    layer itself needs an event loop: from a socket thread or a Celery task that meant a hop to a
    loop thread and back per event, and asyncio's machinery around each PUBLISH, ~1.3 ms of Daphne's
    CPU per visitor message (its two events); this is one synchronous pipeline.
    """
    try:
        layer = get_channel_layer()
        with _redis().pipeline(transaction=False) as pipe:
            for groups, event in events:
                payload = layer.serialize({"type": "relay", "event": event})
                for group in groups:
                    pipe.publish(_group_channel(group), payload)
            pipe.execute()
    except Exception:  # a Redis hiccup must not fail the committed business action
        logger.exception("Could not publish %s", ", ".join(
            f"{event.get('type')} to {', '.join(groups)}" for groups, event in events))


_redis_lock = threading.Lock()
_redis_clients: dict[str, redis.Redis] = {}


def _layer_config() -> dict:
    return settings.CHANNEL_LAYERS["default"]["CONFIG"]


def _group_channel(group: str) -> str:
    """The Redis channel `channels_redis.pubsub` subscribes a group's members to."""
    return f"{_layer_config().get('prefix', 'asgi')}__group__{group}"


def _redis() -> redis.Redis:
    """One client per process for the channel layer's (single) Redis host. A client is thread-safe
    (each command borrows a pooled connection), redis-py's pool starts afresh in a forked Celery
    child, and a connection that a Redis restart broke is dropped and the command retried."""
    hosts = _layer_config()["hosts"]
    if len(hosts) != 1:
        raise ImproperlyConfigured("realtime publishes to one Redis host; the channel layer has several")
    address = hosts[0]["address"] if isinstance(hosts[0], dict) else hosts[0]
    client = _redis_clients.get(address)
    if client is None:
        with _redis_lock:
            client = _redis_clients.setdefault(address, redis.Redis.from_url(
                address, socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS, retry=settings.REDIS_RETRY,
                connection_class=redis_breaker.connection_class(address)))
    return client
