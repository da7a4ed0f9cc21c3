"""Canned responses' placeholders, filled in: pure text in, text out (no Django).

`{{contact.name}}`, `{{contact.email}}` and `{{agent.name}}`, spaces inside the braces allowed, with an
optional fallback for an empty value: `{{contact.name|there}}` gives "there" when the contact has no
name; with none, the placeholder goes and the space before the punctuation after it too ("Hi {{contact.name}},"
gives "Hi,", not "Hi ,"), as do brackets around it ("({{contact.email}})" leaves no "()"). An unknown placeholder is refused when the response is saved (`unknown_placeholders`),
and one saved before stays as written, so it shows in the composer instead of vanishing.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS = ("contact.name", "contact.email", "agent.name")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z]+\.[a-z]+)\s*(?:\|([^{}]*))?\}\}")


EMPTY = "\x00"  # where a placeholder had no value, until the spacing around it is tidied


def render(body: str, values: Mapping[str, str]) -> str:
    def fill(match: re.Match) -> str:
        key, fallback = match.group(1), match.group(2)
        if key not in PLACEHOLDERS:
            return match.group(0)
        return values.get(key) or (fallback.strip() if fallback is not None else "") or EMPTY

    return without_empty(_PLACEHOLDER.sub(fill, body))


def without_empty(text: str) -> str:
    """`text` whose placeholders with no value were filled with EMPTY, with them and the spacing around them gone
    (also for a flow's messages: flows.nodes.render)."""
    text = re.sub(rf"[ \t]*[(\[<]{EMPTY}[)\]>]", "", text)  # "Hi {{contact.name}} ({{contact.email}})": no "()"
    text = re.sub(rf",[ \t]*{EMPTY}(?=[.!?;:])", "", text)  # "…a 2-year warranty, {{contact.name}}." (trial 55: ",.")
    text = re.sub(rf"[ \t]*{EMPTY}(?=[,.!?;:])", "", text)  # "Hi {{contact.name}}, I'm Ana" -> "Hi, I'm Ana"
    return re.sub(rf"[ \t]*{EMPTY}", "", text)


def empty_placeholders(body: str, values: Mapping[str, str]) -> list[str]:
    """The known placeholders of `body` that `render` leaves out: no value and no fallback ("contact.email" for a
    visitor who gave none). "We'll send the label to {{contact.email}}." reads "We'll send the label to." then: the
    agent is told before sending (trial of 3 Dec)."""
    out: list[str] = []
    for m in _PLACEHOLDER.finditer(body):
        key, fallback = m.group(1), m.group(2)
        if key in PLACEHOLDERS and not values.get(key) and not (fallback or "").strip() and key not in out:
            out.append(key)
    return out


def unknown_placeholders(body: str) -> list[str]:
    """The placeholders in `body` that `render` does not know ("{{contact.phone}}"), as written."""
    return [m.group(0) for m in _PLACEHOLDER.finditer(body) if m.group(1) not in PLACEHOLDERS] + \
        [m.group(0) for m in re.finditer(r"\{\{[^{}]*\}\}", body) if not _PLACEHOLDER.fullmatch(m.group(0))]
