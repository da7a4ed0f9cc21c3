"""Seed a synthetic workspace for bench/analytics.py: 100,000 conversations, 1,000,000 messages by default.

    python manage.py seed_bench                 # once; a second run says it is already there
    python manage.py seed_bench --reset         # delete the bench workspace and seed it again
    python manage.py seed_bench --delete        # remove it
    python manage.py seed_bench --conversations 2000 --messages 20000 --slug bench-small

Rows go in with PostgreSQL COPY inside one transaction (an interrupted run leaves nothing), then
the tables are VACUUM ANALYZEd so the planner and index-only scans see the real data. The shape
roughly follows a support inbox: most conversations resolved by the AI, about a third handed off
(by user request, AI decision, restricted topic, flow or agent takeover), surveys answered for
about 40 % of resolutions, open work concentrated in the last few days.
"""
from __future__ import annotations

import itertools
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import JSONField, Model
from django.utils import timezone
from psycopg.types.json import Jsonb

from conversations.models import Contact, Conversation, Handoff, Message
from csat.models import NO_SURVEY_RESOLUTIONS, Survey
from routing.models import AgentProfile, HandoffPolicy, Team
from workspaces.models import Workspace

TEAMS = ["Support", "Billing", "Tech", "VIP"]
TRIGGERS = [("user_request", 45), ("ai_decision", 25), ("restricted_topic", 15), ("flow", 10), ("agent", 5)]
CHANNELS = [("web", 70), ("email", 15), ("sms", 7), ("slack", 5), ("phone", 3)]
RESOLUTIONS = [("resolved", 75), ("no_action_needed", 15), ("duplicate", 5), ("spam", 5)]
VISITOR_LINES = [
    "Where is my order?", "How long does shipping take to Portugal?", "I want to return these boots.",
    "Can I change the size of my jacket?", "My discount code does not work.", "Do you ship to Norway?",
    "I was charged twice for the same order.", "Can I talk to a person please?", "The tent arrived damaged.",
    "What is your refund policy?", "Thanks, that helped!", "It still does not work.", "Order number is 48213.",
]
AI_LINES = [
    "Standard shipping takes 3–5 working days.", "You can return unworn items within 30 days.",
    "Here is how to exchange a size: open your order and choose Exchange.", "Let me look that up for you.",
    "Discount codes apply at checkout, before payment.", "Is there anything else I can help with?",
]
AGENT_LINES = [
    "Hi, this is your support agent. Let me check that.", "I have refunded the duplicate charge.",
    "A replacement is on its way.", "Thanks for your patience!", "Could you send a photo of the damage?",
]


def pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


@dataclass(slots=True)
class Plan:
    """One synthetic conversation, enough to write its rows in every table."""

    id: int
    contact_id: int
    created: datetime
    channel: str
    status: str
    n_messages: int
    handoff_at: int | None = None  # index of the "handed off" system message
    trigger: str = ""
    handoff_status: str = ""
    human_reply: bool = False
    assignee_id: int | None = None
    team_id: int | None = None
    resolution: str = ""
    offsets: list[int] = field(default_factory=list)  # seconds from `created`, one per message


class Command(BaseCommand):
    help = "Seed the synthetic 'bench' workspace (100k conversations, 1M messages) for bench/analytics.py."

    def add_arguments(self, parser):
        parser.add_argument("--slug", default="bench")
        parser.add_argument("--conversations", type=int, default=100_000)
        parser.add_argument("--messages", type=int, default=1_000_000)
        parser.add_argument("--days", type=int, default=365, help="Spread resolved conversations over this many days.")
        parser.add_argument("--agents", type=int, default=20)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--reset", action="store_true", help="Delete the workspace first and seed it again.")
        parser.add_argument("--delete", action="store_true", help="Only delete the workspace (and its bench agents).")

    def handle(self, *args, slug: str, conversations: int, messages: int, days: int, agents: int, seed: int,
               reset: bool, delete: bool = False, **options):
        if conversations < 1 or messages < 6 * conversations or messages > 30 * conversations:
            raise CommandError("--messages must be between 6 and 30 times --conversations.")
        started = time.monotonic()
        existing = Workspace.objects.filter(slug=slug).first()
        if delete:
            if existing is not None:
                delete_workspace(existing)
            self.stdout.write(f"Workspace {slug!r} deleted." if existing else f"No workspace {slug!r}.")
            return
        if existing is not None and not reset:
            count = Conversation.objects.filter(workspace=existing).count()
            self.stdout.write(f"Workspace {slug!r} is already seeded ({count} conversations); --reset to rebuild.")
            return
        if existing is not None:
            self.stdout.write(f"Deleting workspace {slug!r}…")
            delete_workspace(existing)
        with transaction.atomic():
            counts = Seeder(slug=slug, conversations=conversations, messages=messages, days=days, agents=agents,
                            rng=random.Random(seed), out=self.stdout).run()
        seeded = time.monotonic()
        with connection.cursor() as cursor:
            for model in (Contact, Conversation, Message, Handoff, Survey):
                # VACUUM cannot run in a transaction (a test's); ANALYZE alone still informs the planner.
                verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                cursor.execute(f'{verb} "{model._meta.db_table}"')
        done = time.monotonic()
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {slug!r}: " + ", ".join(f"{v} {k}" for k, v in counts.items())
            + f" in {seeded - started:.1f} s (+ {done - seeded:.1f} s VACUUM ANALYZE)."))


def delete_workspace(workspace: Workspace) -> None:
    """Big tables by SQL (the ORM's cascade would load a million rows), the rest by the ORM."""
    with transaction.atomic(), connection.cursor() as cursor:
        conv = f'SELECT id FROM "{Conversation._meta.db_table}" WHERE workspace_id = %s'
        cursor.execute(f'DELETE FROM "{Survey._meta.db_table}" WHERE workspace_id = %s', [workspace.pk])
        cursor.execute(f'DELETE FROM "{Message._meta.db_table}" WHERE conversation_id IN ({conv})', [workspace.pk])
        cursor.execute(f'DELETE FROM "{Handoff._meta.db_table}" WHERE conversation_id IN ({conv})', [workspace.pk])
        cursor.execute(f'DELETE FROM "{Conversation._meta.db_table}" WHERE workspace_id = %s', [workspace.pk])
        cursor.execute(f'DELETE FROM "{Contact._meta.db_table}" WHERE workspace_id = %s', [workspace.pk])
        users = list(AgentProfile.objects.filter(workspace=workspace).values_list("user_id", flat=True))
        workspace.delete()
        get_user_model().objects.filter(pk__in=users, username__startswith="bench-").delete()


class Seeder:
    def __init__(self, *, slug: str, conversations: int, messages: int, days: int, agents: int,
                 rng: random.Random, out) -> None:
        self.slug, self.n, self.total_messages, self.days, self.n_agents = slug, conversations, messages, days, agents
        self.rng, self.out = rng, out
        self.now = timezone.now().replace(microsecond=0)

    def log(self, text: str) -> None:
        self.out.write(f"  {text}")
        self.out.flush()

    def run(self) -> dict[str, int]:
        t = time.monotonic()
        self.workspace = Workspace.objects.create(name=f"Bench ({self.slug})", slug=self.slug, greeting="")
        HandoffPolicy.objects.create(workspace=self.workspace)
        self.teams = [Team.objects.create(workspace=self.workspace, name=name) for name in TEAMS]
        self.agents = self.create_agents()
        contact_ids = self.reserve_ids(Contact, max(1, self.n // 2))
        self.copy(Contact, ({"id": cid, "workspace_id": self.workspace.pk, "name": f"Customer {i}",
                             "email": f"customer{i}@bench.example", "created_at": self.now - timedelta(days=self.days)}
                            for i, cid in enumerate(contact_ids)), with_id=True)
        plans = self.plan(self.reserve_ids(Conversation, self.n), contact_ids)
        self.log(f"planned {len(plans)} conversations ({time.monotonic() - t:.1f} s)")
        self.copy(Conversation, (self.conversation_row(p) for p in plans), with_id=True)
        self.log(f"conversations copied ({time.monotonic() - t:.1f} s)")
        n_messages = self.copy(Message, (row for p in plans for row in self.message_rows(p)))
        self.log(f"messages copied ({time.monotonic() - t:.1f} s)")
        n_handoffs = self.copy(Handoff, (self.handoff_row(p) for p in plans if p.handoff_at is not None))
        n_surveys = self.copy(Survey, filter(None, (self.survey_row(p) for p in plans)))
        self.log(f"handoffs and surveys copied ({time.monotonic() - t:.1f} s)")
        return {"conversations": len(plans), "messages": n_messages, "handoffs": n_handoffs, "surveys": n_surveys,
                "contacts": len(contact_ids), "agents": len(self.agents)}

    def create_agents(self) -> list[int]:
        User = get_user_model()
        ids = []
        for i in range(self.n_agents):
            user = User(username=f"bench-{self.slug}-{i + 1:02d}", first_name=f"Bench agent {i + 1}",
                        is_staff=(i == 0))
            user.set_unusable_password()
            user.save()
            profile = AgentProfile.objects.create(user=user, workspace=self.workspace, capacity=50)
            profile.teams.set([self.teams[i % len(self.teams)]])
            ids.append(user.pk)
        return ids

    # --- planning ------------------------------------------------------------------------------
    def plan(self, conv_ids: list[int], contact_ids: list[int]) -> list[Plan]:
        rng, plans = self.rng, []
        for cid in conv_ids:
            r = rng.random()
            status = "open" if r < 0.12 else "pending_human" if r < 0.16 else "assigned" if r < 0.22 else "resolved"
            recent = status != "resolved"
            age = rng.uniform(0, 3 * 86400) if recent else rng.uniform(3600, self.days * 86400)
            plan = Plan(id=cid, contact_id=rng.choice(contact_ids), created=self.now - timedelta(seconds=age),
                        channel=pick(rng, CHANNELS), status=status, n_messages=rng.randint(6, 14))
            if status == "resolved":
                plan.resolution = pick(rng, RESOLUTIONS)
                handed = rng.random() < 0.30
                handed_back = not handed and rng.random() < 0.04
            else:
                handed, handed_back = status != "open", False
            if handed or handed_back:
                plan.trigger = pick(rng, TRIGGERS)
                plan.team_id = rng.choice(self.teams).pk
                plan.handoff_status = {"pending_human": "pending", "assigned": "acknowledged",
                                       "resolved": "resolved", "open": "cancelled"}[status]
                if handed_back:
                    plan.handoff_status, plan.team_id = "cancelled", None
                plan.human_reply = plan.handoff_status in ("acknowledged", "resolved")
                if plan.handoff_status != "cancelled":
                    plan.assignee_id = rng.choice(self.agents)
            plans.append(plan)
        self.fit_message_counts(plans)
        for plan in plans:
            if plan.trigger:
                plan.handoff_at = max(2, plan.n_messages // 2 - rng.randint(0, 1))
            steps = [rng.randint(15, 180) for _ in range(plan.n_messages)]
            if plan.human_reply and plan.handoff_at + 1 < plan.n_messages:
                steps[plan.handoff_at + 1] += int(rng.lognormvariate(5.5, 1.0))  # the wait for a human: minutes
            plan.offsets = list(itertools.accumulate(steps))
            if plan.status != "resolved":  # open work: the last message is recent
                span = plan.offsets[-1]
                age = (self.now - plan.created).total_seconds()
                if span > age:
                    plan.offsets = [int(o * age / span) for o in plan.offsets]
        return plans

    def fit_message_counts(self, plans: list[Plan]) -> None:
        """Nudge the per-conversation counts (6..30) so they add up to exactly --messages."""
        diff = self.total_messages - sum(p.n_messages for p in plans)
        step = 1 if diff > 0 else -1
        i = 0
        while diff:
            plan = plans[i % len(plans)]
            if 6 <= plan.n_messages + step <= 30:
                plan.n_messages += step
                diff -= step
            i += 1

    # --- rows ---------------------------------------------------------------------------------------
    def times(self, plan: Plan) -> list[datetime]:
        return [plan.created + timedelta(seconds=o) for o in plan.offsets]

    def resolved_at(self, plan: Plan) -> datetime | None:
        if plan.status != "resolved":
            return None
        return plan.created + timedelta(seconds=plan.offsets[-1] + 120)

    def senders(self, plan: Plan) -> list[str]:
        out = ["ai"]
        for j in range(1, plan.n_messages):
            if plan.handoff_at is not None and j == plan.handoff_at:
                out.append("system")
            elif plan.handoff_at is not None and j > plan.handoff_at and plan.human_reply:
                out.append("agent" if (j - plan.handoff_at) % 2 == 1 else "visitor")
            elif plan.handoff_at is not None and j > plan.handoff_at:
                out.append("visitor" if plan.handoff_status == "pending" else ("ai" if j % 2 == 0 else "visitor"))
            else:
                out.append("visitor" if j % 2 == 1 else "ai")
        return out

    def conversation_row(self, plan: Plan) -> dict:
        times = self.times(plan)
        senders = self.senders(plan)
        visitor_times = [t for t, s in zip(times, senders) if s == "visitor"]
        resolved_by_agent = plan.status == "resolved" and plan.human_reply
        return {
            "id": plan.id, "workspace_id": self.workspace.pk, "contact_id": plan.contact_id, "channel": plan.channel,
            "status": plan.status, "assignee_id": plan.assignee_id, "team_id": plan.team_id,
            "needs_agent": plan.status == "pending_human",
            "priority": "normal" if plan.trigger else "", "language": "en", "resolution": plan.resolution,
            "resolved_by_kind": ("agent" if resolved_by_agent else "ai") if plan.status == "resolved" else "",
            "resolved_by_id": plan.assignee_id if resolved_by_agent else None, "resolved_at": self.resolved_at(plan),
            "created_at": plan.created, "last_activity_at": times[-1],
            "last_visitor_message_at": visitor_times[-1] if visitor_times else None,
        }

    def message_rows(self, plan: Plan):
        rng = self.rng
        for t, sender in zip(self.times(plan), self.senders(plan)):
            if sender == "visitor":
                body, name, user = rng.choice(VISITOR_LINES), f"Customer {plan.contact_id}", None
            elif sender == "ai":
                body, name, user = rng.choice(AI_LINES), "AI assistant", None
            elif sender == "agent":
                body, name, user = rng.choice(AGENT_LINES), "Bench agent", plan.assignee_id
            else:
                body, name, user = "Handed to a person — they will reply here.", "", None
            yield {"conversation_id": plan.id, "sender_type": sender, "sender_user_id": user, "sender_name": name,
                   "body": body, "created_at": t, "turn_processed_at": t if sender == "visitor" else None}

    def handoff_row(self, plan: Plan) -> dict:
        times = self.times(plan)
        requested = times[plan.handoff_at]
        reply = times[plan.handoff_at + 1] if plan.human_reply and plan.handoff_at + 1 < len(times) else None
        if plan.human_reply and reply is None:  # a conversation too short for the reply: it came right after
            reply = requested + timedelta(seconds=60)
        ended = self.resolved_at(plan) if plan.handoff_status == "resolved" else None
        return {
            "conversation_id": plan.id, "trigger": plan.trigger, "reason": f"Synthetic {plan.trigger}",
            "status": plan.handoff_status, "assigned_to_id": plan.assignee_id,
            "target_kind": "team" if plan.team_id else "", "target_team_id": plan.team_id,
            "requested_at": requested, "assigned_at": requested if plan.assignee_id else None,
            "acknowledged_at": reply, "acknowledged_by_id": plan.assignee_id if reply else None,
            "first_human_reply_at": reply, "resolved_at": ended,
            "cancelled_at": requested + timedelta(minutes=5) if plan.handoff_status == "cancelled" else None,
            "cancel_reason": "handed_back" if plan.handoff_status == "cancelled" else "",
            "updated_at": ended or reply or requested,
        }

    def survey_row(self, plan: Plan) -> dict | None:
        rng = self.rng
        if plan.status != "resolved" or plan.resolution in NO_SURVEY_RESOLUTIONS or rng.random() > 0.85:
            return None
        resolved = self.resolved_at(plan)
        due = resolved + timedelta(seconds=30)
        row = {"workspace_id": self.workspace.pk, "conversation_id": plan.id, "resolved_at": resolved,
               "resolution": plan.resolution, "channel": plan.channel, "agent_id": plan.assignee_id,
               "team_id": plan.team_id, "ai_only": not plan.human_reply, "key": secrets.token_urlsafe(16),
               "status": "sent", "due_at": due, "sent_at": due, "created_at": resolved}
        if rng.random() < 0.45:
            weights = [60, 25, 15] if not plan.human_reply else [70, 15, 15]
            row.update(status="answered", answered_at=due + timedelta(seconds=rng.randint(30, 3600)),
                       rating=rng.choices(Survey.OPTIONS, weights=weights)[0])
        return row

    # --- COPY ---------------------------------------------------------------------------------------
    def reserve_ids(self, model: type[Model], n: int) -> list[int]:
        """Ids from the table's own sequence, so children can point at rows not yet written."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [model._meta.db_table, n])
            return [row[0] for row in cursor.fetchall()]

    def copy(self, model: type[Model], rows, *, with_id: bool = False) -> int:
        """COPY rows (dicts by attname) into the model's table; unset columns take the field's default."""
        fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        defaults = {f.attname: (None if f.primary_key else f.get_default()) for f in fields}
        json_fields = {f.attname for f in fields if isinstance(f, JSONField)}
        columns = ", ".join(f'"{f.column}"' for f in fields)
        count = 0
        with connection.cursor() as cursor, cursor.cursor.copy(
                f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                values = []
                for f in fields:
                    value = row.get(f.attname, defaults[f.attname])
                    values.append(Jsonb(value) if f.attname in json_fields else value)
                copy.write_row(values)
                count += 1
        return count
