"""A flow as plain data: nodes, edges and the JSON document they come from.

Pure Python (no Django), so the engine, the validator, the builder's test panel and the
workspace import all share one reading of API.md's flow document:

    {"nodes": [{"id", "type", "config"}], "edges": [{"from", "to", "when"}]}

Reading is deliberately lenient about *content* (unknown node types, missing config,
edges to nowhere, duplicate ids all load) so that `flows.validation` can report every
problem next to its node in the builder. Only a document whose *shape* is unusable
(``nodes`` not a list, a node that is not an object) raises `FlowDocumentError`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

__all__ = ["Edge", "FlowDocumentError", "FlowGraph", "Node"]


class FlowDocumentError(ValueError):
    """The flow document does not have the shape of API.md's flow (`path` names where)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Node:
    """One node. `config` is the raw config object; `flows.nodes.parse_node` reads it."""

    id: str
    type: str
    config: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Edge:
    """`source` -> `target`, taken when the source node's outcome is `when`.

    `when` is "next" for the ordinary path, "else" / a condition label for a Branch,
    and "error" for a failed Send to Webhook (or an exhausted Collect Input / AI Action).
    """

    source: str
    target: str
    when: str = "next"


@dataclass(frozen=True)
class FlowGraph:
    """The nodes and edges of one flow.

    The entry node is the first node of `nodes` (document order): the builder keeps
    the start node first, and the engine starts every new run there.
    """

    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> FlowGraph:
        """Build a graph from API.md's `{"nodes": [...], "edges": [...]}` (extra keys ignored)."""
        if not isinstance(document, Mapping):
            raise FlowDocumentError("flow", "must be an object with nodes and edges")
        raw_nodes = _list(document, "nodes")
        raw_edges = _list(document, "edges")
        nodes = []
        for index, raw in enumerate(raw_nodes):
            if not isinstance(raw, Mapping):
                raise FlowDocumentError(f"nodes[{index}]", "must be an object")
            config = raw.get("config") or {}
            if not isinstance(config, Mapping):
                raise FlowDocumentError(f"nodes[{index}].config", "must be an object")
            nodes.append(
                Node(
                    id=_text(raw.get("id")),
                    type=_text(raw.get("type")),
                    config=MappingProxyType(copy.deepcopy(dict(config))),
                )
            )
        edges = []
        for index, raw in enumerate(raw_edges):
            if not isinstance(raw, Mapping):
                raise FlowDocumentError(f"edges[{index}]", "must be an object")
            edges.append(
                Edge(
                    source=_text(raw.get("from")),
                    target=_text(raw.get("to")),
                    when=_text(raw.get("when")) or "next",
                )
            )
        return cls(nodes=tuple(nodes), edges=tuple(edges))

    def to_document(self) -> dict[str, Any]:
        """The inverse of `from_document`: plain, JSON-serialisable dicts and lists."""
        return {
            "nodes": [
                {"id": n.id, "type": n.type, "config": copy.deepcopy(dict(n.config))}
                for n in self.nodes
            ],
            "edges": [{"from": e.source, "to": e.target, "when": e.when} for e in self.edges],
        }

    @cached_property
    def visitor_variables(self) -> frozenset[str]:
        """The variables filled from the visitor's own words (a Collect Input's answer, an AI Action's extraction),
        as opposed to what a webhook, a classification or an action set (`order_found`): an agent reads the first as
        what the visitor gave."""
        return frozenset(
            str(n.config.get("variable")) for n in self.nodes if n.config.get("variable") and (
                n.type == "collect_input" or (n.type == "ai_action" and n.config.get("task", "extract") == "extract")))

    @property
    def entry(self) -> Node | None:
        """The node a new run starts at: the first in document order (None if empty)."""
        return self.nodes[0] if self.nodes else None

    def node(self, node_id: str) -> Node | None:
        """The node with this id (the first one, should ids be duplicated)."""
        return self._by_id.get(node_id)

    def outgoing(self, node_id: str) -> tuple[Edge, ...]:
        """Edges leaving `node_id`, in document order."""
        return tuple(e for e in self.edges if e.source == node_id)

    def edge_from(self, node_id: str, when: str) -> Edge | None:
        """The edge taken from `node_id` on outcome `when`; the first wins if repeated."""
        return next((e for e in self.edges if e.source == node_id and e.when == when), None)

    @cached_property
    def _by_id(self) -> dict[str, Node]:
        by_id: dict[str, Node] = {}
        for n in self.nodes:
            by_id.setdefault(n.id, n)
        return by_id


def _list(document: Mapping[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise FlowDocumentError(key, "must be a list")
    return list(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
