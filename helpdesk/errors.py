"""The one exception domain code raises for a broken business rule."""
from __future__ import annotations


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
