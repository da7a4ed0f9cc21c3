"""What text the app accepts from outside: no NUL or other control characters, no unpaired
UTF-16 surrogates, no JSON nested deeper than anyone needs.

PostgreSQL cannot store a NUL and an unpaired surrogate cannot be encoded as UTF-8, so
either would fail deep in a save; checked at the edge, they are a clear 400 or error frame.
Imports nothing from Django or DRF: parsers, consumers and services share it.
"""
from __future__ import annotations

import re

MAX_JSON_DEPTH = 32
# C0 controls except tab, newline and carriage return; DEL; unpaired surrogates (Python keeps
# "\ud800" from JSON as a lone code point).
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why `text` is refused, or None when it is fine."""
    match = _BAD.search(text)
    if match is None:
        return None
    char = match.group()
    if char == "\x00":
        return "contains a NUL character"
    if "\ud800" <= char <= "\udfff":
        return "contains an unpaired UTF-16 surrogate"
    return f"contains the control character U+{ord(char):04X}"


def strip_refused(text: str) -> str:
    """`text` without the characters `text_problem` refuses (for channels that cannot be told no)."""
    return _BAD.sub("", text)


def json_problem(data: object) -> tuple[str, str] | None:
    """(path, why) for the first string key or value of parsed JSON that is refused, or for
    nesting deeper than MAX_JSON_DEPTH; None when all is fine. Iterative: deep input cannot
    exhaust the stack."""
    stack: list[tuple[object, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return path or "(root)", f"is nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return path or "(root)", problem
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                problem = text_problem(key) if isinstance(key, str) else None
                if problem:
                    return _printable(child), f"has a key that {problem}"
                stack.append((item, _printable(child), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    return None


def _printable(path: str) -> str:
    return _BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", path)
