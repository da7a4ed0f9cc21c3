"""The official `twilio` client, pointed at TWILIO_API_BASE_URL (a local stand-in in tests)."""
from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from conversations.connectors.common import hook_error, hook_workspace

TWILIO_API = "https://api.twilio.com"
TIMEOUT_SECONDS = 10


class BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, sending what it would send to api.twilio.com to the configured base URL."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=TIMEOUT_SECONDS)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)


def configured() -> bool:
    return not missing_settings()


def missing_settings() -> list[str]:
    """The settings an outgoing text needs that are not set."""
    return [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER") if not getattr(settings, name)]


def client() -> Client:
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
                  http_client=BaseUrlHttpClient(settings.TWILIO_API_BASE_URL))


def signature_valid(request: HttpRequest) -> bool:
    """X-Twilio-Signature over HELPDESK_PUBLIC_URL + path + query string and the form fields (API.md)."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not settings.TWILIO_AUTH_TOKEN or not signature:
        return False
    url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST.dict(), signature)


def twilio_hook(view):
    """A Twilio webhook: POST only, signed (else 403, nothing stored); the view gets the workspace."""

    @csrf_exempt  # Twilio's signature authenticates the request, not a session
    @require_POST
    @wraps(view)
    def hook(request: HttpRequest):
        if not signature_valid(request):
            return hook_error(403, "bad_signature", "X-Twilio-Signature is missing or wrong.")
        workspace = hook_workspace(request)
        if workspace is None:
            return hook_error(404, "not_found", "No such workspace.")
        return view(request, workspace)

    return hook
