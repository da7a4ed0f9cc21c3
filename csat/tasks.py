"""Celery entry points for surveys: a countdown per survey and a beat sweep, both into `survey_send`."""
from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from conversations.models import Conversation
from csat import selectors, services
from helpdesk.errors import ProviderUnavailable

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
# A Redis broker redelivers an unacknowledged task after its visibility timeout (an hour here), so a
# countdown longer than that would run more than once; longer delays are left to the beat sweep.
MAX_COUNTDOWN_SECONDS = 50 * 60


def enqueue_send(survey_id: int, countdown: float) -> bool:
    """Send the survey `countdown` seconds from now, if a countdown is worth it. The sweep covers the rest."""
    if countdown > MAX_COUNTDOWN_SECONDS:
        return False
    try:
        send_survey_task.apply_async((survey_id,), countdown=max(0.0, countdown))
    except Exception:  # the broker is down: the row is the truth and the beat sweep sends it
        logger.warning("Could not enqueue survey %s; the sweep will send it", survey_id, exc_info=True)
        return False
    return True


@shared_task(acks_late=True, soft_time_limit=60, autoretry_for=(ProviderUnavailable,), retry_backoff=True,
             max_retries=5)
def send_survey_task(survey_id: int) -> str:
    """The countdown: usually sends the survey right at its due time. A redelivery is a no-op."""
    outcome = services.survey_send(survey_id=survey_id)
    if outcome == "not_due":
        # Countdowns can fire early (clock skew between hosts): try again when it is due.
        due_at = selectors.survey_due_at(survey_id=survey_id)
        if due_at is not None:
            enqueue_send(survey_id, max(1.0, (due_at - timezone.now()).total_seconds()))
    return outcome


@shared_task(acks_late=True, soft_time_limit=120)
def send_due_surveys_task() -> int:
    """The beat sweep: due surveys still scheduled (countdown lost, late or too long). Returns how many went out."""
    sent = 0
    for survey_id in selectors.survey_due_ids(now=timezone.now(), limit=SWEEP_BATCH):
        try:
            sent += services.survey_send(survey_id=survey_id) == "sent"
        except ProviderUnavailable:  # stays scheduled; the next sweep tries again
            logger.warning("Survey %s could not be sent yet", survey_id, exc_info=True)
    return sent


@shared_task(acks_late=True, soft_time_limit=120)
def resolve_idle_ai_conversations_task() -> int:
    """The beat sweep: conversations the AI handled alone whose visitor went quiet past the policy's
    `ai_idle_resolve_seconds` are resolved by the AI. Returns how many."""
    now = timezone.now()
    resolved = 0
    for conversation_id in selectors.ai_idle_conversation_ids(now=now, limit=SWEEP_BATCH):
        done = services.conversation_resolve_by_ai(conversation_id=conversation_id,
                                                   how=Conversation.AiResolution.IDLE, now=now)
        if done is not None:
            resolved += 1
    return resolved
