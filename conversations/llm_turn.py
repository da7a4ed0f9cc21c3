"""The optional LLM step of a turn: the model writes the answer from retrieved passages, or calls the handoff tool.

Only used when HELPDESK_LLM_BASE_URL is set. The handoff policy has already decided that this
turn is an answer; the turn says whether the model may still hand off by its tool.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings

from conversations.assistant.llm import GeneratedReply, LLMProvider, generate_reply

if TYPE_CHECKING:
    from conversations.assistant import Analysis, Assistant, Turn
    from routing.models import HandoffPolicy

_provider: tuple[tuple, LLMProvider] | None = None
_lock = threading.Lock()


def provider() -> LLMProvider | None:
    """One client per process and configuration."""
    global _provider
    if not settings.LLM_BASE_URL:
        return None
    key = (settings.LLM_BASE_URL, settings.LLM_API_KEY, settings.LLM_MODEL, settings.LLM_TIMEOUT_SECONDS)
    with _lock:
        if _provider is None or _provider[0] != key:
            _provider = (key, LLMProvider(base_url=settings.LLM_BASE_URL, api_key=settings.LLM_API_KEY,
                                          model=settings.LLM_MODEL, timeout=settings.LLM_TIMEOUT_SECONDS))
        return _provider[1]


def respond(*, bot: Assistant, analysis: Analysis, question: str, history: Sequence[Turn],
            policy: HandoffPolicy, may_hand_off: bool) -> GeneratedReply:
    """The model's reply, or the local answer when the provider is down (never an exception for that).

    `bot` and `history` are the ones the turn already analysed the message with.
    """
    return generate_reply(bot, analysis, question, history, provider(), policy.when_to_use,
                          may_hand_off=may_hand_off)
