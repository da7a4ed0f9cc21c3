"""Agent endpoints of the channels: retry a failed delivery, download an email's attachment."""
from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.serializers import MessageOutput
from conversations.services import delivery
from helpdesk.api import AGENT_ERRORS, IsAgent, error_responses
from helpdesk.errors import DomainError


def _message_for_agent(request, conversation_id, message_id):
    conversation = selectors.conversation_for_agent(viewer=request.user, conversation_id=conversation_id)
    message = selectors.message_in(conversation=conversation, message_id=message_id) if conversation else None
    if message is None:
        raise DomainError("not_found", "Message not found.", status=404)
    return message


class MessageRetryApi(APIView):
    """POST: send a message whose delivery failed again (409 unless it failed)."""

    permission_classes = [IsAgent]

    @extend_schema(request=None, responses={200: MessageOutput, **error_responses(*AGENT_ERRORS, 404, 409)})
    def post(self, request, conversation_id, message_id):
        message = delivery.delivery_retry(message=_message_for_agent(request, conversation_id, message_id))
        return Response(payloads.message_payload(message))


class AttachmentDownloadApi(APIView):
    """GET: an attachment of a message, as the sender sent it (always downloaded, never shown inline)."""

    permission_classes = [IsAgent]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              **error_responses(*AGENT_ERRORS, 404)})
    def get(self, request, conversation_id, message_id, attachment_id):
        message = _message_for_agent(request, conversation_id, message_id)
        attachment = selectors.attachment_of(message=message, attachment_id=attachment_id)
        if attachment is None:
            raise DomainError("not_found", "Attachment not found.", status=404)
        response = HttpResponse(bytes(attachment.data), content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{_safe_name(attachment.filename)}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _safe_name(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "._- ")[:120] or "attachment"
