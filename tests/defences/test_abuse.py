"""Abuse limits that hold: counted in the real Redis, not dodged with X-Forwarded-For."""
from __future__ import annotations

import secrets
import time
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from rest_framework.test import APIClient

from conversations.models import Message
from helpdesk import ratelimit
from helpdesk.asgi import application
from tests import factories
from tests.conftest import close_socket_connections
from tests.conversations.test_consumers import make_workspace, new_widget_conversation, receive_until


@pytest.fixture(autouse=True)
def steady_clock(monkeypatch):
    """The limits count in fixed windows (a minute, 15 minutes): each test runs 10 s into windows
    of its own, so it never straddles a window's end (where a count starts again from zero) and
    never meets counts left in Redis by earlier tests or runs."""
    start = (time.time() // 900 + 1 + secrets.randbelow(10**6)) * 900 + 10
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: start))


def fresh_address() -> str:
    """Counters live in Redis across tests and runs: each test gets addresses of its own."""
    return "10." + ".".join(str(b) for b in secrets.token_bytes(3))


def send(client, conversation, body="hello", **extra):
    return client.post(f"/api/v1/widget/conversations/{conversation.pk}/messages/", {"body": body}, format="json",
                       **extra)


def test_forwarded_for_counts_only_as_far_as_trusted_proxies_wrote_it(settings):
    settings.HELPDESK_TRUSTED_PROXIES = 0
    assert ratelimit.address_from("203.0.113.9", "1.2.3.4") == "203.0.113.9"
    settings.HELPDESK_TRUSTED_PROXIES = 1
    assert ratelimit.address_from("10.0.0.2", "6.6.6.6, 198.51.100.7") == "198.51.100.7"  # the forged hop is ignored
    settings.HELPDESK_TRUSTED_PROXIES = 2
    assert ratelimit.address_from("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.1") == "198.51.100.7"
    assert ratelimit.address_from("10.0.0.2", "") == "10.0.0.2"


@override_settings(HELPDESK_VISITOR_MESSAGE_RATE="3/min")
def test_a_visitor_over_the_message_limit_gets_429_with_retry_after(visitor):
    conversation, _token, client = visitor
    address = fresh_address()
    for i in range(3):
        assert send(client, conversation, f"m{i}", REMOTE_ADDR=address).status_code == 201
    response = send(client, conversation, "one too many", REMOTE_ADDR=fresh_address())  # a new address: same visitor
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert not Message.objects.filter(conversation=conversation, body="one too many").exists()


@override_settings(HELPDESK_ADDRESS_MESSAGE_RATE="4/min")
def test_one_address_is_limited_across_visitors_whatever_x_forwarded_for_says(workspace, no_tasks):
    from conversations import services

    address = fresh_address()
    codes = []
    for i in range(6):
        conversation, token = services.widget_conversation_start(workspace=workspace)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Visitor {token}")
        codes.append(send(client, conversation, REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code)
    assert codes == [201] * 4 + [429] * 2


@override_settings(HELPDESK_ADDRESS_MESSAGE_RATE="2/min", HELPDESK_TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(visitor):
    conversation, _token, client = visitor
    proxy = fresh_address()
    first, second = fresh_address(), fresh_address()
    assert [send(client, conversation, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=first).status_code
            for _ in range(3)] == [201, 201, 429]
    assert send(client, conversation, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{first}, {second}").status_code == 201


def test_the_new_conversation_limit_ignores_a_forged_forwarded_for(workspace, monkeypatch):
    from conversations.api.views import VisitorCreateThrottle

    monkeypatch.setattr(VisitorCreateThrottle, "THROTTLE_RATES", {"visitor_create": "2/min"})
    address = fresh_address()
    codes = [APIClient().post("/api/v1/widget/conversations/", {}, format="json", REMOTE_ADDR=address,
                              HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(3)]
    assert codes == [201, 201, 429]


@pytest.mark.django_db(transaction=True)
@override_settings(HELPDESK_VISITOR_MESSAGE_RATE="2/min")
async def test_socket_messages_share_the_visitor_limit_and_get_an_error_frame(no_tasks):
    workspace = await make_workspace()
    conversation, token = await new_widget_conversation(workspace)
    communicator = WebsocketCommunicator(application, f"/ws/widget/{conversation.pk}/?token={token}")
    assert (await communicator.connect())[0]
    try:
        for i in range(2):
            await communicator.send_json_to({"type": "message.send", "body": f"m{i}"})
            await receive_until(communicator, "message.created")
        await communicator.send_json_to({"type": "message.send", "body": "too many"})
        error = await receive_until(communicator, "error")
        assert error["error"]["code"] == "rate_limited"
        assert 1 <= error["error"]["retry_after"] <= 60
        count = await sync_to_async(Message.objects.filter(conversation=conversation, sender_type="visitor").count)()
        assert count == 2
        await communicator.send_json_to({"type": "ping"})  # the socket is still open and answering
        assert (await receive_until(communicator, "error"))["error"]["code"] == "unknown_type"
    finally:
        await communicator.disconnect()
        await close_socket_connections()


@pytest.fixture
def person(db):
    return factories.UserFactory(username=f"lock-{secrets.token_hex(6)}", password="right-password", is_staff=True,
                                 is_superuser=True)


@override_settings(HELPDESK_LOGIN_FAILURES_PER_USER="3/15min")
@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_the_login_pages_lock_a_username_after_failed_attempts(person, path, client):
    for _ in range(3):
        response = client.post(path, {"username": person.username, "password": "guess"}, REMOTE_ADDR=fresh_address())
        assert response.status_code == 200  # the form again, with its error
    locked = client.post(path, {"username": person.username, "password": "right-password"}, REMOTE_ADDR=fresh_address())
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 60
    assert b"Too many failed logins" in locked.content
    api = APIClient().post("/api/v1/auth/token/", {"username": person.username, "password": "right-password"},
                           format="json", REMOTE_ADDR=fresh_address())
    assert api.status_code == 429 and api.json()["error"]["code"] == "rate_limited"


@override_settings(HELPDESK_LOGIN_FAILURES_PER_USER="3/15min")
def test_the_api_token_login_locks_and_the_lock_holds_for_the_right_password(person):
    from django.contrib.auth import authenticate

    for _ in range(3):
        response = APIClient().post("/api/v1/auth/token/", {"username": person.username, "password": "guess"},
                                    format="json", REMOTE_ADDR=fresh_address())
        assert response.status_code == 401
    assert APIClient().post("/api/v1/auth/token/", {"username": person.username, "password": "right-password"},
                            format="json").status_code == 429
    assert authenticate(None, username=person.username, password="right-password") is None  # every path is locked


@override_settings(HELPDESK_LOGIN_FAILURES_PER_ADDRESS="4/15min")
def test_one_address_trying_many_usernames_is_locked(db, client):
    address = fresh_address()
    for i in range(4):
        assert client.post("/login/", {"username": f"nobody{i}", "password": "x"}, REMOTE_ADDR=address).status_code == 200
    response = client.post("/login/", {"username": "someone-else", "password": "x"}, REMOTE_ADDR=address,
                           HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert response.status_code == 429


@override_settings(HELPDESK_LOGIN_FAILURES_PER_USER="3/15min")
def test_a_successful_login_clears_the_failures_of_that_username(person, client):
    for _ in range(2):
        client.post("/login/", {"username": person.username, "password": "guess"}, REMOTE_ADDR=fresh_address())
    assert client.post("/login/", {"username": person.username, "password": "right-password"},
                       REMOTE_ADDR=fresh_address()).status_code == 302
    for _ in range(2):
        assert client.post("/login/", {"username": person.username, "password": "guess"},
                           REMOTE_ADDR=fresh_address()).status_code == 200
