"""Optional LLM provider (any OpenAI-compatible server, via the official `openai` client).

Used only when HELPDESK_LLM_BASE_URL is set (conversations/llm_turn.py builds one client per
process from settings and asks it only when the turn's plan has chosen to answer). The model
writes the answer from the passages the local index retrieved, and may hand off by calling the
`handoff_to_human` tool whose description is the workspace policy's "when to use" text; a handoff
is never read out of the reply text. `when_to_use=None` offers the model no tool (AI only,
handoff disabled, or a decision already taken to answer first). Timeouts, connection and HTTP
errors raise `ProviderUnavailable`; the turn then keeps its local answer.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .types import Passage, Turn


HANDOFF_TOOL = "handoff_to_human"
REASON_CATEGORIES = ("user_request", "cannot_answer", "frustration", "restricted_topic", "policy", "other")
DEFAULT_WHEN_TO_USE = (
    "Hand the conversation to a human agent when the passages do not answer the visitor's question, "
    "when the visitor is upset or the same problem keeps coming back, or when the request needs a "
    "person (a decision, an exception, an account change you cannot make)."
)
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese"}


class ProviderUnavailable(RuntimeError):
    """The provider timed out, could not be reached, answered an HTTP error or nonsense."""


@dataclass(frozen=True)
class LLMReply:
    kind: Literal["answer", "handoff"]
    text: str = ""
    reason_category: str = ""
    reason: str = ""


class LLMProvider:
    def __init__(self, base_url: str, api_key: str = "", model: str = "gpt-4o-mini", timeout: float = 15.0,
                 *, temperature: float = 0.2, max_tokens: int = 400) -> None:
        from openai import OpenAI

        self.base_url = base_url
        self.model = model
        self.timeout = timeout
        self.temperature = temperature
        self.max_tokens = max_tokens
        # Retries are the caller's business (a Celery retry, or the local fallback): a visitor
        # should not wait for three attempts at a dead server.
        self.client = OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout, max_retries=0)

    def handoff_tool(self, when_to_use: str) -> dict:
        return {
            "type": "function",
            "function": {
                "name": HANDOFF_TOOL,
                "description": when_to_use.strip() or DEFAULT_WHEN_TO_USE,
                "parameters": {
                    "type": "object",
                    "properties": {
                        "reason_category": {"type": "string", "enum": list(REASON_CATEGORIES)},
                        "reason": {"type": "string", "description": "One short sentence for the agent who takes over."},
                    },
                    "required": ["reason_category", "reason"],
                },
            },
        }

    def messages(self, question: str, passages: Sequence[Passage | str], history: Sequence[Turn],
                 language: str) -> list[dict]:
        lang = LANGUAGE_NAMES.get(language, "the visitor's language")
        sources = []
        for i, p in enumerate(passages, 1):
            if isinstance(p, str):
                sources.append(f"[{i}] {p}")
            else:
                sources.append(f"[{i}] {p.title} ({p.url})\n{p.text}" if p.url else f"[{i}] {p.title}\n{p.text}")
        system = (
            "You are the support assistant of this website. Answer only from the knowledge-base passages "
            "below; do not invent policies, prices or dates. Keep it short (at most 4 sentences), reply in "
            f"{lang}, and end by naming the article you used. If the passages do not answer the question, or "
            f"the situation matches the {HANDOFF_TOOL} tool's description, call that tool instead of replying.\n\n"
            "Passages:\n" + ("\n\n".join(sources) if sources else "(none found)")
        )
        msgs: list[dict] = [{"role": "system", "content": system}]
        for t in history[-10:]:
            if t.sender == "visitor":
                msgs.append({"role": "user", "content": t.text})
            elif t.sender in ("ai", "agent"):
                msgs.append({"role": "assistant", "content": t.text})
        msgs.append({"role": "user", "content": question})
        return msgs

    def respond(self, question: str, passages: Sequence[Passage | str], history: Sequence[Turn] = (),
                when_to_use: str | None = "", language: str = "en") -> LLMReply:
        """`when_to_use=None` offers the model no handoff tool."""
        import openai

        tools = {"tools": [self.handoff_tool(when_to_use)], "tool_choice": "auto"} if when_to_use is not None else {}
        try:
            completion = self.client.chat.completions.create(
                model=self.model,
                messages=self.messages(question, passages, history, language),
                **tools,
                temperature=self.temperature,
                max_tokens=self.max_tokens,
            )
        except openai.APITimeoutError as exc:
            raise ProviderUnavailable(f"timeout after {self.timeout}s") from exc
        except openai.APIConnectionError as exc:
            raise ProviderUnavailable(f"cannot reach {self.base_url}") from exc
        except openai.APIStatusError as exc:
            raise ProviderUnavailable(f"HTTP {exc.status_code} from the provider") from exc
        except openai.OpenAIError as exc:
            raise ProviderUnavailable(f"provider error: {type(exc).__name__}") from exc
        try:
            message = completion.choices[0].message
        except (AttributeError, IndexError, TypeError) as exc:
            raise ProviderUnavailable("malformed completion") from exc
        for call in message.tool_calls or ():
            fn = getattr(call, "function", None)
            if fn is None or fn.name != HANDOFF_TOOL:
                continue
            try:
                args = json.loads(fn.arguments or "{}")
            except json.JSONDecodeError:
                args = {}
            category = str(args.get("reason_category") or "other")
            if category not in REASON_CATEGORIES:
                category = "other"
            reason = " ".join(str(args.get("reason") or "").split())[:300] or "The assistant decided to hand off."
            return LLMReply(kind="handoff", reason_category=category, reason=reason)
        text = (message.content or "").strip()
        if not text:
            raise ProviderUnavailable("empty reply")
        return LLMReply(kind="answer", text=text)
