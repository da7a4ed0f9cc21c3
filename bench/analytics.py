"""Analytics queries and the inbox list on a big synthetic workspace, timed on the real PostgreSQL.

Usage (from the checkout, so manage.py's database is reachable):

    .venv/bin/python manage.py seed_bench                  # once: 100,000 conversations, 1,000,000 messages
    .venv/bin/python bench/analytics.py [--slug bench] [--runs 7] [--json out.json] [--explain]

Each analytics function of `csat.selectors` is one SQL query; it runs once to warm the cache,
then --runs times, and the table shows the median and the slowest run in milliseconds, for the
last 30 days and for the whole year. The inbox list is `conversations.selectors.conversation_list`
for one page of 50 (the page query and its handoff prefetch), for the first page of "all",
`status=open` and `needs_agent=true`, plus building the 50 payloads. Targets: every analytics
query under 300 ms, the inbox page under 50 ms ("ok" compares the median: on a shared 2-core machine
the slowest run mostly measures the neighbours).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_json  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("HELPDESK_DEMO", "1")

ANALYTICS_TARGET_MS = 300.0
INBOX_TARGET_MS = 50.0


def timed(fn: Callable[[], object], runs: int) -> dict[str, float]:
    fn()  # warm-up: connection, plan cache, shared buffers
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1), "runs": runs}


def queries_of(fn: Callable[[], object]) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return [q["sql"] for q in captured.captured_queries]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slug", default="bench")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", dest="json_path", help="Also write the figures as JSON to this file.")
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN ANALYZE of every query.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from conversations import payloads
    from conversations import selectors as inbox
    from conversations.models import Conversation, Message
    from workspaces.models import Workspace
    from csat import selectors
    from routing.models import AgentProfile

    workspace = Workspace.objects.filter(slug=args.slug).first()
    if workspace is None:
        sys.exit(f"No workspace {args.slug!r}: run `python manage.py seed_bench` first.")
    viewer = AgentProfile.objects.filter(workspace=workspace).order_by("pk").first().user
    team = workspace.teams.order_by("pk").first()
    now = timezone.now()
    periods = {"30d": selectors.Period.last_days(30), "365d": selectors.Period.last_days(365)}

    cases: list[tuple[str, str, Callable[[], object], float]] = []
    for label, period in periods.items():
        kw = {"workspace": workspace, "period": period}
        cases += [
            ("analytics", f"conversation_counts {label}", lambda kw=kw: selectors.conversation_counts(**kw),
             ANALYTICS_TARGET_MS),
            ("analytics", f"handoffs_by_trigger {label}", lambda kw=kw: selectors.handoffs_by_trigger(
                **kw, conversations=1), ANALYTICS_TARGET_MS),
            ("analytics", f"csat_overview {label}", lambda kw=kw: selectors.csat_overview(**kw), ANALYTICS_TARGET_MS),
            ("analytics", f"csat_by_agent {label}", lambda kw=kw: selectors.csat_by_agent(**kw), ANALYTICS_TARGET_MS),
            ("analytics", f"csat_by_team {label}", lambda kw=kw: selectors.csat_by_team(**kw), ANALYTICS_TARGET_MS),
            ("analytics", f"first_human_reply {label}", lambda kw=kw: selectors.first_human_reply(**kw),
             ANALYTICS_TARGET_MS),
            ("analytics", f"daily_volume {label}", lambda kw=kw: selectors.daily_volume(**kw), ANALYTICS_TARGET_MS),
            ("analytics", f"conversation_counts {label} team", lambda kw=kw: selectors.conversation_counts(
                **kw, team=team), ANALYTICS_TARGET_MS),
        ]
    cases.append(("analytics", "open_handoffs_by_age", lambda: selectors.open_handoffs_by_age(
        workspace=workspace, now=now), ANALYTICS_TARGET_MS))
    for label, period in periods.items():
        cases.append(("page", f"analytics page, all queries {label}", lambda period=period: selectors.analytics_report(
            workspace=workspace, period=period, now=now), 0.0))

    inbox_filters = (("all", {}), ("status=open", {"status": "open"}), ("needs_agent=true", {"needs_agent": True}))
    for label, filters in inbox_filters:
        def page(filters=filters):
            return list(inbox.conversation_list(viewer=viewer, **filters)[:50])

        cases.append(("inbox", f"inbox page {label} (query + prefetch)", page, INBOX_TARGET_MS))
        cases.append(("inbox", f"inbox page {label} + 50 payloads",
                      lambda page=page: [payloads.conversation_payload(c) for c in page()], INBOX_TARGET_MS))
        cases.append(("info", f"inbox count {label} (paginator)",
                      lambda filters=filters: inbox.conversation_list(viewer=viewer, **filters).count(), 0.0))

    sizes = {
        "conversations": Conversation.objects.filter(workspace=workspace).count(),
        "messages": Message.objects.filter(conversation__workspace=workspace).count(),
    }
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]

    results = []
    for kind, name, fn, target in cases:
        figures = timed(fn, args.runs)
        queries = queries_of(fn)
        ok = None if not target else figures["median_ms"] < target
        results.append({"kind": kind, "name": name, **figures, "queries": len(queries), "target_ms": target or None,
                        "ok": ok})
        if args.explain:
            for sql in queries:
                print(f"\n--- {name}\n{sql}\n{explain(sql)}")

    print(f"\nWorkspace {args.slug!r}: {sizes['conversations']:,} conversations, {sizes['messages']:,} messages; "
          f"PostgreSQL {server}; {args.runs} runs after a warm-up.\n")
    width = max(len(r["name"]) for r in results)
    print(f"{'query':<{width}}  {'median ms':>9}  {'max ms':>8}  {'queries':>7}  {'target':>7}  ok")
    print("-" * (width + 45))
    for r in results:
        target = f"{r['target_ms']:.0f}" if r["target_ms"] else "—"
        ok = {True: "yes", False: "NO", None: ""}[r["ok"]]
        print(f"{r['name']:<{width}}  {r['median_ms']:>9.1f}  {r['max_ms']:>8.1f}  {r['queries']:>7}  "
              f"{target:>7}  {ok}")

    if args.json_path:
        write_json(args.json_path, {"workspace": args.slug, "sizes": sizes, "postgresql": server,
                                    "runs": args.runs, "results": results})
        print(f"\nWrote {args.json_path}")


if __name__ == "__main__":
    main()
