"""What reopening a conversation means for its surveys: the ones not sent yet are cancelled.

Apart from csat.services (which writes messages through conversations.services) so that
conversations' reopen can call it without an import cycle.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from conversations.models import Conversation
from csat.models import Survey


def survey_cancel_pending(*, conversation: Conversation) -> int:
    """Cancel the conversation's surveys that have not gone out (the visitor wrote again). Returns how many.

    Never waits on a survey being sent at this moment (SKIP LOCKED): that send locks the
    conversation next, sees it reopened and cancels itself.
    """
    with transaction.atomic():
        pending = list(Survey.objects.select_for_update(skip_locked=True)
                       .filter(conversation=conversation, status=Survey.Status.SCHEDULED))
        for survey in pending:
            mark_cancelled(survey, "reopened")
    return len(pending)


def mark_cancelled(survey: Survey, reason: str) -> None:
    survey.status = Survey.Status.CANCELLED
    survey.cancelled_at = timezone.now()
    survey.cancel_reason = reason
    survey.save(update_fields=["status", "cancelled_at", "cancel_reason"])
