"""Row ids as they arrive in URLs, query strings and message bodies."""

from __future__ import annotations

BIGINT_MAX = 2**63 - 1


def parse_id(value: object) -> int | None:
    """The positive integer id `value` spells in ASCII digits, or None.

    `str.isdigit` alone accepts "²" and "٣" (int() refuses the first) and any length (PostgreSQL
    refuses past bigint), so a client could turn a lookup into a 500.
    """
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= BIGINT_MAX else None
