"""Conversation writes: `grep -rn "def handoff_" conversations/services` lists every way a handoff changes."""
from conversations.services.attributes import contact_update_attributes, conversation_update_tags
from conversations.services.handoffs import (
    HandoffRequest,
    Target,
    handoff_acknowledge,
    handoff_assign_waiting,
    handoff_cancel,
    handoff_expire,
    handoff_notify,
    handoff_request,
    open_handoff,
)
from conversations.services.lifecycle import (
    agent_reply,
    conversation_assign,
    conversation_close,
    conversation_unassign,
)
from conversations.services.messages import (
    ai_reply,
    clean_body,
    clean_idempotency_key,
    conversation_reopen,
    lock_conversation,
    receive_message,
    system_message,
    widget_conversation_start,
)

__all__ = [
    "HandoffRequest", "Target", "agent_reply", "ai_reply", "clean_body", "clean_idempotency_key", "contact_update_attributes",
    "conversation_assign", "conversation_close", "conversation_update_tags", "conversation_reopen", "conversation_unassign", "handoff_acknowledge",
    "handoff_assign_waiting", "handoff_cancel", "handoff_expire", "handoff_notify", "handoff_request", "lock_conversation",
    "open_handoff", "receive_message", "system_message", "widget_conversation_start",
]
