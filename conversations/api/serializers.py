"""The conversation API's input and output shapes, as the OpenAPI schema documents them.

The output serializers describe what `conversations.payloads` builds (the views return those
dicts; these classes are the schema of them, and `tests/e2e/test_api_contract.py`
checks real answers against the generated schema). Choices come from the models, so a new
status or trigger appears in the schema by itself.
"""
from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from conversations.models import Conversation, Handoff, Message


# --- Inputs ---------------------------------------------------------------------------------
class AuthTokenInput(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


class WidgetConversationInput(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True)
    attributes = serializers.DictField(required=False)
    workspace = serializers.SlugField(required=False, help_text="Workspace slug; the default workspace when absent.")
    language = serializers.CharField(required=False, allow_blank=True, max_length=35,
                                     help_text="The browser's preferred language (navigator.language, e.g. \"es-ES\"): "
                                               "the greeting in it when the workspace has one.")


class TextInput(serializers.CharField):
    """Text as the client wrote it: a number or a boolean is refused (DRF would store {"body": 12345} as "12345")."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class MessageBodyInput(serializers.Serializer):
    # Length is checked by the service (413 with a clear message), not here (which would be a 400).
    body = TextInput(trim_whitespace=False, allow_blank=True, help_text=f"At most {settings.MESSAGE_MAX_CHARS} characters.")


class ReplyInput(MessageBodyInput):
    private = serializers.BooleanField(
        default=False, help_text="true: an internal note (as POST …/notes/), never sent to the visitor.")
    after = serializers.IntegerField(
        required=False, min_value=1,
        help_text="The id of the newest message on the agent's screen when they began writing. When another agent replied to the "
                  "visitor after it, nothing is sent: 409 `replied_meanwhile`, naming that reply. Send again with a "
                  "newer id, or without `after`, to send anyway.")


class AssignInput(serializers.Serializer):
    user_id = serializers.IntegerField(required=False)
    team_id = serializers.IntegerField(required=False)
    expected_assignee_id = serializers.IntegerField(
        required=False, allow_null=True,
        help_text="The assignee on the agent's screen (null: nobody). When it has changed since, nothing changes: "
                  "409 `assigned_meanwhile`. Without it, assigning to yourself a conversation a colleague has taken "
                  "is refused (409 `already_assigned`); with their id it is a deliberate takeover.")

    def validate(self, attrs):
        if ("user_id" in attrs) == ("team_id" in attrs):
            raise serializers.ValidationError("Give exactly one of user_id or team_id.")
        return attrs


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField would take 5 or 1.5 and make a string of it."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TagsInput(serializers.Serializer):
    add = serializers.ListField(child=StrictCharField(max_length=50), required=False, default=list, max_length=50,
                                help_text="Tags to add (1-50 characters each); one it has already is kept once.")
    remove = serializers.ListField(child=StrictCharField(max_length=50), required=False, default=list,
                                   max_length=50, help_text="Tags to remove; one it does not have is a no-op.")

    def validate(self, attrs):
        both = set(attrs["add"]) & set(attrs["remove"])
        if both:
            raise serializers.ValidationError({"remove": [f"Also in add: {', '.join(sorted(both))}."]})
        return attrs


class CannedResponseInput(serializers.Serializer):
    shortcut = serializers.CharField(max_length=51, help_text='Without the leading "/": letters, digits, - and _.')
    title = serializers.CharField(max_length=200)
    body = TextInput(max_length=5000, help_text="May use {{contact.name}}, {{contact.email}}, "
                                 "{{agent.name}}; a fallback for an empty value: {{contact.name|there}}.")


class CannedResponsePatchInput(serializers.Serializer):
    """Any of the fields; the others stay as they are."""

    shortcut = serializers.CharField(max_length=51, required=False)
    title = serializers.CharField(max_length=200, required=False)
    body = TextInput(max_length=5000, required=False)


class ResolveInput(serializers.Serializer):
    resolution = serializers.ChoiceField(
        choices=Conversation.Resolution.choices,
        error_messages={"invalid_choice": "\"{input}\" is not a resolution: one of "
                                          + ", ".join(Conversation.Resolution.values) + "."})
    csat = serializers.BooleanField(required=False, allow_null=True, default=None,
                                    help_text="Send a CSAT survey; null: the workspace's default.")
    after = serializers.IntegerField(
        required=False, min_value=1,
        help_text="The id of the newest message on the agent's screen. When the visitor wrote after it, nothing is "
                  "closed: 409 `visitor_wrote_meanwhile`, quoting the message. Resolve again without it to close anyway.")


# --- Outputs --------------------------------------------------------------------------------
class WidgetConversationCreatedOutput(serializers.Serializer):
    id = serializers.CharField()
    visitor_token = serializers.CharField(help_text="Send as `Authorization: Visitor <visitor_token>`.")
    status = serializers.ChoiceField(choices=Conversation.Status.choices)


class WidgetHandoffOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Handoff.Status.choices)


class WidgetConversationOutput(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=Conversation.Status.choices)
    ai_active = serializers.BooleanField()
    handoff = WidgetHandoffOutput(allow_null=True)
    assignee_name = serializers.CharField(help_text="Empty while no human has the conversation.")
    language = serializers.CharField(help_text="The conversation's language (en, es, ...); empty until detected.")


class MessageOutput(serializers.Serializer):
    id = serializers.CharField()
    conversation = serializers.CharField()
    sender_type = serializers.ChoiceField(choices=Message.SenderType.choices)
    sender_name = serializers.CharField()
    body = serializers.CharField()
    private = serializers.BooleanField(help_text="An internal note: agents only, never sent to the visitor.")
    metadata = serializers.DictField()
    created_at = serializers.DateTimeField()


class RefOutput(serializers.Serializer):
    """A user or team named by id."""

    id = serializers.CharField()
    name = serializers.CharField()


class HandoffTargetOutput(serializers.Serializer):
    kind = serializers.CharField(help_text="user, team or specialty")
    id = serializers.CharField(allow_null=True, help_text="null when the target was deleted")
    name = serializers.CharField()


class HandoffOutput(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=Handoff.Status.choices)
    trigger = serializers.ChoiceField(choices=Handoff.Trigger.choices)
    reason = serializers.CharField()
    summary = serializers.CharField()
    priority = serializers.ChoiceField(choices=Conversation.Priority.choices, allow_null=True)
    priority_reasons = serializers.ListField(child=serializers.CharField())
    gathered = serializers.DictField(help_text="What the assistant gathered before the handoff.")
    target = HandoffTargetOutput(allow_null=True)
    assigned_to = RefOutput(allow_null=True)
    requested_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)


class ContactOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()


class ContactDetailOutput(ContactOutput):
    name_on_file = serializers.CharField(help_text="The name as saved (may be blank); `name` falls back to email, phone or 'Visitor #id'.")
    phone = serializers.CharField()
    attributes = serializers.DictField()
    vip = serializers.BooleanField()


class LastMessageOutput(serializers.Serializer):
    body = serializers.CharField(help_text="The first 200 characters.")
    sender_type = serializers.ChoiceField(choices=Message.SenderType.choices)
    private = serializers.BooleanField(help_text="An internal note.")
    created_at = serializers.DateTimeField()


class LastVisitorMessageOutput(serializers.Serializer):
    body = serializers.CharField(help_text="The first 200 characters.")
    created_at = serializers.DateTimeField()


class ConversationOutput(serializers.Serializer):
    """An inbox list item."""

    id = serializers.CharField()
    contact = ContactOutput()
    channel = serializers.ChoiceField(choices=Conversation.Channel.choices)
    subject = serializers.CharField(allow_blank=True, help_text="An email conversation's subject (\"Re:\" left out); "
                                    "empty for other channels. Searched like the messages.")
    status = serializers.ChoiceField(choices=Conversation.Status.choices)
    needs_agent = serializers.BooleanField()
    priority = serializers.ChoiceField(choices=Conversation.Priority.choices, allow_null=True)
    assignee = RefOutput(allow_null=True)
    team = RefOutput(allow_null=True)
    last_message = LastMessageOutput(allow_null=True)
    last_visitor_message = LastVisitorMessageOutput(
        allow_null=True, help_text="The visitor's latest message: the inbox previews it for a conversation waiting for "
                                   "an agent, whose last message is the AI's handoff notice.")
    last_activity_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    tags = serializers.ListField(child=serializers.CharField())
    resolution = serializers.ChoiceField(choices=Conversation.Resolution.choices, allow_null=True)
    handoff = HandoffOutput(allow_null=True, help_text="The open handoff, else the latest one.")


class FlowLogEntryOutput(serializers.Serializer):
    id = serializers.CharField()
    flow = serializers.CharField(help_text="The flow's name.")
    run = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class ConversationCsatOutput(serializers.Serializer):
    status = serializers.CharField()
    rating = serializers.CharField(allow_null=True)
    comment = serializers.CharField()
    channel = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)


class ConversationDetailOutput(ConversationOutput):
    contact = ContactDetailOutput()
    language = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = serializers.ChoiceField(choices=Conversation.ResolvedBy.choices, allow_null=True)
    flow_log = FlowLogEntryOutput(many=True)
    csat = ConversationCsatOutput(allow_null=True, help_text="The latest survey; null when none.")


class AnswerFeedbackInput(serializers.Serializer):
    message = serializers.CharField(help_text="The id of the AI answer being rated.")
    helpful = serializers.BooleanField()


class AnswerFeedbackOutput(serializers.Serializer):
    message = MessageOutput(help_text="The visitor's answer, as a message in their words.")


class ContactEditInput(serializers.Serializer):
    """An agent's correction of a contact; absent fields stay as they are, blank clears one."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.RegexField(r"^[0-9+()\-. ]*$", max_length=40, required=False, allow_blank=True,
                                   error_messages={"invalid": "Use digits, spaces and + ( ) - . only."})


class TagsOutput(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(), help_text="The conversation's tags now.")


class CannedResponseOutput(serializers.Serializer):
    id = serializers.CharField()
    shortcut = serializers.CharField(help_text='Without the leading "/".')
    title = serializers.CharField()
    body = serializers.CharField(help_text="As written, placeholders included.")
    rendered = serializers.CharField(required=False, help_text="With `?conversation=`: the body with the "
                                     "conversation's contact and the asking agent filled in.")
    empty_placeholders = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="With `?conversation=`: the placeholders `rendered` leaves out, having no value and no fallback "
                  '(e.g. ["contact.email"] for a visitor who gave none); the inbox tells the agent before sending.')
