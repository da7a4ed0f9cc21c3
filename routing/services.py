"""Routing writes: picking an agent under locks, availability."""
from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

from celery import current_app
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from routing import presence
from routing.models import AgentProfile, Specialty
from routing.strategies import AgentLoad, RoundRobin

if TYPE_CHECKING:
    from workspaces.models import Workspace

logger = logging.getLogger(__name__)
User = get_user_model()

# Conversations that count against an agent's capacity.
OWNED_STATUSES = ("pending_human", "assigned")


def assignment_pick_in_specialty(*, workspace: Workspace, specialty: Specialty,
                                 exclude: Collection[int] = ()) -> User | None:
    """Round-robin within a specialty: the eligible agent (available, online, with room) with the fewest
    open conversations; agents in `exclude` are passed over (a re-route away from them).

    Must run inside the caller's transaction. Locks every candidate's profile row (in id
    order, so concurrent pickers never deadlock): concurrent handoffs to the same specialty
    are serialised, so nobody is handed two in a row while another eligible agent has fewer,
    and nobody goes over capacity — across any number of Daphne and Celery processes.
    """
    assert transaction.get_connection().in_atomic_block, "assignment_pick_in_specialty needs a transaction"
    candidates = list(
        AgentProfile.objects.select_for_update(of=("self",))
        .filter(workspace=workspace, specialties=specialty, user__is_active=True)
        .exclude(user_id__in=list(exclude))
        .order_by("id")
    )
    if not candidates:
        return None
    counts = dict(
        User.objects.filter(pk__in=[c.user_id for c in candidates])
        .annotate(n=Count("assigned_conversations", filter=Q(assigned_conversations__status__in=OWNED_STATUSES)))
        .values_list("pk", "n")
    )
    now = timezone.now()
    loads = [
        AgentLoad(agent_id=c.user_id, available=c.available, online=presence.is_online(c.last_seen_at, now),
                  open_count=counts.get(c.user_id, 0), capacity=c.capacity,
                  last_assigned_ts=c.last_assigned_at.timestamp() if c.last_assigned_at else 0.0)
        for c in candidates
    ]
    agent_id = RoundRobin().pick(loads)
    if agent_id is None:
        return None
    AgentProfile.objects.filter(user_id=agent_id).update(last_assigned_at=now)
    return User.objects.get(pk=agent_id)


def assignment_take_agent(*, workspace: Workspace, user) -> User | None:
    """A handoff aimed at one agent: theirs if they are in the workspace, available and online, else None.

    Must run inside the caller's transaction: locks the agent's profile row, so the answer holds
    until the assignment commits (a concurrent heartbeat or availability switch waits for it).
    """
    assert transaction.get_connection().in_atomic_block, "assignment_take_agent needs a transaction"
    profile = (AgentProfile.objects.select_for_update(of=("self",))
               .filter(workspace=workspace, user=user, user__is_active=True).first())
    eligible = profile is not None and profile.available and presence.is_online(profile.last_seen_at, timezone.now())
    return user if eligible else None


@transaction.atomic
def agent_set_availability(*, user, available: bool) -> AgentProfile:
    """Toggle routing availability. Becoming available pulls waiting handoffs from the queue."""
    profile = AgentProfile.objects.select_for_update().get(user=user)
    if profile.available != available:
        profile.available = available
        profile.save(update_fields=["available"])
        # the colleagues' assign menus say "(away)" at once (trial 28: until a reload); by task name, as below
        transaction.on_commit(lambda: current_app.send_task("conversations.tasks.announce_availability_task",
                                                            args=[profile.user_id]))
    if available:
        # By task name: conversations imports routing, not the other way round.
        transaction.on_commit(lambda: current_app.send_task("conversations.tasks.assign_waiting_handoffs_task"))
    return profile
