"""Contacts, conversations, messages and handoff records."""
from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from conversations.unaccent import Unaccented
from routing.models import HandoffTarget
from workspaces.models import Workspace


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Contact(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text='Free attributes, e.g. {"plan": "pro", "vip": true}.')
    visitor_token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # the inbox's search: the same expression as conversations.search.contact_vector()
        indexes = [GinIndex(SearchVector(Unaccented(F("name")), Unaccented(F("email")), Unaccented(F("phone")),
                                         config="simple"), name="contact_search_unaccent")]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Visitor #{self.pk}"

    def issue_visitor_token(self) -> str:
        """A new bearer token for this contact; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        self.visitor_token_hash = hash_token(token)
        return token

    @property
    def is_vip(self) -> bool:
        return bool(self.attributes.get("vip"))


class Conversation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open (AI or flow)"
        PENDING_HUMAN = "pending_human", "Waiting for a human"
        ASSIGNED = "assigned", "Assigned to a human"
        RESOLVED = "resolved", "Resolved"

    class Channel(models.TextChoices):
        WEB = "web", "Web chat"
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        SLACK = "slack", "Slack"
        PHONE = "phone", "Phone"

    class Resolution(models.TextChoices):
        RESOLVED = "resolved", "Resolved"
        NO_ACTION_NEEDED = "no_action_needed", "No action needed"
        DUPLICATE = "duplicate", "Duplicate"
        SPAM = "spam", "Spam"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class AiResolution(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed: the visitor said the answer helped"
        IDLE = "idle", "Idle: the visitor went quiet after the AI's answer"

    class ResolvedBy(models.TextChoices):
        AGENT = "agent", "Agent"
        AI = "ai", "AI"
        FLOW = "flow", "Flow"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    subject = models.CharField(max_length=300, blank=True, default="")  # an email conversation's first subject
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_conversations")
    team = models.ForeignKey("routing.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations")
    needs_agent = models.BooleanField(default=False, help_text="Highlighted in the inbox until an agent acknowledges.")
    priority = models.CharField(max_length=8, choices=Priority.choices, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, blank=True, default="")
    # The assistant's memory between turns (conversations.turn_memory.TurnMemory): the problem in the
    # visitor's words, what the AI tried, what it gathered for a handoff, whether it offered a person.
    assistant_state = models.JSONField(default=dict, blank=True)
    external_thread_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True, default="")
    resolved_by_kind = models.CharField(max_length=8, choices=ResolvedBy.choices, blank=True, default="")
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    # How the AI's resolution came about, for analytics; empty unless resolved by the AI.
    ai_resolution = models.CharField(max_length=12, choices=AiResolution.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)
    last_visitor_message_at = models.DateTimeField(null=True, blank=True)
    # Web chat: agents' replies the visitor has not seen on the page go to their email (services/missed_replies.py)
    visitor_seen_up_to = models.BigIntegerField(default=0, help_text="The newest message the visitor's widget showed "
                                                "while the page was in view.")
    missed_replies_due_at = models.DateTimeField(null=True, blank=True, help_text="When agents' replies the "
                                                 "visitor has not seen go to their email.")
    missed_replies_emailed_up_to = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["missed_replies_due_at"], condition=Q(missed_replies_due_at__isnull=False),
                         name="conv_missed_replies_due"),
            models.Index(fields=["workspace", "-last_activity_at"], name="conv_ws_activity"),
            models.Index(fields=["workspace", "status", "-last_activity_at"], name="conv_ws_status_activity"),
            models.Index(fields=["assignee", "status"], name="conv_assignee_status"),
            models.Index(fields=["workspace", "created_at"], name="conv_ws_created"),  # analytics date range
            models.Index(fields=["workspace", "-last_activity_at"], condition=Q(needs_agent=True),
                         name="conv_ws_needs_agent_activity"),  # the inbox's "needs agent" tab
            GinIndex(fields=["tags"], name="conv_tags_gin"),  # the inbox's tag filter (jsonb @>)
        ]

    def __str__(self) -> str:
        return f"Conversation #{self.pk} with {self.contact}"

    @property
    def ai_active(self) -> bool:
        """The AI (or a flow) answers only while no human owns the conversation."""
        return self.status in (self.Status.OPEN, self.Status.RESOLVED)


# The one rule for what a visitor may see of their conversation: everything but the agents' internal
# notes. The widget's history and socket and every outbound channel go through it.
VISIBLE_TO_VISITOR = Q(private=False)


class MessageQuerySet(models.QuerySet):
    def visible_to_visitor(self) -> MessageQuerySet:
        return self.filter(VISIBLE_TO_VISITOR)


class Message(models.Model):
    class SenderType(models.TextChoices):
        VISITOR = "visitor", "Visitor"
        AI = "ai", "AI"
        AGENT = "agent", "Agent"
        SYSTEM = "system", "System"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender_type = models.CharField(max_length=8, choices=SenderType.choices)
    sender_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sender_name = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    private = models.BooleanField(default=False, help_text="An agents' internal note: never shown or sent to the visitor.")
    metadata = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(max_length=255, null=True, blank=True,
                                   help_text="Provider id (or a client retry key): a retried webhook creates no duplicate.")
    # A visitor message's turn (conversations/turns.py): claimed as a lease, then settled with
    # exactly one outcome in the transaction that writes it. A dead worker's lease lapses and
    # the sweep queues the turn again; a settled message is never taken up twice.
    class TurnOutcome(models.TextChoices):
        REPLY = "reply", "AI reply"
        HANDOFF = "handoff", "Handoff"
        FLOW = "flow", "Flow step"
        MERGED = "merged", "Answered with the next message"
        HUMAN = "human", "A human owns the conversation"

    turn_processed_at = models.DateTimeField(null=True, blank=True, help_text="When the turn's outcome committed.")
    turn_outcome = models.CharField(max_length=8, choices=TurnOutcome.choices, blank=True, default="")
    turn_claim = models.CharField(max_length=64, blank=True, default="", help_text="The attempt holding the turn.")
    turn_lease_until = models.DateTimeField(null=True, blank=True)
    turn_claim_worker = models.CharField(
        max_length=255, blank=True, default="",
        help_text="The worker holding the claim: its node name and a per-start id (a restart releases it).")
    turn_requeued_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweep last queued the turn again (a backlog is queued once).")
    turn_attempts = models.PositiveSmallIntegerField(default=0)
    turn_flow_done = models.BooleanField(default=False, help_text="Flows passed on it: a retry goes to the assistant.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "external_id"], condition=Q(external_id__isnull=False),
                                    name="message_unique_external_id"),
        ]
        indexes = [
            models.Index(fields=["conversation", "id"], name="message_conv_id"),
            # analytics "closed without any human message" looks at agent messages only
            models.Index(fields=["conversation"], condition=Q(sender_type="agent"), name="message_agent_conv"),
            # the sweep: visitor messages still without an outcome
            models.Index(fields=["created_at"], condition=Q(sender_type="visitor", turn_processed_at__isnull=True),
                         name="message_turn_unsettled"),
            # the inbox's search: the same expression as conversations.search.message_vector()
            GinIndex(SearchVector(Unaccented(F("body")), config="simple"), name="message_body_search_unaccent"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_type} message #{self.pk}"

    @property
    def visible_to_visitor(self) -> bool:
        """The instance side of VISIBLE_TO_VISITOR, for a message in hand (publishing, delivery)."""
        return not self.private


# Who the visitor hears from: the widget shows these senders' messages and the other channels deliver
# them. An allow-list on purpose: a sender type added later (an internal note, say) stays in the inbox
# until someone decides here that visitors see it.
VISITOR_FACING_SENDERS = frozenset({Message.SenderType.AI, Message.SenderType.AGENT, Message.SenderType.SYSTEM})


def meant_for_visitor(sender_type: str, *, private: bool) -> bool:
    """Whether a message must reach the visitor: from a sender they hear from, and never an agents'
    internal note (`private`, API.md; the queryset side is VISIBLE_TO_VISITOR), on any channel."""
    return sender_type in VISITOR_FACING_SENDERS and not private


# The waiting queue's order before age: urgent, high, then the rest (a chargeback waited behind four routine requests
# for the agent who came online: trial of 3 Dec). Lower is served first.
QUEUE_RANK = {Conversation.Priority.URGENT: 0, Conversation.Priority.HIGH: 1}
QUEUE_RANK_OTHERS = 2


def handoff_queue_rank() -> models.Case:
    """QUEUE_RANK as a database expression, to order or compare handoffs by."""
    return models.Case(*(models.When(priority=priority, then=rank) for priority, rank in QUEUE_RANK.items()),
                       default=QUEUE_RANK_OTHERS, output_field=models.IntegerField())


class Handoff(HandoffTarget):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"
        CANCELLED = "cancelled", "Cancelled"

    class Trigger(models.TextChoices):
        USER_REQUEST = "user_request", "Visitor asked for a human"
        AI_DECISION = "ai_decision", "AI decided"
        RESTRICTED_TOPIC = "restricted_topic", "Restricted topic"
        FLOW = "flow", "Flow"
        AGENT = "agent", "Agent took over"

    OPEN_STATUSES = (Status.PENDING, Status.ACKNOWLEDGED)
    VISITOR_WITHDREW = "withdrawn_by_visitor"  # a cancel_reason: "never mind" before any person answered

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="handoffs")
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField(blank=True)
    priority = models.CharField(max_length=8, choices=Conversation.Priority.choices, blank=True, default="")
    priority_reasons = models.JSONField(default=list, blank=True)
    gathered = models.JSONField(default=dict, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_human_reply_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=100, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the assignee was notified (exactly once).")
    reminded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation"], condition=Q(status__in=["pending", "acknowledged"]),
                                    name="handoff_one_open_per_conversation"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="handoff_status_requested")]

    def __str__(self) -> str:
        return f"Handoff #{self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


# An article is written in English, the assistant's first language; it may be translated into the others it reads.
TRANSLATION_LANGUAGES = {"es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese"}


class KnowledgeArticle(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="articles")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; blank lines separate the passages the assistant quotes.")
    tags = models.JSONField(default=list, blank=True)
    questions = models.JSONField(
        default=list, blank=True,
        help_text="Questions visitors ask that this article answers: matched like the title, never quoted.")
    published = models.BooleanField(default=True)
    translations = models.JSONField(
        default=dict, blank=True,
        help_text='The article in other languages, by language code: {"es": {"title": …, "body": …, "questions": […]}}. '
                  "A visitor writing in one of them is answered from it.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def translated(self, language: str) -> tuple[str, str]:
        """(title, body) in `language` when the article has that translation, else as written."""
        t = (self.translations or {}).get(language) or {}
        return (t.get("title") or self.title, t.get("body") or self.body) if t.get("body") else (self.title, self.body)

    def __str__(self) -> str:
        return self.title


class KnowledgeIndex(models.Model):
    """The assistant's index of a workspace's articles, rebuilt by a Celery task on save."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="knowledge_index")
    version = models.PositiveIntegerField(default=0)
    data = models.BinaryField()
    article_count = models.PositiveIntegerField(default=0)
    not_covered = models.JSONField(default=list, blank=True,
                                   help_text="The policy's questions not covered this index was built from.")
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "knowledge indexes"

    def __str__(self) -> str:
        return f"Knowledge index v{self.version} of {self.workspace}"


class ChannelRef(models.Model):
    """An id a provider gave a message or thread, and the conversation it belongs to.

    Inbound ids (an email's Message-ID, a Twilio MessageSid, a Slack event) make a retried hook
    create nothing twice: the unique constraint admits each once. Outbound ids (the Message-ID of
    a mail we sent, the Slack thread of a handoff) let a reply find its conversation.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", "Email Message-ID"
        SMS = "sms", "Twilio MessageSid"
        CALL = "call", "Twilio CallSid (one per speech turn)"
        SLACK_THREAD = "slack_thread", "Slack thread of a handoff"
        SLACK_MESSAGE = "slack_message", "Slack message in a handoff thread"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=500)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="channel_refs")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="channel_refs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "kind", "value"], name="channel_ref_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


class Attachment(models.Model):
    """A file that came with an inbound message (email), kept within the size limit; the raw mail too."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    size = models.PositiveIntegerField()
    data = models.BinaryField()
    is_raw_message = models.BooleanField(default=False, help_text="The whole message as received (e.g. the .eml).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class CannedResponse(models.Model):
    """A saved reply the workspace's agents insert with "/shortcut"; `body` may hold {{contact.name}},
    {{contact.email}} and {{agent.name}} (filled in by conversations.canned.render)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="canned_responses")
    shortcut = models.CharField(max_length=50, help_text='Typed after "/" in the composer, e.g. refund.')
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shortcut"]
        constraints = [models.UniqueConstraint(Lower("shortcut"), "workspace", name="canned_unique_shortcut")]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class ConversationViewer(models.Model):
    """Which conversation an agent has open in the inbox now (one per agent), for "Ben is viewing".

    `socket` is the inbox socket that opened it: closing another socket of the agent leaves it.
    A row whose `seen_at` is older than the presence grace period is stale (its Daphne died).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="viewing")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="viewers")
    socket = models.CharField(max_length=200)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} viewing conversation #{self.conversation_id}"
