"""The JSON parser of every API view: bodies within the size limit, strictly UTF-8, without
NaN, control characters, unpaired surrogates or deep nesting, each refused with a clear
400 (or 413) instead of failing deep in a save.

Its own module: DRF loads DEFAULT_PARSER_CLASSES while `rest_framework.views` is still being
imported, so this must not import that (helpdesk.api does).
"""
from __future__ import annotations

import json

from django.conf import settings
from rest_framework import exceptions, parsers, status

from helpdesk.text import json_problem


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def body_too_large_message() -> str:
    return f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."


class StrictJSONParser(parsers.JSONParser):
    """JSON bodies within the size limit, strictly UTF-8, without NaN, control characters,
    unpaired surrogates or deep nesting: each a 400 (or 413) naming the problem."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(body_too_large_message())
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except UnicodeDecodeError:
            raise exceptions.ParseError("the body is not valid UTF-8.") from None
        except RecursionError:
            raise exceptions.ParseError("the JSON is nested too deeply.") from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        problem = json_problem(data)
        if problem:
            path, why = problem
            raise exceptions.ParseError(f"{path} {why}.")
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")
