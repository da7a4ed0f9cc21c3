"""The planner's conversations once end to end: the widget API, Daphne and a real Celery worker."""
from __future__ import annotations

import httpx
import pytest

from conversations import knowledge
from conversations.models import Contact, Conversation, Handoff, Message
from routing.models import GatherField
from tests import factories
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def shop(level: str = "balanced"):
    workspace = factories.WorkspaceFactory(slug=f"e2e-{level}", greeting="")
    policy = factories.PolicyFactory(workspace=workspace, level=level)
    agent = factories.AgentFactory(workspace=workspace).user
    policy.target_kind, policy.target_user = "user", agent
    policy.save()
    GatherField.objects.create(policy=policy, name="email", kind="email",
                               question="So the team can follow up, what email did you order with?")
    for title, body in [("Shipping times", "Standard shipping takes 2 to 4 working days in Spain and Portugal."),
                        ("Returns and exchanges", "You can return unworn items within 30 days of delivery for a "
                                                  "full refund or an exchange.")]:
        factories.ArticleFactory(workspace=workspace, title=title, body=body)
    knowledge.knowledge_reindex(workspace=workspace)
    return workspace


def say(visitor, text: str) -> list[str]:
    """Send as the visitor; once the turn settled, what the visitor was told (AI and notices), oldest first."""
    response = visitor.send(text)
    assert response.status_code == 201, response.text
    message_id = int(response.json()["id"])
    wait_for(lambda: Message.objects.get(pk=message_id).turn_processed_at, timeout=60, what=f"the turn on {text!r}")
    history = httpx.get(f"{visitor.stack.url}/api/v1/widget/conversations/{visitor.conversation_id}/messages/",
                        params={"after": message_id}, headers={"Authorization": f"Visitor {visitor.token}"}, timeout=10)
    return [m["body"] for m in history.json() if m["sender_type"] in ("ai", "system")]


def test_the_reported_conversations_through_the_api_and_a_real_worker(make_stack):
    stack = make_stack()
    workspace = shop()
    stack.start_worker("worker")

    # The trap: after "I want a human", a refusal used to get "That doesn't look like an email address" forever.
    visitor = stack.widget(workspace.slug)
    assert any("working days" in t for t in say(visitor, "How long does standard shipping take?"))
    told = say(visitor, "I want a human")
    assert len(told) == 1 and "email did you order with" in told[0]
    told = say(visitor, "I'd rather not")
    assert told and "team" in told[-1], told
    handoff = Handoff.objects.get(conversation_id=visitor.conversation_id)
    assert (handoff.trigger, handoff.reason) == ("user_request", "The visitor asked for a human: “I want a human”")
    assert "Problem: not described yet" in handoff.summary and "email did you order" not in handoff.summary
    assert Conversation.objects.get(pk=visitor.conversation_id).status == "pending_human"

    # A question the AI cannot answer: it says so, asks what it needs, saves it on the contact, hands off.
    visitor = stack.widget(workspace.slug)
    told = say(visitor, "What's the capital of Australia?")
    assert told[0].startswith("I couldn't find an answer to that in our help articles.")
    told = say(visitor, "it's rosa@example.org")
    handoff = Handoff.objects.get(conversation_id=visitor.conversation_id)
    assert handoff.gathered == {"email": "rosa@example.org"}
    assert handoff.reason == "The AI could not answer “What's the capital of Australia?”"
    assert Contact.objects.get(conversations__id=visitor.conversation_id).email == "rosa@example.org"
    assert not told[-1].startswith("Of course"), "no cheerful opener after the AI failed"

    # Spanish all the way, although the workspace wrote its question in English.
    visitor = stack.widget(workspace.slug)
    told = say(visitor, "Quiero hablar con una persona, por favor")
    assert told == ["Por supuesto, te paso con una persona de nuestro equipo. "
                    "¿En qué dirección de correo electrónico puede contactarte nuestro equipo?"]
    told = say(visitor, "no quiero")
    assert told and "equipo" in told[-1] and "team" not in told[-1]

    # Frustration while gathering hands off at once, named after it.
    visitor = stack.widget(workspace.slug)
    told = say(visitor, "The zipper on my new jacket broke after one day")
    assert "email" in told[-1], told
    say(visitor, "This is ridiculous, I'm really frustrated!!!")
    handoff = Handoff.objects.get(conversation_id=visitor.conversation_id)
    assert handoff.trigger == "ai_decision" and handoff.reason.startswith("The visitor is frustrated")
    assert "Problem: “The zipper on my new jacket broke after one day”" in handoff.summary
