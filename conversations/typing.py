"""Typing indicators, throttled per socket: pure Python, no Django.

A client sends `{"type": "typing", "active": true}` as often as keys are pressed; others need to hear
"typing" once, then again now and then so theirs does not lapse (API.md: 10 s without a new frame),
and "stopped" at once. So a repeated `true` passes at most every REPEAT_SECONDS; a change always passes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

LAPSE_SECONDS = 10  # a receiver clears the indicator after this long without a new frame
REPEAT_SECONDS = 3  # well inside the lapse, so a steady typist never flickers off


@dataclass
class TypingThrottle:
    _last: dict[str, tuple[bool, float]] = field(default_factory=dict)  # key -> (active, when sent)

    def should_send(self, key: str, active: bool, now: float) -> bool:
        """Whether this frame for `key` (a conversation) goes out; records it when it does."""
        previous = self._last.get(key)
        if previous is not None and previous[0] == active and (not active or now - previous[1] < REPEAT_SECONDS):
            return False
        if previous is None and not active:
            return False  # "stopped" about something never announced: nobody shows it
        self._last[key] = (active, now)
        return True

    def active_keys(self) -> list[str]:
        """Keys last announced as typing: a closing socket says "stopped" for them."""
        return [key for key, (active, _) in self._last.items() if active]
