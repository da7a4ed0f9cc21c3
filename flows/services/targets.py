"""A Handoff node names its target (a team, a specialty, an agent) by name; when that target is renamed or
deleted, the flows of its workspace follow, so that a flow never names what is not there.

- renamed: the node names the new name (the same team under its new name);
- deleted: the node hands off to the workspace's default target (`{"kind": "default"}`), which is what a
  handoff to a missing target already did at run time; the conversations, the policy and its topics do the
  same (conversations.services.targets).

Without this, deleting a team that a published flow handed off to left the workspace document unimportable:
`GET /api/v1/workspace/` then `PUT` of that very document was refused with `unknown_target` (trial of 3 Dec).
Only the draft and the published version are rewritten: they are what runs and what the document exports;
older versions stay as they were published. Wired to `pre_save` and `pre_delete` in flows/apps.py.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from flows.models import Flow, FlowVersion
from flows.nodes import DEFAULT_TARGET
from routing.models import AgentProfile, Specialty, Team


def retarget_handoffs(*, workspace_id: int, kind: str, name: str, to: dict[str, str]) -> int:
    """Every Handoff node of the workspace's drafts and published versions that hands off to `kind` `name` now
    hands off to `to` (`{"kind", "name"}`, or `{"kind": "default"}`). Returns how many graphs changed."""
    changed = 0
    for flow in Flow.objects.filter(workspace_id=workspace_id):
        if (graph := _retargeted(flow.graph, kind, name, to)) is not None:
            # (update(), not save(): the draft's updated_at says when someone last edited it)
            Flow.objects.filter(pk=flow.pk).update(graph=graph)
            changed += 1
    versions = FlowVersion.objects.filter(pk__in=Flow.objects.filter(
        workspace_id=workspace_id, published_version__isnull=False).values("published_version"))
    for version in versions:
        if (graph := _retargeted(version.graph, kind, name, to)) is not None:
            FlowVersion.objects.filter(pk=version.pk).update(graph=graph)
            changed += 1
    return changed


def flows_handing_off(field: str, obj) -> list[str]:
    """For the admin's confirmation page (routing.dependents): the flows whose draft or published version hands
    off to `obj`, which a deletion points at the default target."""
    if field == "target_user":
        kind, name, workspace_id = "user", obj.username, _agent_workspace_id(obj.pk)
    else:
        kind, name, workspace_id = field.removeprefix("target_"), obj.name, obj.workspace_id
    if workspace_id is None:
        return []
    flows = Flow.objects.filter(workspace_id=workspace_id).select_related("published_version").order_by("name")
    return [f"The flow “{flow.name}”: its Handoff step" for flow in flows
            if _retargeted(flow.graph, kind, name, DEFAULT) is not None
            or (flow.published_version is not None
                and _retargeted(flow.published_version.graph, kind, name, DEFAULT) is not None)]


def _retargeted(graph: Any, kind: str, name: str, to: dict[str, str]) -> dict | None:
    """`graph` with its Handoff nodes to `kind` `name` pointed at `to`, or None when none hands off there."""
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        return None
    nodes, hit = [], False
    for node in graph["nodes"]:
        config = node.get("config") if isinstance(node, dict) else None
        target = config.get("target") if isinstance(config, dict) else None
        if (node.get("type") == "handoff" and isinstance(target, dict) and target.get("kind") == kind
                and str(target.get("name", "")).strip() == name):
            node = {**node, "config": {**config, "target": dict(to)}}
            hit = True
        nodes.append(node)
    return {**graph, "nodes": nodes} if hit else None


DEFAULT = {"kind": DEFAULT_TARGET}


def on_team_saved(sender, instance: Team, update_fields=None, **kwargs) -> None:
    if update_fields is None or "name" in update_fields:
        _renamed(instance, Team, "team")


def on_specialty_saved(sender, instance: Specialty, update_fields=None, **kwargs) -> None:
    if update_fields is None or "name" in update_fields:
        _renamed(instance, Specialty, "specialty")


def on_team_deleted(sender, instance: Team, **kwargs) -> None:
    retarget_handoffs(workspace_id=instance.workspace_id, kind="team", name=instance.name, to=DEFAULT)


def on_specialty_deleted(sender, instance: Specialty, **kwargs) -> None:
    retarget_handoffs(workspace_id=instance.workspace_id, kind="specialty", name=instance.name, to=DEFAULT)


def on_user_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None or (update_fields is not None and "username" not in update_fields):
        return  # (a login saves last_login alone)
    before = get_user_model().objects.filter(pk=instance.pk).values_list("username", flat=True).first()
    workspace_id = _agent_workspace_id(instance.pk)
    if before is not None and workspace_id is not None and before != instance.username:
        retarget_handoffs(workspace_id=workspace_id, kind="user", name=before,
                          to={"kind": "user", "name": instance.username})


def on_user_deleted(sender, instance, **kwargs) -> None:
    if (workspace_id := _agent_workspace_id(instance.pk)) is not None:
        retarget_handoffs(workspace_id=workspace_id, kind="user", name=instance.username, to=DEFAULT)


def _renamed(instance, model, kind: str) -> None:
    if instance.pk is None:
        return
    before = model.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
    if before is not None and before != instance.name:
        retarget_handoffs(workspace_id=instance.workspace_id, kind=kind, name=before,
                          to={"kind": kind, "name": instance.name})


def _agent_workspace_id(user_id: int) -> int | None:
    return AgentProfile.objects.filter(user_id=user_id).values_list("workspace_id", flat=True).first()

