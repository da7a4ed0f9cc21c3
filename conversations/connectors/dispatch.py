"""The outbound dispatcher: how a message leaves for its conversation's channel.

`deliver_message_task` calls `deliver` for every message `services.delivery` queued. A provider
that is down raises ProviderUnavailable: the task retries with back-off and, after the last
try, the message is marked failed (the inbox shows it; an agent can retry). A provider that
refuses for good (DeliveryRefused) fails at once.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from conversations.connectors import email, sms
from conversations.models import Conversation, Message
from conversations.services import delivery
from helpdesk.errors import DeliveryRefused, ProviderUnavailable

logger = logging.getLogger(__name__)

SENDERS: dict[str, Callable[[Message], str]] = {
    Conversation.Channel.EMAIL: email.send,
    Conversation.Channel.SMS: sms.send,
    Conversation.Channel.PHONE: sms.send,  # after a call, a reply reaches the caller's number by text
}


def deliver(*, message_id: int, last_attempt: bool) -> str:
    """Send a queued message once, after the conversation's messages queued before it (two tasks run at once
    would send the answer and the handoff notice in either order). Returns the outcome; raises
    ProviderUnavailable to be retried (an earlier message's failure too: the order holds)."""
    conversation_id = Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).first()
    if conversation_id is None:
        return "skipped"
    with delivery.one_delivery_at_a_time(conversation_id):
        message = Message.objects.get(pk=message_id)
        by_mail = message.conversation.channel == Conversation.Channel.EMAIL
        try:
            for earlier_id in delivery.queued_before(message):
                _deliver_one(earlier_id, last_attempt=False, together=by_mail)
        except ProviderUnavailable as exc:
            # Waiting for the one before it is this message's attempt too: it is counted and, on the last one,
            # the message is marked failed (the inbox shows it, an agent retries) instead of staying queued
            # for good, or failing after a single try of its own.
            if (message.metadata or {}).get("delivery", {}).get("status") == delivery.QUEUED:
                delivery.delivery_record(message_id=message_id, status=delivery.FAILED if last_attempt else delivery.QUEUED,
                                         error=f"Waiting for an earlier message: {exc}")
            if last_attempt:
                return delivery.FAILED
            raise
        return _deliver_one(message_id, last_attempt=last_attempt, together=by_mail)


def _deliver_one(message_id: int, *, last_attempt: bool, together: bool = False) -> str:
    """Send one queued message; with `together` (email), the automatic messages written with it in one mail
    (`delivery.written_with`), each recorded as sent by it."""
    message = Message.objects.select_related("conversation__contact", "conversation__workspace").filter(
        pk=message_id).first()
    state = (message.metadata or {}).get("delivery", {}) if message else {}
    if state.get("status") != delivery.QUEUED:
        return "skipped"  # gone, already sent (a redelivered task) or failed and not retried
    if not delivery.needs_delivery(message.conversation, message.sender_type, message.metadata,
                                   private=message.private):
        delivery.delivery_record(message_id=message.pk, status=delivery.FAILED, counts_attempt=False,
                                 error="Not sent: this message is not meant for the visitor.")
        return delivery.FAILED
    sender = SENDERS.get(message.conversation.channel)
    if sender is None:
        delivery.delivery_record(message_id=message.pk, status=delivery.FAILED,
                                 error=f"No sender for the {message.conversation.channel} channel.")
        return delivery.FAILED
    also = delivery.written_with(message) if together else []
    try:
        provider_id = email.send(message, also=also) if also else sender(message)
    except DeliveryRefused as exc:
        # (said in the log too: an SMS setup without its account id failed every send with nothing in the log: trial 55)
        logger.warning("Delivery of message %s refused: %s", message.pk, exc)
        delivery.delivery_record(message_id=message.pk, status=delivery.FAILED, error=str(exc))
        return delivery.FAILED
    except ProviderUnavailable as exc:
        logger.warning("Delivery of message %s failed%s: %s", message.pk, " for good" if last_attempt else "", exc)
        delivery.delivery_record(message_id=message.pk, status=delivery.FAILED if last_attempt else delivery.QUEUED,
                                 error=str(exc))
        if last_attempt:
            return delivery.FAILED
        raise
    for sent in [message, *also]:
        delivery.delivery_record(message_id=sent.pk, status=delivery.SENT, provider_id=provider_id or "")
    return delivery.SENT
