"""Who can take a conversation, and the workspace's handoff policy."""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models


class TargetKind(models.TextChoices):
    USER = "user", "A specific agent"
    TEAM = "team", "A team (any member may claim)"
    SPECIALTY = "specialty", "Round-robin within a specialty"


class HandoffTarget(models.Model):
    """Where a handoff goes: one agent, a team queue, or round-robin over a specialty."""

    target_kind = models.CharField(max_length=16, choices=TargetKind.choices, blank=True, default="",
                                   help_text="Leave empty to use the workspace's default target.")
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", help_text="The agent, when the target is a specific agent.")
    target_team = models.ForeignKey("routing.Team", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", help_text="The team, when the target is a team.")
    target_specialty = models.ForeignKey("routing.Specialty", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", help_text="The specialty, for round-robin.")

    class Meta:
        abstract = True

    @property
    def target_object(self):
        return {"user": self.target_user, "team": self.target_team, "specialty": self.target_specialty}.get(self.target_kind)

    @property
    def target_label(self) -> str:
        obj = self.target_object
        if obj is None:
            return ""
        name = obj.get_full_name() or obj.get_username() if self.target_kind == TargetKind.USER else obj.name
        return f"{self.target_kind} {name}"


class Team(models.Model):
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone of the office hours, e.g. Europe/Madrid.")
    office_hours = models.JSONField(
        default=dict, blank=True,
        help_text='Weekly hours, e.g. {"mon": [["09:00", "18:00"]], "sat": []}. Empty means always open.')
    reply_time_minutes = models.PositiveIntegerField(default=10, help_text="Expected reply time told to waiting visitors.")
    slack_channel = models.CharField(max_length=100, blank=True, help_text="Slack channel id that receives this team's handoffs.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="team_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Specialty(models.Model):
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="specialties")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="specialty_unique_name")]
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    """An agent's membership of a workspace, availability and capacity for routing."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="agents")
    available = models.BooleanField(default=True, help_text="Offline agents are skipped by routing.")
    capacity = models.PositiveIntegerField(default=5, help_text="Most open conversations routing gives this agent at once.")
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="agents")
    last_assigned_at = models.DateTimeField(null=True, blank=True, help_text="Round-robin fairness: who waited longest.")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    slack_user_id = models.CharField(max_length=32, blank=True, default="", help_text=(
        "The agent's Slack member id (U…): their replies in handoff threads are theirs even when their "
        "Slack email is not their email here."))

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


FALLBACK_PHONE_PATTERN = r"^\+?[0-9 ()-]{6,20}$"  # policy.fallback_phone, in the admin and the workspace document


class HandoffPolicy(HandoffTarget):
    """The workspace's rules for when and how the AI hands a conversation to a human."""

    class Level(models.TextChoices):
        AI_ONLY = "ai_only", "AI only — only flows and agents hand off"
        QUICK = "quick", "Quick handoff — at the first sign of frustration or request"
        BALANCED = "balanced", "Balanced — the AI tries first; requests are always respected"
        AI_FIRST = "ai_first", "AI first — a full problem statement before any handoff"

    workspace = models.OneToOneField("workspaces.Workspace", on_delete=models.CASCADE, related_name="policy")
    handoff_enabled = models.BooleanField(default=True, help_text="Off: the AI never hands off (agents still can).")
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.BALANCED)
    when_to_use = models.TextField(
        blank=True, default="Hand off when the customer asks for a person, is upset, or the question needs account access.",
        help_text="When to hand off, in plain words. An LLM provider receives it verbatim as the handoff tool's description.")
    auto_priority = models.BooleanField(default=True, help_text="Give each handoff a priority from explainable rules.")
    fallback_phone = models.CharField(
        max_length=32, blank=True, validators=[RegexValidator(FALLBACK_PHONE_PATTERN, "A phone number: digits, spaces, "
                                                                                     "( ) - and a leading +, 6 to 20 of them.")],
        help_text="Phone calls are transferred here on handoff.")
    # (the same bounds as the workspace document's: the admin's policy page and an import agree on what is valid)
    kb_threshold = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)], help_text="Knowledge-base confidence below which the AI says it cannot answer. Empty: the assistant's tuned default.")
    kb_not_covered = models.JSONField(
        default=list, blank=True,
        help_text="Questions visitors ask that the knowledge base does not answer: a question like one of them gets a "
                  "low confidence, so the AI says it cannot answer instead of quoting a wrong article.")
    csat_enabled = models.BooleanField(default=True, help_text="Send a satisfaction survey after a resolve.")
    csat_delay_seconds = models.PositiveIntegerField(default=30, validators=[MaxValueValidator(7 * 24 * 3600)], help_text="Wait this long after the resolve before sending the survey.")
    expiry_minutes = models.PositiveIntegerField(
        default=24 * 60, validators=[MinValueValidator(1)], help_text="A pending handoff whose visitor has been silent this long is cancelled.")
    reminder_minutes = models.PositiveIntegerField(
        default=15, help_text="Email the assignee when a pending handoff is not acknowledged within this time (0: never).")
    reassign_after_minutes = models.PositiveIntegerField(
        default=10, help_text="A pending handoff its assignee has not acknowledged within this time goes to another "
        "available, online agent of its target, when there is one (0: never).")
    ai_idle_resolve_seconds = models.PositiveIntegerField(
        null=True, blank=True, default=1800, validators=[MinValueValidator(10)],
        help_text="A conversation the AI handled alone (no handoff, no agent) is resolved by the AI once the visitor "
        "has been silent this long after its last answer. Empty: never. At least 10.")

    class Meta:
        verbose_name_plural = "handoff policies"

    def __str__(self) -> str:
        return f"Handoff policy of {self.workspace}"


class RestrictedTopic(HandoffTarget):
    """A topic the AI must never handle alone (e.g. billing disputes)."""

    policy = models.ForeignKey(HandoffPolicy, on_delete=models.CASCADE, related_name="restricted_topics")
    name = models.CharField(max_length=100)
    keywords = models.JSONField(default=list, blank=True, help_text='Words that signal the topic, e.g. ["chargeback", "dispute"].')
    examples = models.JSONField(default=list, blank=True, help_text="Example phrases; matched by meaning, not only by words.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class GatherField(models.Model):
    """Information the assistant collects before a handoff."""

    class Kind(models.TextChoices):
        NAME = "name", "Name"
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        ORDER_NUMBER = "order_number", "Order number"
        TEXT = "text", "Issue description (free text)"
        REGEX = "regex", "Custom (regular expression)"

    policy = models.ForeignKey(HandoffPolicy, on_delete=models.CASCADE, related_name="gather_fields")
    name = models.CharField(max_length=50, help_text="Key shown to the agent, e.g. email.")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    regex = models.CharField(max_length=200, blank=True, help_text="For custom fields: the pattern a valid answer matches.")
    required = models.BooleanField(default=True)
    question = models.CharField(max_length=300, blank=True, help_text="What the assistant asks. Empty: a built-in question in the visitor's language.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["policy", "name"], name="gather_unique_name")]

    def __str__(self) -> str:
        return self.name
