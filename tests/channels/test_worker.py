"""The outbound dispatcher in a real Celery worker: a mail hook's AI answer leaves by SMTP, and an SMTP
server that keeps failing is retried with back-off until the message is marked failed; then an agent's
retry sends it. The worker's SMTP settings point at an aiosmtpd server in this process.

The worker serves a queue of its own, and this module sends its tasks there: any other worker on the
suite's Redis (the e2e stack's, another run's, one a killed run left behind) mails with other settings,
and taking this test's tasks it made the test wait for a mail that never came."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

from conversations import services
from helpdesk import lifeline
from helpdesk.celery import app as celery_app
from conversations.models import Message
from tests import factories
from tests.channels.conftest import EMAIL_SECRET, SmtpHandler, email_signature, free_port
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
MAX_RETRIES = 2


@pytest.fixture(scope="module")
def smtp():
    handler = SmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def worker(smtp, django_db_setup, django_db_blocker, tmp_path_factory):
    from conversations.assistant.models import detector_models

    detector_models()  # trained and cached on disk once, so the worker's first turn is quick
    _, port = smtp
    queue = f"helpdesk-test-worker-{os.getpid()}-{port}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="helpdesk.settings_test", PYTHONUNBUFFERED="1",
               HELPDESK_DB_NAME=settings.DATABASES["default"]["NAME"], HELPDESK_CELERY_QUEUE=queue,
               HELPDESK_TEST_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
               EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port), DEFAULT_FROM_EMAIL="Support <support@northwind.test>",
               HELPDESK_DELIVERY_MAX_RETRIES=str(MAX_RETRIES), HELPDESK_DELIVERY_RETRY_SECONDS="0.5")
    log = tmp_path_factory.mktemp("worker") / "celery.log"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "celery"), "-A", "helpdesk", "worker", "-l", "info",
                             "-n", f"{queue}@%h", "--concurrency", "1", "--without-gossip", "--without-mingle",
                             "--without-heartbeat"],
                            cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            preexec_fn=lifeline.preexec())  # no stray worker if this run is killed
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue  # this module's enqueues reach this worker only
    try:
        wait_for(lambda: proc.poll() is not None or " ready." in log.read_text(errors="replace"), timeout=120)
        assert proc.poll() is None, f"the worker exited:\n{log.read_text()[-3000:]}"
        yield log
    finally:
        celery_app.conf.task_default_queue = default_queue
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for(predicate, timeout: float = 60, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out" + (f"; worker log:\n{log.read_text()[-3000:]}" if log else ""))


def delivery(message_id: int) -> dict:
    return Message.objects.get(pk=message_id).metadata.get("delivery", {})


def test_the_worker_mails_the_answer_retries_a_failing_server_then_shows_the_failure(
        worker, smtp, client, settings):
    handler, _ = smtp
    settings.HELPDESK_EMAIL_WEBHOOK_SECRET = EMAIL_SECRET
    workspace = factories.WorkspaceFactory()
    factories.PolicyFactory(workspace=workspace)
    agent = factories.AgentFactory(workspace=workspace).user

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "Zoe <zoe@example.org>", "support@northwind.test", "Hello"
    mail["Message-ID"] = inbound_id = make_msgid(domain="example.org")
    mail.set_content("Hello, do you ship to Portugal?")
    raw = mail.as_bytes()
    response = client.post(f"/api/v1/hooks/email/?workspace={workspace.slug}", data=raw,
                           content_type="message/rfc822", HTTP_X_HELPDESK_SIGNATURE=email_signature(raw))
    assert response.status_code == 201, response.content
    conversation_id = int(response.json()["conversation"])

    # The worker's turn answers; the dispatcher mails the answer, threaded under Zoe's mail.
    answered = wait_for(lambda: handler.received, log=worker)
    assert answered[0]["In-Reply-To"] == inbound_id and answered[0]["To"] == "zoe@example.org"
    ai = Message.objects.filter(conversation_id=conversation_id, sender_type__in=["ai", "system"]).first()
    wait_for(lambda: delivery(ai.pk).get("status") == "sent", log=worker)

    # The server starts failing: the agent's reply is tried 1 + MAX_RETRIES times, then marked failed.
    handler.fail_with = "451 4.3.0 Try again later"
    received_before = len(handler.received)
    conversation = Message.objects.get(pk=ai.pk).conversation
    reply = services.agent_reply(conversation=conversation, agent=agent, body="Yes, in 3 days.")
    wait_for(lambda: delivery(reply.pk).get("status") == "failed", timeout=60, log=worker)
    failed = delivery(reply.pk)
    assert failed["attempts"] == 1 + MAX_RETRIES and "451" in failed["error"]
    assert len(handler.received) == received_before

    # The server is back; the agent retries from the inbox.
    handler.fail_with = None
    response = client_for(agent).post(f"/api/v1/conversations/{conversation.pk}/messages/{reply.pk}/retry/")
    assert response.status_code == 200
    wait_for(lambda: delivery(reply.pk).get("status") == "sent", log=worker)
    assert "Yes, in 3 days." in handler.received[-1].get_body(("plain",)).get_content()
