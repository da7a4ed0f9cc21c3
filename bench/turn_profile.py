"""What one visitor message and one AI turn cost: SQL queries, commits, Redis round trips, time.

    .venv/bin/python -m helpdesk.embedded run -- .venv/bin/python bench/turn_profile.py [--turns 30] [--json FILE]

Runs in-process on the embedded PostgreSQL and Redis (migrated: `make run` once, or any
`manage.py migrate`), in the bench's workspace (the demo knowledge base, level "ai_only",
no flows, as bench/load.py sets it up). Per step it counts, for each of --turns messages:

- the visitor's message as Daphne takes it from a socket (the visitor's limits, then
  `services.receive_message`: store, publish, enqueue the turn);
- the AI turn as the worker runs it (`turns.process_turn`: claim, flow check, plan, apply,
  publish), the enqueued task purged so that no worker takes it too.

Queries are Django's (`CaptureQueriesContext`); Redis round trips are the packets the
redis-py clients send (a pipeline or a script is one), counted for the channel layer's
asyncio client and Celery's sync client alike. Times are wall clock of this process, so
they depend on the machine's load: the load average is printed with them. CPU ms (this
process's CPU time over the step, all its threads) depends far less on the load.
"""
from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_json  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")


class RedisRoundTrips:
    """Counts the packets redis-py sends (sync and asyncio clients): one per command, pipeline or script."""

    def __init__(self) -> None:
        import redis.asyncio.connection as async_connection
        import redis.connection as sync_connection

        self.count = 0
        counter = self
        for module in (sync_connection, async_connection):
            cls = module.AbstractConnection
            original = cls.send_packed_command
            if module is async_connection:
                async def send(self, command, check_health=True, _original=original):
                    counter.count += 1
                    return await _original(self, command, check_health)
            else:
                def send(self, command, check_health=True, _original=original):
                    counter.count += 1
                    return _original(self, command, check_health)
            cls.send_packed_command = send


def measure(step, redis_trips: RedisRoundTrips) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    before = redis_trips.count
    started, cpu_started = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        step()
    elapsed_ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - cpu_started) * 1000
    sql = [q["sql"] for q in queries.captured_queries]
    return {"ms": elapsed_ms, "cpu_ms": cpu_ms, "queries": len(sql), "commits": sum(1 for s in sql if s.strip().upper() == "COMMIT"),
            "redis_round_trips": redis_trips.count - before, "sql": sql}


def summary(samples: list[dict]) -> dict:
    ms = sorted(s["ms"] for s in samples)
    return {"runs": len(samples), "ms_p50": round(statistics.median(ms), 1), "ms_min": round(ms[0], 1),
            "cpu_ms_p50": round(statistics.median(s["cpu_ms"] for s in samples), 2),
            "queries": max(s["queries"] for s in samples), "commits": max(s["commits"] for s in samples),
            "redis_round_trips": max(s["redis_round_trips"] for s in samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--json", help="write the figures (and one turn's SQL) to this file")
    parser.add_argument("--sql", action="store_true", help="print the SQL of the last message and turn")
    parser.add_argument("--handoff", action="store_true",
                        help="each message asks about a restricted topic: the turn hands off to a specialty "
                             "(round-robin over 6 agents online), as in bench/load.py's simultaneous handoffs")
    args = parser.parse_args()

    import django

    django.setup()
    from bench.load import HANDOFF_TEXT, QUESTION, load_average, purge_turns, setup_workspace
    from conversations import services, turns
    from conversations.models import Conversation
    from helpdesk import ratelimit

    trips = RedisRoundTrips()
    if args.handoff:
        from django.utils import timezone

        from routing.models import AgentProfile

        workspace, _ = setup_workspace("turn-profile-handoffs", agents=6, handoffs=True)
        # Online for the whole run: presence lapses 30 s after the last heartbeat, and no inbox socket is open here.
        AgentProfile.objects.filter(workspace=workspace).update(last_seen_at=timezone.now() + timedelta(hours=1))
    else:
        workspace, _ = setup_workspace("turn-profile", agents=1, handoffs=False)
    body = HANDOFF_TEXT if args.handoff else QUESTION
    load_before = load_average()
    messages, turn_samples = [], []
    address = f"10.{os.getpid() % 250}.{int(time.time()) % 250}.1"  # a fresh per-address message limit each run
    for i in range(args.turns + 1):
        conversation, _ = services.widget_conversation_start(workspace=workspace)
        conversation = Conversation.objects.select_related("workspace", "contact").get(pk=conversation.pk)
        received: list = []

        def take_message() -> None:
            assert ratelimit.visitor_message_wait(contact_id=conversation.contact_id, address=address) is None
            received.append(services.receive_message(conversation=conversation, body=f"{body} #{i}"))

        message_sample = measure(take_message, trips)
        purge_turns()  # no worker may take the turn: this process runs it
        turn_sample = measure(lambda: turns.process_turn(message_id=received[0].pk, claim=uuid.uuid4().hex), trips)
        if i:  # the first pays for loading the assistant and opening connections
            messages.append(message_sample)
            turn_samples.append(turn_sample)
    report = {"load_average_before": load_before, "load_average_after": load_average(),
              "visitor_message": summary(messages), "ai_turn": summary(turn_samples),
              "turn_queries_by_table": collections.Counter(
                  q.split('"')[1] if '"' in q else q.split()[0] for q in turn_samples[-1]["sql"]).most_common(),
              "message_sql": messages[-1]["sql"], "turn_sql": turn_samples[-1]["sql"]}
    print(f"load average before {load_before}, after {report['load_average_after']} ({os.cpu_count()} CPUs)")
    print(f"{'step':<18}{'runs':>5}{'p50 ms':>9}{'min ms':>9}{'CPU ms':>9}{'queries':>9}{'commits':>9}{'redis RT':>10}")
    for name in ("visitor_message", "ai_turn"):
        s = report[name]
        print(f"{name:<18}{s['runs']:>5}{s['ms_p50']:>9}{s['ms_min']:>9}{s['cpu_ms_p50']:>9}{s['queries']:>9}{s['commits']:>9}"
              f"{s['redis_round_trips']:>10}")
    if args.sql:
        for name in ("message_sql", "turn_sql"):
            print(f"\n--- {name} ---")
            for q in report[name]:
                print(q[:220])
    if args.json:
        write_json(args.json, report)


if __name__ == "__main__":
    main()
