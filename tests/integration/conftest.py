"""Scale-out: two Daphne processes, two Celery workers and one beat on the suite's PostgreSQL and Redis.

`scale_out` starts them once per module against pytest-django's test database (tests take
`transactional_db`: their rows must be committed for the other processes to see them).
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

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        **{f"daphne{i}": [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                          "helpdesk.asgi:application"] for i, port in enumerate(ports)},
        **{f"worker{i}": [*celery, "worker", "-l", "info", "-n", f"scale{i}@%h", "--concurrency", "2",
                          "--without-gossip", "--without-mingle", "--without-heartbeat"] for i in range(2)},
        "beat": [*celery, "beat", "-l", "info", "-s", str(logs / "beat-schedule")],
    }
    procs = {name: subprocess.Popen(argv, cwd=ROOT, env=env, stdout=open(logs / f"{name}.log", "wb"),
                                    stderr=subprocess.STDOUT) for name, argv in commands.items()}
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 180  # a loaded CI machine starts five processes slowly
        for url in urls:
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                dead = [name for name, proc in procs.items() if proc.poll() is not None]
                if dead:
                    raise RuntimeError(f"{dead[0]} exited: {(logs / (dead[0] + '.log')).read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url}/healthz did not answer within 180 s")
                time.sleep(0.3)
        yield {"urls": urls, "logs": logs, "procs": procs}
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
