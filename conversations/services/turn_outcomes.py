"""A visitor message's turn: claimed as a lease, settled with exactly one outcome.

The turn (conversations/turns.py) claims the message, thinks without holding any lock,
then writes its outcome and `message_turn_settle` in one transaction under
`message_turn_lock`. A worker that dies keeps the claim only until the lease expires;
`sweep_turns_task` then queues the turn again. The claim names the worker (node name and
a per-start id): when that node starts again, its earlier start's open claims are orphans
and are released at once (`message_turns_release_orphans`), not at the lease's end.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from conversations import realtime
from conversations.models import Conversation, Message
from conversations.services.messages import lock_conversation


@transaction.atomic
def message_turn_claim(*, message_id: int, claim: str, lease_seconds: float, worker: str = "") -> Message | None:
    """Take the visitor message's turn for `lease_seconds`. None when it is settled already or
    another claim's lease is still running. The same claim (a retried task) takes it again.
    `worker` names the worker process taking it ("node start-id"; see `message_turns_release_orphans`)."""
    message = (Message.objects.select_for_update(of=("self",))
               .select_related("conversation__workspace", "conversation__contact")
               .filter(pk=message_id, sender_type=Message.SenderType.VISITOR).first())
    if message is None or message.turn_processed_at is not None:
        return None
    now = timezone.now()
    held = message.turn_claim and message.turn_claim != claim
    if held and message.turn_lease_until and message.turn_lease_until > now:
        return None
    if message.turn_claim != claim:
        message.turn_attempts += 1
    message.turn_claim = claim
    message.turn_lease_until = now + timedelta(seconds=lease_seconds)
    message.turn_claim_worker = worker
    message.save(update_fields=["turn_claim", "turn_lease_until", "turn_attempts", "turn_claim_worker"])
    return message


@transaction.atomic
def message_turns_release_orphans(*, node: str, worker: str) -> list[int]:
    """The worker node `node` has started again as `worker`: the claims still open that an earlier
    start of this node holds died with it (its pool processes die with it). Their leases lapse now;
    returns their message ids for the caller to queue.

    Two live workers sharing a node name would lapse each other's running claims: both then work on
    the turn, and still only one outcome commits (`message_turn_lock` re-checks under the lock)."""
    now = timezone.now()
    orphans = list(Message.objects.select_for_update(skip_locked=True).filter(
        sender_type=Message.SenderType.VISITOR, turn_processed_at__isnull=True, turn_lease_until__gt=now,
        turn_claim_worker__startswith=f"{node} ").exclude(turn_claim_worker=worker).values_list("pk", flat=True))
    Message.objects.filter(pk__in=orphans).update(turn_lease_until=now, turn_requeued_at=now)
    return orphans


def messages_turn_requeued(*, message_ids: list[int], at: datetime) -> None:
    """The sweep queued these turns again at `at`: it leaves them be for a while (a backlog is not amplified)."""
    Message.objects.filter(pk__in=message_ids).update(turn_requeued_at=at)


def message_turn_lock(*, message: Message) -> Message | None:
    """Under the caller's transaction: lock the conversation, then the message. None when settled."""
    conversation = lock_conversation(message.conversation)
    locked = Message.objects.select_for_update(of=("self",)).filter(pk=message.pk).first()
    if locked is None or locked.turn_processed_at is not None:
        return None
    locked.conversation = conversation
    return locked


def message_turn_pass_flows(*, message: Message) -> None:
    """No flow takes this message: a retried turn goes straight to the assistant."""
    Message.objects.filter(pk=message.pk).update(turn_flow_done=True)


def message_turn_settle(*, message: Message, outcome: str) -> None:
    """Under `message_turn_lock`: the message has its outcome; the "responding" indicator goes off."""
    message.turn_processed_at = timezone.now()
    message.turn_outcome = outcome
    message.turn_lease_until = None
    message.save(update_fields=["turn_processed_at", "turn_outcome", "turn_lease_until"])
    realtime.publish_ai_typing(message.conversation, False)


def conversation_remember(*, conversation: Conversation, memory: dict, language: str) -> None:
    """Under the conversation's lock: the assistant's memory after a turn, and the visitor's language."""
    conversation.assistant_state = memory
    conversation.save(update_fields=["assistant_state"])
    conversation_set_language(conversation=conversation, language=language)


def conversation_set_language(*, conversation: Conversation, language: str) -> None:
    """Under the conversation's lock: the language the visitor writes ("" changes nothing)."""
    if not language or language == conversation.language:
        return
    conversation.language = language
    conversation.save(update_fields=["language"])
    # the widget's own words follow the visitor's language (the inbox's list item has none)
    realtime.publish_widget_conversation_updated(conversation)
