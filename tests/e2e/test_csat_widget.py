"""CSAT in a real browser: resolve → after the delay the real Celery worker sends the survey → the
visitor taps 👍 in the widget, adds a comment, reloads, and the agent sees the result in the inbox.
Also: the analytics page draws its charts with Chart.js served from node_modules."""
from __future__ import annotations

import re

import httpx
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from conversations.models import Conversation
from csat.models import Survey
from routing.models import HandoffPolicy
from tests.e2e.conftest import login, seed_demo_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DELAY_SECONDS = 2


def widget_messages(page, sender_type: str):
    return page.locator(f"[data-testid=widget-message][data-sender-type={sender_type}]")


def test_widget_survey_buttons_after_the_delay(live_stack, new_context):
    base = live_stack["url"]
    workspace = seed_demo_workspace()
    HandoffPolicy.objects.filter(workspace=workspace).update(csat_enabled=True, csat_delay_seconds=DELAY_SECONDS)
    agent_token = Token.objects.get_or_create(user=get_user_model().objects.get(username="agent1"))[0].key

    visitor = new_context().new_page()
    visitor.goto(f"{base}/")
    visitor.locator("[data-testid=widget-launcher]").click()
    # Opening the widget starts the conversation with the greeting; no AI turn is needed for a survey.
    expect(widget_messages(visitor, "ai").first).to_be_visible(timeout=15_000)
    conversation = Conversation.objects.get(workspace=workspace)

    # The agent resolves it through the API; nothing shows before the delay.
    response = httpx.post(f"{base}/api/v1/conversations/{conversation.pk}/resolve/", json={"resolution": "resolved"},
                          headers={"Authorization": f"Token {agent_token}"}, timeout=10)
    assert response.status_code == 200, response.text
    survey = Survey.objects.get(conversation=conversation)
    assert survey.status == "scheduled"

    # The countdown task in the real worker sends it: the buttons appear inline.
    positive = visitor.locator("[data-testid=csat-positive]")
    expect(positive).to_be_visible(timeout=20_000)
    expect(visitor.locator("[data-testid=csat-neutral]")).to_be_visible()
    expect(visitor.locator("[data-testid=csat-negative]")).to_be_visible()
    survey.refresh_from_db()
    assert survey.status == "sent" and survey.sent_at >= survey.due_at

    positive.click()
    expect(visitor.locator("[data-testid=csat-thanks]")).to_be_visible()
    survey.refresh_from_db()
    assert (survey.status, survey.rating) == ("answered", "positive")
    expect(widget_messages(visitor, "system").last).to_contain_text("Rated 👍 Positive")

    # The optional comment after the rating.
    visitor.locator(".csat__textarea").fill("Fast and friendly, thanks!")
    visitor.locator(".csat__submit").click()
    expect(visitor.get_by_text("Thanks, we got your comment.")).to_be_visible()
    survey.refresh_from_db()
    assert survey.comment == "Fast and friendly, thanks!"

    # History survives a reload: the survey shows as answered, not as buttons to press again.
    visitor.reload()  # the panel the visitor left open is open again
    expect(visitor.locator("[data-testid=widget-panel]")).to_be_visible()
    expect(visitor.locator("[data-testid=csat-thanks]")).to_be_visible()
    expect(visitor.locator("[data-testid=csat-positive]")).to_have_count(0)
    assert Survey.objects.filter(conversation=conversation).count() == 1

    # The agent sees the result in the conversation's history.
    agent = new_context().new_page()
    login(agent, base, "agent1", "agent1")
    agent.goto(f"{base}/inbox/")
    agent.locator("[data-testid=filter-resolved]").click()
    agent.locator(f"[data-testid=conversation-item][data-conversation-id='{conversation.pk}']").click()
    expect(agent.locator("[data-testid=inbox-message]").filter(has_text=re.compile("Rated 👍 Positive"))).to_be_visible()
    expect(agent.locator("[data-testid=inbox-message]").filter(has_text="Fast and friendly")).to_be_visible()


def test_the_analytics_page_draws_its_charts(live_stack, new_context):
    base = live_stack["url"]
    workspace = seed_demo_workspace()
    get_user_model().objects.filter(username="agent1").update(is_staff=True)
    HandoffPolicy.objects.filter(workspace=workspace).update(csat_delay_seconds=0)

    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, base, "agent1", "agent1")
    page.goto(f"{base}/analytics/")
    for chart in ("chart-daily", "chart-triggers", "chart-csat", "chart-open"):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-ready", "true")
    expect(page.locator("[data-testid=kpi-conversations] .kpi__value")).to_have_text("0")
    assert errors == []

    with page.expect_download() as download:
        page.locator("[data-testid=analytics-csv]").click()
    assert download.value.suggested_filename.startswith("analytics-")
