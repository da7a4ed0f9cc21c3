"""Satisfaction surveys: one row per resolution, with the time it is due."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q

from conversations.models import Conversation

TOKEN_SALT = "csat.survey"
# Not real resolutions: they never get a survey and never count as AI-resolved.
NO_SURVEY_RESOLUTIONS = (Conversation.Resolution.SPAM, Conversation.Resolution.DUPLICATE)


def new_survey_key() -> str:
    return secrets.token_urlsafe(16)


class Survey(models.Model):
    """A CSAT survey for one resolution of a conversation.

    The row is the truth for delayed sending: `due_at` says when it goes out, `status` says
    whether it did. The agent, team and "AI only" flag are copied at resolve time so the
    analytics of a resolution do not change when the conversation is reopened or reassigned.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENT = "sent", "Sent"
        ANSWERED = "answered", "Answered"
        CANCELLED = "cancelled", "Cancelled"

    class Rating(models.TextChoices):
        POSITIVE = "positive", "👍 Positive"
        NEUTRAL = "neutral", "😐 Neutral"
        NEGATIVE = "negative", "👎 Negative"

    OPTIONS = Rating.values
    EMOJI = {"positive": "👍", "neutral": "😐", "negative": "👎"}

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="surveys")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="surveys")
    # A resolution is identified by the conversation's resolved_at: resolving an already resolved
    # conversation is a no-op, so every resolution has its own timestamp.
    resolved_at = models.DateTimeField()
    resolution = models.CharField(max_length=20)
    channel = models.CharField(max_length=16)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="The agent who handled the conversation, if any.")
    team = models.ForeignKey("routing.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ai_only = models.BooleanField(default=True, help_text="No human wrote in the conversation before this resolution.")
    key = models.CharField(max_length=32, unique=True, default=new_survey_key, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    rating = models.CharField(max_length=8, choices=Rating.choices, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "resolved_at"], name="survey_one_per_resolution"),
            models.CheckConstraint(condition=Q(status="answered", rating__in=["positive", "neutral", "negative"])
                                   | (~Q(status="answered") & Q(rating="")), name="survey_rating_iff_answered"),
            models.CheckConstraint(condition=Q(status="scheduled") | Q(status="cancelled") | Q(sent_at__isnull=False),
                                   name="survey_sent_has_sent_at"),
        ]
        indexes = [
            # The sweep: due surveys still waiting. Partial, so it stays tiny.
            models.Index(fields=["due_at"], condition=Q(status="scheduled"), name="survey_scheduled_due"),
            # Analytics: answered surveys of a workspace by resolution time.
            models.Index(fields=["workspace", "resolved_at"], condition=Q(status="answered"),
                         name="survey_ws_answered_resolved"),
        ]

    def __str__(self) -> str:
        return f"Survey #{self.pk} ({self.status}{', ' + self.rating if self.rating else ''})"

    @property
    def token(self) -> str:
        """The signed token the visitor gets (in the widget, the email links, the text)."""
        return signing.Signer(salt=TOKEN_SALT).sign(self.key)

    @staticmethod
    def key_from_token(token: str) -> str | None:
        try:
            return signing.Signer(salt=TOKEN_SALT).unsign(token)
        except signing.BadSignature:
            return None
