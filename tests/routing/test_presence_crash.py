"""A Daphne process killed under an open inbox socket: its agent lapses offline and the pending handoff moves."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from conversations import services, tasks
from routing import presence
from routing.models import AgentProfile
from tests import factories
from tests.conftest import request_handoff

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch, no_tasks):
    monkeypatch.setattr(presence, "pull_waiting_handoffs", lambda: None)


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
