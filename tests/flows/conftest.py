"""Flow fixtures: published flows built from (id, type, config) tuples, conversations, message delivery."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def graph_document(nodes: list[tuple[str, str, dict[str, Any]]],
                   edges: list[tuple[str, str, str]] | None = None) -> dict[str, list[dict]]:
    """Nodes as (id, type, config); without `edges`, consecutive nodes are chained by "next"."""
    if edges is None:
        edges = [(a[0], b[0], "next") for a, b in zip(nodes, nodes[1:])]
    return {
        "nodes": [{"id": i, "type": t, "config": c} for i, t, c in nodes],
        "edges": [{"from": a, "to": b, "when": w} for a, b, w in edges],
    }


@pytest.fixture
def make_flow(workspace) -> Callable[..., Any]:
    """A flow of `workspace`, published through the real service unless `published=False`."""
    from flows import services

    def make(nodes, edges=None, *, name: str = "Billing", trigger: dict | None = None, published: bool = True,
             priority: int = 0, enabled: bool = True):
        doc = graph_document(nodes, edges)
        flow = services.flow_create(workspace=workspace, name=name,
                                    trigger=trigger or {"kind": "keywords", "keywords": ["billing"]},
                                    nodes=doc["nodes"], edges=doc["edges"], priority=priority, enabled=enabled)
        if published:
            services.flow_publish(flow=flow)
            flow.refresh_from_db()
        return flow

    return make


@pytest.fixture
def billing_team(workspace):
    from tests import factories

    return factories.TeamFactory(workspace=workspace, name="Billing")


@pytest.fixture
def conversation(workspace):
    from tests import factories

    return factories.ConversationFactory(workspace=workspace, contact__name="")


@pytest.fixture
def deliver(no_tasks, django_capture_on_commit_callbacks) -> Callable[..., Any]:
    """Store a visitor message and hand it to the flows as the turn would: (message, consumed)."""
    from conversations.models import Message
    from flows import services

    def send(conversation, body: str):
        message = Message.objects.create(conversation=conversation, sender_type="visitor", body=body)
        with django_capture_on_commit_callbacks(execute=True):
            consumed = services.flow_handle_message(conversation=conversation, message=message)
        return message, consumed

    return send


def bot_texts(conversation) -> list[str]:
    return list(conversation.messages.filter(sender_type="ai").order_by("id").values_list("body", flat=True))


def log_texts(conversation) -> list[str]:
    from flows.models import FlowStepLog

    return list(FlowStepLog.objects.filter(conversation=conversation).order_by("id").values_list("text", flat=True))
