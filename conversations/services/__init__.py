"""Conversation writes: `grep -rn "def handoff_" conversations/services` lists every way a handoff changes."""
from conversations.services.attributes import (
    clean_tags,
    contact_edit,
    contact_fill_details,
    contact_update_attributes,
    conversation_tag,
    conversation_update_tags,
)
from conversations.services.canned_responses import (
    canned_response_create,
    canned_response_delete,
    canned_response_render,
    canned_response_update,
)
from conversations.services.handoffs import (
    HandoffRequest,
    Target,
    handoff_acknowledge,
    handoff_assign_waiting,
    handoff_cancel,
    handoff_expire,
    handoff_notify,
    handoff_priority,
    restricted_topic_target,
    handoff_request,
    handoff_request_locked,
    handoff_reassure_waiting,
    handoff_reroute,
    handoff_withdraw_waiting,
    open_handoff,
)
from conversations.services.lifecycle import (
    ASSIGNEE_NOT_GIVEN,
    agent_reply,
    conversation_assign,
    conversation_close,
    conversation_unassign,
    agent_removed,
    conversations_back_to_the_queue,
)
from conversations.services.messages import (
    IncomingMessage,
    ai_reply,
    ai_reply_locked,
    answer_check_record,
    clean_body,
    clean_idempotency_key,
    conversation_reopen,
    lock_conversation,
    note_add,
    receive_message,
    receive_messages,
    system_message,
    widget_conversation_start,
)
from conversations.services.missed_replies import (
    MissedReplies,
    missed_replies_claim,
    missed_replies_emailed,
    missed_replies_failed,
    missed_replies_schedule_locked,
    visitor_saw,
)
from conversations.services.presence import (
    agent_seen,
    availability_changed,
    typing_by_agent,
    typing_by_visitor,
    viewing_leave,
    viewing_refresh,
    viewing_set,
)
from conversations.services.turn_outcomes import (
    conversation_remember,
    conversation_set_language,
    message_turn_claim,
    message_turn_lock,
    message_turn_pass_flows,
    message_turn_settle,
    message_turns_release_orphans,
    messages_turn_requeued,
)

__all__ = [
    "ASSIGNEE_NOT_GIVEN", "HandoffRequest", "IncomingMessage", "Target", "agent_reply", "agent_seen", "availability_changed", "ai_reply", "ai_reply_locked", "answer_check_record",
    "canned_response_create", "canned_response_delete", "canned_response_render", "canned_response_update", "clean_body",
    "clean_idempotency_key", "clean_tags", "contact_fill_details", "contact_update_attributes", "conversation_assign",
    "conversation_close", "conversation_remember", "conversation_set_language", "conversation_reopen", "conversation_tag", "conversation_unassign",
    "conversation_update_tags", "conversations_back_to_the_queue", "agent_removed",
    "handoff_acknowledge", "handoff_assign_waiting", "handoff_cancel", "handoff_expire", "handoff_notify", "handoff_priority", "handoff_reroute", "restricted_topic_target",
    "handoff_reassure_waiting", "handoff_withdraw_waiting",
    "handoff_request", "handoff_request_locked", "lock_conversation", "message_turn_claim", "message_turn_lock", "message_turn_pass_flows",
    "message_turn_settle", "message_turns_release_orphans", "messages_turn_requeued", "MissedReplies",
    "missed_replies_claim", "missed_replies_emailed", "missed_replies_failed", "missed_replies_schedule_locked",
    "note_add", "open_handoff",
    "receive_message", "receive_messages", "system_message", "typing_by_agent", "typing_by_visitor", "viewing_leave", "viewing_refresh",
    "viewing_set", "visitor_saw", "widget_conversation_start",
]
