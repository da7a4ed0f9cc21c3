"""Sustained load over the public websockets: how many visitor messages a second one Daphne carries.

One command (starts its own stack with the launcher on --port, runs everything, stops it):

    .venv/bin/python bench/load.py --json bench/results/load.json

or against a running stack: `--url http://127.0.0.1:8000` (run from its checkout: the bench
creates its workspace, agents and conversations through manage.py's database).

Parts, each bounded in time:
1. Sweep. For each rate R (--rates, messages/s) it opens max(200, 5 R) widget sockets (≤ 2,000)
   and --agents inbox sockets, sends R messages a second for --step seconds, round-robin over
   the visitors (each one writes every ~5 s), and measures per message visitor → inbox (the
   agent socket's `message.created`) and visitor → AI reply (the visitor's socket), then waits
   up to --drain seconds for stragglers. Lost = messages the inbox never showed. AI turns still
   queued after the drain are counted as pending and abandoned, so they do not load the next rate.
   Floors in the same run, at the same rate: a bare `websockets` relay (a subprocess relaying
   each visitor frame to the agent socket, no Django) and a bare Channels group_send over the
   same Redis (no Daphne, no database).
   Capacity = the highest rate with p99 visitor → inbox ≤ 250 ms and nothing lost; also reported, the
   highest such rate at which every AI reply came in by the end of the drain (the AI's own capacity).
   With --processes 1,2 the sweep runs again with a second Daphne (visitors split between the
   two, the agent on the first), reporting the capacity of one process against two.
   Diagnostic: `--parts sweep --without-ai` runs the stack without its turns worker (turns are
   queued, never taken): the inbox path alone, without the AI's CPU on the same cores.
2. Sockets: 2,000 widget sockets on one Daphne (the first 200 as one simultaneous burst: all
   accepted?), its RSS with them all open; then 60 simultaneous handoffs (a restricted topic
   routed to a team of available agents): how many were assigned, and how long the last took.

Every run prints the machine's load average: figures from a shared machine are pessimistic.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from asgiref.sync import sync_to_async

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_json  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

INBOX_P99_LIMIT_MS = 250.0
QUESTION = "How long does shipping take?"
HANDOFF_TEXT = "You charged me twice for the same order, I want to dispute it"


# --- figures ------------------------------------------------------------------------
def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "n": 0}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": round(statistics.median(ordered), 1), "p95": pick(0.95), "p99": pick(0.99), "n": len(ordered)}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def capacity(rows: list[dict], *, ai_kept_up: bool = False) -> int | None:
    """The highest rate with p99 visitor -> inbox <= INBOX_P99_LIMIT_MS and nothing lost; with `ai_kept_up`, also
    every AI reply in by the end of the drain (a backlog of visitors still waiting is no capacity for them)."""
    ok = [r["rate"] for r in rows if r["lost"] == 0 and r["inbox_ms"]["p99"] is not None
          and r["inbox_ms"]["p99"] <= INBOX_P99_LIMIT_MS and not (ai_kept_up and r["ai_pending_after_drain"])]
    return max(ok) if ok else None


# --- the stack ----------------------------------------------------------------------
def _wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None, probe: str = "/healthz") -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}{probe}", timeout=2).status_code == 200:
                return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the stack exited with code {proc.returncode} before answering {url}/healthz")
        time.sleep(0.5)
    raise RuntimeError(f"{url}{probe} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def launched_stack(port: int, log_path: Path, *, with_ai: bool = True):
    """`python -m helpdesk.launcher run` on our port (Daphne, workers, beat), stopped on exit.
    Without the AI: no turns worker (readiness then says "worker: not_ready"; only liveness is awaited)."""
    env = {**os.environ, "HELPDESK_DEMO": "0", "PORT": str(port), "HOST": "127.0.0.1"}
    processes = "web,worker,jobs,beat" if with_ai else "web,jobs,beat"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "helpdesk.launcher", "run", "--port", str(port),
                                 "--processes", processes],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_http(f"http://127.0.0.1:{port}", 300, proc, probe="/healthz" if with_ai else "/healthz/live")
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@contextlib.contextmanager
def extra_daphne(port: int, log_path: Path):
    """A second Daphne process on the same database and Redis."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                                 "helpdesk.asgi:application"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_http(f"http://127.0.0.1:{port}", 120, proc)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def daphne_cpu_seconds(ws_bases: list[str]) -> float | None:
    """User + system CPU seconds of the Daphne processes behind these addresses (None if not local)."""
    import psutil

    total = 0.0
    for base in ws_bases:
        pid = daphne_pid(int(base.rsplit(":", 1)[-1]))
        if pid is None:
            return None
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def daphne_pid(port: int) -> int | None:
    import psutil

    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            return conn.pid
    return None


# --- data, through the real services --------------------------------------------------
def setup_workspace(slug: str, *, agents: int, handoffs: bool) -> tuple[object, list[str]]:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from conversations import knowledge
    from helpdesk.workspace_config import workspace_import
    from workspaces.models import Workspace

    document = json.loads((ROOT / "helpdesk" / "demo_workspace.json").read_text())
    document["workspace"]["greeting"] = ""
    names = [f"{slug}-agent{i}" for i in range(agents)]
    document["agents"] = [{"username": n, "name": f"Load agent {i}", "capacity": 1000, "available": True,
                           "teams": [], "specialties": ["billing"] if handoffs else []} for i, n in enumerate(names)]
    document["teams"], document["flows"] = [], []
    if handoffs:
        # Round-robin over a specialty: each handoff is assigned to an agent at once.
        document["specialties"] = [{"name": "billing"}]
        billing = [t for t in document["policy"]["restricted_topics"] if t["name"] == "Billing disputes"]
        billing[0]["target"] = {"kind": "specialty", "name": "billing"}
        document["policy"].update(default_target={"kind": "specialty", "name": "billing"},
                                  restricted_topics=billing, gather=[])
    else:
        document["specialties"] = []
        document["policy"].update(level="ai_only", default_target=None, restricted_topics=[], gather=[])
    workspace = Workspace.objects.filter(slug=slug).first() or Workspace.objects.create(name=slug, slug=slug)
    workspace_import(document=document, workspace=workspace)
    knowledge.knowledge_reindex(workspace=workspace)
    users = get_user_model().objects.filter(username__in=names).order_by("id")
    return workspace, [Token.objects.get_or_create(user=u)[0].key for u in users]


def new_conversations(workspace, count: int) -> list[tuple[str, str]]:
    from conversations import services

    return [(str(c.pk), token) for c, token in (services.widget_conversation_start(workspace=workspace)
                                                for _ in range(count))]


def wait_for_empty_queue(timeout: float = 300) -> float:
    """Until the workers have taken every queued task (e.g. the start of the conversations just
    created): the clock of a measurement starts on an empty queue. Returns the seconds waited."""
    from django.conf import settings

    from helpdesk.celery import app

    began = time.monotonic()
    with app.connection_for_read() as connection:
        client = connection.default_channel.client
        while client.llen(settings.CELERY_TASK_DEFAULT_QUEUE) and time.monotonic() - began < timeout:
            time.sleep(0.2)
    time.sleep(1)  # the last prefetched tasks finish
    return round(time.monotonic() - began, 1)


# False with --url: the stack may have real visitors, whose queued turns a purge would delay (the product's sweep
# queues them again, 30 s later); the bench's own turns are then only marked settled, and their tasks end at once
PURGE_QUEUE = True


def purge_turns() -> int:
    from helpdesk.celery import app

    return (app.control.purge() or 0) if PURGE_QUEUE else 0


def abandon_turns() -> int:
    """Purge the queued turns and mark the bench's unanswered visitor messages settled. A purge alone
    is not enough: the product's turn sweep queues every turn without an outcome again (nothing
    is lost), so a saturated rate's turns came back 30 s later, 200 at a time, into the next
    measurement. Returns how many turns were abandoned."""
    from django.utils import timezone

    from conversations.models import Message

    purge_turns()
    return Message.objects.filter(
        conversation__workspace__slug__startswith="load-bench", sender_type=Message.SenderType.VISITOR,
        turn_processed_at__isnull=True,
    ).update(turn_processed_at=timezone.now(), turn_outcome=Message.TurnOutcome.MERGED, turn_lease_until=None)


def close_bench_handoffs(slug: str) -> int:
    """Close the handoffs open in the bench's handoff workspace. Nobody takes them: left open, every
    run added 60 to the queue the product's sweeps work through, and the sweeps (rightly) re-routed them,
    or assigned them to the one agent a later run brings online, during a measurement. Returns how many."""
    from conversations.models import Conversation, Handoff

    Conversation.objects.filter(workspace__slug=slug).exclude(status=Conversation.Status.RESOLVED).update(
        status=Conversation.Status.RESOLVED, assignee=None, needs_agent=False)
    return Handoff.objects.filter(conversation__workspace__slug=slug, status=Handoff.Status.PENDING).update(
        status=Handoff.Status.CANCELLED)


# --- sockets --------------------------------------------------------------------------
@dataclass
class Tracker:
    sent: dict[str, float] = field(default_factory=dict)  # tag -> send time
    inbox_ms: dict[str, float] = field(default_factory=dict)
    ai_ms: dict[str, float] = field(default_factory=dict)
    waiting_ai: dict[str, str] = field(default_factory=dict)  # conversation -> tag awaiting a reply
    superseded: int = 0
    errors: int = 0
    rate_limited: int = 0  # error frames saying the stack's per-address limit refused the message


def _tag(body: str) -> str:
    return body.rsplit("#", 1)[-1]


async def agent_reader(ws, tracker_ref: list[Tracker], handoff_seen: dict[str, float] | None = None) -> None:
    async for raw in ws:
        event = json.loads(raw)
        kind = event.get("type")
        if kind == "message.created" and event["message"]["sender_type"] == "visitor":
            tracker = tracker_ref[0]
            tag = _tag(event["message"]["body"])
            if tag in tracker.sent and tag not in tracker.inbox_ms:
                tracker.inbox_ms[tag] = (time.perf_counter() - tracker.sent[tag]) * 1000
        elif handoff_seen is not None and kind == "handoff.updated" and (event.get("handoff") or {}).get("assigned_to"):
            handoff_seen.setdefault(event["conversation"], time.perf_counter())


async def visitor_reader(ws, conversation_id: str, tracker_ref: list[Tracker]) -> None:
    async for raw in ws:
        event = json.loads(raw)
        kind = event.get("type")
        tracker = tracker_ref[0]
        if kind == "message.created" and event["message"]["sender_type"] == "ai":
            tag = tracker.waiting_ai.pop(conversation_id, None)
            if tag is not None:
                tracker.ai_ms[tag] = (time.perf_counter() - tracker.sent[tag]) * 1000
        elif kind == "error":
            tracker.errors += 1
            error = event.get("error")  # {"type": "error", "error": {"code", "message", "fields"}} (helpdesk/sockets.py)
            tracker.rate_limited += isinstance(error, dict) and error.get("code") == "rate_limited"


async def open_sockets(urls: list[str], burst: int = 200) -> tuple[list, int]:
    """Connect in bursts of `burst` simultaneous handshakes; returns the sockets and the refusals."""
    import websockets

    sockets, refused = [], 0
    for start in range(0, len(urls), burst):
        results = await asyncio.gather(*(websockets.connect(u, max_queue=None, open_timeout=30, ping_interval=None)
                                         for u in urls[start:start + burst]), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                refused += 1
                sockets.append(None)
            else:
                sockets.append(result)
    return sockets, refused


async def close_all(sockets, tasks) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*(ws.close() for ws in sockets if ws is not None), return_exceptions=True)


async def paced(rate: float, duration: float, send) -> int:
    """Call send(i) at `rate` a second for `duration` seconds, on schedule (never bunched after a stall)."""
    total = int(rate * duration)
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await send(i)
    return total


def visitors_for(rate: float) -> int:
    return int(min(2000, max(200, 5 * rate)))


async def sweep_rate(ws_bases: list[str], all_conversations: list[tuple[str, str]], agent_tokens: list[str],
                     rate: float, step: float, drain: float, with_ai: bool = True) -> dict:
    visitors = visitors_for(rate)
    conversations = all_conversations[:visitors]
    tracker_ref = [Tracker()]
    agent_urls = [f"{ws_bases[0]}/ws/inbox/?token={t}" for t in agent_tokens]
    visitor_urls = [f"{ws_bases[i % len(ws_bases)]}/ws/widget/{cid}/?token={tok}"
                    for i, (cid, tok) in enumerate(conversations)]
    agents, agents_refused = await open_sockets(agent_urls)
    widgets, refused = await open_sockets(visitor_urls)
    tasks = [asyncio.create_task(agent_reader(ws, tracker_ref)) for ws in agents if ws is not None]
    tasks += [asyncio.create_task(visitor_reader(ws, cid, tracker_ref))
              for ws, (cid, _) in zip(widgets, conversations) if ws is not None]
    live = [(ws, cid) for ws, (cid, _) in zip(widgets, conversations) if ws is not None]
    await asyncio.sleep(1)
    tracker = tracker_ref[0]

    async def send(i: int) -> None:
        ws, cid = live[i % len(live)]
        tag = f"{rate:g}-{i}-{uuid.uuid4().hex[:6]}"
        if cid in tracker.waiting_ai:
            tracker.superseded += 1  # its turn is overtaken by this newer message (the AI answers the latest)
        tracker.sent[tag] = time.perf_counter()
        tracker.waiting_ai[cid] = tag
        await ws.send(json.dumps({"type": "message.send", "body": f"{QUESTION} #{tag}"}))

    cpu_before = daphne_cpu_seconds(ws_bases)
    began = time.perf_counter()
    total = await paced(rate, step, send)
    achieved = total / (time.perf_counter() - began)
    deadline = time.monotonic() + drain
    while time.monotonic() < deadline and (len(tracker.inbox_ms) < total or (with_ai and tracker.waiting_ai)):
        await asyncio.sleep(0.2)
    cpu_after = daphne_cpu_seconds(ws_bases)
    ai_pending = len(tracker.waiting_ai) if with_ai else None
    await close_all([*agents, *widgets], tasks)
    await sync_to_async(abandon_turns)()
    return {
        "rate": rate, "with_ai": with_ai, "achieved_rate": round(achieved, 1), "visitors": visitors, "agents": len(agent_tokens),
        "sockets_refused": refused + agents_refused, "sent": total,
        "inbox_ms": percentiles(list(tracker.inbox_ms.values())),
        "ai_reply_ms": percentiles(list(tracker.ai_ms.values())),
        "lost": total - len(tracker.inbox_ms), "ai_pending_after_drain": ai_pending,
        "ai_superseded": tracker.superseded, "error_frames": tracker.errors, "rate_limited": tracker.rate_limited,
        "load_average": load_average(),
        # Daphne's CPU per visitor message (taking it, the inbox and visitor frames, the AI reply's
        # frames): with one process, 1000 / this is the most messages a second one core can carry.
        "daphne_cpu_ms_per_message": (round((cpu_after - cpu_before) * 1000 / total, 2)
                                      if cpu_before is not None and cpu_after is not None and total else None),
    }


# --- floors -------------------------------------------------------------------------
def _relay_server(port: int, ready) -> None:
    import websockets
    from websockets.asyncio.server import serve

    agents: set = set()

    async def handler(ws) -> None:
        if ws.request.path.startswith("/agent"):
            agents.add(ws)
            try:
                await ws.wait_closed()
            finally:
                agents.discard(ws)
            return
        async for frame in ws:
            websockets.broadcast(agents, frame)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port, max_queue=None, ping_interval=None):
            ready.set()
            await asyncio.Future()

    asyncio.run(main())


async def floor_websockets(port: int, rate: float, duration: float, visitors: int) -> dict:
    """A bare websockets relay in its own process: visitor frame in, the same frame out to the agent."""
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_relay_server, args=(port, ready), daemon=True)
    server.start()
    try:
        ready.wait(30)
        agent_list, _ = await open_sockets([f"ws://127.0.0.1:{port}/agent"])
        senders, _ = await open_sockets([f"ws://127.0.0.1:{port}/visitor"] * min(visitors, 500))
        sent: dict[str, float] = {}
        latency: list[float] = []

        async def read(ws) -> None:
            async for raw in ws:
                latency.append((time.perf_counter() - sent[raw]) * 1000)

        reader = asyncio.create_task(read(agent_list[0]))

        async def send(i: int) -> None:
            body = f"{i}-{uuid.uuid4().hex[:6]}"
            sent[body] = time.perf_counter()
            await senders[i % len(senders)].send(body)

        total = await paced(rate, duration, send)
        deadline = time.monotonic() + 5
        while len(latency) < total and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await close_all([*agent_list, *senders], [reader])
        return {**percentiles(latency), "lost": total - len(latency)}
    finally:
        server.terminate()
        server.join(5)


async def floor_group_send(rate: float, duration: float) -> dict:
    """A bare Channels group_send over the app's Redis channel layer: no Daphne, no database."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    group = f"loadbench.{uuid.uuid4().hex}"
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    await asyncio.sleep(0.3)
    latency: list[float] = []

    async def read() -> None:
        while True:
            message = await layer.receive(channel)
            latency.append((time.perf_counter() - message["sent"]) * 1000)

    reader = asyncio.create_task(read())
    total = await paced(rate, duration, lambda i: layer.group_send(group, {"type": "relay", "sent": time.perf_counter()}))
    deadline = time.monotonic() + 5
    while len(latency) < total and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    await layer.group_discard(group, channel)
    return {**percentiles(latency), "lost": total - len(latency)}


# --- sockets and handoffs --------------------------------------------------------------
async def socket_count(ws_base: str, port: int, workspace, total: int) -> dict:
    import psutil

    conversations = await sync_to_async(new_conversations)(workspace, total)
    urls = [f"{ws_base}/ws/widget/{cid}/?token={tok}" for cid, tok in conversations]
    pid = daphne_pid(port)
    rss_before = psutil.Process(pid).memory_info().rss if pid else None
    started = time.perf_counter()
    first, first_refused = await open_sockets(urls[:200], burst=200)
    burst_s = time.perf_counter() - started
    rest, rest_refused = await open_sockets(urls[200:], burst=200)
    sockets = first + rest
    await asyncio.sleep(2)
    alive = 0
    pings = await asyncio.gather(*(ws.ping() for ws in sockets if ws is not None), return_exceptions=True)
    waits = await asyncio.gather(*(asyncio.wait_for(p, 30) for p in pings if not isinstance(p, BaseException)),
                                 return_exceptions=True)
    alive = sum(1 for w in waits if not isinstance(w, BaseException))
    rss = psutil.Process(pid).memory_info().rss if pid else None
    await close_all(sockets, [])
    return {"sockets": total, "open_and_answering_ping": alive, "burst": 200,
            "burst_accepted": 200 - first_refused, "burst_seconds": round(burst_s, 2),
            "refused": first_refused + rest_refused,
            "daphne_rss_mb_before": round(rss_before / 2**20, 1) if rss_before else None,
            "daphne_rss_mb": round(rss / 2**20, 1) if rss else None, "load_average": load_average()}


async def simultaneous_handoffs(ws_base: str, count: int, timeout: float) -> dict:
    workspace, agent_tokens = await sync_to_async(setup_workspace)("load-bench-handoffs", agents=6, handoffs=True)
    await sync_to_async(abandon_turns)()
    await sync_to_async(close_bench_handoffs)("load-bench-handoffs")
    conversations = await sync_to_async(new_conversations)(workspace, count)
    await sync_to_async(wait_for_empty_queue)()
    assigned_at: dict[str, float] = {}
    agents, _ = await open_sockets([f"{ws_base}/ws/inbox/?token={agent_tokens[0]}"])
    reader = asyncio.create_task(agent_reader(agents[0], [Tracker()], handoff_seen=assigned_at))
    widgets, refused = await open_sockets([f"{ws_base}/ws/widget/{cid}/?token={tok}" for cid, tok in conversations])
    await asyncio.sleep(1)
    started = time.perf_counter()
    await asyncio.gather(*(ws.send(json.dumps({"type": "message.send", "body": HANDOFF_TEXT}))
                           for ws in widgets if ws is not None))
    wanted = {cid for cid, _ in conversations}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not wanted <= assigned_at.keys():
        await asyncio.sleep(0.1)
    await close_all([*agents, *widgets], [reader])
    # Left open, the 60 would be re-routed by the product once their agent's socket has been gone 30 s:
    # ~2 s of the jobs worker's CPU in the middle of the sweep's first rate.
    await sync_to_async(close_bench_handoffs)("load-bench-handoffs")
    times = [(assigned_at[c] - started) for c in wanted if c in assigned_at]
    return {"handoffs": count, "assigned": len(times), "refused_sockets": refused,
            "last_assigned_s": round(max(times), 2) if times else None,
            "p50_assigned_s": round(statistics.median(times), 2) if times else None,
            "waited_s": timeout, "load_average": load_average()}


# --- the run ----------------------------------------------------------------------------
async def sweep(ws_bases: list[str], rates: list[float], step: float, drain: float, agents: int,
                floor_port: int, label: str, with_ai: bool = True) -> dict:
    workspace, agent_tokens = await sync_to_async(setup_workspace)("load-bench", agents=agents, handoffs=False)
    # One set of conversations for the whole sweep (each rate uses the first N): creating them is slow.
    await sync_to_async(abandon_turns)()  # an earlier run's leftovers
    conversations = await sync_to_async(new_conversations)(workspace, max(visitors_for(r) for r in rates))
    await sync_to_async(wait_for_empty_queue if with_ai else purge_turns)()
    rows = []
    for rate in rates:
        row = await sweep_rate(ws_bases, conversations, agent_tokens, rate, step, drain, with_ai)
        row["floor_websockets_ms"] = await floor_websockets(floor_port, rate, min(step, 5), row["visitors"])
        row["floor_group_send_ms"] = await floor_group_send(rate, min(step, 5))
        print_row(label, row)
        rows.append(row)
        await asyncio.sleep(2)
    return {"processes": len(ws_bases), "with_ai": with_ai, "rows": rows, "capacity": capacity(rows),
            "capacity_ai_kept_up": capacity(rows, ai_kept_up=True) if with_ai else None}


def fmt(p: dict) -> str:
    return "-" if p["p50"] is None else f"{p['p50']:.0f}/{p['p95']:.0f}/{p['p99']:.0f}"


def print_row(label: str, r: dict) -> None:
    print(f"{label:<10}{r['rate']:>6g}{r['achieved_rate']:>8}{r['visitors']:>6}{fmt(r['inbox_ms']):>18}"
          f"{fmt(r['ai_reply_ms']):>20}{r['lost']:>6}{r['error_frames']:>6}{_dash(r['ai_pending_after_drain']):>8}"
          f"{fmt(r['floor_websockets_ms']):>14}{fmt(r['floor_group_send_ms']):>14}"
          f"{_dash(r['daphne_cpu_ms_per_message']):>10}"
          f"   {r['load_average'][0]}",
          flush=True)


def _dash(value) -> str:
    return "-" if value is None else str(value)


def header() -> None:
    print(f"{'':<10}{'rate':>6}{'sent/s':>8}{'vis':>6}{'inbox p50/95/99':>18}{'AI reply p50/95/99':>20}"
          f"{'lost':>6}{'err':>6}{'AIpend':>8}{'ws floor':>14}{'group_send':>14}{'CPU ms':>10}   load1")


async def run_all(args, url: str, port: int) -> dict:
    ws_base = url.replace("http", "ws", 1)
    rates = [float(r) for r in args.rates.split(",")]
    report: dict = {"started_load_average": load_average(), "cpus": os.cpu_count(), "url": url,
                    "inbox_p99_limit_ms": INBOX_P99_LIMIT_MS, "sweeps": []}
    processes = [int(p) for p in args.processes.split(",")]
    # Sockets and handoffs first: a saturated sweep leaves turns queued in the worker for minutes.
    if args.parts in ("all", "sockets"):
        workspace, _ = await sync_to_async(setup_workspace)("load-bench", agents=args.agents, handoffs=False)
        report["sockets"] = await socket_count(ws_base, port, workspace, args.sockets)
        s = report["sockets"]
        print(f"sockets: {s['open_and_answering_ping']}/{s['sockets']} open, burst of 200: {s['burst_accepted']} "
              f"accepted in {s['burst_seconds']} s, Daphne RSS {s['daphne_rss_mb_before']} → {s['daphne_rss_mb']} MB,"
              f" load {s['load_average'][0]}", flush=True)
        report["handoffs"] = await simultaneous_handoffs(ws_base, 60, args.handoff_timeout)
        h = report["handoffs"]
        print(f"handoffs: {h['assigned']}/{h['handoffs']} assigned, last after {h['last_assigned_s']} s "
              f"(p50 {h['p50_assigned_s']} s), load {h['load_average'][0]}", flush=True)
    if args.parts in ("all", "sweep"):
        header()
        for count in processes:
            if count == 1:
                result = await sweep([ws_base], rates, args.step, args.drain, args.agents, port + 50,
                                     "1 daphne" if args.with_ai else "1 (no AI)", args.with_ai)
            else:
                if args.url:
                    print("skipping the 2-process sweep: it needs the stack started by the bench (no --url)")
                    continue
                with extra_daphne(port + 1, Path(args.logs) / "daphne2.log"):
                    bases = [ws_base, f"ws://127.0.0.1:{port + 1}"]
                    result = await sweep(bases, rates, args.step, args.drain, args.agents, port + 50,
                                         "2 daphne" if args.with_ai else "2 (no AI)", args.with_ai)
            report["sweeps"].append(result)
            print(f"capacity with {count} Daphne process(es): {result['capacity']} messages/s "
                  f"(p99 visitor→inbox ≤ {INBOX_P99_LIMIT_MS:.0f} ms, nothing lost)", flush=True)
            if result["capacity_ai_kept_up"] != result["capacity"] and args.with_ai:
                print(f"  … with every AI reply in by the end of the drain: {result['capacity_ai_kept_up']} messages/s "
                      "(above it, visitors were still waiting for the AI: the 'AI pending' column)", flush=True)
            if any(r["rate_limited"] for r in result["rows"]):
                print("  messages were refused by the stack's per-address limit (error frames 'rate_limited'): every "
                      "bench visitor writes from one address; start the stack given with --url with "
                      "HELPDESK_ADDRESS_MESSAGE_RATE=1000000/min, as the bench's own stack is", flush=True)
    report["finished_load_average"] = load_average()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running stack (default: start one with the launcher on --port); start it "
                                      "with HELPDESK_ADDRESS_MESSAGE_RATE=1000000/min, or its per-address limit "
                                      "refuses the bench's visitors (they all write from one address)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8790))
    parser.add_argument("--rates", default="20,50,100,200,400", help="messages per second, comma-separated")
    parser.add_argument("--step", type=float, default=10.0, help="seconds of sending per rate")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait for stragglers after a rate")
    parser.add_argument("--agents", type=int, default=1, help="agent inbox sockets watching")
    parser.add_argument("--processes", default="1,2", help="Daphne processes to sweep with (1, 2 or 1,2)")
    parser.add_argument("--parts", choices=["all", "sweep", "sockets"], default="all")
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--handoff-timeout", type=float, default=30.0)
    parser.add_argument("--logs", default=str(ROOT / ".state" / "bench-load"))
    parser.add_argument("--json", dest="json_path")
    parser.add_argument("--without-ai", dest="with_ai", action="store_false",
                        help="diagnostic: no turns worker (the turns are queued and never taken), so the sweep "
                             "measures what Daphne carries without the AI's CPU on the same cores; sweep only")
    args = parser.parse_args()
    if not args.with_ai and (args.parts != "sweep" or args.url):
        parser.error("--without-ai starts its own stack and runs the sweep only: add --parts sweep, no --url")

    # Every bench visitor writes from 127.0.0.1: the per-address message limit (120/min by default)
    # would refuse most of them. Real visitors come from many addresses; the per-visitor limit stays
    # (each bench visitor writes every ~5 s). A stack given with --url needs the same setting.
    os.environ.setdefault("HELPDESK_ADDRESS_MESSAGE_RATE", "1000000/min")
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # thousands of sockets
    Path(args.logs).mkdir(parents=True, exist_ok=True)
    print(f"load average {load_average()} on {os.cpu_count()} CPUs", flush=True)
    with contextlib.ExitStack() as stack:
        if args.url:
            global PURGE_QUEUE
            PURGE_QUEUE = False
            url, port = args.url.rstrip("/"), int(args.url.rsplit(":", 1)[-1].split("/")[0])
        else:
            stack.enter_context(launched_stack(args.port, Path(args.logs) / "stack.log", with_ai=args.with_ai))
            url, port = f"http://127.0.0.1:{args.port}", args.port
        import logging

        import django

        django.setup()
        logging.getLogger("websockets").setLevel(logging.WARNING)  # not a line per socket
        report = asyncio.run(run_all(args, url, port))
    report["command"] = " ".join([Path(sys.executable).name, *sys.argv])
    print(f"load average at the end {report['finished_load_average']}")
    if args.json_path:
        write_json(args.json_path, report)


if __name__ == "__main__":
    main()
