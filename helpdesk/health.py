"""GET /healthz: is every part the app needs reachable?"""
from __future__ import annotations

import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse

from helpdesk.celery import app as celery_app

logger = logging.getLogger(__name__)


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


def healthz(request):
    checks = {"database": _database, "channel_layer": _channel_layer, "broker": _broker}
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # report, never raise: this page exists to say what is down
            logger.warning("Health check %s failed: %s", name, exc)
            results[name] = "down"
    ok = all(v == "ok" for v in results.values())
    return JsonResponse(results, status=200 if ok else 503)
