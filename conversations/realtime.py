"""The one place that publishes real-time events: group names, event shapes, group_send.

Every publish happens on commit, so nobody hears about a row that was rolled back.
Consumers subscribe with the group helpers below and relay events as they are.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
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
    def send_all() -> None:
        for group in groups:
            _send(group, event)

    transaction.on_commit(send_all)


def _send(group: str, event: dict) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(group, {"type": "relay", "event": event})
    except Exception:  # a Redis hiccup must not fail the committed business action
        logger.exception("Could not publish %s to %s", event.get("type"), group)
