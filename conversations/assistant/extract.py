"""Find and check the information gathered before a handoff (pure functions).

Kinds: name, email, phone, order_number, text, regex (with the field's own pattern).
`extract_field` pulls a value out of a free-text message ("it's jane@x.org, thanks");
`validate_field` says whether a value is acceptable as it stands.
"""
from __future__ import annotations

import re

from conversations.fields import EMAIL, PHONE, PHONE_DIGITS, is_email, is_phone
from conversations.fields import digits as _digits

from .text import normalize

# An order number mixes digits with optional letters/dashes ("A-10234", "#55231", "ORD123456")
ORDER = re.compile(r"(?<![\w-])#?((?=[A-Za-z0-9-]*\d)(?:[A-Za-z]{1,4}-?)?\d[\d-]{2,14}[A-Za-z0-9]?)(?![\w-])")
# A code typed with its letters apart ("nw 10002", "NW 10002"): the letters are its prefix unless they are a word of
# the sentence ("my 10002", "es el 10002"); the number alone was kept, and looked up as "10002" (trial of 4 Dec)
_SPACED_PREFIX = re.compile(r"(?<![\w-])([A-Za-z]{2,4}) $")
_NOT_A_PREFIX = frozenset(
    "my is no nr num id ref its it to at on in of for and or the was our de el la mi es un una su le ma mon est "
    "die der das ist mein dein im am um uma meu seu o da do e ca nro".split())


# A number said to be a phone's just before it: "My number is 0612345678", "call me on 0612345678", "mi móvil es
# 612345678" (trial 27: a bare phone number asked to be rung was also noted as the order number)
_SAID_PHONE = re.compile(
    r"(?:\b(?:phone|mobile|cell|tel|telephone|whatsapp|my\s+number|call\s+me|ring\s+me|text\s+me|reach\s+me|tel[eé]fono|m[oó]vil"
    r"|celular|portable|handy|telefonnummer|telem[oó]vel|telefone|(?:mi|meu|mon|meine)\s+(?:n[uú]mero|num[eé]ro|nummer))"
    r"\b[^\d\n]{0,12})$", re.I)


def spaced_prefix(text: str, start: int) -> str:
    """The letters typed apart just before `start` in `text` that prefix the code there ("nw" of "nw 10002"), or ""."""
    m = _SPACED_PREFIX.search(text[:start])
    return m.group(1) if m and m.group(1).casefold() not in _NOT_A_PREFIX else ""

# said unasked, only these introduce the visitor's own name ("I'm Spanish" is no name; "my name is Rosa" is)
_STATES_A_NAME = (r"my name is|my name's|me llamo|mi nombre es|je m'appelle|mon nom est|ich heisse|mein name ist"
                  r"|meu nome e|me chamo")
_NAME_INTRO = re.compile(
    rf"(?:{_STATES_A_NAME}|i am|i'm|im|this is|call me|name:|soy|je suis|ich bin|eu sou|sou)\s+(.+)", re.I)
_NAME_STATED = re.compile(rf"\b(?:{_STATES_A_NAME})\s+(.+)", re.I)
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['.-][^\W\d_]+)*\.?$", re.UNICODE)
# Words that follow "I'm" without being a name ("I'm fine", "I'm having trouble")
_NOT_NAMES = frozenset(
    """a an the not so very really just still here there fine good ok okay sorry having trying looking
    waiting calling writing using unable from in at on with afraid sure glad happy angry upset frustrated
    confused lost new back done tired interested going getting told asking hoping wondering contacting
    customer client bien muy aqui cliente bien tres ici client gut hier kunde bem muito aqui cliente""".split()
)
_STOP_AFTER_NAME = re.compile(r"\s*(?:[,;:!?()]|\band\b|\bet\b|\bund\b|\by\b|\be\b|\.\s|\.$).*$", re.I)

MIN_TEXT_WORDS = 3

# "ana at example dot com", "ana (at) example [dot] co [dot] uk", "ana arroba example punto com": an address
# spelt out to keep it from bots, read only in answer to the email asked for
_SPOKEN_AT = r"(?:\s*[\[(]\s*at\s*[\])]\s*|\s+(?:at|arroba|arobase)\s+)"
_SPOKEN_DOT = r"(?:\s*[\[(]\s*dot\s*[\])]\s*|\s+(?:dot|punto|point|punkt|ponto)\s+|\.)"
SPOKEN_EMAIL = re.compile(
    rf"(?<![\w.+-])([\w.+-]+){_SPOKEN_AT}([a-z0-9-]+(?:{_SPOKEN_DOT}[a-z0-9-]+)*){_SPOKEN_DOT}([a-z]{{2,6}})\b", re.I)


def given_detail(kind: str, text: str) -> str | None:
    """A valid email (also spelt out) or phone number in `text`, else None."""
    value = extract_field(kind, text) or (spoken_email(text) if kind == "email" else None)
    return value if value and validate_field(kind, value) else None


def spoken_email(text: str) -> str | None:
    """The address in `text` when it is spelt out ("ana at example dot com" -> "ana@example.com"), else None."""
    m = SPOKEN_EMAIL.search(text or "")
    if not m:
        return None
    domain = re.sub(_SPOKEN_DOT, ".", m.group(2), flags=re.I)
    value = f"{m.group(1)}@{domain}.{m.group(3)}".lower()
    return value if is_email(value) else None


def _clean_name(candidate: str) -> str | None:
    candidate = _STOP_AFTER_NAME.sub("", candidate.strip()).strip(" .")
    parts = candidate.split()
    if not 1 <= len(parts) <= 4:
        return None
    if any(not _NAME_WORD.match(p) for p in parts):
        return None
    if normalize(parts[0]) in _NOT_NAMES:
        return None
    return " ".join(p[:1].upper() + p[1:] if p.islower() else p for p in parts)


def stated_name(text: str) -> str | None:
    """The visitor's name when the message says it unasked ("Hi, my name is Rosa and my parcel…"), else None."""
    return _name_after(_NAME_STATED, (text or "").strip()) or None


def _name_after(intro: re.Pattern, text: str) -> str | None:
    """The name after `intro` in `text` ("" when what follows is no name), None when `intro` is not there."""
    m = intro.search(normalize(text))
    if not m:
        return None
    # map the match back onto the original text to keep the visitor's casing and accents
    start = len(text) - len(m.group(1)) if len(normalize(text)) == len(text) else None
    candidate = text[start:] if start is not None else m.group(1)
    return _clean_name(candidate) or ""


def extract_field(kind: str, text: str, regex: str | None = None) -> str | None:
    """The value of `kind` found in `text`, or None. Never raises on a bad custom regex."""
    text = (text or "").strip()
    if not text:
        return None
    if kind == "email":
        m = EMAIL.search(text)
        return m.group(0).lower() if m else None
    if kind == "phone":
        for m in PHONE.finditer(text):
            value = " ".join(m.group(0).split())
            if len(_digits(value)) in PHONE_DIGITS:
                return value
        return None
    if kind == "order_number":
        # (digits of a phone number are no order: "+44 20 7946 0000" in a signature; a bare "12345678" may be either)
        phones = [p.span() for p in PHONE.finditer(text)
                  if len(_digits(p.group(0))) in PHONE_DIGITS and (re.search(r"^\+|[\s().]", p.group(0))
                                                                  or _SAID_PHONE.search(text[:p.start()]))]
        # (nor digits of an email: "ana2024@x.org"; a number after the email is one: "kim@x.org and my order is
        # NW-10001" lost its number, re-trial of 4 Dec)
        emails = [e.span() for e in EMAIL.finditer(text)]
        for m in ORDER.finditer(text):
            value = m.group(1)
            if any(start <= m.start(1) and m.end(1) <= end for start, end in emails + phones):
                continue
            if len(_digits(value)) >= 3:
                prefix = spaced_prefix(text, m.start(1)) if value[:1].isdigit() else ""
                return f"{prefix}-{value}".upper() if prefix else value.upper()
        return None
    if kind == "name":
        if (named := _name_after(_NAME_INTRO, text)) is not None:
            return named or None
        return _clean_name(text) if len(text.split()) <= 4 else None
    if kind == "regex":
        if not regex:
            return None
        try:
            m = re.search(regex, text)
        except re.error:
            return None
        return m.group(0) if m else None
    if kind == "text":
        return text if validate_field("text", text) else None
    return text


def validate_field(kind: str, value: str, regex: str | None = None) -> bool:
    """Whether `value` is acceptable for `kind` as it stands (an email must look like one)."""
    value = (value or "").strip()
    if not value:
        return False
    if kind == "email":
        return is_email(value)
    if kind == "phone":
        return is_phone(value)
    if kind == "order_number":
        m = ORDER.fullmatch(value.strip())
        return m is not None and len(_digits(value)) >= 3
    if kind == "name":
        return _clean_name(value) is not None
    if kind == "text":
        return len(value.split()) >= MIN_TEXT_WORDS or len(value) >= 15
    if kind == "regex":
        if not regex:
            return False
        try:
            return re.fullmatch(regex, value) is not None
        except re.error:
            return False
    return True
