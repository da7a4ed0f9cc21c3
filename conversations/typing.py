"""Typing indicators, throttled per socket: pure Python, no Django.

A client sends `{"type": "typing", "active": true}` as often as keys are pressed; others need to hear
"typing" once, then again now and then so theirs does not lapse (API.md: 10 s without a new frame),
and "stopped" at once. So a repeated `true` passes at most every REPEAT_SECONDS; a change always passes
(also a change of `mode`: an agent switching from a note to a reply must be heard by the visitor at once).
"""
from __future__ import annotations

from dataclasses import dataclass, field

LAPSE_SECONDS = 10  # a receiver clears the indicator after this long without a new frame
REPEAT_SECONDS = 3  # well inside the lapse, so a steady typist never flickers off


@dataclass
class TypingThrottle:
    _last: dict[str, tuple[bool, str, float]] = field(default_factory=dict)  # key -> (active, mode, when sent)

    def should_send(self, key: str, active: bool, now: float, mode: str = "") -> bool:
        """Whether this frame for `key` (a conversation) goes out; records it when it does."""
        previous = self._last.get(key)
        if previous is None and not active:
            return False  # "stopped" about something never announced: nobody shows it
        if previous is not None and previous[:2] == (active, mode) and (not active or now - previous[2] < REPEAT_SECONDS):
            return False
        self._last[key] = (active, mode, now)
        return True

    def active_keys(self) -> list[str]:
        """Keys last announced as typing: a closing socket says "stopped" for them."""
        return [key for key, (active, _mode, _when) in self._last.items() if active]
