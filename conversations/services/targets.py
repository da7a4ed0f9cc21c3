"""A handoff target that is deleted (a team, a specialty, an agent) leaves the workspace's default target, not a
target of nothing: the topic, the policy and the handoffs still waiting route as if none were set.

Without this, deleting the specialty a restricted topic pointed to left the topic, and every handoff queued for
it, as "specialty: none", which no sweep could assign (trial of 3 Dec). Wired to `pre_delete` in apps.py.
"""
from __future__ import annotations

from conversations import realtime
from conversations.models import Conversation, Handoff
from conversations.services.lifecycle import agent_removed
from routing.dependents import naming, policy_kept_as_default
from routing.models import AgentProfile, HandoffPolicy, RestrictedTopic, Specialty, Team


def target_deleted(*, field: str, obj) -> int:
    """Before `obj` is deleted: what targets it through `field` falls back to the default target. Returns how many
    rows changed. Handoffs already closed keep their history."""
    changed = 0
    for model in (HandoffPolicy, RestrictedTopic):
        changed += naming(model, field=field, obj=obj).update(target_kind="")
    waiting = _waiting(field, obj)
    for workspace_id in set(waiting.values_list("conversation__workspace_id", flat=True)):
        # the workspace's default target now (the policy's, unless it was this very object: then none)
        policy = policy_kept_as_default(field=field, obj=obj, workspace_id=workspace_id)
        default = {"target_kind": "", "target_user": None, "target_team": None, "target_specialty": None}
        if policy is not None:
            default = {"target_kind": policy.target_kind, "target_user": policy.target_user,
                       "target_team": policy.target_team, "target_specialty": policy.target_specialty}
        changed += waiting.filter(conversation__workspace_id=workspace_id).update(**default)
    return changed


def waiting_handoffs(field: str, obj) -> list[str]:
    """For the admin's confirmation page (routing.dependents): the handoffs still waiting for `obj`."""
    count = _waiting(field, obj).count()
    return [f"{count} handoff{'s' if count != 1 else ''} still waiting for a person"] if count else []


def held_conversations(field: str, obj) -> list[str]:
    """For the admin's confirmation page of an agent: the open conversations they hold, which go back to the queue."""
    if field != "target_user":
        return []
    count = Conversation.objects.filter(assignee=obj).exclude(
        status__in=(Conversation.Status.OPEN, Conversation.Status.RESOLVED)).count()
    return [f"{count} open conversation{'s' if count != 1 else ''} they hold: back to the queue, each with a new "
            "handoff"] if count else []


def _waiting(field: str, obj):
    return naming(Handoff, field=field, obj=obj).filter(status__in=Handoff.OPEN_STATUSES)


def on_team_deleted(sender, instance: Team, **kwargs) -> None:
    target_deleted(field="target_team", obj=instance)


def on_specialty_deleted(sender, instance: Specialty, **kwargs) -> None:
    target_deleted(field="target_specialty", obj=instance)


def on_user_saved(sender, instance, **kwargs) -> None:
    """An agent deactivated (the usual way to let someone go: their history keeps their name) hands back what they
    hold, as a deleted one does: routing already skips them for new handoffs, and the reroute sweep moves what waits
    for them, but a conversation they had taken stayed theirs with nobody to answer it."""
    if instance.is_active or kwargs.get("raw") or not instance.pk:
        return
    agent_removed(agent=instance)


def on_user_deleted(sender, instance, **kwargs) -> None:
    """An agent deleted (in /admin/, when they leave): what targets them falls back to the default, and the
    conversations they hold or that wait for them go back to the queue, each with a new handoff. Their assignee
    would otherwise be set to nothing with the conversation still "assigned": in no queue, for good."""
    AgentProfile.objects.filter(user=instance).update(available=False)  # routing must not give them back
    target_deleted(field="target_user", obj=instance)
    agent_removed(agent=instance)


def on_agent_profile_deleted(sender, instance: AgentProfile, origin=None, **kwargs) -> None:
    """An agent taken out of their workspace (the user stays): their inbox sockets close, and when the profile itself
    was deleted (not its workspace or its user, which take or move the conversations themselves) what they hold goes
    back to the queue; it stayed "assigned" to someone who no longer sees the inbox."""
    if isinstance(origin, AgentProfile) or getattr(origin, "model", None) is AgentProfile:
        agent_removed(agent=instance.user)
    else:
        realtime.publish_access_revoked(instance.user_id)
