"""The optional LLM step of a turn: the model writes the answer from retrieved passages, or calls the handoff tool.

Only used when HELPDESK_LLM_BASE_URL is set. The turn's plan (routing/decision.py) has already
decided that this turn is an answer and whether the model may still hand off by its tool; this
module only asks the model and reports what it said, as a `ModelVerdict` the plan is made
again with. It decides nothing itself.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings

from conversations.assistant.llm import LLMProvider, ProviderUnavailable
from conversations.turn_plan import ModelVerdict

if TYPE_CHECKING:
    from conversations.assistant import Analysis, Assistant, Turn
    from routing.models import HandoffPolicy

logger = logging.getLogger(__name__)
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


def verdict(*, bot: Assistant, analysis: Analysis, question: str, history: Sequence[Turn],
            policy: HandoffPolicy, may_hand_off: bool) -> ModelVerdict:
    """The model's say on an answer the policy chose to give: its own wording, or a handoff
    where `may_hand_off` (routing.decision) lets it. A provider that fails leaves the local
    answer standing ("fallback"); that is never an exception."""
    client = provider()
    if client is None:
        return ModelVerdict(source="local")
    try:
        reply = client.respond(question, bot.passages_for(analysis), history,
                               policy.when_to_use if may_hand_off else None, analysis.language)
    except ProviderUnavailable as exc:
        logger.warning("LLM provider unavailable (%s): the local answer stands", exc)
        return ModelVerdict(source="fallback")
    if reply.kind == "handoff":
        if not may_hand_off:  # a tool it was not offered
            return ModelVerdict(source="fallback")
        return ModelVerdict(handoff=True, reason=reply.reason)
    return ModelVerdict(text=reply.text)
