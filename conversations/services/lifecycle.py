"""Who owns a conversation and closing it: assign, hand back to the AI, an agent's reply, close.

Reopening lives with the messages that cause it (services/messages.py); the Resolve use case, which
closes and then ends flow runs and plans the survey, is csat.services.conversation_resolve.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from conversations import realtime
from conversations.assistant.phrases import phrase
from conversations.models import Conversation, Handoff, Message
from conversations.payloads import user_name
from conversations.services import delivery, handoffs
from conversations.services import presence as presence_services
from conversations.services.messages import (append_message, clean_body, conversation_reopen, lock_conversation,
                                             message_back_to_the_ai_locked, system_message_locked)
from conversations.services.missed_replies import missed_replies_schedule_locked
from conversations.turn_memory import TurnMemory
from conversations.turn_plan import handoff_summary
from helpdesk.errors import DomainError
from routing import presence
from routing.models import AgentProfile, TargetKind, Team


ASSIGNEE_NOT_GIVEN = object()  # conversation_assign: the caller did not say which assignee it saw


@transaction.atomic
def conversation_assign(*, conversation: Conversation, by, user=None, team: Team | None = None,
                        seen_assignee_id=ASSIGNEE_NOT_GIVEN) -> Conversation:
    """Manual assignment to an agent or a team. The new owner must acknowledge (unless they assigned themselves).
    `seen_assignee_id`: the assignee on the agent's screen (None: nobody); another one by now refuses it (409
    "assigned_meanwhile"). Without it, taking for oneself what a colleague has taken is refused (409
    "already_assigned"): two agents clicking "Assign to me" at once both got 200 and the first lost it unaware
    (trial of 3 Dec)."""
    if (user is None) == (team is None):
        raise DomainError("invalid", "Give exactly one of user_id or team_id.", status=400)
    conversation = lock_conversation(conversation)
    _check_owner_unchanged(conversation, by=by, user=user, seen_assignee_id=seen_assignee_id)
    if user is not None and not AgentProfile.objects.filter(user=user, workspace_id=conversation.workspace_id,
                                                            user__is_active=True).exists():
        raise DomainError("not_found", "No such agent in this workspace.", status=404, fields={"user_id": ["Unknown agent."]})
    if team is not None and team.workspace_id != conversation.workspace_id:
        raise DomainError("not_found", "No such team in this workspace.", status=404, fields={"team_id": ["Unknown team."]})
    if conversation.status == Conversation.Status.RESOLVED:
        conversation_reopen(conversation=conversation)

    handoff = handoffs.open_handoff(conversation, lock=True)
    if handoff is not None:  # a team's conversation is its members' to pass on ("Assign → me" included)
        handoffs.check_may_take(handoff, by)
    self_assigned = user is not None and user.pk == by.pk
    now = timezone.now()
    if handoff is None:
        summary, gathered = _context_so_far(conversation)
        handoff = Handoff(conversation=conversation, trigger=Handoff.Trigger.AGENT,
                          reason=f"Assigned by {user_name(by)}", summary=summary, gathered=gathered)
    elif handoff.trigger == Handoff.Trigger.AGENT:
        # an agent's handoff says who passed it on last: Ben, assigned it by an admin, read "Assigned by Ana",
        # who had only taken it herself (trial of 3 Dec); a visitor's or the AI's reason stays, it says why
        handoff.reason = f"Assigned by {user_name(by)}"
    handoff.target_kind = TargetKind.USER if user else TargetKind.TEAM
    handoff.target_user, handoff.target_team, handoff.target_specialty = user, team, None
    handoff.assigned_to, handoff.assigned_at = user, now if user else None
    if self_assigned:
        handoff.status, handoff.acknowledged_by, handoff.acknowledged_at = Handoff.Status.ACKNOWLEDGED, by, now
    else:
        handoff.status, handoff.acknowledged_by, handoff.acknowledged_at = Handoff.Status.PENDING, None, None
    handoff.notified_at = None
    handoff.save()

    conversation.assignee = user
    conversation.team = team if team else conversation.team
    conversation.status = Conversation.Status.ASSIGNED if self_assigned else Conversation.Status.PENDING_HUMAN
    conversation.needs_agent = not self_assigned
    conversation.save(update_fields=["assignee", "team", "status", "needs_agent"])

    if not self_assigned:
        handoffs.handoff_notify(conversation=conversation, handoff=handoff)
    if team is not None:
        delivery.handoff_announce(handoff)  # a team's Slack channel hears of it, as for an AI handoff
        handoffs.handoff_tell_transferred(conversation=conversation, handoff=handoff)
    realtime.publish_ai_typing(conversation, False)
    realtime.publish_handoff_updated(handoff)
    realtime.publish_conversation_updated(conversation)
    return conversation


def _check_owner_unchanged(conversation: Conversation, *, by, user, seen_assignee_id) -> None:
    owner = conversation.assignee
    owner_id = owner.pk if owner else None
    if seen_assignee_id is ASSIGNEE_NOT_GIVEN:  # taking for oneself what a colleague has taken needs saying so
        if (user is not None and user.pk == by.pk and owner_id not in (None, by.pk)
                and conversation.status == Conversation.Status.ASSIGNED):
            raise DomainError("already_assigned", f"{user_name(owner)} has this conversation. To take it over, "
                              f"assign it again with expected_assignee_id {owner_id}.", status=409,
                              fields={"expected_assignee_id": [f"The assignee now: {owner_id}."]})
        return
    if seen_assignee_id != owner_id and not (user is not None and owner_id == user.pk):
        now_with = f"it is with {user_name(owner)} now" if owner else "nobody has it now"
        raise DomainError("assigned_meanwhile", f"Someone else assigned this conversation while you looked: {now_with}.",
                          status=409,
                          fields={"expected_assignee_id": [f"The assignee now: {owner_id}."]})


def _context_so_far(conversation: Conversation) -> tuple[str, dict]:
    """The summary a new owner reads: what the AI learnt in this episode, else the last handoff's."""
    memory = TurnMemory.from_dict(conversation.assistant_state)
    if memory.problem or memory.tried:
        return handoff_summary(memory, ()), dict(memory.gathered)
    previous = conversation.handoffs.exclude(summary="").order_by("-id").first()
    return (previous.summary, dict(previous.gathered or {})) if previous else ("", {})


def agent_removed(*, agent) -> int:
    """`agent` no longer works the inbox (deleted, deactivated, left out of the workspace document): their open inbox
    sockets close at once (they kept receiving every conversation of the workspace: trial of 3 Dec), and the open
    conversations they hold go back to the queue. Returns how many went back."""
    realtime.publish_access_revoked(agent.pk)
    presence_services.viewing_end_for(user_id=agent.pk)
    return conversations_back_to_the_queue(agent=agent)


def conversations_back_to_the_queue(*, agent) -> int:
    """The open conversations `agent` holds go back to the queue (the agent was removed from the workspace): each
    gets a new handoff to the policy's default target with what was known, and its visitor is told who has it now
    or where it waits. Returns how many. Each conversation under its own lock, so a failure leaves the others done."""
    moved = 0
    for pk in Conversation.objects.filter(assignee=agent).exclude(
            status__in=(Conversation.Status.OPEN, Conversation.Status.RESOLVED)).values_list("pk", flat=True):
        with transaction.atomic():
            conversation = lock_conversation(Conversation(pk=pk))
            if conversation.assignee_id != agent.pk:
                continue
            summary, gathered = _context_so_far(conversation)
            handoff = handoffs.open_handoff(conversation, lock=True)
            trigger = Handoff.Trigger.AGENT
            if handoff is not None:
                summary, gathered, trigger = handoff.summary or summary, handoff.gathered or gathered, handoff.trigger
                handoffs.handoff_cancel(handoff=handoff, reason="agent_removed", tell_visitor=False)
            conversation.refresh_from_db()
            handoffs.handoff_request_locked(conversation, request=handoffs.HandoffRequest(
                trigger=trigger, reason=f"{user_name(agent)} is no longer on the team: back in the queue",
                summary=summary, gathered=gathered, language=conversation.language or "en"))
            moved += 1
    return moved


# the inbox's words for each resolution ("Solved", "No action needed"…)
_RESOLVED_AS = {Conversation.Resolution.RESOLVED: "solved", Conversation.Resolution.NO_ACTION_NEEDED: "no action needed",
                Conversation.Resolution.DUPLICATE: "a duplicate", Conversation.Resolution.SPAM: "spam"}


def _check_same_resolution(conversation: Conversation, resolution: str, by_kind: str) -> None:
    """A repeat is a no-op; an agent closing it otherwise than a colleague just did is told (409): two agents
    resolving at once, as "resolved" and as "spam", both got 200 and the second's spam was never recorded."""
    if resolution == conversation.resolution or by_kind != Conversation.ResolvedBy.AGENT:
        return
    who = (user_name(conversation.resolved_by) if conversation.resolved_by_id
           else {Conversation.ResolvedBy.AI: "The AI", Conversation.ResolvedBy.FLOW: "A flow"}.get(
               conversation.resolved_by_kind, "Someone"))
    how = _RESOLVED_AS.get(conversation.resolution, conversation.get_resolution_display().lower())
    raise DomainError("already_resolved", f"{who} resolved this conversation first, as {how}. Reopen it to change that.",
                      status=409,
                      fields={"resolution": [f"Already resolved as {conversation.resolution}."]})


def _check_visitor_silent_since(conversation: Conversation, seen_up_to: int) -> None:
    if not conversation.messages.filter(id=seen_up_to).exists():
        raise DomainError("invalid", f"Message {seen_up_to} is not in this conversation.", status=400,
                          fields={"after": ["The id of a message of this conversation."]})
    newer = (conversation.messages.filter(id__gt=seen_up_to, sender_type=Message.SenderType.VISITOR)
             .order_by("-id").first())
    if newer is not None:
        raise DomainError("visitor_wrote_meanwhile", "The visitor wrote while you were closing it: "
                          f"“{_quoted(newer)}”. Answer it, or resolve again.", status=409, fields=_came_after(newer))


@transaction.atomic
def conversation_unassign(*, conversation: Conversation, by) -> Conversation:
    """Hand back to the AI: the open handoff is cancelled and the AI answers the next message."""
    conversation = lock_conversation(conversation)
    if conversation.status == Conversation.Status.RESOLVED:
        raise DomainError("conversation_resolved", "A resolved conversation has nobody to unassign.")
    if by is not None:
        handoffs.check_holds_it(conversation, by, "hand it back to the AI")
    handoff = handoffs.open_handoff(conversation, lock=True)
    if handoff is not None:
        handoffs.handoff_cancel(handoff=handoff, reason="handed_back", by=by, tell_visitor=False)
    elif conversation.status != Conversation.Status.OPEN:
        conversation.status, conversation.assignee, conversation.team = Conversation.Status.OPEN, None, None
        conversation.needs_agent = False
        conversation.save(update_fields=["status", "assignee", "team", "needs_agent"])
        realtime.publish_conversation_updated(conversation)
    conversation.refresh_from_db()
    # the visitor's last message, if nobody answered it, is the AI's to answer now ("how long does shipping take?"
    # asked while waiting); else the AI says it is back and asks how it can help
    language = conversation.language or "en"
    unanswered = message_back_to_the_ai_locked(conversation)
    if unanswered is not None or handoff is not None:
        system_message_locked(conversation, body=phrase("handed_back_to_question" if unanswered else "handed_back", language))
    return conversation


def conversation_close(*, conversation: Conversation, resolution: str, by=None,
                       by_kind: str = Conversation.ResolvedBy.AGENT,
                       seen_up_to: int | None = None) -> tuple[Conversation, bool]:
    """Under the caller's transaction: mark the conversation resolved. Returns it locked, and whether it changed
    (closing a resolved conversation is a no-op). The Resolve use case (with CSAT and flows) is csat.services.
    `seen_up_to`: the newest message on the agent's screen; a visitor message after it refuses the close (409
    "visitor_wrote_meanwhile"): "wait, one more question…" sent as the agent clicked Resolve stayed unanswered in a
    resolved conversation (trial of 3 Dec)."""
    if resolution not in Conversation.Resolution.values:
        raise DomainError("invalid", f"Unknown resolution {resolution!r}.", status=400,
                          fields={"resolution": [f"One of {', '.join(Conversation.Resolution.values)}."]})
    conversation = lock_conversation(conversation)
    if conversation.status == Conversation.Status.RESOLVED:
        _check_same_resolution(conversation, resolution, by_kind)
        return conversation, False
    if seen_up_to is not None:
        _check_visitor_silent_since(conversation, seen_up_to)
    handoff = handoffs.open_handoff(conversation, lock=True) if by is not None else None
    if handoff is not None:
        handoffs.check_may_take(handoff, by)
    if by is not None and by_kind == Conversation.ResolvedBy.AGENT:
        handoffs.check_holds_it(conversation, by)
    handoffs.handoff_resolve_open(conversation=conversation)
    if conversation.assignee_id is not None and Handoff.objects.filter(
            conversation__workspace_id=conversation.workspace_id, status=Handoff.Status.PENDING,
            assigned_to__isnull=True).exists():
        # the assignee has room for one more: the queue is served now, not at the sweep's next beat (~45 s later)
        transaction.on_commit(presence.pull_waiting_handoffs)
    conversation.status = Conversation.Status.RESOLVED
    conversation.resolution = resolution
    conversation.resolved_at = timezone.now()
    conversation.resolved_by = by
    conversation.resolved_by_kind = by_kind
    conversation.needs_agent = False
    conversation.assistant_state = {}
    conversation.save(update_fields=["status", "resolution", "resolved_at", "resolved_by", "resolved_by_kind",
                                     "needs_agent", "assistant_state"])
    realtime.publish_ai_typing(conversation, False)
    realtime.publish_conversation_updated(conversation)
    return conversation, True


@transaction.atomic
def agent_reply(*, conversation: Conversation, agent, body: str, metadata: dict | None = None,
                seen_up_to: int | None = None) -> Message:
    """An agent's reply. It acknowledges a pending handoff; into an AI conversation it is a takeover.
    `metadata` says where it was written when not in the inbox (e.g. {"via": "slack"}). `seen_up_to`: the newest
    message the agent had on screen while writing; a colleague's reply after it refuses this one (409
    "replied_meanwhile"), so that two agents answering at once don't both reach the visitor unknowingly."""
    body = clean_body(body)
    conversation = lock_conversation(conversation)  # (two replies at once: the second waits here, then sees the first)
    if seen_up_to is not None:
        _check_no_reply_since(conversation, agent, seen_up_to)
    handoff = handoffs.open_handoff(conversation, lock=True)
    if handoff is not None:
        handoffs.check_may_take(handoff, agent)
    if handoff is None:
        handoff = handoffs.start_agent_takeover(conversation=conversation, agent=agent)
    elif handoff.status == Handoff.Status.PENDING:
        # a colleague's reply to a conversation assigned to someone else answers the visitor, and the assignee
        # keeps it: before, the reply took it over and the assignee lost it without notice (trial of 3 Dec);
        # taking it is "Assign to me"
        other = handoff.assigned_to if handoff.assigned_to_id not in (None, agent.pk) else None
        handoffs.mark_acknowledged(handoff=handoff, conversation=conversation, agent=agent, owner=other)
    message = append_message(conversation, sender_type=Message.SenderType.AGENT, sender_user=agent,
                      sender_name=user_name(agent), body=body, metadata=metadata or {})
    if handoff.first_human_reply_at is None:
        handoff.first_human_reply_at = message.created_at
        handoff.save(update_fields=["first_human_reply_at", "updated_at"])
    if conversation.needs_agent:
        conversation.needs_agent = False
        conversation.save(update_fields=["needs_agent"])
    missed_replies_schedule_locked(conversation)  # by email if the visitor does not see it on the page
    realtime.publish_conversation_updated(conversation)
    return message


def _check_no_reply_since(conversation: Conversation, agent, seen_up_to: int) -> None:
    newer = (conversation.messages.filter(id__gt=seen_up_to, sender_type=Message.SenderType.AGENT, private=False)
             .exclude(sender_user=agent).order_by("-id").first())
    if newer is not None:
        raise DomainError("replied_meanwhile", f"{newer.sender_name or 'Another agent'} replied while you were "
                          f"writing: “{_quoted(newer)}”. Send yours anyway, or change it first.", status=409,
                          fields=_came_after(newer))


def _quoted(message: Message) -> str:
    """A message that came after what the agent had seen, on one line and at most 120 characters, for a 409."""
    said = " ".join(message.body.split())
    return said if len(said) <= 120 else said[:119] + "…"


def _came_after(message: Message) -> dict:
    return {"after": f"Message {message.pk} came after the one you had seen."}
