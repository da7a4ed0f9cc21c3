"""Send to Webhook against a real local HTTP server: success, timeout, 500 with retries, bad JSON."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conversations.models import Handoff
from flows import tasks
from flows.models import FlowRun
from tests import factories
from tests.flows.conftest import bot_texts, log_texts

SECRET = "s3cret"


class Hooks:
    """A local webhook receiver: per-path behaviour, every request recorded."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.flaky_failures = 0
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hooks.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                if self.path == "/slow":
                    time.sleep(2.5)
                    return self._send(200, b'{"status": "late"}')
                if self.path == "/fail":
                    return self._send(500, b'{"error": "boom"}')
                if self.path == "/bad":
                    return self._send(200, b"<html>not json</html>")
                if self.path == "/flaky" and hooks.flaky_failures < 2:
                    hooks.flaky_failures += 1
                    return self._send(503, b"busy")
                return self._send(200, json.dumps({"found": True, "order": {"status": "shipped"}}).encode())

            def _send(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (the timeout test)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r["path"] == path)


@pytest.fixture
def hooks():
    server = Hooks()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def queued(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.call_webhook_task, "delay", lambda *args: calls.append(args))
    return calls


@pytest.fixture
def backoffs(monkeypatch) -> list[int]:
    seen: list[int] = []
    real = tasks.backoff_seconds

    def record(retries_done: int) -> float:
        seen.append(retries_done)
        return real(retries_done)

    monkeypatch.setattr(tasks, "backoff_seconds", record)
    return seen


@pytest.fixture
def order_flow(make_flow):
    def make(url: str, **config):
        nodes = [
            ("ask", "collect_input", {"variable": "order_number", "question": "Order number?"}),
            ("hook", "webhook", {"url": url, "secret": SECRET, "timeout_seconds": 5, "retries": 2,
                                 "map": {"order_status": "order.status", "found": "found"}, **config}),
            ("ok", "message", {"text": "Order {{order_number}} is {{order_status}}."}),
            ("failed", "message", {"text": "The lookup failed."}),
        ]
        edges = [("ask", "hook", "next"), ("hook", "ok", "next"), ("hook", "failed", "error")]
        return make_flow(nodes, edges, trigger={"kind": "keywords", "keywords": ["order"]})

    return make


def waiting_run(conversation, deliver, queued) -> tuple[int, int]:
    deliver(conversation, "where is my order")
    deliver(conversation, "NW-10001")
    assert len(queued) == 1
    return queued[0]


def run_task(run_id: int, step: int) -> str:
    return tasks.call_webhook_task.apply(args=(run_id, step)).get()


def ask_the_demo_flow(workspace, deliver, queued, *messages: str):
    """A new conversation says `messages` to the demo's order flow, whose lookup then runs: the conversation."""
    conversation = factories.ConversationFactory(workspace=workspace)
    for text in messages:
        deliver(conversation, text)
    run_id, step = queued[0]
    assert run_task(run_id, step) == "ok"
    return conversation


def _the_demo_articles(workspace) -> None:
    from conversations import knowledge

    doc = json.loads((Path(__file__).resolve().parents[2] / "helpdesk" / "demo_workspace.json").read_text())
    for article in doc["knowledge_base"]:
        factories.ArticleFactory(workspace=workspace, title=article["title"], body=article["body"],
                                 questions=article.get("questions") or [])
    knowledge.knowledge_reindex(workspace=workspace)


def test_success_is_signed_and_maps_the_response_into_variables(conversation, deliver, order_flow, hooks, queued):
    order_flow(f"{hooks.url}/ok")
    run_id, step = waiting_run(conversation, deliver, queued)

    assert run_task(run_id, step) == "ok"

    [request] = hooks.requests
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Helpdesk-Signature"] == expected
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["X-Helpdesk-Delivery"] == f"{run_id}-{step}"
    body = json.loads(request["body"])
    assert body["variables"] == {"order_number": "NW-10001"}
    assert body["conversation"]["id"] == str(conversation.pk) and body["flow"] == "Billing"
    assert bot_texts(conversation)[-1] == "Order NW-10001 is shipped."
    run = FlowRun.objects.get()
    assert run.state["variables"] == {"order_number": "NW-10001", "order_status": "shipped", "found": True}
    assert (run.active, run.end_reason, run.pending_effect) == (False, "completed", {})
    assert "flow Billing: webhook succeeded; set found, order_status" in log_texts(conversation)


def test_a_redelivered_task_does_nothing(conversation, deliver, order_flow, hooks, queued):
    order_flow(f"{hooks.url}/ok")
    run_id, step = waiting_run(conversation, deliver, queued)
    run_task(run_id, step)

    assert run_task(run_id, step) == "stale"

    assert hooks.hits("/ok") == 1
    assert bot_texts(conversation).count("Order NW-10001 is shipped.") == 1


def test_timeout_takes_the_error_edge(conversation, deliver, order_flow, hooks, queued):
    order_flow(f"{hooks.url}/slow", timeout_seconds=1, retries=0)
    run_id, step = waiting_run(conversation, deliver, queued)
    started = time.monotonic()

    assert run_task(run_id, step) == "failed"

    assert time.monotonic() - started < 2.4  # gave up at the timeout, not when the server answered
    assert bot_texts(conversation)[-1] == "The lookup failed."
    assert "flow Billing: webhook failed (timed out after 1 s); took the error edge" in log_texts(conversation)


def test_500_is_retried_with_backoff_then_takes_the_error_edge(conversation, deliver, order_flow, hooks, queued,
                                                               backoffs):
    order_flow(f"{hooks.url}/fail", retries=2)
    run_id, step = waiting_run(conversation, deliver, queued)

    assert run_task(run_id, step) == "failed"

    assert hooks.hits("/fail") == 3  # the first try and two retries
    assert backoffs == [0, 1]
    assert [tasks.backoff_seconds(n) for n in (0, 1, 2)] == [2.0, 4.0, 8.0]
    assert bot_texts(conversation)[-1] == "The lookup failed."
    assert "flow Billing: webhook failed (HTTP 500, after 3 tries); took the error edge" in log_texts(conversation)
    assert FlowRun.objects.get().end_reason == "completed"


def test_a_retry_that_succeeds_continues_on_the_next_edge(conversation, deliver, order_flow, hooks, queued):
    order_flow(f"{hooks.url}/flaky", retries=2)
    run_id, step = waiting_run(conversation, deliver, queued)

    assert run_task(run_id, step) == "ok"

    assert hooks.hits("/flaky") == 3
    assert bot_texts(conversation)[-1] == "Order NW-10001 is shipped."


def test_bad_json_is_a_failure_without_retries(conversation, deliver, order_flow, hooks, queued):
    order_flow(f"{hooks.url}/bad", retries=3)
    run_id, step = waiting_run(conversation, deliver, queued)

    assert run_task(run_id, step) == "failed"

    assert hooks.hits("/bad") == 1
    assert bot_texts(conversation)[-1] == "The lookup failed."
    assert "flow Billing: webhook failed (the response was not JSON); took the error edge" in log_texts(conversation)


def test_failure_without_an_error_edge_ends_the_run(conversation, deliver, make_flow, hooks, queued):
    make_flow([("ask", "collect_input", {"variable": "order_number", "question": "Order number?"}),
               ("hook", "webhook", {"url": f"{hooks.url}/fail", "retries": 0}),
               ("ok", "message", {"text": "ok"})], trigger={"kind": "keywords", "keywords": ["order"]})
    run_id, step = waiting_run(conversation, deliver, queued)

    assert run_task(run_id, step) == "failed"

    run = FlowRun.objects.get()
    assert (run.active, run.end_reason) == (False, "webhook_failed")
    assert "X-Helpdesk-Signature" not in hooks.requests[0]["headers"]  # no secret, no signature


def test_no_server_at_all_is_retried_then_fails(conversation, deliver, order_flow, queued):
    order_flow("http://127.0.0.1:9/nothing-listens-here", retries=1)
    run_id, step = waiting_run(conversation, deliver, queued)

    assert run_task(run_id, step) == "failed"

    assert bot_texts(conversation)[-1] == "The lookup failed."
    assert any("could not connect" in line and "after 2 tries" in line for line in log_texts(conversation))


# --- the demo order-status flow against the app's own demo endpoint ------------------------------------------


@pytest.fixture
def demo_order_flow(workspace, live_server):
    """The demo's Order status flow, pointed at this test's server instead of 127.0.0.1:8000."""
    from pathlib import Path

    from flows.services import flow_replace_all as import_flows

    factories.TeamFactory(workspace=workspace, name="Support")
    flows = json.loads((Path(__file__).resolve().parents[2] / "flows" / "demo_flows.json").read_text())
    order = next(f for f in flows if f["name"] == "Order status")
    for node in order["nodes"]:
        if node["type"] == "webhook":
            node["config"]["url"] = node["config"]["url"].replace("http://127.0.0.1:8000", live_server.url)
    import_flows(workspace=workspace, flows=[order])


@pytest.mark.django_db(transaction=True)
def test_demo_order_status_flow_finds_an_order(workspace, demo_order_flow, deliver, queued):
    conversation = factories.ConversationFactory(workspace=workspace)
    run_id, step = waiting_run(conversation, deliver, queued)

    assert run_task(run_id, step) == "ok"

    assert bot_texts(conversation)[-1].startswith("Order NW-10001 is shipped (in 2 working days).")
    conversation.refresh_from_db()
    assert conversation.tags == ["order-status"] and conversation.status == "open"


@pytest.mark.django_db(transaction=True)
def test_demo_order_status_flow_finds_an_order_given_in_a_sentence(workspace, demo_order_flow, deliver, queued):
    conversation = ask_the_demo_flow(workspace, deliver, queued, "where is my order?", "my order number is NW 10002")

    assert bot_texts(conversation)[-1].startswith("Order NW 10002 is "), bot_texts(conversation)
    assert not Handoff.objects.filter(conversation=conversation).exists()


@pytest.mark.django_db(transaction=True)
def test_an_order_number_given_with_the_question_is_not_asked_for_again(workspace, demo_order_flow, deliver, queued):
    conversation = ask_the_demo_flow(workspace, deliver, queued, "Where is my order NW-10001?")

    texts = bot_texts(conversation)
    assert not any("What's your order number?" in t for t in texts), texts
    assert texts[-1].startswith("Order NW-10001 is shipped"), texts


@pytest.mark.django_db(transaction=True)
def test_an_order_number_in_any_words_starts_the_demo_order_flow(workspace, demo_order_flow, deliver, queued):
    # trial of 4 Dec: "What's the status of order NW-10002" matched none of the flow's keywords and was handed off
    conversation = ask_the_demo_flow(workspace, deliver, queued, "What's the status of order nw 10002")

    assert bot_texts(conversation)[-1].startswith("Order nw 10002 is processing"), bot_texts(conversation)


@pytest.mark.django_db(transaction=True)
def test_what_else_a_message_giving_an_order_number_asks_is_answered_after_the_lookup(workspace, demo_order_flow,
                                                                                      deliver, queued):
    # trial of 4 Dec: the answer came before the order's status, the lookup still running
    from conversations import knowledge

    factories.ArticleFactory(workspace=workspace, title="Payment methods",
                             body="We accept Visa, Mastercard, American Express, PayPal and Apple Pay.")
    knowledge.knowledge_reindex(workspace=workspace)
    conversation = ask_the_demo_flow(workspace, deliver, queued, "Can I pay order NW-10001 with PayPal?")

    texts = bot_texts(conversation)
    assert len(texts) == 2 and texts[0].startswith("Order NW-10001 is shipped") and "PayPal" in texts[1], texts
    assert run_task(*queued[0]) == "stale" and len(bot_texts(conversation)) == 2, "a redelivered lookup answers nothing again"


@pytest.mark.django_db(transaction=True)
def test_the_second_question_of_a_message_its_keywords_started_is_answered_once_the_flow_is_at_rest(
        workspace, demo_order_flow, deliver, queued):
    # by email, "wo ist meine Bestellung NW-10001? Und kann ich mit Klarna zahlen?" got the status alone (trial of 4 Dec)
    from conversations import knowledge

    factories.ArticleFactory(workspace=workspace, title="Payment methods",
                             body="We accept Visa, Mastercard, American Express, PayPal and Apple Pay.")
    knowledge.knowledge_reindex(workspace=workspace)
    conversation = ask_the_demo_flow(workspace, deliver, queued, "Where is my order NW-10001? And can I pay with PayPal?")

    texts = bot_texts(conversation)
    assert len(texts) == 2 and texts[0].startswith("Order NW-10001 is shipped") and "PayPal" in texts[1], texts

    # asked for the number first: the other question waits until the status is given, not answered under the question
    later = factories.ConversationFactory(workspace=workspace)
    deliver(later, "Where is my order? Also, can I pay with PayPal?")
    assert bot_texts(later) == ["I can check that for you. What's your order number? It looks like NW-10001."]
    deliver(later, "NW-10001")
    assert run_task(*queued[-1]) == "ok"
    texts = bot_texts(later)
    assert texts[-2].startswith("Order NW-10001 is shipped") and "PayPal" in texts[-1], texts


@pytest.mark.django_db(transaction=True)
def test_an_order_number_given_alone_gets_its_status_and_nothing_read_into_the_message_before(
        workspace, demo_order_flow, deliver, queued):
    # "I ordered the wrong size" then "it's NW-10002": "processing", then "Once an order has shipped it can no longer
    # be changed", answered from the message before (re-trial of 4 Dec)
    _the_demo_articles(workspace)
    conversation = ask_the_demo_flow(workspace, deliver, queued, "I ordered the wrong size", "it's NW-10002")

    texts = bot_texts(conversation)
    assert texts[-1].startswith("Order NW-10002 is processing"), texts


@pytest.mark.django_db(transaction=True)
def test_two_questions_in_one_sentence_with_an_order_number_get_the_status_and_the_other_answer(
        workspace, demo_order_flow, deliver, queued):
    # "where is my order NW-10002 and how do I return it?" got the status alone (trial of 4 Dec)
    _the_demo_articles(workspace)
    conversation = ask_the_demo_flow(workspace, deliver, queued, "where is my order NW-10002 and how do I return it?")

    texts = bot_texts(conversation)
    assert len(texts) == 2 and texts[0].startswith("Order NW-10002 is processing"), texts
    assert "within 30 days" in texts[1], texts


@pytest.mark.django_db(transaction=True)
def test_a_problem_told_with_an_order_number_gets_the_status_then_a_person_or_the_answer(workspace, demo_order_flow,
                                                                                        deliver, queued):
    # "I was charged but NW-10002 says processing" got the status alone, and "NW-10003 says delivered but I never got
    # it" too (re-trial of 4 Dec)
    from routing.selectors import policy_for

    _the_demo_articles(workspace)
    billing = factories.TeamFactory(workspace=workspace, name="Billing")
    doc = json.loads((Path(__file__).resolve().parents[2] / "helpdesk" / "demo_workspace.json").read_text())
    for topic in doc["policy"]["restricted_topics"]:  # the demo's four, the Billing team's first
        factories.RestrictedTopicFactory(policy=policy_for(workspace=workspace), name=topic["name"],
                                         keywords=topic["keywords"], examples=topic["examples"],
                                         **({"target_kind": "team", "target_team": billing}
                                            if topic["name"] == "Billing disputes" else {}))
    charged = ask_the_demo_flow(workspace, deliver, queued, "I was charged but NW-10002 says processing")

    assert bot_texts(charged)[0].startswith("Order NW-10002 is processing"), bot_texts(charged)
    handoff = Handoff.objects.get(conversation=charged)
    assert (handoff.trigger, handoff.target_team) == ("restricted_topic", billing)
    assert "I was charged" in handoff.reason and "processing" in handoff.summary

    queued.clear()
    never = ask_the_demo_flow(workspace, deliver, queued, "NW-10003 says delivered but I never got it")

    texts = bot_texts(never)
    assert texts[0].startswith("Order NW-10003 is delivered") and "proof of delivery" in texts[1], texts
    assert not Handoff.objects.filter(conversation=never).exists(), "the article says what to do; a person if asked"


@pytest.mark.django_db(transaction=True)
def test_demo_order_status_flow_asks_once_more_then_hands_off_an_unknown_order(workspace, demo_order_flow, deliver,
                                                                                  queued):
    # a mistyped number was handed to a person at once; now the visitor gets a second try (trial of 4 Dec)
    conversation = ask_the_demo_flow(workspace, deliver, queued, "where is my order?", "NW-99999")

    assert bot_texts(conversation)[-2:] == ["I couldn't find an order NW-99999.",
                                            "Could you check the number and send it again? It looks like NW-10001."]
    assert not Handoff.objects.filter(conversation=conversation).exists()

    deliver(conversation, "NW-99998")
    assert run_task(*queued[-1]) == "ok"
    assert bot_texts(conversation)[-1].startswith("I couldn't find an order NW-99998.")
    handoff = Handoff.objects.get(conversation=conversation)
    assert (handoff.trigger, handoff.target_team.name) == ("flow", "Support")
    assert "frustrated visitor" not in handoff.priority_reasons

    # the same, started in anger: the team sees it (trial of 4 Dec: normal priority, no reason)
    queued.clear()
    angry = ask_the_demo_flow(workspace, deliver, queued,
                              "This is the third time I'm asking. Your service is a joke. Where is my order??",
                              "NW-99999")
    deliver(angry, "NW-99998")
    assert run_task(*queued[-1]) == "ok"
    handoff = Handoff.objects.get(conversation=angry)
    assert handoff.priority == "high" and "frustrated visitor" in handoff.priority_reasons, handoff.priority_reasons


@pytest.mark.django_db(transaction=True)
def test_the_demo_order_flow_takes_the_second_one_of_two_numbers(workspace, demo_order_flow, deliver, queued):
    # "which one do you mean?" answered "the second one" was asked again (trial of 4 Dec)
    conversation = ask_the_demo_flow(workspace, deliver, queued, "where are NW-10001 and NW-10002?", "the second one")

    texts = bot_texts(conversation)
    assert texts[0] == "You gave more than one there: which one do you mean?", texts
    assert texts[-1].startswith("Order NW-10002 is "), texts


@pytest.mark.django_db(transaction=True)
def test_demo_order_status_flow_finds_the_corrected_number_on_the_second_try(workspace, demo_order_flow, deliver,
                                                                            queued):
    conversation = ask_the_demo_flow(workspace, deliver, queued, "wo ist meine bestellung?", "NW-1001")

    assert bot_texts(conversation)[-1] == "Könnten Sie die Nummer prüfen und noch einmal senden? Sie sieht so aus: NW-10001."
    deliver(conversation, "NW-10001")
    assert run_task(*queued[-1]) == "ok"
    assert bot_texts(conversation)[-1].startswith("Bestellung NW-10001: ")
    assert not Handoff.objects.filter(conversation=conversation).exists()


def test_the_sweep_resends_a_lost_webhook_call(conversation, deliver, order_flow, queued):
    from datetime import timedelta

    from django.utils import timezone

    order_flow("https://hooks.example.org/orders")
    run_id, step = waiting_run(conversation, deliver, queued)
    assert tasks.resend_stuck_webhooks_task() == 0  # waiting for a few minutes is not stuck

    FlowRun.objects.filter(pk=run_id).update(updated_at=timezone.now() - timedelta(hours=2))

    assert tasks.resend_stuck_webhooks_task() == 1
    assert queued[-1] == (run_id, step)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "first", "asked", "status"), [
    ("es", "¿Dónde está mi pedido?", "¿Cuál es tu número de pedido?",
     "Pedido NW-10001: enviado (llega en 2 días laborables)."),
    ("de", "Wo ist meine Bestellung?", "Wie lautet Ihre Bestellnummer?",
     "Bestellung NW-10001: versandt (kommt in 2 Werktagen an)."),
    ("fr", "où est ma commande ?", "Quel est votre numéro de commande ?",
     "Commande NW-10001 : expédiée (arrive sous 2 jours ouvrés)."),
    ("pt", "Onde está o meu pedido?", "Qual é o número da sua encomenda?",
     "Encomenda NW-10001: enviada (chega dentro de 2 dias úteis)."),
])
def test_the_demo_order_flow_looks_an_order_up_in_the_visitors_language(workspace, demo_order_flow, deliver, queued,
                                                                         language, first, asked, status):
    """A Spanish visitor asking for their order got the tracking article, then a person for the number: the flow's
    keywords and words were English only (trial of 3 Dec)."""
    conversation = ask_the_demo_flow(workspace, deliver, queued, first, "NW-10001")

    texts = bot_texts(conversation)
    assert asked in texts[0] and texts[-1].startswith(status), texts
    conversation.refresh_from_db()
    assert conversation.language == language  # the agent and the widget see it too
    assert not Handoff.objects.filter(conversation=conversation).exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_order_flow_hands_off_an_unknown_order_in_spanish(workspace, demo_order_flow, deliver, queued):
    conversation = ask_the_demo_flow(workspace, deliver, queued, "¿dónde está mi pedido?", "NW-99999")

    assert bot_texts(conversation)[-2:] == ["No he encontrado ningún pedido NW-99999.",
                                            "¿Puedes revisar el número y enviarlo de nuevo? Tiene este aspecto: NW-10001."]
    deliver(conversation, "NW 99999")
    assert run_task(*queued[-1]) == "ok"
    texts = bot_texts(conversation)
    assert texts[-1].startswith("No he encontrado ningún pedido NW 99999. Te paso con alguien"), texts
    assert Handoff.objects.get(conversation=conversation).trigger == "flow"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("typed", ["nw 10002", "it's nw 10002"])
def test_an_order_number_typed_in_lower_case_with_a_space_keeps_its_prefix(workspace, demo_order_flow, deliver, queued,
                                                                          typed):
    """Trial of 4 Dec: "track my order", then "nw 10002": "I couldn't find an order 10002." and a person."""
    conversation = ask_the_demo_flow(workspace, deliver, queued, "track my order", typed)

    assert bot_texts(conversation)[-1].startswith("Order nw 10002 is processing"), bot_texts(conversation)


@pytest.mark.django_db(transaction=True)
def test_an_order_number_asked_about_in_other_words_is_looked_up(workspace, demo_order_flow, deliver, queued):
    """Trial of 4 Dec: "Hi, my order NW-10002 - has it shipped yet?" got "I couldn't find an answer" and a person."""
    conversation = ask_the_demo_flow(workspace, deliver, queued, "Hi, my order NW-10002 - has it shipped yet?")

    assert bot_texts(conversation)[-1].startswith("Order NW-10002 is processing"), bot_texts(conversation)


@pytest.mark.django_db(transaction=True)
def test_the_billing_flow_hands_a_restricted_topic_off_at_its_priority(workspace, deliver):
    """Trial of 4 Dec: "I was double charged" was high priority outside the Billing flow and normal through it; and
    the flow said "Two quick questions" and asked one when the email was known."""
    from flows.services import flow_replace_all as import_flows

    billing = factories.TeamFactory(workspace=workspace, name="Billing")
    factories.RestrictedTopicFactory(policy=workspace.policy, name="Billing disputes", keywords=["double charged"],
                                     target_kind="team", target_team=billing)
    flows = json.loads((Path(__file__).resolve().parents[2] / "flows" / "demo_flows.json").read_text())
    import_flows(workspace=workspace, flows=[next(f for f in flows if f["name"] == "Billing")])
    contact = factories.ContactFactory(workspace=workspace, email="kim@example.com")
    conversation = factories.ConversationFactory(workspace=workspace, contact=contact)

    deliver(conversation, "I was double charged on my last invoice")
    texts = bot_texts(conversation)
    assert "Two quick questions" not in texts[0] and "quick details" in texts[0], texts
    deliver(conversation, "Two charges of 89 euros for order NW-10002")
    handoff = Handoff.objects.get(conversation=conversation)
    assert handoff.target_team == billing
    assert handoff.priority == "high" and "restricted topic" in handoff.priority_reasons, handoff.priority_reasons
