"""Analytics on the small hand-built data set of tests/csat/conftest.py (`analytics_data`): answers by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from csat import selectors
from tests.csat.conftest import NOW, PERIOD


@pytest.fixture
def data(analytics_data):
    return analytics_data


def test_conversation_counts(data):
    assert selectors.conversation_counts(workspace=data.workspace, period=PERIOD) == {
        "conversations": 9, "ai_resolved": 2, "ai_resolved_confirmed": 1, "ai_resolved_idle": 0, "handed_off": 5,
        "handoff_rate": 0.5556, "ai_resolution_rate": 0.2222,
    }


def test_a_chat_only_opened_is_no_conversation(data):
    """Trial of 3 Dec: every chat a visitor opened and never wrote in counted, lowering the handoff and AI rates."""
    from tests.csat.conftest import make_conversation

    make_conversation(data.workspace, NOW - dt.timedelta(days=1), senders=("ai",))  # the greeting alone
    counts = selectors.conversation_counts(workspace=data.workspace, period=PERIOD)
    assert (counts["conversations"], counts["handoff_rate"]) == (9, 0.5556)


def test_handoff_rate_by_trigger(data):
    rows = {r["trigger"]: (r["conversations"], r["rate"])
            for r in selectors.handoffs_by_trigger(workspace=data.workspace, period=PERIOD)}
    assert rows == {"user_request": (2, 0.2222), "ai_decision": (1, 0.1111), "restricted_topic": (1, 0.1111),
                    "flow": (1, 0.1111), "agent": (1, 0.1111)}


def test_csat_overall_ai_only_and_human(data):
    assert selectors.csat_overview(workspace=data.workspace, period=PERIOD) == {
        "overall": {"positive": 3, "neutral": 1, "negative": 1, "total": 5, "score": 0.6},
        "ai_only": {"positive": 1, "neutral": 1, "negative": 0, "total": 2, "score": 0.5},
        "human": {"positive": 2, "neutral": 0, "negative": 1, "total": 3, "score": 0.6667},
    }


def test_csat_per_agent_and_per_team(data):
    agents = selectors.csat_by_agent(workspace=data.workspace, period=PERIOD)
    assert [(r["name"], r["positive"], r["neutral"], r["negative"], r["score"]) for r in agents] == [
        ("Ana", 1, 0, 0, 1.0), ("Ben", 1, 0, 1, 0.5)]
    teams = selectors.csat_by_team(workspace=data.workspace, period=PERIOD)
    assert [(r["name"], r["positive"], r["neutral"], r["negative"], r["score"]) for r in teams] == [
        ("Billing", 1, 0, 0, 1.0), ("Tech", 1, 0, 1, 0.5), ("No team", 1, 1, 0, 0.5)]


def test_time_to_first_human_reply(data):
    # Replies after 30, 60, 120 and 600 s: median (60 + 120) / 2; p90 at rank 2.7 → 120 + 0.7 × 480.
    assert selectors.first_human_reply(workspace=data.workspace, period=PERIOD) == {
        "handoffs": 4, "median_s": 90.0, "p90_s": 456.0}


def test_open_handoffs_by_age(data):
    rows = {r["bucket"]: (r["pending"], r["acknowledged"])
            for r in selectors.open_handoffs_by_age(workspace=data.workspace, now=NOW)}
    assert rows == {"lt_5m": (0, 0), "5m_15m": (1, 0), "15m_1h": (0, 0), "1h_4h": (0, 1), "4h_24h": (0, 0),
                    "gt_24h": (0, 0)}


def test_daily_volume(data):
    daily = selectors.daily_volume(workspace=data.workspace, period=PERIOD)
    assert [(d["date"], d["conversations"], d["handed_off"], d["ai_resolved"]) for d in daily] == [
        ("2026-03-01", 2, 0, 2), ("2026-03-02", 1, 0, 0), ("2026-03-03", 2, 2, 0), ("2026-03-04", 0, 0, 0),
        ("2026-03-05", 1, 1, 0), ("2026-03-06", 1, 1, 0), ("2026-03-07", 2, 1, 0)]


def test_the_team_filter(data):
    team = data.billing  # c4, c6, c7
    assert selectors.conversation_counts(workspace=data.workspace, period=PERIOD, team=team)["conversations"] == 3
    assert selectors.analytics_summary(workspace=data.workspace, period=PERIOD, team=team) == {
        "conversations": 3, "ai_resolved": 0, "ai_resolved_confirmed": 0, "ai_resolved_idle": 0, "handed_off": 3,
        "handoff_rate": 1.0,
        "csat": {"positive": 1, "neutral": 0, "negative": 0, "score": 1.0}, "median_first_human_reply_s": 90.0}
    rows = {r["bucket"]: (r["pending"], r["acknowledged"])
            for r in selectors.open_handoffs_by_age(workspace=data.workspace, team=data.tech, now=NOW)}
    assert set(rows.values()) == {(0, 0)}


def test_the_summary_of_api_md(data):
    assert selectors.analytics_summary(workspace=data.workspace, period=PERIOD) == {
        "conversations": 9, "ai_resolved": 2, "ai_resolved_confirmed": 1, "ai_resolved_idle": 0, "handed_off": 5,
        "handoff_rate": 0.5556, "csat": {"positive": 3, "neutral": 1, "negative": 1, "score": 0.6}, "median_first_human_reply_s": 90.0}


def test_an_empty_period_has_zeros_and_no_rates(data):
    empty = selectors.Period(dt.date(2025, 1, 1), dt.date(2025, 1, 2))
    assert selectors.analytics_summary(workspace=data.workspace, period=empty) == {
        "conversations": 0, "ai_resolved": 0, "ai_resolved_confirmed": 0, "ai_resolved_idle": 0, "handed_off": 0,
        "handoff_rate": None,
        "csat": {"positive": 0, "neutral": 0, "negative": 0, "score": None}, "median_first_human_reply_s": None}


def test_report_rows_flatten_every_figure(data):
    report = selectors.analytics_report(workspace=data.workspace, period=PERIOD, now=NOW)
    rows = selectors.report_rows(report)
    assert ("conversations", "", "handoff_rate", 0.5556) in rows
    assert ("csat", "human", "score", 0.6667) in rows
    assert ("csat_by_agent", "Ben", "negative", 1) in rows
    assert ("first_human_reply", "", "p90_s", 456.0) in rows
    assert ("open_handoffs_by_age", "1–4 h", "acknowledged", 1) in rows
    assert ("daily", "2026-03-03", "handed_off", 2) in rows
