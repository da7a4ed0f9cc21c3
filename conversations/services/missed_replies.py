"""Agents' replies a web visitor has not seen go to the visitor's email.

A visitor who asked for a person, gave an email and closed the tab would otherwise find the answer only by coming
back to the page. Each agent reply in a web chat sets a due time (HELPDESK_MISSED_REPLIES_EMAIL_SECONDS later,
unless one is set already); the widget reports the newest message it showed while the page was in view
(`visitor_saw`). When due, the beat task claims the row under a lock, and the replies after what the visitor saw
(or answered) leave in one mail, threaded so that a reply by mail comes back into the same conversation. The
inbox gets a note saying what was emailed. At most one mail per window, whatever the number of replies.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from conversations.models import Conversation, Message
from conversations.services.messages import append_message, lock_conversation

RETRY_AFTER = timedelta(minutes=5)  # the mail server was down: the same replies are tried again
NEWEST_ID = 2**63 - 1


def missed_replies_schedule_locked(conversation: Conversation) -> None:
    """Under the caller's lock, after an agent's reply in a web chat: the visitor's email gets it if they have not
    seen it on the page by the due time. An earlier due time is kept (one mail for the replies of a window)."""
    delay = settings.HELPDESK_MISSED_REPLIES_EMAIL_SECONDS
    if delay <= 0 or conversation.channel != Conversation.Channel.WEB or conversation.missed_replies_due_at:
        return
    conversation.missed_replies_due_at = timezone.now() + timedelta(seconds=delay)
    conversation.save(update_fields=["missed_replies_due_at"])


def visitor_saw(*, conversation_id: int, message_id: object) -> bool:
    """The visitor's widget showed the conversation up to `message_id` while the page was in view. One UPDATE,
    no lock: the mark only moves forward. False for anything but a message id."""
    if isinstance(message_id, bool) or not isinstance(message_id, (int, str)):
        return False
    try:
        seen = int(message_id)
    except ValueError:
        return False
    if not 0 < seen <= NEWEST_ID:
        return False
    Conversation.objects.filter(pk=conversation_id, visitor_seen_up_to__lt=seen).update(visitor_seen_up_to=seen)
    return True


@dataclass(frozen=True)
class MissedReplies:
    """What one mail carries: the agents' replies the visitor missed, oldest first."""
    conversation: Conversation
    email: str
    messages: tuple[Message, ...]
    emailed_before: int  # the mark before this claim: restored if the mail cannot leave

    @property
    def last_id(self) -> int:
        return self.messages[-1].pk


def missed_replies_claim(*, conversation_id: int, now: datetime | None = None) -> MissedReplies | None:
    """Take a due conversation's missed replies for one mail (SELECT ... FOR UPDATE SKIP LOCKED: a concurrent
    sweep skips it, and the mark moves before the mail leaves, so a second sweep never sends them again). None
    when not due, nothing was missed (seen, answered, or emailed already), or the visitor gave no email."""
    now = now or timezone.now()
    with transaction.atomic():
        conversation = (Conversation.objects.select_for_update(of=("self",), skip_locked=True)
                        .select_related("contact", "workspace")
                        .filter(pk=conversation_id, missed_replies_due_at__lte=now).first())
        if conversation is None:
            return None
        missed = _missed(conversation)
        conversation.missed_replies_due_at = None
        emailed_before = conversation.missed_replies_emailed_up_to
        if missed and conversation.contact.email:
            conversation.missed_replies_emailed_up_to = missed[-1].pk
        conversation.save(update_fields=["missed_replies_due_at", "missed_replies_emailed_up_to"])
    if not missed or not conversation.contact.email:
        return None
    return MissedReplies(conversation, conversation.contact.email, tuple(missed), emailed_before)


def _missed(conversation: Conversation) -> list[Message]:
    """The agents' replies after the newest of: what the widget showed, the visitor's last message, the last mail."""
    answered = (conversation.messages.filter(sender_type=Message.SenderType.VISITOR)
                .aggregate(last=Max("id"))["last"] or 0)
    floor = max(conversation.visitor_seen_up_to, conversation.missed_replies_emailed_up_to, answered)
    return list(conversation.messages.filter(id__gt=floor, sender_type=Message.SenderType.AGENT, private=False)
                .order_by("id"))


@transaction.atomic
def missed_replies_emailed(*, claim: MissedReplies) -> Message:
    """The mail left (the connector recorded its Message-ID, so a reply by mail threads in): the agents see a note."""
    conversation = lock_conversation(claim.conversation)
    count = len(claim.messages)
    replies = "the reply" if count == 1 else f"the {count} replies"
    return append_message(
        conversation, sender_type=Message.SenderType.SYSTEM, sender_name="", private=True,
        body=f"The visitor was not on the page: {replies} they had not seen went to {claim.email}. "
             "Their answer by mail comes back here.",
        metadata={"missed_replies": {"email": claim.email, "messages": [str(m.pk) for m in claim.messages]}})


def missed_replies_failed(*, claim: MissedReplies, retry: bool) -> None:
    """The mail did not leave. `retry` (the server was down): the same replies are tried again in RETRY_AFTER.
    Otherwise (the server refused the address) they are given up; a later reply sets its own due time."""
    if not retry:
        return
    with transaction.atomic():
        conversation = lock_conversation(claim.conversation)
        if conversation.missed_replies_emailed_up_to != claim.last_id:
            return
        conversation.missed_replies_emailed_up_to = claim.emailed_before
        retry_at = timezone.now() + RETRY_AFTER
        due = conversation.missed_replies_due_at
        conversation.missed_replies_due_at = min(due, retry_at) if due else retry_at
        conversation.save(update_fields=["missed_replies_emailed_up_to", "missed_replies_due_at"])
