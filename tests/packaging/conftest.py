"""One wheel and one virtualenv per session: built from this checkout, installed outside it.

`pip install` resolves the dependencies from the index (the local pip cache makes that quick);
with HELPDESK_WHEELHOUSE set it installs with `--no-index --find-links $HELPDESK_WHEELHOUSE`.
Commands then run from the venv's `helpdesk` entry point in a folder outside the checkout, with
an environment built from scratch: nothing of the checkout is importable there.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Installed:
    wheel: Path
    venv: Path
    workdir: Path  # outside the checkout; commands run here

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def run(self, *args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / args[0]), *args[1:]], cwd=self.workdir, env=env, capture_output=True,
                              text=True, timeout=timeout)


def _run(cmd: list[str], **kwargs) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("package")
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--progress-bar", "off", "-w", str(dist), str(ROOT)],
         cwd=base, timeout=600)
    (wheel,) = dist.glob("helpdesk-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    source = ["--no-index", "--find-links", os.environ["HELPDESK_WHEELHOUSE"]] if os.environ.get("HELPDESK_WHEELHOUSE") else []
    # --no-compile: the bytecode would be written on first import anyway; compiling every dependency up front is slow.
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--progress-bar", "off", "--no-compile", *source,
          str(wheel)],
         cwd=base, timeout=900)
    workdir = base / "work"
    workdir.mkdir()
    return Installed(wheel=wheel, venv=venv, workdir=workdir)


@pytest.fixture(scope="session")
def production_env(django_db_setup, installed) -> dict[str, str]:
    """A production environment (DATABASE_URL set, so no demo defaults) on the suite's test
    database and Redis, with a queue and key prefix of its own."""
    from django.conf import settings

    from conversations.assistant.models import default_artifact_dir

    db = settings.DATABASES["default"]
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else db["HOST"]
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    suffix = secrets.token_hex(4)
    return {
        "PATH": f"{installed.bin}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "DATABASE_URL": f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HELPDESK_CELERY_QUEUE": f"helpdesk-package-{suffix}",
        "HELPDESK_CHANNEL_PREFIX": f"helpdesk-package-{suffix}",
        "STATIC_ROOT": str(installed.workdir / "staticfiles"),
        "HELPDESK_STATE_DIR": str(installed.workdir / "state"),
        # The assistant trained by `make install` (a deployment trains it once: python -m
        # conversations.assistant.train); readiness needs it.
        "HELPDESK_ASSISTANT_DIR": str(default_artifact_dir()),
        # Plain HTTP on loopback: TLS ends at a proxy in production.
        "SECURE_SSL_REDIRECT": "false",
    }


@pytest.fixture(scope="session")
def collected_static(installed, production_env) -> Path:
    done = installed.run("helpdesk", "collectstatic", "--noinput", env=production_env)
    assert done.returncode == 0, done.stdout + done.stderr
    return Path(production_env["STATIC_ROOT"])
