"""The handoff decision: a pure function of a turn's signals and the workspace policy.

Imports nothing from Django. It is the one rule table of a visitor turn: whether to answer,
ask for the problem, gather information, offer a person or hand off; whether a language
model may still hand off by its tool; the fail-safe when the assistant breaks; and which
cause names the handoff when several hold at once. `conversations/turn_plan.py` builds
`TurnSignals` from the assistant's analysis and the turn's memory, calls `decide`, and
turns the decision into what the visitor is told.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Literal

INSIST_LIMIT = 3  # a visitor who asks for a human this many times gets one, gathered or not
ASK_LIMIT = 2  # a field to gather is asked at most this many times, then the handoff goes on without it

Cause = Literal["user_request", "restricted_topic", "frustration", "cannot_answer", "model", "assistant_error",
                "flow", "agent"]
# When several causes hold, the handoff is named after the first of these: what the visitor
# asked for outranks what the AI inferred.
PRECEDENCE: tuple[Cause, ...] = ("user_request", "restricted_topic", "frustration", "cannot_answer")
TRIGGER: dict[str, str] = {"user_request": "user_request", "restricted_topic": "restricted_topic",
                           "frustration": "ai_decision", "cannot_answer": "ai_decision", "model": "ai_decision",
                           "assistant_error": "ai_decision", "flow": "flow", "agent": "agent"}


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
    missing_fields: tuple[str, ...] = ()  # required information still to ask for, in asking order
    handoff_enabled: bool = True
    flow_handoff: bool = False  # a flow's Human Handoff node
    agent_takeover: bool = False  # an agent took the conversation
    assistant_error: bool = False  # the assistant or its provider failed this turn
    smalltalk: bool = False  # "hi", "thanks", "bye", "ok": nothing to look up
    gathering_for: Cause | None = None  # a handoff is waiting for information; the cause it was decided for
    model_handoff: bool = False  # the language model, asked to write the answer, called its handoff tool
    was_frustrated: bool = False  # frustrated earlier in the conversation: names a handoff, never causes one
    asked_if_bot: bool = False  # "are you a bot?": no request for a person, but a reason to offer one
    declined_human: bool = False  # "I don't want to talk to anyone": the AI offers a person, never brings one in unasked
    declined_offer: bool = False  # "no thanks" to the AI's offer of a person


Action = Literal["answer", "cannot_answer", "ask_problem", "ask_field", "gather", "offer_human", "handoff",
                 "small_talk", "apologize", "no_person_here"]


@dataclass(frozen=True)
class Decision:
    action: Action
    trigger: str | None = None  # handoff trigger, for action == "handoff" or a handoff gathered for
    reason: str = ""  # shown to the assignee in the conversation header
    field: str | None = None  # the information to ask for, for "ask_field" / "gather"
    why: str = ""  # one line explaining the decision, for logs and the flow test panel
    gather_first: tuple[str, ...] = ()
    cause: Cause | None = None  # what the handoff is named after (see PRECEDENCE)
    model_may_hand_off: bool = False  # for "answer": a language model writing it may still call its handoff tool
    tell_no_person: bool = False  # for "answer", AI only: the visitor also asked for a person, who cannot join


REASON: dict[str, str] = {
    "user_request": "The visitor asked for a human",
    "restricted_topic": "Restricted topic",
    "frustration": "The visitor is frustrated",
    "cannot_answer": "The AI could not answer",
    "model": "The AI decided to hand off",
    "assistant_error": "assistant error",
    "flow": "Flow handoff",
    "agent": "An agent took over",
}


def strongest_cause(*causes: str | None) -> Cause | None:
    """The cause a handoff is named after when several hold: the first in PRECEDENCE, else the first given."""
    present = [c for c in causes if c]
    ranked = [c for c in PRECEDENCE if c in present]
    return ranked[0] if ranked else (present[0] if present else None)  # type: ignore[return-value]


def decide(level: HandoffLevel | str, s: TurnSignals) -> Decision:
    level = HandoffLevel(level)

    # Flows and agents hand off under every level: they are explicit human choices.
    if s.agent_takeover:
        return _handoff("agent", why="agent takeover")
    if s.flow_handoff:
        return _handoff("flow", why="a flow's Handoff node")

    if level is HandoffLevel.AI_ONLY or not s.handoff_enabled:
        why = "AI only: the AI never hands off by itself" if s.handoff_enabled else "handoff disabled"
        if s.assistant_error:
            return Decision("apologize", why=f"{why}; the assistant failed, so it says so")
        if s.smalltalk and s.gathering_for is None:
            return Decision("small_talk", why=why)
        if s.asked_for_human and not s.kb_can_answer:  # said plainly, with the other ways to reach the team
            return Decision("no_person_here", why=f"{why}; the visitor asked for a person, who cannot join this chat")
        if s.asked_for_human:  # "How long does shipping take? Also I want to speak to someone": both halves answered
            return Decision("answer", why=f"{why}; answered, and told that no person can join this chat",
                            tell_no_person=True)
        return Decision("answer" if s.kb_can_answer else "cannot_answer", why=why)

    if s.assistant_error:
        # Fail safe: never leave a visitor unanswered because the assistant broke.
        return _handoff("assistant_error", why="the assistant failed; a human takes over")

    if s.gathering_for is not None:
        return _while_gathering(s)

    if s.asked_if_bot and not (s.asked_for_human or s.frustrated or s.restricted_topic):
        return Decision("offer_human", why="a bot question gets an honest answer and the offer of a person, not a handoff")

    if s.declined_offer and not (s.asked_for_human or s.frustrated or s.restricted_topic or s.kb_can_answer):
        # (with a question the articles answer, that answer: "no thanks, how long does shipping to France take?" got
        # "No problem. What else can I help you with?": trial 55)
        return Decision("small_talk", why="the visitor said no to the offer of a person: the AI stays with them")

    if s.smalltalk and not (s.asked_for_human or s.frustrated or s.restricted_topic):
        return Decision("small_talk", why="small talk is answered, not escalated")

    # Naming looks at the whole conversation: an earlier request or frustration outranks "cannot answer".
    # Asking the same thing again also reads as frustration; the loop itself names that handoff.
    frustration = "frustration" if (s.frustrated and not s.repeated_failure) or s.was_frustrated else None
    request = "user_request" if s.asked_for_human or s.human_requests else None
    cannot_answer = not s.kb_can_answer or s.said_not_helpful or s.repeated_failure
    failure = "cannot_answer" if cannot_answer else None

    if s.restricted_topic:
        return _handoff_after_gathering(s, strongest_cause(request, "restricted_topic", frustration, failure),
                                        f"restricted topic {s.restricted_topic!r} always goes to a human")

    if s.asked_for_human:
        if level is HandoffLevel.AI_FIRST and s.human_requests < INSIST_LIMIT:
            if not s.has_problem_statement:
                return Decision("ask_problem", why="AI first: asks what the problem is before any handoff")
            if not s.ai_attempted and s.kb_can_answer:
                # The policy chose to answer a request for a person: the model may not overrule it.
                return Decision("answer", why="AI first: tries to solve the stated problem before handing off")
        return _handoff_after_gathering(s, strongest_cause(request, frustration, failure),
                                        "a direct request for a human is respected")

    if s.frustrated:
        if level is HandoffLevel.QUICK:
            return _handoff_after_gathering(s, strongest_cause(request, frustration, failure),
                                            "quick handoff: frustration hands off at once")
        if level is HandoffLevel.BALANCED and not s.ai_offered_human:
            return Decision("offer_human", why="balanced: frustration gets one offer of a human, not a silent escalation")

    if cannot_answer:
        what = ("the visitor said the answer did not help" if s.said_not_helpful
                else "the visitor keeps asking the same thing" if s.repeated_failure
                else "the knowledge base has no confident answer")
        if s.declined_human:
            return Decision("offer_human", why=f"{what}, but the visitor declined a person: offered, not brought in")
        if level is HandoffLevel.AI_FIRST and not s.has_problem_statement:
            return Decision("ask_problem", why=f"AI first: {what}, but the problem is not stated yet")
        cause = strongest_cause(request, frustration, failure)
        decision = _handoff_after_gathering(s, cause, what)
        if cause == "cannot_answer":
            decision = _with_reason(decision, f"{REASON['cannot_answer']}: {what}")
        return decision

    if s.model_handoff:
        return _handoff_after_gathering(s, "model", "the language model called its handoff tool")
    return Decision("answer", why="the knowledge base answers it", model_may_hand_off=True)


def _while_gathering(s: TurnSignals) -> Decision:
    """Gathering is never a trap: a request for a person or frustration hands off at once, with what is known."""
    cause = strongest_cause("user_request" if s.asked_for_human else None,
                            "restricted_topic" if s.restricted_topic else None,
                            "frustration" if s.frustrated else None, s.gathering_for)
    if s.asked_for_human or s.frustrated:
        return _handoff(cause, why="asked for a person or frustrated while information was gathered: hands off now")
    if not s.missing_fields:
        return _handoff(cause, why="everything needed is gathered (or the visitor declined it)")
    return Decision("gather", TRIGGER[cause], REASON[cause], field=s.missing_fields[0], cause=cause,
                    why=f"gathering {s.missing_fields[0]} before the handoff", gather_first=s.missing_fields)


def _handoff(cause: Cause, *, why: str) -> Decision:
    return Decision("handoff", TRIGGER[cause], REASON[cause], cause=cause, why=why)


def _with_reason(decision: Decision, reason: str) -> Decision:
    return replace(decision, reason=reason)


def _handoff_after_gathering(s: TurnSignals, cause: Cause, why: str) -> Decision:
    reason = f"{REASON[cause]}: {s.restricted_topic}" if cause == "restricted_topic" else REASON[cause]
    if s.missing_fields and s.human_requests < INSIST_LIMIT:
        return Decision("ask_field", TRIGGER[cause], reason, field=s.missing_fields[0],
                        why=f"{why}; first gathering {s.missing_fields[0]}", gather_first=s.missing_fields,
                        cause=cause)
    return Decision("handoff", TRIGGER[cause], reason, cause=cause, why=why)
