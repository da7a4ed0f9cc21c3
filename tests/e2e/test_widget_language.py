"""The widget in the visitor's language, with a real accessible name, and typing both ways in a real browser:
the widget (visitor) and an agent's inbox socket, through Daphne and Redis."""
from __future__ import annotations

import re
import threading

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from conversations import realtime
from conversations.models import Conversation
from tests.e2e.conftest import login, seed_demo_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Opened from the inbox page (its session): records what the inbox socket hears; sends typing frames.
INBOX_SOCKET = """() => new Promise((resolve) => {
  window.__heard = [];
  const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws/inbox/");
  ws.onmessage = (e) => window.__heard.push(JSON.parse(e.data));
  ws.onopen = () => { window.__inbox = ws; resolve(true); };
})"""


def open_widget(page, base: str):
    page.goto(f"{base}/")
    page.locator("[data-testid=widget-launcher]").click()
    expect(page.locator("[data-testid=widget-connection]")).to_have_attribute("data-state", "online", timeout=15_000)


def test_the_widget_speaks_the_browsers_language_and_then_the_conversations(live_stack, new_context):
    base = live_stack["url"]
    workspace = seed_demo_workspace()
    page = new_context(locale="fr-FR").new_page()
    page.goto(f"{base}/")
    expect(page.get_by_role("button", name="Ouvrir la discussion")).to_be_visible()
    open_widget(page, base)
    box = page.get_by_role("textbox", name="Votre message")  # its own name, not only a placeholder
    expect(box).to_have_attribute("placeholder", "\u00c9crivez votre message\u2026")
    expect(page.get_by_role("button", name="Fermer la discussion")).to_be_visible()
    expect(page.locator("[data-testid=widget-answering]")).to_have_text("Assistant virtuel")
    expect(page.locator("[data-testid=widget-panel]")).to_have_attribute("lang", "fr")
    # the demo shop's greeting in French (it was in English for every browser)
    expect(page.locator("[data-testid=widget-message][data-sender-type=ai]").first).to_contain_text(
        "Je suis l'assistant virtuel de Northwind")

    # The assistant decides the conversation is in German: the widget follows it, live.
    conversation = Conversation.objects.get(workspace=workspace)
    conversation.language = "de"
    conversation.save(update_fields=["language"])
    # (from a thread of its own: Playwright's event loop runs in this one)
    publisher = threading.Thread(target=realtime.publish_conversation_updated, args=(conversation,))
    publisher.start()
    publisher.join()
    expect(page.get_by_role("textbox", name="Ihre Nachricht")).to_be_visible()
    expect(page.locator("[data-testid=widget-answering]")).to_have_text("KI-Assistent")
    expect(page.get_by_role("button", name="Chat schlie\u00dfen")).to_be_visible()


def test_an_english_browser_gets_english_and_an_unknown_language_falls_back_to_it(live_stack, new_context):
    base = live_stack["url"]
    seed_demo_workspace()
    page = new_context(locale="ja-JP").new_page()
    open_widget(page, base)
    expect(page.get_by_role("textbox", name="Your message")).to_be_visible()
    expect(page.locator("helpdesk-widget .footer")).to_have_text("Powered by Helpdesk")
    expect(page.locator("[data-testid=widget-message][data-sender-type=ai]").first).to_contain_text(
        "I'm Northwind's virtual assistant")


def test_typing_goes_both_ways_between_widget_and_inbox(live_stack, new_context):
    base = live_stack["url"]
    workspace = seed_demo_workspace()
    agent = get_user_model().objects.get(username="agent1")
    visitor = new_context(locale="es-ES").new_page()
    open_widget(visitor, base)
    conversation = Conversation.objects.get(workspace=workspace)

    inbox = new_context().new_page()
    login(inbox, base, "agent1", "agent1")
    inbox.goto(f"{base}/inbox/")
    assert inbox.evaluate(INBOX_SOCKET)

    # the visitor types: the inbox hears it
    visitor.get_by_role("textbox", name="Tu mensaje").press_sequentially("hola, necesito", delay=30)
    inbox.wait_for_function("""(id) => window.__heard.some((e) => e.type === "typing" && e.who === "visitor"
                                 && e.conversation === id && e.active)""", arg=str(conversation.pk))

    # the agent types a note: the visitor sees nothing; then a reply: "<name> está escribiendo…"
    frame = {"type": "typing", "conversation": str(conversation.pk), "active": True, "private": True}
    inbox.evaluate("(frame) => window.__inbox.send(JSON.stringify(frame))", frame)
    inbox.wait_for_function("""() => window.__heard.some((e) => e.type === "typing" && e.who === "agent")""")
    expect(visitor.locator("[data-testid=widget-typing]")).to_be_hidden()
    inbox.evaluate("(frame) => window.__inbox.send(JSON.stringify(frame))", {**frame, "private": False})
    typing = visitor.locator("[data-testid=widget-typing]")
    name = agent.get_full_name() or agent.get_username()
    expect(typing).to_be_visible()
    expect(typing).to_have_text(f"{name} est\u00e1 escribiendo\u2026")
    inbox.evaluate("(frame) => window.__inbox.send(JSON.stringify(frame))", {**frame, "private": False, "active": False})
    expect(typing).to_be_hidden()


def test_the_servers_unreachable_message_goes_when_the_widget_is_back_online(live_stack, new_context):
    """Trial of 2 Dec: with Daphne killed, a message sent got "We couldn't reach the server…"; the widget came back
    online by itself 8 s later and still showed it, as if it were still cut off."""
    base = live_stack["url"]
    seed_demo_workspace()
    page = new_context().new_page()
    sockets = []

    def through(ws):  # the widget's socket, passed on to the server, that the test can cut
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r".*/ws/widget/.*"), through)
    open_widget(page, base)
    page.route(re.compile(r".*/api/v1/widget/.*"), lambda route: route.abort())
    page.get_by_role("textbox", name="Your message").fill("Do you ship to Norway?")
    page.keyboard.press("Enter")
    error = page.locator("[data-testid=widget-error]")
    # (since trial 26 the message goes by itself once the server is back: test_a_message_that_could_not_go_…)
    expect(error).to_have_text("We couldn't reach the server. Your message will be sent as soon as the connection is back.")
    expect(page.get_by_role("textbox", name="Your message")).to_have_value("Do you ship to Norway?")

    page.unroute(re.compile(r".*/api/v1/widget/.*"))
    sockets[-1].close()  # the connection drops, and comes back
    connection = page.locator("[data-testid=widget-connection]")
    expect(connection).to_have_attribute("data-state", "offline")
    expect(connection).to_have_attribute("data-state", "online", timeout=20_000)
    expect(error).to_be_hidden()
    expect(page.get_by_role("textbox", name="Your message")).to_have_value("")


def test_a_paste_over_the_limit_is_kept_whole_and_refused_with_a_word(live_stack, new_context):
    """Trial 54: the textarea's maxlength cut a 20,000-character paste to 10,000 and sent that half without a word.
    The paste stays whole, the widget says the limit, nothing is sent; shortened, it goes."""
    seed_demo_workspace()
    page = new_context().new_page()
    open_widget(page, live_stack["url"])
    box = page.get_by_role("textbox", name="Your message")
    box.fill("x" * 20_000)
    assert box.evaluate("box => box.value.length") == 20_000
    error = page.locator("[data-testid=widget-error]")
    expect(error).to_have_text("Messages can be at most 10,000 characters.")
    page.keyboard.press("Enter")
    expect(error).to_have_text("Messages can be at most 10,000 characters.")
    expect(page.locator("[data-sender-type=visitor]")).to_have_count(0)
    box.fill("Do you ship to Norway?")
    expect(error).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page.locator("[data-sender-type=visitor]")).to_have_count(1)


def test_after_a_reload_the_article_links_are_in_the_conversations_language(live_stack, new_context):
    """Trial 54: in a Spanish conversation the answer's link read "Leer: Devoluciones y cambios"; after a reload the
    history came back first, in the browser's English: "Read: Devoluciones y cambios"."""
    seed_demo_workspace()
    page = new_context(locale="en-US").new_page()
    open_widget(page, live_stack["url"])
    page.get_by_role("textbox", name="Your message").fill("¿Cuál es vuestra política de devoluciones?")
    page.keyboard.press("Enter")
    link = page.locator(".msg__article").first
    expect(link).to_have_text(re.compile(r"^Leer: "), timeout=30_000)
    # the conversation's details (its language) held back until the history is shown, as on a slow network
    details, held = re.compile(r".*/api/v1/widget/conversations/\d+/(\?.*)?$"), []
    page.route(details, lambda route: held.append(route))
    page.reload()
    expect(page.locator(".msg__article").first).to_have_text(re.compile(r"^Read: "), timeout=15_000)
    for route in held:
        route.continue_()
    page.unroute(details)
    expect(page.locator("[data-testid=widget-panel]")).to_have_attribute("lang", "es", timeout=15_000)
    expect(page.locator(".msg__article").first).to_have_text(re.compile(r"^Leer: "))


def test_messages_sent_while_one_is_on_its_way_follow_it_in_order(live_stack, new_context):
    """Trial 56: three messages sent within half a second; the third stayed in the box, unsent and with no word (Enter
    was ignored while the one before was on its way)."""
    base = live_stack["url"]
    seed_demo_workspace()
    page = new_context().new_page()
    open_widget(page, base)
    box = page.get_by_role("textbox", name="Your message")
    for text in ("hi", "my order NW-10002 is late", "can you check where it is?"):
        box.fill(text)
        box.press("Enter")
    sent = page.locator("[data-testid=widget-message][data-sender-type=visitor]")
    expect(sent).to_have_count(3, timeout=15_000)
    assert [line.strip() for line in sent.all_inner_texts()] == [
        "hi", "my order NW-10002 is late", "can you check where it is?"]
    expect(box).to_have_value("")
    conversation = Conversation.objects.get()
    assert list(conversation.messages.filter(sender_type="visitor").order_by("id").values_list("body", flat=True)) == [
        "hi", "my order NW-10002 is late", "can you check where it is?"]


def test_a_message_that_could_not_go_for_want_of_a_connection_goes_when_it_is_back(live_stack, new_context):
    """Trial 26: a message sent while the server restarted was put back in the box with "check your connection and try
    again", and stayed there, unsent, once the widget was online again. Now it is sent by itself, once."""
    base = live_stack["url"]
    seed_demo_workspace()
    context = new_context()
    page = context.new_page()
    open_widget(page, base)
    box = page.get_by_role("textbox", name="Your message")
    box.fill("hi")
    box.press("Enter")
    sent = page.locator("[data-testid=widget-message][data-sender-type=visitor]")
    expect(sent).to_have_count(1, timeout=15_000)

    context.set_offline(True)
    box.fill("where is my order NW-10002?")
    box.press("Enter")
    expect(page.get_by_text("Your message will be sent as soon as the connection is back")).to_be_visible()
    expect(box).to_have_value("where is my order NW-10002?")
    context.set_offline(False)

    expect(sent).to_have_count(2, timeout=20_000)
    expect(box).to_have_value("")
    expect(page.get_by_text("Your message will be sent as soon as the connection is back")).to_be_hidden()
    conversation = Conversation.objects.get()
    assert list(conversation.messages.filter(sender_type="visitor").order_by("id").values_list("body", flat=True)) == [
        "hi", "where is my order NW-10002?"]


def test_a_half_written_message_survives_a_reload_and_is_forgotten_once_sent(live_stack, new_context):
    """Trial 27: a visitor half-way through a long message reloaded the page and found the box empty."""
    seed_demo_workspace()
    context = new_context()
    page = context.new_page()
    open_widget(page, live_stack["url"])
    box = page.get_by_role("textbox", name="Your message")
    box.fill("hi")
    box.press("Enter")
    expect(page.locator("[data-sender-type=visitor]")).to_have_count(1)
    box.fill("My order NW-10002 arrived with a broken zip and I would like")
    page.reload()  # the panel the visitor left open is open again, with what they were writing
    box = page.get_by_role("textbox", name="Your message")
    expect(box).to_have_value("My order NW-10002 arrived with a broken zip and I would like")
    box.press("End")
    box.type(" to exchange it.")
    box.press("Enter")
    sent = page.locator("[data-testid=widget-message][data-sender-type=visitor]")
    expect(sent).to_have_count(2)
    expect(sent.last).to_contain_text("broken zip and I would like to exchange it.")
    expect(box).to_have_value("")
    page.reload()  # sent, it is no draft any more
    expect(page.locator("[data-testid=widget-message][data-sender-type=visitor]")).to_have_count(2)
    expect(page.get_by_role("textbox", name="Your message")).to_have_value("")
    assert list(Conversation.objects.get().messages.filter(sender_type="visitor").values_list("body", flat=True)) == [
        "hi", "My order NW-10002 arrived with a broken zip and I would like to exchange it."]


def test_a_chat_that_could_not_start_starts_by_itself_when_the_server_is_back(live_stack, new_context):
    """Trial 27: during a Redis hang the widget opened with "Something went wrong on our side", which stayed on screen
    after the server was back, until the visitor sent something. It tries again while the panel is open."""
    seed_demo_workspace()
    page = new_context().new_page()
    starts = re.compile(r".*/api/v1/widget/conversations/$")
    refused = []

    def overloaded(route):
        refused.append(route.request.method)
        route.fulfill(status=503, content_type="application/json", body='{"error": {"message": "unavailable"}}')

    page.route(starts, overloaded)
    page.goto(f"{live_stack['url']}/")
    page.locator("[data-testid=widget-launcher]").click()
    error = page.locator("[data-testid=widget-error]")
    expect(error).to_have_text(re.compile("Something went wrong"))
    page.unroute(starts)  # the server is back
    expect(error).to_be_hidden(timeout=15_000)
    expect(page.locator("[data-testid=widget-connection]")).to_have_attribute("data-state", "online", timeout=15_000)
    assert refused and Conversation.objects.count() == 1  # started once, by itself
    box = page.get_by_role("textbox", name="Your message")
    box.fill("Do you ship to Norway?")
    box.press("Enter")
    expect(page.locator("[data-sender-type=visitor]")).to_have_count(1)
    assert Conversation.objects.count() == 1
