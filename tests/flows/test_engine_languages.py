"""A flow speaks the visitor's language where its admin translated it, and its written words elsewhere (pure engine,
no database). A Spanish visitor asking for their order got English questions, or none (trial of 3 Dec)."""

from __future__ import annotations

from typing import Any

import pytest

from flows.engine import Inbound, RunState, SendMessage, Step, advance
from flows.graph import FlowGraph, Node
from flows.nodes import parse_node
from tests.flows.conftest import graph_document

ASK_EMAIL = ("ask", "collect_input", {
    "variable": "email", "kind": "email", "question": "What's your email?",
    "translations": {"es": {"question": "¿Cuál es tu correo?"}, "de": "Wie lautet Ihre E-Mail-Adresse?"}})
THANKS = ("thanks", "message", {"text": "Thanks, {{email}}.", "translations": {"es": {"text": "Gracias, {{email}}."}}})
GRAPH = FlowGraph.from_document(graph_document([ASK_EMAIL, THANKS]))


def sent(step: Step) -> list[str]:
    return [e.text for e in step.effects if isinstance(e, SendMessage)]


def turn(state: RunState, text: str | None, language: str, graph: FlowGraph = GRAPH) -> Step:
    return advance(graph, state, Inbound(text=text, language=language), flow_name="Contact")


@pytest.mark.parametrize(("language", "question", "retry", "thanks"), [
    ("es", "¿Cuál es tu correo?", "Eso no parece una dirección de correo electrónico. ¿Cuál es tu correo?",
     "Gracias, ana@example.org."),
    ("de", "Wie lautet Ihre E-Mail-Adresse?",
     "Das sieht nicht wie eine E-Mail-Adresse aus. Wie lautet Ihre E-Mail-Adresse?", "Thanks, ana@example.org."),
    # not translated into French: the words as written, the hint too (not half French)
    ("fr", "What's your email?", "That doesn't look like an email address. What's your email?",
     "Thanks, ana@example.org."),
])
def test_the_visitor_is_asked_in_their_language_when_the_node_has_it(language, question, retry, thanks) -> None:
    started = turn(RunState(), None, language)
    wrong = turn(started.state, "ana at example", language)
    given = turn(wrong.state, "ana@example.org", language)

    assert sent(started) == [question]
    assert sent(wrong) == [retry]
    assert sent(given) == [thanks]


def test_a_flow_written_in_spanish_re_asks_in_spanish() -> None:
    graph = FlowGraph.from_document(graph_document([
        ("ask", "collect_input", {"variable": "email", "kind": "email", "question": "¿Cuál es tu correo electrónico?"})]))
    started = turn(RunState(), None, "en", graph)

    assert sent(turn(started.state, "no sé", "en", graph)) == [
        "Eso no parece una dirección de correo electrónico. ¿Cuál es tu correo electrónico?"]


@pytest.mark.parametrize(("translations", "problem"), [
    ({"it": "Ciao"}, "“it” in “translations” is not a language the assistant speaks"),
    ({"es": {"choices": ["Sí"]}}, "“translations.es.choices” cannot be translated: only text"),
    ({"es": {"text": 3}}, "“translations.es.text” must be text"),
    (["es", "Hola"], "“translations” must be an object"),
])
def test_a_translation_the_engine_cannot_say_is_a_problem_named_for_the_admin(translations: Any, problem: str) -> None:
    parsed = parse_node(Node("hello", "message", {"text": "Hello", "translations": translations}))

    assert any(p.message.startswith(problem) for p in parsed.problems), parsed.problems
