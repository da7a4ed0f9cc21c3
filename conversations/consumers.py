"""Websockets: authenticate from the scope, subscribe through `realtime`, turn frames into service calls."""
from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass
from urllib.parse import parse_qs

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils import timezone
from rest_framework.authtoken.models import Token

from conversations import realtime, selectors, services
from conversations.api.auth import contact_for_token
from conversations.socket_batch import GroupCommit
from conversations.socket_db import database_sync_to_async
from conversations.typing import TypingThrottle
from csat import services as csat_services
from helpdesk import ratelimit
from helpdesk.errors import DomainError
from helpdesk.sockets import JsonSocketConsumer
from routing import presence
from routing.selectors import agent_profile_for, still_an_agent

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


class WidgetConsumer(JsonSocketConsumer):
    """/ws/widget/{conversation_id}/?token=<visitor_token>"""

    conversation = None
    seen_up_to = None

    async def connect(self):
        token = query_token(self.scope)
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        if not token:
            return await self.refuse(CLOSE_UNAUTHENTICATED)
        self.conversation = await database_sync_to_async(selectors.conversation_for_visitor)(
            conversation_id=conversation_id, token=token)
        if self.conversation is None:
            known = await database_sync_to_async(_visitor_token_known)(token)
            return await self.refuse(CLOSE_NOT_FOUND if known else CLOSE_UNAUTHENTICATED)
        self.group = realtime.conversation_group(self.conversation.id)
        self.typing = TypingThrottle()
        await self.channel_layer.group_add(self.group, self.channel_name)
        # Asked after joining the group: an outcome that settles after this answer still reaches us.
        working = await database_sync_to_async(selectors.ai_turn_outstanding)(
            conversation=self.conversation, now=timezone.now(), window_seconds=settings.TURN_SWEEP_WINDOW_SECONDS)
        await self.accept()
        if working:
            await self.send_json(realtime.ai_typing_event(self.conversation, True))

    async def disconnect(self, code):
        if self.conversation is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            if self.typing.active_keys():  # the visitor closed the page mid-sentence
                await database_sync_to_async(services.typing_by_visitor)(conversation=self.conversation, active=False)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "message.send":
            wait = await _visitor_messages().submit(
                VisitorFrame(self.conversation, content, ratelimit.scope_address(self.scope)))
            if wait is not None:
                return await self.send_error("rate_limited", "Too many messages; wait a moment before sending more.",
                                             retry_after=int(ratelimit.retry_after(wait)))
        elif kind == "csat.answer":
            await database_sync_to_async(_answer_csat)(self.conversation, content.get("token"),
                                                       content.get("rating"), content.get("comment"))
        elif kind == "typing":
            active = _typing_active(content)
            if self.typing.should_send("visitor", active, time.monotonic()):
                await database_sync_to_async(services.typing_by_visitor)(conversation=self.conversation, active=active)
        elif kind == "seen":  # what the page showed while in view: replies after it go to the visitor's email
            seen = content.get("message")
            if seen == self.seen_up_to:  # the same again (another render): nothing to write
                return
            if not await database_sync_to_async(services.visitor_saw)(conversation_id=self.conversation.id,
                                                                       message_id=seen):
                return await self.send_error("invalid", "\"message\" must be a message id.")
            self.seen_up_to = seen
        else:
            await self.send_error("unknown_type", f"Unknown frame type {str(kind)[:50]!r}.")

    async def relay(self, message):
        await self.send_json(message["event"])


@dataclass(frozen=True)
class VisitorFrame:
    """A widget's `message.send` frame, with the address it came from."""
    conversation: object
    content: dict
    address: str


def receive_visitor_frames(frames: list[VisitorFrame]) -> list[float | None | Exception]:
    """Widget messages that arrived together, on one trip to a socket thread: their limits counted in one
    round trip to Redis, the ones within them written together (`services.receive_messages`). Per frame,
    in order: None (stored), the seconds its sender must wait (over a limit: nothing stored), or the
    exception that refused it."""
    waits = ratelimit.visitor_message_waits([(f.conversation.contact_id, f.address) for f in frames])
    allowed = [index for index, wait in enumerate(waits) if wait is None]
    stored = services.receive_messages([
        services.IncomingMessage(frames[index].conversation, frames[index].content.get("body"),
                                 frames[index].content.get("client_id")) for index in allowed])
    outcomes: list[float | None | Exception] = list(waits)
    for index, outcome in zip(allowed, stored):
        outcomes[index] = outcome if isinstance(outcome, Exception) else None
    return outcomes


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommit] = weakref.WeakKeyDictionary()


def _visitor_messages() -> GroupCommit:
    """The process's group commit of widget messages (one per event loop: Daphne has one)."""
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None:
        batcher = _batchers[loop] = GroupCommit(database_sync_to_async(receive_visitor_frames),
                                                max_batch=settings.WEBSOCKET_BATCH_MAX,
                                                max_in_flight=settings.WEBSOCKET_BATCHES_IN_FLIGHT)
    return batcher


def _typing_active(content: dict) -> bool:
    active = content.get("active")
    if not isinstance(active, bool):
        raise DomainError("invalid", "typing: active must be true or false.", fields={"active": ["Must be a boolean."]})
    return active


def _visitor_token_known(token: str) -> bool:
    return contact_for_token(token) is not None


def _answer_csat(conversation, token, rating, comment) -> None:
    csat_services.survey_answer_for_conversation(conversation=conversation, token=token or "", rating=rating or "",
                                                 comment=comment)


class InboxConsumer(JsonSocketConsumer):
    """/ws/inbox/ — the session's agent, or ?token=<agent API token>. While it is open the agent is online."""

    groups_joined: list[str] = []
    profile = None
    heartbeat: asyncio.Task | None = None
    revoked = False

    async def connect(self):
        user = self.scope.get("user")
        token = query_token(self.scope)
        if token:
            user = await database_sync_to_async(_user_for_token)(token)
        elif user is not None and user.is_authenticated and not same_site_origin(self.scope):
            return await self.close(code=CLOSE_FORBIDDEN)  # another site's page: not even a handshake
        if user is None or not user.is_authenticated:
            return await self.refuse(CLOSE_UNAUTHENTICATED)
        profile = await database_sync_to_async(agent_profile_for)(user)
        if profile is None:
            return await self.refuse(CLOSE_FORBIDDEN)
        self.groups_joined = [realtime.inbox_group(profile.workspace_id), realtime.agent_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        # Seen before the socket opens: once the inbox is open the agent is online (the call runs on
        # the consumers' thread pool, so nothing else would order it before the agent's next request).
        self.profile = profile
        self.typing = TypingThrottle()
        await database_sync_to_async(services.agent_seen)(profile=profile)
        await self.accept()
        self.heartbeat = asyncio.create_task(self._keep_online())

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:  # however the consumer ends: its heartbeat must not keep a gone agent online
            if self.heartbeat is not None:
                self.heartbeat.cancel()

    async def _keep_online(self):
        """Refresh presence while the socket is open; if this process dies, the agent lapses offline. An agent
        removed meanwhile (their `access.revoked` event lost with Redis, say) is closed out here."""
        while True:
            await asyncio.sleep(presence.heartbeat_seconds())
            try:
                if not await database_sync_to_async(still_an_agent)(self.profile.user_id):
                    return await self._revoked()
                await database_sync_to_async(services.agent_seen)(profile=self.profile)
                await database_sync_to_async(services.viewing_refresh)(user_id=self.profile.user_id,
                                                                       socket=self.channel_name)
            except Exception:  # a database hiccup: the next beat tries again, well within the grace period
                logger.warning("Presence heartbeat failed for agent %s", self.profile.user_id, exc_info=True)

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            if self.revoked:  # gone from the workspace: not seen online once more, nor typing anywhere
                return
            # Seen once more at close: the grace period covers a reload from now on.
            await database_sync_to_async(services.agent_seen)(profile=self.profile)
            await database_sync_to_async(_leave)(self.profile, self.channel_name, self.typing.active_keys())

    async def receive_json(self, content, **kwargs):
        if self.revoked:
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "typing":
            active, private = _typing_active(content), content.get("private") is True
            key = str(content.get("conversation"))
            if self.typing.should_send(key, active, time.monotonic(), mode="note" if private else "reply"):
                await database_sync_to_async(_agent_typing)(self.profile, content.get("conversation"), active, private)
        elif kind == "viewing":
            await database_sync_to_async(_agent_viewing)(self.profile, content.get("conversation"), self.channel_name)
        else:
            await self.send_error("unknown_type", f"Unknown frame type {str(kind)[:50]!r}.")

    async def relay(self, message):
        if self.revoked:  # (events already queued for this socket when it was closed)
            return
        event = message["event"]
        await self.send_json(event)
        if event.get("type") == realtime.ACCESS_REVOKED:  # removed from the workspace: nothing more reaches them
            await self._revoked()

    async def _revoked(self):
        if self.revoked:
            return
        self.revoked = True
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.close(code=CLOSE_FORBIDDEN)


def _agent_conversation(profile, conversation_id):
    conversation = selectors.conversation_for_agent(viewer=profile.user, conversation_id=conversation_id)
    if conversation is None:
        raise DomainError("not_found", "Conversation not found.", fields={"conversation": ["Unknown conversation."]})
    return conversation


def _agent_typing(profile, conversation_id, active: bool, private: bool) -> None:
    services.typing_by_agent(conversation=_agent_conversation(profile, conversation_id), profile=profile,
                             active=active, private=private)


def _agent_viewing(profile, conversation_id, socket: str) -> None:
    conversation = None if conversation_id is None else _agent_conversation(profile, conversation_id)
    services.viewing_set(profile=profile, conversation=conversation, socket=socket)


def _leave(profile, socket: str, typing_in: list[str]) -> None:
    """A closing inbox socket: it stops typing where it was, and leaves the conversation it had open."""
    for conversation_id in typing_in:
        conversation = selectors.conversation_for_agent(viewer=profile.user, conversation_id=conversation_id)
        if conversation is not None:
            services.typing_by_agent(conversation=conversation, profile=profile, active=False, private=False)
    services.viewing_leave(profile=profile, socket=socket)


def _user_for_token(key: str):
    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else None
