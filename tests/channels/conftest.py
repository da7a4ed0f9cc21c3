"""Local servers speaking each provider's protocol, and the signatures the providers would send.

- `smtp_server`: aiosmtpd, a real SMTP server; Django's SMTP backend delivers to it.
- `twilio_api`: an HTTP stand-in for Twilio's Messages API (the `twilio` client is pointed at it).
- `slack_api`: an HTTP stand-in for Slack's Web API (`slack_sdk`'s WebClient is pointed at it).
Each can be told to fail, to show retries and failed deliveries.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from twilio.request_validator import RequestValidator

EMAIL_SECRET = "email-hook-secret"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-auth-token"
SLACK_SECRET = "slack-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- SMTP -----------------------------------------------------------------------------------------
class SmtpHandler:
    def __init__(self) -> None:
        self.received: list = []  # parsed email.message.EmailMessage objects
        self.envelopes: list = []
        self.fail_with: str | None = None  # e.g. "451 4.3.0 try again later"
        self.refuse_rcpt = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_with:
            return self.fail_with
        self.envelopes.append(envelope)
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings):
    handler = SmtpHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Northwind Support <support@northwind.test>"
    try:
        yield handler
    finally:
        controller.stop()


# --- HTTP stand-ins -------------------------------------------------------------------------------
class StandIn:
    """A tiny HTTP server: records each request, answers with `respond(path, body)`."""

    def __init__(self, respond) -> None:
        self.requests: list[dict] = []
        self.respond = respond
        self.fail_status: int | None = None
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                path, _, query = self.path.partition("?")
                self.answer({"method": "GET", "path": path, "body": "", "headers": dict(self.headers),
                             "form": {k: v[0] for k, v in parse_qs(query).items()}})

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                self.answer({"method": "POST", "path": self.path, "body": body, "headers": dict(self.headers),
                             "form": {k: v[0] for k, v in parse_qs(body).items()}})

            def answer(self, record):
                stand_in.requests.append(record)
                status, payload = ((stand_in.fail_status, {"message": "unavailable", "status": stand_in.fail_status})
                                   if stand_in.fail_status else stand_in.respond(record))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def twilio_api(settings):
    counter = iter(range(1, 10_000))

    def respond(record):
        if record["path"] != f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json":
            return 404, {"message": "not found", "status": 404, "code": 20404}
        sid = f"SM{next(counter):032d}"
        return 201, {"sid": sid, "account_sid": TWILIO_SID, "to": record["form"].get("To"),
                     "from": record["form"].get("From"), "body": record["form"].get("Body"), "status": "queued"}

    stand_in = StandIn(respond)
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = TWILIO_SID, TWILIO_TOKEN
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_API_BASE_URL = stand_in.url
    settings.PUBLIC_BASE_URL = "https://help.example.com"
    try:
        yield stand_in
    finally:
        stand_in.close()


@pytest.fixture
def slack_api(settings):
    counter = iter(range(1, 10_000))
    emails = {"UANA": "ana@example.org"}

    def respond(record):
        if record["headers"].get("Authorization") != "Bearer xoxb-test":
            return 200, {"ok": False, "error": "invalid_auth"}
        if record["path"] == "/api/chat.postMessage":
            sent = json.loads(record["body"]) if record["body"].startswith("{") else record["form"]
            return 200, {"ok": True, "channel": sent.get("channel"), "ts": f"1700000000.{next(counter):06d}"}
        if record["path"] == "/api/chat.postEphemeral":
            return 200, {"ok": True, "message_ts": f"1700000000.{next(counter):06d}"}
        if record["path"] == "/api/users.info":
            user = record["form"].get("user") or ""
            if user not in emails:
                return 200, {"ok": False, "error": "user_not_found"}
            return 200, {"ok": True, "user": {"id": user, "profile": {"email": emails[user]}}}
        return 200, {"ok": False, "error": "unknown_method"}

    stand_in = StandIn(respond)
    stand_in.emails = emails
    settings.SLACK_BOT_TOKEN, settings.SLACK_SIGNING_SECRET = "xoxb-test", SLACK_SECRET
    settings.SLACK_API_BASE_URL = stand_in.url + "/api/"
    settings.PUBLIC_BASE_URL = "https://help.example.com"
    try:
        yield stand_in
    finally:
        stand_in.close()


# --- signatures -----------------------------------------------------------------------------------
def email_signature(raw: bytes, secret: str = EMAIL_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def twilio_signature(url: str, form: dict, token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


def slack_headers(body: bytes, *, secret: str = SLACK_SECRET, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:".encode() + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"HTTP_X_SLACK_SIGNATURE": signature, "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(timestamp)}


def basic_auth_user(record: dict) -> str:
    auth = record["headers"].get("Authorization", "")
    return base64.b64decode(auth.split()[-1]).decode().split(":")[0] if auth else ""


def record_delays(monkeypatch, task) -> list[int]:
    """Replace `task.delay` by a list of what it was called with: what the worker would have been given."""
    queued: list[int] = []
    monkeypatch.setattr(task, "delay", queued.append)
    return queued


@pytest.fixture
def deliveries(monkeypatch) -> list[int]:
    """Message ids handed to the dispatcher task (run them with `run_deliveries`)."""
    from conversations import tasks

    return record_delays(monkeypatch, tasks.deliver_message_task)


@pytest.fixture
def announcements(monkeypatch) -> list[int]:
    """The handoffs queued to be announced (mail, Slack)."""
    from conversations import tasks

    return record_delays(monkeypatch, tasks.announce_handoff_task)


@pytest.fixture
def slack_copies(monkeypatch) -> list[int]:
    """The messages queued to be copied into a Slack handoff thread."""
    from conversations import tasks

    return record_delays(monkeypatch, tasks.mirror_to_slack_task)


def run_deliveries(queued: list[int], *, last_attempt: bool = False) -> list[str]:
    """What the worker does with each queued message: the dispatcher's outcome for each."""
    from conversations.connectors import dispatch

    outcomes = [dispatch.deliver(message_id=mid, last_attempt=last_attempt) for mid in queued]
    queued.clear()
    return outcomes
