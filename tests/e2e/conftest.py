"""Real-browser tests: Daphne and a Celery worker on the test database, driven by Debian's Chromium.

`live_stack` starts the real processes once per session against pytest-django's test
database. Tests that use it take `transactional_db` (their rows must be committed for
the other processes to see them) and are marked `e2e`.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from helpdesk import lifeline
from tests.conftest import stop_processes

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("HELPDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
ARTIFACTS = ROOT / "test-artifacts"
E2E_WORKER = "e2e"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stack_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings_test",
        "HELPDESK_DB_NAME": settings.DATABASES["default"]["NAME"],  # the test database pytest-django made
        "PYTHONUNBUFFERED": "1",
        "HELPDESK_INBOX_POLL_SECONDS": "2",  # the inbox's fallback when its socket is refused
    })
    return env


def _wait_until_worker_idle(timeout: float = 60.0) -> None:
    """Until the live worker has nothing running, reserved or queued (in the broker's Redis lists). Emptying the database under a task
    that holds row locks deadlocks (TRUNCATE against the task's UPDATE), so a test is over when the work
    it queued is over."""
    from helpdesk.celery import app

    inspect = app.control.inspect(timeout=1.0, pattern=f"{E2E_WORKER}@*", matcher="glob")
    deadline = time.monotonic() + timeout
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        while time.monotonic() < deadline:
            if not any(channel.client.llen(name)
                       for name in (settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_LONG_QUEUE)):
                active, reserved = inspect.active(), inspect.reserved()
                if active is not None and reserved is not None and not any(active.values()) \
                        and not any(reserved.values()):
                    return
            time.sleep(0.2)


@pytest.fixture(autouse=True)
def _live_worker_idle_before_flush(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))
    if "live_stack" not in request.fixturenames or not transactional:
        yield
        return
    request.getfixturevalue("_django_db_helper")  # pytest-django's: set up before this fixture, flushed after it
    yield
    _wait_until_worker_idle()


@pytest.fixture(scope="session")
def live_stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """Daphne + one Celery worker, real Redis and PostgreSQL, for the whole session."""
    from conversations.assistant.models import detector_models

    detector_models()  # trained once and cached on disk here, so the worker's first turn is not a training run
    port = _free_port()
    logs = tmp_path_factory.mktemp("stack")
    env = _stack_env()
    bin_dir = Path(sys.executable).parent
    procs = {
        "daphne": subprocess.Popen(
            [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port), "helpdesk.asgi:application"],
            cwd=ROOT, env=env, stdout=open(logs / "daphne.log", "wb"), stderr=subprocess.STDOUT,
            preexec_fn=lifeline.preexec()),  # none outlives a killed run (a stray worker takes the next run's tasks)
        "celery": subprocess.Popen(
            [str(bin_dir / "celery"), "-A", "helpdesk", "worker", "-l", "info", "--concurrency", "2",
             "-n", f"{E2E_WORKER}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=open(logs / "celery.log", "wb"), stderr=subprocess.STDOUT,
            preexec_fn=lifeline.preexec()),
    }
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # Readiness less the assistant: tests create their workspaces (and indexes) later.
                health = httpx.get(f"{url}/healthz", timeout=2).json()
                if all(health.get(k) == "ok" for k in ("database", "channel_layer", "broker", "worker")):
                    break
            except (httpx.HTTPError, ValueError):
                pass
            for name, proc in procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {(logs / (name + '.log')).read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the stack did not answer /healthz within 60 s")
            time.sleep(0.3)
        yield {"url": url, "logs": logs}
    finally:
        stop_processes(procs.values())
        if os.environ.get("CI"):
            for name in procs:
                log = logs / f"{name}.log"
                if log.exists():
                    print(f"\n--- {name} log (tail) ---\n{log.read_text(errors='replace')[-4000:]}")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the
    # tests make between browser steps are plain synchronous ones, so allow them while it lives.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser, request):
    """Fresh browser contexts (separate cookies/storage); screenshots of each page on failure."""
    contexts = []

    def make(**kwargs):
        context = browser.new_context(**kwargs)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}-{j}.png"), full_page=True)
                except Exception:  # a crashed page has nothing to show; the assertion already failed
                    continue
    for context in contexts:
        context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def seed_demo_workspace():
    """The demo workspace (agents agent1..3 with their passwords, policy Balanced, knowledge base)."""
    import json

    from conversations import knowledge
    from workspaces.models import Workspace
    from helpdesk.workspace_config import workspace_import

    document = json.loads((ROOT / "helpdesk" / "demo_workspace.json").read_text())
    workspace = Workspace.objects.create(name="Northwind Outfitters", slug="demo")
    workspace_import(document=document, workspace=workspace)
    knowledge.knowledge_reindex(workspace=workspace)  # ready before the visitor's first question
    return workspace
