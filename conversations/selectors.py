"""Conversation reads, with visibility built in: what may this viewer see?"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from conversations import search
from conversations.models import (Attachment, CannedResponse, Contact, Conversation, ConversationViewer, Handoff, Message,
                                  handoff_queue_rank, hash_token)
from helpdesk.ids import parse_id
from helpdesk.text import strip_refused
from routing import presence
from routing.models import HandoffPolicy, TargetKind
from routing.selectors import agent_profile_for, workspaces_with_online_agents

STATUS_VALUES = set(Conversation.Status.values)
HISTORY_TURNS = 20  # messages of context the assistant and flows' AI steps see


def message_history(*, conversation: Conversation, before: int | None = None) -> list[tuple[str, str]]:
    """The last HISTORY_TURNS messages (before message id `before`, if given), oldest first: (sender_type, body)."""
    qs = conversation.messages.visible_to_visitor()  # the AI never reads the agents' notes
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id").values_list("sender_type", "body")[:HISTORY_TURNS])
    return list(reversed(rows))


def visitor_messages_unanswered_before(*, message: Message, limit: int) -> list[str]:
    """The visitor's messages sent since the last reply and before `message` that had their turn merged into this
    one (sent together: the newer message's turn answers them), oldest first, at most `limit`. Messages that went
    to a person are theirs."""
    earlier: list[str] = []
    # one query on the conversation's latest messages (a turn runs it on every message)
    for sender, private, outcome, body in (Message.objects.filter(conversation_id=message.conversation_id,
                                                                  id__lt=message.pk).order_by("-id")
                                           .values_list("sender_type", "private", "turn_outcome", "body")[:limit + 4]):
        if private:
            continue
        if sender != Message.SenderType.VISITOR or outcome == Message.TurnOutcome.HUMAN or len(earlier) == limit:
            break
        earlier.append(body)
    return earlier[::-1]


def newest_visitor_message_waiting(*, message: Message) -> int | None:
    """The id of the conversation's newest visitor message after `message` still waiting for its turn, if any."""
    return (Message.objects.filter(conversation_id=message.conversation_id, sender_type=Message.SenderType.VISITOR,
                                   id__gt=message.pk, turn_processed_at__isnull=True)
            .order_by("-id").values_list("pk", flat=True).first())


def handoff_withdrawn_by(*, message: Message) -> bool:
    """Whether the visitor's `message` took back a handoff that was waiting for a person (it was cancelled
    for it: `services.handoff_withdraw_waiting`). Read again by a retried turn."""
    return Handoff.objects.filter(conversation_id=message.conversation_id, status=Handoff.Status.CANCELLED,
                                  cancel_reason=Handoff.VISITOR_WITHDREW, cancelled_at__gte=message.created_at).exists()


def messages_awaiting_turn(*, now: datetime, grace_seconds: float, requeue_every_seconds: float,
                           window_seconds: float, limit: int = 200) -> list[int]:
    """Visitor messages with no outcome and no live claim: a dead worker's claim lapsed, or no worker
    ever claimed it within `grace_seconds` (its task was never queued because the broker was down, or
    Redis lost it). One the sweep queued again lately (`requeue_every_seconds`) is left alone: a backlog
    is queued again once, not on every sweep. Only those younger than `window_seconds`: a message from
    days ago is not answered out of the blue."""
    lapsed = Q(turn_lease_until__lt=now)
    never_claimed = Q(turn_lease_until__isnull=True, created_at__lt=now - timedelta(seconds=grace_seconds))
    not_lately_queued = Q(turn_requeued_at__isnull=True) | Q(
        turn_requeued_at__lt=now - timedelta(seconds=requeue_every_seconds))
    return list(Message.objects.filter(
        sender_type=Message.SenderType.VISITOR, turn_processed_at__isnull=True,
        created_at__gte=now - timedelta(seconds=window_seconds))
        .filter(lapsed | never_claimed).filter(not_lately_queued)
        .order_by("id").values_list("pk", flat=True)[:limit])


def conversations_with_turns_settled_since(*, since: datetime, limit: int = 500) -> list[Conversation]:
    """Conversations where a visitor message got its outcome after `since`, with no turn still running."""
    pending = Message.objects.filter(conversation=OuterRef("pk"), sender_type=Message.SenderType.VISITOR,
                                     turn_processed_at__isnull=True)
    return list(Conversation.objects.filter(messages__turn_processed_at__gte=since)
                .exclude(Exists(pending)).distinct().order_by("id")[:limit])


# A widget conversation opens when the visitor opens the chat panel and gets the AI's greeting: until the visitor
# writes (and while no person has it) there is nothing for an agent to read. Every visitor who opened the chat and
# left would otherwise fill the inbox's open views. (payloads.not_started says the same of one conversation.)
VISITOR_WROTE = Exists(Message.objects.filter(conversation=OuterRef("pk"), sender_type=Message.SenderType.VISITOR))
NOT_STARTED = Q(channel=Conversation.Channel.WEB, status=Conversation.Status.OPEN, needs_agent=False,
                assignee__isnull=True) & ~VISITOR_WROTE


def conversation_list(*, viewer, status: str | None = None, assignee: str | None = None, team: str | None = None,
                      needs_agent: bool | None = None, q: str | None = None,
                      tag: str | None = None, contact: str | None = None,
                      started: bool = False) -> QuerySet[Conversation]:
    """The conversations of the viewer's workspace (every agent sees them all), newest activity first.

    `status` may be comma-separated; `assignee` is "me", "unassigned" or a user id; `q` is a full-text
    search (conversations.search); `tag` keeps the conversations carrying that tag; `contact` is a
    contact id (the inbox's "past conversations"); `started` leaves out the widget conversations nobody has
    written in yet (NOT_STARTED).
    """
    profile = agent_profile_for(viewer)
    if profile is None:
        return Conversation.objects.none()
    qs = Conversation.objects.filter(workspace_id=profile.workspace_id)
    if status:
        qs = qs.filter(status__in=[s for s in status.split(",") if s in STATUS_VALUES])
    if assignee == "me":
        qs = qs.filter(assignee=viewer)
    elif assignee == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee_id=assignee_id) if (assignee_id := parse_id(assignee)) else qs.none()
    if team:
        qs = qs.filter(team_id=team_id) if (team_id := parse_id(team)) else qs.none()
    if needs_agent is not None:
        qs = qs.filter(needs_agent=needs_agent)
    if started:
        qs = qs.exclude(NOT_STARTED)
    if contact:
        qs = qs.filter(contact_id=contact_id) if (contact_id := parse_id(contact)) else qs.none()
    if tag:  # tags are one whatever their case ("Lost-Parcel" finds "lost-parcel"); jsonb cannot hold a NUL
        qs = qs.extra(where=["EXISTS (SELECT 1 FROM jsonb_array_elements_text(conversations_conversation.tags) AS t(tag)"
                             " WHERE lower(t.tag) = lower(%s))"], params=[strip_refused(tag)])
    if q and (found := search.matches(q)) is not None:
        qs = qs.filter(found)
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    last_visitor = last.filter(sender_type=Message.SenderType.VISITOR)
    return (qs.select_related("contact", "assignee", "team")
            .annotate(visitor_wrote=VISITOR_WROTE, last_body=Subquery(last.values("body")[:1]),
                      last_sender_type=Subquery(last.values("sender_type")[:1]),
                      last_private=Subquery(last.values("private")[:1]),
                      last_created_at=Subquery(last.values("created_at")[:1]),
                      last_visitor_body=Subquery(last_visitor.values("body")[:1]),
                      last_visitor_at=Subquery(last_visitor.values("created_at")[:1]))
            .prefetch_related(Prefetch("handoffs", queryset=Handoff.objects.select_related(
                "target_user", "target_team", "target_specialty", "assigned_to").order_by("-id"),
                to_attr="prefetched_handoffs"))
            .order_by("-last_activity_at", "-id"))


def conversation_for_agent(*, viewer, conversation_id) -> Conversation | None:
    if (pk := parse_id(conversation_id)) is None:
        return None
    return conversation_list(viewer=viewer).filter(pk=pk).first()


def conversation_for_visitor(*, conversation_id, token: str | None) -> Conversation | None:
    """The visitor's own conversation, or None (not theirs looks exactly like not found)."""
    if not token or (pk := parse_id(conversation_id)) is None:
        return None
    return (Conversation.objects.select_related("contact", "assignee", "workspace")
            .filter(pk=pk, contact__visitor_token_hash=hash_token(token)).first())


def ai_turn_outstanding(*, conversation: Conversation, now: datetime, window_seconds: float) -> bool:
    """Whether the AI is working on a visitor message now: a socket that joins mid-turn (the widget's
    first message is posted while its socket still connects; a reconnect) missed the `ai.typing` that
    turned the indicator on, and the turn's outcome will turn it off. Only a message the sweep still
    brings to an outcome counts (`messages_awaiting_turn`'s window): an older one never turns it off."""
    return conversation.ai_active and Message.objects.filter(
        conversation=conversation, sender_type=Message.SenderType.VISITOR, turn_processed_at__isnull=True,
        created_at__gte=now - timedelta(seconds=window_seconds)).exists()


def message_list(*, conversation: Conversation, after: str | None = None) -> QuerySet[Message]:
    """The whole history, notes included: for agents."""
    qs = Message.objects.filter(conversation=conversation).order_by("id")
    if after and (after_id := parse_id(after)) is not None:
        qs = qs.filter(id__gt=after_id)
    return qs


def message_list_for_visitor(*, conversation: Conversation, after: str | None = None) -> QuerySet[Message]:
    """What the visitor's widget may show: the history without the agents' notes."""
    return message_list(conversation=conversation, after=after).visible_to_visitor()


def canned_response_list(*, viewer) -> QuerySet[CannedResponse]:
    """The viewer's workspace's canned responses (shared by its agents), by shortcut."""
    profile = agent_profile_for(viewer)
    if profile is None:
        return CannedResponse.objects.none()
    return CannedResponse.objects.filter(workspace_id=profile.workspace_id).order_by("shortcut", "id")


def canned_response_for_agent(*, viewer, canned_id) -> CannedResponse | None:
    if (pk := parse_id(canned_id)) is None:
        return None
    return canned_response_list(viewer=viewer).filter(pk=pk).first()


def conversation_viewers(*, conversation_id: int) -> list[dict]:
    """The agents with the conversation open in an inbox now, as {"id", "name"}, by name."""
    rows = (ConversationViewer.objects.filter(conversation_id=conversation_id,
                                              seen_at__gte=timezone.now() - presence.grace())
            .select_related("user").order_by("user__first_name", "user__username"))
    return [{"id": str(row.user_id), "name": row.user.get_full_name() or row.user.get_username()} for row in rows]


def handoff_for_agent(*, viewer, handoff_id) -> Handoff | None:
    profile = agent_profile_for(viewer)
    if profile is None or (pk := parse_id(handoff_id)) is None:
        return None
    return (Handoff.objects.select_related("conversation", "conversation__contact")
            .filter(pk=pk, conversation__workspace_id=profile.workspace_id).first())


def contact_by_phone(*, workspace, phone: str) -> Contact | None:
    return Contact.objects.filter(workspace=workspace, phone=phone).order_by("id").first()


def recent_conversation_ids(*, contact: Contact, channel: str, limit: int = 5) -> list[int]:
    """The contact's newest conversations on one channel (an SMS rating answers the latest survey among them)."""
    return list(contact.conversations.filter(channel=channel).order_by("-id").values_list("id", flat=True)[:limit])


def contact_language(*, contact: Contact | None, channel: str) -> str:
    """The language of the contact's newest conversation on a channel ("" when none is known)."""
    if contact is None:
        return ""
    return (contact.conversations.filter(channel=channel).exclude(language="").order_by("-id")
            .values_list("language", flat=True).first() or "")


def unspoken_replies_after(*, conversation: Conversation, message_id: int) -> list[Message]:
    """The assistant's and the system's messages after a caller's turn that the call has not spoken yet."""
    return list(conversation.messages.filter(id__gt=message_id, sender_type__in=[
        Message.SenderType.AI, Message.SenderType.SYSTEM])
        .filter(Q(metadata__delivery__isnull=True) | ~Q(metadata__delivery__status="sent"))
        .exclude(metadata__has_key="csat").order_by("id"))


def message_in(*, conversation: Conversation, message_id) -> Message | None:
    if (pk := parse_id(message_id)) is None:
        return None
    return conversation.messages.select_related("conversation").filter(pk=pk).first()


def attachment_of(*, message: Message, attachment_id) -> Attachment | None:
    if (pk := parse_id(attachment_id)) is None:
        return None
    return message.attachments.filter(pk=pk).first()


def handoffs_to_assign(*, limit: int = 500) -> list[tuple[int, tuple]]:
    """The queue the assign-waiting sweep may act on, urgent and high first, then oldest first: (handoff id, routing
    key) pairs.

    Only handoffs in workspaces where routing may reach somebody now, and, for a team or the default
    queue, only those whose online agents were never told (told once, they wait to be taken). A night's
    queue with nobody on duty costs one query, not a locked look at each handoff every 30 s. The key is
    what the assignment depends on (workspace and target): `assign_waiting_handoffs_task` stops trying a
    key once a handoff with it found nobody free.
    """
    rows = (Handoff.objects.filter(status=Handoff.Status.PENDING, assigned_to__isnull=True,
                                   conversation__workspace_id__in=workspaces_with_online_agents(at_least=1))
            .filter(Q(target_kind__in=[TargetKind.USER, TargetKind.SPECIALTY]) | Q(notified_at__isnull=True))
            .order_by(handoff_queue_rank(), "requested_at")
            .values_list("pk", "conversation__workspace_id", "target_kind", "target_user_id", "target_team_id",
                         "target_specialty_id")[:limit])
    return [(pk, tuple(key)) for pk, *key in rows]


def handoffs_to_reroute(*, limit: int = 200) -> list[Handoff]:
    """Pending handoffs to move: their assignee is no longer there (offline, away or deactivated), or has not
    acknowledged within the policy's `reassign_after_minutes`.

    A hint for the sweep, read without locks: `handoff_reroute` re-checks each under its locks.
    """
    # (one aimed at its assignee alone stays with them: handoff_reroute)
    pending = Handoff.objects.filter(status=Handoff.Status.PENDING, assigned_to__isnull=False).exclude(
        target_kind=TargetKind.USER, target_user_id=F("assigned_to_id"), target_user__is_active=True)
    absent = list(pending.exclude(presence.eligible_q("assigned_to__agent__"))
                  .select_related("conversation").order_by(handoff_queue_rank(), "requested_at")[:limit])
    now = timezone.now()
    late = Q(pk__in=[])
    # A late handoff whose agent is still there moves only to another agent routing may reach: with
    # fewer than two of those online, nobody else could take it, so the sweep does not look again
    # (every 10 s, ~30 ms each, for handoffs left unacknowledged while one agent is on duty).
    staffed = workspaces_with_online_agents(at_least=2)
    for workspace_id, minutes in HandoffPolicy.objects.filter(reassign_after_minutes__gt=0).values_list(
            "workspace_id", "reassign_after_minutes"):
        if workspace_id in staffed:
            late |= Q(conversation__workspace_id=workspace_id, assigned_at__lte=now - timedelta(minutes=minutes))
    overdue = list(pending.filter(late).exclude(pk__in=[h.pk for h in absent])
                   .select_related("conversation").order_by("assigned_at")[:max(0, limit - len(absent))])
    return absent + overdue


def contact_for_agent(*, viewer, contact_id) -> Contact | None:
    """The contact, if it belongs to the viewer's workspace."""
    profile = agent_profile_for(viewer)
    pk = parse_id(contact_id)
    if profile is None or pk is None:
        return None
    return Contact.objects.filter(pk=pk, workspace_id=profile.workspace_id).first()


def handoff_being_prepared(*, conversation: Conversation) -> bool:
    """The AI asked the visitor for a detail before a handoff (the memory's pending handoff): their next message
    answers it."""
    return bool((conversation.assistant_state or {}).get("pending"))


def stalled_gathering_ids(*, now: datetime, quiet_for: timedelta, limit: int = 200,
                          conversation_id: int | None = None) -> list[int]:
    """Open conversations whose AI asked for a detail before a handoff (the memory's pending handoff) and whose
    visitor has said nothing since, for `quiet_for`: the sweep makes their handoff with what is known, oldest
    first. With `conversation_id`, the same test for that one (the sweep re-checks it under its lock)."""
    last_ai = (Message.objects.filter(conversation=OuterRef("pk"), sender_type=Message.SenderType.AI)
               .order_by("-id").values("created_at")[:1])
    qs = (Conversation.objects.filter(status=Conversation.Status.OPEN, assistant_state__has_key="pending")
          .exclude(assistant_state__pending=None)
          .annotate(last_ai_at=Subquery(last_ai))
          .filter(last_ai_at__lte=now - quiet_for)
          .filter(Q(last_visitor_message_at__isnull=True) | Q(last_visitor_message_at__lt=F("last_ai_at"))))
    if conversation_id is not None:
        qs = qs.filter(pk=conversation_id)
    return list(qs.order_by("last_ai_at").values_list("pk", flat=True)[:limit])


def missed_replies_due_ids(*, now: datetime, limit: int) -> list[int]:
    """Web chats whose agents' replies are due to go to the visitor's email (services/missed_replies.py)."""
    return list(Conversation.objects.filter(missed_replies_due_at__lte=now).order_by("missed_replies_due_at")
                .values_list("id", flat=True)[:limit])
