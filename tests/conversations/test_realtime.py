"""The transport of real-time events: what `realtime` publishes is what Channels' consumers receive,
and publishing recovers by itself after a Redis restart."""
from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from channels.layers import get_channel_layer

from conversations import realtime
from tests.conftest import redis_server_argv

def test_an_event_reaches_a_member_of_the_group_through_the_channel_layer():
    """The payload and the group's Redis channel are the layer's own: a consumer subscribed with
    `group_add` gets `{"type": "relay", "event": ...}`, exactly what it relays to its socket."""
    event = {"type": "message.created", "message": {"id": "1", "body": "héllo"}}
    # On a loop of its own, in a thread of its own: the suite's browser tests keep a loop running
    # in the main thread.
    with ThreadPoolExecutor(1) as thread:
        received = thread.submit(asyncio.run, _published_to_a_group_member(event)).result(timeout=60)
    assert received == {"type": "relay", "event": event}


async def _published_to_a_group_member(event: dict) -> dict | None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = realtime.inbox_group(f"test-{time.monotonic_ns()}")
    await layer.group_add(group, channel)
    try:
        for _ in range(25):  # the subscription is live once Redis has processed the SUBSCRIBE
            await asyncio.to_thread(realtime._send, [group], event)
            try:
                return await asyncio.wait_for(layer.receive(channel), timeout=0.2)
            except asyncio.TimeoutError:
                continue
        return None
    finally:
        await layer.group_discard(group, channel)


class PrivateRedis:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.socket = tmp / "redis.sock"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(redis_server_argv(self.socket, self.tmp),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not self.socket.exists():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.socket.unlink(missing_ok=True)


@pytest.fixture
def private_redis(tmp_path, settings):
    server = PrivateRedis(tmp_path)
    server.start()
    settings.CHANNEL_LAYERS = {"default": {**settings.CHANNEL_LAYERS["default"],
                                           "CONFIG": {"hosts": [{"address": f"unix://{server.socket}"}],
                                                      "prefix": "restart-test"}}}
    yield server
    server.kill()


def _listen(server: PrivateRedis, group: str):
    subscriber = redis.Redis(unix_socket_path=str(server.socket)).pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(realtime._group_channel(group))
    return subscriber


def _next_payload(subscriber, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = subscriber.get_message(timeout=0.2)
        if message is not None:
            return get_channel_layer().deserialize(message["data"])
    return None


def test_publishing_recovers_by_itself_after_a_redis_restart(private_redis, caplog):
    group = realtime.conversation_group(7)
    subscriber = _listen(private_redis, group)
    realtime._send([group], {"type": "ai.typing", "active": True, "conversation": "7"})
    assert _next_payload(subscriber) == {"type": "relay",
                                         "event": {"type": "ai.typing", "active": True, "conversation": "7"}}

    private_redis.kill()  # the process's pooled connection to it is now dead
    private_redis.start()
    subscriber = _listen(private_redis, group)
    with caplog.at_level(logging.ERROR, logger="conversations.realtime"):
        realtime._send([group], {"type": "ai.typing", "active": False, "conversation": "7"})
    assert _next_payload(subscriber) == {"type": "relay",
                                         "event": {"type": "ai.typing", "active": False, "conversation": "7"}}
    assert "Could not publish" not in caplog.text


def test_with_redis_down_the_event_is_logged_not_raised(private_redis, caplog):
    private_redis.kill()
    with caplog.at_level(logging.ERROR, logger="conversations.realtime"):
        realtime._send([realtime.conversation_group(8)], {"type": "ai.typing", "active": True, "conversation": "8"})
    assert "Could not publish ai.typing to conversation.8" in caplog.text
    private_redis.start()  # for the fixture's teardown
