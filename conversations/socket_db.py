"""The database calls of websocket consumers run on a pool of threads, not on one.

Channels' `database_sync_to_async` is thread-sensitive: outside a per-request context (which
Django's HTTP handler opens and Channels consumers do not) every call of every socket of a
Daphne process runs on one shared thread, so one socket's slow query holds up all the others.
A consumer's call is one service call in its own transaction and keeps no thread-bound state
between calls, so the calls run on a bounded pool of threads instead:

- frames of different sockets are handled in parallel;
- one socket's frames stay in order (the consumer awaits each call before reading the next);
- never more threads, hence never more database connections, than `WEBSOCKET_DB_THREADS`
  (each thread borrows a pooled connection per call; see the "Connections at scale" settings).
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from channels.db import DatabaseSyncToAsync
from django.conf import settings
from django.db import connections


@cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=settings.WEBSOCKET_DB_THREADS, thread_name_prefix="socket-db")


def database_sync_to_async(func):
    """Like `channels.db.database_sync_to_async` (stale connections closed around the call), on the pool."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=_executor())


def close_connections() -> None:
    """Each pool thread closes the connection it holds (a test, before its database is dropped)."""
    threads = settings.WEBSOCKET_DB_THREADS
    everyone = threading.Barrier(threads, timeout=10)

    def close() -> None:
        everyone.wait()  # no thread takes two of these calls: each waits until all have one
        connections.close_all()

    for done in [_executor().submit(close) for _ in range(threads)]:
        done.result()
