"""A Redis that hangs costs a request one timeout, not one per command (trial 26: ~10 s a message)."""
from __future__ import annotations

import socket
import threading

import pytest
import redis
import redis.exceptions

from helpdesk import redis_breaker


class SilentRedis:
    """A server that accepts connections and reads commands but never answers: a Redis stopped with SIGSTOP, or a
    network black hole. Counts the commands that reached it."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.commands = 0
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        while data := conn.recv(65536):
            self.commands += data.count(b"*")  # each command (or pipeline's command) is a RESP array

    def close(self) -> None:
        self.listener.close()
        for conn in self.connections:
            conn.close()


def _client(port: int) -> redis.Redis:
    """A client as the app builds them (redis-py's own retries left on: they are skipped too)."""
    return redis.Redis(connection_pool=redis.ConnectionPool(
        port=port, socket_timeout=0.3, socket_connect_timeout=0.3, connection_class=redis_breaker.BreakerConnection))


@pytest.fixture
def silent_redis():
    server = SilentRedis()
    yield server
    server.close()


def test_after_one_command_timed_out_the_next_ones_fail_at_once_without_reaching_redis(silent_redis):
    client = _client(silent_redis.port)
    with pytest.raises(redis.exceptions.TimeoutError, match="Timeout reading"):
        client.get("limit")
    assert silent_redis.commands == 1
    assert not redis_breaker.answering()

    with pytest.raises(redis.exceptions.TimeoutError, match="Redis skipped"):
        client.incr("limit")
    with pytest.raises(redis.exceptions.TimeoutError, match="Redis skipped"):
        with client.pipeline(transaction=False) as pipe:  # how limits are counted and live updates published
            pipe.publish("channel", "event").execute()
    assert silent_redis.commands == 1, "skipped commands never reached Redis"


def test_the_skipping_lasts_a_few_timeouts_then_redis_is_tried_again():
    redis_breaker.found_hanging(2.0, now=100.0)
    assert not redis_breaker.answering(now=100.0 + 2.0 * redis_breaker.SKIP_FACTOR - 0.1)
    assert redis_breaker.answering(now=100.0 + 2.0 * redis_breaker.SKIP_FACTOR)


def test_a_refused_connection_starts_no_skipping():
    """A Redis restarting refuses connections at once: nothing to wait for, and redis-py retries it."""
    with socket.create_server(("127.0.0.1", 0)) as spare:
        port = spare.getsockname()[1]  # closed when the block ends: nothing listens there
    client = _client(port)
    with pytest.raises(redis.exceptions.ConnectionError):
        client.get("limit")
    assert redis_breaker.answering()


def test_the_apps_redis_clients_are_built_on_the_breaker(settings):
    from conversations import realtime

    breakers = (redis_breaker.BreakerConnection, redis_breaker.BreakerUnixConnection, redis_breaker.BreakerSSLConnection)
    assert issubclass(settings.CACHES["default"]["OPTIONS"]["connection_class"], breakers)  # limits, cached reads
    assert issubclass(realtime._redis().connection_pool.connection_class, breakers)  # live updates


class SlowBroker:
    name = "conversations.tasks.process_turn_task"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def delay(self, *args) -> None:
        threading.Event().wait(self.seconds)
        raise ConnectionError("broker did not answer")


def test_a_turn_is_not_queued_while_redis_is_skipped_and_goes_with_the_next_one_that_is(settings):
    """A broker that hung starts the skipping; the turns skipped meanwhile are sent after the next task that goes (they
    waited for the sweep's grace, 30-40 s after Redis was back: trial 27). A task no sweep queues is not kept."""
    settings.REDIS_TIMEOUT_SECONDS = 0.2
    with pytest.raises(ConnectionError):
        redis_breaker.queue_task(SlowBroker(0.25), 7, swept=True)
    assert not redis_breaker.answering()
    queued = []
    quick = type("Task", (), {"name": "t", "delay": lambda self, *a: queued.append(a)})()
    assert redis_breaker.queue_task(quick, 8, swept=True) is False
    assert redis_breaker.queue_task(quick, 80, swept=False) is False
    assert queued == [], "nothing sent while Redis is skipped"
    threading.Event().wait(0.2 * redis_breaker.SKIP_FACTOR + 0.05)  # the window ends
    assert redis_breaker.queue_task(quick, 9, swept=True) is True
    assert queued == [(9,), (8,)], "the skipped turn follows; the unswept task is not kept"
