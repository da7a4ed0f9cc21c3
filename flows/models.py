"""Flows: the graph an admin edits (draft), the versions it published, and the runs on conversations.

A `Flow` holds the draft (trigger, nodes, edges, node positions). Publishing snapshots the
draft into an immutable `FlowVersion`; a run (`FlowRun`) keeps the version it started on,
so editing or republishing never changes a conversation that is half-way through a flow.
`FlowStepLog` is what an agent sees of a run ("flow Billing: collected email").
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Flow(models.Model):
    class TriggerKind(models.TextChoices):
        CONVERSATION_STARTED = "conversation_started", "Conversation started"
        KEYWORDS = "keywords", "Message matches keywords"
        INTENT = "intent", "Message matches an intent"
        ATTRIBUTE = "attribute", "Contact attribute"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="flows")
    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True, help_text="Off: the flow never starts (running conversations finish).")
    priority = models.IntegerField(
        default=0, help_text="When several flows' triggers match, the highest priority starts (ties: oldest flow).")
    # The draft, as the builder saves it; `graph` is API.md's {"nodes": [...], "edges": [...]}.
    trigger = models.JSONField(default=dict, blank=True, help_text='e.g. {"kind": "keywords", "keywords": ["order"]}')
    graph = models.JSONField(default=dict, blank=True)
    layout = models.JSONField(default=dict, blank=True, help_text="Builder positions: node id -> [x, y].")
    published_version = models.ForeignKey("flows.FlowVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="flow_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def published(self) -> bool:
        return self.published_version_id is not None

    @property
    def draft_differs(self) -> bool:
        """The draft has changes that are not published yet."""
        version = self.published_version
        return version is None or version.graph != self.graph or version.trigger != self.trigger


class FlowVersion(models.Model):
    """An immutable snapshot of a flow's draft, taken when it was published."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    trigger = models.JSONField(default=dict)
    graph = models.JSONField(default=dict)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["flow", "-number"]
        constraints = [models.UniqueConstraint(fields=["flow", "number"], name="flow_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.flow.name} v{self.number}"


class FlowRun(models.Model):
    """One flow running on one conversation: where it stands (the engine's RunState) and its version.

    `steps` mirrors `state["steps"]` so that a save can be a compare-and-swap on it: a run is
    only ever moved on from the state that was read, so no node runs twice.
    """

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="flow_runs")
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(FlowVersion, on_delete=models.CASCADE, related_name="runs")
    active = models.BooleanField(default=True)
    state = models.JSONField(default=dict)
    steps = models.PositiveIntegerField(default=0)
    end_reason = models.CharField(max_length=40, blank=True)
    last_message_id = models.BigIntegerField(
        null=True, blank=True, help_text="The last visitor message the run consumed (a redelivery is ignored).")
    answers_rest_of = models.BigIntegerField(
        null=True, blank=True,
        help_text="The visitor message that started the run and asks more than the flow is for (a code started it, not "
                  "its words, or it has several sentences), until that is answered, once the run no longer waits for "
                  "the visitor.")
    pending_effect = models.JSONField(
        default=dict, blank=True, help_text="The webhook call the run waits for: {step, payload}.")
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation"], condition=Q(active=True),
                                    name="flow_run_one_active_per_conversation"),
        ]

    def __str__(self) -> str:
        return f"Run of {self.flow.name} on conversation {self.conversation_id}"

    @property
    def status(self) -> str:
        return str(self.state.get("status") or "running")


class FlowStepLog(models.Model):
    """One line of a run's log, for agents (not visitors): "flow Billing: collected email"."""

    # A deleted flow takes its runs with it, not what its runs did on past conversations (trial of 3 Dec): the
    # line stays with no run, and `flow_name` still says which flow it was.
    run = models.ForeignKey(FlowRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="logs")
    flow_name = models.CharField(max_length=100, blank=True, default="")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="flow_logs")
    text = models.CharField(max_length=500)
    step = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="flow_log_conv_id")]

    def __str__(self) -> str:
        return self.text
