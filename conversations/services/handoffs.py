"""Every way a handoff changes: request, assign from the queue, re-route, acknowledge, cancel, expire."""
from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversations import realtime
from conversations.assistant.phrases import phrase, waiting_time, when
from conversations.models import QUEUE_RANK, QUEUE_RANK_OTHERS, Conversation, Handoff, Message, handoff_queue_rank
from conversations.payloads import user_name
from conversations.selectors import HISTORY_TURNS
from conversations.services import delivery
from conversations.services.messages import conversation_reopen, lock_conversation, system_message_locked
from conversations.turn_plan import asks_where_it_stands, asks_while_waiting, for_the_team_while_waiting, withdraws
from helpdesk.errors import DomainError
from routing import selectors as routing_selectors
from routing import services as routing_services
from routing.models import Specialty, TargetKind, Team
from routing.priority import PriorityFacts, compute_priority

logger = logging.getLogger(__name__)
User = get_user_model()


@dataclass(frozen=True)
class Target:
    """Where a handoff should go. kind "" means the workspace's default target."""

    kind: str = ""
    user: object | None = None
    team: Team | None = None
    specialty: Specialty | None = None

    @classmethod
    def of(cls, holder) -> Target:
        """The target configured on a policy, restricted topic or handoff row."""
        return cls(holder.target_kind, holder.target_user, holder.target_team, holder.target_specialty)


@dataclass(frozen=True)
class HandoffRequest:
    trigger: str
    reason: str
    target: Target = Target()
    summary: str = ""
    priority: str = ""
    priority_reasons: tuple[str, ...] = ()
    gathered: dict = field(default_factory=dict)
    language: str = "en"
    # How the visitor's notice opens: "of_course" after a calm request for a person, "sorry" after a
    # complaint, anger or an accident, "plain" otherwise (conversations/turn_plan.py decides).
    notice: str = "plain"


def open_handoff(conversation: Conversation, *, lock: bool = False) -> Handoff | None:
    qs = Handoff.objects.filter(conversation=conversation, status__in=Handoff.OPEN_STATUSES)
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.select_related("target_user", "target_team", "target_specialty", "assigned_to").first()


def _queue_position(handoff: Handoff) -> int:
    """1 + pending unassigned handoffs of the same workspace for the same target (team, specialty, agent or the
    default) served before it: a visitor waiting for Support is not behind the Billing queue (trial of 2 Dec:
    "number 8 in the queue, about 40 minutes" with nobody waiting for Support). Urgent and high go first
    (`handoff_queue_rank`), then the oldest."""
    rank = QUEUE_RANK.get(handoff.priority, QUEUE_RANK_OTHERS)
    return Handoff.objects.filter(
        conversation__workspace_id=handoff.conversation.workspace_id, status=Handoff.Status.PENDING,
        assigned_to__isnull=True, target_kind=handoff.target_kind,
        target_team_id=handoff.target_team_id, target_specialty_id=handoff.target_specialty_id,
        target_user_id=handoff.target_user_id,
    ).exclude(pk=handoff.pk).annotate(rank=handoff_queue_rank()).filter(
        Q(rank__lt=rank) | Q(rank=rank, requested_at__lt=handoff.requested_at)).count() + 1


def _resolve_target(conversation: Conversation, target: Target) -> Target:
    if target.kind:
        return target
    policy = routing_selectors.policy_for(workspace=conversation.workspace)
    return Target.of(policy)


# A visitor who writes again within this time after an agent resolved their conversation goes back to that agent
RETURN_TO_AGENT_HOURS = 24


def _returning_agent(conversation: Conversation, target: Target):
    """The agent who resolved this conversation's last handoff within RETURN_TO_AGENT_HOURS, when the new handoff's
    target includes them and they are available and online now; else None. A follow-up after Ben resolved it
    ("one more thing: will the new pole be the same colour?") waited in the general queue as number 18 (trial of 4
    Dec)."""
    since = timezone.now() - timedelta(hours=RETURN_TO_AGENT_HOURS)
    last = (Handoff.objects.filter(conversation=conversation, status=Handoff.Status.RESOLVED, resolved_at__gte=since)
            .exclude(acknowledged_by=None).select_related("acknowledged_by").order_by("-resolved_at").first())
    if last is None:
        return None
    agent = last.acknowledged_by
    included = ((target.kind == TargetKind.USER and target.user is not None and target.user.pk == agent.pk)
                or (target.kind == TargetKind.TEAM and target.team is not None
                    and target.team.members.filter(user=agent).exists())
                or (target.kind == TargetKind.SPECIALTY and target.specialty is not None
                    and target.specialty.agents.filter(user=agent).exists())
                or not target.kind)
    return routing_services.assignment_take_agent(workspace=conversation.workspace, user=agent) if included else None


def _pick_assignee(conversation: Conversation, target: Target, exclude: Collection[int] = ()):
    """Who takes a handoff aimed at one agent or a specialty: an agent available and online, else None
    (it waits in the queue). Team and default targets are not assigned: their online members are notified."""
    if target.kind == TargetKind.USER and target.user and target.user.pk not in exclude:
        return routing_services.assignment_take_agent(workspace=conversation.workspace, user=target.user)
    if target.kind == TargetKind.SPECIALTY and target.specialty:
        return routing_services.assignment_pick_in_specialty(workspace=conversation.workspace,
                                                             specialty=target.specialty, exclude=exclude)
    return None


@transaction.atomic
def handoff_request(*, conversation: Conversation, request: HandoffRequest,
                    turn_message_id: int | None = None) -> Handoff | None:
    """Hand the conversation to a human, atomically: assign, stop the AI, notify, flag.

    Idempotent: an open handoff is returned as it is. With `turn_message_id`, a turn that
    a newer visitor message overtook hands nothing off (returns None): that message's own
    turn decides with fuller context.
    """
    conversation = lock_conversation(conversation)
    if turn_message_id is not None and conversation.messages.filter(
            sender_type=Message.SenderType.VISITOR, id__gt=turn_message_id).exists():
        logger.info("Skipping stale handoff for conversation %s", conversation.pk)
        return None
    return handoff_request_locked(conversation, request=request)


def handoff_request_locked(conversation: Conversation, *, request: HandoffRequest) -> Handoff:
    """`handoff_request` under the caller's lock of the conversation (a turn's outcome, which has checked
    that no newer message overtook it): no second lock, no savepoint."""
    existing = open_handoff(conversation, lock=True)
    if existing is not None:
        return existing

    target = _resolve_target(conversation, request.target)
    handoff = Handoff(conversation=conversation, trigger=request.trigger, reason=request.reason[:300],
                      summary=request.summary, priority=request.priority,
                      priority_reasons=list(request.priority_reasons), gathered=dict(request.gathered),
                      target_kind=target.kind, target_user=target.user, target_team=target.team,
                      target_specialty=target.specialty)
    assignee = _returning_agent(conversation, target) or _pick_assignee(conversation, target)
    handoff.assigned_to = assignee
    handoff.assigned_at = timezone.now() if assignee else None
    handoff.save()

    conversation.status = Conversation.Status.PENDING_HUMAN
    conversation.assignee = assignee
    conversation.team = target.team if target.kind == TargetKind.TEAM else conversation.team
    conversation.needs_agent = True
    conversation.priority = request.priority or conversation.priority
    conversation.save(update_fields=["status", "assignee", "team", "needs_agent", "priority"])

    recipients = handoff_notify(conversation=conversation, handoff=handoff)
    delivery.handoff_announce(handoff)
    realtime.publish_ai_typing(conversation, False)
    realtime.publish_handoff_updated(handoff)
    realtime.publish_conversation_updated(conversation)
    _tell_visitor(conversation, handoff, someone_there=bool(recipients), language=request.language,
                  notice=request.notice)
    return handoff


def restricted_topic_target(*, workspace, topic: str) -> Target | None:
    """Where a restricted topic hands off when it has a target of its own, else None (the workspace's routing)."""
    restricted = routing_selectors.restricted_topic_with_target(workspace=workspace, name=topic) if topic else None
    return Target.of(restricted) if restricted is not None else None


def handoff_priority(*, conversation: Conversation, restricted_topic: bool, frustrated: bool) -> tuple[str, tuple]:
    """The priority a new handoff gets when the workspace sets it automatically (routing.priority), and why:
    from the contact, the topic, the visitor's mood, their recent words and how long they have waited.
    ("", ()) when the policy leaves priority to the agents."""
    if not routing_selectors.policy_for(workspace=conversation.workspace).auto_priority:
        return "", ()
    visitor_texts = list(conversation.messages.filter(sender_type=Message.SenderType.VISITOR)
                         .order_by("id").values_list("body", "created_at"))
    waited = (timezone.now() - visitor_texts[0][1]).total_seconds() / 60 if visitor_texts else 0
    return compute_priority(PriorityFacts(
        vip=conversation.contact.is_vip, restricted_topic=restricted_topic, frustrated=frustrated,
        text=" ".join(body for body, _ in visitor_texts[-HISTORY_TURNS:]), waiting_minutes=waited))


def handoff_notify(*, conversation: Conversation, handoff: Handoff) -> list[int]:
    """Tell whoever should take the handoff now (the assignee, the open team, or every online agent);
    returns who was told (nobody: it waits in the queue)."""
    recipients = _notify_recipients(conversation, handoff)
    _notify(handoff, recipients)
    return recipients


def _notify_recipients(conversation: Conversation, handoff: Handoff) -> list[int]:
    if handoff.assigned_to_id:
        return [handoff.assigned_to_id]
    if handoff.target_kind == TargetKind.TEAM and handoff.target_team:
        if not routing_selectors.team_is_open(handoff.target_team):
            return []
        return routing_selectors.team_online_member_ids(team=handoff.target_team)
    if not handoff.target_kind:  # no target configured: every online agent of the workspace
        return routing_selectors.workspace_online_agent_ids(workspace_id=conversation.workspace_id)
    return []  # a specialty with nobody free: it waits in the queue


def _notify(handoff: Handoff, recipients: list[int]) -> None:
    """The handoff_assigned notification, exactly once per handoff and assignee."""
    if not recipients:
        return
    handoff.notified_at = timezone.now()
    handoff.save(update_fields=["notified_at", "updated_at"])
    conversation = handoff.conversation
    realtime.publish_notification(recipients, kind="handoff_assigned", conversation=conversation,
                                  reason=handoff.reason, priority=handoff.priority,
                                  title=f"Handoff: {conversation.contact}")


def handoff_tell_transferred(*, conversation: Conversation, handoff: Handoff) -> None:
    """Under the conversation's lock: an agent passed the conversation to a team. The visitor hears that someone of
    it will reply, or where it waits: a transfer to Billing out of its office hours left the visitor with the first
    team's "expect a reply in about 25 minutes" (trial of 4 Dec)."""
    language = conversation.language or "en"
    if _notify_recipients(conversation, handoff):
        system_message_locked(conversation, body=phrase("handoff_transferred", language),
                              metadata={"handoff": str(handoff.id), "notice": SOMEONE_HAS_IT})
        return
    _tell_visitor(conversation, handoff, someone_there=False, language=language, notice="plain",
                  lead=phrase("handoff_transferred_waiting", language))


def _tell_visitor(conversation: Conversation, handoff: Handoff, *, someone_there: bool, language: str,
                  notice: str, lead: str = "") -> None:
    """The handoff notice, in the visitor's language, opening as the situation asks. On a phone call it is
    spoken (conversations/connectors/voice.py): the call is put through to the policy's fallback phone,
    whoever has the handoff, or the caller hears that a person will text them."""
    opener = {"of_course": "opener_of_course", "sorry": "opener_sorry", "ai_disclosed": "opener_ai_disclosed"}.get(notice)
    calling = conversation.channel == Conversation.Channel.PHONE
    transferred = calling and bool(routing_selectors.policy_for(workspace=conversation.workspace).fallback_phone)
    on_the_page = conversation.channel == Conversation.Channel.WEB  # by email, SMS or Slack no page to leave
    if someone_there or transferred:
        next_step = "call_transfer" if transferred else "call_text_back" if calling else "handoff_passing"
        parts = [phrase(opener, language) if opener else "", phrase(next_step, language),
                 _by_email_too(conversation, language)]
        system_message_locked(conversation, body=" ".join(p for p in parts if p),
                              metadata={"handoff": str(handoff.id), "notice": SOMEONE_HAS_IT})
        return
    # (a caller hears the wait in minutes, a text back to come)
    queued, where = _where_in_the_queue(
        conversation, handoff, language,
        open_key="call_queued_text_back" if calling else "handoff_queued" if on_the_page else "handoff_queued_thread",
        closed_key=None if calling else "handoff_after_hours" if on_the_page else "handoff_after_hours_thread")
    if notice in ("sorry", "ai_disclosed"):  # "Of course." is no opener for a queue
        queued = f"{phrase(opener, language)} {queued}"
    queued = " ".join(p for p in (lead, queued, _by_email_too(conversation, language)) if p)
    system_message_locked(conversation, body=queued, metadata={"handoff": str(handoff.id), "notice": QUEUED, **where})


def _by_email_too(conversation: Conversation, language: str) -> str:
    """On the web, to a visitor who gave an email: a reply they are not on the page for goes there
    (services/missed_replies.py)."""
    if (conversation.channel != Conversation.Channel.WEB or not conversation.contact.email
            or settings.HELPDESK_MISSED_REPLIES_EMAIL_SECONDS <= 0):
        return ""
    return phrase("reply_by_email_too", language, email=conversation.contact.email)


def _where_in_the_queue(conversation: Conversation, handoff: Handoff, language: str, *, open_key: str,
                        closed_key: str | None) -> tuple[str, dict]:
    """The visitor's place in the queue and the wait, in words (phrase `open_key`), or out of office hours when
    the team is back (`closed_key`, "back tomorrow at 09:00 (Europe/Madrid)"); and the same as message metadata."""
    position = _queue_position(handoff)
    expected = routing_selectors.expected_reply(
        team=handoff.target_team if handoff.target_kind == TargetKind.TEAM else None, workspace=conversation.workspace,
        position=position,
        specialty_id=handoff.target_specialty_id if handoff.target_kind == TargetKind.SPECIALTY else None,
        agent_id=handoff.target_user_id if handoff.target_kind == TargetKind.USER else None)
    wait = waiting_time(expected.minutes, language)
    if expected.nobody_online:  # open, but nobody who could take it is online: not "busy"; the usual wait
        body = phrase(f"{open_key}_offline", language, wait=wait, position=position)
    elif expected.opens_at is None or closed_key is None:
        body = phrase(open_key, language, wait=wait, position=position)
    else:
        body = phrase(closed_key, language, position=position, when=when(expected.opens_at, timezone.now(), language))
    return body, {"queue_position": position, "expected_minutes": expected.minutes, "nobody_online": expected.nobody_online}


@transaction.atomic
def handoff_assign_waiting(*, handoff: Handoff) -> Handoff:
    """Give a queued handoff to an eligible agent if one is there now; notify them and tell the visitor.
    Safe to repeat."""
    conversation = lock_conversation(handoff.conversation)
    handoff = Handoff.objects.select_for_update(of=("self",)).select_related(
        "target_user", "target_team", "target_specialty").get(pk=handoff.pk)
    if handoff.status != Handoff.Status.PENDING or handoff.assigned_to_id:
        return handoff
    recipients: list[int] = []
    if handoff.target_kind in (TargetKind.USER, TargetKind.SPECIALTY):
        agent = _pick_assignee(conversation, Target.of(handoff))
        if agent is None:
            return handoff
        _assign(handoff, conversation, agent)
        recipients = [agent.pk]
    elif handoff.notified_at is None:  # a team or default queue that had nobody online before
        recipients = _notify_recipients(conversation, handoff)
    if recipients:
        _notify(handoff, recipients)
        realtime.publish_handoff_updated(handoff)
        realtime.publish_conversation_updated(conversation)
        _tell_visitor_someone_has_it(conversation, handoff, "handoff_dequeued")
    return handoff


@transaction.atomic
def handoff_reroute(*, handoff: Handoff) -> Handoff:
    """A pending handoff whose assignee is no longer there (offline, or switched to away), or who has not
    acknowledged it within the policy's `reassign_after_minutes`, goes to another eligible agent of its
    target, or back to the queue; the visitor is told either way. Re-checked under the locks, so repeating
    it (or racing an acknowledgement) is harmless. A late handoff whose agent is still there stays put when
    nobody else is."""
    conversation = lock_conversation(handoff.conversation)
    handoff = Handoff.objects.select_for_update(of=("self",)).select_related(
        "target_user", "target_team", "target_specialty").get(pk=handoff.pk)
    if handoff.status != Handoff.Status.PENDING or not handoff.assigned_to_id:
        return handoff
    previous = handoff.assigned_to_id
    still_there = previous in routing_selectors.workspace_online_agent_ids(workspace_id=conversation.workspace_id)
    minutes = routing_selectors.policy_for(workspace=conversation.workspace).reassign_after_minutes
    overdue = bool(minutes) and handoff.assigned_at is not None and (
        handoff.assigned_at <= timezone.now() - timedelta(minutes=minutes))
    if still_there and not overdue:
        return handoff
    if handoff.target_kind == TargetKind.USER and handoff.target_user_id == previous and handoff.target_user.is_active:
        # Aimed at this one agent (a colleague transferred it to them, or the policy names them): nobody else may take
        # it, so back in the queue it would only leave their list and wait for them all the same (trial 56: a
        # transfer to Ana, away, left the conversation with no owner and out of her "Mine")
        return handoff
    agent = _pick_assignee(conversation, Target.of(handoff), exclude={previous})
    if agent is None and still_there:
        return handoff
    logger.info("Re-routing handoff %s away from agent %s (%s)", handoff.pk, previous,
                "not acknowledged" if still_there else "offline")
    if agent is not None:
        _assign(handoff, conversation, agent)
        _notify(handoff, [agent.pk])
        _tell_visitor_someone_has_it(conversation, handoff, "handoff_rerouted")
    else:
        handoff.assigned_to, handoff.assigned_at, handoff.notified_at = None, None, None
        handoff.save(update_fields=["assigned_to", "assigned_at", "notified_at", "updated_at"])
        conversation.assignee = None
        conversation.save(update_fields=["assignee"])
        if not _told(conversation, handoff, QUEUED):  # back in the queue: the visitor knows the queue already
            _tell_visitor(conversation, handoff, someone_there=False, language=conversation.language or "en",
                          notice="plain")
    realtime.publish_handoff_updated(handoff)
    realtime.publish_conversation_updated(conversation)
    return handoff


def _tell_visitor_someone_has_it(conversation: Conversation, handoff: Handoff, phrase_key: str) -> None:
    """A waiting visitor's handoff went to someone who is there (from the queue, or from an absent agent): said
    once a handoff, however often agents come and go (each notice is a mail or a text on those channels)."""
    if _told(conversation, handoff, SOMEONE_HAS_IT):
        return
    system_message_locked(conversation, body=phrase(phrase_key, conversation.language or "en"),
                          metadata={"handoff": str(handoff.id), "notice": SOMEONE_HAS_IT})


QUEUED, SOMEONE_HAS_IT = "queued", "someone_has_it"  # the visitor notices of a handoff, each said at most once


def _told(conversation: Conversation, handoff: Handoff, notice: str) -> bool:
    return conversation.messages.filter(sender_type=Message.SenderType.SYSTEM, metadata__handoff=str(handoff.id),
                                        metadata__notice=notice).exists()


def _assign(handoff: Handoff, conversation: Conversation, agent) -> None:
    """Under the caller's locks: `agent` is the pending handoff's assignee from now on."""
    handoff.assigned_to, handoff.assigned_at = agent, timezone.now()
    handoff.reminded_at = None  # the reminder email is per assignee
    handoff.save(update_fields=["assigned_to", "assigned_at", "reminded_at", "updated_at"])
    conversation.assignee = agent
    conversation.save(update_fields=["assignee"])


def mark_acknowledged(*, handoff: Handoff, conversation: Conversation, agent, owner=None) -> None:
    """Under the caller's locks: the agent answered the handoff; `owner` (by default that agent) has the
    conversation from now on."""
    now = timezone.now()
    owner = owner or agent
    handoff.status = Handoff.Status.ACKNOWLEDGED
    handoff.acknowledged_by = agent
    handoff.acknowledged_at = now
    if handoff.assigned_to_id != owner.pk:
        handoff.assigned_to, handoff.assigned_at = owner, now
    handoff.save()
    conversation.status = Conversation.Status.ASSIGNED
    conversation.assignee = owner
    conversation.needs_agent = False
    conversation.save(update_fields=["status", "assignee", "needs_agent"])
    realtime.publish_handoff_updated(handoff)


def start_agent_takeover(*, conversation: Conversation, agent) -> Handoff:
    """An agent steps into a conversation the AI had: an acknowledged handoff with trigger `agent`."""
    if conversation.status == Conversation.Status.RESOLVED:
        conversation_reopen(conversation=conversation)
    now = timezone.now()
    handoff = Handoff.objects.create(
        conversation=conversation, trigger=Handoff.Trigger.AGENT, reason=f"{user_name(agent)} took over",
        status=Handoff.Status.ACKNOWLEDGED, target_kind=TargetKind.USER, target_user=agent, assigned_to=agent,
        assigned_at=now, acknowledged_by=agent, acknowledged_at=now, notified_at=now)
    conversation.status = Conversation.Status.ASSIGNED
    conversation.assignee = agent
    conversation.needs_agent = False
    conversation.save(update_fields=["status", "assignee", "needs_agent"])
    realtime.publish_ai_typing(conversation, False)
    realtime.publish_handoff_updated(handoff)
    return handoff


@transaction.atomic
def handoff_acknowledge(*, handoff: Handoff, agent) -> Handoff:
    """Mark a pending handoff as taken by `agent` (a reply or a claim). A repeat by the same agent is a no-op;
    a claim after another agent's is refused (409)."""
    conversation = lock_conversation(handoff.conversation)
    handoff = Handoff.objects.select_for_update(of=("self",)).get(pk=handoff.pk)
    if handoff.status == Handoff.Status.ACKNOWLEDGED:
        if handoff.acknowledged_by_id == agent.pk:
            return handoff
        raise DomainError("handoff_already_claimed",
                          f"{user_name(handoff.acknowledged_by)} took this conversation first.")
    if handoff.status != Handoff.Status.PENDING:
        raise DomainError("handoff_closed", f"This handoff is already {handoff.status}.")
    check_may_take(handoff, agent)
    mark_acknowledged(handoff=handoff, conversation=conversation, agent=agent)
    realtime.publish_conversation_updated(conversation)
    return handoff


def check_may_take(handoff: Handoff, agent) -> None:
    """A team's conversation (its open handoff targets the team, waiting or taken) is for the team's members
    (DESIGN: "any member may claim it"): someone else claims, replies, assigns or hands it back only as an admin
    or when it is theirs (an admin assigned it to them). Notes and tags stay open to every agent."""
    if (handoff.target_kind != TargetKind.TEAM or handoff.target_team_id is None or agent.is_staff
            or handoff.assigned_to_id == agent.pk
            or Team.objects.filter(pk=handoff.target_team_id, members__user=agent).exists()):
        return
    team = handoff.target_team.name
    if handoff.status == Handoff.Status.PENDING:
        raise DomainError("not_team_member", f"This conversation waits for the {team} team: one of its members takes "
                          "it, or an admin assigns it to you.", status=403)
    raise DomainError("not_team_member", f"This conversation is with the {team} team "
                      f"({user_name(handoff.assigned_to) if handoff.assigned_to else 'a member'} has it): add a note "
                      "for them, or ask an admin to assign it to you.", status=403)


def check_holds_it(conversation: Conversation, agent, doing: str = "close it") -> None:
    """A conversation a colleague holds is closed or handed back to the AI by them or by an admin: Ben closed Ana's
    conversation as spam while she was answering it, and nobody told her (trial of 4 Dec); handing it back first
    was a way round that (re-trial of 4 Dec). Held means taken (assigned and acknowledged): an assignment not taken
    yet can still be undone. A reply or a note stays open to every agent."""
    if (conversation.assignee_id in (None, agent.pk) or agent.is_staff
            or conversation.status != Conversation.Status.ASSIGNED):
        return
    who = user_name(conversation.assignee)
    raise DomainError("not_assignee", f"{who} has this conversation: add a note for {who}, or ask them or an admin "
                      f"to {doing}.", status=403)


@transaction.atomic
def handoff_cancel(*, handoff: Handoff, reason: str, by=None, tell_visitor: bool = True) -> Handoff:
    """Return the conversation to the AI. Repeating it is a no-op; a resolved handoff can't be cancelled (409)."""
    conversation = lock_conversation(handoff.conversation)
    handoff = Handoff.objects.select_for_update(of=("self",)).get(pk=handoff.pk)
    if handoff.status == Handoff.Status.CANCELLED:
        return handoff
    if handoff.status == Handoff.Status.RESOLVED:
        raise DomainError("handoff_closed", "This handoff is already resolved.")
    if by is not None:  # an agent handing it back: a team's conversation is its members', a colleague's theirs
        check_may_take(handoff, by)
        check_holds_it(conversation, by, "hand it back to the AI")
    handoff.status = Handoff.Status.CANCELLED
    handoff.cancelled_at = timezone.now()
    handoff.cancel_reason = reason[:100]
    handoff.save()
    conversation.status = Conversation.Status.OPEN
    conversation.assignee = None
    conversation.team = None
    conversation.needs_agent = False
    conversation.assistant_state = {}
    conversation.save(update_fields=["status", "assignee", "team", "needs_agent", "assistant_state"])
    realtime.publish_handoff_updated(handoff)
    realtime.publish_conversation_updated(conversation)
    if tell_visitor:
        system_message_locked(conversation, body=phrase("handed_back", conversation.language or "en"))
    return handoff


def _waiting_handoff(conversation: Conversation) -> Handoff | None:
    """Under the caller's lock: the open handoff, locked, when no person has answered it yet (pending)."""
    handoff = open_handoff(conversation, lock=True)
    return handoff if handoff is not None and handoff.status == Handoff.Status.PENDING else None


@transaction.atomic
def handoff_withdraw_waiting(*, conversation: Conversation, message: Message) -> bool:
    """Under the turn's lock: the visitor's `message` takes back the handoff still waiting for a person
    ("never mind"): it is cancelled and the AI answers the message. False when no handoff waits (an agent
    took it meanwhile) or the message withdraws nothing."""
    handoff = _waiting_handoff(conversation)
    if handoff is None or not withdraws(message.body):
        return False
    handoff_cancel(handoff=handoff, reason=Handoff.VISITOR_WITHDREW, tell_visitor=False)
    conversation.refresh_from_db(fields=["status", "assignee", "team", "needs_agent", "assistant_state"])
    return True


REASSURE_EVERY = timedelta(minutes=2)  # "anyone there?" asked again sooner gets no second answer


@transaction.atomic
def handoff_reassure_waiting(*, conversation: Conversation, message: Message) -> bool:
    """Under the turn's lock: "hello?? anyone there?", or a question, while the handoff waits for a person gets
    where it stands (with its assignee, or its place in the queue and the expected wait), at most every
    REASSURE_EVERY. A call asked for, or a detail given ("oh sorry, it's NW-10002 actually"), is first said to be
    kept for the team, with the policy's phone for a call (both got no word, or the queue alone: trial of 4 Dec).
    The message itself stays the team's. True when the visitor was answered."""
    handoff = _waiting_handoff(conversation)
    if handoff is None or not asks_while_waiting(message.body):
        return False
    told = for_the_team_while_waiting(message.body)
    if conversation.messages.filter(sender_type=Message.SenderType.SYSTEM, metadata__reassured=True,
                                    created_at__gte=timezone.now() - REASSURE_EVERY).exists():
        return False
    language = conversation.language or "en"
    metadata: dict = {"handoff": str(handoff.id), "reassured": True}
    if handoff.assigned_to_id:
        body = phrase("still_waiting_assigned" if asks_where_it_stands(message.body) else "waiting_assigned", language)
    else:
        body, where = _where_in_the_queue(conversation, handoff, language, open_key="still_waiting_queued",
                                          closed_key="still_waiting_after_hours")
        metadata.update(where)
    known = conversation.contact.phone if told == "call" and conversation.contact_id else ""
    # (by SMS the number is the sender's: "write your number here if they don't have it" asked it again: trial 52)
    lead = [phrase("call_noted_waiting_at", language, phone=known) if known
            else phrase(f"{told}_noted_waiting", language)] if told else []
    phone = routing_selectors.policy_for(workspace=conversation.workspace).fallback_phone if told == "call" else ""
    if phone and conversation.channel != Conversation.Channel.PHONE:
        lead.append(phrase("call_the_team", language, phone=phone))
    system_message_locked(conversation, body=" ".join([*lead, body]), metadata=metadata)
    return True


@transaction.atomic
def handoff_expire(*, handoff: Handoff, cutoff) -> bool:
    """Hand a pending handoff back to the AI when its visitor has been silent since before `cutoff`.

    Decided under the locks that acknowledging takes (conversation, then handoff): an agent
    who took it, or a visitor who wrote, after the sweep picked it keeps it. True when expired.
    """
    conversation = lock_conversation(handoff.conversation)
    handoff = Handoff.objects.select_for_update(of=("self",)).get(pk=handoff.pk)
    last_heard = conversation.last_visitor_message_at
    if (handoff.status != Handoff.Status.PENDING or handoff.requested_at >= cutoff
            or last_heard is None or last_heard >= cutoff):
        return False
    handoff_cancel(handoff=handoff, reason="expired", tell_visitor=False)
    return True


@transaction.atomic
def handoff_resolve_open(*, conversation: Conversation) -> Handoff | None:
    """Under a resolve: the open handoff, if any, ends as resolved."""
    handoff = open_handoff(conversation, lock=True)
    if handoff is None:
        return None
    handoff.status = Handoff.Status.RESOLVED
    handoff.resolved_at = timezone.now()
    handoff.save()
    realtime.publish_handoff_updated(handoff)
    return handoff
