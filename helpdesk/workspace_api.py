"""GET/PUT /api/v1/workspace/: the workspace configuration as one document (admins only)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api import IsWorkspaceAdmin, error_response
from helpdesk.workspace_config import WorkspaceDocumentError, workspace_export, workspace_import


class WorkspaceDocumentApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(workspace_export(workspace=request.user.agent.workspace))

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def put(self, request):
        try:
            workspace = workspace_import(document=request.data, workspace=request.user.agent.workspace,
                                         acting_user=request.user)
        except WorkspaceDocumentError as exc:
            first_path, first_message = next(iter(exc.errors.items()))
            return error_response("invalid_document", f"{first_path}: {first_message}", 400, exc.errors)
        return Response(workspace_export(workspace=workspace))
