"""Checks a flow before it is saved or published, for the builder to show next to nodes.

Pure Python: the builder, the flows API and the workspace import all call
`validate_graph` and block publishing on any issue whose severity is "error". Messages
are written for the admin who built the flow, not for developers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from flows.graph import Edge, FlowGraph, Node
from flows.nodes import (NODE_TYPES, BranchConfig, CollectInputConfig, MessageConfig, NodeConfig, edge_labels,
                         parse_node, placeholders)

__all__ = ["FlowIssue", "validate_graph"]


@dataclass(frozen=True)
class FlowIssue:
    """One problem; `node_id` is the node to highlight (None: the flow as a whole)."""

    node_id: str | None
    code: str
    message: str
    severity: Literal["error", "warning"] = "error"


def validate_graph(graph: FlowGraph) -> list[FlowIssue]:
    """Every problem in `graph`, in a stable order (flow-wide, nodes, edges, structure)."""
    if not graph.nodes:
        return [FlowIssue(None, "no_nodes", "The flow has no nodes yet; add one to start.")]
    configs = {n.id: parse_node(n).config for n in graph.nodes}
    return [
        *_check_ids(graph),
        *_check_configs(graph),
        *_check_edges(graph, configs),
        *_check_branches(graph, configs),
        *_check_unanswered(graph, configs),
        *_check_reachable(graph),
        *_check_cycles(graph),
    ]


def _title(node: Node | None) -> str:
    node_type = NODE_TYPES.get(node.type) if node else None
    return node_type.title if node_type else "node"


def _check_ids(graph: FlowGraph) -> Iterator[FlowIssue]:
    counts = Counter(n.id for n in graph.nodes)
    if counts[""]:
        yield FlowIssue(None, "missing_node_id", "Every node needs an id; one node has none.")
    for node_id, count in counts.items():
        if node_id and count > 1:
            yield FlowIssue(
                node_id,
                "duplicate_node_id",
                f"{count} nodes share the id “{node_id}”; each node needs its own id.",
            )


def _check_configs(graph: FlowGraph) -> Iterator[FlowIssue]:
    for node in graph.nodes:
        for problem in parse_node(node).problems:
            yield FlowIssue(node.id, problem.code, problem.message)


def _check_edges(graph: FlowGraph, configs: dict[str, NodeConfig | None]) -> Iterator[FlowIssue]:
    seen: set[tuple[str, str]] = set()
    for edge in graph.edges:
        source, target = graph.node(edge.source), graph.node(edge.target)
        if source is None or target is None:
            missing = edge.source if source is None else edge.target
            yield FlowIssue(
                edge.source if source else (edge.target if target else None),
                "dangling_edge",
                f"An edge {_describe(edge)} points to “{missing}”, which is not a node of "
                "this flow; reconnect or delete it.",
            )
            continue
        node_type = NODE_TYPES.get(source.type)
        if node_type is None:
            continue  # already reported as an unknown node type
        if node_type.ends_run:
            yield _after_end(source, target)
            continue
        if edge.when not in edge_labels(source, configs.get(source.id)):
            yield _bad_label(source, edge)
            continue
        if (edge.source, edge.when) in seen:
            yield FlowIssue(
                source.id,
                "duplicate_edge",
                f"This {_title(source)} has two “{edge.when}” edges; only the first would "
                "ever be taken. Delete one.",
            )
        seen.add((edge.source, edge.when))


def _describe(edge: Edge) -> str:
    return f"from “{edge.source}” to “{edge.target}”"


def _after_end(source: Node, target: Node) -> FlowIssue:
    if source.type == "handoff" and target.type == "message":
        return FlowIssue(
            target.id,
            "message_after_handoff",
            "This Message comes right after a Handoff, but once the conversation is "
            "handed off the human will write. Put the reassurance before the Handoff.",
        )
    return FlowIssue(
        source.id,
        "edge_after_end",
        f"A {_title(source)} ends the flow, so nothing can follow it; remove the edge to "
        f"“{target.id}”.",
    )


def _bad_label(source: Node, edge: Edge) -> FlowIssue:
    if source.type == "branch":
        return FlowIssue(
            source.id,
            "unknown_branch_label",
            f"The edge to “{edge.target}” is labelled “{edge.when}”, but no condition of "
            "this Branch has that label. Use a condition's label or “else”.",
        )
    allowed = " or ".join(f"“{w}”" for w in sorted(NODE_TYPES[source.type].edges))
    return FlowIssue(
        source.id,
        "invalid_edge_label",
        f"A {_title(source)} leaves by {allowed}, not “{edge.when}”; fix the edge to "
        f"“{edge.target}”.",
    )


def _check_branches(graph: FlowGraph, configs: dict[str, NodeConfig | None]) -> Iterator[FlowIssue]:
    for node in graph.nodes:
        config = configs.get(node.id)
        if node.type != "branch" or not isinstance(config, BranchConfig):
            continue
        whens = {e.when for e in graph.outgoing(node.id)}
        if "else" not in whens:
            yield FlowIssue(
                node.id,
                "branch_without_else",
                "This Branch has no “else” edge: when no condition matches the flow would "
                "stop. Connect an “else” edge.",
            )
        for label in config.labels:
            if label and label not in whens:
                yield FlowIssue(
                    node.id,
                    "unused_branch_label",
                    f"The condition “{label}” has no edge, so the flow ends when it matches.",
                    severity="warning",
                )


def _check_unanswered(graph: FlowGraph, configs: dict[str, NodeConfig | None]) -> Iterator[FlowIssue]:
    """A question without an "error" exit whose answer a later message quotes: a visitor who declines ("no",
    "skip") goes on without it, and the message shows a gap ("exchange order  for
    another size": trial of 3 Dec). Connecting the error exit is how a flow handles that; the builder says so."""
    quoted = {name for config in configs.values() if isinstance(config, MessageConfig)
              for text in (config.text, *(t["text"] for t in config.translations.values()))
              for name in placeholders(text)}
    for node in graph.nodes:
        config = configs.get(node.id)
        if (isinstance(config, CollectInputConfig) and config.variable in quoted
                and "error" not in {e.when for e in graph.outgoing(node.id)}):
            yield FlowIssue(
                node.id, "unanswered_goes_on",
                f"A visitor who won't give {config.variable} (“no”, “skip”, “I don't know it”) goes on to the next "
                f"step without it, and a message that shows {{{{{config.variable}}}}} shows nothing there. "
                "Connect the “error” exit to handle that.",
                severity="warning",
            )


def _successors(graph: FlowGraph, node: Node, *, through_ends: bool) -> list[str]:
    node_type = NODE_TYPES.get(node.type)
    if not through_ends and node_type is not None and node_type.ends_run:
        return []  # the engine never leaves a Handoff or Resolve
    return [e.target for e in graph.outgoing(node.id) if graph.node(e.target) is not None]


def _reach(graph: FlowGraph, start: list[str], *, through_ends: bool) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        node_id = todo.pop()
        node = graph.node(node_id)
        if node_id in seen or node is None:
            continue
        seen.add(node_id)
        todo.extend(_successors(graph, node, through_ends=through_ends))
    return seen


def _check_reachable(graph: FlowGraph) -> Iterator[FlowIssue]:
    # Edges after a Handoff/Resolve count here: they are already reported, and the
    # admin should not also be told the node behind them is unreachable.
    entry = graph.nodes[0].id
    reached = _reach(graph, [entry], through_ends=True)
    for node in graph.nodes:
        if node.id and node.id not in reached:
            yield FlowIssue(
                node.id,
                "unreachable_node",
                f"No path from the start node (“{entry}”) leads to this {_title(node)}; "
                "connect it or delete it.",
            )


def _check_cycles(graph: FlowGraph) -> Iterator[FlowIssue]:
    """Loops in which no node waits for the visitor would run until the step limit."""
    unique = [n for n in graph.nodes if graph.node(n.id) is n]
    after = {
        n.id: _reach(graph, _successors(graph, n, through_ends=False), through_ends=False)
        for n in unique
    }
    reported: set[str] = set()
    for node in unique:
        if node.id in reported or node.id not in after[node.id]:
            continue
        loop = [m for m in unique if m.id in after[node.id] and node.id in after[m.id]]
        reported.update(m.id for m in loop)
        if any(_waits(m) for m in loop):
            continue
        path = " → ".join(f"“{m.id}”" for m in [*loop, loop[0]])
        yield FlowIssue(
            node.id,
            "cycle_without_input",
            f"These nodes loop without ever waiting for the visitor ({path}), so the flow "
            "would run in circles. Add a Collect Input to the loop or remove an edge.",
        )


def _waits(node: Node) -> bool:
    node_type = NODE_TYPES.get(node.type)
    return node_type is not None and node_type.waits_for_input
