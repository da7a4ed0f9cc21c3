"""API plumbing shared by every app: the error envelope and agent permissions."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from helpdesk.errors import DomainError, error_paths

_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_409_CONFLICT: "conflict",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "too_large",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "rate_limited",
}


def error_response(code: str, message: str, http_status: int, fields: dict | None = None, headers=None) -> Response:
    return Response({"error": {"code": code, "message": message, "fields": fields or {}}}, status=http_status,
                    headers=headers)


def exception_handler(exc, context):
    """Every API error as {"error": {"code", "message", "fields"}} (API.md)."""
    if isinstance(exc, DomainError):
        return error_response(exc.code, exc.message, exc.status, exc.fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        paths = error_paths(fields, root="")
        message = "Invalid input."
        if paths:  # the first problem and where it is ("add[0]: Ensure this field has no more than 50 characters.")
            path, text = next(iter(paths.items()))
            message = f"{path}: {text}" if path else text
        return error_response("invalid", message, 400, _plain(fields), response.headers)
    if isinstance(exc, exceptions.ParseError):
        return error_response("malformed_request", f"The request body could not be parsed: {exc.detail}", 400,
                              headers=response.headers)
    code = getattr(exc, "default_code", None) or _CODES.get(response.status_code, "error")
    detail = getattr(exc, "detail", None)
    message = str(detail) if detail else "Error."
    return error_response(_CODES.get(response.status_code, code), message, response.status_code,
                          headers=response.headers)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: `invalid`, `not_found`, `not_authenticated`, ...")
    message = serializers.CharField(help_text="For people; names the first problem.")
    fields = serializers.DictField(help_text="Field name -> its messages (a list of strings, or nested objects "
                                             "for nested input); empty when the error is not about one field.")


class ErrorSerializer(serializers.Serializer):
    """API.md's error body, the same for every status."""

    error = ErrorDetailSerializer()


# What each status means across the API; a view lists the ones it can answer.
_ERROR_DESCRIPTIONS = {
    400: "Invalid input (`invalid`, with `fields`) or a body that is not parseable (`malformed_request`).",
    401: "No or invalid credentials (`not_authenticated`, `authentication_failed`, `bad_credentials`).",
    403: "Authenticated, but not allowed (`forbidden`): not an agent, or not a workspace admin.",
    404: "No such resource in the caller's workspace, or not the caller's (`not_found`).",
    409: "The resource's state does not allow this now (a business rule, e.g. already resolved).",
    410: "No longer open (`survey_closed`).",
    413: "Too large (`too_large`, `message_too_large`).",
    415: "Unsupported content type (`unsupported_media_type`).",
    422: "A used Idempotency-Key with another message (`idempotency_key_reused`).",
    429: "Too many requests (`rate_limited`); `Retry-After` says when to try again.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation: each with API.md's error body."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[code]) for code in statuses}


AGENT_ERRORS = (401, 403)  # every agent endpoint: no token, or a user who is not an agent


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)


class IsAgent(permissions.BasePermission):
    """An active user with an agent profile in a workspace."""

    message = "Only agents of this workspace may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_active", False)
                    and getattr(user, "_meta", None) is not None and hasattr(user, "agent"))


class IsWorkspaceAdmin(IsAgent):
    message = "Only workspace admins may do this."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.is_staff
