"""Liveness apart from readiness: ready only when a visitor would get a real answer."""
from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from conversations import knowledge
from helpdesk import heartbeat
from tests import factories


def test_live_answers_without_asking_anything_else(db):
    heartbeat.stop()
    response = APIClient().get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_not_ready_without_a_live_worker(db, caplog):
    heartbeat.stop()
    for url in ("/healthz", "/healthz/ready"):
        response = APIClient().get(url)
        assert response.status_code == 503
        body = response.json()
        assert body["worker"] == "not_ready"
        assert body["database"] == body["channel_layer"] == body["broker"] == "ok"
        assert response["Retry-After"]
    # a state, not a server error: no ERROR line from Django's request log while a worker starts
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    assert "Not ready: worker not_ready" in caplog.text


def test_a_redis_that_does_not_answer_is_reported_down_at_once(db, worker_heartbeat, monkeypatch):
    """Trial 55: with Redis stopped (SIGSTOP), /healthz answered only when Redis came back, 12 s later."""
    import threading

    from helpdesk import health

    released, answered = threading.Event(), []

    def redis_stopped() -> None:
        released.wait(60)
        answered.append(True)

    monkeypatch.setitem(health.CHECKS, "channel_layer", redis_stopped)
    monkeypatch.setattr(health, "CHECK_SECONDS", 0.3)
    try:
        response = APIClient().get("/healthz")
        assert answered == [], "the probe answered while Redis still had not"
    finally:
        released.set()
    assert response.status_code == 503 and response.json()["channel_layer"] == "down"


def test_not_ready_until_every_workspace_has_a_current_index(workspace, worker_heartbeat, no_tasks):
    client = APIClient()
    assert client.get("/healthz/ready").json()["assistant"] == "not_ready"
    assert not knowledge.knowledge_index_ready(workspace)

    knowledge.knowledge_reindex(workspace=workspace)
    response = client.get("/healthz/ready")
    assert response.status_code == 200, response.json()
    assert knowledge.knowledge_index_ready(workspace)

    factories.ArticleFactory(workspace=workspace)  # a new article: the index is stale
    assert client.get("/healthz/ready").json()["assistant"] == "not_ready"


def test_build_knowledge_index_command_indexes_what_is_missing(workspace, no_tasks):
    from django.core.management import call_command

    factories.ArticleFactory(workspace=workspace)
    call_command("build_knowledge_index")
    assert knowledge.knowledge_index_ready(workspace)
    assert workspace.knowledge_index.article_count == 1


@pytest.mark.django_db(transaction=True)
def test_api_answers_json_503_with_retry_after_while_the_database_is_down(worker_heartbeat):
    agent = factories.AgentFactory().user
    from tests.conftest import client_for

    client = client_for(agent)
    connection.close()
    real = {key: connection.settings_dict[key] for key in ("HOST", "PORT", "OPTIONS")}
    options = real["OPTIONS"]
    if "pool" in options:  # a pool that gives up waiting for a connection after 1 s instead of 10
        options = {**options, "pool": {**options["pool"], "timeout": 1}}
    connection.settings_dict.update(HOST="127.0.0.1", PORT="9", OPTIONS=options)  # nothing listens: refused
    connection.close_pool()  # the pool's connections go to the real server: the next pool uses the dead address
    try:
        response = client.get("/api/v1/conversations/")
        health = APIClient().get("/healthz/ready")
    finally:
        connection.close()
        connection.close_pool()
        connection.settings_dict.update(real)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "unavailable"
    assert health.status_code == 503
    assert health.json()["database"] == "down"
    assert APIClient().get("/healthz/live").status_code == 200


def test_not_ready_while_the_assistant_is_untrained(db, worker_heartbeat, monkeypatch, tmp_path):
    monkeypatch.setenv("HELPDESK_ASSISTANT_DIR", str(tmp_path))  # no trained models there
    body = APIClient().get("/healthz/ready").json()
    assert body["assistant"] == "not_ready"
    monkeypatch.delenv("HELPDESK_ASSISTANT_DIR")
    assert APIClient().get("/healthz/ready").json()["assistant"] == "ok"
