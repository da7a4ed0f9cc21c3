"""Writing flows: create, save the draft, publish, delete, and replace them all from a document."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max

from flows import selectors
from flows.document import errors_of, issue_payload, normalized
from flows.graph import FlowDocumentError, FlowGraph
from flows.ending import flow_end_runs
from flows.models import Flow, FlowRun, FlowVersion
from helpdesk.errors import DomainError

if TYPE_CHECKING:
    from workspaces.models import Workspace

logger = logging.getLogger(__name__)

_UNSET: Any = object()


def parse_graph(document: Any) -> FlowGraph:
    """API.md's {"nodes", "edges"} as a graph, or a 400 naming the broken part."""
    try:
        return FlowGraph.from_document(document)
    except FlowDocumentError as exc:
        raise DomainError("invalid", f"{exc.path} {exc.message}.", status=400,
                          fields={exc.path: [exc.message]}) from None


def _graph(nodes: Any, edges: Any) -> dict:
    return parse_graph({"nodes": nodes or [], "edges": edges or []}).to_document()


def _name(workspace: Workspace, name: Any, *, exclude: int | None = None) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 100:
        raise DomainError("invalid", "A flow needs a name of at most 100 characters.", status=400,
                          fields={"name": ["Give the flow a name (at most 100 characters)."]})
    taken = Flow.objects.filter(workspace=workspace, name__iexact=name).exclude(pk=exclude).exists()
    if taken:
        raise DomainError("flow_name_taken", f"Another flow is already called “{name}”.",
                          fields={"name": ["Flow names must be unique."]})
    return name


def _layout(layout: Any) -> dict:
    if not isinstance(layout, dict):
        return {}
    out = {}
    for node_id, xy in layout.items():
        if isinstance(xy, list | tuple) and len(xy) == 2 and all(isinstance(v, int | float) for v in xy):
            out[str(node_id)] = [round(float(xy[0]), 1), round(float(xy[1]), 1)]
    return out


def _trigger(trigger: Any) -> dict:
    if trigger is None:
        return {}
    if not isinstance(trigger, dict):
        raise DomainError("invalid", "The trigger must be an object with a kind.", status=400,
                          fields={"trigger": ["Must be an object."]})
    return dict(trigger)


@transaction.atomic
def flow_create(*, workspace: Workspace, name: str, trigger: dict | None = None, nodes: list | None = None,
                edges: list | None = None, layout: dict | None = None, enabled: bool = True,
                priority: int = 0) -> Flow:
    """A new, unpublished flow. Its draft may have problems: they are shown, not refused."""
    return Flow.objects.create(
        workspace=workspace, name=_name(workspace, name), trigger=_trigger(trigger), graph=_graph(nodes, edges),
        layout=_layout(layout), enabled=enabled, priority=priority)


@transaction.atomic
def flow_update_draft(*, flow: Flow, name: Any = _UNSET, trigger: Any = _UNSET, nodes: Any = _UNSET,
                      edges: Any = _UNSET, layout: Any = _UNSET, enabled: Any = _UNSET,
                      priority: Any = _UNSET) -> Flow:
    """Save the draft (and the flow's settings). Running conversations are not affected.

    A draft with validation errors is saved; only publishing refuses it. `enabled` and
    `priority` take effect at once: they are settings of the flow, not of a version.
    """
    flow = Flow.objects.select_for_update(of=("self",)).select_related("workspace", "published_version").get(pk=flow.pk)
    if name is not _UNSET:
        flow.name = _name(flow.workspace, name, exclude=flow.pk)
    if trigger is not _UNSET:
        flow.trigger = _trigger(trigger)
    if nodes is not _UNSET or edges is not _UNSET:
        current = flow.graph or {}
        flow.graph = _graph(current.get("nodes") if nodes is _UNSET else nodes,
                            current.get("edges") if edges is _UNSET else edges)
    if layout is not _UNSET:
        flow.layout = _layout(layout)
    if enabled is not _UNSET:
        flow.enabled = bool(enabled)
    if priority is not _UNSET:
        flow.priority = int(priority)
    flow.save()
    return flow


@transaction.atomic
def flow_publish(*, flow: Flow, by=None) -> FlowVersion:
    """Snapshot the draft as the new published version. Publishing an unchanged draft is a no-op.

    Refused (400 "flow_invalid", every issue in `fields.issues`) while the draft has errors.
    Conversations already in the flow keep the version they started on.
    """
    flow = Flow.objects.select_for_update(of=("self",)).select_related("workspace", "published_version").get(pk=flow.pk)
    errors = errors_of(selectors.flow_issues_for(flow))
    if errors:
        first = errors[0]
        where = f"node “{first.node_id}”: " if first.node_id else ""
        raise DomainError("flow_invalid",
                          f"Fix {len(errors)} problem{'s' if len(errors) > 1 else ''} before publishing ({where}"
                          f"{first.message})", status=400, fields={"issues": [issue_payload(i) for i in errors]})
    if flow.published_version is not None and not flow.draft_differs:
        return flow.published_version
    return _snapshot(flow, by=by)


def _snapshot(flow: Flow, *, by=None) -> FlowVersion:
    number = (flow.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = FlowVersion.objects.create(flow=flow, number=number, trigger=flow.trigger, graph=flow.graph,
                                         published_by=by)
    flow.published_version = version
    flow.save(update_fields=["published_version", "updated_at"])
    logger.info("Published flow %s as version %s", flow.pk, number)
    return version


@transaction.atomic
def flow_unpublish(*, flow: Flow) -> Flow:
    """Stop the flow from starting; running conversations finish on their version."""
    flow = Flow.objects.select_for_update().get(pk=flow.pk)
    flow.published_version = None
    flow.save(update_fields=["published_version", "updated_at"])
    return flow


@transaction.atomic
def flow_delete(*, flow: Flow) -> None:
    """Delete the flow, its versions and its runs (a conversation in it goes back to the assistant). What its runs
    did stays in the conversations' flow steps."""
    _end_runs(Flow.objects.filter(pk=flow.pk))
    Flow.objects.filter(pk=flow.pk).delete()


def _end_runs(flows) -> None:
    """Conversations half-way through flows about to be deleted end them first, with a line saying so."""
    for run in FlowRun.objects.filter(flow__in=flows, active=True).select_related("conversation"):
        flow_end_runs(conversation=run.conversation, reason="flow_deleted", line="ended: the flow was deleted")


@transaction.atomic
def flow_replace_all(*, workspace: Workspace, flows: list[dict]) -> None:
    """The workspace's flows become `flows` (validated by `flows.document.validate_flows`); absent ones go.

    Atomic, and part of the caller's transaction (the workspace import). Flows are matched by name, so
    conversations half-way through a flow keep their run; a new version is published only
    when the document's graph or trigger differ from the published one.
    """
    existing = {f.name: f for f in Flow.objects.select_for_update(of=("self",)).filter(workspace=workspace)
                .select_related("published_version")}
    kept = []
    for doc in map(normalized, flows):
        flow = existing.get(doc["name"]) or Flow(workspace=workspace, name=doc["name"])
        flow.enabled, flow.priority, flow.layout = doc["enabled"], doc["priority"], _layout(doc["layout"])
        live = {"trigger": doc["trigger"], "graph": doc["graph"]}
        if doc["published"]:
            flow.trigger, flow.graph = live["trigger"], live["graph"]
            flow.save()
            version = flow.published_version
            if version is None or version.trigger != flow.trigger or version.graph != flow.graph:
                _snapshot(flow)
            draft = doc["draft"] or live
            flow.trigger, flow.graph = draft["trigger"], draft["graph"]
        else:
            flow.trigger, flow.graph = live["trigger"], live["graph"]
            flow.published_version = None
        flow.save()
        kept.append(flow.pk)
    gone = Flow.objects.filter(workspace=workspace).exclude(pk__in=kept)
    _end_runs(gone)
    gone.delete()
