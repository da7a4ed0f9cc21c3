"""Knowledge-base answers: index build/serialise/load, quoting, the confidence threshold."""
from __future__ import annotations

import pickle

import pytest

from conversations.assistant import (
    DEFAULT_KB_THRESHOLD, Article, Assistant, KnowledgeIndex, Turn, build_knowledge_index, summarize,
)
from conversations.assistant.knowledge import split_passages

ARTICLES = [
    Article("1", "Returns and refunds",
            "You can return any item within 30 days of delivery for a full refund. Refunds go back to the "
            "original payment method within 5 business days.\n\nItems marked final sale cannot be returned.",
            ("returns", "refund"), "/help/returns"),
    Article("2", "Shipping times",
            "Standard shipping takes 3 to 5 business days. Express shipping arrives the next business day "
            "when you order before 2 pm.", (), "/help/shipping"),
    Article("3", "Reset your password",
            "Click “Forgot password” on the sign-in page and follow the link we email you. The link expires "
            "after one hour.", ("account",), "/help/password"),
]


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return KnowledgeIndex.from_bytes(build_knowledge_index(ARTICLES).to_bytes())


def test_answer_quotes_the_best_passage_and_links_the_article(index: KnowledgeIndex) -> None:
    a = Assistant(index).analyze("how long does delivery take?")
    assert a.answer is not None and a.answer.article_id == "2"
    assert a.answer.passage.startswith("Standard shipping takes 3 to 5 business days")
    assert a.answer.passage in a.answer.text
    assert "Shipping times" in a.answer.text and "/help/shipping" in a.answer.text
    assert 0 < a.answer.confidence <= 1 and not a.out_of_scope.fired


def test_answer_picks_the_passage_that_matches(index: KnowledgeIndex) -> None:
    a = Assistant(index).analyze("can I return something I bought on final sale?")
    assert a.answer is not None and a.answer.article_id == "1"
    assert "final sale" in a.answer.passage


def test_answer_in_the_visitors_language(index: KnowledgeIndex) -> None:
    a = Assistant(index, kb_threshold=0.0).analyze("¿Cuánto tarda el envío express?")
    assert a.language == "es" and a.answer is not None
    assert "De nuestro artículo" in a.answer.text


def test_below_threshold_reports_cannot_answer(index: KnowledgeIndex) -> None:
    a = Assistant(index).analyze("what is the capital of Australia?")
    assert a.answer is None and a.out_of_scope.fired
    assert "below the threshold" in a.out_of_scope.evidence
    assert a.kb_confidence < DEFAULT_KB_THRESHOLD


def test_workspace_threshold_is_honoured(index: KnowledgeIndex) -> None:
    question = "how long does delivery take?"
    confidence = Assistant(index).analyze(question).kb_confidence
    assert Assistant(index, kb_threshold=confidence + 0.01).analyze(question).answer is None
    assert Assistant(index, kb_threshold=confidence - 0.01).analyze(question).answer is not None
    strict = Assistant(index, kb_threshold=1.0).analyze(question)
    assert strict.answer is None and strict.out_of_scope.fired


def test_empty_knowledge_base_cannot_answer() -> None:
    for index in (build_knowledge_index([]), KnowledgeIndex.from_bytes(b""), KnowledgeIndex()):
        a = Assistant(index).analyze("how long does delivery take?")
        assert a.answer is None and a.out_of_scope.fired and a.candidates == ()


def test_single_article_knowledge_base() -> None:
    index = build_knowledge_index(ARTICLES[2:])
    assert index.classifier is None
    a = Assistant(index).analyze("I forgot my password")
    assert a.answer is not None and a.answer.article_id == "3"


def test_greeting_is_not_a_question_for_the_knowledge_base(index: KnowledgeIndex) -> None:
    a = Assistant(index).analyze("hello!")
    assert a.smalltalk == "greeting" and a.answer is None and not a.out_of_scope.fired


def test_long_passage_is_condensed() -> None:
    body = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(40))
    body += " Gift cards never expire and can be used on any order."
    index = build_knowledge_index([Article("g", "Gift cards", body), ARTICLES[1]])
    a = Assistant(index, kb_threshold=0.0).analyze("do gift cards expire?")
    assert a.answer is not None and a.answer.article_id == "g"
    quote = a.answer.text.split("\n\n")[0]
    assert len(quote) < len(a.answer.passage) and "Gift cards never expire" in quote


def test_split_passages_on_blank_lines_and_long_paragraphs() -> None:
    long_para = " ".join(["This sentence is fairly long and says little."] * 30)
    parts = split_passages(Article("x", "T", f"First part.\n\n\nSecond part.\n\n{long_para}"))
    assert parts[:2] == ["First part.", "Second part."]
    assert len(parts) > 3 and all(len(p) <= 600 for p in parts)


def test_serialised_index_refuses_foreign_pickles() -> None:
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with pytest.raises(Exception):
        KnowledgeIndex.from_bytes(b"HDKI" + pickle.dumps(Evil()))
    with pytest.raises(ValueError):
        KnowledgeIndex.from_bytes(b"nope")


def test_summary_for_the_agent() -> None:
    history = [Turn("visitor", "hi"), Turn("visitor", "My parcel arrived damaged and I want a replacement"),
               Turn("ai", "Sorry about that! From our article “Returns and refunds”: ..."),
               Turn("visitor", "that didn't help, I want a person")]
    text = summarize(history, {"order_number": "A-10234", "email": "jane@example.org"}, "Visitor asked for a human")
    assert "Problem: My parcel arrived damaged" in text
    assert "AI already replied: Sorry about that!" in text
    assert "order_number: A-10234" in text and "Visitor asked for a human" in text
    assert "Latest from visitor: that didn't help" in text
