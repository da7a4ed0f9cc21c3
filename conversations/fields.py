"""What an email address and a phone number look like: one definition for every place a visitor types
one (the assistant gathering details before a handoff, a flow's Collect Input node).

Pure Python, and `conversations/__init__.py` is empty, so the flows engine imports it without Django."""
from __future__ import annotations

import re

# Inside free text ("it's jane@x.org, thanks"); fullmatch checks a value as it stands.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s().-]{5,20}\d(?!\w)")
_PHONE_CHARS = re.compile(r"\+?[\d\s().-]+")
PHONE_DIGITS = range(7, 16)  # E.164 allows at most 15 digits; fewer than 7 is no phone number


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def is_email(value: str) -> bool:
    return EMAIL.fullmatch(value.strip()) is not None


def is_phone(value: str) -> bool:
    value = value.strip()
    return _PHONE_CHARS.fullmatch(value) is not None and len(digits(value)) in PHONE_DIGITS
