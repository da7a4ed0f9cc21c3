"""Websockets: authenticate from the scope, subscribe through `realtime`, turn frames into service calls."""
from __future__ import annotations

import logging
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from rest_framework.authtoken.models import Token

from conversations import realtime, selectors, services
from conversations.api.auth import contact_for_token
from conversations.socket_db import database_sync_to_async
from csat import services as csat_services
from helpdesk.errors import DomainError
from routing.selectors import agent_profile_for

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def same_site_origin(scope) -> bool:
    """A cookie-authenticated socket must come from our own pages (no cross-site socket hijacking)."""
    origin = dict(scope.get("headers", [])).get(b"origin", b"").decode()
    if not origin:
        return False
    host = origin.split("://", 1)[-1]
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS or ["127.0.0.1", "localhost"]
    return bool(domain) and validate_host(domain, allowed)


def query_token(scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode()).get("token")
    return values[0] if values else None


class WidgetConsumer(AsyncJsonWebsocketConsumer):
    """/ws/widget/{conversation_id}/?token=<visitor_token>"""

    conversation = None

    async def connect(self):
        token = query_token(self.scope)
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        if not token:
            return await self.close(code=CLOSE_UNAUTHENTICATED)
        self.conversation = await database_sync_to_async(selectors.conversation_for_visitor)(
            conversation_id=conversation_id, token=token)
        if self.conversation is None:
            known = await database_sync_to_async(_visitor_token_known)(token)
            return await self.close(code=CLOSE_NOT_FOUND if known else CLOSE_UNAUTHENTICATED)
        self.group = realtime.conversation_group(self.conversation.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.conversation is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "message.send":
                await database_sync_to_async(services.receive_message)(
                    conversation=self.conversation, body=content.get("body"),
                    external_id=content.get("client_id") or None)
            elif kind == "csat.answer":
                await database_sync_to_async(_answer_csat)(self.conversation, content.get("token"),
                                                           content.get("rating"), content.get("comment"))
            else:
                await self.send_json({"type": "error", "error": {"code": "unknown_type",
                                                                 "message": f"Unknown frame type {kind!r}."}})
        except DomainError as exc:
            await self.send_json({"type": "error", "error": {"code": exc.code, "message": exc.message,
                                                             "fields": exc.fields}})

    async def decode_json(self, text_data):
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return {"type": "__malformed__"}

    async def relay(self, message):
        await self.send_json(message["event"])


def _visitor_token_known(token: str) -> bool:
    return contact_for_token(token) is not None


def _answer_csat(conversation, token, rating, comment) -> None:
    csat_services.survey_answer_for_conversation(conversation=conversation, token=token or "", rating=rating or "",
                                                 comment=comment)


class InboxConsumer(AsyncJsonWebsocketConsumer):
    """/ws/inbox/ — the session's agent, or ?token=<agent API token>."""

    groups_joined: list[str] = []

    async def connect(self):
        user = self.scope.get("user")
        token = query_token(self.scope)
        if token:
            user = await database_sync_to_async(_user_for_token)(token)
        elif user is not None and user.is_authenticated and not same_site_origin(self.scope):
            return await self.close(code=CLOSE_FORBIDDEN)
        if user is None or not user.is_authenticated:
            return await self.close(code=CLOSE_UNAUTHENTICATED)
        profile = await database_sync_to_async(agent_profile_for)(user)
        if profile is None:
            return await self.close(code=CLOSE_FORBIDDEN)
        self.groups_joined = [realtime.inbox_group(profile.workspace_id), realtime.agent_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def decode_json(self, text_data):
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return {}

    async def relay(self, message):
        await self.send_json(message["event"])


def _user_for_token(key: str):
    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else None
