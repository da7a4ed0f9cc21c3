"""Reads for surveys and the analytics page.

Every analytics function takes the workspace, a `Period` and an optional team, and runs one
query. Definitions (shown on the page and in the API schema):

- conversations: conversations created in the period (the team filter: the conversation's team);
- AI-resolved: of those, resolved (not as spam or duplicate) without any human (agent) message;
  apart, the AI's own resolutions: confirmed (the visitor said its answer helped) and idle (the
  visitor went quiet after its answer for the policy's `ai_idle_resolve_seconds`);
- handed off: of those, the ones with at least one handoff (any trigger, agent takeovers included);
  handoff rate = handed off / conversations; per trigger, conversations with a handoff of that trigger;
- CSAT: answered surveys of resolutions in the period (the team and agent are those of the
  conversation at resolve time); score = positive / all answers, a fraction from 0 to 1;
- time to first human reply: handoffs requested in the period that got a human reply, seconds
  from the request to that reply (median and 90th percentile);
- open handoffs by age: pending or acknowledged handoffs now, by time since they were requested.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Aggregate, Count, DateTimeField, DurationField, Exists, ExpressionWrapper, F, FloatField, Func, OuterRef, Q,
    QuerySet, Subquery, Value,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from conversations.models import Conversation, Handoff, Message
from conversations.payloads import iso
from conversations.selectors import NOT_STARTED
from csat.models import NO_SURVEY_RESOLUTIONS, Survey

if TYPE_CHECKING:
    from workspaces.models import Workspace
    from routing.models import Team

MAX_PERIOD_DAYS = 3 * 366  # the analytics page and API refuse longer periods
# Open handoffs by age: (key, label, lower bound, upper bound) in seconds since the request.
AGE_BUCKETS: list[tuple[str, str, int, int | None]] = [
    ("lt_5m", "< 5 min", 0, 5 * 60),
    ("5m_15m", "5–15 min", 5 * 60, 15 * 60),
    ("15m_1h", "15 min – 1 h", 15 * 60, 3600),
    ("1h_4h", "1–4 h", 3600, 4 * 3600),
    ("4h_24h", "4–24 h", 4 * 3600, 24 * 3600),
    ("gt_24h", "> 24 h", 24 * 3600, None),
]


# --- AI resolution -----------------------------------------------------------------------------
def ai_idle_conversation_ids(*, now: dt.datetime, limit: int = 500, conversation_id: int | None = None) -> list[int]:
    """Open conversations the AI handled alone whose visitor has been silent for the policy's
    `ai_idle_resolve_seconds` since the AI last wrote, oldest silence first.

    Handled alone: no handoff ever (but one the visitor withdrew while it waited), no agent message, at least one knowledge-base answer, no offer of a person
    waiting for the visitor's answer, no handoff being prepared (details asked for a person), and the visitor
    did not say "no" to the latest answer's check. With
    `conversation_id`, the same test for that one conversation (the resolve re-checks it under its lock).
    """
    ai = Message.objects.filter(conversation=OuterRef("pk"), sender_type=Message.SenderType.AI)
    answers = ai.filter(metadata__has_key="article")
    qs = (Conversation.objects.filter(status=Conversation.Status.OPEN,
                                      workspace__policy__ai_idle_resolve_seconds__isnull=False)
          # an offer of a person still waiting for the visitor's answer (the turn's memory, conversations.turn_memory);
          # one the visitor declined does not keep the conversation open (trial of 2 Dec)
          .exclude(assistant_state__contains={"offer_open": True})
          # a person promised and details asked for first: the handoff is made when they come or the visitor goes
          # quiet (conversations.turns.hand_off_stalled_gathering), never an AI resolution (trial of 3 Dec)
          .filter(Q(assistant_state__pending__isnull=True) | Q(assistant_state__pending=None))  # no key, or null
          .filter(Exists(answers))
          # a handoff the visitor withdrew before anyone took it ("never mind") leaves the conversation the AI's (trial 54)
          .exclude(Exists(Handoff.objects.filter(conversation=OuterRef("pk")).exclude(
              status=Handoff.Status.CANCELLED, cancel_reason=Handoff.VISITOR_WITHDREW)))
          .exclude(Exists(Message.objects.visible_to_visitor()  # notes are not an agent's reply
                          .filter(conversation=OuterRef("pk"), sender_type=Message.SenderType.AGENT)))
          .annotate(last_ai_at=Subquery(ai.order_by("-id").values("created_at")[:1]),
                    latest_answer_id=Subquery(answers.order_by("-id").values("id")[:1]))
          .filter(Q(last_visitor_message_at__isnull=True) | Q(last_visitor_message_at__lt=F("last_ai_at")))
          .exclude(Exists(Message.objects.filter(pk=OuterRef("latest_answer_id"),
                                                 metadata__answer_check__answer="no")))
          .alias(idle=ExpressionWrapper(F("workspace__policy__ai_idle_resolve_seconds") * dt.timedelta(seconds=1),
                                        output_field=DurationField()))
          .filter(last_ai_at__lte=ExpressionWrapper(Value(now) - F("idle"), output_field=DateTimeField())))
    if conversation_id is not None:
        qs = qs.filter(pk=conversation_id)
    return list(qs.order_by("last_ai_at").values_list("pk", flat=True)[:limit])


# --- surveys ----------------------------------------------------------------------------------
def survey_due_ids(*, now: dt.datetime, limit: int = 500) -> list[int]:
    """Scheduled surveys whose time has come, oldest first (the partial index keeps this cheap)."""
    return list(Survey.objects.filter(status=Survey.Status.SCHEDULED, due_at__lte=now)
                .order_by("due_at").values_list("pk", flat=True)[:limit])


def survey_due_at(*, survey_id: int) -> dt.datetime | None:
    """When a still-scheduled survey is due, else None."""
    return (Survey.objects.filter(pk=survey_id, status=Survey.Status.SCHEDULED)
            .values_list("due_at", flat=True).first())


def survey_for_token(*, token: str) -> Survey | None:
    key = Survey.key_from_token(token or "")
    if key is None:
        return None
    return Survey.objects.select_related("conversation", "workspace").filter(key=key).first()


def survey_awaiting_answer(*, conversation_ids: list[int]) -> Survey | None:
    """The newest survey sent and not yet answered among these conversations (an SMS "1/2/3" answers it)."""
    return (Survey.objects.filter(conversation_id__in=conversation_ids, status=Survey.Status.SENT)
            .order_by("-sent_at").first())


def survey_answered_since(*, conversation_ids: list[int], since) -> bool:
    """A survey among these conversations was answered after `since` (a second "2" after "1" rates nothing new)."""
    return Survey.objects.filter(conversation_id__in=conversation_ids, status=Survey.Status.ANSWERED,
                                 answered_at__gte=since).exists()


def conversation_csat(*, conversation: Conversation) -> dict[str, Any] | None:
    """The latest survey of a conversation for its header: status, rating, comment; None when none."""
    survey = (Survey.objects.filter(conversation=conversation).exclude(status=Survey.Status.CANCELLED)
              .order_by("-resolved_at").first())
    if survey is None:
        return None
    return {"status": survey.status, "rating": survey.rating or None, "comment": survey.comment,
            "channel": survey.channel, "due_at": iso(survey.due_at), "sent_at": iso(survey.sent_at),
            "answered_at": iso(survey.answered_at)}


# --- analytics: period and helpers -------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the site's time zone."""

    start: dt.date
    end: dt.date

    @classmethod
    def last_days(cls, days: int = 30, *, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - dt.timedelta(days=days - 1), today)

    @classmethod
    def from_query(cls, start: dt.date | None, end: dt.date | None) -> Period:
        """The page's and the API's from= / to=: `to` defaults to today, `from` to 29 days before `to`.

        Not validated: callers refuse a reversed or too long period in their own words.
        """
        end = end or timezone.localdate()
        return cls(start or cls.last_days(30, today=end).start, end)

    @property
    def since(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def until(self) -> dt.datetime:
        """Exclusive upper bound: midnight after the last day."""
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile, an ordered-set aggregate."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def distribution(positive: int, neutral: int, negative: int) -> dict[str, Any]:
    """Counts per rating, their total and the score (positive / total, 0..1; None with no answers)."""
    total = positive + neutral + negative
    return {"positive": positive, "neutral": neutral, "negative": negative, "total": total,
            "score": rate(positive, total)}


def _conversations(workspace: Workspace, period: Period, team: Team | None) -> QuerySet[Conversation]:
    """The period's conversations, as the inbox counts them: a chat the visitor only opened (the greeting, nothing
    written) is none (trial of 3 Dec: each one lowered the handoff and AI-resolved rates)."""
    qs = (Conversation.objects.filter(workspace=workspace, created_at__gte=period.since, created_at__lt=period.until)
          .exclude(NOT_STARTED))
    return qs.filter(team=team) if team is not None else qs


def _volume_counts() -> dict[str, Count]:
    """Conversations, AI-resolved, handed off: the same definitions for the totals and per day."""
    # an internal note is no human reply: a conversation the AI closed stays the AI's
    human = Message.objects.visible_to_visitor().filter(conversation=OuterRef("pk"), sender_type=Message.SenderType.AGENT)
    # an agent who resolved it without replying (after a handoff, with a note) resolved it, not the AI
    ai_resolved = (Q(status=Conversation.Status.RESOLVED) & ~Q(resolution__in=NO_SURVEY_RESOLUTIONS)
                   & ~Exists(human) & ~Q(resolved_by_kind=Conversation.ResolvedBy.AGENT))
    return {"conversations": Count("pk"),
            "ai_resolved": Count("pk", filter=ai_resolved),
            # The AI's own resolutions, apart: the visitor said "yes, that answered it", or went quiet after it.
            "ai_resolved_confirmed": Count("pk", filter=ai_resolved & Q(ai_resolution=Conversation.AiResolution.CONFIRMED)),
            "ai_resolved_idle": Count("pk", filter=ai_resolved & Q(ai_resolution=Conversation.AiResolution.IDLE)),
            "handed_off": Count("pk", filter=Exists(Handoff.objects.filter(conversation=OuterRef("pk"))))}


def _answered(workspace: Workspace, period: Period, team: Team | None) -> QuerySet[Survey]:
    qs = Survey.objects.filter(workspace=workspace, status=Survey.Status.ANSWERED,
                               resolved_at__gte=period.since, resolved_at__lt=period.until)
    return qs.filter(team=team) if team is not None else qs


def _rating_counts(prefix: str = "", condition: Q | None = None) -> dict[str, Count]:
    out = {}
    for rating in Survey.OPTIONS:
        q = Q(rating=rating) if condition is None else Q(rating=rating) & condition
        out[f"{prefix}{rating}"] = Count("pk", filter=q)
    return out


# --- analytics: one query each ------------------------------------------------------------------
def conversation_counts(*, workspace: Workspace, period: Period, team: Team | None = None) -> dict[str, Any]:
    """Conversations, AI-resolved, handed off and the handoff rate."""
    figures = _conversations(workspace, period, team).aggregate(**_volume_counts())
    figures["handoff_rate"] = rate(figures["handed_off"], figures["conversations"])
    figures["ai_resolution_rate"] = rate(figures["ai_resolved"], figures["conversations"])
    return figures


def handoffs_by_trigger(*, workspace: Workspace, period: Period, team: Team | None = None,
                        conversations: int | None = None) -> list[dict[str, Any]]:
    """Per trigger: conversations with such a handoff, and their share of all conversations."""
    base = _conversations(workspace, period, team)
    if conversations is None:
        conversations = base.count()
    counts = dict(Handoff.objects.filter(conversation__in=base).values("trigger")
                  .annotate(n=Count("conversation_id", distinct=True)).values_list("trigger", "n"))
    return [{"trigger": value, "label": label, "conversations": counts.get(value, 0),
             "rate": rate(counts.get(value, 0), conversations)} for value, label in Handoff.Trigger.choices]


def csat_overview(*, workspace: Workspace, period: Period, team: Team | None = None) -> dict[str, dict[str, Any]]:
    """The rating distribution overall, for AI-only conversations and for human-handled ones."""
    row = _answered(workspace, period, team).aggregate(
        **_rating_counts(), **_rating_counts("ai_", Q(ai_only=True)), **_rating_counts("human_", Q(ai_only=False)))
    return {group: distribution(*(row[f"{prefix}{r}"] for r in Survey.OPTIONS))
            for group, prefix in (("overall", ""), ("ai_only", "ai_"), ("human", "human_"))}


def csat_by_agent(*, workspace: Workspace, period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    """Per agent who handled the conversation (human-handled surveys only), best score first."""
    rows = (_answered(workspace, period, team).filter(agent__isnull=False)
            .values("agent_id", "agent__username", "agent__first_name", "agent__last_name")
            .annotate(**_rating_counts()).order_by("agent__username"))
    out = []
    for row in rows:
        name = f"{row['agent__first_name']} {row['agent__last_name']}".strip() or row["agent__username"]
        out.append({"agent_id": row["agent_id"], "name": name,
                    **distribution(*(row[r] for r in Survey.OPTIONS))})
    return sorted(out, key=lambda r: (-(r["score"] or 0), -r["total"], r["name"]))


def csat_by_team(*, workspace: Workspace, period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    """Per team of the conversation at resolve time; surveys with no team are "No team"."""
    rows = (_answered(workspace, period, team).values("team_id", "team__name")
            .annotate(**_rating_counts()).order_by("team__name"))
    out = [{"team_id": row["team_id"], "name": row["team__name"] or "No team",
            **distribution(*(row[r] for r in Survey.OPTIONS))} for row in rows]
    return sorted(out, key=lambda r: (r["team_id"] is None, r["name"]))


def first_human_reply(*, workspace: Workspace, period: Period, team: Team | None = None) -> dict[str, Any]:
    """Seconds from a handoff's request to the first human reply: count, median, 90th percentile."""
    qs = Handoff.objects.filter(conversation__workspace=workspace, requested_at__gte=period.since,
                                requested_at__lt=period.until, first_human_reply_at__isnull=False)
    if team is not None:
        qs = qs.filter(conversation__team=team)
    wait = EpochSeconds(F("first_human_reply_at") - F("requested_at"))
    row = qs.aggregate(handoffs=Count("pk"), median=PercentileCont(wait, 0.5), p90=PercentileCont(wait, 0.9))
    return {"handoffs": row["handoffs"],
            "median_s": round(row["median"], 1) if row["median"] is not None else None,
            "p90_s": round(row["p90"], 1) if row["p90"] is not None else None}


def open_handoffs_by_age(*, workspace: Workspace, team: Team | None = None,
                         now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Open handoffs right now (the period does not apply), pending and acknowledged, by age."""
    now = now or timezone.now()
    qs = Handoff.objects.filter(conversation__workspace=workspace, status__in=Handoff.OPEN_STATUSES)
    if team is not None:
        qs = qs.filter(conversation__team=team)
    counts = {}
    for key, _label, low, high in AGE_BUCKETS:
        age = Q(requested_at__lte=now - dt.timedelta(seconds=low))
        if high is not None:
            age &= Q(requested_at__gt=now - dt.timedelta(seconds=high))
        for status in Handoff.OPEN_STATUSES:
            counts[f"{key}__{status}"] = Count("pk", filter=age & Q(status=status))
    row = qs.aggregate(**counts)
    return [{"bucket": key, "label": label, "pending": row[f"{key}__pending"],
             "acknowledged": row[f"{key}__acknowledged"]} for key, label, _low, _high in AGE_BUCKETS]


def daily_volume(*, workspace: Workspace, period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    """Per day of the period: conversations created, how many were handed off and AI-resolved."""
    rows = (_conversations(workspace, period, team).annotate(day=TruncDate("created_at")).values("day")
            .annotate(**_volume_counts()).order_by("day"))
    by_day = {row["day"]: row for row in rows}
    empty = {"conversations": 0, "handed_off": 0, "ai_resolved": 0}
    return [{"date": day.isoformat(), **{k: by_day.get(day, empty)[k] for k in empty}} for day in period.days]


# --- analytics: what the API and the page show ----------------------------------------------------
def analytics_summary(*, workspace: Workspace, period: Period, team: Team | None = None) -> dict[str, Any]:
    """The headline figures of API.md's GET /api/v1/analytics/summary/."""
    counts = conversation_counts(workspace=workspace, period=period, team=team)
    overall = csat_overview(workspace=workspace, period=period, team=team)["overall"]
    reply = first_human_reply(workspace=workspace, period=period, team=team)
    return {
        "conversations": counts["conversations"],
        "ai_resolved": counts["ai_resolved"],
        "ai_resolved_confirmed": counts["ai_resolved_confirmed"],
        "ai_resolved_idle": counts["ai_resolved_idle"],
        "handed_off": counts["handed_off"],
        "handoff_rate": counts["handoff_rate"],
        "csat": {k: overall[k] for k in ("positive", "neutral", "negative", "score")},
        "median_first_human_reply_s": reply["median_s"],
    }


def analytics_report(*, workspace: Workspace, period: Period, team: Team | None = None,
                     now: dt.datetime | None = None) -> dict[str, Any]:
    """Every figure of the analytics page (and its CSV export)."""
    counts = conversation_counts(workspace=workspace, period=period, team=team)
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "team": {"id": team.pk, "name": team.name} if team is not None else None,
        "counts": counts,
        "triggers": handoffs_by_trigger(workspace=workspace, period=period, team=team,
                                        conversations=counts["conversations"]),
        "csat": csat_overview(workspace=workspace, period=period, team=team),
        "csat_by_agent": csat_by_agent(workspace=workspace, period=period, team=team),
        "csat_by_team": csat_by_team(workspace=workspace, period=period, team=team),
        "first_human_reply": first_human_reply(workspace=workspace, period=period, team=team),
        "open_handoffs": open_handoffs_by_age(workspace=workspace, team=team, now=now),
        "daily": daily_volume(workspace=workspace, period=period, team=team),
    }


DIST_MEASURES = ("positive", "neutral", "negative", "total", "score")


def report_rows(report: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """The report flattened to (section, item, measure, value) rows: the CSV export."""
    rows: list[tuple[str, str, str, Any]] = [
        ("period", "", "from", report["period"]["from"]), ("period", "", "to", report["period"]["to"]),
        ("period", "", "team", report["team"]["name"] if report["team"] else "all teams"),
    ]
    for measure, value in report["counts"].items():
        rows.append(("conversations", "", measure, value))
    for row in report["triggers"]:
        rows += [("handoffs_by_trigger", row["trigger"], "conversations", row["conversations"]),
                 ("handoffs_by_trigger", row["trigger"], "rate", row["rate"])]
    for group, dist in report["csat"].items():
        rows += [("csat", group, measure, dist[measure]) for measure in DIST_MEASURES]
    for section, key in (("csat_by_agent", "name"), ("csat_by_team", "name")):
        for row in report[section]:
            rows += [(section, row[key], measure, row[measure]) for measure in DIST_MEASURES]
    for measure, value in report["first_human_reply"].items():
        rows.append(("first_human_reply", "", measure, value))
    for row in report["open_handoffs"]:
        rows += [("open_handoffs_by_age", row["label"], "pending", row["pending"]),
                 ("open_handoffs_by_age", row["label"], "acknowledged", row["acknowledged"])]
    for row in report["daily"]:
        rows += [("daily", row["date"], measure, row[measure])
                 for measure in ("conversations", "handed_off", "ai_resolved")]
    return rows
