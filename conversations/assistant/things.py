"""The thing a question asks about after a verb of paying, selling or changing ("Can I pay by bank transfer?" -> "bank
transfer", "do you sell bicycles?" -> "bicycles", "Kann ich die Lieferadresse ändern?" -> "Lieferadresse"), and whether
an article's words cover it. A question on something no article mentions got the nearest article as if it answered:
"do you sell bicycles?" the gift cards, "Can I change the delivery address?" the size and colour change (trial of 4 Dec).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz

from .glossary import FUNCTION_WORDS_OF
from .knowledge import FUNCTION_WORDS
from .text import strip_accents

# Verbs whose object is the thing asked about, with the words before the object, read on lower-case text without
# accents: the object follows (`_AFTER`), or in German comes before the verb at the end (`_BEFORE`).
_DETERMINERS = (r"(?:(?:the|my|a|an|your|our|some|any|el|la|los|las|mi|mis|un|una|tu|su|le|les|l'|mon|ma|mes|une|des|du"
                r"|votre|vos|o|os|as|meu|minha|meus|minhas|um|uma|seu|sua|die|den|das|der|dem|meine|meinen|mein|einer"
                r"|einem|eine|einen|ein|ihre|ihren)\s+|l')*")
_AFTER = re.compile(
    r"\b(?:(?P<pay>pay(?:ing)?(?:\s+(?:by|with|using|via|through|in))?|accept|(?<=you )take"
    r"|pagar\s+(?:con|por|en|mediante|com|via|em|no|na|a|ao)|acept(?:an|ais|as)|pa(?:yer|ie)\s+(?:par|avec|en)"
    r"|accept(?:ez|ent)(?:-vous)?|akzeptieren\s+sie|akzeptiert\s+ihr|aceit(?:am|as))"
    r"|(?P<sell>(?:sell|stock|carry)s?|vend(?:en|eis|es|ez|ent|em)(?:-vous)?|verkauf(?:en|t)\s+(?:sie|ihr))"
    r"|(?P<change>change|modify|update|edit|correct|cambiar|modificar|actualizar|corregir|changer|modifier|corriger"
    r"|mudar|alterar|trocar|corrigir))\s+" + _DETERMINERS + r"(?P<thing>[^\W\d_][^?!.,;:]*)")
# paying when the parcel comes, a thing of its own in each language (its words would end the thing: "on delivery")
_ON_DELIVERY = re.compile(r"\b(?:(?:pay(?:ing|ment)?|cash)\s+on\s+delivery|(?:pago\s+|pagamento\s+)?contra\s*-?\s*(?:reembolso|entrega)"
                          r"|(?:paiement\s+)?contre[\s-]+remboursement|nachnahme|pagamento\s+na\s+entrega)\b")
_BEFORE = re.compile(r"\b(?:(?:mit|per|uber|die|den|das|meine|meinen|mein)\s+(?P<thing>[^\W\d_]+(?:\s+[^\W\d_]+)?)"
                     r"|(?P<cash>bar))\s+(?:(?P<pay>(?:be)?zahlen)|(?P<change>andern|wechseln|korrigieren))\b")
# what ends the thing: a word joining another clause or saying when, where or for whom
_ENDS = frozenset("""
    for if when after before once on at to from in or and but please so because while until since with of by into
    still also already now noch auch schon jetzt bitte denn todavia ya ainda ja encore deja
    the my your our his their an mi mis tu su el los las mon ma mes ton ta votre vos un une des meu minha seu sua os as
    um uma mein meine meinen dein ihre
    si cuando antes despues para o y pero por favor con desde hasta porque en al a
    quand apres avant pour ou et mais avec depuis jusqu parce dans au aux
    wenn nach vor fur oder und aber mit seit bis weil bitte im am zu
    quando depois antes para ou e mas com desde ate porque no na em ao
    it that this them those these lo la le les eso esto isso ca cela es das
""".split())
# the words that join two nouns of one name ("address of delivery", "dirección de entrega", "adresse de livraison")
_JOINS = frozenset({"de", "of", "da", "do", "du", "d"})
MAX_WORDS = 4
# what is paid, never a way of paying: "when do you take the money from my account?" was declined as if "money" were a
# card no article names (fresh knowledge base, stop 53); but "pagar em dinheiro" is paying cash
_WHAT_IS_PAID = frozenset("""
    money payment payments fee fees amount amounts charge charges bill bills sum deposit cost costs price
    pago pagos importe cuota cuotas cargo cargos factura facturas precio
    paiement paiements montant frais facture factures prix
    zahlung zahlungen betrag gebuhr gebuhren rechnung rechnungen preis
    pagamento pagamentos valor montante taxa taxas fatura faturas preco
""".split())
MIN_LETTERS = 3  # a content word: "cash", "bike", "cor" (Portuguese colour); not a function word
CLOSE = 85  # rapidfuzz ratio at which two words are one ("color"/"colour", "jacket"/"jackets")


# a question on the ways of paying, with no one named ("what can I pay with?", "¿con qué puedo pagar?"), read on lower
# case text without accents
_WAYS_OF_PAYING = re.compile(
    r"\b(?:(?:what|which|how)\b[^?.!]*\bpay\b|payment\s+(?:methods?|options?)|ways?\s+(?:to|of)\s+pay"
    r"|con\s+que\s+(?:\w+\s+)?pag|como\s+(?:\w+\s+)?pag(?:ar|o)\b|formas?\s+de\s+pago|metodos?\s+de\s+pago"
    r"|comment\s+(?:\S+\s+)?pa(?:yer|ie)|avec\s+quoi\b[^?.!]*\bpa(?:yer|ie)|moyens?\s+de\s+paiement"
    r"|\b(?:wie|womit)\b[^?.!]*\b(?:be)?zahlen|zahlungs(?:arten|methoden|moglichkeiten)"
    r"|com\s+(?:o\s+)?que\b[^?.!]*\bpag|formas?\s+de\s+pagamento|metodos?\s+de\s+pagamento)")


# a verb naming a way of paying after it ("pay with", "accept", "pagar con", "akzeptieren"), read on lower-case text
# without accents: what follows is a way of paying (not "pay the difference", "pay in store")
_BY_MEANS = re.compile(r"\b(?:pay(?:ing)?\s+(?:by|with|using|via|through)|accept|(?<=you )take|pagar\s+(?:con|por|mediante|com|via)"
                       r"|acept(?:an|ais|as)|pa(?:yer|ie)\s+(?:par|avec)|accept(?:ez|ent)|akzeptier\w*"
                       r"|(?:mit|per)\s+\S+\s+(?:be)?zahlen|aceit(?:am|as))\b")


def names_a_way_of_paying(text: str, thing: str) -> bool:
    """Whether `thing`, asked about in `text`, is a way of paying: after a verb naming one ("Do you accept Maestro?",
    "Can I pay with bitcoin?"), or paying on delivery by its words alone."""
    return pays_on_delivery(thing) or bool(_BY_MEANS.search(strip_accents(text.lower())))


def pays_on_delivery(thing: str) -> bool:
    """Whether `thing` is paying when the parcel comes ("cash on delivery", "contra reembolso", "Nachnahme")."""
    return bool(_ON_DELIVERY.fullmatch(strip_accents(thing.lower())))


def asks_ways_of_paying(text: str) -> bool:
    """Whether `text` asks how one can pay, naming no way of paying ("ok so what can I pay with then?")."""
    return bool(_WAYS_OF_PAYING.search(strip_accents(text.lower())))


@lru_cache(maxsize=2048)  # (read of one message by the request, the mood and the answer rules alike)
def asked_thing(text: str, lang: str) -> tuple[str, str]:
    """(the thing `text` asks about after a verb of paying, selling or changing, as written ("bank transfer"), the
    verb's kind: "pay", "sell" or "change"), or ("", "")."""
    low = text.lower()
    read = strip_accents(low)
    if len(read) != len(text):  # (a letter that changes length in lower case: the spans would not be the text's)
        return "", ""
    if on_delivery := _ON_DELIVERY.search(read):
        return text[on_delivery.start():on_delivery.end()], "pay"
    for pattern in (_AFTER, _BEFORE):
        for match in pattern.finditer(read):
            if match.groupdict().get("cash"):  # ("Kann ich bar bezahlen?": cash, said in one word)
                return text[match.start("cash"):match.end("cash")], "pay"
            start, words = match.start("thing"), []
            for word in re.finditer(r"[^\W\d_]+(?:'[^\W\d_]+)?", read[start:match.end("thing")]):
                if word.group() in _ENDS and not (word.group() in _JOINS and words):
                    break
                words.append(word)
                if len(words) == MAX_WORDS:
                    break
            while words and words[-1].group() in _JOINS:  # ("la dirección de" before "entrega" was cut off)
                words.pop()
            content = _content_words(read[start + words[0].start():start + words[-1].end()], lang) if words else []
            if content:
                kind = next(k for k in ("pay", "sell", "change") if match.groupdict().get(k))
                if kind == "pay" and set(content) <= _WHAT_IS_PAID:
                    continue
                return text[start + words[0].start():start + words[-1].end()], kind
    return "", ""


def covered_by(thing: str, vocabulary: Iterable[str], lang: str, *, whole: bool = False) -> bool:
    """Whether the head word of `thing` is one of `vocabulary` (normalized words of an article) in another spelling or
    number: "colour" for "color", "jackets" for "jacket", "card" for "credit card", "tarjeta" for "tarjeta de débito";
    a card by the card brands ("Visa, Mastercard"); every word of a way of paying on delivery ("cash on delivery":
    "delivery" alone is said of shipping). `whole`: every word ("gift cards" are not "cartes de crédit")."""
    read = strip_accents(thing.lower())
    words = _content_words(read, lang)
    if not words:
        return True
    vocabulary = set(vocabulary)
    head = words[0] if lang in ("es", "fr", "pt") else words[-1]  # (the noun a name is built on)
    if _CARD.search(head) and vocabulary & _CARD_BRANDS:
        return True
    if whole or _ON_DELIVERY.fullmatch(read):
        return all(_known(w, vocabulary, lang) for w in words)
    return _known(head, vocabulary, lang)


# a payment card, in the five languages; an article naming card brands covers it ("do you take credit cards?")
_CARD = re.compile(r"^(?:cards?|(?:credit|debit)?cards?|tarjetas?|cartes?|(?:kredit|debit|ec)?karten?|cartao|cartoes|visa"
                   r"|mastercard)$")
_CARD_BRANDS = frozenset({"visa", "mastercard", "maestro"})


def _known(word: str, vocabulary: set[str], lang: str) -> bool:
    """`word` is in `vocabulary`: as it is, in the other number ("tents", "Zelte"/"Zelten"), or, of five letters or
    more, nearly in English ("color"/"colour") or as a beginning ("instalment"/"instalments"), or, in German, as the end of a
    compound ("Lieferadresse"/"Adresse"). Shorter words only as they are: "date" is not "até"."""
    if word in vocabulary or any(word + end in vocabulary for end in ("s", "es", "n", "en", "e")) \
            or any(word.endswith(end) and word[:-len(end)] in vocabulary for end in ("s", "es", "n", "en", "e")):
        return True
    if len(word) < 5:
        return False
    # (nearly only in English, for its two spellings: Portuguese "contra" is no "conta")
    return any(len(v) >= 5 and (lang == "en" and fuzz.ratio(word, v) >= CLOSE or word.startswith(v)
                                or v.startswith(word) or lang == "de" and word.endswith(v)) for v in vocabulary)


def _content_words(read: str, lang: str) -> list[str]:
    function = set(FUNCTION_WORDS_OF.get(lang, "").split()) | _ENDS | FUNCTION_WORDS
    return [w for w in re.findall(r"[^\W\d_]+", read) if len(w) >= MIN_LETTERS and w not in function]
