"""The one place that publishes real-time events: group names, event shapes, group_send.

Every publish happens on commit, so nobody hears about a row that was rolled back.
Consumers subscribe with the group helpers below and relay events as they are.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from channels.layers import get_channel_layer
from django.db import transaction

from conversations import payloads

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


def publish_ai_typing(conversation: Conversation, active: bool) -> None:
    event = {"type": "ai.typing", "active": active, "conversation": str(conversation.id)}
    _publish([conversation_group(conversation.id), inbox_group(conversation.workspace_id)], event)


def publish_conversation_created(conversation: Conversation) -> None:
    event = {"type": "conversation.created", "conversation": payloads.conversation_payload(conversation)}
    _publish([inbox_group(conversation.workspace_id)], event)


def publish_conversation_updated(conversation: Conversation) -> None:
    item = payloads.conversation_payload(conversation)
    inbox_event = {
        "type": "conversation.updated",
        "conversation": item,
        "needs_agent": item["needs_agent"],
        "status": item["status"],
        "assignee": item["assignee"],
        "priority": item["priority"],
    }
    widget = payloads.widget_conversation_payload(conversation)
    widget_event = {"type": "conversation.updated", "status": widget["status"],
                    "assignee_name": widget["assignee_name"], "ai_active": widget["ai_active"],
                    "language": widget["language"]}
    _publish([inbox_group(conversation.workspace_id)], inbox_event)
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


def publish_agent_presence(workspace_id: int, *, agent: dict, online: bool) -> None:
    """An agent came online (an inbox socket connected after they had none): the inbox's agent lists update."""
    _publish([inbox_group(workspace_id)], {"type": "agent.presence", "agent": agent, "online": online})


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


def _send(groups: list[str], event: dict) -> None:
    """The event to every group at once (one group's events still go out in order: each publish
    waits for the one before)."""
    try:
        future = asyncio.run_coroutine_threadsafe(_group_send_all(groups, {"type": "relay", "event": event}),
                                                  _publisher_loop())
        future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
    except Exception:  # a Redis hiccup must not fail the committed business action
        logger.exception("Could not publish %s to %s", event.get("type"), ", ".join(groups))


async def _group_send_all(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    await asyncio.gather(*(layer.group_send(group, message) for group in groups))


PUBLISH_TIMEOUT_SECONDS = 5.0
_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, in a daemon thread, that every publish of the process goes through.

    `async_to_sync` outside an event loop (a Celery task, a management command) made a new loop,
    and so a new Redis connection, for every group_send: ~8 ms each, nine of them per AI turn.
    This loop keeps the channel layer's connection. A forked Celery child starts its own.
    """
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid() or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="realtime-publisher", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop
