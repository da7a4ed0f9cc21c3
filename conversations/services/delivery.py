"""Outbound delivery state: which messages leave on the conversation's channel, and how it went.

The state lives in the message's `metadata["delivery"]` (`queued`, `sent`, `failed`, with
`attempts`, `error`, `provider_id`), so the inbox shows it with the message. The dispatcher
(`conversations.connectors.dispatch`, run by `deliver_message_task`) does the sending.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from conversations import realtime
from conversations.models import ChannelRef, Conversation, Handoff, Message, meant_for_visitor
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


DELIVERY_LOCK_SPACE = 7401  # the first key of the advisory locks below: deliveries, not another use


@contextmanager
def one_delivery_at_a_time(conversation_id: int) -> Iterator[None]:
    """Deliveries of one conversation, one at a time: a session advisory lock, held outside any transaction
    so that each outcome is recorded at once, and released with the connection if the worker dies."""
    key = [DELIVERY_LOCK_SPACE, conversation_id % 2**31]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


TOGETHER_SECONDS = 5  # an answer and the handoff notice of one turn are written within this of each other


def written_with(message: Message) -> list[Message]:
    """The conversation's messages queued right after `message`, written in the same breath (within TOGETHER_SECONDS),
    neither an agent's, a note nor a survey, as `message` is not: one mail for them, not two 20 ms apart ("I couldn't
    find an answer…" then the queue notice: trial of 4 Dec). Up to the first that is not one of them."""
    def automatic(m: Message) -> bool:
        return m.sender_type in (Message.SenderType.AI, Message.SenderType.SYSTEM) and not m.private \
            and not (m.metadata or {}).get("csat")

    if not automatic(message):
        return []
    together = []
    for m in Message.objects.filter(conversation_id=message.conversation_id, pk__gt=message.pk,
                                    created_at__lte=message.created_at + timedelta(seconds=TOGETHER_SECONDS)
                                    ).order_by("pk"):
        if not automatic(m) or (m.metadata or {}).get("delivery", {}).get("status") != QUEUED:
            break
        together.append(m)
    return together


def queued_before(message: Message) -> list[int]:
    """The conversation's messages still queued that were written before `message`, oldest first: they
    leave first, so that a mail or a text never overtakes the one before it."""
    return list(Message.objects.filter(conversation_id=message.conversation_id, pk__lt=message.pk,
                                       metadata__delivery__status=QUEUED).order_by("pk").values_list("pk", flat=True))


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


def slack_mirror_enqueue(message: Message) -> None:
    """On commit, copy a visitor's message or an inbox agent's reply into the conversation's Slack
    handoff thread, so whoever answers from Slack sees the whole exchange, not only the handoff."""
    if not settings.SLACK_BOT_TOKEN or message.private or message.sender_type not in (
            Message.SenderType.VISITOR, Message.SenderType.AGENT) or (message.metadata or {}).get("via") == "slack":
        return
    if not ChannelRef.objects.filter(conversation_id=message.conversation_id, kind=ChannelRef.Kind.SLACK_THREAD).exists():
        return
    from conversations.tasks import mirror_to_slack_task  # Celery: the task module imports this one

    transaction.on_commit(lambda: mirror_to_slack_task.delay(message.id))


def handoff_announce(handoff: Handoff) -> None:
    """On commit, post a new handoff to its team's Slack channel (when Slack is set up)."""
    if not settings.SLACK_BOT_TOKEN:
        return
    from conversations.tasks import announce_handoff_task  # Celery: the task module imports this one

    transaction.on_commit(lambda: announce_handoff_task.delay(handoff.id))
