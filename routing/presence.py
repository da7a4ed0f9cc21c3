"""Agent presence: an agent is online while an inbox socket of theirs is connected.

Kept on the agent's profile row (`last_seen_at`), not in a process's memory, so every Daphne
process and Celery worker sees the same answer and routing can filter on it under its row
locks. Each connected socket refreshes the row every heartbeat and once more when it
closes; a row not refreshed for the grace period is offline. So a page reload (close, then connect
again within the grace period) never looks like leaving, and a socket whose Daphne process died
without a disconnect lapses on its own.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from routing.models import AgentProfile

logger = logging.getLogger(__name__)


def grace() -> timedelta:
    """How long an agent stays online after their last socket refreshed presence (API.md: 30 s)."""
    return timedelta(seconds=settings.PRESENCE_GRACE_SECONDS)


def heartbeat_seconds() -> float:
    """How often a connected socket refreshes presence: well inside the grace period."""
    return settings.PRESENCE_GRACE_SECONDS / 3


def is_online(last_seen_at: datetime | None, now: datetime) -> bool:
    return last_seen_at is not None and last_seen_at >= now - grace()


def online_q(prefix: str = "") -> Q:
    """Profiles online now; `prefix` reaches them through a relation (e.g. "agent__")."""
    return Q(**{f"{prefix}last_seen_at__gte": timezone.now() - grace()})


def eligible_q(prefix: str = "") -> Q:
    """Profiles routing may give a conversation to: the Available switch on, online, active user."""
    return online_q(prefix) & Q(**{f"{prefix}available": True, f"{prefix}user__is_active": True})


def presence_seen(*, user_id: int) -> bool:
    """An inbox socket of the agent is (or, on close, just was) connected. True when it brings them online.

    Coming online pulls the queued handoffs they may take (by task name: conversations imports
    routing, not the other way round).
    """
    now = timezone.now()
    with transaction.atomic():
        previous = (AgentProfile.objects.select_for_update().filter(user_id=user_id)
                    .values_list("last_seen_at", flat=True).first())
        if not AgentProfile.objects.filter(user_id=user_id).update(last_seen_at=now):
            return False
        came_online = not is_online(previous, now)
        if came_online:
            transaction.on_commit(pull_waiting_handoffs)
    return came_online


def pull_waiting_handoffs() -> None:
    """The waiting-handoff sweep now rather than at its next beat (call on commit): someone may take one."""
    try:
        current_app.send_task("conversations.tasks.assign_waiting_handoffs_task")
    except Exception:  # the broker is down: the beat sweep assigns them a little later
        logger.warning("Could not enqueue the waiting-handoff sweep", exc_info=True)
