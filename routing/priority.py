"""Handoff priority from explainable rules. Pure: facts in, (priority, reasons) out."""
from __future__ import annotations

import re
from dataclasses import dataclass

URGENT_WORDS = re.compile(
    r"\b(urgent|urgently|asap|immediately|right now|emergency|critical|"
    r"urgente|inmediato|inmediatamente|dringend|sofort|imm[ée]diatement|urgência)\b", re.IGNORECASE)
LEVELS = ("low", "normal", "high", "urgent")
# "nothing urgent", "not an emergency", "no es urgente", "pas urgent", "nicht dringend", "não é urgente": said calmly
# ("…just feedback, nothing urgent" was queued as urgent ahead of angry customers: trial 56b)
_NOT_BEFORE = re.compile(r"\b(?:not|no|nothing|isn'?t|nada|nao|não|pas|rien|nicht|kein\w*|nichts)\W+(?:\w+\W+)?$",
                         re.IGNORECASE)


def says_urgent(text: str) -> bool:
    """Urgency words in `text`, not negated just before them."""
    return any(not _NOT_BEFORE.search(text[:m.start()]) for m in URGENT_WORDS.finditer(text or ""))


@dataclass(frozen=True)
class PriorityFacts:
    vip: bool = False
    restricted_topic: bool = False
    frustrated: bool = False
    text: str = ""
    waiting_minutes: float = 0.0


def compute_priority(f: PriorityFacts) -> tuple[str, tuple[str, ...]]:
    """Start at normal, one step up per reason; urgency words or a VIP in distress go straight to urgent."""
    score, reasons = 1, []
    if f.vip:
        score += 1
        reasons.append("VIP contact")
    if f.restricted_topic:
        score += 1
        reasons.append("restricted topic")
    if f.frustrated:
        score += 1
        reasons.append("frustrated visitor")
    if says_urgent(f.text):
        score = 3
        reasons.append("urgency words")
    if f.waiting_minutes >= 30:
        score += 1
        reasons.append(f"waiting {int(f.waiting_minutes)} min")
    return LEVELS[min(score, 3)], tuple(reasons)
