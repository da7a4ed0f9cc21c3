"""The API docs work with no internet: Swagger UI and Redoc come from the app itself."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def offline_page(new_context, base: str):
    """A page that can reach the app and nothing else; returns it with the requests it tried elsewhere."""
    context = new_context()
    own = urlsplit(base).netloc
    elsewhere: list[str] = []

    def route(route):
        if urlsplit(route.request.url).netloc in (own, ""):
            return route.continue_()
        elsewhere.append(route.request.url)
        return route.abort("internetdisconnected")  # (Redoc's "powered by" logo is refused earlier, by the CSP)

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, elsewhere, errors


def test_swagger_ui_renders_the_schema_offline(live_stack, new_context):
    base = live_stack["url"]
    page, elsewhere, errors = offline_page(new_context, base)
    response = page.goto(f"{base}/api/v1/docs/")
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "cdn" not in policy and "http" not in policy.split("script-src")[1].split(";")[0]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Helpdesk API", timeout=30_000)
    notes = page.locator(".opblock-summary-path[data-path='/api/v1/conversations/{conversation_id}/notes/']")
    expect(notes).to_be_visible()
    assert elsewhere == [] and errors == []


def test_redoc_renders_the_schema_offline(live_stack, new_context):
    base = live_stack["url"]
    page, elsewhere, errors = offline_page(new_context, base)
    assert page.goto(f"{base}/api/v1/redoc/").status == 200
    # a big schema on a busy machine: Redoc may take a while to lay it out
    expect(page.locator("h1", has_text="Helpdesk API")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/v1/canned-responses/").first).to_be_attached()
    assert elsewhere == [] and errors == []
