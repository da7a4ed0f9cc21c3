"""Reads for flows: the builder's lists and checks, the runtime's candidates, the agents' run log."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, QuerySet
from django.utils import timezone

from conversations.payloads import iso
from conversations.turn_plan import clip
from flows.document import TargetNames, flow_issues
from flows.graph import FlowDocumentError, FlowGraph
from flows.models import Flow, FlowRun, FlowStepLog
from flows.nodes import as_text
from flows.validation import FlowIssue
from helpdesk.ids import parse_id
from routing import hours
from routing.models import AgentProfile, Specialty, Team
from workspaces.models import Workspace

if TYPE_CHECKING:
    from conversations.models import Conversation


def flow_list(*, workspace: Workspace) -> QuerySet[Flow]:
    return Flow.objects.filter(workspace=workspace).select_related("published_version").order_by("-priority", "id")


def flow_get(*, workspace: Workspace, flow_id: Any) -> Flow | None:
    """The workspace's flow with this id; another workspace's flow is None, like a missing one."""
    if (pk := parse_id(flow_id)) is None:
        return None
    return flow_list(workspace=workspace).filter(pk=pk).first()


def target_names(*, workspace: Workspace) -> TargetNames:
    """Who a Handoff node of this workspace may name."""
    return TargetNames(
        usernames=frozenset(AgentProfile.objects.filter(workspace=workspace, user__is_active=True)
                            .values_list("user__username", flat=True)),
        teams=frozenset(Team.objects.filter(workspace=workspace).values_list("name", flat=True)),
        specialties=frozenset(Specialty.objects.filter(workspace=workspace).values_list("name", flat=True)),
    )


def draft_issues(*, workspace: Workspace, trigger: Any, graph: dict) -> list[FlowIssue]:
    """Everything wrong with a draft, checked against this workspace's agents, teams and specialties."""
    try:
        parsed = FlowGraph.from_document(graph)
    except FlowDocumentError as exc:
        return [FlowIssue(None, "invalid_document", f"{exc.path} {exc.message}.")]
    return flow_issues(trigger=trigger, graph=parsed, targets=target_names(workspace=workspace))


def flow_issues_for(flow: Flow) -> list[FlowIssue]:
    return draft_issues(workspace=flow.workspace, trigger=flow.trigger, graph=flow.graph)


def triggerable_flows(*, workspace: Workspace) -> QuerySet[Flow]:
    """Enabled, published flows in the order their triggers are tried (highest priority first)."""
    return (Flow.objects.filter(workspace=workspace, enabled=True, published_version__isnull=False)
            .select_related("published_version").order_by("-priority", "id"))


def flows_may_take_messages(*, conversation: Conversation) -> bool:
    """Whether a visitor message of this conversation could go to a flow: it has an active run, or its
    workspace an enabled, published flow. Unlocked: a visitor's turn skips the locked flow check when not."""
    runs = FlowRun.objects.filter(conversation=conversation, active=True)
    flows = Flow.objects.filter(workspace_id=conversation.workspace_id, enabled=True, published_version__isnull=False)
    return Workspace.objects.filter(Exists(runs) | Exists(flows), pk=conversation.workspace_id).exists()  # one query


def active_run_for(*, conversation: Conversation, lock: bool = False) -> FlowRun | None:
    qs = FlowRun.objects.filter(conversation=conversation, active=True)
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.select_related("flow", "version").first()


def flow_answers_for(*, conversation: Conversation) -> dict[str, str]:
    """What the visitor told the conversation's flows since it last went to a person (its flows' Collect Inputs and
    extractions, oldest run first): the assistant's handoff carries it ("NW-24680" answered the order flow, then "I
    want to talk to a person": the agent read no order number, re-trial of 3 Dec)."""
    answers: dict[str, str] = {}
    for run in _runs_since_last_handoff(conversation):
        given = FlowGraph.from_document(run.version.graph or {}).visitor_variables
        variables = (run.state or {}).get("variables") or {}
        answers.update({name: as_text(value) for name, value in variables.items()
                        if name in given and as_text(value).strip()})
    return answers


def flow_problem_for(*, conversation: Conversation) -> str:
    """What the visitor asked the conversation's latest flow since it last went to a person (`flow_problem`), for a
    handoff the assistant makes after it; "" when no flow took a visitor's message."""
    problems = [problem for run in _runs_since_last_handoff(conversation) if (problem := flow_problem(run))]
    return problems[-1] if problems else ""


def flow_problem(run: FlowRun) -> str:
    """A handoff summary's first line for what the visitor asked a flow, in their words: "Problem: “where is my order”
    (started the flow “Order status”)", not "Problem: not described yet" (trial of 3 Dec); "" for a flow started on
    opening the chat."""
    started_by = flow_started_by(run)
    return f"Problem: “{clip(started_by, 240)}” (started the flow “{run.flow.name}”)" if started_by else ""


def flow_started_by(run: FlowRun) -> str:
    """The visitor's message that started the run; "" for a flow started on opening the chat."""
    return (run.conversation.messages.filter(sender_type="visitor", created_at__lte=run.started_at)
            .order_by("-created_at", "-id").values_list("body", flat=True).first() or "").strip()


def flow_tried_for(*, conversation: Conversation) -> str:
    """What the conversation's latest flow told the visitor since it last went to a person, for a handoff the assistant
    makes after it: "the flow “Order status”, which said “Order NW-10001 is shipped…”", not "AI tried: nothing yet"
    (re-trial of 3 Dec); "" when no flow said anything."""
    for run in reversed(list(_runs_since_last_handoff(conversation))):
        said = (run.conversation.messages.filter(sender_type="ai", metadata__flow_run=str(run.pk))
                .order_by("-id").values_list("body", flat=True).first())
        if said:
            return f"the flow “{run.flow.name}”, which said “{clip(said, 200)}”"
    return ""


def _runs_since_last_handoff(conversation: Conversation) -> QuerySet[FlowRun]:
    last_handoff = conversation.handoffs.order_by("-requested_at").values_list("requested_at", flat=True).first()
    runs = FlowRun.objects.filter(conversation=conversation).select_related("version", "flow").order_by("id")
    return runs.filter(started_at__gt=last_handoff) if last_handoff is not None else runs


def workspace_in_office_hours(*, workspace: Workspace, now: datetime | None = None) -> bool:
    """A Branch's office-hours condition: some team of the workspace is open (no teams: always open)."""
    now = now or timezone.now()
    teams = list(Team.objects.filter(workspace=workspace).only("office_hours", "timezone"))
    return not teams or any(hours.is_open(t.office_hours, t.timezone, now) for t in teams)


def flow_log_for(conversation: Conversation) -> list[dict]:
    """The flow steps taken on a conversation, oldest first, for the agent's view of it.

    [{"id", "flow", "run", "text", "created_at"}]: the text already names the flow
    ("flow Billing: collected email").
    """
    rows = FlowStepLog.objects.filter(conversation=conversation).order_by("id")[:500]
    return [{"id": str(r.pk), "flow": r.flow_name, "run": str(r.run_id or ""), "text": r.text,
             "created_at": iso(r.created_at)} for r in rows]


def flow_documents(*, workspace: Workspace) -> list[dict]:
    """The workspace's flows as workspace-document entries (flows.document's shape)."""
    out = []
    for flow in flow_list(workspace=workspace):
        version = flow.published_version
        live_trigger, live_graph = (version.trigger, version.graph) if version else (flow.trigger, flow.graph)
        item = {
            "name": flow.name,
            "enabled": flow.enabled,
            "published": version is not None,
            "priority": flow.priority,
            "trigger": live_trigger or {},
            "nodes": (live_graph or {}).get("nodes", []),
            "edges": (live_graph or {}).get("edges", []),
            "layout": flow.layout or {},
        }
        if version is not None and flow.draft_differs:
            item["draft"] = {"trigger": flow.trigger or {}, "nodes": (flow.graph or {}).get("nodes", []),
                             "edges": (flow.graph or {}).get("edges", [])}
        out.append(item)
    return out
