"""The one exception domain code raises for a broken business rule."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that breaks a business rule. The API shows `code` and `message`; `status` is the HTTP status."""

    def __init__(self, code: str, message: str, *, status: int = 409, fields: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields or {}


class ProviderUnavailable(Exception):
    """An external provider (LLM, SMS, Slack, SMTP) timed out or failed; callers retry or fall back."""


class DeliveryRefused(Exception):
    """A provider refused a message for good (no address, unknown number, opted out): retrying cannot help."""


def error_paths(detail: Any, prefix: str = "", *, root: str = "document") -> dict[str, str]:
    """DRF's nested error structure as {"policy.restricted_topics[2].target": "message"}: list items by index,
    the messages of one field joined, errors of the whole object under `root`."""
    out: dict[str, str] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # DRF reports list items by index
                path = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.update(error_paths(value, path, root=root))
    elif isinstance(detail, list):
        if detail and all(not isinstance(v, (dict, list)) for v in detail):
            out[prefix or root] = " ".join(str(v) for v in detail)
        else:
            for i, value in enumerate(detail):
                if value:
                    out.update(error_paths(value, f"{prefix}[{i}]", root=root))
    else:
        out[prefix or root] = str(detail)
    return out
