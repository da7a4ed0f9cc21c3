"""The flow builder's API (workspace admins) and the agents' view of a conversation's flow log.

| call | does |
|---|---|
| `GET /api/v1/flows/` | the workspace's flows (summaries) |
| `POST /api/v1/flows/` `{"name", "trigger"?, "nodes"?, "edges"?, "layout"?, "enabled"?, "priority"?}` | 201 |
| `GET /api/v1/flows/{id}/` | the draft, its issues and the published version |
| `PUT /api/v1/flows/{id}/` (same body as POST) | save the draft (saved even with errors; `issues` lists them) |
| `DELETE /api/v1/flows/{id}/` | 204 |
| `POST /api/v1/flows/{id}/publish/` | snapshot the draft as a version; 400 `flow_invalid`, `fields.issues` |
| `POST /api/v1/flows/{id}/unpublish/` | stop the flow from starting |
| `POST /api/v1/flows/{id}/validate/` `{"trigger"?, "nodes"?, "edges"?}` | `{"issues"}` (default: the saved draft) |
| `POST /api/v1/flows/test-run/` | one turn of the test panel (see `flows.services.flow_test_run`) |
| `GET /api/v1/conversations/{id}/flow-log/` | agents: the flow steps taken on the conversation |
"""
from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import selectors as conversation_selectors
from conversations.api.serializers import FlowLogEntryOutput
from conversations.assistant.text import LANGUAGES
from conversations.payloads import iso
from flows import selectors, services
from flows.document import TRIGGER_KINDS, issue_payload
from flows.models import Flow
from helpdesk.api import AGENT_ERRORS, IsAgent, IsWorkspaceAdmin, error_response, error_responses
from helpdesk.errors import DomainError


def flow_summary(flow: Flow) -> dict[str, Any]:
    version = flow.published_version
    return {
        "id": str(flow.pk),
        "name": flow.name,
        "enabled": flow.enabled,
        "priority": flow.priority,
        "trigger": flow.trigger or {},
        "published": version is not None,
        "published_version": version.number if version else None,
        "draft_differs": flow.draft_differs,
        "updated_at": iso(flow.updated_at),
    }


def flow_detail(flow: Flow) -> dict[str, Any]:
    version = flow.published_version
    graph = flow.graph or {}
    return {
        **flow_summary(flow),
        "nodes": graph.get("nodes", []),
        "edges": graph.get("edges", []),
        "layout": flow.layout or {},
        "issues": [issue_payload(i) for i in selectors.flow_issues_for(flow)],
        "version": None if version is None else {
            "number": version.number,
            "published_at": iso(version.published_at),
            "trigger": version.trigger,
            "nodes": version.graph.get("nodes", []),
            "edges": version.graph.get("edges", []),
        },
    }


class FlowIssueOutput(serializers.Serializer):
    node_id = serializers.CharField(allow_null=True, help_text="null for an issue of the whole flow")
    code = serializers.CharField()
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])


class FlowSummaryOutput(serializers.Serializer):
    """The schema of `flow_summary`."""

    id = serializers.CharField()
    name = serializers.CharField()
    enabled = serializers.BooleanField()
    priority = serializers.IntegerField()
    trigger = serializers.DictField()
    published = serializers.BooleanField()
    published_version = serializers.IntegerField(allow_null=True)
    draft_differs = serializers.BooleanField(help_text="The draft has changes not yet published.")
    updated_at = serializers.DateTimeField()


class FlowVersionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    trigger = serializers.DictField()
    nodes = serializers.ListField(child=serializers.DictField())
    edges = serializers.ListField(child=serializers.DictField())


class FlowDetailOutput(FlowSummaryOutput):
    """The schema of `flow_detail`: the draft, its issues and the published version."""

    nodes = serializers.ListField(child=serializers.DictField())
    edges = serializers.ListField(child=serializers.DictField())
    layout = serializers.DictField()
    issues = FlowIssueOutput(many=True)
    version = FlowVersionOutput(allow_null=True)


class FlowListOutput(serializers.Serializer):
    results = FlowSummaryOutput(many=True)


class FlowIssuesOutput(serializers.Serializer):
    issues = FlowIssueOutput(many=True)


class FlowLogOutput(serializers.Serializer):
    results = FlowLogEntryOutput(many=True)


ADMIN_ERRORS = AGENT_ERRORS  # 401 without a token; 403 for an agent who is not a workspace admin


class FlowInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    enabled = serializers.BooleanField(required=False)
    priority = serializers.IntegerField(required=False, min_value=-1000, max_value=1000)
    trigger = serializers.DictField(required=False, help_text=f"{{\"kind\": one of {', '.join(TRIGGER_KINDS)}, ...}}")
    nodes = serializers.ListField(child=serializers.DictField(), required=False)
    edges = serializers.ListField(child=serializers.DictField(), required=False)
    layout = serializers.DictField(required=False)


def _workspace(request):
    return request.user.agent.workspace


def _flow(request, flow_id: str) -> Flow:
    flow = selectors.flow_get(workspace=_workspace(request), flow_id=flow_id)
    if flow is None:
        raise DomainError("not_found", "Flow not found.", status=404)
    return flow


class FlowListApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(operation_id="flows_list", responses={200: FlowListOutput, **error_responses(*ADMIN_ERRORS)})
    def get(self, request):
        return Response({"results": [flow_summary(f) for f in selectors.flow_list(workspace=_workspace(request))]})

    @extend_schema(request=FlowInput,
                   responses={201: FlowDetailOutput, **error_responses(400, *ADMIN_ERRORS, 409, 415)})
    def post(self, request):
        data = FlowInput(data=request.data)
        data.is_valid(raise_exception=True)
        flow = services.flow_create(workspace=_workspace(request), **data.validated_data)
        return Response(flow_detail(flow), status=status.HTTP_201_CREATED)


class FlowDetailApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(responses={200: FlowDetailOutput, **error_responses(*ADMIN_ERRORS, 404)})
    def get(self, request, flow_id: str):
        flow = _flow(request, flow_id)
        return Response(flow_detail(flow))

    @extend_schema(request=FlowInput,
                   responses={200: FlowDetailOutput, **error_responses(400, *ADMIN_ERRORS, 404, 409, 415)})
    def put(self, request, flow_id: str):
        flow = _flow(request, flow_id)
        data = FlowInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        flow = services.flow_update_draft(flow=flow, **data.validated_data)
        return Response(flow_detail(flow))

    @extend_schema(responses={204: None, **error_responses(*ADMIN_ERRORS, 404)})
    def delete(self, request, flow_id: str):
        flow = _flow(request, flow_id)
        services.flow_delete(flow=flow)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FlowPublishApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=None, responses={200: FlowDetailOutput, **error_responses(400, *ADMIN_ERRORS, 404, 409)},
                   description="400 `flow_invalid` when the draft has errors; `fields.issues` lists them.")
    def post(self, request, flow_id: str):
        flow = _flow(request, flow_id)
        services.flow_publish(flow=flow, by=request.user)
        return Response(flow_detail(_flow(request, flow_id)))  # re-read: the service changed its version


class FlowUnpublishApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=None, responses={200: FlowDetailOutput, **error_responses(*ADMIN_ERRORS, 404)})
    def post(self, request, flow_id: str):
        flow = _flow(request, flow_id)
        services.flow_unpublish(flow=flow)
        return Response(flow_detail(_flow(request, flow_id)))  # re-read: the service changed its version


class FlowValidateInput(serializers.Serializer):
    trigger = serializers.DictField(required=False)
    nodes = serializers.ListField(child=serializers.DictField(), required=False)
    edges = serializers.ListField(child=serializers.DictField(), required=False)


class FlowValidateApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=FlowValidateInput,
                   responses={200: FlowIssuesOutput, **error_responses(400, *ADMIN_ERRORS, 404, 415)})
    def post(self, request, flow_id: str):
        flow = _flow(request, flow_id)
        data = FlowValidateInput(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        graph = flow.graph or {}
        issues = selectors.draft_issues(
            workspace=flow.workspace, trigger=given.get("trigger", flow.trigger),
            graph={"nodes": given.get("nodes", graph.get("nodes", [])),
                   "edges": given.get("edges", graph.get("edges", []))})
        return Response({"issues": [issue_payload(i) for i in issues]})


class FlowTestRunInput(serializers.Serializer):
    nodes = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    edges = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    name = serializers.CharField(required=False, default="test", max_length=100)
    state = serializers.DictField(required=False, allow_null=True, default=None)
    message = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None,
                                    max_length=5000, trim_whitespace=False)
    contact = serializers.DictField(required=False, default=dict)
    tags = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    in_office_hours = serializers.BooleanField(required=False, default=True)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, default="en",
                                       help_text="The language the pretend visitor writes: a translated node says it.")
    webhook = serializers.DictField(required=False, default=dict,
                                    help_text='The simulated webhook outcome: {"ok": bool, "response": JSON}.')


class FlowTestRunApi(APIView):
    """One turn of the builder's test conversation; nothing is written."""

    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=FlowTestRunInput,
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description=(
                       "The turn: the transcript so far, the state to send back with the next turn, and what the "
                       "run did (see `flows.services.flow_test_run`).")),
                              **error_responses(400, *ADMIN_ERRORS, 415)})
    def post(self, request):
        data = FlowTestRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        contact = d["contact"]
        if not isinstance(contact.get("attributes", {}), dict):
            return error_response("invalid", "contact.attributes must be an object.", 400,
                                  {"contact": ["attributes must be an object."]})
        result = services.flow_test_run(
            workspace=_workspace(request), graph={"nodes": d["nodes"], "edges": d["edges"]}, state=d["state"],
            message=d["message"], contact=contact, tags=d["tags"], in_office_hours=d["in_office_hours"],
            webhook=d["webhook"], flow_name=d["name"], language=d["language"])
        return Response(result)


class ConversationFlowLogApi(APIView):
    permission_classes = [IsAgent]

    @extend_schema(responses={200: FlowLogOutput, **error_responses(*AGENT_ERRORS, 404)})
    def get(self, request, conversation_id: str):
        conversation = conversation_selectors.conversation_for_agent(viewer=request.user,
                                                                     conversation_id=conversation_id)
        if conversation is None:
            return error_response("not_found", "Conversation not found.", 404)
        return Response({"results": selectors.flow_log_for(conversation)})
