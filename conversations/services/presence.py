"""Presence in the inbox: an agent online (routing.presence, announced on arrival), the conversation each
agent has open ("Ben is viewing"), and typing both ways (throttled by the consumers, conversations.typing)."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from conversations import realtime, selectors
from conversations.models import Conversation, ConversationViewer
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


def availability_changed(*, user_id: int) -> None:
    """The agent went away or came back: the workspace's inboxes hear it (their assign menus say "(away)")."""
    profile = AgentProfile.objects.filter(user_id=user_id).first()
    if profile is not None:
        realtime.publish_agent_presence(profile.workspace_id, online=presence.is_online(profile.last_seen_at, timezone.now()),
                                        available=profile.available,
                                        agent={"id": str(profile.user_id), "name": profile.display_name})


# --- who has a conversation open, who is typing ------------------------------------------------
def viewing_set(*, profile: AgentProfile, conversation: Conversation | None, socket: str) -> None:
    """The agent's inbox socket `socket` shows `conversation` now (None: none). One conversation per agent:
    opening another leaves the first. A socket that no longer holds the agent's view cannot clear it
    (another tab of theirs opened a conversation since). Both conversations' inboxes hear who is there."""
    with transaction.atomic():
        row = ConversationViewer.objects.select_for_update().filter(user_id=profile.user_id).first()
        left = row.conversation_id if row is not None else None
        if conversation is None:
            if row is None or row.socket != socket:
                return
            row.delete()
        elif row is None:
            ConversationViewer.objects.create(user_id=profile.user_id, conversation=conversation, socket=socket,
                                              seen_at=timezone.now())
        else:
            row.conversation, row.socket, row.seen_at = conversation, socket, timezone.now()
            row.save(update_fields=["conversation", "socket", "seen_at"])
        for conversation_id in {left, conversation.pk if conversation else None} - {None}:
            _publish_viewers_on_commit(profile.workspace_id, conversation_id)


def viewing_leave(*, profile: AgentProfile, socket: str) -> None:
    """The socket closed: the conversation it held open (if it still holds the agent's view) is left."""
    viewing_set(profile=profile, conversation=None, socket=socket)


def viewing_end_for(*, user_id: int) -> None:
    """The agent was removed: the conversation they had open is left, and its inboxes hear so (their socket's own
    close does not say it: re-trial of 3 Dec, a removed agent stayed "viewing")."""
    left = list(ConversationViewer.objects.filter(user_id=user_id)
                .values_list("conversation_id", "conversation__workspace_id"))
    ConversationViewer.objects.filter(user_id=user_id).delete()
    for conversation_id, workspace_id in left:
        _publish_viewers_on_commit(workspace_id, conversation_id)


def viewing_refresh(*, user_id: int, socket: str) -> None:
    """The socket is still there (its heartbeat): its view does not lapse."""
    ConversationViewer.objects.filter(user_id=user_id, socket=socket).update(seen_at=timezone.now())


def _publish_viewers_on_commit(workspace_id: int, conversation_id: int) -> None:
    # Read after commit, so two agents opening one conversation at once both end up in the list.
    transaction.on_commit(lambda: realtime.publish_presence(
        workspace_id, conversation_id=conversation_id,
        viewers=selectors.conversation_viewers(conversation_id=conversation_id)))


def typing_by_visitor(*, conversation: Conversation, active: bool) -> None:
    """The visitor is typing (or stopped): the workspace's inboxes show it."""
    realtime.publish_typing(conversation, who="visitor", active=active)


def typing_by_agent(*, conversation: Conversation, profile: AgentProfile, active: bool, private: bool) -> None:
    """An agent is typing in `conversation`: the other inboxes show who; the visitor sees "<name> is typing"
    unless the agent is writing an internal note (`private`)."""
    agent = {"id": str(profile.user_id), "name": profile.display_name}
    realtime.publish_typing(conversation, who="agent", active=active, agent=agent, to_visitor=not private)
