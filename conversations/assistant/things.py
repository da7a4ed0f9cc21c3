"""The thing a question asks about after a verb of paying, selling or changing ("Can I pay by bank transfer?" -> "bank
transfer", "do you sell bicycles?" -> "bicycles", "Kann ich die Lieferadresse ändern?" -> "Lieferadresse"), and whether
an article's words cover it. A question on something no article mentions got the nearest article as if it answered:
"do you sell bicycles?" the gift cards, "Can I change the delivery address?" the size and colour change (trial of 4 Dec).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz

from .glossary import FUNCTION_WORDS_OF
from .text import strip_accents

# Verbs whose object is the thing asked about, with the words before the object, read on lower-case text without
# accents: the object follows (`_AFTER`), or in German comes before the verb at the end (`_BEFORE`).
_DETERMINERS = (r"(?:(?:the|my|a|an|your|our|some|el|la|los|las|mi|mis|un|una|tu|su|le|les|l'|mon|ma|mes|une|des|du"
                r"|votre|vos|o|os|as|meu|minha|meus|minhas|um|uma|seu|sua|die|den|das|der|dem|meine|meinen|mein|einer"
                r"|einem|eine|einen|ein|ihre|ihren)\s+|l')*")
_AFTER = re.compile(
    r"\b(?:(?P<pay>pay(?:ing)?\s+(?:by|with|using|via|through|in)|accept|pagar\s+(?:con|por|en|mediante|com|via)"
    r"|acept(?:an|ais|as)|pa(?:yer|ie)\s+(?:par|avec|en)|accept(?:ez|ent)|akzeptieren\s+sie|akzeptiert\s+ihr"
    r"|aceit(?:am|as))"
    r"|(?P<sell>(?:sell|stock|carry)s?|vend(?:en|eis|es|ez|ent|em)|verkauf(?:en|t)\s+(?:sie|ihr))"
    r"|(?P<change>change|modify|update|edit|correct|cambiar|modificar|actualizar|corregir|changer|modifier|corriger"
    r"|mudar|alterar|trocar|corrigir))\s+" + _DETERMINERS + r"(?P<thing>[^\W\d_][^?!.,;:]*)")
_BEFORE = re.compile(r"\b(?:mit|per|uber|die|den|das|meine|meinen|mein)\s+(?P<thing>[^\W\d_]+(?:\s+[^\W\d_]+)?)\s+"
                     r"(?:(?P<pay>(?:be)?zahlen)|(?P<change>andern|wechseln|korrigieren))\b")
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
MIN_LETTERS = 4  # a content word: "cash", "bike"; shorter ones are too often function words
CLOSE = 85  # rapidfuzz ratio at which two words are one ("color"/"colour", "jacket"/"jackets")


def asked_thing(text: str, lang: str) -> tuple[str, str]:
    """(the thing `text` asks about after a verb of paying, selling or changing, as written ("bank transfer"), the
    verb's kind: "pay", "sell" or "change"), or ("", "")."""
    low = text.lower()
    read = strip_accents(low)
    if len(read) != len(text):  # (a letter that changes length in lower case: the spans would not be the text's)
        return "", ""
    for pattern in (_AFTER, _BEFORE):
        for match in pattern.finditer(read):
            start, words = match.start("thing"), []
            for word in re.finditer(r"[^\W\d_]+(?:'[^\W\d_]+)?", read[start:match.end("thing")]):
                if word.group() in _ENDS and not (word.group() in _JOINS and words):
                    break
                words.append(word)
                if len(words) == MAX_WORDS:
                    break
            while words and words[-1].group() in _JOINS:  # ("la dirección de" before "entrega" was cut off)
                words.pop()
            if words and _content_words(read[start + words[0].start():start + words[-1].end()], lang):
                kind = next(k for k in ("pay", "sell", "change") if match.groupdict().get(k))
                return text[start + words[0].start():start + words[-1].end()], kind
    return "", ""


def covered_by(thing: str, vocabulary: Iterable[str], lang: str) -> bool:
    """Whether a content word of `thing` is, nearly, one of `vocabulary` (normalized words of an article): "colour"
    for "color", "jackets" for "jacket", "instalments" for "instalment"."""
    words = _content_words(strip_accents(thing.lower()), lang)
    vocabulary = list(vocabulary)
    return any(w == v or fuzz.ratio(w, v) >= CLOSE or (min(len(w), len(v)) >= 5 and (
        w.startswith(v) or v.startswith(w) or lang == "de" and w.endswith(v)))  # (German compounds: "Lieferadresse")
               for w in words for v in vocabulary)


def _content_words(read: str, lang: str) -> list[str]:
    function = set(FUNCTION_WORDS_OF.get(lang, "").split()) | _ENDS
    return [w for w in re.findall(r"[^\W\d_]+", read) if len(w) >= MIN_LETTERS and w not in function]
