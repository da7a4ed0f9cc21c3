"""The launcher heals the stack and takes it down with it: real processes, real kills.

Each test starts `python -m helpdesk.launcher run` as `make run` does (without the setup
steps: the test database is migrated already) and waits, bounded, for what it checks.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest
from django.conf import settings

from helpdesk.launcher import DEFAULT_WORKER_NICE

ROOT = Path(__file__).resolve().parents[2]
WAIT = 90.0  # seconds: an upper bound on a loaded machine, never a speed target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Launched:
    """A launcher subprocess, its output collected, its process tree watched."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        env = {**(env or os.environ), "PORT": str(self.port), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1",
               "HELPDESK_STOP_TIMEOUT": "10"}
        self.proc = subprocess.Popen([sys.executable, "-m", "helpdesk.launcher", "run", *args], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for raw in iter(self.proc.stdout.readline, b""):
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return "\n".join(self.lines[-80:])

    def wait_for(self, what: str, check, timeout: float = WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"{what}: not within {timeout:.0f} s\n{self.log()}")

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def child(self, marker: str) -> psutil.Process | None:
        for proc in psutil.Process(self.proc.pid).children():
            try:
                if marker in " ".join(proc.cmdline()):
                    return proc
            except psutil.NoSuchProcess:
                continue
        return None

    def tree(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def answers(self, path: str) -> bool:
        try:
            return httpx.get(self.url + path, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            tree = self.tree()
            self.proc.kill()
            psutil.wait_procs(tree, timeout=15)
            for proc in tree:
                if proc.is_running():
                    proc.kill()
        self.proc.wait(timeout=15)


def gone(processes: list[psutil.Process]) -> bool:
    alive = []
    for proc in processes:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.NoSuchProcess:
            continue
    return not alive


def app_env() -> dict[str, str]:
    """The app on the test database, as the e2e stack runs it."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings_test",
            "HELPDESK_DB_NAME": settings.DATABASES["default"]["NAME"], "HELPDESK_DEMO": "0"}


@pytest.fixture
def launched(request):
    started: list[Launched] = []

    def start(*args, env=None) -> Launched:
        launcher = Launched(*args, env=env)
        started.append(launcher)
        return launcher

    yield start
    for launcher in started:
        launcher.stop()


@pytest.mark.django_db(transaction=True)
def test_a_killed_web_or_worker_is_restarted_and_nothing_outlives_a_killed_launcher(launched):
    launcher = launched("--no-setup", "--processes", "web,worker,jobs",
                        env={**app_env(), "HELPDESK_WORKER_CONCURRENCY": "2"})
    launcher.wait_for("the web process answers", lambda: launcher.answers("/healthz/live"))
    web = launcher.wait_for("the web child", lambda: launcher.child("helpdesk.web"))
    worker = launcher.wait_for("the worker child", lambda: launcher.child("turns@"))
    jobs = launcher.wait_for("the jobs worker child", lambda: launcher.child("jobs@"))
    pool = launcher.wait_for("the worker's pool processes", lambda: worker.children())

    # The AI's CPU work yields to the web process: the workers and their pools run at a lower
    # priority, and so does their session (which is what Linux's autogroup scheduling weighs).
    base = psutil.Process(launcher.proc.pid).nice()
    assert web.nice() == base
    assert {p.nice() for p in (worker, jobs, *pool)} == {min(19, base + DEFAULT_WORKER_NICE)}
    autogroup = Path(f"/proc/{worker.pid}/autogroup")
    if autogroup.exists():  # Linux built with autogroup scheduling
        assert autogroup.read_text().split()[-1] == str(DEFAULT_WORKER_NICE)
        assert Path(f"/proc/{web.pid}/autogroup").read_text().split()[-1] == "0"

    web.kill()
    launcher.wait_for("the restart is logged", lambda: launcher.said("restarted web"))
    assert launcher.said("error: web exited unexpectedly (killed by SIGKILL)")
    launcher.wait_for("the new web process answers", lambda: launcher.answers("/healthz/live"))

    worker.kill()
    launcher.wait_for("the worker restart is logged", lambda: launcher.said("restarted worker"))
    launcher.wait_for("the killed worker's pool processes exit", lambda: gone(pool))
    new_worker = launcher.child("turns@")
    assert new_worker is not None and new_worker.pid != worker.pid
    launcher.wait_for("the new worker's pool", lambda: len(new_worker.children()) == 2)

    jobs.kill()  # the long-jobs worker is supervised like the others
    launcher.wait_for("the jobs worker restart is logged", lambda: launcher.said("restarted jobs"))
    new_jobs = launcher.wait_for("the new jobs worker", lambda: launcher.child("jobs@"))
    assert new_jobs.pid != jobs.pid
    launcher.wait_for("the new jobs worker's pool", lambda: len(new_jobs.children()) == 2)  # --concurrency 2

    tree = launcher.tree()
    assert len(tree) >= 6, launcher.log()  # web, both workers and their pools
    launcher.proc.kill()  # SIGKILL: the launcher cannot stop anything itself
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not gone(tree):
        time.sleep(0.2)
    assert gone(tree), [p.pid for p in tree if p.is_running()]


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_everything_cleanly_with_a_websocket_open(launched, no_tasks):
    from websockets.sync.client import connect

    from conversations import services
    from tests import factories

    workspace = factories.WorkspaceFactory()
    factories.PolicyFactory(workspace=workspace)
    conversation, token = services.widget_conversation_start(workspace=workspace)
    launcher = launched("--no-setup", env=app_env())  # every process make run starts: web, worker, jobs, beat
    launcher.wait_for("the web process answers", lambda: launcher.answers("/healthz/live"))
    launcher.wait_for("beat", lambda: launcher.child("beat"))
    launcher.wait_for("the jobs worker", lambda: launcher.child("jobs@"))
    # Beat has loaded its schedule: a SIGTERM in the middle of its start-up may still need the SIGKILL.
    launcher.wait_for("beat sending its first task", lambda: launcher.said("Scheduler: Sending due task"))
    with contextlib.ExitStack() as sockets:
        for _ in range(3):
            sockets.enter_context(connect(f"ws://127.0.0.1:{launcher.port}/ws/widget/{conversation.pk}/?token={token}",
                                          open_timeout=20))
        tree = launcher.tree()
        launcher.proc.send_signal(signal.SIGTERM)
        code = launcher.proc.wait(timeout=60)
    assert code == 0, launcher.log()
    launcher._reader.join(timeout=5)
    assert launcher.said("launcher | stopped cleanly"), launcher.log()
    assert not launcher.said("SIGKILL"), launcher.log()  # each child stopped by itself within its grace
    assert gone(tree)


def test_embedded_redis_and_postgres_are_restarted_and_die_with_the_launcher(launched):
    state = tempfile.mkdtemp(prefix="hd-launch-")  # short: unix socket paths are limited
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(HELPDESK_STATE_DIR=state, HELPDESK_DEMO="0")
    launcher = launched("--no-setup", "--processes", "", env=env)
    try:
        redis = launcher.wait_for("embedded redis", lambda: launcher.child("redis-server"), timeout=120)
        postgres = launcher.wait_for("embedded postgres", lambda: launcher.child("postgres -D"), timeout=120)
        launcher.wait_for("postgres ready", lambda: launcher.said("ready to accept connections"), timeout=120)

        redis.kill()
        launcher.wait_for("redis restarted", lambda: launcher.said("restarted redis"))
        postgres.kill()
        launcher.wait_for("postgres restarted", lambda: launcher.said("restarted postgres"), timeout=120)

        probe = subprocess.run([sys.executable, "-m", "helpdesk.embedded", "status"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=60)
        assert probe.returncode == 0, probe.stdout + probe.stderr  # both accept connections again

        servers = [launcher.child("redis-server"), launcher.child("postgres -D")]
        assert None not in servers and servers[0].pid != redis.pid and servers[1].pid != postgres.pid
        launcher.proc.kill()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not gone(servers):
            time.sleep(0.2)
        assert gone(servers), launcher.log()
    finally:
        launcher.stop()
        subprocess.run([sys.executable, "-m", "helpdesk.embedded", "stop"], cwd=ROOT, env=env,
                       capture_output=True, timeout=120)
        subprocess.run(["rm", "-rf", state], check=False)
