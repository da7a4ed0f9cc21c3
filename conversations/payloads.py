"""The JSON shapes of API.md, built once and used by both the REST API and the websockets."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from conversations.models import Contact, Conversation, Handoff, Message


def iso(dt) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def user_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def message_payload(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "conversation": str(message.conversation_id),
        "sender_type": message.sender_type,
        "sender_name": message.sender_name,
        "body": message.body,
        "private": message.private,
        "metadata": message.metadata or {},
        "created_at": iso(message.created_at),
    }


def handoff_payload(handoff: Handoff | None) -> dict[str, Any] | None:
    if handoff is None:
        return None
    target_obj = handoff.target_object
    return {
        "id": str(handoff.id),
        "status": handoff.status,
        "trigger": handoff.trigger,
        "reason": handoff.reason,
        "summary": handoff.summary,
        "priority": handoff.priority or None,
        "priority_reasons": handoff.priority_reasons,
        "gathered": handoff.gathered,
        "target": {
            "kind": handoff.target_kind,
            "id": str(target_obj.pk) if target_obj else None,
            "name": (user_name(target_obj) if handoff.target_kind == "user" else target_obj.name) if target_obj else "",
        } if handoff.target_kind else None,
        "assigned_to": _user_ref(handoff.assigned_to),
        "requested_at": iso(handoff.requested_at),
        "acknowledged_at": iso(handoff.acknowledged_at),
        "resolved_at": iso(handoff.resolved_at),
        "cancelled_at": iso(handoff.cancelled_at),
    }


def _user_ref(user) -> dict | None:
    return {"id": str(user.pk), "name": user_name(user)} if user else None


def current_handoff(conversation: Conversation) -> Handoff | None:
    """The open handoff, else the latest one (so a resolved conversation still shows its history)."""
    prefetched = getattr(conversation, "prefetched_handoffs", None)
    handoffs = prefetched if prefetched is not None else list(conversation.handoffs.order_by("-id")[:1])
    return handoffs[0] if handoffs else None


def awaiting_first_words(conversation: Conversation) -> bool:
    """A widget conversation with no visitor message on record, the AI's, nobody waiting: the inbox's views leave it
    out until the visitor's first words (selectors.NOT_STARTED says the same in SQL)."""
    return (conversation.channel == "web" and conversation.last_visitor_message_at is None
            and conversation.status == "open" and not conversation.needs_agent and conversation.assignee_id is None)


def not_started(conversation: Conversation) -> bool:
    """A widget conversation the visitor opened and has not written in, nobody waiting (selectors.NOT_STARTED)."""
    if not awaiting_first_words(conversation):
        return False
    if hasattr(conversation, "visitor_wrote"):  # annotated by selectors.conversation_list
        return not conversation.visitor_wrote
    return not conversation.messages.filter(sender_type="visitor").exists()


def conversation_payload(conversation: Conversation) -> dict[str, Any]:
    """The inbox list item; the detail view adds contact details."""
    contact = conversation.contact
    if hasattr(conversation, "last_body"):  # annotated by selectors.conversation_list: no query per row
        last_message = {"body": (conversation.last_body or "")[:200], "sender_type": conversation.last_sender_type,
                        "private": bool(conversation.last_private),
                        "created_at": iso(conversation.last_created_at)} if conversation.last_created_at else None
    else:
        last = conversation.messages.order_by("-id").first()
        last_message = {"body": last.body[:200], "sender_type": last.sender_type, "private": last.private,
                        "created_at": iso(last.created_at)} if last else None
    if hasattr(conversation, "last_visitor_body"):
        visitor_said = {"body": (conversation.last_visitor_body or "")[:200],
                        "created_at": iso(conversation.last_visitor_at)} if conversation.last_visitor_at else None
    else:
        said = conversation.messages.filter(sender_type="visitor").order_by("-id").first()
        visitor_said = {"body": said.body[:200], "created_at": iso(said.created_at)} if said else None
    handoff = current_handoff(conversation)
    return {
        "id": str(conversation.id),
        "not_started": not_started(conversation),
        "contact": {"id": str(contact.id), "name": str(contact), "email": contact.email},
        "channel": conversation.channel,
        "subject": conversation.subject,
        "status": conversation.status,
        "needs_agent": conversation.needs_agent,
        "priority": conversation.priority or None,
        "assignee": _user_ref(conversation.assignee),
        "team": {"id": str(conversation.team_id), "name": conversation.team.name} if conversation.team_id else None,
        "last_message": last_message,
        # the list's preview of a conversation waiting for an agent (its last message is the AI's handoff notice)
        "last_visitor_message": visitor_said,
        "last_activity_at": iso(conversation.last_activity_at),
        "created_at": iso(conversation.created_at),
        "tags": conversation.tags,
        "resolution": conversation.resolution or None,
        "handoff": handoff_payload(handoff),
    }


def contact_payload(contact: Contact) -> dict[str, Any]:
    """A contact as agents see it; `name` falls back to email, phone or "Visitor #id", `name_on_file` does not."""
    return {"id": str(contact.id), "name": str(contact), "name_on_file": contact.name, "email": contact.email,
            "phone": contact.phone, "attributes": contact.attributes, "vip": contact.is_vip}


def conversation_detail_payload(conversation: Conversation) -> dict[str, Any]:
    """The conversation's own detail; the API view adds the flow log and CSAT (flows and csat sit above)."""
    data = conversation_payload(conversation)
    contact = conversation.contact
    data["contact"] = contact_payload(contact)
    data["language"] = conversation.language
    data["resolved_at"] = iso(conversation.resolved_at)
    data["resolved_by"] = conversation.resolved_by_kind or None
    return data


def widget_conversation_payload(conversation: Conversation) -> dict[str, Any]:
    """What a visitor may know about their own conversation: no summaries, no internal reasons."""
    handoff = current_handoff(conversation)
    return {
        "id": str(conversation.id),
        "status": conversation.status,
        "ai_active": conversation.ai_active,
        "handoff": {"status": handoff.status} if handoff else None,
        "assignee_name": user_name(conversation.assignee) if conversation.assignee_id else "",
        "language": conversation.language or "",  # the widget tells the visitor what happens in it
    }
