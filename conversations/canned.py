"""Canned responses' placeholders, filled in: pure text in, text out (no Django).

`{{contact.name}}`, `{{contact.email}}` and `{{agent.name}}`, spaces inside the braces allowed, with an
optional fallback for an empty value: `{{contact.name|there}}` gives "there" when the contact has no
name. An unknown placeholder stays as written, so a typo shows in the composer instead of vanishing.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS = ("contact.name", "contact.email", "agent.name")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z]+\.[a-z]+)\s*(?:\|([^{}]*))?\}\}")


def render(body: str, values: Mapping[str, str]) -> str:
    def fill(match: re.Match) -> str:
        key, fallback = match.group(1), match.group(2)
        if key not in PLACEHOLDERS:
            return match.group(0)
        return values.get(key) or (fallback.strip() if fallback is not None else "")

    return _PLACEHOLDER.sub(fill, body)
