"""The Django cache on Redis, with one connection pool and one client per process.

Django keeps a cache object per async context (its cache handler is not thread-critical), and
each `RedisCache` object builds its own Redis connection pool. Under Daphne every websocket
consumer and every HTTP request is its own context, so each opened a new TCP connection to
Redis (and redis-py looks its own version up in the installed packages for every connection):
a visitor's first message paid for a connection, and a process with 2,000 sockets held up to
2,000 Redis connections. Here the cache objects stay per context, as Django expects, but they
share the process's client. Django also built a `redis.Redis` for every command (~0.5 ms of
CPU: it copies its table of reply parsers); a client is thread-safe (it borrows a pooled
connection per command), so one serves every call. redis-py's pool starts afresh after a fork.
"""
from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[tuple, SharedRedisCacheClient] = {}
_clients_lock = threading.Lock()


class SharedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._redis_clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._redis_clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            with _clients_lock:
                client = self._redis_clients.setdefault(index, self._client(connection_pool=pool))
        return client


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    @property
    def _cache(self) -> SharedRedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = _clients.get(key)
        if client is None:
            with _clients_lock:
                client = _clients.setdefault(key, self._class(self._servers, **self._options))
        return client
