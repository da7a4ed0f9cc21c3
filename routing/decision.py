"""The handoff decision: a pure function of a turn's signals and the workspace policy.

Imports nothing from Django. `conversations/turns.py` builds `TurnSignals` from the
assistant's analysis and the conversation, calls `decide`, and applies the result.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

INSIST_LIMIT = 3  # a visitor who asks for a human this many times gets one, gathered or not


class HandoffLevel(str, Enum):
    AI_ONLY = "ai_only"
    QUICK = "quick"
    BALANCED = "balanced"
    AI_FIRST = "ai_first"


@dataclass(frozen=True)
class TurnSignals:
    asked_for_human: bool = False
    frustrated: bool = False
    restricted_topic: str | None = None
    kb_can_answer: bool = True
    said_not_helpful: bool = False
    repeated_failure: bool = False  # the same question several turns running, or answers that keep missing
    has_problem_statement: bool = False
    ai_attempted: bool = False  # the AI already tried to solve the stated problem
    human_requests: int = 0  # how many times the visitor asked for a human so far, this turn included
    ai_offered_human: bool = False
    missing_fields: tuple[str, ...] = ()  # required information not gathered yet, in asking order
    handoff_enabled: bool = True
    flow_handoff: bool = False  # a flow's Human Handoff node
    agent_takeover: bool = False  # an agent took the conversation
    assistant_error: bool = False  # the assistant or its provider failed this turn


Action = Literal["answer", "cannot_answer", "ask_problem", "ask_field", "offer_human", "handoff"]


@dataclass(frozen=True)
class Decision:
    action: Action
    trigger: str | None = None  # handoff trigger, for action == "handoff"
    reason: str = ""  # shown to the assignee in the conversation header
    field: str | None = None  # the information to ask for, for action == "ask_field"
    why: str = ""  # one line explaining the decision, for logs and the flow test panel
    gather_first: tuple[str, ...] = ()


def decide(level: HandoffLevel | str, s: TurnSignals) -> Decision:
    level = HandoffLevel(level)

    # Flows and agents hand off under every level: they are explicit human choices.
    if s.agent_takeover:
        return Decision("handoff", "agent", "An agent took over", why="agent takeover")
    if s.flow_handoff:
        return Decision("handoff", "flow", "Flow handoff", why="a flow's Handoff node")

    if level is HandoffLevel.AI_ONLY or not s.handoff_enabled:
        why = "AI only: the AI never hands off by itself" if s.handoff_enabled else "handoff disabled"
        return Decision("answer" if s.kb_can_answer else "cannot_answer", why=why)

    if s.assistant_error:
        # Fail safe: never leave a visitor unanswered because the assistant broke.
        return Decision("handoff", "ai_decision", "assistant error", why="the assistant failed; a human takes over")

    if s.restricted_topic:
        return _handoff_after_gathering(s, "restricted_topic", f"Restricted topic: {s.restricted_topic}",
                                        f"restricted topic {s.restricted_topic!r} always goes to a human")

    if s.asked_for_human:
        if level is HandoffLevel.AI_FIRST and s.human_requests < INSIST_LIMIT:
            if not s.has_problem_statement:
                return Decision("ask_problem", why="AI first: asks what the problem is before any handoff")
            if not s.ai_attempted and s.kb_can_answer:
                return Decision("answer", why="AI first: tries to solve the stated problem before handing off")
        return _handoff_after_gathering(s, "user_request", "The visitor asked for a human",
                                        "a direct request for a human is respected")

    if s.frustrated:
        if level is HandoffLevel.QUICK:
            return _handoff_after_gathering(s, "ai_decision", "The visitor is frustrated",
                                            "quick handoff: frustration hands off at once")
        if level is HandoffLevel.BALANCED and not s.ai_offered_human:
            return Decision("offer_human", why="balanced: frustration gets one offer of a human, not a silent escalation")

    cannot_answer = not s.kb_can_answer or s.said_not_helpful or s.repeated_failure
    if cannot_answer:
        what = ("the visitor said the answer did not help" if s.said_not_helpful
                else "the visitor keeps asking the same thing" if s.repeated_failure
                else "the knowledge base has no confident answer")
        if level is HandoffLevel.AI_FIRST and not s.has_problem_statement:
            return Decision("ask_problem", why=f"AI first: {what}, but the problem is not stated yet")
        return _handoff_after_gathering(s, "ai_decision", f"The AI could not answer: {what}", what)

    return Decision("answer", why="the knowledge base answers it")


def _handoff_after_gathering(s: TurnSignals, trigger: str, reason: str, why: str) -> Decision:
    if s.missing_fields and s.human_requests < INSIST_LIMIT:
        return Decision("ask_field", trigger, reason, field=s.missing_fields[0],
                        why=f"{why}; first gathering {s.missing_fields[0]}", gather_first=s.missing_fields)
    return Decision("handoff", trigger, reason, why=why)
