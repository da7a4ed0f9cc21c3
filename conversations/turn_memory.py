"""What the assistant remembers between a conversation's turns: a frozen, typed snapshot.

Pure (nothing from Django). The turn reads it from `Conversation.assistant_state`, hands it to
`turn_plan.plan_turn`, and saves the memory the plan returns. `TurnMemory()` is a
conversation the assistant has not talked in yet; handing back to the AI or resolving starts
over from it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class PendingHandoff:
    """A handoff decided but waiting for information to gather first.

    `cause` is what it is named after (routing.decision.PRECEDENCE); `reason` names it for
    the agent, quoting the visitor; `topic` is the restricted topic whose target it goes to.
    """

    cause: str
    reason: str = ""
    topic: str | None = None
    field: str = ""  # the field asked for last
    by_phone: bool = False  # the visitor asked to be called: a phone number is asked instead of an email
    opened: str = ""  # how the first question opened ("sorry": "I'm sorry about this. I'll bring in…"), said once

    def to_dict(self) -> dict[str, Any]:
        return {"cause": self.cause, "reason": self.reason, "topic": self.topic, "field": self.field,
                "by_phone": self.by_phone, "opened": self.opened}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingHandoff:
        return cls(cause=str(data.get("cause") or "cannot_answer"), reason=str(data.get("reason") or ""),
                   topic=data.get("topic") or None, field=str(data.get("field") or ""),
                   by_phone=bool(data.get("by_phone")), opened=str(data.get("opened") or ""))


@dataclass(frozen=True)
class TurnMemory:
    """The assistant's memory of one conversation.

    `problem` is the visitor's latest problem statement in their own words, and
    `problem_answered` whether the AI answered it (and the visitor did not say otherwise): an
    answered question is not what the agent is asked to solve. `tried` lists what the AI did
    about it, for the agent's summary. `gathered` holds the information gathered for a
    handoff; `asks` how often each field was asked; `skipped` the fields the visitor declined
    or could not give. `pending` is set while a handoff waits for that information.
    """

    language: str = ""
    problem: str = ""
    problem_answered: bool = False
    awaiting_problem: bool = False  # AI first asked what the problem is
    human_requests: int = 0
    offered_human: bool = False
    offer_open: bool = False  # the AI's last reply offered a person: only the next message can accept or decline it
    ai_attempted: bool = False  # the AI tried to solve the stated problem
    frustration: str = ""  # the visitor's words the last time they were frustrated
    request: str = ""  # the visitor's words the last time they asked for a person
    distressed: bool = False  # an accident, a danger or an urgent problem was mentioned
    # the visitor said they want no person ("I don't want to talk to a person, just tell me…"): a question the AI cannot
    # answer later gets a person offered, not brought in, until they ask for one
    declined_person: bool = False
    tried: tuple[str, ...] = ()
    unanswered: tuple[str, ...] = ()  # questions asked while information was gathered that the AI could not answer
    gathered: Mapping[str, str] = field(default_factory=dict)
    asks: Mapping[str, int] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()
    pending: PendingHandoff | None = None

    @property
    def frustrated(self) -> bool:
        return bool(self.frustration)

    @property
    def gathering(self) -> bool:
        return self.pending is not None

    def with_tried(self, what: str) -> TurnMemory:
        """Remember one more thing the AI tried (the latest few are kept, each once)."""
        tried = tuple(t for t in self.tried if t != what) + (what,)
        return replace(self, tried=tried[-MAX_TRIED:])

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language, "problem": self.problem, "problem_answered": self.problem_answered,
            "awaiting_problem": self.awaiting_problem, "human_requests": self.human_requests,
            "offered_human": self.offered_human, "offer_open": self.offer_open, "ai_attempted": self.ai_attempted, "frustration": self.frustration,
            "request": self.request, "distressed": self.distressed, "declined_person": self.declined_person,
            "tried": list(self.tried), "unanswered": list(self.unanswered), "gathered": dict(self.gathered),
            "asks": dict(self.asks), "skipped": list(self.skipped),
            "pending": self.pending.to_dict() if self.pending else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TurnMemory:
        """Read a saved memory; unknown or malformed entries fall back to their defaults."""
        data = data if isinstance(data, Mapping) else {}
        pending = data.get("pending")
        return cls(
            language=str(data.get("language") or ""),
            problem=str(data.get("problem") or ""),
            problem_answered=bool(data.get("problem_answered")),
            awaiting_problem=bool(data.get("awaiting_problem")),
            human_requests=_int(data.get("human_requests")),
            offered_human=bool(data.get("offered_human")),
            # saved before offer_open existed: an offer made then may be the one being answered
            offer_open=bool(data.get("offer_open", data.get("offered_human"))),
            ai_attempted=bool(data.get("ai_attempted")),
            frustration=str(data.get("frustration") or ""),
            request=str(data.get("request") or ""),
            distressed=bool(data.get("distressed")),
            declined_person=bool(data.get("declined_person")),
            tried=_strings(data.get("tried")),
            unanswered=_strings(data.get("unanswered")),
            gathered={str(k): str(v) for k, v in _mapping(data.get("gathered")).items()},
            asks={str(k): _int(v) for k, v in _mapping(data.get("asks")).items()},
            skipped=_strings(data.get("skipped")),
            pending=PendingHandoff.from_dict(pending) if isinstance(pending, Mapping) else None,
        )


MAX_TRIED = 4


def _int(value: object) -> int:
    try:
        return max(0, int(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
