"""Knowledge-base answers: index build/serialise/load, quoting, the confidence threshold."""
from __future__ import annotations

import json
import pickle
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from conversations.assistant import (
    DEFAULT_KB_THRESHOLD, Article, ArticleTranslation, Assistant, KnowledgeIndex, Topic, Turn, build_knowledge_index,
    summarize,
)
from conversations.assistant import knowledge
from conversations.assistant.phrases import phrase
from conversations.assistant.knowledge import content_terms, split_passages
from conversations.assistant.models import l2_rows

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


def test_a_long_passage_is_condensed_from_sentence_embeddings_stored_in_the_index() -> None:
    """Answering never runs the encoder over a passage: its sentences were embedded when the index
    was built (an older index without them condenses the same, embedding once a process)."""
    body = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(40))
    body += " Vouchers stay valid for two years and work on every order."
    built = build_knowledge_index([Article("v", "Vouchers", body), ARTICLES[1]])
    stored = KnowledgeIndex.from_bytes(built.to_bytes())
    assert stored.sentence_emb and all(len(v) > 1 for v in stored.sentence_emb.values())
    knowledge._sentence_embeddings.cache_clear()
    a = Assistant(stored, kb_threshold=0.0).analyze("how long are vouchers valid?")
    assert a.answer is not None and "Vouchers stay valid for two years" in a.answer.text
    assert knowledge._sentence_embeddings.cache_info().misses == 0
    del stored.__dict__["sentence_emb"]
    again = Assistant(stored, kb_threshold=0.0).analyze("how long are vouchers valid?")
    assert again.answer.text == a.answer.text
    assert knowledge._sentence_embeddings.cache_info().misses == 1


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


# --- Passage choice: the reply quotes the passage that answers, not the article's nearest sentence ---
# A shop's articles written for these tests (not the demo workspace's text, nor any training data).
SHOP = [
    Article("returns", "Returns and exchanges",
            "You may send back unused goods within 45 days of delivery for a full refund or an exchange. Start a "
            "return from your account page and print the prepaid label.\n\n"
            "Return postage is free inside Italy; from other countries the label costs 7 euros.\n\n"
            "Refunds reach the original payment method within 5 working days after the parcel arrives at our "
            "warehouse.", ("returns",), "https://shop.example/help/returns/"),
    Article("sizes", "Size guide",
            "Our coats follow Italian sizes and run large: order one size down.\n\n"
            "Every product page has a size chart in centimetres.", ("sizing",), "https://shop.example/help/sizes/"),
    Article("delivery", "Delivery times",
            "Orders placed before noon leave our warehouse the same day.\n\n"
            "Standard delivery takes 1 to 3 working days in Italy and 4 to 7 working days to the rest of Europe.\n\n"
            "Delivery is free on orders over 80 euros; below that it costs 5 euros.", ("shipping",),
            "https://shop.example/help/delivery/"),
]


@pytest.fixture(scope="module")
def shop() -> KnowledgeIndex:
    return KnowledgeIndex.from_bytes(build_knowledge_index(SHOP).to_bytes())


def _quoted(index: KnowledgeIndex, question: str) -> tuple[str, str]:
    a = Assistant(index, kb_threshold=0.0).analyze(question)
    assert a.answer is not None, question
    return a.answer.article_id, a.answer.passage


def test_a_question_about_the_policy_as_a_whole_gets_the_articles_opening_rule(shop: KnowledgeIndex) -> None:
    # MiniLM alone puts the refund-timing paragraph nearest to "return policy"; the rule is the opening one.
    article, passage = _quoted(shop, "What is your return policy?")
    assert article == "returns" and "within 45 days" in passage


def test_a_specific_question_gets_the_specific_passage_not_the_opening(shop: KnowledgeIndex) -> None:
    assert "5 working days" in _quoted(shop, "How long until my refund arrives?")[1]
    assert "7 euros" in _quoted(shop, "Do I have to pay for the return label from Germany?")[1]
    assert "rest of Europe" in _quoted(shop, "How long does delivery take to Germany?")[1]
    assert "free on orders over 80 euros" in _quoted(shop, "How much does delivery cost?")[1]


def test_the_passage_holding_the_questions_words_wins_among_similar_ones(shop: KnowledgeIndex) -> None:
    assert "size chart in centimetres" in _quoted(shop, "is there a size chart in cm?")[1]


def test_passage_choice_works_on_an_index_built_before_content_terms(shop: KnowledgeIndex) -> None:
    """Indexes stored before this release have no term index: the choice falls back to meaning and the
    opening-passage rule, and still quotes a body passage."""
    old = KnowledgeIndex.from_bytes(build_knowledge_index(SHOP).to_bytes())
    del old.__dict__["terms"]
    article, passage = _quoted(old, "How much does delivery cost?")
    assert article == "delivery" and passage in SHOP[2].body


def test_content_terms_stem_and_drop_function_words() -> None:
    assert content_terms("How do returns work if a jacket doesn't fit?") == ["return", "jacket", "fit"]  # "work": how, not what
    assert content_terms("Refunds, refunding, refunded") == ["refund", "refund", "refund"]
    assert content_terms("what is it?") == []


# --- Example questions: matched like the title, never quoted ---

def test_an_articles_example_questions_match_the_visitors_wording_and_are_never_quoted() -> None:
    plain = [Article("sizes", SHOP[1].title, SHOP[1].body), SHOP[0], SHOP[2]]
    asked = "the coat I got is too big, what now?"
    with_questions = [Article("sizes", SHOP[1].title, SHOP[1].body,
                              questions=("my coat is too big", "what size should I order?")), SHOP[0], SHOP[2]]
    before = Assistant(build_knowledge_index(plain), kb_threshold=0.0).analyze(asked)
    after = Assistant(build_knowledge_index(with_questions), kb_threshold=0.0).analyze(asked)
    assert after.answer is not None and after.answer.article_id == "sizes"
    assert after.kb_confidence > dict(before.candidates).get("sizes", 0.0)
    assert "my coat is too big" not in after.answer.text and after.answer.passage in SHOP[1].body


def test_blank_and_repeated_example_questions_are_ignored() -> None:
    index = build_knowledge_index([Article("1", "Gift cards", "Gift cards never expire.",
                                           questions=("", "  ", "do gift cards expire?", "do  gift cards expire?"))])
    assert index.passages == ["Gift cards", "do gift cards expire?", "Gift cards never expire."]


@lru_cache(maxsize=2)
def demo_shop(translated: bool = False) -> Assistant:
    """The demo workspace's knowledge base, at its own threshold. As written in English only by default (a workspace
    that has not translated its articles: other languages are read across, on the multilingual encoder); with
    `translated`, also with the articles' translations, as `make run` seeds it."""
    doc = json.loads((Path(__file__).resolve().parents[2] / "helpdesk" / "demo_workspace.json").read_text())
    articles = [Article(str(i), a["title"], a["body"], tuple(a.get("tags", ())), f"https://shop.example/help/1/{i}/",
                        tuple(a.get("questions", ())),
                        tuple(ArticleTranslation(lang, t["title"], t["body"], tuple(t["questions"]))
                              for lang, t in sorted(a.get("translations", {}).items()) if translated))
                for i, a in enumerate(doc["knowledge_base"])]
    return Assistant(build_knowledge_index(articles, doc["policy"]["kb_not_covered"]), kb_threshold=doc["policy"]["kb_threshold"])


def test_the_demo_shop_answers_its_visitors_three_known_questions_from_the_right_passage() -> None:
    """The questions a visitor tried on the demo shop (issue 15): each from the right article, quoting the
    passage that answers rather than the refund-timing sentence or the sizing guide."""
    bot = demo_shop()
    expected = {"What is your return policy?": ("Returns and exchanges", "within 30 days"),
                "How do returns work if a jacket doesn't fit?": ("Returns and exchanges", "exchange"),
                "How long does shipping take to Germany?": ("Shipping times", "rest of the EU")}
    for question, (title, words) in expected.items():
        a = bot.analyze(question)
        assert a.answer is not None and a.answer.title == title, (question, a.candidates)
        assert words in a.answer.passage and "Refunds go back" not in a.answer.passage, (question, a.answer.passage)
        assert a.answer.text.endswith(a.answer.url) and a.answer.url.startswith("https://")


@pytest.mark.parametrize("problem", ["my tent pole snapped on the first night", "my backpack strap tore after a week",
                                     "the tent leaks at the seams"])
def test_something_that_broke_in_other_words_finds_the_warranty(problem) -> None:
    """Trial 55: "my tent pole snapped on the first night" got "I couldn't find an answer" (the warranty article first,
    under the threshold): the articles say "broken" and "damaged", visitors say "snapped", "tore", "leaks"."""
    a = demo_shop().analyze(problem)
    assert a.answer is not None and a.answer.title == "Product warranty", (problem, a.candidates)


@pytest.mark.parametrize("question", ["The sole came off my boots after one week. Are they under warranty?",
                                      "My stove stopped working after one month, is that covered by the warranty?"])
def test_a_defect_after_some_time_is_told_the_warranty_not_the_damaged_parcel(question) -> None:
    """Trial 56: "…after one week. Are they under warranty?" quoted "If your order arrives damaged… the damaged one": the
    pronoun "one" read as a word of the question that only that passage holds."""
    a = demo_shop().analyze(question)
    assert a.answer is not None and a.answer.title == "Product warranty", (question, a.candidates)
    assert "two-year warranty" in a.answer.passage, a.answer.passage


@pytest.mark.parametrize("message, answers", [
    ("How long does shipping take to Germany? And what is your return policy?",
     [("Shipping times", "rest of the EU"), ("Returns and exchanges", "within 30 days")]),
    ("How long does shipping take to Germany and what is your return policy?",
     [("Shipping times", "rest of the EU"), ("Returns and exchanges", "within 30 days")]),
    ("What sizes do the boots come in? How much is express shipping?",
     [("Sizing guide", "half a size"), ("Shipping times", "9.95 euros")]),
    ("¿Cuánto tarda el envío a Alemania? ¿Puedo devolver unas botas?",
     [("Shipping times", "rest of the EU"), ("Returns and exchanges", "")]),
    # without a question mark, as chat is typed (stop 38's trial: "was kostet der versand und kann ich mit klarna
    # zahlen" got the cost only)
    ("what does express shipping cost and can i pay with paypal",
     [("Shipping times", ""), ("Payment methods", "PayPal")]),
    ("combien de temps prend la livraison et comment retourner un article",
     [("Shipping times", ""), ("Returns and exchanges", "")]),
])
def test_a_message_asking_two_things_gets_both_answers_each_with_its_article(message, answers) -> None:
    """Trial of 1 Dec: a message with two questions got one answer. Each question is answered from its own
    article, in the message's order, each quote followed by its article's link."""
    a = demo_shop().analyze(message)
    assert a.answer is not None and [(x.title) for x in (a.answer, *a.answer.also)] == [t for t, _ in answers]
    at = 0
    for x, (_, words) in zip((a.answer, *a.answer.also), answers):
        assert words in x.passage, (message, x.passage)
        at = a.answer.text.index(x.url, at)  # each article named after its own quote, in order
    assert a.answer.text.index(a.answer.also[0].url) > a.answer.text.index(a.answer.url)


def test_one_question_or_two_about_the_same_article_get_one_answer() -> None:
    for message in ("Hi! I ordered last week. Where is my parcel?", "Can I return a gift? Can I return worn boots?"):
        a = demo_shop().analyze(message)
        assert a.answer is not None and a.answer.also == () and a.answer.text.count("https://") == 1, message


@pytest.mark.parametrize("message, passages", [
    ("do you deliver to the UK? and what about customs", ["We ship to the United Kingdom", "Customs duties"]),
    ("if a jacket doesn't fit can i send it back? how long do i have", ["If something doesn't fit", "within 30 days"]),
])
def test_two_questions_about_one_article_are_each_quoted_their_passage(message, passages) -> None:
    """Trial of 2 Dec: each got the first question's paragraph only (the customs, the 30 days left out). Both
    passages are quoted, in the message's order, under the article's one link."""
    a = demo_shop().analyze(message)
    assert a.answer is not None and a.answer.also == () and a.answer.text.count("https://") == 1, a.answer
    at = [a.answer.text.index(words) for words in passages]
    assert at == sorted(at), a.answer.text


def test_an_example_question_points_the_lead_to_the_passage_it_asks_about() -> None:
    """Trial of 2 Dec: "the box was crushed" came closest to the example question "My order arrived damaged, what
    should I do?", whose weight went to the article's opening on its two-year warranty; it goes to the paragraph
    on damaged parcels now. A question about the article as a whole still gets the opening."""
    bot = demo_shop()
    crushed = bot.analyze("my parcel arrived today and the box was crushed, the tent pole is bent")
    assert crushed.answer is not None and crushed.answer.passage.startswith("If your order arrives damaged")
    policy = bot.analyze("How many days do I have to return something?")
    assert policy.answer is not None and "within 30 days" in policy.answer.passage


@pytest.mark.parametrize("typo, title", [
    ("wat r ur payement methds", "Payment methods"),
    ("I want a refnud for my boots", "Returns and exchanges"),  # picked the sizing guide
    ("how do i retrun my jacket", "Returns and exchanges"),
])
def test_a_typo_is_read_as_the_knowledge_bases_own_word(typo: str, title: str) -> None:
    """Trial of 1 Dec, night. Words the knowledge base and the encoder both do not know are read as the closest
    word of the articles; known words, short ones and other languages are left as written."""
    bot = demo_shop()
    a = bot.analyze(typo)
    assert bot.knowledge.titles[bot.knowledge.article_ids.index(a.candidates[0][0])] == title, a.candidates
    vocab = bot.encoder.tokenizer.vocab
    assert bot.knowledge.corrected("I want a refnud, please!", vocab) == "I want a refund, please!"
    for as_written in ("wat r ur methods", "How long does shipping take?", "¿Cuánto tarda el envío?", "blorptastic"):
        assert bot.knowledge.corrected(as_written, vocab) == as_written


def test_an_index_pickled_before_the_spelling_reads_queries_as_written() -> None:
    index = demo_shop().knowledge
    older = KnowledgeIndex.from_bytes(index.to_bytes())
    del older.__dict__["spelling"]
    assert older.corrected("a refnud", {}) == "a refnud"


@pytest.mark.parametrize("question, quotes", [
    ("how much is shipping to Portugal?", "4.95 euros"),  # not the delivery times, though they name Portugal
    ("What will delivery to Lisbon cost me?", "4.95 euros"),
    ("¿Cuánto cuesta el envío exprés a Madrid?", "9.95 euros"),
    ("Est-ce que la livraison est payante ?", "free on orders over 60 euros"),
    ("Wie viele Tage braucht ein Paket nach Österreich?", "3 to 6 working days"),  # not the same-day dispatch
    ("combien de temps pour recevoir un colis en Belgique ?", "3 to 6 working days"),
    ("quanto tempo demora a entrega em Lisboa?", "2 to 4 working days"),
    ("Quels sont les délais de livraison en Belgique ?", "3 to 6 working days"),  # not the same-day dispatch (trial)
])
def test_the_demo_shop_quotes_the_passage_with_the_price_or_the_time_asked_for(question: str, quotes: str) -> None:
    """A question about cost quotes the prices, one about time the delivery times, in any of the five languages
    (trials of 1 Dec: the delivery times answered a price question, and across languages the opening passage won)."""
    a = demo_shop().analyze(question)
    assert a.answer is not None and a.answer.title == "Shipping times", (question, a.candidates)
    assert quotes in a.answer.passage, (question, a.answer.passage)


@pytest.mark.parametrize("question, quotes", [
    ("¿Tenéis tallas grandes en botas?", "botas de montaña"), ("Do you have big sizes in boots?", "Hiking boots"),
    ("Vos chaussures de randonnée existent en grande taille ?", "chaussures de randonnée"),
    # trial of 4 Dec: the example question on sizes pointed to the jackets' passage; and "bei Wanderschuhen" was said to
    # be missing, "Wanderschuhe" read as another word
    ("e as botas, que tamanho devo escolher?", "botas de caminhada"), ("welche Größe bei Wanderschuhen?", "Wanderschuhe"),
    ("Que tamanho devo escolher para as botas de caminhada?", "botas de caminhada"),
    ("Welche Größe soll ich bei Jacken nehmen?", "Unsere Jacken"), ("¿Qué talla de chaqueta me pido?", "chaquetas")])
def test_a_question_naming_what_one_passage_holds_gets_that_passage(question: str, quotes: str) -> None:
    """Re-trial of 4 Dec: "¿Tenéis tallas grandes en botas?" got the jackets' sizes, the example question "¿Las botas
    tallan pequeño?" pointing to the opening passage, their meanings too close to tell."""
    a = demo_shop(translated=True).analyze(question)
    assert a.answer is not None and quotes in a.answer.passage, (question, a.answer and a.answer.passage)
    assert a.answer.text.startswith(a.answer.passage[:30]), a.answer.text  # nothing said missing before it


@pytest.mark.parametrize("question, said", [
    ("Can I pay with Google Pay?", "I don't see Google Pay in our help articles."),
    ("Posso pagar com MB Way?", "Não vejo MB Way nos nossos artigos de ajuda."),
    ("Kann ich mit Google Pay bezahlen?", "Google Pay finde ich in unseren Hilfeartikeln nicht."),
    ("Can I pay with Revolut?", "I don't see Revolut in our help articles."),
    # a short form of a listed name is no missing one; the one missing is named (re-trial of 4 Dec: "I don't see Amex")
    ("Do you accept Amex?", ""), ("Do you accept AMEX or Diners?", "I don't see Diners in our help articles."),
    # a name only this article has answers below the threshold, from the passage naming it (re-trial of 4 Dec: handed
    # off; Klarna's instalments)
    ("Do you accept Bizum?", ""), ("Kann ich mit Bizum zahlen?", ""),
    # a name the article has, or the visitor's own, is no missing name
    ("Can I pay with PayPal?", ""), ("Hi, I'm Maria, which payment methods do you accept?", ""),
    ("¿Puedo pagar con Bizum?", ""),
    # a clause's first word after a dash, a colon or a bracket is no name (trial 56: "I don't see Do in our help articles")
    ("Quick question - Do you accept PayPal?", ""), ("[ref 18] Do you accept PayPal?", ""),
    ("Payment: Can I pay with Revolut?", "I don't see Revolut in our help articles.")])
def test_a_name_the_list_of_what_is_accepted_lacks_is_said_to_be_missing(question: str, said: str) -> None:
    """Re-trial of 4 Dec: "Can I pay with Google Pay?" was handed off and "Posso pagar com MB Way?" got Klarna's
    instalments, as if MB Way were Klarna. The list of what is accepted answers, said to lack the name."""
    a = demo_shop(translated=True).analyze(question)
    assert a.answer is not None and a.answer.title in ("Payment methods", "Métodos de pago", "Métodos de pagamento",
                                                       "Zahlungsarten"), (question, a.candidates)
    assert "Visa, Mastercard" in a.answer.text and "Klarna" not in a.answer.text, a.answer.text
    assert a.answer.text.startswith(said or ("We accept", "Aceptamos", "Wir akzeptieren")), a.answer.text


@pytest.mark.parametrize("question, language, said, quoted", [
    # a payment method no article mentions: the list of those accepted, said to lack it
    ("Can I pay by bank transfer?", "en", "Our help articles don't mention “bank transfer”.", "Visa, Mastercard"),
    ("¿Puedo pagar por transferencia bancaria?", "es", "Nuestros artículos de ayuda no mencionan «transferencia bancaria».",
     "Visa, Mastercard"),
    ("Kann ich mit Überweisung bezahlen?", "de", "„Überweisung“ wird in unseren Hilfeartikeln nicht erwähnt.",
     "Visa, Mastercard"),
    ("Do you accept cash on delivery?", "en", "Our help articles don't mention “cash on delivery”.", "Visa, Mastercard"),
    # a change the article on changes does not name: what can be changed, said to lack it
    ("Can I change the delivery address?", "en", "Our help articles don't mention “delivery address”.", "size or colour"),
    ("Puis-je changer l'adresse de livraison ?", "fr", "Nos articles d'aide ne mentionnent pas « adresse de livraison ».",
     "la taille ou la couleur"),
    ("Kann ich die Lieferadresse ändern?", "de", "„Lieferadresse“ wird in unseren Hilfeartikeln nicht erwähnt.",
     "Größe oder Farbe"),
    # what the article names, in other spelling or number, is no missing thing
    ("Can I change the color?", "en", "", "size or colour"), ("Can I pay in instalments?", "en", "", "Klarna"),
    ("Can I pay with my credit card?", "en", "", "Visa, Mastercard"), ("do you sell gift cards?", "en", "", "20 to 500"),
    ("¿Puedo cambiar la talla de mi pedido?", "es", "", "la talla o el color"),
    # trial 51: a way of paying asked of another article gets the list of those accepted ("do you take credit cards?",
    # the gift cards; "Can I pay cash in the Madrid store?", the stores' hours); one the list covers gets the list, not
    # Klarna's instalments ("También…", read as a yes)
    ("do you take credit cards?", "en", "", "Visa, Mastercard"),
    # the ways of paying asked with none named: the list (below the threshold it was handed off; above, Klarna alone)
    ("what can I pay with?", "en", "", "Visa, Mastercard"), ("¿con qué puedo pagar?", "es", "", "Visa, Mastercard"),
    ("Com que posso pagar?", "pt", "", "Visa, Mastercard"),
    ("Posso pagar à cobrança?", "pt", "Os nossos artigos de ajuda não mencionam «cobrança».", "Visa, Mastercard"),
    ("como posso pagar?", "pt", "", "Visa, Mastercard"), ("comment puis-je payer ?", "fr", "", "Visa, Mastercard"),
    ("Acceptez-vous les cartes de crédit ?", "fr", "", "Visa, Mastercard"),
    ("¿Puedo pagar con tarjeta de débito?", "es", "", "Visa, Mastercard"),
    ("Can I pay cash in the Madrid store?", "en", "Our help articles don't mention “cash”.", "Visa, Mastercard"),
    ("Posso pagar em dinheiro?", "pt", "Os nossos artigos de ajuda não mencionam «dinheiro».", "Visa, Mastercard"),
    ("can I pay on delivery?", "en", "Our help articles don't mention “pay on delivery”.", "Visa, Mastercard"),
    ("Akzeptieren Sie Nachnahme?", "de", "„Nachnahme“ wird in unseren Hilfeartikeln nicht erwähnt.", "Visa, Mastercard"),
    ("¿Aceptáis pago contra reembolso?", "es", "Nuestros artículos de ayuda no mencionan «pago contra reembolso».",
     "Visa, Mastercard"),
    # a change another article ranked near names: that article ("¿Puedo cambiar el color?" got the returns)
    ("¿Puedo cambiar el color?", "es", "", "la talla o el color"),
    ("Puis-je changer la couleur ?", "fr", "", "la taille ou la couleur"), ("Posso mudar a cor?", "pt", "", "a cor"),
    # a change no article names is said to be missing over the order changes ("date" is no Portuguese "até")
    ("can I change the delivery date?", "en", "Our help articles don't mention “delivery date”.", "size or colour"),
    # something sold that an article mentions: that passage, said to mention it
    ("do you sell tents?", "en", "Our help articles mention “tents” here:", "Tents and backpacks"),
    ("Vendem tendas?", "pt", "Os nossos artigos de ajuda mencionam «tendas» aqui:", "tendas"),
    ("Verkaufen Sie Jacken?", "de", "„Jacken“ wird in unseren Hilfeartikeln hier erwähnt:", "Unsere Jacken"),
    ("do you sell hiking boots?", "en", "Our help articles mention “hiking boots” here:", "Hiking boots run")])
def test_a_thing_the_answering_article_does_not_mention_is_said_to_be_missing(question, language, said, quoted) -> None:
    """Trial of 4 Dec: "Can I change the delivery address?" got the size and colour change as if it answered, and "Can
    I pay by bank transfer?" was handed off."""
    a = demo_shop(translated=True).analyze(question, language=language)
    assert a.answer is not None and quoted in a.answer.text, (a.answer and a.answer.text, a.candidates)
    assert a.answer.text.startswith(said) and (said != "" or "articles" not in a.answer.text.split(quoted)[0])


@pytest.mark.parametrize("before, follow_up, language, starts, quoted", [
    ("¿Puedo pagar contra reembolso?", "¿y con tarjeta de débito?", "es", "Aceptamos", "Visa, Mastercard"),
    ("Posso pagar com multibanco?", "e com cartão de crédito?", "pt", "Aceitamos", "Visa, Mastercard"),
    ("Can I pay with cash on delivery?", "so that's a no?", "en", "Our help articles don't mention “cash on delivery”.",
     "Visa, Mastercard"),
    ("¿Puedo pagar contra reembolso?", "¿y con bitcoin?", "es", "Nuestros artículos de ayuda no mencionan «bitcoin».",
     "Visa, Mastercard"),
    ("Posso pagar com cartão de crédito?", "E posso pagar contra reembolso?", "pt",
     "Os nossos artigos de ajuda não mencionam «contra reembolso».", "Visa, Mastercard"),
    # "contra entrega" is paying on delivery too (trial 51b: the shipping prices)
    ("Posso pagar com cartão de crédito?", "e contra entrega?", "pt",
     "Os nossos artigos de ajuda não mencionam «contra entrega».", "Visa, Mastercard"),
    # "and the X?" after a change: that change asked of X (trial 51b: handed off; the tracking in French)
    ("Can I change the colour of my order?", "and the delivery address?", "en",
     "Our help articles don't mention “delivery address”.", "size or colour"),
    ("Puis-je changer la couleur de ma commande ?", "et l'adresse ?", "fr",
     "Nos articles d'aide ne mentionnent pas « adresse ».", "la taille ou la couleur"),
    ("Can I change the colour of my order?", "and the size?", "en", "You can change the size", "size or colour"),
    ("Do you sell tents?", "and backpacks?", "en", "Our help articles mention “backpacks” here:", "Tents and backpacks")])
def test_a_follow_up_on_another_thing_is_the_question_before_asked_of_it(before, follow_up, language, starts, quoted):
    """Trial 51b: "¿y con tarjeta de débito?" after cash on delivery got Klarna's instalments, "so that's a no?" the
    2 pm cut-off, "E posso pagar contra reembolso?" the returns ("reembolso" is also a refund)."""
    a = _asked_after(before, follow_up, language)
    assert a.answer is not None and a.answer.text.startswith(starts) and quoted in a.answer.text, (
        a.answer and a.answer.text, a.candidates)


@pytest.mark.parametrize("question, language", [("Vocês vendem tendas?", "pt"), ("do you sell tents?", "en"),
                                                 ("¿con qué puedo pagar?", "es")])
def test_a_question_on_what_the_shop_sells_or_accepts_is_no_dissatisfaction(question, language) -> None:
    """Trial 51b: "Vocês vendem tendas?" read as dissatisfied (0.66) and got "Lamento que isto seja frustrante"."""
    a = demo_shop_with_topics().analyze(question, language=language)
    assert not a.frustration.fired, a.frustration


@pytest.mark.parametrize("question, language, person", [
    # a lawyer is no one of the team: the Legal topic brings one in (trial 51c: routed as a plain request)
    ("quero falar com um advogado", "pt", False), ("I want to talk to my lawyer", "en", False),
    ("I want to talk to a person, not a lawyer", "en", True)])
def test_talking_to_a_lawyer_is_no_request_for_the_team_but_the_legal_topic(question, language, person) -> None:
    a = demo_shop_with_topics().analyze(question, language=language)
    assert a.human_request.fired is person, a.human_request
    assert a.restricted_topic is not None and a.restricted_topic.name == "Legal", a.restricted_topic


@pytest.mark.parametrize("question, language, person", [
    ("Do you accept Maestro?", "en", False), ("Akzeptieren Sie Maestro?", "de", False),
    # a way of paying with a request beside it is still a request
    ("can I pay by card or talk to someone?", "en", True)])
def test_a_way_of_paying_asked_about_is_no_request_for_a_person(question, language, person) -> None:
    """Trial 51b: "Do you accept Maestro?" was handed off; "Akzeptieren Sie Maestro?" read as asking for a person
    (0.52: "maestro" is a master, a teacher)."""
    a = demo_shop_with_topics().analyze(question, language=language)
    assert a.human_request.fired is person, a.human_request
    if not person:
        assert a.answer is not None and "Maestro" in a.answer.text.split(".")[0] and "Visa, Mastercard" in a.answer.text


def test_a_follow_up_on_something_no_article_mentions_is_not_answered_from_another() -> None:
    """Trial 51b: "et des kayaks ?" after "Vous vendez des vestes ?" got the gift cards."""
    bot = demo_shop(translated=True)
    a = bot.analyze("et des kayaks ?", history=_after_an_answer(bot, "Vous vendez des vestes ?", "fr"), language="fr")
    assert a.answer is None, a.answer.text


@pytest.mark.parametrize("question, language", [
    ("do you sell bicycles?", "en"), ("Vendem bicicletas?", "pt"), ("Do you sell kayaks and canoes?", "en"),
    ("Verkaufen Sie Fahrräder?", "de")])
def test_something_no_article_mentions_gets_no_answer_from_an_article_on_something_else(question, language) -> None:
    """Trial of 4 Dec: "do you sell bicycles?" got the gift cards. Nothing is answered; the turn offers a person."""
    a = demo_shop(translated=True).analyze(question, language=language)
    assert a.answer is None and a.out_of_scope.fired, (a.answer and a.answer.text, a.candidates)


def test_a_place_said_to_be_missing_keeps_the_other_question_of_the_message() -> None:
    """Trial 51: "¿hacéis envíos a Canarias? ¿Y cuánto cuesta el envío exprés?" answered the Canaries only."""
    a = demo_shop(translated=True).analyze("¿hacéis envíos a Canarias? ¿Y cuánto cuesta el envío exprés?", language="es")
    assert a.answer is not None and a.answer.text.startswith("No veo Canarias"), a.answer and a.answer.text
    assert "España y Portugal" in a.answer.text and "9,95 euros" in a.answer.text
    assert a.answer.text.count("De nuestro artículo") == 1


@pytest.mark.parametrize("question, said, quoted", [
    ("¿Tenéis tienda en Barcelona?", "No veo Barcelona en nuestros artículos de ayuda.", "Nuestra tienda de Madrid"),
    ("Do you have a store in Barcelona?", "I don't see Barcelona in our help articles.", "Our Madrid store"),
    ("¿Hacéis envíos a Canarias?", "No veo Canarias en nuestros artículos de ayuda.", "España y Portugal"),
    # a place the articles have is no missing one, nor is a month
    ("Is there a shop in Lisbon?", "", "Our Lisbon store"), ("Is the Madrid store open in December?", "", "Our Madrid")])
def test_a_place_the_articles_do_not_have_is_said_to_be_missing(question, said, quoted) -> None:
    """Trial of 4 Dec: "¿Tenéis tienda en Barcelona?" got the store pickup, "¿Hacéis envíos a Canarias?" the same-day
    dispatch, as if the shop were there; now said to be missing, with the passage naming the places it has."""
    a = demo_shop(translated=True).analyze(question)
    assert a.answer is not None and quoted in a.answer.text, (a.answer and a.answer.text, a.candidates)
    assert a.answer.text.startswith(said) and (said != "" or "articles" not in a.answer.text.split(quoted)[0])


@pytest.mark.parametrize("question, said", [
    ("How much does shipping to the UK cost?", "Our help articles don't give a price for that."),
    ("¿Cuánto cuesta enviar al Reino Unido?", "Nuestros artículos de ayuda no dan un precio para eso."),
    # a price or a time the article gives, written out or in figures, is no missing one
    ("How much does shipping to Germany cost?", ""), ("How long is the warranty?", ""),
    ("How long is the password reset link valid?", "")])
def test_a_price_or_time_the_article_does_not_give_is_said_to_be_missing(question, said) -> None:
    """Trial of 4 Dec: "How much does shipping to the UK cost?" got the countries served and their delivery time, and
    no word on the price."""
    a = demo_shop(translated=True).analyze(question)
    assert a.answer is not None, a.candidates
    assert a.answer.text.startswith(said) and (said != "" or "help articles" not in a.answer.text), a.answer.text


def test_the_demo_shop_does_not_answer_what_its_articles_do_not_cover() -> None:
    """Off-topic questions a visitor tried on the demo shop (30 Nov): "send money to another person" was
    answered with the returns article's "send it back the same way" at the old threshold (0.2)."""
    bot = demo_shop()
    for question in ("how do I send money to another person?", "what's the weather in Madrid?",
                     "I'd like to open a savings account", "what's my current balance?"):
        a = bot.analyze(question)
        assert a.answer is None and a.out_of_scope.fired, (question, a.candidates)


@pytest.mark.parametrize("question, title", [
    ("I do NOT want to talk to a person, just tell me the return window", "Returns and exchanges"),
    ("I don't want an agent, only tell me the return window", "Returns and exchanges"),
    ("¿Se puede pagar con PayPal?", "Payment methods"),
    ("Est-ce que je peux payer avec PayPal ?", "Payment methods"),
    # the refusal in another language: the question alone is read on the multilingual vectors (trial of 2 Dec)
    ("No necesito hablar con una persona, solo dime cuánto tarda el envío a Francia", "Shipping times"),
])
def test_the_demo_shop_answers_past_a_refusal_and_in_other_languages(question: str, title: str) -> None:
    """A refusal of a person drowned the question in the message's embedding, so the question is also read alone;
    the payment article's example question is matched across languages too (trials of 1 Dec)."""
    a = demo_shop().analyze(question)
    assert a.answer is not None and a.answer.title == title, (question, a.candidates)


@pytest.mark.parametrize("question", ["¿cuál es la política de devoluciones?", "¿cuánto dura la garantía?",
                                      "quelle est votre politique de retour ?"])
def test_a_question_in_another_language_is_not_drawn_to_the_article_whose_examples_share_its_language(question: str) -> None:
    """Example questions in Spanish on the payment article alone drew every Spanish question to it (trial of 1 Dec):
    the multilingual encoder puts two sentences of one language close whatever they ask."""
    a = demo_shop().analyze(question)
    assert a.answer is None or a.answer.title != "Payment methods", (question, a.candidates)


def test_the_question_a_long_message_ends_with_is_answered() -> None:
    """A long message drowns its question in the message's embedding (trial of 1 Dec, late night)."""
    story = "I have been a loyal customer for years and I really love your jackets and boots. " * 12
    a = demo_shop().analyze(story + "Anyway, when is the Lisbon store open on Sundays?")
    assert a.answer is not None and a.answer.title == "Store opening hours", a.candidates
    assert "Lisbon" in a.answer.passage


def test_a_long_story_is_answered_on_the_question_it_ends_with_not_on_its_opening() -> None:
    """The encoder reads a message's opening only: a story about boots that ends asking about delivery to Germany
    got the sizing guide (re-trial of 2 Dec). With no question to look up, the story's own answer stands."""
    story = "I bought the Trail boots last month for a hike and they fit well, the leather is soft and warm. " * 20
    a = demo_shop().analyze(story + "Anyway: how many days does delivery to Germany take?")
    assert a.answer is not None and a.answer.title == "Shipping times", a.candidates
    b = demo_shop().analyze("How many days does delivery to Germany take? " + story)
    assert b.answer is not None and b.answer.title == "Shipping times", b.candidates


def test_a_short_follow_up_is_read_with_the_question_before_it_and_stays_on_its_article() -> None:
    asked = [Turn("visitor", "How long does standard shipping take to Portugal?"),
             Turn("ai", "Standard shipping takes 2 to 4 working days in Spain and Portugal…")]
    a = demo_shop().analyze("And is it free?", asked)
    assert a.answer is not None and a.answer.title == "Shipping times", a.candidates
    assert "free on orders over 60 euros" in a.answer.passage  # the passage that answers the follow-up
    # a new place is no follow-up on shipping times: the rest of the EU's days are not Switzerland's
    b = demo_shop().analyze("and to Switzerland?", asked)
    assert b.answer is None or b.answer.title != "Shipping times", b.answer
    # without the question before it, "is it free?" is answered from nothing
    assert demo_shop().analyze("And is it free?").answer is None


@pytest.mark.parametrize("before, follow_up", [
    ("¿Cuánto tarda el envío estándar a Portugal?", "¿Y es gratis?"),
    ("Combien de temps prend la livraison au Portugal ?", "Et c'est gratuit ?"),
    ("How long does standard shipping take to Portugal?", "and how much does it cost?"),
])
def test_a_follow_up_that_names_nothing_itself_stays_on_the_article_before_in_any_language(before, follow_up) -> None:
    """Trial of 1 Dec, night: the follow-up worked in English only. "is it free?" alone ranks the payment methods
    about as high as the shipping times, so it stays on the shipping times; a place it names moves it."""
    a = demo_shop().analyze(follow_up, [Turn("visitor", before)])
    assert a.answer is not None and a.answer.title == "Shipping times", a.candidates
    assert "60 euros" in a.answer.passage
    b = demo_shop().analyze("and for Norway?", [Turn("visitor", before)])
    assert b.answer is None or b.answer.title != "Shipping times", b.answer


@pytest.mark.parametrize("before, follow_up, title, says", [
    ("How long does shipping take to Portugal?", "and to Germany?", "Shipping times", "rest of the EU"),
    ("¿Cuánto tarda el envío a Portugal?", "¿y a Alemania?", "Shipping times", "rest of the EU"),
    ("Wie lange dauert der Versand nach Spanien?", "und nach Deutschland?", "Shipping times", "rest of the EU"),
    ("What are the opening hours of the Lisbon store?", "and in Madrid?", "Store opening hours", "Madrid store"),
    ("Can I pay with PayPal?", "and with Klarna?", "Payment methods", "Klarna"),
    # asked without a question mark, as visitors write (trial of 3 Dec: each was handed off, or got the
    # international article)
    ("how long does shipping take to spain and how much is it", "and to germany?", "Shipping times", "rest of the EU"),
    ("cuanto tarda el envio a madrid y cuanto cuesta", "y a alemania?", "Shipping times", "rest of the EU"),
    ("quanto tempo demora o envio para portugal e quanto custa", "e para a alemanha?", "Shipping times", "rest of the EU"),
    # a question before with no place in it: the place goes at its end
    ("how much does shipping cost", "and to germany?", "Shipping times", "4.95 euros"),
])
def test_a_follow_up_naming_another_place_or_thing_is_the_question_before_about_it(before, follow_up, title, says):
    """"and to Germany?" after the delivery times was handed off as a question with no answer (probes of 2 Dec)."""
    a = demo_shop().analyze(follow_up, [Turn("visitor", before), Turn("ai", "…")])
    assert a.answer is not None and a.answer.title == title and says in a.answer.passage, a.candidates


@pytest.mark.parametrize("follow_up", ["ok thanks. and how do I send one back?", "Great! Where do I do that?"])
def test_a_follow_up_after_thanks_that_points_back_stays_on_the_article_before(follow_up) -> None:
    """"ok cool. and how do I start one?" after the return policy was handed off (2 Dec): it opens with thanks, and
    alone its words rank nothing."""
    a = demo_shop().analyze(follow_up, [Turn("visitor", "What is your return policy?"),
                                        Turn("ai", "You can return unworn items within 30 days…")])
    assert a.answer is not None and a.answer.title == "Returns and exchanges", a.candidates


# --- Questions the knowledge base does not answer: a question like them is handed off, never answered ---
# Written for these tests: what visitors of the shop above ask that none of its articles answers.
NOT_COVERED = ("do you deliver on sundays", "is delivery possible on a Saturday?", "can I collect my order from your shop in Milan?",
               "do you sell gift cards?")


@pytest.fixture(scope="module")
def shop_with_gaps() -> KnowledgeIndex:
    return KnowledgeIndex.from_bytes(build_knowledge_index(SHOP, NOT_COVERED).to_bytes())


def test_a_question_like_one_the_knowledge_base_does_not_cover_is_not_answered(
        shop: KnowledgeIndex, shop_with_gaps: KnowledgeIndex) -> None:
    asked = "Will my parcel come on a Sunday?"  # not one of NOT_COVERED: worded differently
    before = Assistant(shop).analyze(asked)
    after = Assistant(shop_with_gaps).analyze(asked)
    assert before.answer is not None and before.answer.article_id == "delivery"  # the delivery times, wrongly
    assert after.answer is None and after.out_of_scope.fired and after.kb_confidence < before.kb_confidence


def test_questions_the_articles_answer_still_get_their_answer_beside_questions_not_covered(
        shop_with_gaps: KnowledgeIndex) -> None:
    bot = Assistant(shop_with_gaps)
    for question, (article, words) in {"How long does delivery take to Germany?": ("delivery", "rest of Europe"),
                                       "What is your return policy?": ("returns", "within 45 days"),
                                       "How long until my refund arrives?": ("returns", "5 working days"),
                                       "is there a size chart in cm?": ("sizes", "size chart")}.items():
        a = bot.analyze(question)
        assert a.answer is not None and a.answer.article_id == article, (question, a.candidates)
        assert words in a.answer.passage


def test_a_question_not_covered_is_never_an_answer_nor_a_candidate(shop_with_gaps: KnowledgeIndex) -> None:
    a = Assistant(shop_with_gaps, kb_threshold=0.0).analyze("do you sell gift cards?")
    assert {article for article, _ in a.candidates} <= {"returns", "sizes", "delivery"}
    assert a.answer is None or "gift cards" not in a.answer.text
    assert shop_with_gaps.not_covered == len(NOT_COVERED) and len(shop_with_gaps) == len(SHOP)


def test_one_article_with_questions_not_covered_is_less_sure_of_questions_like_them() -> None:
    """One article alone has no classifier (every question is "most like" it); questions not covered give it one."""
    alone = Assistant(build_knowledge_index([SHOP[2]]))
    bot = Assistant(build_knowledge_index([SHOP[2]], NOT_COVERED))
    assert bot.knowledge.classifier is not None
    asked = "Will my parcel come on a Sunday?"
    assert bot.analyze(asked).kb_confidence < alone.analyze(asked).kb_confidence
    a = bot.analyze("How much does delivery cost?")
    assert a.answer is not None and "80 euros" in a.answer.passage


def test_questions_not_covered_without_articles_make_an_empty_knowledge_base() -> None:
    index = build_knowledge_index([], NOT_COVERED)
    assert index.empty and Assistant(index).analyze("do you sell gift cards?").candidates == ()


def test_an_index_stored_before_questions_not_covered_scores_as_it_did(shop: KnowledgeIndex) -> None:
    """Indexes stored before this release have no `not_covered` attribute: they load and score unchanged."""
    old = KnowledgeIndex.from_bytes(build_knowledge_index(SHOP).to_bytes())
    del old.__dict__["not_covered"]
    question = "Will my parcel come on a Sunday?"
    assert Assistant(old).analyze(question).candidates == Assistant(shop).analyze(question).candidates


def test_two_articles_share_the_probability_as_scikit_learn_computes_it() -> None:
    """With two classes scikit-learn keeps one row of weights; the per-question softmax must read it as a
    sigmoid (it once gave both articles probability 1, so a two-article base ranked by similarity alone)."""
    index = build_knowledge_index(SHOP[1:])
    question = "How much does delivery cost?"
    q_emb = Assistant(index).encoder.encode_one(question)
    x = np.hstack([q_emb, l2_rows(index.tfidf.transform([question])).toarray().ravel()])[None, :]
    ours = index._article_proba(l2_rows(index.tfidf.transform([question])), q_emb)
    assert np.allclose(ours, index.classifier.predict_proba(x)[0], atol=1e-6)
    confidence = dict(Assistant(index).analyze(question).candidates)
    assert confidence["delivery"] > 0.4 > confidence["sizes"]


# --- Questions in other languages than the knowledge base's English ---------------------------------------

def test_a_question_in_another_language_is_answered_from_the_english_article(shop: KnowledgeIndex) -> None:
    """MiniLM is English-only: "¿Cuánto tarda el envío?" found no article (issue 15). The multilingual
    encoder ranks a question not in English; the reply introduces the article in the visitor's language.
    (Its confidences run lower than English ones: the Portuguese question ranks right but, at 0.29, stays
    under the default threshold; docs/assistant.md.)"""
    bot = Assistant(shop)
    cases = {"¿Cuánto tarda el envío?": "delivery", "Combien coûte la livraison ?": "delivery",
             "Wie kann ich etwas zurückschicken?": "returns", "Os vossos casacos são grandes?": "sizes"}
    for question, article in cases.items():
        a = bot.analyze(question)
        assert a.language != "en" and a.candidates[0][0] == article, (question, a.candidates)
    a = bot.analyze("¿Cuánto tarda el envío?")
    assert a.language == "es" and a.answer is not None and a.answer.article_id == "delivery"
    assert "De nuestro artículo «Delivery times»" in a.answer.text and a.answer.text.endswith(a.answer.url)
    # without the multilingual vectors, the question's shop words read in English still find it (glossary.py) ...
    assert Assistant(replace(shop, emb_multi=None)).analyze("¿Cuánto tarda el envío?").answer.article_id == "delivery"
    # ... and a question with none of them does not
    assert Assistant(replace(shop, emb_multi=None)).analyze("¿Cuánto se tarda?").answer is None


@pytest.mark.parametrize("question, lang", [("¿Cuál es vuestra política de devoluciones?", "es"),
                                            ("Quelle est votre politique de retour ?", "fr"),
                                            ("Wie sind Ihre Bedingungen für Rücksendungen?", "de"),
                                            ("Qual é a vossa política de devoluções?", "pt")])
def test_a_return_policy_question_in_another_language_finds_the_returns_article(question: str, lang: str) -> None:
    """Trial of 2 Dec: "Hola, ¿cuál es vuestra política de devoluciones?" was handed off (0.17 on the multilingual
    reading alone: it is as close to "Which payment methods do you accept?"); its shop words read in English find it.
    (The Portuguese one ranked the returns article at 0.25, under the demo's 0.26, until the glossary reading also
    dropped the language's own function words: docs/assistant.md.)"""
    from conversations.assistant.glossary import in_english

    assert in_english(question, lang) is not None
    a = demo_shop().analyze(question)
    assert a.language == lang and a.answer is not None and a.answer.title == "Returns and exchanges", a.candidates


@pytest.mark.parametrize("filler", ["actually, ", "by the way, ", "Oh, ", "por cierto, "])
def test_a_word_that_opens_a_question_and_says_nothing_of_it_changes_nothing(filler: str) -> None:
    """Trial of 2 Dec: "actually, do you ship to Canada?" found no article where "Do you ship to Canada?" did."""
    bot = demo_shop()
    plain = bot.analyze("Do you ship to Canada?")
    a = bot.analyze(f"{filler}do you ship to Canada?")
    assert a.answer is not None and a.answer.title == plain.answer.title == "International shipping", a.candidates


def test_a_question_in_another_language_that_no_article_answers_is_not_answered(shop: KnowledgeIndex) -> None:
    bot = Assistant(shop)
    for question in ("¿Cuál es la capital de Australia?", "Je voudrais ouvrir un compte bancaire",
                     "Wie wird das Wetter morgen?"):
        a = bot.analyze(question)
        assert a.answer is None and a.out_of_scope.fired, (question, a.candidates)


def test_english_questions_are_scored_as_before_the_multilingual_vectors(shop: KnowledgeIndex) -> None:
    """The multilingual reading only ever adds to a question not in English; an index built before it
    (no multilingual vectors) scores every question as it did, a Spanish one included."""
    older = replace(shop, emb_multi=None, multi_classifier=None)
    bot = Assistant(shop)
    for question in ("how long does delivery take?", "do your coats run large?", "how do I return a coat?"):
        q_emb = bot.encoder.encode_one(question)
        m_emb = bot.ml_encoder.encode_one(question)
        assert shop.score(question, q_emb, m_emb, "en") == older.score(question, q_emb, m_emb, "en") \
            == older.score(question, q_emb)
    spanish = "¿Y si me quedan grandes?"  # (no shop word of the glossary in it)
    assert Assistant(older).analyze(spanish).answer is None
    assert Assistant(shop).analyze("¿Cuánto tarda el envío?").answer is not None


@pytest.mark.parametrize("question, lang, title, words", [
    ("¿Cuál es vuestra política de devoluciones?", "es", "Devoluciones y cambios", "30 días"),
    ("Quelle est votre politique de retour ?", "fr", "Retours et échanges", "30 jours"),
    ("Wie sind Ihre Bedingungen für Rücksendungen?", "de", "Rücksendungen und Umtausch", "30 Tagen"),
    ("Qual é a vossa política de devoluções?", "pt", "Devoluções e trocas", "30 dias"),
    ("¿Cuánto cuesta el envío exprés a Madrid?", "es", "Plazos de envío", "9,95 euros"),
    ("el pedido nunca llegó", "es", "Paquetes retrasados o perdidos", "investigación"),
])
def test_a_visitor_in_another_language_is_quoted_from_the_articles_translation(question, lang, title, words) -> None:
    """Before, a Spanish visitor got the English passage under a Spanish "From our article" line."""
    a = demo_shop(translated=True).analyze(question)
    assert a.language == lang and a.answer is not None and a.answer.title == title, a.candidates
    assert words in a.answer.passage and a.answer.url.endswith(f"?lang={lang}"), a.answer.passage
    assert a.answer.text.startswith(a.answer.passage[:40]) and a.answer.text.endswith(a.answer.url)


def test_how_long_in_spanish_is_not_how_much() -> None:
    """Trial 55: "no me pases con nadie, solo dime cuánto tarda el envío" got the shipping cost: the glossary read
    "cuánto" as "how much" and "tarda" as "take"; "cuánto tarda" is how long."""
    a = demo_shop().analyze("no me pases con nadie, solo dime cuánto tarda el envío", language="es")
    assert a.answer is not None and "working days" in a.answer.passage, a.answer


@pytest.mark.parametrize("lang, question, article, passage", [
    # sure as written, wrongly: "Plazos de envío" is the shipping article's Spanish title, and "Paket … angekommen"
    # was enough for the multilingual reading to pick the late parcels
    ("es", "¿se puede pagar a plazos?", "Payment methods", "tres plazos sin intereses"),
    ("de", "Mein Paket ist beschädigt angekommen", "Product warranty", "beschädigt an"),
    ("fr", "mon colis est arrivé abîmé", "Product warranty", "arrive endommagée"),
    ("pt", "a minha encomenda chegou danificada", "Product warranty", "chegar danificada"),
    # handed off as unanswered: "have to" (dois, muss ich, tenho de, hay que), fees, a crushed box, a torn jacket
    ("fr", "est ce que je dois payer des frais de douane", "International shipping", "droits de douane"),
    ("de", "muss ich zoll zahlen", "International shipping", "Zölle"),
    ("pt", "tenho de pagar alfandega?", "International shipping", "direitos aduaneiros"),
    ("es", "¿hay que pagar aduanas?", "International shipping", "aranceles"),
    ("de", "mein paket kam kaputt an, der karton war eingedrückt und die jacke ist zerrissen", "Product warranty",
     "beschädigt an"),
    # "Raten" was handed off; answered, it got the cards: the paragraph the English article answers it with, quoted
    # from the translation at the same place
    ("de", "Kann ich in Raten zahlen?", "Payment methods", "mit Klarna auch in drei zinsfreien Raten"),
    ("pt", "Posso pagar em prestações?", "Payment methods", "três prestações sem juros"),
])
def test_a_question_in_another_language_gets_the_paragraph_its_glossary_reading_finds(lang, question, article, passage):
    """Trials of 2 and 3 Dec: each got the wrong paragraph or was handed off. A reading as written is now checked
    against the glossary's (English shop words, for MiniLM) unless it is very sure (`GLOSS_BELOW`)."""
    bot = demo_shop(translated=True)
    a = bot.analyze(question, language=lang)
    assert a.answer is not None and bot.knowledge.titles[bot.knowledge.article_ids.index(a.answer.article_id)] == article
    assert passage in a.answer.passage, a.answer.passage


@pytest.mark.parametrize("lang, question, article", [
    ("es", "¿Puedo cambiar la talla de mi pedido?", "Changing or cancelling an order"),
    ("en", "can I change the size of my order before it ships?", "Changing or cancelling an order"),
    ("de", "Kann ich meine Bestellung noch ändern?", "Changing or cancelling an order"),
    ("en", "my shoes don't fit, can I get another size?", "Returns and exchanges"),
    ("pt", "Quero devolver umas botas, são pequenas demais", "Returns and exchanges"),
])
def test_changing_an_order_before_it_ships_is_not_exchanging_what_arrived(lang, question, article) -> None:
    """Trial of 4 Dec: "¿Puedo cambiar la talla de mi pedido NW-10002?" on an order still being prepared got "send it
    back and choose Exchange" instead of "Edit order until it ships"."""
    bot = demo_shop(translated=True)
    a = bot.analyze(question, language=lang)
    assert a.answer is not None and bot.knowledge.titles[bot.knowledge.article_ids.index(a.answer.article_id)] == article


def test_translations_change_nothing_for_english_visitors() -> None:
    """The classifier and the similarities of an English question see the articles as written only: the
    translations neither take English answers nor make off-topic English questions surer (docs/assistant.md)."""
    questions = [json.loads(line)["question"] for line in (Path(__file__).resolve().parents[2] / "conversations"
                 / "assistant" / "checksets" / "kb_passages_demo.jsonl").read_text().splitlines() if line.strip()]
    questions += ["how do I send money to another person?", "what's the weather in Madrid?", "my order never arrived!!!"]
    plain, translated = demo_shop(), demo_shop(translated=True)
    for q in questions:
        a, b = plain.analyze(q), translated.analyze(q)
        assert a.candidates == b.candidates, q
        assert (a.answer and (a.answer.title, a.answer.passage)) == (b.answer and (b.answer.title, b.answer.passage)), q


def test_the_conversations_language_decides_a_message_whose_words_fit_two_languages() -> None:
    """Trial of 2 Dec: a German browser's "Gibt es Geschenkkarten?" was read as Spanish ("es"), and the answer and
    the whole widget turned Spanish. The conversation's language (at first the browser's) breaks such a tie."""
    bot = demo_shop(translated=True)
    german = bot.analyze("Gibt es Geschenkkarten?", (), "de")
    assert german.language == "de" and german.answer is not None and german.answer.title == "Geschenkkarten"
    assert bot.analyze("Problema?", (), "pt").language == "pt" and bot.analyze("Problema?", (), "es").language == "es"
    assert bot.analyze("Do you ship to Canada?", (), "de").language == "en"  # the words decide when they can
    assert bot.analyze("aceptais bizum?", (), "").language == "es"


def test_a_follow_up_naming_a_new_place_is_read_with_the_question_before_even_when_it_finds_an_article_alone() -> None:
    """Re-trial of 2 Dec: with the shop's Spanish articles, "¿y a Alemania?" alone reached the international article
    (0.26, over the threshold) and was answered from it; asked with the question before, it is the EU delivery times."""
    bot = demo_shop(translated=True)
    before = "¿Cuánto tarda el envío a Portugal?"
    a = bot.analyze("¿y a Alemania?", [Turn("visitor", before), Turn("ai", bot.analyze(before, (), "es").answer.text)], "es")
    assert a.answer is not None and a.answer.title == "Plazos de envío" and "resto de la UE" in a.answer.passage
    swiss = bot.analyze("and to Switzerland?", [Turn("visitor", "How long does shipping take to Portugal?")])
    assert swiss.answer is None or swiss.answer.title != "Shipping times"  # only the international article names it


def _conversation(bot: Assistant, lang: str, *messages: str):
    """Each message's analysis, read with the conversation so far (the visitor's messages and the answers)."""
    history, out = [], []
    for message in messages:
        a = bot.analyze(message, tuple(history), lang)
        out.append(a)
        history += [Turn("visitor", message), Turn("ai", a.answer.text if a.answer else "I couldn't find an answer.")]
    return out


@pytest.mark.parametrize("lang, messages, article, passage", [
    # trial of 4 Dec: "how long?" after "and to Switzerland?" was handed off as unanswered; "wie lange dauert das?"
    # after "und in die Schweiz?" got the EU's times
    ("en", ["Do you ship to Germany?", "and to Switzerland?", "how long?"], "International shipping", "5 to 10"),
    ("de", ["Liefert ihr nach Österreich?", "und in die Schweiz?", "wie lange dauert das?"], "International shipping",
     "5 bis 10"),
    # "e tenho de pagar o envio?" after a return got the shipping price, not what a return costs
    ("pt", ["Quero devolver umas botas, são pequenas demais", "e tenho de pagar o envio?"], "Returns and exchanges",
     "6,95"),
    # "and what about backpacks?" after the warranty on tents was handed off; "et pour les sacs à dos ?" got returns
    ("en", ["What's your warranty on tents?", "and what about backpacks?"], "Product warranty", "backpacks"),
    ("fr", ["Quelle est la garantie sur les tentes ?", "et pour les sacs à dos ?"], "Product warranty", "sacs à dos"),
    # re-trial of 4 Dec: a return's price after delivery to France got the shipping price
    ("en", ["How long does delivery to France take?", "How much does a return cost?"], "Returns and exchanges",
     "6.95 euros"),
    ("en", ["how long to the US?", "and is shipping free?"], "International shipping", ""),
])
def test_a_follow_up_is_asked_of_what_the_visitor_was_asking_about(lang, messages, article, passage) -> None:
    bot = demo_shop(translated=True)
    last = _conversation(bot, lang, *messages)[-1]
    assert last.answer is not None, messages
    assert bot.knowledge.titles[bot.knowledge.article_ids.index(last.answer.article_id)] == article
    assert passage in last.answer.passage, last.answer.passage


def test_a_new_question_after_an_answer_is_not_read_as_a_follow_up() -> None:
    bot = demo_shop(translated=True)
    last = _conversation(bot, "en", "How do I return boots that are too small?", "how long does shipping take?")[-1]
    assert last.answer is not None and last.answer.title == "Shipping times", "not the refund's five days"


@lru_cache(maxsize=1)
def demo_shop_with_topics() -> Assistant:
    """The demo shop as `make run` seeds it: translated articles and its four restricted topics."""
    doc = json.loads((Path(__file__).resolve().parents[2] / "helpdesk" / "demo_workspace.json").read_text())
    topics = [Topic(t["name"], tuple(t["keywords"]), tuple(t["examples"])) for t in doc["policy"]["restricted_topics"]]
    shop = demo_shop(translated=True)
    return Assistant(shop.knowledge, topics, kb_threshold=shop.kb_threshold)


@pytest.mark.parametrize("question, language, words", [
    ("it says delivered but I never got it", "en", "proof of delivery"),
    ("the tracking says it was delivered but it is not here", "en", "proof of delivery"),
    ("zeigt zugestellt an, aber ich habe nichts bekommen", "de", "Zustellnachweis"),
    ("my parcel is late", "en", "investigation"), ("mi paquete no ha llegado", "es", "investigación")])
def test_a_parcel_shown_delivered_but_not_there_gets_what_to_do_from_the_late_parcels_article(question, language, words):
    """Re-trial of 4 Dec: "NW-10003 says delivered but I never got it" found no answer (0.25) and got the status alone."""
    a = demo_shop_with_topics().analyze(question, language=language)
    assert a.answer is not None and a.answer.article_id == "11", a.candidates
    assert words in a.answer.text, a.answer.text


@pytest.mark.parametrize("question, language", [
    ("et les retours ?", "fr"), ("como hago una devolucion", "es"), ("quero devolver uma camisola como faço", "pt")])
def test_a_returns_question_in_another_language_is_answered_not_taken_for_the_refunds_topic(question, language):
    """Trial of 3 Dec: "et les retours ?" was handed to a person as the restricted topic Refunds (high priority): on the
    multilingual vectors it sits near the example "where is my refund" (0.46) while the returns article answers it."""
    a = demo_shop_with_topics().analyze(question, language=language)
    assert a.restricted_topic is None, a.restricted_topic
    assert a.answer is not None and a.answer.article_id == "3", a.candidates


@pytest.mark.parametrize("question, language, topic", [
    ("¿Aceptáis pago contra reembolso?", "es", None), ("Acceptez-vous le paiement contre remboursement ?", "fr", None),
    ("Aceitam pagamento contra reembolso?", "pt", None),
    # the keyword itself still hands off
    ("Quiero un reembolso de mi pedido", "es", "Refunds"), ("Je veux être remboursé", "fr", "Refunds")])
def test_a_set_phrase_holding_a_topic_keyword_is_no_restricted_topic(question, language, topic) -> None:
    """Trial 51: "¿Aceptáis pago contra reembolso?" (cash on delivery) went to the refunds queue, high priority."""
    a = demo_shop_with_topics().analyze(question, language=language)
    assert (a.restricted_topic and a.restricted_topic.name) == topic, a.restricted_topic


@pytest.mark.parametrize("request_, language, topic", [
    ("je veux fermer mon compte", "fr", "Account deletion"), ("quero fechar a minha conta", "pt", "Account deletion"),
    ("il y a un paiement que je n'ai pas fait", "fr", "Billing disputes"),
    ("da ist eine Zahlung, die ich nicht gemacht habe", "de", "Billing disputes"),
    ("je veux récupérer mon argent", "fr", "Refunds"), ("ich will mein Geld wiederhaben", "de", "Refunds"),
    # the closest calls: 0.24 and 0.28 above the payment and returns articles
    ("hay un cargo en mi tarjeta que no reconozco", "es", "Billing disputes"), ("¿dónde está mi dinero?", "es", "Refunds")])
def test_a_topic_worded_without_its_keywords_in_another_language_still_outweighs_the_article_it_ranks(
        request_, language, topic):
    """... while the topic's requests, which the knowledge base also ranks an article for (the payment methods, the
    returns), stay with the topic: they are far closer to its examples than to that article."""
    a = demo_shop_with_topics().analyze(request_, language=language)
    assert a.restricted_topic is not None and a.restricted_topic.name == topic, (a.restricted_topic, a.candidates)


def test_a_follow_up_pointing_back_is_answered_about_the_question_before_it_not_alone() -> None:
    """Trial of 3 Dec: "do you ship to Norway?" then "and how long does it take?": alone the follow-up found the
    delivery times of Spain and Portugal, so the visitor read two different times for Norway. "It" is the shipping to
    Norway: the international article answers it."""
    bot = demo_shop()
    history = (Turn("visitor", "do you ship to Norway?"), Turn("ai", "We ship to the United Kingdom, Switzerland, Norway…"))
    a = bot.analyze("and how long does it take?", history=history)
    assert a.answer is not None and a.answer.title == "International shipping", a.candidates
    assert "5 to 10 working days" in a.answer.passage
    # a follow-up with a subject of its own is not read with the question before it
    a = bot.analyze("and what is your return policy?", history=history)
    assert a.answer is not None and a.answer.title == "Returns and exchanges", a.candidates
    # nor is the same question with no question before it
    a = bot.analyze("and how long does it take?")
    assert a.answer is None or a.answer.title != "International shipping"


def test_how_a_thing_works_is_answered_from_its_opening_not_from_a_passage_saying_working_days() -> None:
    """Trial of 3 Dec: "how do returns work?" quoted the refund timing ("…within 5 working days…"): its "work" counted
    as a content word the passage held. The question is about returns as a whole: the 30-day rule."""
    a = demo_shop().analyze("How do returns work?")
    assert a.answer is not None and a.answer.title == "Returns and exchanges", a.candidates
    assert "within 30 days" in a.answer.passage, a.answer.passage


@pytest.mark.parametrize("before, follow_up, title, words", [
    ("do you sell gift cards?", "how much do they cost?", "Gift cards", "20 to 500 euros"),
    ("do you ship to Norway?", "how long?", "International shipping", "5 to 10 working days"),
    ("Comment retourner un article ?", "et c'est gratuit ?", "Returns and exchanges", ""),
])
def test_a_short_follow_up_with_they_or_a_bare_how_long_stays_on_the_question_before(before, follow_up, title, words):
    """Trial of 3 Dec: "do you sell gift cards?" then "how much do they cost?" was handed off in 10 of 30 bursts."""
    a = demo_shop().analyze(follow_up, history=(Turn("visitor", before),))
    assert a.answer is not None and a.answer.title == title, a.candidates
    assert words in a.answer.passage


def test_a_place_named_by_one_of_the_two_articles_ranked_near_the_threshold_decides() -> None:
    """Trial of 3 Dec: "do you ship to Portugal?" was handed off: the international article ranked it 0.24, the delivery
    times (which name Spain and Portugal) 0.23, under the threshold 0.25. A place no article names decides nothing."""
    a = demo_shop().analyze("do you ship to Portugal?")
    assert a.answer is not None and a.answer.title == "Shipping times", a.candidates
    assert "Portugal" in a.answer.passage
    assert demo_shop().analyze("do you ship to Atlantis?").answer is None


def test_a_follow_up_of_a_follow_up_stays_on_the_question_they_both_follow() -> None:
    """Re-trial of 3 Dec: "do you ship to Norway?", "and how long does it take?" (the international article), then
    "how long?" got the delivery times of Spain: it was read with the follow-up before it, not the question."""
    history = (Turn("visitor", "do you ship to Norway?"), Turn("ai", "We ship to…"),
               Turn("visitor", "and how long does it take?"), Turn("ai", "International orders take 5 to 10 working days."))
    a = demo_shop(translated=True).analyze("how long?", history=history)
    assert a.answer is not None and a.answer.title == "International shipping", a.candidates


def test_a_french_follow_up_with_its_question_mark_spaced_off_is_still_three_words() -> None:
    a = demo_shop(translated=True).analyze("et c'est gratuit ?", history=(Turn("visitor", "Comment retourner un article ?"),),
                                           language="fr")
    assert a.answer is not None and a.answer.article_id == "3", a.candidates


@pytest.mark.parametrize("before, follow_up, language", [
    ("do you ship to the UK?", "how much does it cost?", "en"),
    ("Liefert ihr in die Schweiz?", "und wie lange dauert das?", "de"),
    ("Vocês enviam para a Suíça?", "quanto custa?", "pt"),
    ("¿Enviáis a Suiza?", "¿y cuánto tarda?", "es"),
    ("Vous livrez en Suisse ?", "et ça coûte combien ?", "fr"),
])
def test_a_follow_up_on_shipping_outside_the_eu_is_not_given_the_eus_times_or_prices(before, follow_up, language):
    """Trial of 3 Dec: after "do you ship to the UK?" (the international article), "how much does it cost?" read with it
    ranked the EU's prices first, and the visitor read 4.95 euros, which is the EU's; in German, Spanish, Portuguese
    the same with the EU's delivery times. "It" is the shipping abroad: only its article answers."""
    a = demo_shop(translated=True).analyze(follow_up, history=(Turn("visitor", before),), language=language)
    assert a.answer is not None and a.answer.article_id == "1", (a.answer and a.answer.title, a.candidates)


@pytest.mark.parametrize("question, language, words", [
    ("do you ship to Austria?", "en", "rest of the EU"),
    ("Do you ship to Italy?", "en", "rest of the EU"),
    ("Liefern Sie nach Österreich?", "de", "übrige EU"),
    ("livrez-vous en Belgique ?", "fr", "reste de l'UE"),
    ("¿hacéis envíos a Bélgica?", "es", "resto de la UE"),
    ("enviam para a Bélgica?", "pt", "resto da UE"),
    ("how much is shipping to Belgium?", "en", "4.95 euros"),
])
def test_a_country_of_the_eu_no_article_names_is_answered_from_the_article_naming_the_eu(question, language, words):
    """Trial of 4 Dec: "Liefern Sie nach Österreich?" and "livrez-vous en Belgique ?" got the international article's
    list of the UK, Switzerland, Norway and the US, which reads as "no"; "do you ship to Austria?" got a person."""
    a = demo_shop(translated=True).analyze(question, language=language)
    assert a.answer is not None and a.answer.article_id == "0", (a.answer and a.answer.title, a.candidates)
    assert words in a.answer.passage, a.answer.passage


@pytest.mark.parametrize("before, question, language, words", [
    ("", "Do you deliver to Canada?", "en", "United Kingdom, Switzerland, Norway"),
    ("", "do you ship to Mexico?", "en", "United Kingdom, Switzerland, Norway"),
    ("How long does shipping take?", "and to Canada?", "en", "United Kingdom, Switzerland, Norway"),
    ("¿Cuánto tarda el envío?", "¿y a Canadá?", "es", "Reino Unido, Suiza, Noruega"),
    ("Combien coûte la livraison en France ?", "et au Canada ?", "fr", "Royaume-Uni, en Suisse"),
    ("Quanto tempo demora o envio?", "e para o Brasil?", "pt", "Reino Unido, Suíça, Noruega"),
])
def test_a_country_outside_the_eu_no_article_names_gets_the_list_of_countries_served(before, question, language, words):
    """Trial of 4 Dec: "and to Canada?" after the delivery times got the EU's times again, "et au Canada ?" the EU's
    prices, "Do you deliver to Canada?" a person: the list of countries the shop ships to answers (it is not one)."""
    a = demo_shop(translated=True).analyze(question, history=(Turn("visitor", before),) if before else (),
                                           language=language)
    assert a.answer is not None and a.answer.article_id == "1", (a.answer and a.answer.title, a.candidates)
    assert words in a.answer.passage, a.answer.passage
    # and says the country asked of is not there, in the visitor's words (trial of 4 Dec: the list alone, never a word
    # on Canada)
    named = next(name for name in ("Canadá", "Canada", "Mexico", "Brasil") if name in question)
    assert a.answer.text.startswith(phrase("place_not_listed", language, place=named)), a.answer.text
    assert not demo_shop(translated=True).analyze("Do you ship to the UK?").answer.text.startswith("United"), \
        "a country the list names is no country missing from it"


@pytest.mark.parametrize("before, follow_up, language, words", [
    ("Wie kann ich etwas zurückschicken?", "und was kostet das aus Österreich?", "de", "6,95 Euro"),
    ("Como faço uma devolução?", "e quanto custa a partir de França?", "pt", "6,95 euros"),
    ("how do I send something back?", "and how much is it from Italy?", "en", "6.95 euros"),
    # re-trial of 4 Dec: read together, the shipping prices came first
    ("Comment faire un retour ?", "et ça coûte combien depuis la Belgique ?", "fr", "6,95 euros"),
])
def test_a_price_asked_from_a_place_after_a_return_is_the_returns(before, follow_up, language, words):
    """Trial of 4 Dec: "und was kostet das aus Österreich?" after the returns got the shipping price (4,95 Euro)."""
    a = demo_shop(translated=True).analyze(follow_up, history=(Turn("visitor", before),), language=language)
    assert a.answer is not None and a.answer.article_id == "3", (a.answer and a.answer.title, a.candidates)
    assert words in a.answer.passage, a.answer.passage


def _asked_after(before: str, follow_up: str, language: str = "en"):
    """The demo shop's (translated) reading of `follow_up` right after it answered `before`."""
    bot = demo_shop(translated=True)
    return bot.analyze(follow_up, history=_after_an_answer(bot, before, language), language=language)


def _after_an_answer(bot, question: str, language: str = "en") -> tuple[Turn, ...]:
    """The visitor's question and the assistant's answer to it, as the history of the message after."""
    answer = bot.analyze(question, language=language).answer
    assert answer is not None, question
    return Turn("visitor", question), Turn("ai", answer.text)


@pytest.mark.parametrize("before, follow_up, language, words", [
    ("Vocês enviam para o Brasil?", "então não?", "pt", "Enviamos para o Reino Unido"),
    ("Do you ship to Canada?", "so that's a no?", "en", "We ship to the United Kingdom"),
    ("¿Enviáis a Canadá?", "¿entonces no?", "es", "Enviamos al Reino Unido"),
    ("Liefert ihr nach Kanada?", "also nein?", "de", "Wir liefern ins Vereinigte Königreich")])
def test_asking_to_confirm_the_answer_before_gets_it_again(before, follow_up, language, words) -> None:
    """Trial 51c: "então não?" after Brazil was said not to be served was handed off; "so that's a no?" after Canada
    got the customs passage."""
    a = _asked_after(before, follow_up, language)
    assert a.answer is not None and words in a.answer.text, (a.answer and a.answer.text, a.candidates)


@pytest.mark.parametrize("before, follow_up, language, words", [
    ("What are the opening hours of the Lisbon store?", "and Madrid on Sunday?", "en", "Monday to Saturday"),
    ("¿Cuál es el horario de la tienda de Lisboa?", "¿y Madrid?", "es", "de lunes a sábado")])
def test_a_follow_up_naming_what_the_answer_before_names_stays_on_it(before, follow_up, language, words) -> None:
    """Trial 51b: "and Madrid on Sunday?" after the Lisbon store's hours was handed off (the delivery times name
    "Madrid time" too)."""
    a = _asked_after(before, follow_up, language)
    assert a.answer is not None and words in a.answer.text, (a.answer and a.answer.text, a.candidates)


@pytest.mark.parametrize("before, follow_up, language, words", [
    ("How long does delivery take?", "what if it doesn't arrive by Friday?", "en", "we open an investigation"),
    ("How long does delivery take?", "what if it doesnt arrive by friday?", "en", "we open an investigation"),
    ("¿Cuánto tarda el envío?", "¿y si no llega el viernes?", "es", "abrimos una investigación"),
    ("Wie lange dauert der Versand?", "und wenn es bis Freitag nicht ankommt?", "de", "Sendungsverfolgung"),
    ("Quanto tempo demora o envio?", "e se não chegar até sexta?", "pt", "investigação")])
def test_a_parcel_not_arriving_gets_the_article_on_late_parcels_not_the_delivery_times(before, follow_up, language,
                                                                                         words) -> None:
    """Trial 51 (and 50): "what if it doesn't arrive by Friday?" got the 2 pm cut-off, the late parcels second by 0.01."""
    a = _asked_after(before, follow_up, language)
    assert a.answer is not None and words in a.answer.text, (a.answer and a.answer.text, a.candidates)


@pytest.mark.parametrize("before, follow_up, language, words", [
    ("Can I pay with Klarna?", "for an order of 80 euros?", "en", "orders over 100 euros"),
    ("¿Puedo pagar con Klarna?", "¿y para un pedido de 80 euros?", "es", "más de 100 euros"),
    ("Puis-je payer avec Klarna ?", "et pour une commande de 80 euros ?", "fr", "plus de 100 euros"),
    ("Kann ich mit Klarna zahlen?", "und bei 80 Euro?", "de", "über 100 Euro"),
    ("How much is shipping?", "for an order of 50 euros?", "en", "free on orders over 60 euros"),
    # a question of its own with an amount is its own article's
    ("Can I pay with Klarna?", "how much is shipping for an order of 50 euros?", "en", "free on orders over 60 euros")])
def test_an_amount_asked_after_an_answer_setting_one_gets_that_passage_again(before, follow_up, language, words):
    """Trial of 4 Dec: "for an order of 80 euros?" after Klarna's instalments "on orders over 100 euros" found nothing
    and was handed off; in Spanish it got the shipping prices."""
    a = _asked_after(before, follow_up, language)
    assert a.answer is not None and words in a.answer.text, (a.answer and a.answer.text, a.candidates)


@pytest.mark.parametrize("before, follow_up, language, words", [
    # re-trial of 4 Dec: "how much?" after a return quoted the free size exchange
    ("How do I return a jacket?", "how much?", "en", "6.95 euros"),
    ("¿Cómo devuelvo una chaqueta?", "¿cuánto cuesta?", "es", "6,95 euros"),
    ("Comment retourner une veste ?", "combien ça coûte ?", "fr", "6,95 euros"),
    # after the size exchange, its own price: free
    ("Can I exchange for another size?", "how much?", "en", "exchanges for a different size are free"),
    # trial of 4 Dec: "how much?" after the delivery times was handed off (the question before it passed over as a
    # follow-up of its own)
    ("How long does shipping take?", "how much?", "en", "4.95 euros"),
])
def test_a_price_asked_right_after_an_answer_is_the_price_of_what_was_answered(before, follow_up, language, words):
    a = _asked_after(before, follow_up, language)
    assert a.answer is not None and words in a.answer.text, (a.answer and a.answer.text, a.candidates)


@pytest.mark.parametrize("before, question, language, words", [
    # trial of 4 Dec: the same-day dispatch (the example question "¿Cuánto tarda en llegar mi pedido?" led to it)
    ("", "¿Cuánto tardan los envíos a Alemania?", "es", "3 a 6 días laborables"),
    ("", "¿Cuántos días tarda un pedido en llegar a Francia?", "es", "3 a 6 días laborables"),
    # trial of 4 Dec: the countries shipped to, for naming Switzerland (the returns speak of "other countries")
    ("", "Combien coûte le retour depuis la Suisse ?", "fr", "6,95 euros"),
    # trial of 4 Dec: after the delivery times, the shipping price; the follow-up names returns itself
    ("Quanto tempo demora o envio?", "e quanto custa devolver de Portugal?", "pt", "gratuitas a partir de Espanha e Portugal"),
])
def test_a_question_in_another_language_gets_the_passage_giving_what_it_asks(before, question, language, words):
    bot = demo_shop(translated=True)
    a = bot.analyze(question, history=_after_an_answer(bot, before, language) if before else (), language=language)
    assert a.answer is not None and words in a.answer.text, (a.answer and a.answer.text, a.candidates)


@pytest.mark.parametrize("before, question, language, words", [
    # re-trial of 4 Dec: a person asked for, the shipping prices for "¿Cuándo me cobran el pedido?"
    ("", "When will my card be charged?", "en", "when your order ships"),
    ("", "¿Cuándo me cobran el pedido?", "es", "cuando tu pedido sale"),
    ("", "Quand ma carte sera-t-elle débitée ?", "fr", "à l'expédition"),
    # re-trial of 4 Dec: "You can change the size or colour…" in four languages, a person in English
    ("What are your store hours?", "can I pick up an online order there?", "en", "collected in store"),
    ("¿A qué hora abre la tienda?", "¿puedo recoger allí un pedido online?", "es", "recoger gratis en tienda"),
    ("", "gift vouchers?", "en", "Gift cards are available"), ("", "Gibt es Gutscheine?", "de", "Geschenkkarten gibt es"),
])
def test_what_visitors_asked_in_other_words_finds_the_demo_shops_answer(before, question, language, words):
    bot = demo_shop_with_topics()
    a = bot.analyze(question, history=_after_an_answer(bot, before, language) if before else (), language=language)
    assert a.answer is not None and words in a.answer.text, (a.answer and a.answer.text, a.candidates)


@pytest.mark.parametrize("text, topic", [
    # re-trial of 4 Dec: the masculine "débité" handed off, the feminine got the order's status
    ("J'ai été débitée deux fois pour la commande NW-10001. Pouvez-vous me rembourser ?", "Billing disputes"),
    ("Je voudrais être remboursée", "Refunds")])
def test_a_french_refund_or_double_charge_in_the_feminine_is_the_restricted_topic(text, topic):
    a = demo_shop_with_topics().analyze(text, language="fr")
    assert a.restricted_topic is not None and a.restricted_topic.name == topic, a.restricted_topic


@pytest.mark.parametrize("question, language", [
    # trial of 4 Dec: "Habt ihr ein Geschäft in Lissabon?" (0.93 of the threshold) was handed off
    ("Habt ihr ein Geschäft in Lissabon?", "de"), ("Do you have a shop in Lisbon?", "en"),
    ("Vocês têm loja em Lisboa?", "pt")])
def test_a_question_naming_what_only_the_article_ranked_first_names_is_answered_from_it(question, language):
    a = demo_shop_with_topics().analyze(question, language=language)
    assert a.answer is not None and a.answer.article_id == "9", a.candidates
    assert demo_shop_with_topics().analyze("What is the weather in Madrid?").answer is None, \
        "a name both ranked articles have decides nothing"


@pytest.mark.parametrize("before, follow_up, language, name", [
    # re-trial of 4 Dec: the hours of Madrid and Lisbon, as if they were Paris's
    ("What are your store hours?", "et à Paris ?", "fr", "Paris"),
    ("¿Cuál es el horario de la tienda de Lisboa?", "¿y en Barcelona?", "es", "Barcelona"),
    ("Can I pay with PayPal?", "and with Bitcoin?", "en", "Bitcoin"),
])
def test_a_follow_up_on_a_name_no_article_has_is_told_so_before_the_answer(before, follow_up, language, name):
    a = _asked_after(before, follow_up, language)
    assert a.answer is not None and a.answer.text.startswith(phrase("name_not_listed", language, name=name)), a.answer
    for known, again in (("Can I pay with PayPal?", "and with Klarna?"), ("How long does shipping take to Portugal?",
                                                                         "and to Germany?")):
        other = _asked_after(known, again).answer
        assert other is not None and not other.text.startswith("I don't see"), other.text


@pytest.mark.parametrize("before, word, language, words", [
    ("How long does delivery to Switzerland take?", "customs?", "en", "Customs duties"),
    ("Wie lange dauert der Versand in die Schweiz?", "Zoll?", "de", "Zölle"),
    ("How long does shipping take?", "express?", "en", "Express shipping"),
])
def test_a_word_asked_after_an_answer_gets_that_articles_passage_on_it(before, word, language, words):
    """Trial of 4 Dec: "customs?" and "Zoll?" after the international shipping were handed off as not found."""
    bot = demo_shop(translated=True)
    a = bot.analyze(word, history=_after_an_answer(bot, before, language), language=language)
    assert a.answer is not None and words in a.answer.text, (a.answer and a.answer.text, a.candidates)
    other = bot.analyze("Klarna?", history=_after_an_answer(bot, before, language), language=language).answer
    assert other is None or other.article_id != a.answer.article_id, "a word on something else is not that article's"


@pytest.mark.parametrize("question, language, both", [
    # re-trial of 4 Dec: by email, the price alone
    ("Wie kann ich eine Jacke zurückschicken und was kostet das aus Österreich?", "de", ("Mein Konto", "6,95 Euro")),
    ("How do I return a jacket and how much does it cost from Austria?", "en", ("My account", "6.95 euros")),
    # Germany is the EU's: its times and prices, not the list of countries outside it
    ("Do you ship to Germany and how much does it cost?", "en", ("rest of the EU", "4.95 euros")),
    # re-trial of 4 Dec: the price alone, the time alone (the two-word price question was no question)
    ("¿Cuánto tarda el envío a Portugal y cuánto cuesta?", "es", ("3 a 6 días", "4,95 euros")),
    ("Quanto tempo demora o envio para Portugal e quanto custa?", "pt", ("3 a 6 dias", "4,95 euros")),
    # re-trial of 4 Dec: the 30 days and the shipping price (the second part looked up alone)
    ("Wie lange habe ich Zeit für eine Rücksendung und was kostet sie aus Deutschland?", "de", ("30 Tagen", "6,95 Euro")),
    ("Combien de temps ai-je pour un retour et combien ça coûte depuis la Belgique ?", "fr", ("30 jours", "6,95 euros")),
    # trial of 4 Dec: by email, the price alone ("e é…" was no second question)
    ("Como faço a devolução e é grátis para Portugal?", "pt", ("A minha conta", "gratuitas a partir de Espanha e Portugal")),
    # trial of 4 Dec: two questions of two articles, the second ranking low in the whole message: the price alone
    ("¿Cuánto tarda el envío a Italia y puedo pagar con Bizum?", "es", ("3 a 6 días", "Bizum")),
    # re-trial of 4 Dec: a name the articles lack in one half, the other half lost
    ("Posso pagar com Google Pay e quanto custa o envio para Espanha?", "pt", ("Não vejo Google Pay", "4,95 euros")),
    ("Can I pay with Google Pay and how long does shipping to Spain take?", "en", ("I don't see Google Pay", "2 to 4 working")),
    # re-trial of 4 Dec: a second question opened by a verb, not a question word, was lost
    ("¿Puedo pagar con Mastercard y enviáis a Noruega?", "es", ("Aceptamos Visa", "Noruega")),
    # trial of 4 Dec: the size exchange lost (alone, the return's price ranks the shipping times a little ahead)
    ("Posso trocar o tamanho? Quanto custa a devolução para Portugal?", "pt", ("Troca", "gratuitas a partir de Espanha")),
])
def test_how_and_how_much_in_one_sentence_get_both_passages_of_the_article(question, language, both):
    a = demo_shop(translated=True).analyze(question, language=language)
    assert a.answer is not None and all(words in a.answer.text for words in both), (a.answer and a.answer.text)


@pytest.mark.parametrize("question", ["do you have a store in Austria?", "What is the weather in Italy?",
                                      "do you ship to Switzerland?"])
def test_a_country_outside_the_eu_or_a_question_not_on_shipping_is_not_given_the_eus_delivery_times(question):
    a = demo_shop(translated=True).analyze(question)
    assert a.answer is None or a.answer.article_id != "0", (a.answer.title, a.answer.passage)


@pytest.mark.parametrize("question", ["how long does delivery to the USA take?", "how long to the US?"])
def test_a_country_by_its_short_name_is_answered_from_the_article_writing_it_out(question):
    """Trial of 4 Dec: "how long to the US?" after Norway and the UK got the EU's delivery times."""
    a = demo_shop(translated=True).analyze(question)
    assert a.answer is not None and a.answer.title == "International shipping", (a.answer and a.answer.title, a.candidates)


@pytest.mark.parametrize("question, language", [
    ("How much does shipping to Norway cost?", "en"), ("how long does shipping to Switzerland take?", "en"),
    ("¿Cuánto cuesta el envío a Noruega?", "es"), ("Was kostet der Versand in die Schweiz?", "de"),
    ("How long does delivery to the United States take?", "en")])
def test_a_price_or_time_asked_for_a_country_outside_the_eu_is_not_the_eus(question, language):
    """Trial of 4 Dec: "How much does shipping to Norway cost?" got "Shipping is free on orders over 60 euros…", the EU's
    prices; the article that names Norway answers (or nothing does), never the EU's figures."""
    a = demo_shop(translated=True).analyze(question, language=language)
    assert a.answer is not None and a.answer.article_id == "1", (a.answer and a.answer.passage, a.candidates)


@pytest.mark.parametrize("before, follow_up, language, words", [
    ("do you ship to Austria?", "is it free?", "en", "60 euros"),
    ("Olá, enviam para Portugal?", "e é grátis?", "pt", "60 euros"),
])
def test_a_follow_up_after_a_place_answered_by_its_name_stays_on_that_article(before, follow_up, language, words):
    """Trial of 4 Dec: "is it free?" after the shipping to Austria or Portugal was answered was handed off."""
    a = demo_shop(translated=True).analyze(follow_up, history=(Turn("visitor", before),), language=language)
    assert a.answer is not None and a.answer.article_id == "0" and words in a.answer.passage, a.candidates


def test_a_place_in_a_question_on_another_subject_changes_nothing():
    a = demo_shop(translated=True).analyze("Can I pay with PayPal from Norway?")
    assert a.answer is not None and a.answer.title == "Payment methods", a.candidates


@pytest.mark.parametrize("before, follow_up, language", [
    ("Enviam para a Suíça?", "e quanto tempo demora?", "pt"),
    ("how long to the US?", "and is shipping free?", "en"),
    ("Vocês entregam nos Estados Unidos?", "quanto custa o envio?", "pt"),
])
def test_a_price_or_time_asked_after_a_place_is_that_places(before, follow_up, language):
    """Re-trial of 4 Dec: "e quanto tempo demora?" after Switzerland, "and is shipping free?" after the US got the EU's
    times and prices: four words, or "shipping", were no pointing back. A place asked of before is."""
    a = demo_shop(translated=True).analyze(follow_up, history=(Turn("visitor", before),), language=language)
    assert a.answer is not None and a.answer.article_id == "1", (a.answer and a.answer.passage, a.candidates)
    assert demo_shop(translated=True).analyze("and is shipping free?").answer.article_id == "0"  # no place before


@pytest.mark.parametrize("question, language", [("Was kostet der Versand nach Norwegen?", "de"),
                                                ("Do you deliver to Switzerland?", "en")])
def test_a_place_only_one_article_names_is_answered_from_it(question, language):
    """Re-trial of 4 Dec: the EU's prices for Norway (the delivery times name Spain, Portugal and the EU, not Norway);
    "Do you deliver to Switzerland?" handed off, near the threshold, though the article naming it answers."""
    a = demo_shop(translated=True).analyze(question, language=language)
    assert a.answer is not None and a.answer.article_id == "1", (a.answer and a.answer.passage, a.candidates)


@lru_cache(maxsize=1)
def phone_operator() -> Assistant:
    """A mobile operator's knowledge base written in English, with one article written in Spanish and one in German
    (no translations): a workspace that writes some articles in its customers' language (trial 52)."""
    bodies = {
        "Plans and prices": "Lite costs 12 euros a month with 5 GB of data. Plus costs 22 euros a month with 30 GB of "
                            "data and unlimited calls. Students under 26 get 20% off Plus.",
        "Porting your number": "You can keep your current phone number when you move to us: choose Keep my number "
                               "when you order the SIM. The port usually takes one working day. If the port is "
                               "rejected, the ID number does not match the one your old operator has.",
        "Billing dates": "Your bill is issued on the 1st of each month and the amount is taken by direct debit on "
                         "the 5th. You can download every bill as a PDF in the app.",
        "Cancelling your contract": "Contracts without a device can be cancelled at any time in the app under My "
                                    "lines, with no cancellation fee.",
        "Lost or stolen phone": "Block your line straight away in the app from another device or by calling the "
                                "support line. A replacement SIM costs 5 euros and keeps your number.",
        "Roaming": "Roam like at home: in every EU country your calls, SMS and data cost the same as at home.\n\n"
                   "Switzerland and the United Kingdom are not in the EU zone: there, buy the Travel Pass, 5 euros a "
                   "day for 1 GB.\n\nRest of the world (USA, Mexico, Morocco): calls cost 1.20 euros a minute.",
        "Tarifa Fibra + Móvil": "Nuestra tarifa Casa combina fibra óptica de 600 Mb con una línea móvil por 45 € al "
                                "mes. La instalación es gratuita y la hace un técnico en un plazo de 3 a 7 días. El "
                                "router se presta mientras dure el contrato y hay que devolverlo tras la baja.",
        "Geschäftskunden": "Für Selbstständige und Unternehmen bieten wir Business-Tarife ab 5 Leitungen. Jede "
                           "Leitung kostet 18 € im Monat ohne Mehrwertsteuer und enthält 40 GB Daten.",
    }
    return Assistant(build_knowledge_index([Article(str(i), title, body, url=f"https://phone.example/help/{i}/")
                                            for i, (title, body) in enumerate(bodies.items())]), kb_threshold=0.2)


@pytest.mark.parametrize("question, language, article", [
    ("¿cuánto tarda la portabilidad?", "es", None),  # (the porting article is found, or no answer: not the fibre)
    ("¿puedo llevarme mi número de Movistar?", "es", None),
    ("¿qué tiempo hará mañana?", "es", None),
    ("¿tenéis fibra en casa?", "es", "Tarifa Fibra + Móvil"),
    ("¿cuánto cuesta el router si no lo devuelvo?", "es", "Tarifa Fibra + Móvil"),
    ("Gibt es Business-Tarife?", "de", "Geschäftskunden"),
    ("do you have fibre internet for home?", "en", "Tarifa Fibra + Móvil"),
    ("how long does it take to port my number?", "en", "Porting your number"),
])
def test_an_article_written_in_another_language_than_most_takes_no_question_for_its_language_alone(
        question, language, article):
    """Trial 52: among English articles, the one written in Spanish answered every Spanish question (the porting time,
    "¿qué tiempo hará mañana?" at 0.37): MiniLM and the n-grams read the question's language before its meaning.
    It answers what it is about, in Spanish or in English, and nothing else."""
    a = phone_operator().analyze(question, language=language)
    got = a.answer.title if a.answer is not None else None
    if article is None:
        assert got in (None, "Porting your number"), (got, a.candidates)
    else:
        assert got == article, (got, a.candidates)


@pytest.mark.parametrize("question, language, article_id", [
    ("Can you recommend a good restaurant in Lisbon?", "en", None),
    ("¿Me recomiendas un buen restaurante en Lisboa?", "es", None),
    ("Do you have a shop in Lisbon?", "en", "9"),  # (the stores' hours)
    ("Is the Madrid one open late?", "en", "9"),
    ("Do you accept Bizum?", "en", "5"),  # (the ways of paying)
    ("Kann ich mit Bizum zahlen?", "de", "5"),
])
def test_a_name_only_one_article_has_answers_only_a_question_about_that_article(question, language, article_id):
    """Trial 51 and 52: "Can you recommend a good restaurant in Lisbon?" got the stores' hours, "what's the weather in
    Madrid tomorrow?" the shops': below the threshold, the one article naming a name the question gives answered.
    It still does when the question without the name is about that article."""
    a = demo_shop(translated=True).analyze(question, language=language)
    assert (a.answer.article_id if a.answer is not None else None) == article_id, a.candidates


@lru_cache(maxsize=1)
def demo_articles_alone() -> Assistant:
    """The demo shop's English articles as a new workspace has them: no translations, no example questions, the
    default threshold."""
    doc = json.loads((Path(__file__).resolve().parents[2] / "helpdesk" / "demo_workspace.json").read_text())
    return Assistant(build_knowledge_index([Article(str(i), a["title"], a["body"], url=f"https://shop.example/help/{i}/")
                                            for i, a in enumerate(doc["knowledge_base"])]))


@pytest.mark.parametrize("question, language, article_id", [
    ("Wie lange dauert die Lieferung nach Spanien?", "de", "0"),  # (the delivery times; 0.22 read as the English)
    ("¿Qué tiempo hace hoy en Madrid?", "es", None),
    ("Quel temps fait-il à Paris ?", "fr", None),
    ("Qual é a capital da Austrália?", "pt", None),
    ("Wer hat das Spiel gestern gewonnen?", "de", None),
])
def test_a_question_in_another_language_than_the_articles_is_measured_across_languages(question, language, article_id):
    """Both readings of a question run lower against articles in another language: the demo shop's English articles
    alone answered 70 of its 152 translated questions at the default threshold (no wrong one). Measured as across
    languages (ACROSS_SCALE), the delivery times answer in German; what no article is about still gets no answer."""
    a = demo_articles_alone().analyze(question, language=language)
    assert (a.answer.article_id if a.answer is not None else None) == article_id, a.candidates


@lru_cache(maxsize=1)
def operator_with_a_fraud_topic() -> Assistant:
    """A phone operator's SIM article and its restricted topic on fraud, configured as trial 52's admin did: keywords
    and examples, one of which names a SIM that stopped working."""
    sim = Article("sim", "Activating your SIM or eSIM",
                  "Physical SIM: insert the card, switch the phone on and wait up to 15 minutes. If you see SIM not "
                  "provisioned, restart the phone once.\n\neSIM: in the app, open My lines > Install eSIM and scan "
                  "the QR code. A replacement SIM costs 5 euros.", url="https://phone.example/help/sim/")
    plans = Article("plans", "Plans and prices", "Lite costs 12 euros a month with 5 GB of data. Plus costs 22 euros "
                    "a month with 30 GB.", url="https://phone.example/help/plans/")
    fraud = Topic("Fraud and SIM swap", keywords=("fraud", "sim swap", "hacked", "scam"),
                  examples=("someone ported my number without my permission",
                            "my SIM stopped working and my bank account was emptied",
                            "I got a suspicious call pretending to be the operator"))
    return Assistant(build_knowledge_index([sim, plans]), [fraud])


@pytest.mark.parametrize("message, fraud", [
    ("my new SIM card doesn't work", False),
    ("how much is a new SIM card?", False),
    ("I want an eSIM instead of a physical SIM", False),
    ("someone swapped my SIM without asking", True),
    ("my bank account was emptied after my SIM stopped working", True),
    ("I think this is a sim swap, my phone has no service", True),  # (its keyword)
])
def test_a_restricted_topic_near_an_article_by_one_example_leaves_the_article_its_questions(message, fraud):
    """Trial 52: every question naming a SIM went to the fraud team, urgent: "my new SIM card doesn't work" sat 0.61
    from "my SIM stopped working and my bank account was emptied" while the SIM article answers it (0.45). An example's
    closeness outweighs an answer only by TOPIC_OVER_KB; a keyword always."""
    a = operator_with_a_fraud_topic().analyze(message)
    assert (a.restricted_topic is not None) == fraud, (a.restricted_topic, a.candidates)
    if not fraud:
        assert a.answer is not None and a.answer.article_id == "sim", a.candidates


@pytest.mark.parametrize("question, language, quoted, not_said", [
    ("How much does roaming cost in Switzerland?", "en", "not in the EU zone", ""),
    ("does roaming work in Paris?", "en", "every EU country", "Paris"),
    ("I'm flying to Lisbon and then driving to Switzerland, will my phone work there?", "en", "every EU country", "Lisbon"),
])
def test_the_passage_of_the_place_asked_about_is_quoted(question, language, quoted, not_said):
    """Trial 52: "How much does roaming cost in Switzerland?" got the EU's roaming, a paragraph before the one naming
    Switzerland; "flying to Lisbon… will my phone just work?" got "I don't see Lisbon" and the rest of the world's
    prices: a city is its country's, and Portugal is in the EU."""
    a = phone_operator().analyze(question, language=language)
    assert a.answer is not None and a.answer.title == "Roaming" and quoted in a.answer.text, (a.answer, a.candidates)
    assert not not_said or not_said not in a.answer.text, a.answer.text
    if "Switzerland" in question:
        assert "Travel Pass" in a.answer.text, a.answer.text


@pytest.mark.parametrize("question, language, said", [
    ("¿cuánto tarda el envío a Valencia?", "es", ""),  # (Spain's times: Valencia is in Spain)
    ("how long does shipping to Munich take?", "en", ""),
    ("¿Tenéis tienda en Barcelona?", "es", "No veo Barcelona"),  # (the stores name Madrid and Lisbon, not Spain)
    ("Do you have a store in Paris?", "en", "I don't see Paris"),
])
def test_a_city_is_answered_as_its_country_where_the_article_names_it(question, language, said):
    a = demo_shop(translated=True).analyze(question, language=language)
    assert a.answer is not None, a.candidates
    if said:
        assert a.answer.text.startswith(said), a.answer.text
    else:
        assert "No veo" not in a.answer.text and "I don't see" not in a.answer.text, a.answer.text
        assert a.answer.article_id == "0", a.answer.title


@pytest.mark.parametrize("follow_up, quoted", [
    ("what about the US, we might go to New York in summer", "Rest of the world"),
    ("And is it the same price in the UK?", "Travel Pass"),
    ("what about the USA?", "Rest of the world"),
    ("I live in France and my bill is wrong", None),  # (about the bill, not the roaming in France)
])
def test_a_place_asked_after_an_answer_is_asked_of_that_answers_article(follow_up, quoted):
    """Trial 52: after Switzerland's roaming, "what about the US, we might go to New York in summer" and "And is it the
    same price in the UK?" found nothing alone and were handed off; "what about the US?" was told the US is not
    mentioned (the article writes "USA")."""
    bot = phone_operator()
    before = "How much does roaming cost in Switzerland?"
    first = bot.analyze(before)
    assert first.answer is not None and "Travel Pass" in first.answer.text, first.answer
    a = bot.analyze(follow_up, history=(Turn("visitor", before), Turn("ai", first.answer.text)))
    if quoted is None:
        assert a.answer is None or a.answer.title != "Roaming", a.answer
    else:
        assert a.answer is not None and a.answer.title == "Roaming" and quoted in a.answer.text, (a.answer, a.candidates)
        assert "mentioned" not in a.answer.text and "don't see" not in a.answer.text, a.answer.text


def test_the_price_to_a_city_is_the_price_not_the_time():
    """Re-trial 52: "How much is shipping to Munich?" got the delivery times (the EU's, for Munich's Germany)."""
    a = demo_shop(translated=True).analyze("How much is shipping to Munich?")
    assert a.answer is not None and "4.95 euros" in a.answer.text and "I don't see" not in a.answer.text, a.answer


@lru_cache(maxsize=1)
def phone_operator_check_set() -> Assistant:
    """The phone operator's articles of the `fresh_kb` check set (checksets/kb_phone_operator.json), as a new workspace
    has them: no example questions, the default threshold."""
    doc = json.loads((Path(__file__).resolve().parents[2] / "conversations" / "assistant" / "checksets"
                      / "kb_phone_operator.json").read_text())
    return Assistant(build_knowledge_index([Article(str(i), a["title"], a["body"], url=f"https://phone.example/{i}/")
                                            for i, a in enumerate(doc["knowledge_base"])]))


@pytest.mark.parametrize("question, title", [
    ("where do I find the PUK?", "Activating your SIM or eSIM"),
    ("can I change my IBAN?", "Billing dates and payment"),
    ("what's the weather in Madrid tomorrow?", None),  # (the shops name Madrid: no answer from them)
])
def test_a_term_of_the_trade_only_one_article_has_is_what_its_question_asks(question, title):
    """Re-trial 52: "where do I find the PUK?" was handed off right after an answer saying where (0.23; only the SIM
    article names the PUK); a name in capitals of three to five letters is such a term, not a place."""
    a = phone_operator_check_set().analyze(question)
    assert (a.answer.title if a.answer is not None else None) == title, a.candidates


@pytest.mark.parametrize("question", ["when do you take the money from my account?",
                                      "when is the bill paid from my account"])
def test_the_money_taken_is_no_way_of_paying_and_its_day_is_the_answer(question):
    """Stop 53: "when do you take the money from my account?" was declined ("no article mentions 'money'", read as a
    way of paying like "do you take cards?"); then quoted the PDF bills for "account". The billing article answers it
    with its passage giving the day of the month."""
    a = phone_operator_check_set().analyze(question)
    assert a.answer is not None and a.answer.title == "Billing dates and payment", a.candidates
    assert "on the 5th" in a.answer.text, a.answer.passage


@pytest.mark.parametrize("question, title", [("is there a student discount?", "Plans and prices"),
                                             ("no signal at home", "Network coverage and outages")])
def test_a_first_article_far_ahead_in_a_knowledge_base_of_articles_alone_answers(question, title):
    """Stop 53: in a new workspace's articles (no example questions), questions whose article leads every other by far
    were declined at 0.25-0.28; such a lead makes the first surer (knowledge.CLEAR_*). An index with questions not
    covered is read as before: its confidences already know the visitors' words."""
    a = phone_operator_check_set().analyze(question)
    assert a.answer is not None and a.answer.title == title, a.candidates
    doc = json.loads((Path(__file__).resolve().parents[2] / "conversations" / "assistant" / "checksets"
                      / "kb_phone_operator.json").read_text())
    taught = build_knowledge_index([Article(str(i), d["title"], d["body"], url=f"https://phone.example/{i}/")
                                    for i, d in enumerate(doc["knowledge_base"])], ["what's the weather tomorrow?"])
    assert not taught.articles_alone and phone_operator_check_set().knowledge.articles_alone
    assert Assistant(taught).analyze(question).kb_confidence < a.kb_confidence


@pytest.mark.parametrize("question, lang, title", [
    ("Was kostet der günstigste Tarif?", "de", "Plans and prices"),
    ("Funktioniert mein Handy im Ausland?", "de", "Roaming in the EU and abroad"),
    ("Combien coûte le forfait le moins cher ?", "fr", "Plans and prices"),
    ("On m'a volé mon portable, je fais quoi ?", "fr", "Lost or stolen phone"),
    ("Mon téléphone fonctionne à l'étranger ?", "fr", "Roaming in the EU and abroad"),
    ("Roubaram meu celular, o que faço?", "pt", "Lost or stolen phone"),
    ("Meu telemóvel funciona no estrangeiro?", "pt", "Roaming in the EU and abroad"),
])
def test_a_question_in_another_language_reads_the_words_of_help_centres_beyond_a_shop(question, lang, title):
    """Stop 54: the glossary knew a shop's words only; a phone operator's or a library's visitors writing in German,
    French or Portuguese ("Handy", "forfait", "roubaram", "à l'étranger") were declined (0.14-0.27) though MiniLM reads
    the question's English glosses as surely as an English question."""
    a = phone_operator_check_set().analyze(question, language=lang)
    assert a.answer is not None and a.answer.title == title, a.candidates
