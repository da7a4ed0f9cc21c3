"""More processes carry more: a visitor and an agent on different Daphne processes, turns on two workers.

The tests are synchronous and run their sockets on an event loop of their own thread: the
browser tests' Playwright keeps a loop running in the main thread for the whole session.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import websockets
from rest_framework.authtoken.models import Token

from conversations import services
from conversations.models import Conversation, Handoff
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

CHARGEBACK = "I'm going to file a chargeback with my bank for this order"


def run_async(coro):
    """Run `coro` to the end on a new event loop in another thread."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coro).result()


def ws_url(http_url: str, path: str) -> str:
    return http_url.replace("http", "ws", 1) + path


async def next_event(ws, accept, timeout: float = 30.0) -> dict:
    """The next event on `ws` that `accept` says yes to, skipping the others."""
    async with asyncio.timeout(timeout):
        while True:
            event = json.loads(await ws.recv())
            if accept(event):
                return event


def billing_workspace(*, agents: int, capacity: int):
    """A workspace whose chargeback topic goes round-robin to a specialty of `agents` agents."""
    workspace = factories.WorkspaceFactory(greeting="")
    policy = factories.PolicyFactory(workspace=workspace)
    billing = factories.SpecialtyFactory(workspace=workspace, name="billing")
    users = [factories.AgentFactory(workspace=workspace, capacity=capacity, specialties=[billing]).user
             for _ in range(agents)]
    factories.RestrictedTopicFactory(policy=policy, name="Billing disputes", keywords=["chargeback"],
                                     examples=["I want to dispute a charge"], target_kind="specialty",
                                     target_specialty=billing)
    return workspace, users


def test_visitor_on_one_process_and_agent_on_the_other_see_each_other_live(scale_out):
    daphne_a, daphne_b = scale_out["urls"]
    workspace, (agent,) = billing_workspace(agents=1, capacity=5)
    token = Token.objects.create(user=agent).key
    conversation, visitor_token = services.widget_conversation_start(workspace=workspace)

    async def visitor_and_agent():
        async with websockets.connect(ws_url(daphne_b, f"/ws/inbox/?token={token}")) as inbox, \
                websockets.connect(ws_url(daphne_a, f"/ws/widget/{conversation.pk}/?token={visitor_token}")) as widget:
            await widget.send(json.dumps({"type": "message.send", "body": "Where is my parcel?"}))
            seen = await next_event(inbox, lambda e: e["type"] == "message.created"
                                    and e["message"]["sender_type"] == "visitor")
            # A worker takes the turn (no knowledge base here: it hands off and says so); the visitor hears it.
            answered = await next_event(widget, lambda e: e["type"] == "message.created"
                                        and e["message"]["sender_type"] in ("ai", "system"), timeout=60)
            async with httpx.AsyncClient(base_url=daphne_b, headers={"Authorization": f"Token {token}"}) as api:
                reply = await api.post(f"/api/v1/conversations/{conversation.pk}/messages/",
                                       json={"body": "Hi, Ana here, let me check."})
            heard = await next_event(widget, lambda e: e["type"] == "message.created"
                                     and e["message"]["sender_type"] == "agent")
            return seen, answered, reply, heard

    seen, answered, reply, heard = run_async(visitor_and_agent())
    assert (seen["message"]["body"], seen["message"]["conversation"]) == ("Where is my parcel?", str(conversation.pk))
    assert answered["message"]["conversation"] == str(conversation.pk)
    assert reply.status_code == 201, reply.text
    assert heard["message"]["body"] == "Hi, Ana here, let me check."


def test_simultaneous_handoffs_over_two_processes_and_two_workers_stay_race_free(scale_out):
    """12 chargebacks at once, half on each Daphne, turns on two workers: 3 agents of capacity 2
    take exactly 6, each conversation has exactly one handoff, nobody goes over capacity."""
    workspace, users = billing_workspace(agents=3, capacity=2)
    conversations = [services.widget_conversation_start(workspace=workspace) for _ in range(12)]

    async def all_at_once():
        sockets = [await websockets.connect(ws_url(scale_out["urls"][i % 2], f"/ws/widget/{c.pk}/?token={t}"))
                   for i, (c, t) in enumerate(conversations)]
        try:
            await asyncio.gather(*(ws.send(json.dumps({"type": "message.send", "body": CHARGEBACK}))
                                   for ws in sockets))
            await asyncio.gather(*(next_event(ws, lambda e: e["type"] == "handoff.updated", timeout=60)
                                   for ws in sockets))
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets))

    run_async(all_at_once())

    def outcome():
        handoffs = list(Handoff.objects.filter(conversation__workspace=workspace))
        assignees = Counter(Conversation.objects.filter(workspace=workspace, assignee__isnull=False)
                            .values_list("assignee_id", flat=True))
        return handoffs, assignees

    deadline = time.monotonic() + 30
    handoffs, assignees = outcome()
    while sum(assignees.values()) < 6 and time.monotonic() < deadline:  # the last assignments may still commit
        time.sleep(0.5)
        handoffs, assignees = outcome()
    per_conversation = Counter(h.conversation_id for h in handoffs)
    assert len(per_conversation) == 12 and set(per_conversation.values()) == {1}, "one handoff per conversation"
    assert sum(assignees.values()) == 6, f"capacity 3×2 filled exactly: {dict(assignees)}"
    assert set(assignees) <= {u.pk for u in users} and max(assignees.values()) == 2
    assert sum(1 for h in handoffs if h.assigned_to_id is None and h.status == Handoff.Status.PENDING) == 6
