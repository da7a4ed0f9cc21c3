"""CSAT fixtures: resolved conversations, surveys sent, and a record of the countdown tasks."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from conversations import services
from conversations.models import Conversation, Handoff, Message
from csat import selectors
from csat import services as csat_services
from csat.models import Survey
from tests import factories


@pytest.fixture(autouse=True)
def survey_countdowns(monkeypatch) -> list[tuple[int, float]]:
    """(survey id, countdown) of every send task enqueued; nothing reaches the broker."""
    from csat import tasks

    sent: list[tuple[int, float]] = []
    monkeypatch.setattr(tasks.send_survey_task, "apply_async",
                        lambda args, countdown=0, **kw: sent.append((args[0], countdown)))
    return sent


@pytest.fixture
def conversation(workspace, no_tasks):
    return factories.ConversationFactory(workspace=workspace)


@pytest.fixture
def email_conversation(workspace, no_tasks) -> Conversation:
    """An email conversation whose contact has an address."""
    contact = factories.ContactFactory(workspace=workspace, name="Zoe", email="zoe@example.org")
    return factories.ConversationFactory(workspace=workspace, contact=contact, channel="email")


def resolve(conversation, resolution: str = "resolved", **kwargs):
    return csat_services.conversation_resolve(conversation=conversation, resolution=resolution, **kwargs)


def survey_of(conversation) -> Survey | None:
    return Survey.objects.filter(conversation=conversation).order_by("-id").first()


def send_now(survey: Survey) -> str:
    """Send as the countdown would at the due time."""
    return csat_services.survey_send(survey_id=survey.pk, now=survey.due_at + dt.timedelta(seconds=1))


@pytest.fixture
def sent_survey(conversation, django_capture_on_commit_callbacks) -> Survey:
    """A web conversation resolved and its survey sent: the widget shows the buttons."""
    with django_capture_on_commit_callbacks(execute=True):
        resolve(conversation)
    survey = survey_of(conversation)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_now(survey) == "sent"
    survey.refresh_from_db()
    return survey


# --- a hand-built analytics data set (tests/csat/test_selectors.py works out its answers) ---------
UTC = dt.UTC
PERIOD = selectors.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 7))
NOW = dt.datetime(2026, 3, 7, 18, 0, tzinfo=UTC)


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class Dataset:
    workspace: object
    billing: object
    tech: object
    ana: object
    ben: object


def make_conversation(workspace, created: dt.datetime, *, status="open", resolution="", team=None, assignee=None,
                 senders=("visitor", "ai"), ai_resolution="") -> Conversation:
    conv = factories.ConversationFactory(workspace=workspace, status=status, resolution=resolution, team=team,
                                         ai_resolution=ai_resolution,
                                         assignee=assignee, resolved_at=created + dt.timedelta(hours=1)
                                         if status == "resolved" else None)
    Conversation.objects.filter(pk=conv.pk).update(created_at=created, last_activity_at=created)
    for sender in senders:
        Message.objects.create(conversation=conv, sender_type=sender, body=f"{sender} says hi")
    conv.refresh_from_db()
    return conv


def make_handoff(conv, trigger: str, requested: dt.datetime, *, status="resolved", replied_after_s: int | None = None,
            agent=None) -> Handoff:
    h = factories.HandoffFactory(conversation=conv, trigger=trigger, status=status, assigned_to=agent,
                                 first_human_reply_at=requested + dt.timedelta(seconds=replied_after_s)
                                 if replied_after_s is not None else None)
    Handoff.objects.filter(pk=h.pk).update(requested_at=requested)
    return h


def make_survey(conv, rating: str, *, ai_only: bool, agent=None, team=None, comment: str = "") -> Survey:
    return Survey.objects.create(
        workspace=conv.workspace, conversation=conv, resolved_at=conv.resolved_at, resolution=conv.resolution,
        channel="web", agent=agent, team=team, ai_only=ai_only, due_at=conv.resolved_at, status="answered",
        sent_at=conv.resolved_at, rating=rating, comment=comment, answered_at=conv.resolved_at)


@pytest.fixture
def analytics_data(workspace) -> Dataset:
    """Nine conversations in the week of 1–7 March 2026, one before it, one in another workspace.

    c1  1 Mar  AI resolved (resolved)            👍 AI only   the visitor confirmed the AI's answer
    c2  1 Mar  AI resolved (no action needed)    😐 AI only
    c3  2 Mar  spam, no human                    —            (not AI-resolved: spam)
    c4  3 Mar  user_request → Ana 120 s, Billing 👍 Ana/Billing
    c5  3 Mar  user_request (cancelled), then ai_decision → Ben 600 s, Tech   👎 Ben/Tech
    c6  5 Mar  restricted_topic, pending since 17:50 on 7 Mar, Billing
    c7  6 Mar  flow → Ana 60 s, acknowledged since 16:00 on 7 Mar, Billing (still open)
    c8  7 Mar  open, AI chatting
    c10 7 Mar  agent takeover by Ben 30 s, Tech  👍 Ben/Tech with a comment
    c9  28 Feb (outside), AI resolved, 👎 — excluded everywhere
    """
    ws = workspace
    billing = factories.TeamFactory(workspace=ws, name="Billing")
    tech = factories.TeamFactory(workspace=ws, name="Tech")
    ana = factories.AgentFactory(workspace=ws, user__username="ana", user__first_name="Ana").user
    ben = factories.AgentFactory(workspace=ws, user__username="ben", user__first_name="Ben").user

    c1 = make_conversation(ws, at(1, 9), status="resolved", resolution="resolved", ai_resolution="confirmed")
    make_survey(c1, "positive", ai_only=True)
    c2 = make_conversation(ws, at(1, 15), status="resolved", resolution="no_action_needed")
    make_survey(c2, "neutral", ai_only=True)
    make_conversation(ws, at(2), status="resolved", resolution="spam", senders=("visitor",))

    c4 = make_conversation(ws, at(3, 10), status="resolved", resolution="resolved", team=billing, assignee=ana,
                      senders=("visitor", "ai", "system", "agent"))
    make_handoff(c4, "user_request", at(3, 10, 5), replied_after_s=120, agent=ana)
    make_survey(c4, "positive", ai_only=False, agent=ana, team=billing)

    c5 = make_conversation(ws, at(3, 11), status="resolved", resolution="resolved", team=tech, assignee=ben,
                      senders=("visitor", "ai", "agent"))
    make_handoff(c5, "user_request", at(3, 11, 1), status="cancelled")
    make_handoff(c5, "ai_decision", at(3, 11, 20), replied_after_s=600, agent=ben)
    make_survey(c5, "negative", ai_only=False, agent=ben, team=tech)

    c6 = make_conversation(ws, at(5), status="pending_human", team=billing)
    make_handoff(c6, "restricted_topic", at(7, 17, 50), status="pending")

    c7 = make_conversation(ws, at(6), status="assigned", team=billing, assignee=ana, senders=("visitor", "agent"))
    make_handoff(c7, "flow", at(7, 16), status="acknowledged", replied_after_s=60, agent=ana)

    make_conversation(ws, at(7, 8))

    c10 = make_conversation(ws, at(7, 9), status="resolved", resolution="resolved", team=tech, assignee=ben,
                       senders=("visitor", "agent"))
    make_handoff(c10, "agent", at(7, 9, 30), replied_after_s=30, agent=ben)
    make_survey(c10, "positive", ai_only=False, agent=ben, team=tech, comment="Quick and kind")

    c9 = make_conversation(ws, at(28, month=2), status="resolved", resolution="resolved")
    make_survey(c9, "negative", ai_only=True)
    make_handoff(c9, "user_request", at(28, 13, month=2), replied_after_s=5000)

    other = factories.WorkspaceFactory()
    o1 = make_conversation(other, at(3), status="resolved", resolution="resolved")
    make_survey(o1, "negative", ai_only=True)
    make_handoff(o1, "user_request", at(3, 12, 30), status="pending")
    return Dataset(ws, billing, tech, ana, ben)
