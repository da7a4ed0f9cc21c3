"""The base of every JSON websocket consumer: whatever a client sends, it gets an error
frame and the socket stays open; only the server's own shutdown closes it.

Error frame: `{"type": "error", "error": {"code", "message", "fields"}}`.
"""
from __future__ import annotations

import json
import logging

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import DataError

from helpdesk.errors import DomainError
from helpdesk.middleware import OUTAGES
from helpdesk.text import json_problem

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 64 * 1024


class JsonSocketConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message):
        """Channels' dispatch, without its `aclose_old_connections()` before every message.

        That call hops to the process's one shared sync thread for each frame in and each event
        out (about a dozen per visitor message: ~11 % of Daphne's CPU at 50 messages/s) to close
        connections that thread never holds here: every database call of our consumers runs
        through `socket_db.database_sync_to_async`, which closes stale connections around
        the call itself (so does Channels' auth middleware for its one lookup).
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send_json(self, content, close=False):
        """A frame sent as the client goes (its close crossing the frame) is dropped: the server raises on it ("Attempt
        to send on a closed protocol"), and the consumer died before its disconnect ran, so an agent whose tab had
        closed stayed online and was handed conversations (re-trial of 4 Dec). The disconnect comes next."""
        try:
            await super().send_json(content, close=close)
        except RuntimeError as exc:  # (autobahn's Disconnected, under Daphne)
            logger.info("A frame was dropped: the socket closed meanwhile (%s)", exc)

    async def refuse(self, code: int) -> None:
        """Refuse the socket with a close code the client can read (4401, 4403, 4404: docs/api.md). Closed before the
        handshake, it is only an HTTP 403 to the client, which cannot tell a bad token from someone else's
        conversation (trial of 3 Dec), and the inbox never learnt that its session had ended."""
        await self.accept()
        await self.close(code=code)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            return await self.send_error("binary_frame", "Frames must be JSON text, not binary.")
        if len(text_data) > MAX_FRAME_CHARS:
            return await self.send_error("too_large", f"A frame may have at most {MAX_FRAME_CHARS} characters.")
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            return await self.send_error("malformed", "The frame is not valid JSON.")
        problem = json_problem(content)
        if problem:
            path, why = problem
            return await self.send_error("invalid_text", f"{path} {why}.", {path: [why]})
        try:
            await self.receive_json(content, **kwargs)
        except DomainError as exc:
            await self.send_error(exc.code, exc.message, exc.fields)
        except DataError as exc:
            logger.info("Refused a value the database cannot store: %s", exc)
            await self.send_error("invalid", "A value in the frame is out of range or malformed.")
        except OUTAGES as exc:
            logger.error("Socket frame failed, service unavailable: %s: %s", type(exc).__name__, exc)
            await self.send_error("unavailable", "The service is briefly unavailable; send it again shortly.")
        except Exception:
            logger.exception("Socket frame failed")
            await self.send_error("internal_error", "Something went wrong on our side.")

    async def send_error(self, code: str, message: str, fields: dict | None = None, **extra) -> None:
        await self.send_json({"type": "error",
                              "error": {"code": code, "message": message, "fields": fields or {}, **extra}})
