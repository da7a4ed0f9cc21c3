"""Health endpoints for operators and orchestrators.

- `/healthz/live`: the web process answers (a liveness probe: restart it only if this fails).
- `/healthz/ready`: a visitor would get a real answer now: database, Redis (channel layer),
  the Celery broker, a live worker (its heartbeat) and every workspace's knowledge index.
- `/healthz`: the same checks and status as ready, with today's fields (API.md).
"""
from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse

from conversations.assistant.models import ARTIFACT_NAME, default_artifact_dir
from conversations.knowledge import workspaces_without_ready_index
from helpdesk import heartbeat
from helpdesk.celery import app as celery_app

logger = logging.getLogger(__name__)


class NotReady(Exception):
    """A component that is reachable but not ready (no worker heartbeat, index missing)."""


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _channel_layer() -> None:
    layer = get_channel_layer()
    group = f"healthz.{uuid.uuid4().hex}"
    async_to_sync(layer.group_send)(group, {"type": "healthz"})  # a round trip to Redis


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)


def _worker() -> None:
    if heartbeat.last_beat() is None:
        raise NotReady(f"no Celery worker heartbeat within {heartbeat.TTL_SECONDS:.0f} s")


def _assistant() -> None:
    artifact = default_artifact_dir() / ARTIFACT_NAME
    if not artifact.exists():
        raise NotReady(f"the assistant's models are not trained ({artifact} is missing)")
    missing = workspaces_without_ready_index()
    if missing:
        raise NotReady(f"knowledge index missing or stale for {', '.join(w.slug for w in missing)}")


CHECKS = {"database": _database, "channel_layer": _channel_layer, "broker": _broker,
          "worker": _worker, "assistant": _assistant}
# The checks that ask Redis get CHECK_SECONDS each: a Redis that accepts connections but does not answer (stopped,
# swapping) held the probe until it answered, 12 s, then reported it down (trial 55). They run on a small pool of
# their own; a check that overruns is reported down and finishes there (bounded: three threads).
REDIS_CHECKS = {"channel_layer", "broker", "worker"}
CHECK_SECONDS = 3.0
_redis_checks = ThreadPoolExecutor(max_workers=3, thread_name_prefix="healthz")


def _run(name: str, check) -> None:
    if name not in REDIS_CHECKS:
        check()  # (the database's own timeouts; and the request's connection, which tests' transactions need)
        return
    try:
        _redis_checks.submit(check).result(timeout=CHECK_SECONDS)
    except TimeoutError:
        raise TimeoutError(f"no answer within {CHECK_SECONDS:.0f} s") from None


def readiness() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        if name == "assistant" and results["database"] != "ok":
            results[name] = "down"  # it reads the database: no second timeout for the same outage
            continue
        try:
            _run(name, check)
            results[name] = "ok"
        except NotReady as exc:
            logger.info("Health check %s: not ready: %s", name, exc)
            results[name] = "not_ready"
        except Exception as exc:  # report, never raise: this page exists to say what is down
            logger.warning("Health check %s failed: %s", name, exc)
            results[name] = "down"
    return results


def healthz(request):
    results = readiness()
    ok = all(v == "ok" for v in results.values())
    response = JsonResponse(results, status=200 if ok else 503)
    if not ok:
        response["Retry-After"] = "5"
        # Not ready is a state, not a server error: while a worker starts, Django's request log printed an ERROR line
        # for every probe (trial of 2 Dec). One line at INFO instead; a check that is down has its WARNING above.
        response._has_been_logged = True  # django.utils.log.log_response's own mark
        logger.info("Not ready: %s", ", ".join(f"{k} {v}" for k, v in results.items() if v != "ok"))
    response["Cache-Control"] = "no-store"
    return response


def live(request):
    return JsonResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
