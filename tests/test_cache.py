"""The Django cache on Redis: one connection pool per process, however many sockets are open."""
from __future__ import annotations

import contextvars
import secrets

from django.core.cache import cache

from helpdesk import ratelimit


def test_every_socket_counts_its_limits_on_the_process_pool_not_a_connection_of_its_own():
    # Each websocket consumer runs in an async context of its own, as each of these calls does:
    # Django gives each context its own cache object, which used to open its own Redis connection.
    def count_a_message(visitor: int):
        ratelimit.hit("cache-test", str(visitor), ratelimit.Rate(100, 60))
        return cache._cache._get_connection_pool(write=True)

    pools = [contextvars.Context().run(count_a_message, visitor) for visitor in range(40)]

    assert len({id(pool) for pool in pools}) == 1
    opened = len(pools[0]._available_connections) + len(pools[0]._in_use_connections)
    assert opened <= 2, f"{opened} Redis connections for 40 sockets' messages"


def test_cached_values_round_trip_through_the_shared_client():
    key = f"cache-test:{secrets.token_hex(4)}"
    cache.set(key, {"a": 1}, 30)
    assert cache.get(key) == {"a": 1}
    assert cache.add(f"{key}:n", 5, 30) and not cache.add(f"{key}:n", 7, 30)
    assert cache.incr(f"{key}:n") == 6
