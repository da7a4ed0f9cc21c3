"""Where the embedded PostgreSQL and Redis live, shared by settings and the launcher.

Imports nothing from Django: settings import it before Django is configured.
The state folder defaults to `.state/` in the checkout (for an installed wheel, in the working
folder); HELPDESK_STATE_DIR moves it.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DB_NAME = "helpdesk"
DB_USER = "helpdesk"
PG_PORT = 5432  # only names the socket file (.s.PGSQL.5432); no TCP listener


def state_dir() -> Path:
    """HELPDESK_STATE_DIR, else `.state/` in the checkout (an installed wheel: in the working folder)."""
    default = BASE_DIR / ".state" if (BASE_DIR / "manage.py").is_file() else Path.cwd() / ".state"
    return Path(os.environ.get("HELPDESK_STATE_DIR") or default).resolve()


def pg_dir() -> Path:
    return state_dir() / "pg"


def pg_data_dir() -> Path:
    return pg_dir() / "data"


def pg_socket_dir() -> Path:
    return pg_dir() / "run"


def redis_dir() -> Path:
    return state_dir() / "redis"


def redis_socket() -> Path:
    return redis_dir() / "redis.sock"


def database_settings() -> dict:
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DB_NAME,
        "USER": DB_USER,
        "PASSWORD": "",
        "HOST": str(pg_socket_dir()),
        "PORT": str(PG_PORT),
    }


def redis_url() -> str:
    return f"unix://{redis_socket()}"


def celery_redis_url(url: str) -> str:
    """Kombu spells a unix-socket Redis `redis+socket://`; redis-py spells it `unix://`."""
    if url.startswith("unix://"):
        return "redis+socket://" + url[len("unix://"):]
    return url


def local_secret_key() -> str | None:
    """A per-checkout key for local demo runs, so sessions survive a restart."""
    path = state_dir() / "secret_key"
    try:
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key
    except OSError:
        return None
