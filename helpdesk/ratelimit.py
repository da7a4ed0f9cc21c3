"""Abuse limits, counted in Redis (the Django cache) so every web process shares them.

- Who is asking: `client_address` trusts X-Forwarded-For only as far as
  HELPDESK_TRUSTED_PROXIES proxies (default 0: the header is ignored). DRF's throttles use
  the same number (NUM_PROXIES), so no limit can be dodged by sending the header.
- Visitor messages: per visitor and per address (REST 429 with Retry-After, socket error frame).
- Logins: failed attempts per username and per address lock the login (API token, login
  page and Django admin alike) until the window ends.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import redis.exceptions

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from rest_framework.throttling import BaseThrottle

from helpdesk.middleware import api_error

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """"20/min", "5/15min", "100/hour"."""
        count, _, period = text.partition("/")
        digits = "".join(c for c in period if c.isdigit())
        unit = period[len(digits):].strip().lower()
        return cls(int(count), int(digits or 1) * _PERIODS[unit])


# --- who is asking ------------------------------------------------------------------------


def address_from(remote_addr: str, forwarded_for: str) -> str:
    """The client's address: X-Forwarded-For is read only as far as our own proxies wrote it."""
    trusted = settings.HELPDESK_TRUSTED_PROXIES
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    if trusted <= 0 or not hops:
        return remote_addr or "unknown"
    # Each trusted proxy appended the address it saw; anything before those is the client's to forge.
    return hops[-min(trusted, len(hops))]


def client_address(request) -> str:
    return address_from(request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", ""))


def scope_address(scope) -> str:
    """The same for a websocket's ASGI scope."""
    client = scope.get("client") or ("", 0)
    headers = dict(scope.get("headers") or [])
    return address_from(client[0] or "", headers.get(b"x-forwarded-for", b"").decode("latin-1"))


# --- counting -------------------------------------------------------------------------------


def hit(name: str, ident: str, rate: Rate) -> float | None:
    """Count one event; None while within `rate`, else the seconds until the window ends."""
    return hit_all([(name, ident, rate)])[0]


def hit_all(limits: list[tuple[str, str, Rate]]) -> list[float | None]:
    """Count one event against each (name, ident, rate) in one round trip to Redis; per limit,
    None while within its rate, else the seconds until its window ends.

    A fixed window per key: INCR is atomic in Redis, so concurrent processes never both
    slip through on the last slot. Django's cache API has no pipeline (`cache.add` and
    `cache.incr` took three round trips per key, on every visitor message), so this uses its
    client's; integers are stored unpickled, as `cache.get` reads them back.
    """
    now = time.time()
    keyed = [(cache.make_and_validate_key(_key(name, ident, rate, now)), rate) for name, ident, rate in limits]
    with cache._cache.get_client(write=True).pipeline(transaction=False) as pipe:
        for key, rate in keyed:
            pipe.set(key, 0, nx=True, ex=rate.seconds + 1)
            pipe.incr(key)
        counts = pipe.execute()[1::2]
    return [None if count <= rate.limit else _seconds_left(rate, now) for count, (_, rate) in zip(counts, keyed)]


def _key(name: str, ident: str, rate: Rate, now: float) -> str:
    """The counter of `ident` in the window of `rate` that holds `now`."""
    return f"ratelimit:{name}:{ident}:{int(now // rate.seconds)}"


def _seconds_left(rate: Rate, now: float) -> float:
    """Until the window that holds `now` ends (at least a second: a Retry-After of 0 invites a loop)."""
    return max(1.0, (int(now // rate.seconds) + 1) * rate.seconds - now)


def _count(name: str, ident: str, rate: Rate) -> int:
    return cache.get(_key(name, ident, rate, time.time())) or 0


def retry_after(seconds: float) -> str:
    return str(math.ceil(seconds))


# --- visitor messages ------------------------------------------------------------------------


# What a limit that cannot count is let through on: Redis down, or hanging (redis_breaker)
REDIS_UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def visitor_message_wait(*, contact_id: int, address: str) -> float | None:
    """Count a visitor's message; None when allowed, else seconds to wait (per visitor, per address).

    With Redis down the message is let through: the visitor's words are stored (their turn comes
    when the broker is back), and a limit that cannot count must not lose them.
    """
    return visitor_message_waits([(contact_id, address)])[0]


def visitor_message_waits(senders: list[tuple[int, str]]) -> list[float | None]:
    """`visitor_message_wait` for several messages at once, (contact id, address) each, counted in
    order in one round trip to Redis (a sender twice counts twice); per message, None or the wait."""
    visitor_rate = Rate.parse(settings.HELPDESK_VISITOR_MESSAGE_RATE)
    address_rate = Rate.parse(settings.HELPDESK_ADDRESS_MESSAGE_RATE)
    limits = []
    for contact_id, address in senders:
        limits += [("message-visitor", str(contact_id), visitor_rate), ("message-address", address, address_rate)]
    try:
        waits = hit_all(limits)
    except REDIS_UNAVAILABLE as exc:
        logger.warning("Message limits not counted (Redis unavailable): %s", exc)
        return [None] * len(senders)
    per_message = zip(waits[0::2], waits[1::2])
    return [max((w for w in pair if w is not None), default=None) for pair in per_message]


class UncountedWithoutRedis:
    """A DRF rate throttle (mixed in before it) that lets the request through when Redis cannot count it, as the
    message limits do: a new chat was a 503 while Redis hung, and the visitor could not start one (trial 27)."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except REDIS_UNAVAILABLE as exc:
            logger.warning("%s limit not counted (Redis unavailable): %s", getattr(self, "scope", "a"), exc)
            return True


class VisitorMessageThrottle(BaseThrottle):
    """DRF: a visitor's messages over REST, counted with their socket messages."""

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            return True
        self._wait = visitor_message_wait(contact_id=request.user.contact.pk, address=client_address(request))
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


# --- logins ---------------------------------------------------------------------------------------


def _login_rates() -> tuple[Rate, Rate]:
    return (Rate.parse(settings.HELPDESK_LOGIN_FAILURES_PER_USER),
            Rate.parse(settings.HELPDESK_LOGIN_FAILURES_PER_ADDRESS))


def _username_key(username: str | None) -> str:
    return (username or "").strip().lower()[:150] or "-"


def login_wait(request, username: str | None) -> float | None:
    """Seconds until this address or username may try to log in again; None when it may now."""
    per_user, per_address = _login_rates()
    if _count("login-user", _username_key(username), per_user) >= per_user.limit:
        return _seconds_left(per_user, time.time())
    if request is not None and _count("login-address", client_address(request), per_address) >= per_address.limit:
        return _seconds_left(per_address, time.time())
    return None


@receiver(user_login_failed)
def _count_failed_login(sender, credentials, request=None, **kwargs):
    per_user, per_address = _login_rates()
    hit("login-user", _username_key(credentials.get("username")), per_user)
    if request is not None:
        hit("login-address", client_address(request), per_address)


@receiver(user_logged_in)
def _forget_failed_logins(sender, request, user, **kwargs):
    per_user, _ = _login_rates()
    cache.delete(_key("login-user", _username_key(user.get_username()), per_user, time.time()))


class LockoutModelBackend(ModelBackend):
    """Django's backend, refusing (even the right password) while the login is locked.

    Every login goes through it: the API token view, the login page and Django admin.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if login_wait(request, username or kwargs.get("email")) is not None:
            raise PermissionDenied("Too many failed logins; try again later.")
        return super().authenticate(request, username=username, password=password, **kwargs)


class LoginLockoutMiddleware:
    """The login pages answer 429 (with Retry-After) while their login is locked, so a person
    is told why instead of "wrong password"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path in settings.HELPDESK_LOGIN_PATHS:
            wait = login_wait(request, request.POST.get("username"))
            if wait is not None:
                minutes = math.ceil(wait / 60)
                return HttpResponse(
                    f"Too many failed logins. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                    status=429, content_type="text/plain", headers={"Retry-After": retry_after(wait)})
        return self.get_response(request)


def login_locked_response(wait: float) -> JsonResponse:
    return api_error("rate_limited", "Too many failed logins; try again later.", 429,
                     **{"Retry-After": retry_after(wait)})
