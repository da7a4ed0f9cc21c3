"""Real-time latency against a running Helpdesk: visitor message → agent inbox event, and → AI reply.

Usage (with `make run` serving on 127.0.0.1:8000, from the checkout so manage.py's database is reachable):

    .venv/bin/python bench/realtime.py --visitors 200 --agents 20 [--url http://127.0.0.1:8000] [--json out.json]

It creates a dedicated workspace ("realtime-bench", demo knowledge base, AI only so every message
gets an AI reply) with M agents, opens N widget sockets and M inbox sockets, then each visitor
sends one message at a random moment within --window seconds. The baseline is a bare Channels
group broadcast (channel layer group_send to N+M channels, no Daphne, no database) in the same run.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_json  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("HELPDESK_DEMO", "1")


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "n": 0}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": round(statistics.median(ordered), 1), "p95": pick(0.95), "p99": pick(0.99), "n": len(ordered)}


def setup(visitors: int, agents: int) -> tuple[list[tuple[str, str]], list[str]]:
    """Workspace, agents with tokens, visitor conversations with tokens (through the real services)."""
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from conversations import knowledge, services
    from workspaces.models import Workspace
    from helpdesk.workspace_config import workspace_import

    document = json.loads((ROOT / "helpdesk" / "demo_workspace.json").read_text())
    document["workspace"]["greeting"] = ""
    document["policy"].update(level="ai_only", default_target=None, restricted_topics=[], gather=[])
    document["agents"] = [{"username": f"rtbench{i}", "name": f"Bench Agent {i}", "capacity": 1000,
                           "teams": [], "specialties": []} for i in range(agents)]
    document["teams"], document["specialties"], document["flows"] = [], [], []
    workspace = Workspace.objects.filter(slug="realtime-bench").first() or Workspace.objects.create(
        name="Realtime bench", slug="realtime-bench")
    workspace_import(document=document, workspace=workspace)
    knowledge.knowledge_reindex(workspace=workspace)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__in=[a["username"] for a in document["agents"]]).order_by("id")
    agent_tokens = [Token.objects.get_or_create(user=u)[0].key for u in users]
    conversations = [services.widget_conversation_start(workspace=workspace) for _ in range(visitors)]
    return [(str(c.pk), token) for c, token in conversations], agent_tokens


async def baseline_group_send(receivers: int, rounds: int) -> list[float]:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    group = f"bench.{uuid.uuid4().hex}"
    channels = [await layer.new_channel() for _ in range(receivers)]
    for channel in channels:
        await layer.group_add(group, channel)
    await asyncio.sleep(0.5)  # let every subscription settle
    latencies: list[float] = []
    for _ in range(rounds):
        sent = time.perf_counter()
        await layer.group_send(group, {"type": "relay", "sent": sent})

        async def receive(channel: str) -> None:
            await layer.receive(channel)
            latencies.append((time.perf_counter() - sent) * 1000)

        await asyncio.gather(*(receive(c) for c in channels))
    for channel in channels:
        await layer.group_discard(group, channel)
    return latencies


async def run(url: str, conversations: list[tuple[str, str]], agent_tokens: list[str], window: float,
              timeout: float) -> dict:
    import websockets

    ws_base = url.replace("http", "ws", 1)
    sent_at: dict[str, float] = {}
    inbox_latency: list[float] = []
    ai_latency: list[float] = []
    ai_waiting: dict[str, float] = {}
    done = asyncio.Event()
    expected_inbox = len(conversations) * len(agent_tokens)

    async def agent_socket(token: str) -> None:
        async with websockets.connect(f"{ws_base}/ws/inbox/?token={token}", max_queue=None) as ws:
            ready.append(True)
            async for raw in ws:
                event = json.loads(raw)
                if event.get("type") == "message.created" and event["message"]["sender_type"] == "visitor":
                    started = sent_at.get(event["message"]["body"])
                    if started:
                        inbox_latency.append((time.perf_counter() - started) * 1000)
                        if len(inbox_latency) >= expected_inbox and not ai_waiting:
                            done.set()
                if done.is_set():
                    return

    async def visitor_socket(conversation_id: str, token: str) -> None:
        async with websockets.connect(f"{ws_base}/ws/widget/{conversation_id}/?token={token}", max_queue=None) as ws:
            ready.append(True)
            await go.wait()
            await asyncio.sleep(random.uniform(0, window))
            body = f"How long does shipping take? #{uuid.uuid4().hex[:8]}"
            sent_at[body] = ai_waiting[conversation_id] = time.perf_counter()
            await ws.send(json.dumps({"type": "message.send", "body": body}))
            async for raw in ws:
                event = json.loads(raw)
                if event.get("type") == "message.created" and event["message"]["sender_type"] == "ai":
                    ai_latency.append((time.perf_counter() - ai_waiting.pop(conversation_id)) * 1000)
                    if not ai_waiting and len(inbox_latency) >= expected_inbox:
                        done.set()
                    return

    ready: list[bool] = []
    go = asyncio.Event()
    tasks = [asyncio.create_task(agent_socket(t)) for t in agent_tokens]
    tasks += [asyncio.create_task(visitor_socket(c, t)) for c, t in conversations]
    deadline = time.monotonic() + 60
    while len(ready) < len(tasks) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    connected = len(ready)
    go.set()
    try:
        await asyncio.wait_for(done.wait(), timeout=window + timeout)
    except asyncio.TimeoutError:
        pass
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"inbox": inbox_latency, "ai": ai_latency, "connected": connected,
            "missing_inbox_events": expected_inbox - len(inbox_latency), "missing_ai_replies": len(ai_waiting)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--window", type=float, default=10.0, help="seconds over which visitors send")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()

    conversations, agent_tokens = setup(args.visitors, args.agents)
    result = asyncio.run(run(args.url, conversations, agent_tokens, args.window, args.timeout))
    baseline = asyncio.run(baseline_group_send(args.visitors + args.agents, rounds=20))

    figures = {
        "visitor_to_inbox_ms": percentiles(result["inbox"]),
        "visitor_to_ai_reply_ms": percentiles(result["ai"]),
        "baseline_group_send_ms": percentiles(baseline),
        "visitors": args.visitors,
        "agents": args.agents,
        "sockets_connected": result["connected"],
        "missing_inbox_events": result["missing_inbox_events"],
        "missing_ai_replies": result["missing_ai_replies"],
        "send_window_s": args.window,
    }
    base_p50 = figures["baseline_group_send_ms"]["p50"] or float("nan")
    figures["ratio_inbox_p50_to_baseline_p50"] = round(figures["visitor_to_inbox_ms"]["p50"] / base_p50, 2)

    print(f"{'figure':<34}{'p50':>10}{'p95':>10}{'p99':>10}{'n':>8}")
    for key in ("visitor_to_inbox_ms", "visitor_to_ai_reply_ms", "baseline_group_send_ms"):
        f = figures[key]
        print(f"{key:<34}{f['p50']:>10}{f['p95']:>10}{f['p99']:>10}{f['n']:>8}")
    print(f"visitors={args.visitors} agents={args.agents} connected={result['connected']} "
          f"missing inbox events={result['missing_inbox_events']} missing AI replies={result['missing_ai_replies']} "
          f"inbox/baseline p50 ratio={figures['ratio_inbox_p50_to_baseline_p50']}")
    if args.json_path:
        write_json(args.json_path, figures)


if __name__ == "__main__":
    main()
