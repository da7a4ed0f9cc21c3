"""Reads for routing: policies, agents, teams and who is eligible right now."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.utils import timezone

from routing import hours, presence
from routing.models import AgentProfile, HandoffPolicy, Team

if TYPE_CHECKING:
    from workspaces.models import Workspace

User = get_user_model()


def policy_for(*, workspace: Workspace) -> HandoffPolicy:
    policy, _ = HandoffPolicy.objects.select_related("target_user", "target_team", "target_specialty").get_or_create(
        workspace=workspace)
    return policy


def restricted_topic_with_target(*, workspace: Workspace, name: str):
    """The workspace's restricted topic `name` when it has a target of its own (it routes there), else None."""
    topic = policy_for(workspace=workspace).restricted_topics.filter(name=name).select_related(
        "target_user", "target_team", "target_specialty").first()
    return topic if topic is not None and topic.target_kind else None


def agent_by_slack_user(*, workspace_id: int, slack_user_id: str):
    """The active agent of the workspace whose Slack member id this is, or None."""
    if not slack_user_id:
        return None
    profile = (AgentProfile.objects.select_related("user")
               .filter(workspace_id=workspace_id, slack_user_id=slack_user_id, user__is_active=True).first())
    return profile.user if profile is not None else None


def agent_profile_for(user) -> AgentProfile | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        return AgentProfile.objects.select_related("workspace", "user").get(user=user)
    except AgentProfile.DoesNotExist:
        return None


def still_an_agent(user_id: int) -> bool:
    """Read afresh: the user is active and still an agent of a workspace (an open inbox socket asks it)."""
    return AgentProfile.objects.filter(user_id=user_id, user__is_active=True).exists()


def agent_list(*, workspace: Workspace) -> QuerySet[AgentProfile]:
    return (AgentProfile.objects.filter(workspace=workspace, user__is_active=True)
            .select_related("user").prefetch_related("teams", "specialties").order_by("user__username"))


def team_list(*, workspace: Workspace) -> QuerySet[Team]:
    return Team.objects.filter(workspace=workspace).order_by("name")


def team_online_member_ids(*, team: Team) -> list[int]:
    """Members routing may reach now: available and online."""
    return list(team.members.filter(presence.eligible_q()).values_list("user_id", flat=True))


def workspaces_with_online_agents(*, at_least: int) -> set[int]:
    """Workspaces with at least `at_least` agents routing may reach now: available and online."""
    return set(AgentProfile.objects.filter(presence.eligible_q()).values("workspace_id")
               .annotate(online=Count("pk")).filter(online__gte=at_least).values_list("workspace_id", flat=True))


def workspace_online_agent_ids(*, workspace_id: int) -> list[int]:
    """The workspace's agents routing may reach now: available and online."""
    return list(AgentProfile.objects.filter(presence.eligible_q(), workspace_id=workspace_id)
                .values_list("user_id", flat=True))


def team_is_open(team: Team | None) -> bool:
    return team is None or hours.is_open(team.office_hours, team.timezone, timezone.now())


@dataclass(frozen=True)
class ExpectedReply:
    """What a waiting visitor is told: the wait in minutes and, when the team is out of office hours now,
    when it opens (in its time zone)."""

    minutes: int
    opens_at: datetime | None = None
    # open, but no agent routing may reach is online: "busy" and a wait in minutes would be untrue
    nobody_online: bool = False


def expected_reply(*, team: Team | None, workspace: Workspace, position: int = 1, specialty_id: int | None = None,
                   agent_id: int | None = None) -> ExpectedReply:
    """Out of office hours: the wait until the team opens plus its reply time. Open: its reply time for each
    round of the queue up to this one, the agents who may take it (available and online) answering one visitor each
    a round (number 7 does not wait as long as number 1; with two agents, numbers 1 and 2 wait the same); with none of
    them online, `nobody_online` too (the visitor is told so, and the usual wait)."""
    queue_team = team
    if team is None:
        team = Team.objects.filter(workspace=workspace).order_by("reply_time_minutes").first()
    if team is None:
        return ExpectedReply(minutes=10 * max(1, position), nobody_online=not _reachable(
            workspace, None, specialty_id, agent_id).exists())
    now = timezone.now()
    opening = hours.next_opening(team.office_hours, team.timezone, now)
    if opening is not None and opening > now:
        return ExpectedReply(minutes=int((opening - now).total_seconds() // 60) + team.reply_time_minutes,
                             opens_at=opening)
    answering = _reachable(workspace, queue_team, specialty_id, agent_id).count()
    rounds = -(-max(1, position) // max(1, answering))  # ceil
    return ExpectedReply(minutes=max(1, team.reply_time_minutes) * rounds, nobody_online=not answering)


def _reachable(workspace: Workspace, team: Team | None, specialty_id: int | None, agent_id: int | None) -> QuerySet:
    """Who may take a queued handoff now (available and online): the team's members, the specialty's, the one agent
    it asks for, else any of the workspace's agents."""
    reachable = AgentProfile.objects.filter(presence.eligible_q(), workspace=workspace)
    if team is not None:
        return reachable.filter(teams=team)
    if specialty_id is not None:
        return reachable.filter(specialties=specialty_id)
    if agent_id is not None:
        return reachable.filter(user_id=agent_id)
    return reachable
