"""Redis found hanging: for a while after a command timed out, this process skips Redis at once.

A Redis that accepts connections and never answers (stopped, swapping, a network black hole) costs each command
HELPDESK_REDIS_TIMEOUT, and a visitor's message sends several (its limits counted, its live updates, its turn
queued): ~10 s a message with the 2 s timeout (trial 26). After one command timed out, the next ones for
SKIP_FACTOR x that timeout fail at once with the same TimeoutError, which every caller already handles: a limit that
cannot count lets the message through, a live update is missed by open pages (they catch up on reconnecting or
refreshing), and the turn sweep queues a turn whose task never left. Then one command tries Redis again.

Only a timeout opens it: a refused connection (Redis restarting) fails at once anyway and is retried by redis-py.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
import redis.exceptions

logger = logging.getLogger(__name__)

# skipped for 2 timeouts' time (4 s with the default 2 s) after one timed out, then one command tries again: at 5, a
# stack whose Redis woke kept skipping it up to 10 s more (readiness back 6.5 s later; the turns of messages sent then
# waited for the sweep), while the hang cost the same (bench/faults.py hang-redis, stop 57)
SKIP_FACTOR = 2

_lock = threading.Lock()
_skip_until = 0.0


def answering(now: float | None = None) -> bool:
    """False while Redis was found hanging a moment ago (its commands are skipped)."""
    return (time.monotonic() if now is None else now) >= _skip_until


def found_hanging(timeout: float, now: float | None = None) -> None:
    """A command waited `timeout` seconds for nothing: skip Redis for SKIP_FACTOR x `timeout`."""
    global _skip_until
    with _lock:
        _skip_until = max(_skip_until, (time.monotonic() if now is None else now) + SKIP_FACTOR * timeout)


def reset() -> None:
    """Redis is trusted again at once (tests; a process that knows Redis came back)."""
    global _skip_until
    with _lock:
        _skip_until = 0.0
        _skipped.clear()


class _Breaker:
    """A redis-py connection that fails at once while Redis is being skipped, and starts the skipping when it timed
    out: every command and pipeline of a client built on it goes through `connect`, `send_packed_command` and
    `read_response`."""

    def _skipped(self) -> None:
        if not answering():
            raise redis.exceptions.TimeoutError("Redis skipped: it did not answer a moment ago")

    def _timed_out(self) -> None:
        found_hanging(self.socket_timeout or self.socket_connect_timeout or 1.0)

    def connect(self, *args, **kwargs):
        self._skipped()
        try:
            return super().connect(*args, **kwargs)
        except redis.exceptions.TimeoutError:
            self._timed_out()
            raise

    def send_packed_command(self, *args, **kwargs):
        self._skipped()
        return super().send_packed_command(*args, **kwargs)

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except redis.exceptions.TimeoutError:
            self._timed_out()
            raise


class BreakerConnection(_Breaker, redis.Connection):
    pass


class BreakerUnixConnection(_Breaker, redis.UnixDomainSocketConnection):
    pass


class BreakerSSLConnection(_Breaker, redis.SSLConnection):
    pass


def connection_class(url: str) -> type[redis.Connection]:
    """The breaker's connection for a redis-py URL (`unix://` for a socket, `redis://` or `rediss://` for TCP)."""
    if url.startswith("unix://"):
        return BreakerUnixConnection
    return BreakerSSLConnection if url.startswith("rediss://") else BreakerConnection


# Tasks skipped while Redis was: sent after the next task that goes (the turns of messages written during a hang
# waited for the sweep's grace, ~30-40 s after Redis was back: trial 27); a turn queued twice is answered once
SKIPPED_KEPT = 500
_skipped: list[tuple[Any, tuple]] = []


def queue_task(task: Any, *args: Any, swept: bool) -> bool:
    """`task.delay(*args)` unless Redis is being skipped; a broker that failed only after the whole timeout starts the
    skipping (the broker's client is Celery's, not built on the connections above). `swept`: a sweep queues the task
    again if it never leaves (a turn), so it is also sent after the next task that goes; else a skipped task is lost
    (logged). Whether it was sent."""
    from django.conf import settings  # (read when queueing: settings.py imports this module)

    if not answering():
        logger.warning("%s not queued: Redis did not answer a moment ago%s", task.name,
                       " (sent with the next task, or by the sweep)" if swept else "")
        if swept:
            with _lock:
                if len(_skipped) < SKIPPED_KEPT:
                    _skipped.append((task, args))
        return False
    started = time.monotonic()
    try:
        task.delay(*args)
    except Exception:
        if time.monotonic() - started >= settings.REDIS_TIMEOUT_SECONDS:
            found_hanging(settings.REDIS_TIMEOUT_SECONDS)
        raise
    _send_skipped()
    return True


def _send_skipped() -> None:
    with _lock:
        waiting = _skipped[:]
        _skipped.clear()
    for at, (task, args) in enumerate(waiting):
        try:
            task.delay(*args)
        except Exception:  # the broker went again: the sweep has them
            logger.warning("%s skipped tasks left to the sweep", len(waiting) - at)
            return
