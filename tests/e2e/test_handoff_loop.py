"""The whole AI → human → AI loop in two real browsers: a visitor on the demo site and an agent in the inbox."""
from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from conversations.models import Conversation, Handoff
from routing.models import AgentProfile
from tests.e2e.conftest import login, seed_demo_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Records desktop notifications and keeps every websocket reachable, so the test can drop them.
AGENT_INIT = """
window.__notifications = [];
window.Notification = class {
  constructor(title, options) { window.__notifications.push({title, body: (options || {}).body || ""}); }
  close() {}
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""
VISITOR_INIT = """
window.__sockets = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) { super(...args); window.__sockets.push(this); }
};
"""


def widget_messages(page, sender_type: str):
    return page.locator(f"[data-testid=widget-message][data-sender-type={sender_type}]")


def send_as_visitor(page, text: str) -> None:
    page.locator("[data-testid=widget-input]").fill(text)
    page.locator("[data-testid=widget-send]").click()


def seen_up_to(conversation: Conversation, at_least: int, timeout: float = 10.0) -> int:
    """The newest message the server heard the visitor's page showed, once it reaches `at_least` (or the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        conversation.refresh_from_db(fields=["visitor_seen_up_to"])
        if conversation.visitor_seen_up_to >= at_least or time.monotonic() > deadline:
            return conversation.visitor_seen_up_to
        time.sleep(0.1)


def typing_events(frames: list[str]) -> list[bool]:
    out = []
    for frame in frames:
        event = json.loads(frame)
        if event.get("type") == "ai.typing":
            out.append(event["active"])
    return out


def test_visitor_ai_agent_and_back(live_stack, new_context):
    base = live_stack["url"]
    seed_demo_workspace()
    # Only agent1 is available, so round-robin in the demo's "general" specialty picks Ana.
    AgentProfile.objects.exclude(user__username="agent1").update(available=False)

    agent = new_context().new_page()
    agent.add_init_script(AGENT_INIT)
    login(agent, base, "agent1", "agent1")
    agent.goto(f"{base}/inbox/")
    expect(agent.locator("[data-testid=ws-state]")).to_have_attribute("data-state", "online")

    visitor_context = new_context()
    visitor = visitor_context.new_page()
    visitor.add_init_script(VISITOR_INIT)
    frames: list[str] = []
    visitor.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
    visitor.goto(f"{base}/")
    visitor.locator("[data-testid=widget-launcher]").click()
    expect(visitor.locator("[data-testid=widget-panel]")).to_be_visible()

    # 1. A question the knowledge base answers: the AI replies, with the indicator on while it works.
    send_as_visitor(visitor, "How long does standard shipping take to Portugal?")
    expect(widget_messages(visitor, "ai").last).to_contain_text("working days", timeout=30_000)
    expect(visitor.locator("[data-testid=widget-typing]")).to_be_hidden()
    assert typing_events(frames)[:1] == [True] and typing_events(frames)[-1] is False
    expect(visitor.locator("[data-testid=widget-answering]")).to_contain_text(re.compile("assistant", re.I))

    # 2. The visitor asks for a person; the demo policy gathers an email first, then hands off.
    send_as_visitor(visitor, "I want to talk to a human please")
    expect(widget_messages(visitor, "ai").last).to_contain_text("email", timeout=30_000)
    send_as_visitor(visitor, "it's rosa@example.org")
    expect(widget_messages(visitor, "system").last).to_contain_text(re.compile("team|person", re.I),
                                                                    timeout=30_000)
    conversation = Conversation.objects.get()
    handoff = Handoff.objects.get(conversation=conversation)
    assert (handoff.trigger, handoff.status, handoff.assigned_to.username) == ("user_request", "pending", "agent1")
    assert handoff.gathered["email"] == "rosa@example.org"
    assert typing_events(frames)[-1] is False, "the indicator is cleared on handoff"

    # 3. The inbox highlights it live and notifies the assignee.
    item = agent.locator(f"[data-testid=conversation-item][data-conversation-id='{conversation.pk}']")
    expect(item).to_have_attribute("data-needs-agent", "true", timeout=15_000)
    agent.wait_for_function("() => window.__notifications.length > 0")
    assert any("Handoff" in n["title"] or n["body"] for n in agent.evaluate("window.__notifications"))
    item.click()
    expect(agent.locator("[data-testid=handoff-reason]")).to_contain_text("asked for a human")
    expect(agent.locator("[data-testid=handoff-gathered]")).to_contain_text("rosa@example.org")
    expect(agent.locator("[data-testid=handoff-summary]")).not_to_be_empty()

    # 4. The AI stays quiet while a human owns the conversation; "anyone there?" gets a word that someone
    # has it (a system line, not an AI answer), and the agent sees the visitor's message live.
    ai_count = widget_messages(visitor, "ai").count()
    send_as_visitor(visitor, "Hello? Anyone there?")
    visitor_lines = agent.locator("[data-testid=inbox-message][data-sender-type=visitor]")
    expect(visitor_lines.last).to_contain_text("Anyone there?")
    expect(widget_messages(visitor, "system").last).to_contain_text("has your conversation", timeout=15_000)

    # 5. The agent replies: the visitor sees it at once, and the handoff is acknowledged.
    agent.locator("[data-testid=reply-input]").fill("Hi Rosa, Ana here. Let me look into it.")
    agent.locator("[data-testid=reply-send]").click()
    expect(widget_messages(visitor, "agent").last).to_contain_text("Ana here")
    expect(visitor.locator("[data-testid=widget-answering]")).to_contain_text("Ana")
    expect(item).to_have_attribute("data-needs-agent", "false")
    handoff.refresh_from_db()
    assert handoff.status == "acknowledged"
    assert widget_messages(visitor, "ai").count() == ai_count
    # the page showed it: the reply will not also be emailed to Rosa
    reply_id = int(widget_messages(visitor, "agent").last.get_attribute("data-message-id"))
    assert seen_up_to(conversation, reply_id) == reply_id

    # 6. A dropped connection reconnects and catches up on what was said meanwhile.
    visitor.evaluate("window.__sockets.forEach(s => s.close())")
    agent.locator("[data-testid=reply-input]").fill("Found your order, it left the warehouse today.")
    agent.locator("[data-testid=reply-send]").click()
    expect(widget_messages(visitor, "agent").last).to_contain_text("left the warehouse", timeout=20_000)
    caught_up = int(widget_messages(visitor, "agent").last.get_attribute("data-message-id"))
    assert seen_up_to(conversation, caught_up) == caught_up, "what the catch-up showed counts as seen too"

    # 7. Hand back to the AI: the next question is answered by the AI again.
    agent.locator("[data-testid=unassign]").click()
    expect(visitor.locator("[data-testid=widget-answering]")).to_contain_text(re.compile("assistant", re.I))
    send_as_visitor(visitor, "Do you ship to Norway?")
    expect(widget_messages(visitor, "ai").last).to_contain_text("Norway", timeout=30_000)

    # 8. Resolve; a later visitor message reopens it with the AI.
    agent.locator("[data-testid=resolve-type]").select_option("resolved")
    agent.locator("[data-testid=resolve]").click()
    expect(agent.locator("[data-testid=conversation-status]")).to_contain_text(re.compile("resolved", re.I))
    conversation.refresh_from_db()
    assert conversation.status == "resolved"
    send_as_visitor(visitor, "One more thing: which payment methods do you accept?")
    expect(widget_messages(visitor, "ai").last).to_contain_text("PayPal", timeout=30_000)
    conversation.refresh_from_db()
    assert conversation.status == "open"

    # 9. A reload brings the history back.
    count = visitor.locator("[data-testid=widget-message]").count()
    visitor.reload()  # the panel the visitor left open is open again
    expect(visitor.locator("[data-testid=widget-panel]")).to_be_visible()
    expect(visitor.locator("[data-testid=widget-message]")).to_have_count(count)


def test_a_visitor_takes_back_a_handoff_nobody_has_answered_yet(live_stack, new_context):
    """"Never mind" while waiting in the queue: the AI says so and takes the conversation back, and the
    agent's inbox stops asking for someone, live."""
    base = live_stack["url"]
    seed_demo_workspace()
    AgentProfile.objects.exclude(user__username="agent1").update(available=False)
    agent = new_context().new_page()
    login(agent, base, "agent1", "agent1")
    agent.goto(f"{base}/inbox/")
    expect(agent.locator("[data-testid=ws-state]")).to_have_attribute("data-state", "online")

    visitor = new_context().new_page()
    visitor.goto(f"{base}/")
    visitor.locator("[data-testid=widget-launcher]").click()
    send_as_visitor(visitor, "Can I speak to someone from your team?")
    expect(widget_messages(visitor, "ai").last).to_contain_text("email", timeout=30_000)
    send_as_visitor(visitor, "rosa@example.org")
    expect(widget_messages(visitor, "system").last).to_contain_text(re.compile("team|person", re.I), timeout=30_000)
    conversation = Conversation.objects.get()
    item = agent.locator(f"[data-testid=conversation-item][data-conversation-id='{conversation.pk}']")
    expect(item).to_have_attribute("data-needs-agent", "true", timeout=15_000)

    send_as_visitor(visitor, "actually never mind, I found it")
    expect(widget_messages(visitor, "ai").last).to_contain_text("I won't bring anyone in", timeout=30_000)
    expect(visitor.locator("[data-testid=widget-answering]")).to_contain_text(re.compile("assistant", re.I))
    expect(item).to_have_attribute("data-needs-agent", "false", timeout=15_000)
    handoff = Handoff.objects.get(conversation=conversation)
    assert (handoff.status, handoff.cancel_reason) == ("cancelled", Handoff.VISITOR_WITHDREW)
    send_as_visitor(visitor, "Do you ship to Norway?")  # the AI answers again
    expect(widget_messages(visitor, "ai").last).to_contain_text("Norway", timeout=30_000)


def test_visitor_text_is_shown_as_text_in_the_inbox(live_stack, new_context):
    base = live_stack["url"]
    seed_demo_workspace()
    agent = new_context().new_page()
    login(agent, base, "agent1", "agent1")
    agent.goto(f"{base}/inbox/")

    visitor = new_context().new_page()
    visitor.goto(f"{base}/")
    visitor.locator("[data-testid=widget-launcher]").click()
    payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
    send_as_visitor(visitor, payload)
    expect(widget_messages(visitor, "visitor").last).to_have_text(payload)

    item = agent.locator("[data-testid=conversation-item]").first
    expect(item).to_be_visible(timeout=15_000)
    item.click()
    expect(agent.locator("[data-testid=inbox-message][data-sender-type=visitor]").last).to_have_text(payload)
    assert agent.evaluate("window.__xss") is None
    assert visitor.evaluate("window.__xss") is None


def test_inbox_keeps_up_while_its_socket_is_refused(live_stack, new_context):
    """Behind a proxy that drops websockets the inbox still shows new conversations, messages and
    handoffs, and notifies the assignee."""
    base = live_stack["url"]
    seed_demo_workspace()
    AgentProfile.objects.exclude(user__username="agent1").update(available=False)
    agent = new_context().new_page()
    agent.add_init_script(AGENT_INIT)
    agent.route_web_socket(re.compile(r".*/ws/inbox/.*"), lambda ws: ws.close())
    login(agent, base, "agent1", "agent1")
    agent.goto(f"{base}/inbox/")
    state = agent.locator("[data-testid=ws-state]")
    expect(state).to_have_attribute("data-state", "offline")
    expect(state).to_contain_text("refreshing every 2 s")

    # A visitor writes through the widget API, as a widget that fell back to REST would.
    api = f"{base}/api/v1/widget/conversations/"
    created = httpx.post(api, json={}).json()
    visitor = {"Authorization": f"Visitor {created['visitor_token']}"}

    def say(body: str) -> None:
        httpx.post(f"{api}{created['id']}/messages/", json={"body": body}, headers=visitor).raise_for_status()

    say("How long does standard shipping take to Portugal?")
    item = agent.locator(f"[data-testid=conversation-item][data-conversation-id='{created['id']}']")
    expect(item).to_be_visible(timeout=10_000)
    item.click()
    visitor_messages = agent.locator("[data-testid=inbox-message][data-sender-type=visitor]")
    expect(visitor_messages.first).to_have_text("How long does standard shipping take to Portugal?")
    expect(agent.locator("[data-testid=inbox-message][data-sender-type=ai]").last).to_contain_text(
        "working days", timeout=30_000)

    say("I want to talk to a human please, my email is rosa@example.org")
    expect(visitor_messages.last).to_contain_text("talk to a human", timeout=10_000)
    expect(item).to_have_attribute("data-needs-agent", "true", timeout=30_000)
    agent.wait_for_function("() => window.__notifications.length > 0")
    assert agent.evaluate("window.__notifications")[0]["title"] == "Handoff assigned to you"
    expect(state).to_have_attribute("data-state", "offline")  # all of it came by polling
