"""Widget (visitor) and agent REST endpoints: authenticate, validate, call a service, shape the output."""
from __future__ import annotations

from functools import partial

from django.contrib.auth import authenticate, get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from conversations import payloads, selectors, services
from conversations.api.auth import IsVisitor, VisitorAuthentication
from conversations.api.serializers import (
    AnswerFeedbackInput,
    AnswerFeedbackOutput,
    AssignInput,
    AuthTokenInput,
    CannedResponseInput,
    CannedResponseOutput,
    CannedResponsePatchInput,
    ContactDetailOutput,
    ContactEditInput,
    ConversationDetailOutput,
    ConversationOutput,
    HandoffOutput,
    MessageBodyInput,
    MessageOutput,
    ReplyInput,
    ResolveInput,
    TagsInput,
    TagsOutput,
    TokenOutput,
    WidgetConversationCreatedOutput,
    WidgetConversationInput,
    WidgetConversationOutput,
)
from conversations.models import Conversation
from csat import selectors as csat_selectors
from csat import services as csat_services
from flows import selectors as flow_selectors
from helpdesk import ratelimit
from helpdesk.api import AGENT_ERRORS, IsAgent, error_response, error_responses
from helpdesk.errors import DomainError
from routing.models import Team
from routing.selectors import agent_profile_for
from workspaces.models import Workspace

User = get_user_model()


def _found(row, what: str):
    """`row`, or the 404 of API.md when the selector found none (not there, or not the caller's)."""
    if row is None:
        raise DomainError("not_found", f"{what} not found.", status=404)
    return row


def _not_found() -> Response:
    return error_response("not_found", "Conversation not found.", status.HTTP_404_NOT_FOUND)


# --- Auth -------------------------------------------------------------------------------
class LoginThrottle(AnonRateThrottle):
    scope = "login"


class AuthTokenApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    InputSerializer = AuthTokenInput

    @extend_schema(request=AuthTokenInput, responses={200: TokenOutput, **error_responses(400, 401, 415, 429)},
                   auth=[])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wait = ratelimit.login_wait(request, data.validated_data["username"])
        if wait is not None:
            return ratelimit.login_locked_response(wait)
        user = authenticate(request, **data.validated_data)
        if user is None or not user.is_active:
            return error_response("bad_credentials", "Unable to log in with those credentials.", 401)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


# --- Widget (visitor) --------------------------------------------------------------------
class VisitorCreateThrottle(ratelimit.UncountedWithoutRedis, AnonRateThrottle):
    scope = "visitor_create"


class WidgetConversationCreateApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [VisitorCreateThrottle]

    InputSerializer = WidgetConversationInput

    @extend_schema(request=WidgetConversationInput, auth=[],
                   responses={201: WidgetConversationCreatedOutput, **error_responses(400, 404, 415, 429)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        slug = values.pop("workspace", None)
        workspace = (Workspace.objects.filter(slug=slug).first() if slug
                     else Workspace.objects.order_by("id").first())
        if workspace is None:
            return error_response("not_found", "No such workspace.", 404, {"workspace": ["Unknown workspace."]})
        conversation, token = services.widget_conversation_start(workspace=workspace, **values)
        return Response({"id": str(conversation.id), "visitor_token": token, "status": conversation.status},
                        status=status.HTTP_201_CREATED)


class _VisitorApi(APIView):
    authentication_classes = [VisitorAuthentication]
    permission_classes = [IsVisitor]

    def conversation(self, request, conversation_id) -> Conversation | None:
        return selectors.conversation_for_visitor(conversation_id=conversation_id, token=request.user.token)


class WidgetConversationDetailApi(_VisitorApi):
    @extend_schema(responses={200: WidgetConversationOutput, **error_responses(401, 404)})
    def get(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        if conversation is None:
            return _not_found()
        return Response(payloads.widget_conversation_payload(conversation))


class WidgetMessagesApi(_VisitorApi):
    throttle_classes = [ratelimit.VisitorMessageThrottle]

    @extend_schema(parameters=[OpenApiParameter("after", str, description="Only messages after this id.")],
                   responses={200: MessageOutput(many=True), **error_responses(401, 404)})
    def get(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        if conversation is None:
            return _not_found()
        messages = selectors.message_list_for_visitor(conversation=conversation,
                                                      after=request.query_params.get("after"))
        return Response([payloads.message_payload(m) for m in messages])

    @extend_schema(request=MessageBodyInput, parameters=[OpenApiParameter(
        "Idempotency-Key", str, OpenApiParameter.HEADER,
        description="A retry with the same key stores one message; another text under a used key: 422.")],
        responses={201: MessageOutput, **error_responses(400, 401, 404, 409, 413, 415, 422)})
    def post(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        if conversation is None:
            return _not_found()
        data = MessageBodyInput(data=request.data)
        data.is_valid(raise_exception=True)
        key = services.clean_idempotency_key(request.headers.get("Idempotency-Key"))
        message = services.receive_message(conversation=conversation, body=data.validated_data["body"],
                                           external_id=key, key_names_body=True)
        return Response(payloads.message_payload(message), status=status.HTTP_201_CREATED)


class WidgetAnswerFeedbackApi(_VisitorApi):
    """POST /api/v1/widget/conversations/{id}/answer-feedback/ — the visitor's answer to "Did that answer your
    question?" under an AI answer. Yes resolves the conversation as confirmed by the visitor; no takes the
    policy's not-helpful path. 201 with the visitor's message (their choice, in their words)."""

    @extend_schema(request=AnswerFeedbackInput,
                   responses={201: AnswerFeedbackOutput, **error_responses(400, 401, 404, 409)})
    def post(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        if conversation is None:
            return _not_found()
        data = AnswerFeedbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = csat_services.ai_answer_feedback(conversation=conversation, message_id=data.validated_data["message"],
                                                   helpful=data.validated_data["helpful"])
        return Response({"message": payloads.message_payload(message)}, status=status.HTTP_201_CREATED)


# --- Agents ---------------------------------------------------------------------------------
class AgentHeartbeatApi(APIView):
    """POST /api/v1/agents/me/heartbeat/ — an inbox whose socket cannot connect (a proxy that drops
    websockets) polls instead and calls this at least every 30 s, so its agent still counts as online. 204."""

    permission_classes = [IsAgent]

    @extend_schema(request=None, responses={204: None, **error_responses(*AGENT_ERRORS)})
    def post(self, request):
        services.agent_seen(profile=agent_profile_for(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationListApi(ListAPIView):
    permission_classes = [IsAgent]
    serializer_class = ConversationOutput  # the schema of conversation_payload (list() builds the dicts)

    @extend_schema(parameters=[
        OpenApiParameter("status", str, description="open, pending_human, assigned, resolved (comma-separated)"),
        OpenApiParameter("assignee", str, description="me, unassigned or a user id"),
        OpenApiParameter("team", str), OpenApiParameter("needs_agent", bool),
        OpenApiParameter("contact", str, description="a contact id: that contact's conversations"),
        OpenApiParameter("q", str, description="Full-text search over messages (notes included) and the contact's "
                         "name, email and phone; every word must match, as a prefix."),
        OpenApiParameter("tag", str, description="Only conversations with this tag."),
        OpenApiParameter("started", bool, description="true: leave out widget conversations whose visitor opened the "
                         "chat and has not written (the AI's greeting only, nobody waiting); the inbox's views")],
        responses={200: ConversationOutput(many=True), **error_responses(*AGENT_ERRORS, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        needs_agent = params.get("needs_agent")
        return selectors.conversation_list(
            viewer=self.request.user, status=params.get("status"), assignee=params.get("assignee"),
            team=params.get("team"), q=params.get("q"), tag=params.get("tag"), contact=params.get("contact"),
            needs_agent=None if needs_agent in (None, "") else needs_agent.lower() in ("true", "1", "yes"),
            started=(params.get("started") or "").lower() in ("true", "1", "yes"))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([payloads.conversation_payload(c) for c in page])


class _AgentConversationApi(APIView):
    permission_classes = [IsAgent]

    def conversation(self, request, conversation_id) -> Conversation:
        return _found(selectors.conversation_for_agent(viewer=request.user, conversation_id=conversation_id),
                      "Conversation")

    def write_message(self, request, conversation_id, write) -> Response:
        """A {"body"} written into the conversation by `write` (a reply or a note): 201 with the message."""
        conversation = self.conversation(request, conversation_id)
        data = MessageBodyInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = write(conversation=conversation, agent=request.user, body=data.validated_data["body"])
        return Response(payloads.message_payload(message), status=status.HTTP_201_CREATED)

    def detail(self, conversation: Conversation) -> Response:
        fresh = selectors.conversation_for_agent(viewer=self.request.user, conversation_id=conversation.pk)
        data = payloads.conversation_detail_payload(fresh)
        data["flow_log"] = flow_selectors.flow_log_for(fresh)
        data["csat"] = csat_selectors.conversation_csat(conversation=fresh)
        return Response(data)


class ConversationDetailApi(_AgentConversationApi):
    @extend_schema(responses={200: ConversationDetailOutput, **error_responses(*AGENT_ERRORS, 404)})
    def get(self, request, conversation_id):
        return self.detail(self.conversation(request, conversation_id))


class ConversationMessagesApi(_AgentConversationApi):
    @extend_schema(parameters=[OpenApiParameter("after", str, description="Only messages after this id.")],
                   responses={200: MessageOutput(many=True), **error_responses(*AGENT_ERRORS, 404)})
    def get(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        messages = selectors.message_list(conversation=conversation, after=request.query_params.get("after"))
        return Response([payloads.message_payload(m) for m in messages])

    @extend_schema(request=ReplyInput,
                   responses={201: MessageOutput, **error_responses(400, *AGENT_ERRORS, 404, 409, 413, 415)})
    def post(self, request, conversation_id):
        # {"private": true} is a note here too: a client that says so never has its text sent to the visitor
        data = ReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        write = services.note_add if data.validated_data["private"] else \
            partial(services.agent_reply, seen_up_to=data.validated_data.get("after"))
        return self.write_message(request, conversation_id, write)


class ConversationNotesApi(_AgentConversationApi):
    """POST /api/v1/conversations/{id}/notes/ — an internal note: agents see it, the visitor never does."""

    @extend_schema(request=MessageBodyInput,
                   responses={201: MessageOutput, **error_responses(400, *AGENT_ERRORS, 404, 413, 415)})
    def post(self, request, conversation_id):
        return self.write_message(request, conversation_id, services.note_add)


class ConversationTagsApi(_AgentConversationApi):
    """POST /api/v1/conversations/{id}/tags/ — add and remove tags; 200 with the tags now."""

    @extend_schema(request=TagsInput, responses={200: TagsOutput, **error_responses(400, *AGENT_ERRORS, 404, 415)})
    def post(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        data = TagsInput(data=request.data)
        data.is_valid(raise_exception=True)
        add = services.clean_tags(data.validated_data["add"], field="add")
        remove = services.clean_tags(data.validated_data["remove"], field="remove")
        return Response({"tags": services.conversation_tag(conversation=conversation, add=add, remove=remove)})


class ConversationAssignApi(_AgentConversationApi):
    InputSerializer = AssignInput

    @extend_schema(request=AssignInput,
                   responses={200: ConversationDetailOutput, **error_responses(400, *AGENT_ERRORS, 404, 409, 415)})
    def post(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = team = None
        if "user_id" in data.validated_data:
            user = User.objects.filter(pk=data.validated_data["user_id"]).first()
            if user is None:
                raise DomainError("not_found", "No such agent in this workspace.", status=404,
                                  fields={"user_id": ["Unknown agent."]})
        else:
            team = Team.objects.filter(pk=data.validated_data["team_id"]).first()
            if team is None:
                raise DomainError("not_found", "No such team in this workspace.", status=404,
                                  fields={"team_id": ["Unknown team."]})
        seen = data.validated_data.get("expected_assignee_id", services.ASSIGNEE_NOT_GIVEN)
        conversation = services.conversation_assign(conversation=conversation, by=request.user, user=user, team=team,
                                                    seen_assignee_id=seen)
        return self.detail(conversation)


class ConversationUnassignApi(_AgentConversationApi):
    @extend_schema(request=None, responses={200: ConversationDetailOutput, **error_responses(*AGENT_ERRORS, 404, 409)})
    def post(self, request, conversation_id):
        conversation = services.conversation_unassign(conversation=self.conversation(request, conversation_id),
                                                      by=request.user)
        return self.detail(conversation)


class ConversationResolveApi(_AgentConversationApi):
    InputSerializer = ResolveInput

    @extend_schema(request=ResolveInput,
                   responses={200: ConversationDetailOutput, **error_responses(400, *AGENT_ERRORS, 404, 409, 415)})
    def post(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        conversation = csat_services.conversation_resolve(conversation=conversation, by=request.user,
                                                          seen_up_to=fields.pop("after", None), **fields)
        return self.detail(conversation)


class _HandoffApi(APIView):
    permission_classes = [IsAgent]

    def handoff(self, request, handoff_id):
        return _found(selectors.handoff_for_agent(viewer=request.user, handoff_id=handoff_id), "Handoff")


class HandoffAcknowledgeApi(_HandoffApi):
    @extend_schema(request=None, responses={200: HandoffOutput, **error_responses(*AGENT_ERRORS, 404, 409)})
    def post(self, request, handoff_id):
        handoff = services.handoff_acknowledge(handoff=self.handoff(request, handoff_id), agent=request.user)
        return Response(payloads.handoff_payload(handoff))


class HandoffCancelApi(_HandoffApi):
    @extend_schema(request=None, responses={200: HandoffOutput, **error_responses(*AGENT_ERRORS, 404, 409)})
    def post(self, request, handoff_id):
        handoff = services.handoff_cancel(handoff=self.handoff(request, handoff_id), reason="cancelled_by_agent",
                                          by=request.user)
        return Response(payloads.handoff_payload(handoff))


class ContactDetailApi(APIView):
    """PATCH /contacts/{id}/: an agent corrects a contact's name, email or phone from the inbox."""

    permission_classes = [IsAgent]
    InputSerializer = ContactEditInput

    @extend_schema(request=ContactEditInput,
                   responses={200: ContactDetailOutput, **error_responses(400, *AGENT_ERRORS, 404, 415)})
    def patch(self, request, contact_id):
        contact = selectors.contact_for_agent(viewer=request.user, contact_id=contact_id)
        if contact is None:
            raise DomainError("not_found", "Contact not found.", status=404)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_edit(contact=contact, changes=data.validated_data)
        return Response(payloads.contact_payload(contact))


# --- Canned responses -------------------------------------------------------------------------
def _canned_payload(canned_response, rendered: tuple[str, list[str]] | None = None) -> dict:
    data = {"id": str(canned_response.pk), "shortcut": canned_response.shortcut, "title": canned_response.title,
            "body": canned_response.body}
    if rendered is not None:
        data["rendered"], data["empty_placeholders"] = rendered
    return data


class CannedResponseListApi(APIView):
    """The workspace's canned responses (every agent may use and edit them)."""

    permission_classes = [IsAgent]

    @extend_schema(parameters=[OpenApiParameter(
        "conversation", str, description="A conversation id: each answer gets `rendered` for it.")],
        responses={200: CannedResponseOutput(many=True), **error_responses(*AGENT_ERRORS, 404)})
    def get(self, request):
        items = selectors.canned_response_list(viewer=request.user)
        conversation_id = request.query_params.get("conversation")
        if conversation_id is None:
            return Response([_canned_payload(c) for c in items])
        conversation = selectors.conversation_for_agent(viewer=request.user, conversation_id=conversation_id)
        if conversation is None:
            raise DomainError("not_found", "Conversation not found.", status=404,
                              fields={"conversation": ["Unknown conversation."]})
        return Response([_canned_payload(c, services.canned_response_render(
            canned_response=c, conversation=conversation, agent=request.user)) for c in items])

    @extend_schema(request=CannedResponseInput,
                   responses={201: CannedResponseOutput, **error_responses(400, *AGENT_ERRORS, 409, 415)})
    def post(self, request):
        data = CannedResponseInput(data=request.data)
        data.is_valid(raise_exception=True)
        canned_response = services.canned_response_create(
            workspace=agent_profile_for(request.user).workspace, by=request.user, **data.validated_data)
        return Response(_canned_payload(canned_response), status=status.HTTP_201_CREATED)


class CannedResponseDetailApi(APIView):
    permission_classes = [IsAgent]

    def canned_response(self, request, canned_id):
        return _found(selectors.canned_response_for_agent(viewer=request.user, canned_id=canned_id), "Canned response")

    @extend_schema(request=CannedResponsePatchInput,
                   responses={200: CannedResponseOutput, **error_responses(400, *AGENT_ERRORS, 404, 409, 415)})
    def patch(self, request, canned_id):
        canned_response = self.canned_response(request, canned_id)
        data = CannedResponsePatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        canned_response = services.canned_response_update(canned_response=canned_response, **data.validated_data)
        return Response(_canned_payload(canned_response))

    @extend_schema(request=None, responses={204: None, **error_responses(*AGENT_ERRORS, 404)})
    def delete(self, request, canned_id):
        services.canned_response_delete(canned_response=self.canned_response(request, canned_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
