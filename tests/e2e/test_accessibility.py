"""Accessibility, checked by axe-core (npm, node_modules/axe-core) in the real browser: no serious or
critical violation on the widget, the inbox, the flow builder and analytics, in the states people
use them in (widget open with answers, a conversation open with its handoff and a note, a flow on
the canvas, a report with data)."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from conversations.models import Conversation
from flows.models import Flow
from routing.models import AgentProfile
from tests.e2e.conftest import ROOT, login, seed_demo_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[str]:
    """Serious and critical violations, one line each: rule, impact, and the first offending nodes."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make install` (npm ci installs axe-core)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            f" {v['nodes'][0].get('failureSummary', '')[:200]}"
            for v in result if v["impact"] in BLOCKING]


def context_for_axe(new_context, **kwargs):
    # axe is injected as a script the page's CSP would refuse; the CSP itself is tested in test_csp.py.
    return new_context(bypass_csp=True, **kwargs)


def seed_with_staff():
    workspace = seed_demo_workspace()
    AgentProfile.objects.exclude(user__username="agent1").update(available=False)
    admin = get_user_model().objects.get(username="admin")
    admin.is_staff = admin.is_superuser = True
    admin.set_password("admin")
    admin.save()
    return workspace


def handed_off(new_context, base: str):
    """The widget, open, after a handoff (timestamps, system lines, "Powered by")."""
    visitor = context_for_axe(new_context).new_page()
    visitor.goto(f"{base}/")
    visitor.locator("[data-testid=widget-launcher]").click()
    visitor.locator("[data-testid=widget-input]").fill("I want to talk to a human please, my email is rosa@example.org")
    visitor.locator("[data-testid=widget-send]").click()
    expect(visitor.locator("[data-testid=widget-message][data-sender-type=system]").last).to_contain_text(
        re.compile("team|person", re.I), timeout=30_000)
    return visitor


def test_the_widget(live_stack, new_context):
    seed_with_staff()
    visitor = handed_off(new_context, live_stack["url"])
    assert axe_violations(visitor) == []


def test_the_inbox_on_a_desktop_and_a_phone(live_stack, new_context):
    base = live_stack["url"]
    seed_with_staff()
    handed_off(new_context, base)
    conversation = Conversation.objects.get()

    # That conversation open, its handoff details shown and a note written.
    agent = context_for_axe(new_context, viewport={"width": 1366, "height": 800}).new_page()
    login(agent, base, "agent1", "agent1")
    agent.goto(f"{base}/inbox/#conversation={conversation.pk}")
    expect(agent.get_by_test_id("handoff-reason")).to_be_visible()
    agent.get_by_test_id("handoff-toggle").click()
    agent.get_by_test_id("mode-note").click()
    agent.get_by_test_id("reply-input").fill("Checked the order: it shipped on Monday.")
    agent.get_by_test_id("reply-send").click()
    expect(agent.locator("[data-testid=inbox-message][data-private=true]")).to_have_count(1)
    assert axe_violations(agent) == []
    agent.keyboard.press("?")
    expect(agent.get_by_test_id("shortcuts-sheet")).to_be_visible()
    assert axe_violations(agent) == []

    phone = context_for_axe(new_context, viewport={"width": 390, "height": 844}).new_page()
    login(phone, base, "agent1", "agent1")
    phone.goto(f"{base}/inbox/")
    expect(phone.get_by_test_id("conversation-item").first).to_be_visible()
    assert axe_violations(phone) == []
    phone.get_by_test_id("conversation-item").first.click()
    expect(phone.get_by_test_id("history")).to_be_visible()
    assert axe_violations(phone) == []


def test_the_flow_builder_and_analytics(live_stack, new_context):
    base = live_stack["url"]
    workspace = seed_with_staff()
    flow = Flow.objects.filter(workspace=workspace).order_by("id").first()
    staff = context_for_axe(new_context, viewport={"width": 1500, "height": 900}).new_page()
    login(staff, base, "admin", "admin")
    staff.goto(f"{base}/flows/?flow={flow.pk}")
    expect(staff.locator("body")).to_have_attribute("data-builder-ready", "true")
    expect(staff.get_by_test_id("flow-node").first).to_be_visible()
    assert axe_violations(staff) == []
    staff.goto(f"{base}/analytics/")
    staff.wait_for_load_state("networkidle")
    assert axe_violations(staff) == []


def test_every_staff_page_fits_a_phone_without_sideways_scrolling(live_stack, new_context):
    """Trial of 2 Dec: at 390 px the top navigation pushed "Log out" off the screen on every page, and the flow
    builder's three columns left its canvas no width."""
    base = live_stack["url"]
    workspace = seed_with_staff()
    flow = Flow.objects.filter(workspace=workspace).order_by("id").first()
    phone = new_context(viewport={"width": 390, "height": 844}).new_page()
    login(phone, base, "admin", "admin")
    for path in ("/inbox/", "/analytics/", f"/flows/?flow={flow.pk}"):
        phone.goto(f"{base}{path}")
        phone.wait_for_load_state("networkidle")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        expect(phone.get_by_role("button", name="Log out")).to_be_in_viewport()
    canvas = phone.locator(".builder__main").bounding_box()
    assert canvas["width"] >= 300 and canvas["height"] >= 300, canvas
