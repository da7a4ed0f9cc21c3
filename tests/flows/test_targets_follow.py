"""A Handoff node follows its target: a renamed team is named by its new name, a deleted one leaves the workspace's
default target, and the workspace document stays importable either way."""
from __future__ import annotations

import pytest

from conversations.models import Handoff
from flows.document import validate_flows
from flows.models import Flow
from helpdesk.workspace_config import workspace_export, workspace_import
from routing.models import Specialty
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TO_TEMP = ("h", "handoff", {"target": {"kind": "team", "name": "Temp"}, "reason": "Temp question"})


def handoff_targets(graph: dict) -> list[dict]:
    return [n["config"]["target"] for n in graph["nodes"] if n["type"] == "handoff"]


def test_deleting_a_team_a_flow_hands_off_to_keeps_the_document_importable(workspace, make_flow):
    """Trial of 3 Dec: after deleting team "Temp", GET then PUT of the very same document was refused with
    unknown_target until someone edited the flow by hand."""
    admin = factories.UserFactory(username="root", is_staff=True)
    factories.AgentFactory(workspace=workspace, user=admin)
    temp = factories.TeamFactory(workspace=workspace, name="Temp")
    flow = make_flow([("m", "message", {"text": "One moment"}), TO_TEMP], name="Temp flow")
    draft_only = make_flow([TO_TEMP], name="Unpublished", published=False)

    temp.delete()

    flow.refresh_from_db()
    draft_only.refresh_from_db()
    assert handoff_targets(flow.published_version.graph) == [{"kind": "default"}]
    assert handoff_targets(flow.graph) == handoff_targets(draft_only.graph) == [{"kind": "default"}]
    client = client_for(admin)
    document = client.get("/api/v1/workspace/").json()
    response = client.put("/api/v1/workspace/", document, format="json")
    assert response.status_code == 200, response.content
    assert client.get("/api/v1/workspace/").json()["flows"] == document["flows"]


def test_a_renamed_team_is_named_by_its_new_name_and_still_gets_the_handoff(workspace, make_flow, conversation,
                                                                           deliver):
    temp = factories.TeamFactory(workspace=workspace, name="Temp")
    flow = make_flow([TO_TEMP], name="Temp flow", trigger={"kind": "keywords", "keywords": ["parcel"]})
    older = flow.published_version

    temp.name = "Logistics"
    temp.save()

    flow.refresh_from_db()
    assert handoff_targets(flow.published_version.graph) == [{"kind": "team", "name": "Logistics"}]
    assert handoff_targets(flow.graph) == [{"kind": "team", "name": "Logistics"}]
    assert flow.published_version_id == older.pk, "the same version, not a new publication"
    deliver(conversation, "where is my parcel")
    handoff = Handoff.objects.get(conversation=conversation)
    assert (handoff.target_kind, handoff.target_team) == ("team", temp)


def test_a_flow_handing_off_to_the_default_target_routes_like_the_policy(workspace, make_flow, conversation,
                                                                        deliver):
    general = Specialty.objects.create(workspace=workspace, name="general")
    policy = workspace.policy
    policy.target_kind, policy.target_specialty = "specialty", general
    policy.save()
    make_flow([("h", "handoff", {"target": {"kind": "default"}, "reason": "Anyone"})],
              trigger={"kind": "keywords", "keywords": ["parcel"]})

    deliver(conversation, "where is my parcel")

    handoff = Handoff.objects.get(conversation=conversation)
    assert (handoff.target_kind, handoff.target_specialty) == ("specialty", general)
    assert handoff.reason == "Anyone"


def test_the_default_target_is_valid_and_a_missing_or_unknown_kind_is_not():
    def flow(target) -> dict:
        config = {"reason": "x"} if target is None else {"target": target, "reason": "x"}
        return {"name": "F", "trigger": {"kind": "conversation_started"},
                "nodes": [{"id": "h", "type": "handoff", "config": config}], "edges": []}

    names = {"usernames": set(), "teams": set(), "specialties": set()}
    assert validate_flows([flow({"kind": "default"})], **names) == {}
    assert "Choose who to hand off to" in validate_flows([flow(None)], **names)["flows[0].nodes[0].config.target"]
    assert "got “robot”" in validate_flows([flow({"kind": "robot", "name": "x"})], **names)["flows[0].nodes[0].config"]


def test_deleting_an_agent_a_flow_names_hands_off_to_the_default_target(workspace, make_flow):
    ana = factories.AgentFactory(workspace=workspace, user__username="ana").user
    flow = make_flow([("h", "handoff", {"target": {"kind": "user", "name": "ana"}, "reason": "VIP"})])
    other = factories.WorkspaceFactory()
    elsewhere = Flow.objects.create(workspace=other, name="Other", graph={"nodes": [
        {"id": "h", "type": "handoff", "config": {"target": {"kind": "user", "name": "ana"}}}], "edges": []})

    ana.delete()

    flow.refresh_from_db()
    elsewhere.refresh_from_db()
    assert handoff_targets(flow.published_version.graph) == [{"kind": "default"}]
    assert handoff_targets(elsewhere.graph) == [{"kind": "user", "name": "ana"}], "another workspace's flows stay"
    doc = workspace_export(workspace=workspace)
    workspace_import(document=doc, workspace=workspace)
    assert workspace_export(workspace=workspace) == doc


def test_the_admins_are_you_sure_page_lists_what_moves_to_the_default_target(workspace, make_flow, no_tasks):
    """Deleting a team in /admin/ moved its flows, topics and waiting handoffs without a word on the confirmation
    page (trial of 3 Dec). It lists them now, escaped, and deleting still moves them."""
    from django.test import Client

    from conversations import services
    from routing.models import RestrictedTopic
    from tests.conftest import request_handoff

    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    temp = factories.TeamFactory(workspace=workspace, name="Temp")
    other = factories.TeamFactory(workspace=workspace, name="Other")
    make_flow([TO_TEMP], name="Returns <b>desk</b>")
    make_flow([("h", "handoff", {"target": {"kind": "team", "name": "Other"}, "reason": "x"})], name="Elsewhere")
    policy = workspace.policy
    policy.target_kind, policy.target_team = "team", temp
    policy.save()
    RestrictedTopic.objects.create(policy=policy, name="Refunds", keywords=["refund"], target_kind="team",
                                   target_team=temp)
    for _ in range(2):
        request_handoff(factories.ConversationFactory(workspace=workspace), target=services.Target(kind="team", team=temp))
    client = Client()
    client.force_login(admin)

    page = client.get(f"/admin/routing/team/{temp.pk}/delete/").content.decode()
    listed = page.split('id="moving-to-default"', 1)[1].split("</ul>", 1)[0]
    assert "Returns &lt;b&gt;desk&lt;/b&gt;" in listed and "Elsewhere" not in listed
    assert "The restricted topic “Refunds”" in listed and "handoff policy" in listed
    assert "default target\n      (no target: any available agent)" in page, "the policy's target is the one deleted"
    assert "2 handoffs still waiting" in listed
    other_page = client.get(f"/admin/routing/team/{other.pk}/delete/").content.decode()
    assert "Elsewhere" in other_page and "Refunds" not in other_page and "still waiting" not in other_page
    assert "(team Temp)" in other_page, "the default target it moves to is named"

    assert client.post(f"/admin/routing/team/{temp.pk}/delete/", {"post": "yes"}).status_code == 302
    flow = Flow.objects.get(name="Returns <b>desk</b>")
    assert handoff_targets(flow.graph) == [{"kind": "default"}]


def test_the_bulk_delete_lists_what_moves_for_each_selected_target(workspace, make_flow, no_tasks):
    """"Delete selected teams" in /admin/ asked "Are you sure?" without a word on the flows, topics and waiting handoffs
    that move to the default target; the default named must not be one of the teams being deleted."""
    from django.test import Client

    from routing.models import RestrictedTopic, Team

    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    temp = factories.TeamFactory(workspace=workspace, name="Temp")
    other = factories.TeamFactory(workspace=workspace, name="Other <i>team</i>")
    kept = factories.TeamFactory(workspace=workspace, name="Kept")
    make_flow([TO_TEMP], name="Returns <b>desk</b>")
    policy = workspace.policy
    policy.target_kind, policy.target_team = "team", other
    policy.save()
    RestrictedTopic.objects.create(policy=policy, name="Refunds", keywords=["refund"], target_kind="team",
                                   target_team=temp)
    client = Client()
    client.force_login(admin)
    selected = {"action": "delete_selected", "_selected_action": [temp.pk, other.pk]}

    page = client.post("/admin/routing/team/", selected).content.decode()
    listed = page.split('id="moving-to-default"', 1)[1].split("</div>", 1)[0]
    assert "Returns &lt;b&gt;desk&lt;/b&gt;" in listed and "The restricted topic “Refunds”" in listed
    assert "“Other &lt;i&gt;team&lt;/i&gt;”" in listed and "handoff policy" in listed
    assert "team Other" not in listed and listed.count("(no target: any available agent)") == 2, \
        "the policy's target is deleted too: nothing is left as the default"
    assert "Kept" not in listed
    assert "Yes, I’m sure" in page

    assert client.post("/admin/routing/team/", {**selected, "post": "yes"}).status_code == 302
    assert list(Team.objects.filter(workspace=workspace).values_list("name", flat=True)) == ["Kept"]
    assert RestrictedTopic.objects.get(name="Refunds").target_kind == ""
    assert handoff_targets(Flow.objects.get(name="Returns <b>desk</b>").graph) == [{"kind": "default"}]
