"""The optional LLM step of a turn: the model writes the answer from retrieved passages, or calls the handoff tool.

Only used when HELPDESK_LLM_BASE_URL is set. The local detectors have already decided that
this turn is an answer (requests for a human and restricted topics never reach the model).
"""
from __future__ import annotations

import threading

from django.conf import settings

from conversations import knowledge
from conversations.assistant import Turn
from conversations.assistant.llm import GeneratedReply, LLMProvider, generate_reply

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


def respond(*, conversation, message, policy, analysis) -> GeneratedReply:
    """The model's reply, or the local answer when the provider is down (never an exception for that)."""
    bot = knowledge.assistant_for(workspace=conversation.workspace, policy=policy)
    rows = list(conversation.messages.filter(id__lt=message.pk).order_by("-id").values_list("sender_type", "body")[:20])
    history = [Turn(sender=sender, text=body) for sender, body in reversed(rows)]
    return generate_reply(bot, analysis, message.body, history, provider(), policy.when_to_use)
