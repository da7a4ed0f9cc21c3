"""Ending flow runs: the one write of flows that other apps call (csat's Resolve ends the active run).

Apart from flows.services, which resolves conversations through csat.services, so that csat
can end runs without an import cycle.
"""
from __future__ import annotations

from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from conversations.models import Conversation
from conversations.services import lock_conversation
from flows import selectors
from flows.engine import RunState
from flows.models import FlowRun, FlowStepLog


@transaction.atomic
def flow_end_runs(*, conversation: Conversation, reason: str = "ended", line: str = "") -> int:
    """End the conversation's active run, e.g. when an agent resolves it; returns how many ended (0 or 1).
    `line`: what the agent reads in the flow steps (default "ended (<reason>)"). Safe to repeat."""
    conversation = lock_conversation(conversation)  # the same lock order as every other entry point
    run = selectors.active_run_for(conversation=conversation, lock=True)
    if run is None:
        return 0
    end_run(run, conversation, reason=reason, line=line or f"ended ({reason})")
    return 1


def end_run(run: FlowRun, conversation: Conversation, *, reason: str, line: str) -> None:
    """Under the caller's lock: the run is over, and its log says why."""
    state = replace(RunState.from_dict(run.state), status="finished", end_reason=reason)
    now = timezone.now()
    FlowRun.objects.filter(pk=run.pk).update(active=False, state=state.to_dict(), end_reason=reason,
                                             pending_effect={}, updated_at=now, finished_at=now)
    log_line(run, conversation, state.steps, line)


def log_line(run: FlowRun, conversation: Conversation, step: int, line: str) -> None:
    FlowStepLog.objects.create(run=run, conversation=conversation, step=step, flow_name=run.flow.name,
                               text=f"flow {run.flow.name}: {line}"[:500])
