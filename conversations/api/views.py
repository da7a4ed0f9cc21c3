"""Widget (visitor) and agent REST endpoints: authenticate, validate, call a service, shape the output."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from conversations import payloads, selectors, services
from conversations.api.auth import IsVisitor, VisitorAuthentication
from conversations.models import Conversation
from csat import selectors as csat_selectors
from csat import services as csat_services
from flows import selectors as flow_selectors
from helpdesk import ratelimit
from helpdesk.api import IsAgent, error_response
from helpdesk.errors import DomainError
from routing.models import Team
from workspaces.models import Workspace

User = get_user_model()


class MessageBodySerializer(serializers.Serializer):
    # Length is checked by the service (413 with a clear message), not here (which would be a 400).
    body = serializers.CharField(trim_whitespace=False, allow_blank=True,
                                 help_text=f"At most {settings.MESSAGE_MAX_CHARS} characters.")


class MessageOutput(serializers.Serializer):
    id = serializers.CharField()
    conversation = serializers.CharField()
    sender_type = serializers.ChoiceField(choices=["visitor", "ai", "agent", "system"])
    sender_name = serializers.CharField()
    body = serializers.CharField()
    metadata = serializers.DictField()
    created_at = serializers.DateTimeField()


def _not_found() -> Response:
    return error_response("not_found", "Conversation not found.", status.HTTP_404_NOT_FOUND)


# --- Auth -------------------------------------------------------------------------------
class LoginThrottle(AnonRateThrottle):
    scope = "login"


class AuthTokenApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema_serializer(component_name="LoginInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses={200: inline_serializer("TokenOut", {"token": serializers.CharField()})},
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
class VisitorCreateThrottle(AnonRateThrottle):
    scope = "visitor_create"


class WidgetConversationCreateApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [VisitorCreateThrottle]

    @extend_schema_serializer(component_name="WidgetConversationInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(required=False, allow_blank=True, max_length=200)
        email = serializers.EmailField(required=False, allow_blank=True)
        attributes = serializers.DictField(required=False)
        workspace = serializers.SlugField(required=False, help_text="Workspace slug; the default workspace when absent.")

    @extend_schema(request=InputSerializer, auth=[], responses={201: inline_serializer(
        "WidgetConversationCreated", {"id": serializers.CharField(), "visitor_token": serializers.CharField(),
                                      "status": serializers.CharField()})})
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
    @extend_schema(responses={200: inline_serializer("WidgetConversation", {
        "id": serializers.CharField(), "status": serializers.CharField(), "ai_active": serializers.BooleanField(),
        "handoff": serializers.DictField(allow_null=True), "assignee_name": serializers.CharField()})})
    def get(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        if conversation is None:
            return _not_found()
        return Response(payloads.widget_conversation_payload(conversation))


class WidgetMessagesApi(_VisitorApi):
    throttle_classes = [ratelimit.VisitorMessageThrottle]

    @extend_schema(parameters=[OpenApiParameter("after", str, description="Only messages after this id.")],
                   responses={200: MessageOutput(many=True)})
    def get(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        if conversation is None:
            return _not_found()
        messages = selectors.message_list(conversation=conversation, after=request.query_params.get("after"))
        return Response([payloads.message_payload(m) for m in messages])

    @extend_schema(request=MessageBodySerializer, responses={201: MessageOutput})
    def post(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        if conversation is None:
            return _not_found()
        data = MessageBodySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = services.clean_idempotency_key(request.headers.get("Idempotency-Key"))
        message = services.receive_message(conversation=conversation, body=data.validated_data["body"],
                                           external_id=key)
        return Response(payloads.message_payload(message), status=status.HTTP_201_CREATED)


# --- Agents ---------------------------------------------------------------------------------
class ConversationListApi(ListAPIView):
    permission_classes = [IsAgent]

    @extend_schema(operation_id="conversations_list", responses={200: OpenApiTypes.OBJECT}, parameters=[
        OpenApiParameter("status", str, description="open, pending_human, assigned, resolved (comma-separated)"),
        OpenApiParameter("assignee", str, description="me, unassigned or a user id"),
        OpenApiParameter("team", str), OpenApiParameter("needs_agent", bool)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        needs_agent = params.get("needs_agent")
        return selectors.conversation_list(
            viewer=self.request.user, status=params.get("status"), assignee=params.get("assignee"),
            team=params.get("team"),
            needs_agent=None if needs_agent in (None, "") else needs_agent.lower() in ("true", "1", "yes"))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([payloads.conversation_payload(c) for c in page])


class _AgentConversationApi(APIView):
    permission_classes = [IsAgent]

    def conversation(self, request, conversation_id) -> Conversation:
        conversation = selectors.conversation_for_agent(viewer=request.user, conversation_id=conversation_id)
        if conversation is None:
            raise DomainError("not_found", "Conversation not found.", status=404)
        return conversation

    def detail(self, conversation: Conversation) -> Response:
        fresh = selectors.conversation_for_agent(viewer=self.request.user, conversation_id=conversation.pk)
        data = payloads.conversation_detail_payload(fresh)
        data["flow_log"] = flow_selectors.flow_log_for(fresh)
        data["csat"] = csat_selectors.conversation_csat(conversation=fresh)
        return Response(data)


class ConversationDetailApi(_AgentConversationApi):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, conversation_id):
        return self.detail(self.conversation(request, conversation_id))


class ConversationMessagesApi(_AgentConversationApi):
    @extend_schema(parameters=[OpenApiParameter("after", str)], responses={200: MessageOutput(many=True)})
    def get(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        messages = selectors.message_list(conversation=conversation, after=request.query_params.get("after"))
        return Response([payloads.message_payload(m) for m in messages])

    @extend_schema(request=MessageBodySerializer, responses={201: MessageOutput})
    def post(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        data = MessageBodySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.agent_reply(conversation=conversation, agent=request.user, body=data.validated_data["body"])
        return Response(payloads.message_payload(message), status=status.HTTP_201_CREATED)


class ConversationAssignApi(_AgentConversationApi):
    @extend_schema_serializer(component_name="AssignInput")
    class InputSerializer(serializers.Serializer):
        user_id = serializers.IntegerField(required=False)
        team_id = serializers.IntegerField(required=False)

        def validate(self, attrs):
            if ("user_id" in attrs) == ("team_id" in attrs):
                raise serializers.ValidationError("Give exactly one of user_id or team_id.")
            return attrs

    @extend_schema(request=InputSerializer, responses={200: OpenApiTypes.OBJECT})
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
        conversation = services.conversation_assign(conversation=conversation, by=request.user, user=user, team=team)
        return self.detail(conversation)


class ConversationUnassignApi(_AgentConversationApi):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, conversation_id):
        conversation = services.conversation_unassign(conversation=self.conversation(request, conversation_id),
                                                      by=request.user)
        return self.detail(conversation)


class ConversationResolveApi(_AgentConversationApi):
    @extend_schema_serializer(component_name="ResolveInput")
    class InputSerializer(serializers.Serializer):
        resolution = serializers.ChoiceField(choices=Conversation.Resolution.choices)
        csat = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, conversation_id):
        conversation = self.conversation(request, conversation_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = csat_services.conversation_resolve(conversation=conversation, by=request.user,
                                                          **data.validated_data)
        return self.detail(conversation)


class _HandoffApi(APIView):
    permission_classes = [IsAgent]

    def handoff(self, request, handoff_id):
        handoff = selectors.handoff_for_agent(viewer=request.user, handoff_id=handoff_id)
        if handoff is None:
            raise DomainError("not_found", "Handoff not found.", status=404)
        return handoff


class HandoffAcknowledgeApi(_HandoffApi):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, handoff_id):
        handoff = services.handoff_acknowledge(handoff=self.handoff(request, handoff_id), agent=request.user)
        return Response(payloads.handoff_payload(handoff))


class HandoffCancelApi(_HandoffApi):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, handoff_id):
        handoff = services.handoff_cancel(handoff=self.handoff(request, handoff_id), reason="cancelled_by_agent",
                                          by=request.user)
        return Response(payloads.handoff_payload(handoff))
