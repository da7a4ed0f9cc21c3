"""Send to Webhook: the POST runs here, out of the visitor's turn, then the run resumes.

The body is the run's payload (flow, node, variables, contact, message, conversation) as
JSON, signed `X-Helpdesk-Signature: sha256=<hex HMAC-SHA256 of the body>` with the node's
secret. A timeout, a connection error, a 5xx or a 429 is retried `retries` times with
exponential backoff (Celery countdown); a 4xx, a body that is not JSON, or the last failed
try is a failure: the run takes the node's error edge. Delivery is at least once (a worker
killed mid-request retries it), so each call carries `X-Helpdesk-Delivery: <run>-<step>`
for the receiver to deduplicate.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

import httpx
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from flows.engine import EffectResult
from flows.graph import FlowGraph
from flows.models import FlowRun
from flows.nodes import Json, WebhookConfig, parse_node
from flows.services import runs

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300
STUCK_AFTER = timedelta(hours=1)  # longer than the longest retry schedule (10 retries x 300 s)


def sign(secret: str, body: bytes) -> str:
    """The X-Helpdesk-Signature value of `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff_seconds(retries_done: int) -> float:
    """Wait before try number `retries_done + 2`: base, 2 x base, 4 x base ... (capped)."""
    base = float(getattr(settings, "FLOWS_WEBHOOK_BACKOFF_SECONDS", 2.0))
    return min(base * (2 ** retries_done), MAX_BACKOFF_SECONDS)


@dataclass(frozen=True)
class Attempt:
    ok: bool
    json: Json = None
    error: str = ""
    retryable: bool = False


def post_webhook(*, url: str, secret: str, timeout_seconds: float, body: bytes, delivery: str) -> Attempt:
    """One POST. Never raises: the outcome says whether trying again could help."""
    headers = {"Content-Type": "application/json", "User-Agent": "Helpdesk-Flows/1",
               "X-Helpdesk-Delivery": delivery}
    if secret:
        headers["X-Helpdesk-Signature"] = sign(secret, body)
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_seconds, follow_redirects=False)
    except httpx.TimeoutException:
        return Attempt(ok=False, error=f"timed out after {timeout_seconds:g} s", retryable=True)
    except httpx.HTTPError as exc:
        return Attempt(ok=False, error=f"could not connect ({type(exc).__name__})", retryable=True)
    if response.status_code >= 500 or response.status_code == 429:
        return Attempt(ok=False, error=f"HTTP {response.status_code}", retryable=True)
    if response.status_code >= 300:
        return Attempt(ok=False, error=f"HTTP {response.status_code}")
    if not response.content.strip():
        return Attempt(ok=True, json={})
    try:
        return Attempt(ok=True, json=response.json())
    except ValueError:
        return Attempt(ok=False, error="the response was not JSON")


def _webhook_config(run: FlowRun) -> WebhookConfig | None:
    node = FlowGraph.from_document(run.version.graph).node(run.pending_effect.get("node") or "")
    config = parse_node(node).config if node else None
    return config if isinstance(config, WebhookConfig) else None


class WebhookRetry(Exception):
    """A webhook try failed in a way worth retrying."""


@shared_task(bind=True, acks_late=True, soft_time_limit=120, max_retries=None)
def call_webhook_task(self, run_id: int, step: int) -> str:
    """POST the run's pending webhook, retrying with backoff, then resume the run with the outcome."""
    run = FlowRun.objects.select_related("version").filter(pk=run_id, active=True).first()
    if run is None or run.pending_effect.get("step") != step:
        return "stale"  # the run ended or moved on: a redelivery, or a result already applied
    config = _webhook_config(run)
    if config is None:
        outcome = Attempt(ok=False, error="the webhook node is gone")
    else:
        body = json.dumps(run.pending_effect.get("payload") or {}, ensure_ascii=False, sort_keys=True,
                          default=str).encode()
        outcome = post_webhook(url=config.url, secret=config.secret, timeout_seconds=config.timeout_seconds,
                               body=body, delivery=f"{run_id}-{step}")
        if not outcome.ok and outcome.retryable and self.request.retries < config.retries:
            logger.info("Webhook of run %s failed (%s); retry %s of %s", run_id, outcome.error,
                        self.request.retries + 1, config.retries)
            raise self.retry(exc=WebhookRetry(outcome.error), countdown=backoff_seconds(self.request.retries),
                             max_retries=config.retries)
        if not outcome.ok and outcome.retryable and config.retries:
            outcome = Attempt(ok=False, error=f"{outcome.error}, after {config.retries + 1} tries")
    result = EffectResult(ok=outcome.ok, json=outcome.json, error=outcome.error, step=step)
    applied = runs.flow_resume_effect(run_id=run_id, result=result)
    return ("ok" if outcome.ok else "failed") if applied else "stale"


@shared_task(acks_late=True, soft_time_limit=120)
def resend_stuck_webhooks_task() -> int:
    """Runs waiting on a webhook whose task was lost (broker down at enqueue time) get it again.

    A periodic sweep; a call that is merely slow is not stuck for an hour, and a duplicate
    delivery is harmless: the result for a step is applied once.
    """
    cutoff = timezone.now() - STUCK_AFTER
    stuck = (FlowRun.objects.filter(active=True, state__status="waiting_effect", updated_at__lt=cutoff)
             .exclude(pending_effect={}).values_list("pk", "pending_effect")[:200])
    sent = 0
    for run_id, pending in stuck:
        if isinstance(pending.get("step"), int):
            call_webhook_task.delay(run_id, pending["step"])
            sent += 1
    return sent
