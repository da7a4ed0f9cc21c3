"""The builder's API, the test panel, the agents' flow log, the builder page and the demo webhook."""
from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from conversations.models import Contact, Conversation, Message
from flows.models import Flow, FlowRun, FlowStepLog, FlowVersion
from flows.tasks import sign
from flows.views import DEMO_WEBHOOK_SECRET
from tests import factories
from tests.conftest import client_for
from tests.flows.conftest import graph_document

ASK = ("ask", "collect_input", {"variable": "email", "question": "Your email?", "kind": "email"})
CALM = ("calm", "message", {"text": "Thanks, Billing will reply here."})
HANDOFF = ("handoff", "handoff", {"target": {"kind": "team", "name": "Billing"}, "reason": "Billing question"})
TRIGGER = {"kind": "keywords", "keywords": ["billing"]}


@pytest.fixture
def admin(admin_agent, billing_team):
    return client_for(admin_agent)


def body(nodes, edges=None, **extra) -> dict:
    return {"name": "Billing", "trigger": TRIGGER, **graph_document(nodes, edges), **extra}


def create(admin, nodes, edges=None, **extra) -> dict:
    response = admin.post("/api/v1/flows/", body(nodes, edges, **extra), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# --- permissions ---------------------------------------------------------------------------------


def test_only_workspace_admins_use_the_builder_api(agent, workspace):
    assert APIClient().get("/api/v1/flows/").status_code == 401
    response = client_for(agent).get("/api/v1/flows/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert client_for(agent).post("/api/v1/flows/test-run/", {}, format="json").status_code == 403


def test_another_workspaces_flow_is_not_found(admin):
    other = factories.WorkspaceFactory()
    flow = Flow.objects.create(workspace=other, name="Theirs")

    assert admin.get(f"/api/v1/flows/{flow.pk}/").status_code == 404
    assert admin.post(f"/api/v1/flows/{flow.pk}/publish/").status_code == 404
    assert admin.get("/api/v1/flows/nope/").json()["error"]["code"] == "not_found"


# --- drafts and publishing ---------------------------------------------------------------------------


def test_create_save_publish_and_list(admin):
    created = create(admin, [ASK, CALM, HANDOFF], layout={"ask": [10, 20]})
    assert created["issues"] == [] and created["published"] is False and created["version"] is None
    assert created["layout"] == {"ask": [10.0, 20.0]}

    published = admin.post(f"/api/v1/flows/{created['id']}/publish/")
    assert published.status_code == 200
    assert published.json()["version"]["number"] == 1 and published.json()["draft_differs"] is False

    saved = admin.put(f"/api/v1/flows/{created['id']}/", {"priority": 7, "enabled": False}, format="json")
    assert saved.status_code == 200 and saved.json()["priority"] == 7 and saved.json()["enabled"] is False

    listed = admin.get("/api/v1/flows/").json()["results"]
    assert [(f["name"], f["published_version"], f["priority"]) for f in listed] == [("Billing", 1, 7)]


def test_a_draft_with_errors_is_saved_with_its_issues_but_not_published(admin):
    created = create(admin, [ASK, CALM, HANDOFF])
    broken = graph_document([ASK, HANDOFF, CALM])

    saved = admin.put(f"/api/v1/flows/{created['id']}/", {**broken}, format="json")

    assert saved.status_code == 200
    issues = saved.json()["issues"]
    assert {"node_id": "calm", "code": "message_after_handoff", "severity": "error"}.items() <= issues[0].items()
    refused = admin.post(f"/api/v1/flows/{created['id']}/publish/")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "flow_invalid" and "before publishing" in error["message"]
    assert [i["node_id"] for i in error["fields"]["issues"]] == ["calm"]
    assert not FlowVersion.objects.exists()


def test_validate_an_unsaved_graph(admin):
    created = create(admin, [ASK, CALM, HANDOFF])
    graph = graph_document([ASK, ("h", "handoff", {"target": {"kind": "team", "name": "Nobody"}})])

    response = admin.post(f"/api/v1/flows/{created['id']}/validate/",
                          {**graph, "trigger": {"kind": "keywords", "keywords": []}}, format="json")

    issues = response.json()["issues"]
    assert {(i["node_id"], i["code"]) for i in issues} == {(None, "invalid_trigger"), ("h", "unknown_target")}
    assert Flow.objects.get().graph["nodes"][1]["id"] == "calm"  # validating saves nothing


def test_bad_shapes_are_400_and_duplicate_names_409(admin):
    create(admin, [ASK])

    taken = admin.post("/api/v1/flows/", body([ASK]), format="json")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "flow_name_taken"
    shape = admin.post("/api/v1/flows/", {"name": "X", "nodes": ["not an object"]}, format="json")
    assert shape.status_code == 400


def test_delete_removes_the_flow(admin):
    created = create(admin, [ASK])

    assert admin.delete(f"/api/v1/flows/{created['id']}/").status_code == 204
    assert not Flow.objects.exists()


# --- the test panel ---------------------------------------------------------------------------------


def panel(admin, **data):
    response = admin.post("/api/v1/flows/test-run/", data, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_test_panel_runs_the_draft_without_touching_real_data(admin, workspace):
    graph = graph_document([ASK, ("tag", "action", {"add_tags": ["billing"], "set_attributes": {"seen": True}}),
                            CALM, HANDOFF])
    counts = (Conversation.objects.count(), Contact.objects.count(), Message.objects.count(),
              FlowRun.objects.count(), FlowStepLog.objects.count())

    first = panel(admin, **graph, name="Billing", message="billing please")
    assert first["status"] == "waiting_input" and first["path"] == ["ask"]
    assert first["transcript"] == [{"sender": "visitor", "text": "billing please"},
                                   {"sender": "bot", "text": "Your email?", "quick_replies": []}]
    second = panel(admin, **graph, name="Billing", state=first["state"], message="ana@example.org",
                      contact=first["contact"], tags=first["tags"])

    assert second["path"] == ["ask", "tag", "calm", "handoff"]
    assert [s["title"] for s in second["steps"]] == ["Collect Input", "Action", "Message", "Human Handoff"]
    assert second["variables"] == {"email": "ana@example.org"}
    assert second["status"] == "finished" and second["end_reason"] == "handed_off"
    assert second["handoff"] == {"kind": "team", "name": "Billing", "reason": "Billing question", "exists": True,
                                 "text": "Would hand off to team Billing: Billing question"}
    assert second["transcript"][-1] == {"sender": "system", "text": "Would hand off to team Billing: Billing question"}
    assert second["tags"] == ["billing"] and second["contact"]["attributes"] == {"seen": True}
    assert "flow Billing: handed off to team Billing" in second["log"]
    assert counts == (Conversation.objects.count(), Contact.objects.count(), Message.objects.count(),
                      FlowRun.objects.count(), FlowStepLog.objects.count())


def test_the_test_panel_simulates_webhooks_and_warns_about_unknown_targets(admin):
    nodes = [("hook", "webhook", {"url": "https://example.org/orders", "map": {"status": "order.status"}}),
             ("ok", "message", {"text": "Status {{status}}"}),
             ("h", "handoff", {"target": {"kind": "specialty", "name": "ghosts"}, "reason": "Lookup failed"})]
    graph = graph_document(nodes, [("hook", "ok", "next"), ("hook", "h", "error")])

    ok = panel(admin, **graph, webhook={"ok": True, "response": {"order": {"status": "shipped"}}})
    failed = panel(admin, **graph, webhook={"ok": False})

    assert ok["transcript"][-1]["text"] == "Status shipped" and ok["variables"] == {"status": "shipped"}
    assert "not called in a test" in ok["transcript"][0]["text"]
    assert failed["path"] == ["hook", "h"] and failed["handoff"]["exists"] is False
    assert "no specialty named “ghosts”" in failed["handoff"]["text"]


def test_the_test_panel_resolve_and_ended_flow(admin):
    graph = graph_document([("done", "resolve", {"resolution": "resolved", "csat": True, "csat_delay_seconds": 30})])

    done = panel(admin, **graph)
    after = panel(admin, **graph, state=done["state"], message="thanks!")

    assert done["resolve"]["text"] == "Would resolve the conversation as resolved, with a CSAT survey after 30 s"
    assert after["path"] == [] and after["transcript"][-1]["text"].startswith("The flow has ended")


def test_the_test_panel_refuses_a_broken_document(admin):
    response = admin.post("/api/v1/flows/test-run/", {"nodes": [{"id": "a", "config": "x"}]}, format="json")

    assert response.status_code == 400


# --- agents' flow log, builder page, demo webhook ------------------------------------------------------


def test_agents_read_the_flow_log_of_their_conversations(agent, workspace, make_flow, deliver, billing_team):
    conversation = factories.ConversationFactory(workspace=workspace)
    make_flow([ASK, CALM, HANDOFF])
    deliver(conversation, "billing")

    response = client_for(agent).get(f"/api/v1/conversations/{conversation.pk}/flow-log/")

    assert response.status_code == 200
    assert [e["text"] for e in response.json()["results"]] == [
        "flow Billing: started (v1) because the message mentions “billing”", "flow Billing: asked for email"]
    other = factories.ConversationFactory()
    assert client_for(agent).get(f"/api/v1/conversations/{other.pk}/flow-log/").status_code == 404


def test_the_builder_page_is_for_staff(client, admin_agent, agent):
    assert client.get("/flows/").status_code == 302  # to the login page
    client.force_login(agent)
    refused = client.get("/flows/")
    assert refused.status_code == 403
    # the site's page, as for analytics, not a bare line of text (trial of 3 Dec)
    assert b"open this page</h1>" in refused.content and b"for workspace admins" in refused.content
    client.force_login(admin_agent)
    page = client.get("/flows/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="palette-collect_input"' in html and "vendor/drawflow/drawflow.min.js" in html
    assert 'id="builder-config"' in html


def test_the_demo_order_endpoint_checks_the_signature(client):
    payload = json.dumps({"variables": {"order_number": "nw-10001"}}).encode()

    def post(data: bytes, signature: str):
        return client.post("/flows/demo/order-status/", data=data, content_type="application/json",
                           HTTP_X_HELPDESK_SIGNATURE=signature)

    assert post(payload, "sha256=forged").status_code == 401
    found = post(payload, sign(DEMO_WEBHOOK_SECRET, payload)).json()
    assert found["found"] is True and found["order"]["status"] == "shipped"
    missing = json.dumps({"variables": {"order_number": "NW-99999"}}).encode()
    assert post(missing, sign(DEMO_WEBHOOK_SECRET, missing)).json() == {"found": False, "order": None}
