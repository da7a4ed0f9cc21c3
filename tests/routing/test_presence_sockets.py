"""An agent is online while an inbox socket of theirs is open: over the real router and channel layer,
and with a real Daphne process killed under an open socket."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from conversations import services, tasks
from helpdesk.asgi import application
from routing import presence
from routing.models import AgentProfile
from tests import factories
from tests.conftest import request_handoff

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch, no_tasks):
    monkeypatch.setattr(presence, "_pull_waiting_handoffs", lambda: None)


@pytest.fixture(autouse=True)
async def _close_consumer_connections():
    yield
    await sync_to_async(connections.close_all)()


@database_sync_to_async
def offline_agent(workspace=None):
    workspace = workspace or factories.WorkspaceFactory()
    if not hasattr(workspace, "policy"):
        factories.PolicyFactory(workspace=workspace)
    profile = factories.AgentFactory(workspace=workspace, last_seen_at=None)
    return profile.user, Token.objects.create(user=profile.user).key, workspace


@database_sync_to_async
def last_seen(user):
    return AgentProfile.objects.get(user=user).last_seen_at


async def next_of(communicator, kind: str) -> dict:
    while True:
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == kind:
            return event


async def test_an_open_inbox_socket_makes_the_agent_online_and_colleagues_hear_it():
    agent, key, workspace = await offline_agent()
    _colleague, colleague_key, _ = await offline_agent(workspace)
    colleague = WebsocketCommunicator(application, f"/ws/inbox/?token={colleague_key}")
    assert (await colleague.connect())[0]
    socket = WebsocketCommunicator(application, f"/ws/inbox/?token={key}")
    try:
        assert (await socket.connect())[0]
        assert presence.is_online(await last_seen(agent), timezone.now())
        event = await next_of(colleague, "agent.presence")
        if event["agent"]["id"] != str(agent.pk):  # the colleague's own arrival came first
            event = await next_of(colleague, "agent.presence")
        assert event == {"type": "agent.presence", "agent": {"id": str(agent.pk), "name": agent.get_full_name()},
                         "online": True}
    finally:
        await socket.disconnect()
        await colleague.disconnect()
    # Closed just now: still online through the grace period, so a reload is not a departure.
    assert presence.is_online(await last_seen(agent), timezone.now())
    assert not presence.is_online(await last_seen(agent), timezone.now() + timedelta(seconds=31))


@override_settings(PRESENCE_GRACE_SECONDS=0.6)
async def test_the_socket_keeps_refreshing_presence_while_it_stays_open():
    agent, key, _ = await offline_agent()
    socket = WebsocketCommunicator(application, f"/ws/inbox/?token={key}")
    assert (await socket.connect())[0]
    try:
        first = await last_seen(agent)
        await asyncio.sleep(1.0)  # several heartbeats (every 0.2 s here)
        assert await last_seen(agent) > first
        assert presence.is_online(await last_seen(agent), timezone.now()), "online as long as the socket is open"
    finally:
        await socket.disconnect()


async def test_a_refused_socket_does_not_make_anyone_online():
    agent, _, _ = await offline_agent()
    socket = WebsocketCommunicator(application, "/ws/inbox/?token=forged")
    assert not (await socket.connect())[0]
    assert await last_seen(agent) is None


# --- a Daphne process dies under an open socket --------------------------------------------
@pytest.fixture
def daphne_with_short_grace(settings):
    """A real Daphne on the test database whose sockets refresh presence every 0.5 s (grace 1.5 s)."""
    from tests.e2e.conftest import _free_port, _stack_env

    settings.PRESENCE_GRACE_SECONDS = 1.5
    port = _free_port()
    env = {**_stack_env(), "HELPDESK_PRESENCE_GRACE_SECONDS": "1.5"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
                             "helpdesk.asgi:application"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            break
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("Daphne did not start")
            time.sleep(0.3)
    yield proc, port
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def wait_until(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_when_daphne_dies_under_an_open_socket_the_agent_lapses_offline_and_the_handoff_moves(
        workspace, daphne_with_short_grace):
    from websockets.sync.client import connect

    proc, port = daphne_with_short_grace
    specialty = factories.SpecialtyFactory(workspace=workspace)
    ana = factories.AgentFactory(workspace=workspace, specialties=[specialty], last_seen_at=None).user
    key = Token.objects.create(user=ana).key

    def ana_online() -> bool:
        return presence.is_online(AgentProfile.objects.get(user=ana).last_seen_at, timezone.now())

    with connect(f"ws://127.0.0.1:{port}/ws/inbox/?token={key}", open_timeout=10):
        assert wait_until(ana_online)
        handoff = request_handoff(factories.ConversationFactory(workspace=workspace),
                                  target=services.Target(kind="specialty", specialty=specialty))
        assert handoff.assigned_to == ana
        time.sleep(2.0)
        assert ana_online(), "heartbeats keep her online past the grace period while the socket is open"

        os.kill(proc.pid, signal.SIGKILL)  # no disconnect, no last refresh
        proc.wait()
        assert wait_until(lambda: not ana_online())

    bo = factories.AgentFactory(workspace=workspace, specialties=[specialty]).user
    tasks.reroute_handoffs_task()
    handoff.refresh_from_db()
    assert handoff.assigned_to == bo and handoff.status == "pending"
