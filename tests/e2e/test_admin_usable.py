"""The handoff policy in Django admin, as an admin uses it at 1366x800: keywords typed as words, one
target picker, a gather-fields table that fits the screen."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from routing.models import AgentProfile, HandoffPolicy, RestrictedTopic, Team
from tests.e2e.conftest import login, seed_demo_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make_admin() -> None:
    """The demo's admin, able to sign in to the admin pages as admin / admin."""
    admin = get_user_model().objects.get(username="admin")
    admin.is_staff = admin.is_superuser = True
    admin.set_password("admin")
    admin.save()


def test_an_admin_sets_up_a_restricted_topic_without_json(live_stack, new_context):
    base = live_stack["url"]
    workspace = seed_demo_workspace()
    make_admin()
    policy = HandoffPolicy.objects.get(workspace=workspace)
    team = Team.objects.filter(workspace=workspace).first()

    page = new_context(viewport={"width": 1366, "height": 800}).new_page()
    login(page, base, "admin", "admin")
    page.goto(f"{base}/admin/routing/handoffpolicy/{policy.pk}/change/")

    assert policy.kb_not_covered, "the demo lists questions its knowledge base does not answer"
    not_covered = page.locator("textarea[name=kb_not_covered]")  # the demo's questions, one a line
    expect(not_covered).to_be_visible()
    expect(not_covered).to_have_value("\n".join(policy.kb_not_covered))

    gather = page.locator("#gather_fields-group table")
    expect(gather).to_be_visible()
    assert gather.bounding_box()["width"] <= 1366 - 40  # it fits beside the admin's margins: no sideways scroll

    page.locator("#restricted_topics-group .add-row a").click()
    row = page.locator("#restricted_topics-group .inline-related:not(.empty-form)").last
    row.locator("input[name$='-name']").fill("Injury")
    row.locator("textarea[name$='-keywords']").fill("fire, burned")
    row.locator("textarea[name$='-examples']").fill("My charger caught fire\nI burned my hand")
    picker = row.locator("select[name$='-target']")
    expect(picker.locator("optgroup")).to_have_count(3)
    picker.select_option(f"team:{team.pk}")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    topic = RestrictedTopic.objects.get(policy=policy, name="Injury")
    assert topic.keywords == ["fire", "burned"]
    assert topic.examples == ["My charger caught fire", "I burned my hand"]
    assert (topic.target_kind, topic.target_team_id) == ("team", team.pk)


def test_an_admin_adds_an_agent_to_a_team_on_the_teams_page(live_stack, new_context):
    """The two-list picker (Django's own script, under the site's content security policy) moves an agent into the
    team; saved, the agent is a member and routing to the team reaches them."""
    base = live_stack["url"]
    workspace = seed_demo_workspace()
    make_admin()
    team = Team.objects.filter(workspace=workspace).first()
    newcomer = next(agent for agent in AgentProfile.objects.filter(workspace=workspace)
                    if not agent.teams.filter(pk=team.pk).exists())

    page = new_context(viewport={"width": 1366, "height": 800}).new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    login(page, base, "admin", "admin")
    page.goto(f"{base}/admin/routing/team/{team.pk}/change/")
    available = page.locator("select#id_members_from")  # drawn by SelectFilter2.js: the script ran
    expect(available).to_be_visible()
    available.select_option(str(newcomer.pk))
    page.locator("#id_members_add").click()
    expect(page.locator(f"select#id_members_to option[value='{newcomer.pk}']")).to_have_count(1)
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    assert team.members.filter(pk=newcomer.pk).exists()
    assert errors == [], errors
