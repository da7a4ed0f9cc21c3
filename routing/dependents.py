"""What names a handoff target besides routing's own rows, for the admin's confirmation page.

Deleting a team, a specialty or an agent moves what named it to the workspace's default target
(conversations.services.targets, flows.services.targets). The page that asks "Are you sure?" says what will move.
Routing imports neither conversations nor flows (the layers point one way): each registers, in its
`AppConfig.ready`, a function telling what of its own names the target.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from routing.models import HandoffPolicy, RestrictedTopic, TargetKind

# (field, obj) -> one line per thing that names `obj` through `field` ("target_team", "target_specialty", "target_user")
Describer = Callable[[str, Any], list[str]]
KIND_OF_FIELD = {"target_user": TargetKind.USER, "target_team": TargetKind.TEAM,
                 "target_specialty": TargetKind.SPECIALTY}

_describers: list[Describer] = []


def register(describer: Describer) -> None:
    if describer not in _describers:
        _describers.append(describer)


def naming(model, *, field: str, obj):
    """The rows of `model` (a HandoffTarget: the policy, its topics, handoffs) that hand off to `obj` through `field`."""
    return model.objects.filter(**{field: obj, "target_kind": KIND_OF_FIELD[field]})


def policy_kept_as_default(*, field: str, obj, workspace_id: int, also_deleted=()) -> HandoffPolicy | None:
    """The workspace's policy when its target stays the default once `obj` (and `also_deleted`, deleted with it) is
    deleted; None when no target is left (no target set, or one of them was it)."""
    policy = HandoffPolicy.objects.filter(workspace_id=workspace_id).first()
    if policy is None or not policy.target_kind:
        return None
    return policy if getattr(policy, field) not in (obj, *also_deleted) else None


def default_after_deleting(*, field: str, obj, workspace_id: int, also_deleted=()) -> str:
    """What the workspace's default target will be once `obj` is gone, in words for the confirmation page."""
    policy = policy_kept_as_default(field=field, obj=obj, workspace_id=workspace_id, also_deleted=also_deleted)
    return policy.target_label if policy is not None else "no target: any available agent"


def moving_to_default(*, field: str, obj) -> list[str]:
    """What will hand off to the workspace's default target once `obj` is deleted."""
    lines = [f"The handoff policy of {policy.workspace}: its default target"
             for policy in naming(HandoffPolicy, field=field, obj=obj).select_related("workspace")]
    lines += [f"The restricted topic “{topic.name}”"
              for topic in naming(RestrictedTopic, field=field, obj=obj).order_by("name")]
    for describe in _describers:
        lines += describe(field, obj)
    return lines
