"""A live Celery worker says so: its main process refreshes a short-lived key in Redis.

Readiness (/healthz/ready) reads the key: a worker that died, hangs on a lost broker or
never started lets it lapse within `TTL_SECONDS`.
"""
from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY = "worker-heartbeat"
# A dead worker shows within TTL_SECONDS: at 5 / 15 s a probe read "ready" for 15 s after the only turns worker was
# killed (trial of 3 Dec); a Redis SET every 2 s costs nothing
INTERVAL_SECONDS = 2.0
TTL_SECONDS = 3 * INTERVAL_SECONDS

_stop = threading.Event()


def beat(hostname: str) -> None:
    cache.set(KEY, {"hostname": hostname, "at": time.time()}, timeout=TTL_SECONDS)


def last_beat() -> dict | None:
    """The latest heartbeat of any live worker, or None when none beat within TTL_SECONDS."""
    return cache.get(KEY)


def start(hostname: str) -> None:
    """Beat every INTERVAL_SECONDS in a daemon thread until `stop()`."""
    _stop.clear()

    def loop() -> None:
        while not _stop.is_set():
            try:
                beat(hostname)
            except Exception as exc:  # Redis down: the key lapses, which is what readiness must see
                logger.warning("Worker heartbeat not written: %s", exc)
            _stop.wait(INTERVAL_SECONDS)

    threading.Thread(target=loop, name="worker-heartbeat", daemon=True).start()


def stop() -> None:
    _stop.set()
    try:
        cache.delete(KEY)
    except Exception as exc:  # stopping anyway; the key lapses by itself
        logger.warning("Worker heartbeat not cleared: %s", exc)
