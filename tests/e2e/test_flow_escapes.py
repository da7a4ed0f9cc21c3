"""The demo's order-status flow is not a trap: the tester's conversation, through the widget API on
the live stack (Daphne, a Celery worker, PostgreSQL, Redis)."""
from __future__ import annotations

import time

import httpx
import pytest

from conversations.models import Conversation, Handoff
from flows.models import FlowRun
from tests.e2e.conftest import seed_demo_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORDER_QUESTION = "What's your order number?"


class Visitor:
    def __init__(self, base: str) -> None:
        created = httpx.post(f"{base}/api/v1/widget/conversations/", json={"workspace": "demo"}, timeout=30)
        assert created.status_code == 201, created.text
        self.id = created.json()["id"]
        self.url = f"{base}/api/v1/widget/conversations/{self.id}"
        self.headers = {"Authorization": f"Visitor {created.json()['visitor_token']}"}
        self.seen = max((m["id"] for m in self.messages()), key=int, default="0")

    def messages(self, after: str = "0") -> list[dict]:
        got = httpx.get(f"{self.url}/messages/", params={"after": after}, headers=self.headers, timeout=30)
        assert got.status_code == 200, got.text
        body = got.json()
        return body["results"] if isinstance(body, dict) else body

    def say(self, text: str, *, until) -> list[dict]:
        """Send `text`; the messages that came after it once `until(bodies)` holds."""
        sent = httpx.post(f"{self.url}/messages/", json={"body": text}, headers=self.headers, timeout=30)
        assert sent.status_code == 201, sent.text
        deadline = time.monotonic() + 90
        while True:
            replies = [m for m in self.messages(after=sent.json()["id"]) if m["sender_type"] != "visitor"]
            if until([m["body"] for m in replies]) or time.monotonic() > deadline:
                return replies
            time.sleep(0.5)


def test_a_question_a_request_for_a_person_while_the_order_flow_waits(live_stack):
    seed_demo_workspace()
    visitor = Visitor(live_stack["url"])

    asked = visitor.say("How do I track my order?", until=lambda bodies: any(ORDER_QUESTION in b for b in bodies))
    assert any(ORDER_QUESTION in m["body"] for m in asked), asked

    # A question instead of the order number: answered from the knowledge base, then asked again.
    replies = visitor.say("What is your return policy?",
                          until=lambda bodies: len(bodies) >= 2 or any("couldn't find" in b for b in bodies))
    bodies = [m["body"] for m in replies]
    assert not any("couldn't find an order" in b for b in bodies), bodies
    assert "return" in bodies[0].lower() and replies[0]["metadata"]["article"]["title"] == "Returns and exchanges"
    assert ORDER_QUESTION in bodies[1]
    conversation = Conversation.objects.get(pk=visitor.id)
    assert not Handoff.objects.filter(conversation=conversation).exists()
    run = FlowRun.objects.get(conversation=conversation)
    assert run.active and "order_number" not in run.state["variables"]

    # A request for a person hands off at once, through the normal handoff path.
    replies = visitor.say("Can I talk to a real person please?",
                          until=lambda bodies: any(b for b in bodies if "team" in b.lower()))
    handoff = Handoff.objects.get(conversation=conversation)
    assert handoff.trigger == "user_request"
    assert handoff.reason == "The visitor asked for a human: “Can I talk to a real person please?”"
    assert any("team" in m["body"].lower() for m in replies), replies
    assert not any("couldn't find an order" in m["body"] for m in replies)
    run.refresh_from_db()
    assert not run.active and run.end_reason == "handed_off"
