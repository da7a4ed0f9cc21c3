"""The workspace configuration document: round trip, validation by path, all-or-nothing import."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conversations.models import KnowledgeArticle
from helpdesk.workspace_config import WorkspaceDocumentError, workspace_export, workspace_import
from routing.models import AgentProfile, HandoffPolicy, Team
from tests.conftest import client_for

DEMO = json.loads((Path(__file__).resolve().parents[1] / "helpdesk" / "demo_workspace.json").read_text())


@pytest.fixture
def demo_doc():
    return copy.deepcopy(DEMO)


def test_import_then_export_round_trips(workspace, demo_doc, no_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workspace_import(document=demo_doc, workspace=workspace)
    exported = workspace_export(workspace=workspace)
    assert exported["policy"]["level"] == "balanced"
    assert exported["policy"]["default_target"] == {"kind": "specialty", "name": "general"}
    assert [t["target"] for t in exported["policy"]["restricted_topics"]][:2] == [
        {"kind": "team", "name": "Billing"}, {"kind": "specialty", "name": "refunds"}]
    assert {a["username"] for a in exported["agents"]} == {"admin", "agent1", "agent2", "agent3"}
    assert len(exported["knowledge_base"]) == len(demo_doc["knowledge_base"])
    # A second import of the export changes nothing.
    workspace_import(document=exported, workspace=workspace)
    assert workspace_export(workspace=workspace) == exported
    assert ("reindex_knowledge_task", (workspace.pk,)) in no_tasks, "articles are reindexed in a worker"
    workspace_import(document=demo_doc, workspace=workspace)
    workspace.refresh_from_db()
    assert workspace_export(workspace=workspace)["workspace"]["greeting_translations"]["es"].startswith("¡Hola!")


def test_passwords_only_when_given_and_absent_agents_are_deactivated(workspace, demo_doc, no_tasks):
    workspace_import(document=demo_doc, workspace=workspace)
    profile = AgentProfile.objects.get(user__username="agent1")
    assert profile.user.check_password("agent1")
    demo_doc["agents"] = [a for a in demo_doc["agents"] if a["username"] != "agent3"]
    for a in demo_doc["agents"]:
        a.pop("password", None)
    demo_doc["policy"]["restricted_topics"] = []
    workspace_import(document=demo_doc, workspace=workspace)
    profile.user.refresh_from_db()
    assert profile.user.check_password("agent1"), "no password in the document keeps the old one"
    assert not AgentProfile.objects.get(user__username="agent3").user.is_active


@pytest.mark.parametrize("mutate, path", [
    (lambda d: d["policy"]["restricted_topics"][2].update(target={"kind": "team", "name": "Nope"}),
     "policy.restricted_topics[2].target"),
    (lambda d: d["policy"].update(level="sometimes"), "policy.level"),
    (lambda d: d["agents"][1]["teams"].append("Ghosts"), "agents[1].teams[1]"),
    (lambda d: d["teams"][0]["office_hours"]["weekly"].update(mon=[["18:00", "09:00"]]), "teams[0].office_hours.weekly"),
    (lambda d: d["policy"].update(default_target={"kind": "specialty", "name": "unused"}) or d["specialties"].append(
        {"name": "unused"}), "policy.default_target"),
    (lambda d: d["policy"]["gather"].append({"name": "code", "kind": "regex", "regex": "[A-Z]{3}", "required": True}),
     "policy.gather[2].question"),
    (lambda d: d["knowledge_base"].append(dict(d["knowledge_base"][0])),
     f"knowledge_base[{len(DEMO['knowledge_base'])}].title"),
    (lambda d: d["policy"].update(ai_idle_resolve_seconds=5), "policy.ai_idle_resolve_seconds"),
    (lambda d: d["workspace"]["greeting_translations"].update(it="Ciao!"), "workspace.greeting_translations"),
    (lambda d: d["policy"].update(reassign_after_minutes=-1), "policy.reassign_after_minutes"),
    # JSON types: "60" for 60 and "yes" for true were taken without a word (trial of 3 Dec)
    (lambda d: d["policy"].update(ai_idle_resolve_seconds="60"), "policy.ai_idle_resolve_seconds"),
    (lambda d: d["policy"].update(auto_priority="yes"), "policy.auto_priority"),
    (lambda d: d["policy"].update(kb_threshold="0.3"), "policy.kb_threshold"),
    (lambda d: d["agents"][0].update(capacity=True), "agents[0].capacity"),
    # a section left out would have removed all its objects; a misspelt key changed nothing and said 200
    (lambda d: d.pop("knowledge_base"), "knowledge_base"),
    (lambda d: d.pop("policy"), "policy"),
    (lambda d: d["policy"].update(handoff_levle="quick"), "policy.handoff_levle"),
    (lambda d: d["agents"][0].update(nmae="Ana"), "agents[0].nmae"),
    (lambda d: d["policy"]["restricted_topics"].append(dict(d["policy"]["restricted_topics"][0])),
     f"policy.restricted_topics[{len(DEMO['policy']['restricted_topics'])}].name"),
    # 2,000,000 characters were taken, and would go into every LLM request (trial of 3 Dec)
    (lambda d: d["policy"].update(when_to_use="x" * 2001), "policy.when_to_use"),
])
def test_an_invalid_document_changes_nothing_and_names_the_path(workspace, demo_doc, no_tasks, mutate, path):
    workspace_import(document=DEMO, workspace=workspace)
    before = workspace_export(workspace=workspace)
    mutate(demo_doc)
    demo_doc["workspace"]["name"] = "Changed"
    with pytest.raises(WorkspaceDocumentError) as error:
        workspace_import(document=demo_doc, workspace=workspace)
    assert path in error.value.errors, error.value.errors
    assert workspace_export(workspace=workspace) == before


def test_an_invalid_document_names_its_wrong_references_in_the_same_answer(workspace, demo_doc, no_tasks):
    """Trial 55: an invalid CSAT delay was named first, and a topic's unknown team only after the delay was fixed."""
    demo_doc["policy"].setdefault("csat", {})["delay_seconds"] = -5
    demo_doc["policy"]["restricted_topics"][2].update(target={"kind": "team", "name": "Nope"})
    demo_doc["agents"][1]["teams"].append("Ghosts")
    with pytest.raises(WorkspaceDocumentError) as error:
        workspace_import(document=demo_doc, workspace=workspace)
    assert {"policy.csat.delay_seconds", "policy.restricted_topics[2].target", "agents[1].teams[1]"} <= set(
        error.value.errors), error.value.errors


def test_a_removed_agents_open_conversations_go_back_to_the_queue(workspace, demo_doc, no_tasks):
    """They stayed assigned to someone who could no longer log in, and nobody was prompted (trial of 1 Dec)."""
    from conversations import services
    from conversations.models import Handoff
    from tests import factories

    workspace_import(document=demo_doc, workspace=workspace)
    leaving = AgentProfile.objects.get(user__username="agent3").user
    staying = AgentProfile.objects.get(user__username="agent1").user
    taken = factories.ConversationFactory(workspace=workspace)
    services.conversation_assign(conversation=taken, by=leaving, user=leaving)  # acknowledged: theirs
    other = factories.ConversationFactory(workspace=workspace)
    services.conversation_assign(conversation=other, by=leaving, user=staying)  # someone else's: untouched
    demo_doc["agents"] = [a for a in demo_doc["agents"] if a["username"] != "agent3"]
    workspace_import(document=demo_doc, workspace=workspace)

    taken.refresh_from_db()
    assert taken.assignee_id != leaving.pk and taken.needs_agent and taken.status == "pending_human"
    handoff = Handoff.objects.filter(conversation=taken).order_by("-id").first()
    assert handoff.status == "pending" and "no longer on the team" in handoff.reason
    assert Handoff.objects.filter(conversation=taken, cancel_reason="agent_removed").exists()
    assert taken.messages.filter(sender_type="system").exists(), "the visitor is told"
    other.refresh_from_db()
    assert other.assignee_id == staying.pk


def test_workspace_api_for_admins_only(workspace, agent, admin_agent, demo_doc, no_tasks):
    demo_doc["agents"].append({"username": "boss", "name": "The Boss", "admin": True})
    admin = client_for(admin_agent)
    assert client_for(agent).get("/api/v1/workspace/").status_code == 403
    put = admin.put("/api/v1/workspace/", demo_doc, format="json")
    assert put.status_code == 200, put.json()
    assert Team.objects.filter(workspace=workspace).count() == 2
    assert HandoffPolicy.objects.get(workspace=workspace).target_kind == "specialty"

    demo_doc["policy"]["restricted_topics"][0]["target"] = {"kind": "user", "name": "nobody"}
    bad = admin.put("/api/v1/workspace/", demo_doc, format="json")
    assert bad.status_code == 400
    assert "policy.restricted_topics[0].target" in bad.json()["error"]["fields"]
    assert admin.get("/api/v1/workspace/").json()["policy"]["restricted_topics"][0]["target"] == {
        "kind": "team", "name": "Billing"}

    without_me = copy.deepcopy(demo_doc)
    without_me["agents"] = [a for a in without_me["agents"] if a["username"] != "boss"]
    assert admin.put("/api/v1/workspace/", without_me, format="json").status_code == 400


def test_ai_idle_resolve_and_reassign_times_round_trip_and_null_turns_idle_resolve_off(workspace, demo_doc, no_tasks):
    workspace_import(document=demo_doc, workspace=workspace)
    policy = workspace_export(workspace=workspace)["policy"]
    assert (policy["ai_idle_resolve_seconds"], policy["reassign_after_minutes"]) == (1800, 10), "the defaults"

    demo_doc["policy"].update(ai_idle_resolve_seconds=None, reassign_after_minutes=3)
    workspace_import(document=demo_doc, workspace=workspace)
    policy = workspace_export(workspace=workspace)["policy"]
    assert (policy["ai_idle_resolve_seconds"], policy["reassign_after_minutes"]) == (None, 3)
    stored = HandoffPolicy.objects.get(workspace=workspace)
    assert (stored.ai_idle_resolve_seconds, stored.reassign_after_minutes) == (None, 3)


def test_export_and_import_commands(workspace, demo_doc, tmp_path, no_tasks):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(demo_doc))
    call_command("import_workspace", str(source), "--workspace", workspace.slug)
    out = tmp_path / "out.json"
    call_command("export_workspace", str(out), "--workspace", workspace.slug)
    assert json.loads(out.read_text())["policy"]["fallback_phone"] == "+34 910 000 000"

    demo_doc["policy"]["csat"]["delay_seconds"] = -5
    source.write_text(json.dumps(demo_doc))
    with pytest.raises(CommandError, match=r"policy\.csat\.delay_seconds"):
        call_command("import_workspace", str(source), "--workspace", workspace.slug)
    assert KnowledgeArticle.objects.filter(workspace=workspace).count() == len(DEMO["knowledge_base"])


def test_a_wrongly_typed_value_is_named_for_what_it_should_be(workspace, demo_doc, no_tasks):
    demo_doc["policy"].update(reassign_after_minutes=10.5, auto_priority="yes")
    demo_doc["policy"]["csat"]["delay_seconds"] = True
    with pytest.raises(WorkspaceDocumentError) as error:
        workspace_import(document=demo_doc, workspace=workspace)
    assert error.value.errors["policy.reassign_after_minutes"] == "A whole number is required."
    assert error.value.errors["policy.csat.delay_seconds"] == "A whole number is required."
    assert error.value.errors["policy.auto_priority"] == "true or false is required."



def test_a_new_greeting_without_translations_drops_the_old_greetings_translations(workspace, demo_doc, no_tasks):
    """Trial 53: a workspace whose greeting became a bike shop's, sent without translations, still greeted Spanish
    browsers with the old shop's "¡Hola! Soy el asistente virtual de Northwind…". The same greeting keeps them."""
    workspace_import(document=demo_doc, workspace=workspace)
    demo_doc["workspace"].pop("greeting_translations")
    workspace_import(document=demo_doc, workspace=workspace)
    workspace.refresh_from_db()
    assert workspace.greeting_translations["es"].startswith("¡Hola!"), "the same greeting keeps its translations"
    demo_doc["workspace"]["greeting"] = "Hi! I'm Pedal Point's assistant."
    workspace_import(document=demo_doc, workspace=workspace)
    workspace.refresh_from_db()
    assert workspace.greeting_translations == {}
