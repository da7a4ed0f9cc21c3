"""Celery entry points for conversations: thin, idempotent, passed ids."""
from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_init, worker_ready
from django import db
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from conversations import knowledge, realtime, selectors, services, turns
from conversations.connectors import dispatch, email, slack
from conversations.models import Conversation, Handoff, Message
from flows import services as flow_services
from helpdesk.errors import DeliveryRefused, ProviderUnavailable
from routing.models import HandoffPolicy
from workspaces.models import Workspace

logger = logging.getLogger(__name__)

# This start of the worker (set in its main process, inherited by the pool processes it forks). A
# claim names "node start": when the node starts again, claims naming an earlier start are orphans.
WORKER_START = uuid.uuid4().hex[:12]

MISSED_REPLIES_BATCH = 200  # conversations a sweep emails; the next sweep takes the rest


def _worker_name(node: str | None) -> str:
    return f"{node} {WORKER_START}" if node else ""


@shared_task(bind=True, acks_late=True, soft_time_limit=90, autoretry_for=turns.TRANSIENT_ERRORS, retry_backoff=1,
             retry_backoff_max=30, retry_jitter=False, max_retries=8)
def process_turn_task(self, message_id: int) -> None:
    """One visitor message's turn. The task id names the claim: a retry of this task keeps it."""
    turns.process_turn(message_id=message_id, claim=self.request.id or f"local-{message_id}",
                       worker=_worker_name(self.request.hostname))


# A batch's turns run one after another in one task while they are quick; past this, the rest are
# queued as tasks of their own so other pool processes take them (a slow assistant or LLM provider).
TURN_BATCH_SECONDS = 1.0


@shared_task(bind=True, acks_late=True, soft_time_limit=90, autoretry_for=turns.TRANSIENT_ERRORS, retry_backoff=1,
             retry_backoff_max=30, retry_jitter=False, max_retries=8)
def process_turns_task(self, message_ids: list[int]) -> None:
    """The turns of visitor messages written together (`services.receive_messages`): one task message
    for the batch instead of one each, on the real-time path's CPU. Each turn is `process_turn` with its
    own claim, as in `process_turn_task`: a retry skips the turns settled already, and a turn whose task
    was lost (a killed worker past its lease, the broker down) is queued again by the sweep."""
    started = time.monotonic()
    for position, message_id in enumerate(message_ids):
        if position and time.monotonic() - started > TURN_BATCH_SECONDS:
            for rest in message_ids[position:]:
                process_turn_task.delay(rest)
            return
        turns.process_turn(message_id=message_id, claim=self.request.id or f"local-{message_id}",
                           worker=_worker_name(self.request.hostname))


@worker_init.connect
def load_the_assistant_before_forking(**_kwargs) -> None:
    """The pool's processes are forked from the worker's main process: the assistant's models and
    sentence encoders are loaded there, once, before the fork. Otherwise each child loaded them
    (~3.5 s) inside the first visitor turn it took after every (re)start, and 60 simultaneous
    handoffs right after a start waited for four children loading at once. The children also share
    the models' memory. Each workspace's assistant too (`knowledge.warm_assistants`), when the database
    answers; then the database connections and their pool are closed, so that no process forked from this
    one inherits a pool whose threads it does not have (its connections then time out)."""
    knowledge.load_assistant_models()
    try:
        warmed = knowledge.warm_assistants()
        logger.info("Assistants of %s workspace(s) ready before the first turn", warmed)
    except Exception:  # the database not there yet, say: each child builds its own on its first turn, as before
        logger.warning("Could not prepare the workspaces' assistants before the first turn", exc_info=True)
    finally:
        for connection in db.connections.all(initialized_only=True):
            connection.close()
            if hasattr(connection, "close_pool"):  # PostgreSQL with Django's pool (settings.py)
                connection.close_pool()


@worker_ready.connect
def release_orphaned_turns(sender=None, **_kwargs) -> list[int]:
    """A worker (re)started: queue at once the turns its previous start had claimed when it died
    (SIGKILL, OOM), instead of leaving the visitor waiting out the lease; and the turns no worker has
    claimed yet, which its previous start may have taken from the broker without starting (prefetched):
    Redis gives those back only after the visibility timeout, and the sweep after its grace. A turn
    still queued elsewhere is then queued twice, and answered once (the claim)."""
    node = getattr(sender, "hostname", "")
    if not node:
        return []
    orphans = services.message_turns_release_orphans(node=node, worker=_worker_name(node))
    now = timezone.now()
    unclaimed = [] if not _consumes_turns(sender) else [
        message_id for message_id in selectors.messages_awaiting_turn(
            now=now, grace_seconds=0, requeue_every_seconds=settings.TURN_LEASE_SECONDS,
            window_seconds=settings.TURN_SWEEP_WINDOW_SECONDS)
        if message_id not in orphans]
    for message_id in orphans + unclaimed:
        process_turn_task.delay(message_id)
    services.messages_turn_requeued(message_ids=unclaimed, at=now)
    if orphans:
        logger.warning("Queued %s turn(s) again that %s held when it stopped", len(orphans), node)
    if unclaimed:
        logger.warning("Queued %s turn(s) again that no worker had started", len(unclaimed))
    return orphans + unclaimed


def _consumes_turns(consumer) -> bool:
    """Whether this worker reads the visitors' turns' queue (the jobs worker, `-Q <queue>.long`, never held one)."""
    queues = getattr(getattr(consumer, "task_consumer", None), "queues", None)
    return queues is None or any(queue.name == settings.CELERY_TASK_DEFAULT_QUEUE for queue in queues)


@shared_task(acks_late=True, soft_time_limit=60)
def sweep_turns_task() -> int:
    """Queue again the turns of visitor messages left without an outcome (their worker died, or their
    task never reached a worker: the broker was down, or Redis lost it), and say "not responding" again where a turn ended lately:
    an indicator switched off while Redis was away would otherwise stay on."""
    now = timezone.now()
    waiting = selectors.messages_awaiting_turn(now=now, grace_seconds=settings.TURN_REQUEUE_GRACE_SECONDS,
                                               requeue_every_seconds=settings.TURN_LEASE_SECONDS,
                                               window_seconds=settings.TURN_SWEEP_WINDOW_SECONDS)
    for message_id in waiting:
        process_turn_task.delay(message_id)
    services.messages_turn_requeued(message_ids=waiting, at=now)  # after queueing: a failed send is retried
    if waiting:
        logger.warning("Queued %s turn(s) again that had no outcome", len(waiting))
    for conversation in selectors.conversations_with_turns_settled_since(
            since=now - timedelta(seconds=2 * settings.TURN_SWEEP_SECONDS)):
        realtime.publish_ai_typing(conversation, False)
    return len(waiting)


@shared_task(acks_late=True, soft_time_limit=60)
def start_conversation_task(conversation_id: int) -> None:
    """Flows triggered by "conversation started" run here, out of the request."""
    conversation = Conversation.objects.select_related("workspace", "contact").filter(pk=conversation_id).first()
    if conversation is None:
        return
    flow_services.flow_start_for_new_conversation(conversation=conversation)


@shared_task(acks_late=True, soft_time_limit=300)
def reindex_knowledge_task(workspace_id: int) -> None:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is not None:
        knowledge.knowledge_reindex(workspace=workspace)


@shared_task(acks_late=True, soft_time_limit=30)
def announce_availability_task(user_id: int) -> None:
    services.availability_changed(user_id=user_id)


@shared_task(acks_late=True, soft_time_limit=120)
def assign_waiting_handoffs_task() -> int:
    """Queued handoffs go to agents who became available (or whose office hours began). Sweep and kick."""
    assigned = 0
    nobody_free: set[tuple] = set()  # routing keys that found nobody this run: the same answer for the rest
    for handoff_id, key in selectors.handoffs_to_assign():
        if key in nobody_free:
            continue
        queued = Handoff.objects.select_related("conversation").get(pk=handoff_id)
        handoff = services.handoff_assign_waiting(handoff=queued)
        if handoff.assigned_to_id:
            assigned += 1
        elif handoff.status == Handoff.Status.PENDING and handoff.notified_at is None:
            nobody_free.add(key)  # neither assigned nor (a team's queue) announced: nobody is free for it
    return assigned


@shared_task(acks_late=True, soft_time_limit=60)
def reroute_handoffs_task() -> int:
    """Beat sweep: pending handoffs whose assignee went offline, or did not acknowledge in the policy's time,
    go to someone who is there (or back to the queue). Returns how many moved."""
    moved = 0
    for handoff in selectors.handoffs_to_reroute():
        if services.handoff_reroute(handoff=handoff).assigned_to_id != handoff.assigned_to_id:
            moved += 1
    return moved


@shared_task(acks_late=True, soft_time_limit=120)
def expire_handoffs_task() -> int:
    """Pending handoffs whose visitor has been gone past the policy's expiry go back to the AI."""
    expired = 0
    for policy in HandoffPolicy.objects.all():
        cutoff = timezone.now() - timedelta(minutes=policy.expiry_minutes)
        candidates = list(Handoff.objects.select_related("conversation").filter(
            status=Handoff.Status.PENDING, conversation__workspace_id=policy.workspace_id,
            requested_at__lt=cutoff, conversation__last_visitor_message_at__lt=cutoff)[:200])
        for handoff in candidates:  # each decided again under its locks: it may have been taken meanwhile
            expired += services.handoff_expire(handoff=handoff, cutoff=cutoff)
    return expired


@shared_task(acks_late=True, soft_time_limit=120)
def hand_off_stalled_gathering_task() -> int:
    """Visitors promised a person who went quiet while a detail was asked: handed off with what is known."""
    now, quiet_for = timezone.now(), timedelta(seconds=settings.GATHER_WAIT_SECONDS)
    return sum(turns.hand_off_stalled_gathering(conversation_id=pk, now=now, quiet_for=quiet_for)
               for pk in selectors.stalled_gathering_ids(now=now, quiet_for=quiet_for))


@shared_task(acks_late=True, soft_time_limit=120)
def remind_handoffs_task() -> int:
    """Email the assignee once when a pending handoff waits past the policy's reminder time."""
    sent = 0
    for policy in HandoffPolicy.objects.filter(reminder_minutes__gt=0):
        cutoff = timezone.now() - timedelta(minutes=policy.reminder_minutes)
        with transaction.atomic():
            due = list(Handoff.objects.select_for_update(skip_locked=True, of=("self",))
                       .select_related("assigned_to", "conversation__contact")
                       .filter(status=Handoff.Status.PENDING, reminded_at__isnull=True, assigned_to__isnull=False,
                               conversation__workspace_id=policy.workspace_id, requested_at__lt=cutoff)[:200])
            for handoff in due:
                handoff.reminded_at = timezone.now()
                handoff.save(update_fields=["reminded_at", "updated_at"])
                if handoff.assigned_to.email:
                    transaction.on_commit(lambda h=handoff: send_mail(
                        subject=f"Waiting for you: {h.conversation.contact}",
                        message=f"A handoff has waited {policy.reminder_minutes}+ minutes.\nReason: {h.reason}\n\n{h.summary}",
                        from_email=None, recipient_list=[h.assigned_to.email]))
                    sent += 1
    return sent


@shared_task(acks_late=True, soft_time_limit=120)
def email_missed_replies_task() -> int:
    """The beat sweep: web chats whose agents' replies the visitor has not seen by the due time get them by email,
    one mail per conversation (services/missed_replies.py). Returns how many mails left."""
    sent = 0
    for conversation_id in selectors.missed_replies_due_ids(now=timezone.now(), limit=MISSED_REPLIES_BATCH):
        claim = services.missed_replies_claim(conversation_id=conversation_id)
        if claim is None:
            continue
        try:
            email.send_missed_replies(claim)
        except (ProviderUnavailable, DeliveryRefused) as exc:
            logger.warning("Missed replies of conversation %s not emailed: %s", conversation_id, exc)
            services.missed_replies_failed(claim=claim, retry=isinstance(exc, ProviderUnavailable))
            continue
        services.missed_replies_emailed(claim=claim)
        sent += 1
    return sent


@shared_task(bind=True, acks_late=True, soft_time_limit=60)
def deliver_message_task(self, message_id: int) -> str:
    """Send one message on its conversation's channel; a failing provider is retried with back-off."""
    last_attempt = self.request.retries >= settings.HELPDESK_DELIVERY_MAX_RETRIES
    try:
        return dispatch.deliver(message_id=message_id, last_attempt=last_attempt)
    except ProviderUnavailable as exc:
        raise self.retry(exc=exc, max_retries=settings.HELPDESK_DELIVERY_MAX_RETRIES,
                         countdown=settings.HELPDESK_DELIVERY_RETRY_SECONDS * 2 ** self.request.retries) from exc


@shared_task(acks_late=True, soft_time_limit=60, autoretry_for=(ProviderUnavailable,), retry_backoff=True,
             max_retries=5)
def announce_handoff_task(handoff_id: int) -> str:
    """Post a handoff to its team's Slack channel (once; Slack being down is retried with back-off)."""
    return slack.post_handoff(handoff_id=handoff_id)


@shared_task(acks_late=True, soft_time_limit=60, autoretry_for=(ProviderUnavailable,), retry_backoff=True,
             max_retries=5)
def mirror_to_slack_task(message_id: int) -> str:
    """Copy a message into its conversation's Slack handoff thread (once; retried while Slack is down)."""
    return slack.mirror_message(message_id=message_id)
