"""An agent's inbox is open: presence refreshed (routing.presence), and their arrival announced."""
from __future__ import annotations

from conversations import realtime
from routing import presence
from routing.models import AgentProfile


def agent_seen(*, profile: AgentProfile) -> bool:
    """An inbox of the agent is open now: its socket (connect, heartbeat, close) or, when the socket cannot
    connect, its polling fallback. Coming online is announced to the workspace's inboxes and pulls the
    handoffs waiting for them. Returns whether this brought them online."""
    came_online = presence.presence_seen(user_id=profile.user_id)
    if came_online:
        realtime.publish_agent_presence(profile.workspace_id, online=True,
                                        agent={"id": str(profile.user_id), "name": profile.display_name})
    return came_online
