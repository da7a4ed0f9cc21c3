"""Flow validation: each rule has a graph that breaks exactly that rule, and a clean flow passes."""

from __future__ import annotations

from typing import Any

import pytest

from flows.graph import FlowGraph
from flows.validation import FlowIssue, validate_graph

Nodes = list[tuple[str, str, dict[str, Any]]]
Edges = list[tuple[str, str, str]]


def graph(nodes: Nodes, edges: Edges | None = None) -> FlowGraph:
    """Without `edges`, consecutive nodes are chained by "next"."""
    if edges is None:
        edges = [(a[0], b[0], "next") for a, b in zip(nodes, nodes[1:])]
    return FlowGraph.from_document(
        {
            "nodes": [{"id": i, "type": t, "config": c} for i, t, c in nodes],
            "edges": [{"from": a, "to": b, "when": w} for a, b, w in edges],
        }
    )


def only_issue(g: FlowGraph, *, errors_only: bool = False) -> FlowIssue:
    issues = [i for i in validate_graph(g) if i.severity == "error" or not errors_only]
    assert len(issues) == 1, issues
    return issues[0]


HI = ("hi", "message", {"text": "Hi {{contact.name}}"})
BYE = ("bye", "message", {"text": "Bye"})
ASK = ("ask", "collect_input", {"variable": "email", "question": "Email?", "kind": "email"})
HANDOFF = (
    "handoff",
    "handoff",
    {"target": {"kind": "team", "name": "Billing"}, "reason": "Billing"},
)
RESOLVE = ("done", "resolve", {"resolution": "resolved", "csat": True})


def test_a_complete_flow_has_no_issues() -> None:
    nodes: Nodes = [
        HI,
        ASK,
        (
            "lookup",
            "webhook",
            {
                "url": "https://api.example.org/orders",
                "secret": "s",
                "timeout_seconds": 5,
                "retries": 2,
                "map": {"status": "items.0.status"},
            },
        ),
        (
            "route",
            "branch",
            {
                "conditions": [
                    {"label": "shipped", "variable": "status", "op": "eq", "value": "shipped"},
                    {
                        "label": "angry",
                        "message": True,
                        "op": "matches",
                        "value": "refund|chargeback",
                    },
                    {"label": "open", "op": "in_office_hours", "value": True},
                ]
            },
        ),
        ("eta", "message", {"text": "Your order has shipped, {{email}}."}),
        (
            "intent",
            "ai_action",
            {"task": "classify", "variable": "intent", "labels": ["thanks", "more"]},
        ),
        (
            "tag",
            "action",
            {"add_tags": ["resolved-by-ai"], "set_attributes": {"last_intent": "{{intent}}"}},
        ),
        RESOLVE,
        ("ai", "ai_answer", {}),
        ("sorry", "message", {"text": "Let me get someone from Billing for you."}),
        HANDOFF,
    ]
    edges: Edges = [
        ("hi", "ask", "next"),
        ("ask", "lookup", "next"),
        ("lookup", "route", "next"),
        ("ask", "sorry", "error"),
        ("lookup", "sorry", "error"),
        ("route", "eta", "shipped"),
        ("route", "sorry", "angry"),
        ("route", "sorry", "open"),
        ("route", "ai", "else"),
        ("eta", "intent", "next"),
        ("intent", "tag", "next"),
        ("tag", "done", "next"),
        ("ai", "done", "next"),
        ("sorry", "handoff", "next"),
    ]
    assert validate_graph(graph(nodes, edges)) == []


def test_a_loop_that_waits_for_input_is_fine() -> None:
    g = graph(
        [ASK, ("retry", "message", {"text": "Not found, try again."})],
        [("ask", "retry", "next"), ("retry", "ask", "next")],
    )
    assert validate_graph(g) == []


def test_empty_flow() -> None:
    assert only_issue(FlowGraph()).code == "no_nodes"


def test_unknown_node_type() -> None:
    issue = only_issue(graph([HI, ("x", "teleport", {})]))
    assert (issue.node_id, issue.code) == ("x", "unknown_node_type")
    assert "teleport" in issue.message


@pytest.mark.parametrize(
    ("node", "needle"),
    [
        (("n", "collect_input", {"question": "Email?"}), "variable"),
        (("n", "collect_input", {"variable": "email"}), "question"),
        (("n", "collect_input", {"variable": "t", "question": "?", "kind": "choice"}), "choice"),
        (("n", "handoff", {"reason": "why"}), "hand off to"),
        (("n", "handoff", {"target": {"kind": "team"}}), "hand off to"),
        (("n", "webhook", {}), "URL"),
        (("n", "branch", {"conditions": []}), "condition"),
        (
            ("n", "branch", {"conditions": [{"label": "a", "op": "eq", "value": "1"}]}),
            "what to test",
        ),
        (("n", "branch", {"conditions": [{"variable": "v", "op": "eq", "value": "1"}]}), "label"),
        (("n", "message", {"text": "  "}), "message"),
        (("n", "ai_action", {"task": "classify", "variable": "intent"}), "labels"),
        (("n", "ai_action", {"variable": "intent"}), "task"),
        (("n", "action", {}), "tag"),
    ],
)
def test_missing_required_config(node: tuple[str, str, dict[str, Any]], needle: str) -> None:
    edges: Edges = [("hi", "n", "next")] + ([("n", "bye", "else")] if node[1] == "branch" else [])
    nodes: Nodes = [HI, node] + ([BYE] if node[1] == "branch" else [])
    issue = only_issue(graph(nodes, edges), errors_only=True)
    assert (issue.node_id, issue.code) == ("n", "missing_config")
    assert needle in issue.message


@pytest.mark.parametrize(
    "node",
    [
        ("n", "collect_input", {"variable": "email", "question": "?", "kind": "date"}),
        ("n", "collect_input", {"variable": "my email", "question": "?"}),
        ("n", "resolve", {"resolution": "closed"}),
        ("n", "resolve", {"csat": "yes"}),
        ("n", "handoff", {"target": {"kind": "robot", "name": "R2"}}),
        ("n", "webhook", {"url": "https://x.org", "timeout_seconds": 0}),
        ("n", "webhook", {"url": "https://x.org", "map": {"1bad": "a.b"}}),
        ("n", "action", {"add_tags": "vip"}),
    ],
)
def test_invalid_config(node: tuple[str, str, dict[str, Any]]) -> None:
    issue = only_issue(graph([HI, node]))
    assert (issue.node_id, issue.code) == ("n", "invalid_config")


def test_branch_condition_with_bad_operator_or_regex() -> None:
    for condition in (
        {"label": "a", "variable": "v", "op": "like", "value": "x"},
        {"label": "a", "message": True, "op": "matches", "value": "(unclosed"},
        {"label": "a", "variable": "tries", "op": "at_least", "value": "twice"},
    ):
        g = graph(
            [("b", "branch", {"conditions": [condition]}), BYE, HI],
            [("b", "bye", "a"), ("b", "hi", "else")],
        )
        assert only_issue(g, errors_only=True).code == "invalid_config"


def test_an_action_counts_variables_by_their_names() -> None:
    assert validate_graph(graph([HI, ("count", "action", {"count": ["tries"]}), BYE])) == []
    issue = only_issue(graph([HI, ("count", "action", {"count": ["2 tries"]}), BYE]))
    assert (issue.node_id, issue.code) == ("count", "invalid_config")
    assert "can't be counted" in issue.message


def test_webhook_url_must_be_http() -> None:
    issue = only_issue(graph([HI, ("hook", "webhook", {"url": "ftp://files.example.org/in"})]))
    assert (issue.node_id, issue.code) == ("hook", "invalid_webhook_url")
    assert "http://" in issue.message


def test_message_right_after_handoff() -> None:
    issue = only_issue(
        graph([HI, HANDOFF, ("later", "message", {"text": "Someone will be with you"})])
    )
    assert (issue.node_id, issue.code) == ("later", "message_after_handoff")
    assert "the human will write" in issue.message
    assert "before the Handoff" in issue.message


@pytest.mark.parametrize("end", [HANDOFF, RESOLVE])
def test_nothing_may_follow_a_handoff_or_resolve(end: tuple[str, str, dict[str, Any]]) -> None:
    issue = only_issue(graph([HI, end, ("tag", "action", {"add_tags": ["x"]})]))
    assert (issue.node_id, issue.code) == (end[0], "edge_after_end")


def test_dangling_edges() -> None:
    to_nowhere = only_issue(graph([HI, BYE], [("hi", "bye", "next"), ("bye", "ghost", "next")]))
    assert (to_nowhere.node_id, to_nowhere.code) == ("bye", "dangling_edge")
    assert "ghost" in to_nowhere.message

    from_nowhere = only_issue(graph([HI, BYE], [("hi", "bye", "next"), ("ghost", "bye", "next")]))
    assert (from_nowhere.node_id, from_nowhere.code) == ("bye", "dangling_edge")


def test_unreachable_node() -> None:
    issue = only_issue(graph([HI, BYE], []))
    assert (issue.node_id, issue.code) == ("bye", "unreachable_node")
    assert "hi" in issue.message


def test_branch_without_else() -> None:
    branch = (
        "b",
        "branch",
        {"conditions": [{"label": "vip", "attribute": "tier", "op": "eq", "value": "vip"}]},
    )
    issue = only_issue(graph([branch, BYE], [("b", "bye", "vip")]))
    assert (issue.node_id, issue.code) == ("b", "branch_without_else")


def test_branch_edge_label_matching_no_condition() -> None:
    branch = (
        "b",
        "branch",
        {"conditions": [{"label": "vip", "attribute": "tier", "op": "eq", "value": "vip"}]},
    )
    g = graph(
        [branch, BYE, HI, ("x", "message", {"text": "x"})],
        [("b", "bye", "vip"), ("b", "hi", "else"), ("b", "x", "VIP")],
    )
    issue = only_issue(g)
    assert (issue.node_id, issue.code) == ("b", "unknown_branch_label")
    assert "VIP" in issue.message


def test_branch_label_without_edge_is_a_warning() -> None:
    branch = (
        "b",
        "branch",
        {"conditions": [{"label": "vip", "attribute": "tier", "op": "eq", "value": "vip"}]},
    )
    issue = only_issue(graph([branch, BYE], [("b", "bye", "else")]))
    assert (issue.node_id, issue.code, issue.severity) == ("b", "unused_branch_label", "warning")


def test_cycle_without_a_node_that_waits_for_input() -> None:
    g = graph(
        [HI, ("tag", "action", {"add_tags": ["x"]}), BYE],
        [("hi", "tag", "next"), ("tag", "bye", "next"), ("bye", "tag", "next")],
    )
    issue = only_issue(g)
    assert (issue.node_id, issue.code) == ("tag", "cycle_without_input")
    assert "“tag” → “bye” → “tag”" in issue.message


def test_a_node_looping_to_itself() -> None:
    g = graph(
        [HI, ("hook", "webhook", {"url": "https://x.org/poll"})],
        [("hi", "hook", "next"), ("hook", "hook", "next")],
    )
    assert only_issue(g).code == "cycle_without_input"


def test_duplicate_node_ids() -> None:
    issue = only_issue(
        graph([HI, BYE, ("bye", "message", {"text": "Again"})], [("hi", "bye", "next")])
    )
    assert (issue.node_id, issue.code) == ("bye", "duplicate_node_id")


def test_missing_node_id() -> None:
    issue = only_issue(graph([HI, ("", "message", {"text": "x"})], [("hi", "", "next")]))
    assert (issue.node_id, issue.code) == (None, "missing_node_id")


def test_edge_label_a_node_cannot_leave_by() -> None:
    issue = only_issue(graph([HI, BYE], [("hi", "bye", "error")]))
    assert (issue.node_id, issue.code) == ("hi", "invalid_edge_label")


def test_two_edges_for_the_same_outcome() -> None:
    issue = only_issue(graph([HI, BYE, ASK], [("hi", "bye", "next"), ("hi", "ask", "next")]))
    assert (issue.node_id, issue.code) == ("hi", "duplicate_edge")


def test_a_question_whose_answer_a_message_shows_warns_without_an_error_exit() -> None:
    """Trial of 3 Dec: "no idea" to the order question went on to "exchange order  for another size"."""
    ask = ("ask", "collect_input", {"variable": "order_no", "question": "Your order number?"})
    shows = ("say", "message", {"text": "You can exchange order {{order_no}} within 30 days."})
    issue = only_issue(graph([ask, shows]))
    assert (issue.node_id, issue.code, issue.severity) == ("ask", "unanswered_goes_on", "warning")
    assert "order_no" in issue.message and "“error” exit" in issue.message

    sorry = ("sorry", "message", {"text": "No problem: an agent will look it up."})
    assert validate_graph(graph([ask, shows, sorry], [("ask", "say", "next"), ("ask", "sorry", "error")])) == []
    assert validate_graph(graph([ask, BYE])) == [], "an answer nobody quotes needs no error exit"
