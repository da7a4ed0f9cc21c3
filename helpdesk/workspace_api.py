"""GET/PUT /api/v1/workspace/: the workspace configuration as one document (admins only)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api import AGENT_ERRORS, IsWorkspaceAdmin, error_response, error_responses
from helpdesk.workspace_config import WorkspaceDocumentError, workspace_export, workspace_import


# The document's shape is API.md's ("Workspace configuration"); the schema keeps it an open object.
DOCUMENT = OpenApiResponse(OpenApiTypes.OBJECT, description="The workspace document: workspace, agents, teams, "
                                                           "specialties, policy, knowledge_base and flows.")


class WorkspaceDocumentApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(responses={200: DOCUMENT, **error_responses(*AGENT_ERRORS)})
    def get(self, request):
        return Response(workspace_export(workspace=request.user.agent.workspace))

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: DOCUMENT, **error_responses(400, *AGENT_ERRORS, 415)},
                   description="Replaces the configuration in one transaction. 400 `invalid_document`: `fields` maps "
                               "each bad path (`flows[0].nodes[2].config.text`) to its message; nothing changed.")
    def put(self, request):
        try:
            workspace = workspace_import(document=request.data, workspace=request.user.agent.workspace,
                                         acting_user=request.user)
        except WorkspaceDocumentError as exc:
            first_path, first_message = next(iter(exc.errors.items()))
            return error_response("invalid_document", f"{first_path}: {first_message}", 400, exc.errors)
        return Response(workspace_export(workspace=workspace))
