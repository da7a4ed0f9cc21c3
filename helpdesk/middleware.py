"""Requests the views never see as they are: oversized bodies, and failures of the parts
the app stands on (database, Redis, broker) answered as JSON on API paths, never an HTML page."""
from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

from helpdesk.parsers import body_too_large_message

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# The database, Redis or the broker is down or unreachable: try again shortly. Not every database error: a
# violated constraint (IntegrityError) or a bad query is a bug, which a retry never mends (a 500, logged).
OUTAGES = (OperationalError, InterfaceError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
           kombu.exceptions.OperationalError, ConnectionError)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def api_error(code: str, message: str, status: int, **headers) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status, headers=headers)


def body_limit(setting_name: str):
    """Let one view take bodies up to another setting than DATA_UPLOAD_MAX_MEMORY_SIZE (a raw mail with
    attachments is larger than any JSON body); the view reads and bounds its body itself."""
    def decorate(view):
        view.body_limit_setting = setting_name
        return view
    return decorate


class RequestLimitsMiddleware:
    """An API body over its view's limit (DATA_UPLOAD_MAX_MEMORY_SIZE unless the view names another with
    `body_limit`) is refused with JSON 413 before it is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_api(request):
            try:
                request.declared_length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return api_error("invalid", "The Content-Length header is not a number.", 400)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _is_api(request):
            return None
        setting_name = getattr(view_func, "body_limit_setting", None)
        if setting_name is None:
            if request.declared_length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return api_error("too_large", body_too_large_message(), 413)
        elif request.declared_length > getattr(settings, setting_name):
            return api_error("too_large", f"The request body is larger than {getattr(settings, setting_name)} "
                             "bytes.", 413)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig) and _is_api(request):
            return api_error("too_large", body_too_large_message(), 413)
        if isinstance(exception, DataError):
            # A value the database refuses (out of range, too long): bad input, not a crash.
            logger.info("Refused a value the database cannot store on %s: %s", request.path, exception)
            if _is_api(request):
                return api_error("invalid", "A value in the request is out of range or malformed.", 400)
            return HttpResponse("A value in the request is out of range or malformed.", status=400,
                                content_type="text/plain")
        if isinstance(exception, OUTAGES):
            logger.error("Service unavailable on %s: %s: %s", request.path, type(exception).__name__, exception)
            if _is_api(request):
                return api_error("unavailable", "The service is briefly unavailable; try again shortly.", 503,
                                 **{"Retry-After": str(RETRY_AFTER_SECONDS)})
            return HttpResponse("Helpdesk is briefly unavailable; try again in a few seconds.", status=503,
                                content_type="text/plain", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        if _is_api(request):
            logger.exception("Unhandled error on %s", request.path, exc_info=exception)
            return api_error("internal_error", "Something went wrong on our side.", 500)
        return None
