"""The optional LLM provider against a local OpenAI-compatible server: what it sends, what it reads back,
and how it fails. How a turn uses it (local detectors first, fallbacks) is in test_turns.py."""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conversations.assistant import Article, Assistant, Topic, build_knowledge_index
from conversations.assistant.llm import HANDOFF_TOOL, LLMProvider, Passage, ProviderUnavailable


class FakeOpenAI:
    """A tiny /v1/chat/completions server. `mode` decides the next answers."""

    def __init__(self) -> None:
        self.mode = "text"
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append({"path": self.path, "body": body})
                if fake.mode == "error":
                    return self._send(500, {"error": {"message": "boom", "type": "server_error"}})
                if fake.mode == "slow":
                    time.sleep(1.5)
                message: dict = {"role": "assistant", "content": "Standard shipping takes 3 to 5 business days "
                                 "(from “Shipping times”)."}
                if fake.mode == "tool":
                    message = {"role": "assistant", "content": None, "tool_calls": [{
                        "id": "call_1", "type": "function",
                        "function": {"name": HANDOFF_TOOL, "arguments": json.dumps(
                            {"reason_category": "cannot_answer", "reason": "Asks about a custom contract."})}}]}
                if fake.mode == "empty":
                    message = {"role": "assistant", "content": ""}
                self._send(200, {
                    "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", "m"),
                    "choices": [{"index": 0, "message": message,
                                 "finish_reason": "tool_calls" if fake.mode == "tool" else "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                })

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as s:
        yield s


@pytest.fixture(scope="module")
def bot() -> Assistant:
    index = build_knowledge_index([
        Article("2", "Shipping times", "Standard shipping takes 3 to 5 business days.", (), "/help/shipping"),
        Article("3", "Reset your password", "Click Forgot password on the sign-in page.", (), "/help/password"),
    ])
    return Assistant(index, [Topic("legal", keywords=("lawyer",))])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WHEN = "Hand off when the visitor asks about contracts or anything the passages do not cover."


def test_the_answer_is_written_from_the_retrieved_passages(server: FakeOpenAI, bot: Assistant) -> None:
    provider = LLMProvider(server.url, api_key="k", model="small", timeout=5)
    q = "how long does shipping take?"
    reply = provider.respond(q, bot.passages_for(bot.analyze(q)), (), WHEN)
    assert reply.kind == "answer" and "3 to 5 business days" in reply.text
    req = server.requests[-1]
    assert req["path"] == "/v1/chat/completions" and req["body"]["model"] == "small"
    assert "Standard shipping takes 3 to 5 business days." in req["body"]["messages"][0]["content"]
    tool = req["body"]["tools"][0]["function"]
    assert tool["name"] == HANDOFF_TOOL and tool["description"] == WHEN  # the policy text, verbatim
    assert set(tool["parameters"]["required"]) == {"reason_category", "reason"}
    assert req["body"]["messages"][-1] == {"role": "user", "content": q}


def test_no_tool_is_offered_when_the_model_may_not_hand_off(server: FakeOpenAI) -> None:
    server.mode = "tool"  # a model that would hand off if it could
    LLMProvider(server.url, timeout=5).respond("q", [Passage("t", "", "text")], (), None)
    assert "tools" not in server.requests[-1]["body"]


def test_handoff_is_a_tool_call(server: FakeOpenAI, bot: Assistant) -> None:
    server.mode = "tool"
    q = "can you change the terms of my enterprise contract?"
    reply = LLMProvider(server.url, timeout=5).respond(q, bot.passages_for(bot.analyze(q)), (), WHEN)
    assert reply.kind == "handoff" and reply.text == ""
    assert reply.reason_category == "cannot_answer" and reply.reason == "Asks about a custom contract."


def test_a_magic_word_in_the_text_is_not_a_handoff(server: FakeOpenAI) -> None:
    reply = LLMProvider(server.url, timeout=5).respond("q", [Passage("t", "", "HANDOFF")], (), WHEN)
    assert reply.kind == "answer"


@pytest.mark.parametrize("mode,message", [("error", "HTTP 500"), ("slow", "timeout"), ("empty", "empty")])
def test_respond_raises_provider_unavailable(server: FakeOpenAI, mode: str, message: str) -> None:
    server.mode = mode
    with pytest.raises(ProviderUnavailable, match=message):
        LLMProvider(server.url, timeout=0.5).respond("q", [], (), WHEN)


def test_a_provider_nobody_listens_on_is_unavailable() -> None:
    with pytest.raises(ProviderUnavailable, match="cannot reach"):
        LLMProvider(f"http://127.0.0.1:{free_port()}/v1", timeout=1).respond("q", [], (), WHEN)
