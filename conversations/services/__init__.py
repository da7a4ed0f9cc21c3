"""Conversation writes: `grep -rn "def handoff_" conversations/services` lists every way a handoff changes."""
from conversations.services.handoffs import (
    HandoffRequest,
    Target,
    handoff_acknowledge,
    handoff_assign_waiting,
    handoff_cancel,
    handoff_request,
    open_handoff,
)
from conversations.services.lifecycle import (
    conversation_assign,
    conversation_reopen,
    conversation_resolve,
    conversation_unassign,
)
from conversations.services.messages import (
    agent_reply,
    ai_reply,
    clean_body,
    receive_message,
    system_message,
    widget_conversation_start,
)

__all__ = [
    "HandoffRequest", "Target", "agent_reply", "ai_reply", "clean_body", "conversation_assign",
    "conversation_reopen", "conversation_resolve", "conversation_unassign", "handoff_acknowledge",
    "handoff_assign_waiting", "handoff_cancel", "handoff_request", "open_handoff", "receive_message",
    "system_message", "widget_conversation_start",
]
