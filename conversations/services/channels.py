"""Inbound messages from the provider channels (email, SMS, phone): find or open the conversation,
then `receive_message`, exactly once per provider id.

The connectors (conversations/connectors/) verify and parse; this module decides which
conversation a message belongs to and which contact sent it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from conversations import realtime
from conversations.models import Attachment, ChannelRef, Contact, Conversation, Message
from conversations.services.lifecycle import agent_reply
from conversations.services.messages import receive_message
from workspaces.models import Workspace

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboundFile:
    filename: str
    content_type: str
    data: bytes
    is_raw_message: bool = False


@dataclass(frozen=True)
class Inbound:
    """One parsed provider message. `ref` is the provider's id (the idempotency key)."""

    channel: str
    ref_kind: str
    ref: str
    body: str
    sender_name: str = ""
    email: str = ""
    phone: str = ""
    thread_refs: tuple[str, ...] = ()  # email: In-Reply-To and References, newest first
    conversation_id: int | None = None  # a reply token named it (already verified)
    subject: str = ""  # email: the subject without "Re:" and our token; a new conversation is titled with it
    metadata: dict = field(default_factory=dict)
    files: tuple[InboundFile, ...] = ()


def channel_ref_conversation(*, workspace: Workspace, kind: str, values: list[str] | tuple[str, ...]) -> Conversation | None:
    """The conversation a provider id belongs to (the first of `values` that is known)."""
    refs = {r.value: r for r in ChannelRef.objects.filter(workspace=workspace, kind=kind, value__in=list(values))
            .select_related("conversation")}
    for value in values:
        if value in refs:
            return refs[value].conversation
    return None


def channel_ref_record(*, conversation: Conversation, kind: str, value: str, message: Message | None = None) -> None:
    """Remember an id we sent (an outbound Message-ID, a Slack thread) so replies find the conversation."""
    ChannelRef.objects.get_or_create(workspace_id=conversation.workspace_id, kind=kind, value=value,
                                     defaults={"conversation": conversation, "message": message})


def channel_receive(*, workspace: Workspace, inbound: Inbound) -> tuple[Message, bool]:
    """Store an inbound message; returns it and whether it is new (False: a provider retry)."""
    existing = _already_received(workspace, inbound)
    if existing is not None:
        return existing, False
    try:
        return _receive(workspace, inbound), True
    except IntegrityError:
        # Two deliveries of one message raced past the lookup: the constraint kept the first.
        existing = _already_received(workspace, inbound)
        if existing is None:
            raise
        return existing, False


def _already_received(workspace: Workspace, inbound: Inbound) -> Message | None:
    ref = (ChannelRef.objects.filter(workspace=workspace, kind=inbound.ref_kind, value=inbound.ref)
           .select_related("message").first())
    return ref.message if ref is not None else None


@transaction.atomic
def _receive(workspace: Workspace, inbound: Inbound) -> Message:
    conversation = _conversation_for(workspace, inbound)
    message = receive_message(conversation=conversation, body=inbound.body, sender_name=inbound.sender_name,
                              external_id=f"{inbound.ref_kind}:{inbound.ref}"[:255], metadata=inbound.metadata)
    ChannelRef.objects.create(workspace=workspace, kind=inbound.ref_kind, value=inbound.ref,
                              conversation=conversation, message=message)
    stored = [Attachment.objects.create(message=message, filename=file.filename[:255],
                                        content_type=file.content_type[:255], size=len(file.data), data=file.data,
                                        is_raw_message=file.is_raw_message) for file in inbound.files]
    listed = [a for a in stored if not a.is_raw_message]
    if listed:  # with their ids, so that the inbox links each file to its download
        message.metadata = {**message.metadata, "attachments": [
            {"id": str(a.pk), "filename": a.filename, "content_type": a.content_type, "size": a.size} for a in listed]}
        message.save(update_fields=["metadata"])
        realtime.publish_message_updated(message)
    return message


def _conversation_for(workspace: Workspace, inbound: Inbound) -> Conversation:
    """The thread's conversation (by reference, then reply token), the number's open one, or a new one."""
    if inbound.thread_refs:
        found = channel_ref_conversation(workspace=workspace, kind=inbound.ref_kind, values=inbound.thread_refs)
        if found is not None:
            return found
    if inbound.conversation_id is not None:
        found = Conversation.objects.filter(workspace=workspace, pk=inbound.conversation_id).first()
        if found is not None:
            return found
    contact = _contact_for(workspace, inbound)
    if inbound.channel in (Conversation.Channel.SMS, Conversation.Channel.PHONE):
        # One conversation per number while it is open: a text after "resolved" starts afresh.
        open_one = (Conversation.objects.filter(workspace=workspace, contact=contact, channel=inbound.channel)
                    .exclude(status=Conversation.Status.RESOLVED).order_by("-id").first())
        if open_one is not None:
            return open_one
    conversation = Conversation.objects.create(workspace=workspace, contact=contact, channel=inbound.channel,
                                               subject=inbound.subject[:300])
    realtime.publish_conversation_created(conversation)
    return conversation


def _contact_for(workspace: Workspace, inbound: Inbound) -> Contact:
    """The sender becomes the contact, or matches the one with that address or number."""
    contacts = Contact.objects.filter(workspace=workspace).order_by("id")
    contact = (contacts.filter(email__iexact=inbound.email).first() if inbound.email
               else contacts.filter(phone=inbound.phone).first() if inbound.phone else None)
    # an SMS or a call names its sender by number: that is their phone, not a name ("Hi +34600…" in a canned reply)
    name = inbound.sender_name[:200] if inbound.sender_name not in (inbound.phone, inbound.email) else ""
    if contact is None:
        contact = Contact.objects.create(workspace=workspace, name=name, email=inbound.email, phone=inbound.phone)
    elif name and not contact.name:
        contact.name = name
        contact.save(update_fields=["name"])
    return contact


def call_conversation(*, workspace: Workspace, call_sid: str, phone: str) -> Conversation:
    """The conversation of a phone call: the one its first request opened, or the number's open one, or a new one."""
    found = channel_ref_conversation(workspace=workspace, kind=ChannelRef.Kind.CALL, values=[call_sid])
    if found is not None:
        return found
    try:
        with transaction.atomic():
            conversation = _conversation_for(workspace, Inbound(
                channel=Conversation.Channel.PHONE, ref_kind=ChannelRef.Kind.CALL, ref=call_sid, body="",
                sender_name=phone, phone=phone))
            ChannelRef.objects.create(workspace=workspace, kind=ChannelRef.Kind.CALL, value=call_sid,
                                      conversation=conversation)
    except IntegrityError:  # the same call's first request, retried concurrently
        conversation = channel_ref_conversation(workspace=workspace, kind=ChannelRef.Kind.CALL, values=[call_sid])
    return conversation


def slack_reply_receive(*, conversation: Conversation, agent, body: str, ref: str, metadata: dict) -> Message | None:
    """An agent's reply from a Slack thread, once per Slack message (None: Slack delivered it again)."""
    try:
        with transaction.atomic():
            message = agent_reply(conversation=conversation, agent=agent, body=body, metadata=metadata)
            ChannelRef.objects.create(workspace_id=conversation.workspace_id, kind=ChannelRef.Kind.SLACK_MESSAGE,
                                      value=ref, conversation=conversation, message=message)
    except IntegrityError:
        return None
    return message
