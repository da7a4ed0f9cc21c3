"""'Did that answer your question?' under a knowledge-base answer, in a real browser on the demo site."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from conversations.models import Conversation, Handoff, Message
from tests.e2e.conftest import seed_demo_workspace
from tests.e2e.test_handoff_loop import send_as_visitor, widget_messages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUESTION = "How long does standard shipping take to Portugal?"


def open_widget(new_context, base: str):
    page = new_context().new_page()
    page.goto(f"{base}/")
    page.locator("[data-testid=widget-launcher]").click()
    expect(page.locator("[data-testid=widget-panel]")).to_be_visible()
    return page


def ask_and_get_the_check(page):
    send_as_visitor(page, QUESTION)
    answer = widget_messages(page, "ai").last
    expect(answer).to_contain_text("working days", timeout=30_000)
    check = answer.locator("[data-testid=answer-check]")
    expect(check.locator("[data-testid=answer-check-question]")).to_have_text("Did that answer your question?")
    return check


def test_yes_closes_the_conversation_as_resolved_by_the_ai(live_stack, new_context):
    seed_demo_workspace()
    page = open_widget(new_context, live_stack["url"])
    check = ask_and_get_the_check(page)

    check.locator("[data-testid=answer-yes]").click()

    expect(widget_messages(page, "visitor").last).to_contain_text("Yes, thanks")
    expect(widget_messages(page, "ai").last).to_contain_text("glad I could help")
    expect(page.locator("[data-testid=answer-check]")).to_have_count(0)
    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.resolved_by_kind, conversation.ai_resolution) == (
        "resolved", "ai", "confirmed")

    page.reload()  # answered once: the buttons do not come back; the panel left open is open again
    expect(page.locator("[data-testid=widget-panel]")).to_be_visible()
    expect(widget_messages(page, "ai").first).to_be_visible()
    expect(page.locator("[data-testid=answer-check]")).to_have_count(0)


def test_no_takes_the_not_helpful_path_to_a_person(live_stack, new_context):
    seed_demo_workspace()
    page = open_widget(new_context, live_stack["url"])
    check = ask_and_get_the_check(page)

    check.locator("[data-testid=answer-no]").click()

    expect(widget_messages(page, "visitor").last).to_contain_text("No, that didn't answer my question")
    # The demo policy (Balanced) hands off when an answer did not help, gathering the email first.
    expect(widget_messages(page, "ai").last).to_contain_text(re.compile("email", re.I), timeout=30_000)
    send_as_visitor(page, "rosa@example.org")
    expect(widget_messages(page, "system").last).to_contain_text(re.compile("team", re.I), timeout=30_000)
    conversation = Conversation.objects.get()
    handoff = Handoff.objects.get(conversation=conversation)
    assert handoff.status == "pending" and "did not help" in handoff.reason + " " + handoff.summary
    assert conversation.status == "pending_human" and conversation.ai_resolution == ""
    no = Message.objects.get(conversation=conversation, body="No, that didn't answer my question")
    assert no.sender_type == "visitor"


def test_a_message_asking_two_things_shows_both_answers_and_both_articles(live_stack, new_context):
    """Trial of 2 Dec: the widget showed one "Read:" link when the answer quoted two articles."""
    seed_demo_workspace()
    page = open_widget(new_context, live_stack["url"])
    send_as_visitor(page, "How long does shipping take to Germany and what is your return policy?")
    answer = widget_messages(page, "ai").last
    expect(answer).to_contain_text("rest of the EU", timeout=30_000)
    expect(answer).to_contain_text("within 30 days")
    links = answer.locator(".msg__article")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_contain_text("Shipping times")
    expect(links.nth(1)).to_contain_text("Returns and exchanges")


def test_a_spanish_visitor_reads_the_spanish_article_and_a_link_to_it_not_a_bare_address(live_stack, new_context):
    """The demo shop's articles carry translations: the answer quotes the Spanish passage under its Spanish title,
    the link opens the article in Spanish, and the bubble shows no bare address (the link under it opens it)."""
    seed_demo_workspace()
    page = open_widget(new_context, live_stack["url"])
    send_as_visitor(page, "¿Cuál es vuestra política de devoluciones?")
    answer = widget_messages(page, "ai").last
    expect(answer).to_contain_text("30 días", timeout=30_000)
    expect(answer.locator(".msg__body")).to_contain_text("«Devoluciones y cambios»")
    expect(answer.locator(".msg__body")).not_to_contain_text("http")
    link = answer.locator(".msg__article")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", re.compile(r"/help/\d+/\d+/\?lang=es$"))
    article = new_context().new_page()  # (the stack's public address is not its test port: the path, on it)
    article.goto(live_stack["url"] + urlsplit(link.get_attribute("href")).path + "?lang=es")
    expect(article.locator("h1")).to_have_text("Devoluciones y cambios")
    expect(article.locator("html")).to_have_attribute("lang", "es")
