"""Outbound delivery state: which messages leave on the conversation's channel, and how it went.

The state lives in the message's `metadata["delivery"]` (`queued`, `sent`, `failed`, with
`attempts`, `error`, `provider_id`), so the inbox shows it with the message. The dispatcher
(`conversations.connectors.dispatch`, run by `deliver_message_task`) does the sending.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conversations import realtime
from conversations.models import Conversation, Handoff, Message, meant_for_visitor
from helpdesk.errors import DomainError

logger = logging.getLogger(__name__)

QUEUED, SENT, FAILED = "queued", "sent", "failed"


def needs_delivery(conversation: Conversation, sender_type: str, metadata: dict, *, private: bool = False) -> bool:
    """Whether a new message must leave on the conversation's channel.

    Only messages meant for the visitor (`meant_for_visitor`: not the visitor's own, never a note)
    leave; the web widget hears them on its socket, other channels need a send. A rating's receipt
    is for the inbox. A phone conversation's agent replies and survey go to the caller's number by text.
    """
    if conversation.channel == Conversation.Channel.WEB or not meant_for_visitor(sender_type, private=private):
        return False
    if (conversation.channel == Conversation.Channel.PHONE and sender_type != Message.SenderType.AGENT
            and not metadata.get("csat")):
        return False  # on a call the assistant's and the system's words are spoken by the voice hook
    return not metadata.get("csat_result")


def queued_metadata(conversation: Conversation, sender_type: str, metadata: dict, *, private: bool = False) -> dict:
    """The metadata a new message is created with: marked queued when it must be delivered."""
    if not needs_delivery(conversation, sender_type, metadata, private=private):
        return metadata
    return {**metadata, "delivery": {"status": QUEUED, "channel": conversation.channel, "attempts": 0}}


def delivery_enqueue(message: Message) -> None:
    """On commit, hand a queued message to the dispatcher task."""
    if (message.metadata or {}).get("delivery", {}).get("status") != QUEUED:
        return
    from conversations.tasks import deliver_message_task  # Celery: the task module imports this one

    transaction.on_commit(lambda: deliver_message_task.delay(message.id))


@transaction.atomic
def delivery_record(*, message_id: int, status: str, error: str = "", provider_id: str = "",
                    counts_attempt: bool = True) -> Message:
    """Record an attempt's outcome on the message and show it in the inbox."""
    message = Message.objects.select_for_update(of=("self",)).select_related("conversation").get(pk=message_id)
    delivery = dict(message.metadata.get("delivery") or {})
    delivery.update(status=status, updated_at=timezone.now().isoformat())
    if counts_attempt:
        delivery["attempts"] = delivery.get("attempts", 0) + 1
    if error:
        delivery["error"] = error[:500]
    elif status == SENT:
        delivery.pop("error", None)
    if provider_id:
        delivery["provider_id"] = provider_id
    message.metadata = {**message.metadata, "delivery": delivery}
    message.save(update_fields=["metadata"])
    realtime.publish_message_updated(message)
    return message


@transaction.atomic
def delivery_retry(*, message: Message) -> Message:
    """An agent asks to send a failed message again. Only a failed delivery can be retried (else 409)."""
    message = Message.objects.select_for_update(of=("self",)).select_related("conversation").get(pk=message.pk)
    delivery = (message.metadata or {}).get("delivery")
    if not delivery:
        raise DomainError("not_deliverable", "This message is not sent on a channel.", status=409)
    if delivery.get("status") != FAILED:
        raise DomainError("not_failed", f"This message's delivery is {delivery.get('status')}, not failed.", status=409)
    message.metadata = {**message.metadata, "delivery": {**delivery, "status": QUEUED, "retried_at": timezone.now().isoformat()}}
    message.save(update_fields=["metadata"])
    realtime.publish_message_updated(message)
    delivery_enqueue(message)
    return message


def handoff_announce(handoff: Handoff) -> None:
    """On commit, post a new handoff to its team's Slack channel (when Slack is set up)."""
    if not settings.SLACK_BOT_TOKEN:
        return
    from conversations.tasks import announce_handoff_task  # Celery: the task module imports this one

    transaction.on_commit(lambda: announce_handoff_task.delay(handoff.id))
