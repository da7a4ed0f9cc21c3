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


# Questions the knowledge base does not answer: each one is one more example of the index's "not covered"
# class, embedded at every reindex, so the list is bounded like an article's questions.
NOT_COVERED_MAX_QUESTIONS = 200
# "When to use" goes verbatim into every LLM request as the handoff tool's description: a paragraph, not a book
WHEN_TO_USE_MAX_LENGTH = 2000
NOT_COVERED_MAX_LENGTH = 300


def not_covered_questions(questions: list[str]) -> tuple[list[str], str | None]:
    """(the questions trimmed, blanks and repeats dropped, in order; a message when the list is too long or a
    question is), for the admin form and the workspace document alike."""
    kept: list[str] = []
    seen: set[str] = set()
    for question in questions:
        question = " ".join(str(question).split())
        if question and question.casefold() not in seen:
            seen.add(question.casefold())
            kept.append(question)
    long = next((q for q in kept if len(q) > NOT_COVERED_MAX_LENGTH), None)
    if long is not None:
        return kept, f"Keep each question under {NOT_COVERED_MAX_LENGTH} characters: {long[:40]!r}… has {len(long)}."
    if len(kept) > NOT_COVERED_MAX_QUESTIONS:
        return kept, f"At most {NOT_COVERED_MAX_QUESTIONS} questions; this list has {len(kept)}."
    return kept, None
