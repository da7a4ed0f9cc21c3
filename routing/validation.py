"""Checks that a policy can work, shared by the admin forms and the workspace document (which
checks targets by name instead)."""
from __future__ import annotations

import re

from routing.models import AgentProfile, GatherField, TargetKind


def target_problem(*, kind: str, user, team, specialty, workspace_id: int | None) -> tuple[str, str] | None:
    """(field, message) when a handoff target cannot work, else None."""
    if not kind:
        return None
    if kind == TargetKind.USER:
        if user is None:
            return "target_user", "Choose the agent this target hands off to."
        if not AgentProfile.objects.filter(user=user, workspace_id=workspace_id, user__is_active=True).exists():
            return "target_user", f"{user} is not an active agent of this workspace."
    if kind == TargetKind.TEAM:
        if team is None:
            return "target_team", "Choose the team this target hands off to."
        if team.workspace_id != workspace_id:
            return "target_team", f"Team {team} belongs to another workspace."
    if kind == TargetKind.SPECIALTY:
        if specialty is None:
            return "target_specialty", "Choose the specialty for round-robin."
        if not specialty.agents.filter(user__is_active=True).exists():
            return "target_specialty", (f"Round-robin on specialty {specialty} cannot work: no agent has it. "
                                        "Give the specialty to at least one agent first.")
    return None


def gather_problem(*, kind: str, regex: str, required: bool, question: str) -> tuple[str, str] | None:
    if kind != GatherField.Kind.REGEX:
        return None
    if not regex:
        return "regex", "A custom field needs a regular expression."
    try:
        re.compile(regex)
    except re.error as exc:
        return "regex", f"Not a valid regular expression: {exc}."
    if required and not question.strip():
        return "question", "A required custom field needs a question to ask."
    return None
