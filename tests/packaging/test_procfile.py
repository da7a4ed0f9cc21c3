"""The Procfile is how the package runs in production: honcho starts its web, worker and beat
from the installed wheel against the suite's PostgreSQL and Redis, and the site answers."""
from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.packaging.conftest import ROOT

HONCHO = Path(sys.executable).parent / "honcho"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate, what: str, proc: subprocess.Popen, log: Path, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        if proc.poll() is not None:
            pytest.fail(f"honcho exited ({proc.returncode}) before {what}:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.5)
    pytest.fail(f"no {what} within {seconds:.0f} s:\n{log.read_text(errors='replace')[-4000:]}")


@pytest.fixture
def procfile_stack(installed, production_env, collected_static):
    # In the installed source folder but never collected: served only if finders were on.
    (packaged_static,) = installed.venv.glob("lib/python3*/site-packages/helpdesk/site/static")
    (packaged_static / "site" / "not-collected.css").write_text("body {}")
    port = _free_port()
    log = installed.workdir / "honcho.log"
    proc = subprocess.Popen(
        [str(HONCHO), "start", "-f", str(ROOT / "Procfile"), "-d", str(installed.workdir), "-p", str(port),
         "--no-colour"],
        cwd=installed.workdir, env=production_env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "proc": proc, "log": log}
    finally:
        proc.send_signal(signal.SIGTERM)  # honcho stops web, worker and beat
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_procfile_runs_web_worker_and_beat_from_the_wheel(procfile_stack):
    url, proc, log = procfile_stack["url"], procfile_stack["proc"], procfile_stack["log"]

    def healthy():
        try:
            response = httpx.get(f"{url}/healthz", timeout=5)
        except httpx.HTTPError:
            return None
        return response if response.status_code == 200 else None

    health = _wait_for(healthy, "a healthy /healthz", proc, log)
    assert {k: health.json()[k] for k in ("database", "channel_layer", "broker")} == {
        "database": "ok", "channel_layer": "ok", "broker": "ok"}
    _wait_for(lambda: re.search(r"worker\.1\s*\|.*celery@\S+ ready", log.read_text(errors="replace"), re.M),
              "a ready Celery worker", proc, log)
    _wait_for(lambda: re.search(r"beat\.1\s*\|.*beat: Starting", log.read_text(errors="replace"), re.M),
              "Celery beat", proc, log)

    # The packaged templates render, and link the content-hashed static files whitenoise serves.
    page = httpx.get(f"{url}/login/", timeout=10)
    assert page.status_code == 200 and "<form" in page.text
    css = re.search(r'href="(/static/inbox/inbox\.[0-9a-f]{12}\.css)"', page.text)
    assert css, page.text[:2000]
    asset = httpx.get(f"{url}{css.group(1)}", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    # Production serves only what collectstatic wrote: no finders, so the unhashed source path is not there.
    assert httpx.get(f"{url}/static/site/not-collected.css", timeout=10).status_code == 404
    assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
