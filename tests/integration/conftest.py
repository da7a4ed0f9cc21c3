"""Real processes for integration tests, on pytest-django's test database.

Fault tests: a private Redis, Daphne and Celery workers.

A test gets a `Stack` it can break: kill a worker with SIGKILL, restart Redis, terminate the
workers' database connections. Everything runs against pytest-django's test database
(tests take `transactional_db`: rows must be committed for the other processes to see them)
and a redis-server of its own, so restarting it never disturbs the rest of the suite.
Every wait is bounded; a process that outlives its test is killed by the fixture.

Scale-out: `scale_out` starts two Daphne processes, two Celery workers and one beat on the
suite's PostgreSQL and Redis, once per module (tests take `transactional_db` too).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from helpdesk import lifeline
from tests.conftest import redis_server_argv, stop_processes

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LEASE_SECONDS = 4  # a turn whose worker died is taken up again after this long
SWEEP_SECONDS = 1  # how often beat looks for visitor messages without an outcome
GRACE_SECONDS = 3  # a message no worker claimed is queued again after this long


def wait_for(check: Callable[[], object], *, timeout: float, what: str, every: float = 0.2):
    """Poll `check` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlowModel:
    """A /v1/chat/completions server whose answers take `delay` seconds: a turn is "mid-turn"
    while the model is thinking. `started` is set when a request arrives."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.requests = 0
        self.started = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests += 1
                fake.started.set()
                deadline = time.monotonic() + fake.delay
                while time.monotonic() < deadline and fake.delay:
                    time.sleep(0.05)
                body = json.dumps({
                    "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": "m",
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {
                        "role": "assistant", "content": "Standard shipping takes 2 to 4 working days."}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.delay = 0.0
        self.server.shutdown()
        self.server.server_close()


class Stack:
    """Daphne, Celery workers (with beat) and a private Redis; each can be stopped and started again."""

    def __init__(self, tmp: Path, *, model_url: str = "", lease_seconds: float = LEASE_SECONDS,
                 grace_seconds: float = GRACE_SECONDS) -> None:
        self.tmp = tmp
        self.redis_socket = tmp / "redis.sock"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}
        tag = f"faults-{os.getpid()}-{self.port}"
        self.env = {**os.environ,
                    "DJANGO_SETTINGS_MODULE": "helpdesk.settings_test",
                    "HELPDESK_DB_NAME": settings.DATABASES["default"]["NAME"],
                    "REDIS_URL": f"unix://{self.redis_socket}",
                    "CELERY_BROKER_URL": "",
                    "HELPDESK_CELERY_QUEUE": tag, "HELPDESK_CHANNEL_PREFIX": tag,
                    "HELPDESK_LLM_BASE_URL": model_url, "HELPDESK_LLM_TIMEOUT": "60",
                    "HELPDESK_TURN_LEASE_SECONDS": str(lease_seconds),
                    "HELPDESK_TURN_REQUEUE_GRACE_SECONDS": str(grace_seconds),
                    "HELPDESK_TURN_SWEEP_SECONDS": str(SWEEP_SECONDS),
                    "PYTHONUNBUFFERED": "1"}

    # -- processes --

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=lifeline.preexec())  # dies with a killed run
        self.procs[name] = proc
        return proc

    def start_redis(self) -> None:
        self._start("redis", redis_server_argv(self.redis_socket, self.tmp))
        wait_for(self.redis_socket.exists, timeout=20, what="redis-server's socket")

    def stop_redis(self) -> None:
        self._stop("redis", signal.SIGKILL)
        self.redis_socket.unlink(missing_ok=True)

    def freeze_redis(self) -> None:
        """SIGSTOP: Redis still accepts connections but never answers (a hung host, a full disk, a long fork)."""
        os.killpg(self.procs["redis"].pid, signal.SIGSTOP)

    def thaw_redis(self) -> None:
        os.killpg(self.procs["redis"].pid, signal.SIGCONT)

    def start_web(self) -> None:
        self._start("daphne", [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.port),
                               "helpdesk.asgi:application"])

        def up() -> bool:
            try:
                # Liveness: /healthz is 503 (not ready) until the test starts a worker.
                return httpx.get(f"{self.url}/healthz/live", timeout=2).status_code < 500
            except httpx.HTTPError:
                return False

        wait_for(up, timeout=60, what="Daphne to answer")

    def start_worker(self, name: str = "worker", *, node: str = "worker@faults") -> subprocess.Popen:
        """One worker process doing turns one at a time (solo pool: killing it kills the turn), with beat.
        `node` is its Celery node name: a worker started again under the same name is the same worker."""
        proc = self._start(name, [str(BIN / "celery"), "-A", "helpdesk", "worker", "--pool", "solo", "-B", "-n", node,
                                  "-s", str(self.tmp / f"{name}-beat-schedule"), "-l", "info",
                                  "--without-gossip", "--without-mingle", "--without-heartbeat"])
        wait_for(lambda: b"ready." in (self.tmp / f"{name}.log").read_bytes(), timeout=90,
                 what=f"{name} to be ready")
        return proc

    def kill(self, name: str) -> None:
        """SIGKILL the process and everything it started: no clean shutdown, no acknowledgement."""
        self._stop(name, signal.SIGKILL)

    def _stop(self, name: str, sig: int) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def stop_all(self) -> None:
        for name in [n for n in self.procs if n != "redis"]:
            self._stop(name, signal.SIGTERM)
        self._stop("redis", signal.SIGTERM)

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # -- the visitor's side, through the real API --

    def widget(self, workspace_slug: str) -> Visitor:
        response = httpx.post(f"{self.url}/api/v1/widget/conversations/", json={"workspace": workspace_slug},
                              timeout=10)
        assert response.status_code == 201, response.text
        data = response.json()
        return Visitor(self, data["id"], data["visitor_token"])


class Visitor:
    def __init__(self, stack: Stack, conversation_id: str, token: str) -> None:
        self.stack, self.conversation_id, self.token = stack, conversation_id, token

    def send(self, body: str, *, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Visitor {self.token}"}
        if key:
            headers["Idempotency-Key"] = key
        return httpx.post(f"{self.stack.url}/api/v1/widget/conversations/{self.conversation_id}/messages/",
                          json={"body": body}, headers=headers, timeout=30)


@pytest.fixture
def slow_model():
    model = SlowModel()
    yield model
    model.close()


@pytest.fixture
def make_stack(transactional_db, tmp_path):
    """`make_stack(model_url=...)` starts Redis and Daphne; the test starts its workers."""
    stacks: list[Stack] = []

    def make(*, model_url: str = "", lease_seconds: float = LEASE_SECONDS,
             grace_seconds: float = GRACE_SECONDS) -> Stack:
        stack = Stack(tmp_path, model_url=model_url, lease_seconds=lease_seconds, grace_seconds=grace_seconds)
        stacks.append(stack)
        stack.start_redis()
        stack.start_web()
        return stack

    yield make
    for stack in stacks:
        try:
            stack.stop_all()
        finally:
            if os.environ.get("CI"):
                for name in ("daphne", "worker", "worker-2", "redis"):
                    print(f"\n--- {name} log (tail) ---\n{stack.log(name)}")


@pytest.fixture(scope="module")
def scale_out(django_db_setup, django_db_blocker, tmp_path_factory):
    """{"urls": [daphne A, daphne B], "logs": folder}; every process stopped afterwards."""
    from conversations.assistant.models import detector_models

    detector_models()  # trained and cached on disk once, so a worker's first turn is not a training run
    logs = tmp_path_factory.mktemp("scale-out")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings_test", "PYTHONUNBUFFERED": "1",
           "HELPDESK_DB_NAME": settings.DATABASES["default"]["NAME"]}
    ports = [free_port(), free_port()]
    celery = [sys.executable, "-m", "celery", "-A", "helpdesk"]
    commands = {
        **{f"daphne{i}": [sys.executable, "-m", "helpdesk.web", "-b", "127.0.0.1", "-p", str(port),
                          "helpdesk.asgi:application"] for i, port in enumerate(ports)},
        **{f"worker{i}": [*celery, "worker", "-l", "info", "-n", f"scale{i}@%h", "--concurrency", "2",
                          "--without-gossip", "--without-mingle", "--without-heartbeat"] for i in range(2)},
        "beat": [*celery, "beat", "-l", "info", "-s", str(logs / "beat-schedule")],
    }
    procs = {name: subprocess.Popen(argv, cwd=ROOT, env=env, stdout=open(logs / f"{name}.log", "wb"),
                                    stderr=subprocess.STDOUT, preexec_fn=lifeline.preexec())  # die with a killed run
             for name, argv in commands.items()}
    urls = [f"http://127.0.0.1:{port}" for port in ports]

    def none_exited() -> None:
        dead = [name for name, proc in procs.items() if proc.poll() is not None]
        if dead:
            raise RuntimeError(f"{dead[0]} exited: {(logs / (dead[0] + '.log')).read_text()[-3000:]}")

    def answers(url: str) -> bool:
        none_exited()
        try:
            return httpx.get(f"{url}/healthz/live", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def worker_ready(name: str) -> bool:
        none_exited()
        return b"ready." in (logs / f"{name}.log").read_bytes()

    try:
        # Bounds for a loaded CI machine that starts five processes slowly.
        for url in urls:
            wait_for(lambda: answers(url), timeout=180, what=f"{url}/healthz/live", every=0.3)
        for name in ("worker0", "worker1"):
            wait_for(lambda: worker_ready(name), timeout=180, what=f"{name} to be ready", every=0.3)
        yield {"urls": urls, "logs": logs, "procs": procs}
    finally:
        stop_processes(procs.values())


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "faults: real processes killed, restarted or disconnected mid-turn")
