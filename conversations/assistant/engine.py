"""The assistant: every detector plus knowledge-base retrieval for one visitor message."""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import replace
from collections import OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse
from sklearn import config_context

from . import detectors as d
from .encoder import QUERY_TOKENS, get_encoder, get_multilingual_encoder, in_background, single_blas_thread
from .extract import given_detail
from .glossary import in_english
from .human_request import asked_besides, asks_for_a_call, asks_if_someone_is_there, split_clauses
from .knowledge import AMOUNT, BRIEF_LIMIT, DEFAULT_KB_THRESHOLD, KnowledgeIndex, asks, condense, gives
from .places import (ABROAD, ALL_PLACES, abroad, as_written, cities_as_countries, cities_named, country_of_city,
                     in_the_eu, member_state_of, names_other_countries, names_outside_the_eu, names_place,
                     names_the_eu, part_of_a_member_state, places_named, with_full_names)
from .models import DetectorModels, detector_models, intent_proba
from .phrases import phrase
from .text import (LANGUAGES, detect_language, normalize, sentence_cased, sentences, spelt_out, unshouted,
                   with_damage_named)
from .text import words as words_in
from .things import asked_thing, asks_ways_of_paying, covered_by, names_a_way_of_paying
from .types import NO_SIGNAL, Analysis, KBAnswer, Passage, Signal, Topic, TopicMatch, Turn

logger = logging.getLogger(__name__)

# Restricted topics (tuned on Bitext val, see docs/assistant.md)
TOPIC_K = 3  # a class's score is the mean of its 3 most similar examples (the best one below 10 examples)
TOPIC_MIN = 0.5  # below this nothing is close enough to be that topic
TOPIC_MARGIN = 0.05  # the topic must beat every "everything else" class by this much
TOPIC_MIN_ACROSS = 0.45  # the same two bounds on the multilingual vectors, for a message not in English
TOPIC_MARGIN_ACROSS = 0.03  # (P 0.988 on Bitext val read this way with 3 examples a topic, 1.000 with 10)
# ... and such a match yields to a knowledge-base answer unless it is this much surer: across languages "retours",
# "devolver una camiseta" sit near the demo's Refunds example "how do I get a refund" (0.46-0.59) while the returns
# article answers them (0.32-0.54); requests of a topic worded without its keywords ("je veux fermer mon compte", "hay
# un cargo en mi tarjeta que no reconozco") stand 0.24 or more above the article they rank first (docs/assistant.md;
# at 0.3, "hay un cargo…" and "¿dónde está mi dinero?" were lost to the payment and returns articles)
TOPIC_OVER_KB_ACROSS = 0.2
# ... and in English, where the examples' cosines run higher: "my new SIM card doesn't work" stood 0.16 above the SIM
# article and a phone operator's fraud topic took it; "someone swapped my SIM without asking" stands 0.45 above
TOPIC_OVER_KB = 0.2
TOPIC_EMB_WEIGHT = 1.0  # similarity = w * embedding cosine + (1 - w) * TF-IDF cosine (TF-IDF without encoder)
COVER_SHARE = 0.3  # a Bitext intent that >= 30% of a topic's examples are classified as is that topic
COVER_CONFIDENCE = 0.6  # ... with this mean probability (a few examples loosely like "complaint" are not)
INTENT_FIRE = 0.5  # a message classified as a covered intent with this probability is the topic
INTENT_VETO = 0.8  # a message this surely an uncovered intent is not matched by example similarity
# A follow-up says so: it opens with "and", "what about", or points back ("is it free?", "¿y eso cuánto cuesta?")
_FOLLOW_UP = re.compile(r"^\W*(?:and|also|so|but|what about|how about|y|e|et|und|aber|pero|mais|mas|entonces|alors)\b"
                        r"|\b(?:it|that|this|they|them|those|eso|esto|ello|ca|cela|das|dies|isso|isto)\b")
# ... and one that points back at what was asked before ("and how do I start one?", "where do I do that?") with no
# name of its own stays on it however its words alone rank ("and for Norway?" names a place: it has to rank near)
_POINTS_BACK = re.compile(r"\b(?:it|one|that|this|them|those|there|eso|esto|ello|ahi|ca|cela|das|dies|dort|isso|isto)\b")
_THEY = re.compile(r"\b(?:they|these|ellos|ellas|estos|estas|ils|elles|eles|elas)\b")  # "how much do they cost?"
# "and to Germany?", "what about Norway?", "¿y a Alemania?", "et pour la Suisse ?" after a question with a place or a
# thing after a preposition ("How long does shipping take to Portugal?"): the same question about the new one
SLOT_PREPOSITIONS = {"en": "to|for|in|into|from|with|of|on", "es": "a|al|para|en|con|de|desde|sobre",
                     "fr": "à|au|aux|pour|en|avec|de|du|des|sur", "de": "nach|für|in|zu|mit|von|aus|auf",
                     "pt": "a|ao|para|em|no|na|com|de|do|da|sobre"}
# ("warranty on tents" then "and what about backpacks?" was not read as the same question: trial of 4 Dec)
_ABOUT = r"(?:and\s+)?(?:what about|how about)|y qu[eé] tal|e quanto a|et quid de|und was ist mit"
_NEW_SLOT = {lang: re.compile(
    rf"^\W*(?:(?P<connector>{_ABOUT}|and|y|et|e|und)\b)?\s*"
    rf"(?:(?P<prep>{preps})\s+)?(?P<slot>[^?!.,;:]{{2,40}}?)\s*[?!.]*\s*$", re.IGNORECASE)
    for lang, preps in SLOT_PREPOSITIONS.items()}
_SLOT_END = re.compile(r"\s*(?:[?!.,;:]|$)")
# Words that open a question and say nothing of it ("actually, do you ship to Canada?" fell under the threshold that
# "Do you ship to Canada?" passed: trial of 2 Dec); not "and", "so", "also", which make a follow-up
_OPENING_FILLER = re.compile(
    r"^\W*(?:(?:actually|by\s+the\s+way|btw|oh|ah|well|anyway|in\s+fact|quick\s+question|one\s+more\s+thing|hmm+|um+"
    r"|por\s+cierto|en\s+realidad|oye|au\s+fait|en\s+fait|ubrigens|übrigens|eigentlich|alias|aliás|na\s+verdade)\b[\s,;:.!-]*)+",
    re.IGNORECASE)
# A question in another language is also read through the glossary unless its best article is this many times the
# knowledge-base threshold: "Mein Paket ist beschädigt angekommen" (0.47 against the threshold's 0.25) was sure of the
# late-parcel article through "Paket ... angekommen"; read as "parcel damaged arrived" it gets the damaged-on-arrival
# paragraph. The reading costs a MiniLM pass (kb_languages: es/fr/de/pt 132/9/7 -> 133/8/7; p50 +1.1 ms at 2.0,
# +7.6 ms when every such question is read twice).
GLOSS_BELOW = 2.0
FOLLOW_PARTS = 2  # a long message's last questions looked up on their own
PLACE_SHARE = 0.6  # an article this near the threshold answers a question naming a country it alone of the first three names
NAMED_SHARE = 0.8  # an article this near the threshold answers when it alone of the first two names the place asked of
# Set phrases holding a word a topic's keyword may be, meaning something else, normalized: cash on delivery
# ("contra reembolso", "contre remboursement") is a way of paying, no refund
_SET_PHRASES = re.compile(r"\bcontra\s*-?\s*reembolso\b|\bcontre[\s-]+remboursement\b")
# A parcel not arriving, in the five languages, normalized: "hasn't arrived", "no ha llegado", "n'est pas arrivé",
# "nicht angekommen", "não chegou"; asked of in a question, and said in a passage
NOT_ARRIVED = re.compile(
    r"(?:n'?t|\bnot|\bnever)\s+(?:yet\s+|even\s+|still\s+)?(?:arriv\w*|c[oa]me|been\s+delivered|turn\w*\s+up|show\w*\s+up)"
    r"|\bno\s+(?:me\s+|nos\s+)?(?:ha\s+|han\s+|haya\s+)?(?:llega\w*|lleg[oó])"
    r"|\bn'?\s*arrive\w*\s+(?:toujours\s+)?pas\b|\bn'?\s*(?:est|sont)\s+(?:toujours\s+)?pas\s+(?:encore\s+)?arriv\w*"
    r"|\bnicht\s+(?:\w+\s+)?(?:angekommen|ankommt|an\b)|\bkommt\s+(?:\w+\s+)?nicht\s+an\b"
    r"|\bnao\s+(?:me\s+)?(?:chegou|chega\w*)")
NOT_ARRIVED_SHARE = 0.8  # ... an article saying what happens then, ranked this near the first, answers it
# "so that's a no?", "então não?", "¿entonces no?", "donc non ?", "also nein?": the answer before, asked to be confirmed
_CONFIRMS = re.compile(
    r"^\W*(?:(?:so|ok|okay|then|entonces|asi\s+que|o\s+sea|donc|alors|also|entao|ou\s+seja|e|y|et|und)\W+)*"
    r"(?:(?:so\s+)?(?:that'?s|is\s+that|it'?s)\s+a\s+(?:no|yes)|(?:(?:so|entonces|asi\s+que|o\s+sea|donc|alors|also"
    r"|entao|ou\s+seja)\W+(?:no|yes|si|oui|non|ja|nein|sim|nao|c'est\s+(?:non|oui)))|(?:no|non|nein|nao)\s+(?:then|entonces"
    r"|alors|dann|entao))\W*$")
# "and the X?", "y la X?", "et l'X ?", "und die X?", "e a X?": a follow-up naming another thing, nothing asked
_AND_THE = re.compile(r"^\W*(?:and|or|what about|how about|y|o|e|ou|et|und|oder)\s+(?:(?:the|my|el|la|los|las|mi|le|les"
                      r"|l'|o|a|os|as|die|der|das|den|meine)\s+|l')?(?P<thing>[^\W\d_][^?!.]*?)\s*\?\s*$", re.IGNORECASE)
_PAYING_WITH = {"en": "Can I pay with {}?", "es": "¿Puedo pagar con {}?", "fr": "Puis-je payer par {} ?",
                "de": "Kann ich mit {} bezahlen?", "pt": "Posso pagar com {}?"}
# A lawyer, and a person of the team, in the five languages, normalized: talking to a lawyer is no request for the team
_A_LAWYER = re.compile(r"\b(?:lawyers?|attorneys?|solicitors?|abogad[oa]s?|avocats?|anwalt|anwaltin|anwalte|rechtsanwalt\w*"
                       r"|advogad[oa]s?)\b")
_ONE_OF_US = re.compile(r"\b(?:person|human|agent|someone|somebody|staff|representative|persona|humano|agente|alguien"
                        r"|personne|humain|conseiller|quelqu'un|mensch\w*|mitarbeiter\w*|jemand\w*|pessoa|atendente"
                        r"|alguem)\b")
PAYING_NOT_A_PERSON = 0.8  # a question on a way of paying the human-request classifiers read below this is none
LISTING_SHARE = 0.5  # a way of paying asked of another article: the article listing them, ranked this near, answers
NAMED_ALONE = 0.6  # ... and this near it when it is the only article naming what the question names ("Bizum")
NAMELESS_SHARE = 0.5  # ... when the question without the name still ranks that article first this near it
MORE_QUESTIONS = 3  # a message asking several things gets an answer to each of at most this many
# ... looked up only when a second article already ranks this close to answering the whole message: a second
# question about another article pulls it up (demo shop: 0.18-0.21 at its threshold 0.28; one topic asked twice, 0.13)
RUNNER_UP_SHARE = 0.5
# A question of a message answered from one article is quoted its own passage of it when, looked up alone, it ranks the
# article at least this share of its first ("do you deliver to the UK?" alone: shipping times 0.28, international 0.27;
# "Quanto custa a devolução para Portugal?" alone: shipping times 0.33, returns 0.26, which 0.8 lost)
PART_SHARE = 0.75
# "How long does shipping take and what is your return policy?": a second question joined by "and" (the message as
# written: the questions are looked up with their accents)
_QUESTION_OPENERS = (
    r"(?:what|what's|how|when|where|which|who|why|can|could|do|does|is|are|will|would"
    r"|qu[eé]|c[oó]mo|cu[aá]ndo|d[oó]nde|cu[aá]l|cu[aá]nt[oa]s?|puedo|puede|se puede|hay|quel|quelle|comment|quand|o[uù]"
    r"|combien|est-ce|puis-je|was|wie|wann|wo|welche[rs]?|kann|k[oö]nnen|gibt|o que|qual|quanto|posso|pode|tem"
    # "is it…" in each language ("Como faço a devolução e é grátis para Portugal?" lost its price: trial of 4 Dec)
    r"|é|es|est|ist"
    # a shop's verbs that open a question of their own ("¿Puedo pagar con Mastercard y enviáis a Noruega?" lost its
    # second half: re-trial of 4 Dec)
    r"|envi[aá]is|env[ií]an|hac[eé]is|ten[eé]is|acept[aá]is|aceptan|livrez|acceptez|liefert\s+ihr|akzeptiert\s+ihr"
    r"|enviam|aceitam|entregam)\b")
_AND_ASKS = re.compile(r",?\s+(?:and|y|e|et|und)\s+(?=" + _QUESTION_OPENERS + ")", re.IGNORECASE)
# a sentence that asks without a question mark: "how long do i have", "and what about customs"
_ASKS_UNMARKED = re.compile(r"^\W*(?:(?:and|y|e|et|und)\s+)?" + _QUESTION_OPENERS, re.IGNORECASE)
# Words every visitor writes whatever their language: the conversation's language answers them
SAID_IN_EVERY_LANGUAGE = frozenset({"ok", "okay", "k", "kk", "ok ok", "super", "top", "cool"})
FOLLOW_UP_WORDS = 6  # a message this short may follow up the question before it ("And is it free?")
FOLLOW_UP_VAGUE = 0.5  # a follow-up whose best article is below this share of the threshold names nothing itself
FOLLOW_UP_NEAR = 0.7  # ... and stays on the article before when that one is this close to its best (_stays_on)
THANKS_REST_WORDS = 10  # thanks for the staff with at most this many other words (no question) is small talk

_emb_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_ml_emb_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_emb_lock = threading.Lock()
_EMB_CACHE_SIZE = 20_000


def embed_texts(texts: Sequence[str]) -> np.ndarray | None:
    """Embeddings for topic examples, cached per process: building an Assistant for a
    workspace whose topics did not change costs no model time."""
    encoder = get_encoder()
    return _cached_embeddings(texts, encoder, _emb_cache) if encoder is not None else None


def embed_texts_across_languages(texts: Sequence[str]) -> np.ndarray | None:
    """The multilingual encoder's unit vectors for topic examples and the ordinary requests they compete
    with (cached per process like `embed_texts`), or None without that encoder."""
    encoder = get_multilingual_encoder()
    if encoder is None or not texts:
        return None
    vecs = _cached_embeddings(texts, encoder, _ml_emb_cache)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)


def _cached_embeddings(texts: Sequence[str], encoder, cache: OrderedDict[str, np.ndarray]) -> np.ndarray:
    with _emb_lock:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
    if missing:
        vecs = np.concatenate([encoder.encode(missing[i:i + 64]) for i in range(0, len(missing), 64)])
        with _emb_lock:
            for t, v in zip(missing, vecs):
                cache[t] = v
            while len(cache) > _EMB_CACHE_SIZE:
                cache.popitem(last=False)
    with _emb_lock:
        return np.stack([cache[t] if t in cache else encoder.encode([t])[0] for t in texts])


def _keyword_pattern(keyword: str) -> re.Pattern[str] | None:
    norm = normalize(keyword).strip()
    if not norm:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in norm.split()) + r"(?!\w)")


class TopicIndex:
    """Restricted topics matched by keyword, and by meaning against their example phrases.

    A message is compared with each topic's examples and with a background of ordinary
    support requests (Bitext intents, shipped with the models); a topic fires when it is
    the closest class and close enough. Background intents that a topic's own examples sit
    on are dropped, so a "refunds" topic is not out-voted by the Bitext refund intents.
    """

    def __init__(self, topics: Sequence[Topic], models: DetectorModels, *, multilingual: bool = False) -> None:
        self.topics = [t for t in topics if t.name]
        self.keywords: list[list[tuple[str, re.Pattern[str]]]] = []
        for t in self.topics:
            pats = []
            for k in t.keywords:
                p = _keyword_pattern(k)
                if p is not None:
                    pats.append((k, p))
            self.keywords.append(pats)
        texts: list[str] = []
        owner: list[int] = []
        for i, t in enumerate(self.topics):
            for e in (*t.examples, *t.keywords):
                if e.strip():
                    texts.append(e)
                    owner.append(i)
        self.example_texts = texts
        self.owner = np.asarray(owner, dtype=np.int32)
        self.lex = models.lexical.transform(texts) if texts else None
        self.emb = embed_texts(texts) if texts and models.bg_emb is not None else None
        bg_classes = sorted(set(models.bg_intents.tolist()))
        self.intent_classes = [str(c) for c in models.intent.classes_]
        self.models = models
        self.topic_rows = [np.flatnonzero(self.owner == i) for i in range(len(self.topics))]
        # Which ordinary support intents each topic covers: those its own examples are
        # classified as. A message of a covered intent is that topic; the other intents are
        # the "everything else" its examples must out-score.
        self.topic_intents: list[set[str]] = []
        covered: set[str] = set()
        for rows in self.topic_rows:
            mine: set[str] = set()
            if rows.size:
                probs = intent_proba(models, self.lex[rows])
                labels = probs.argmax(1)
                top = probs.max(1)
                counts = np.bincount(labels, minlength=len(self.intent_classes))
                mine = {
                    self.intent_classes[j] for j in np.flatnonzero(counts >= COVER_SHARE * rows.size)
                    if top[labels == j].mean() >= COVER_CONFIDENCE
                }
            self.topic_intents.append(mine)
            covered |= mine
        self.covered = covered
        keep = ~np.isin(models.bg_intents, list(covered))
        self.bg_intents = models.bg_intents[keep]
        self.bg_classes = [c for c in bg_classes if c not in covered]
        self.bg_lex = models.bg_lex[keep]
        self.bg_emb = models.bg_emb[keep] if models.bg_emb is not None else None
        self.bg_rows = [np.flatnonzero(self.bg_intents == c) for c in self.bg_classes]
        # A message in another language is also read on the multilingual encoder's vectors, where
        # "Quiero que me devolváis el dinero" sits near "I want my money back" (`_match_across_languages`)
        # (its examples only, where a topic has some: a keyword is matched as a word, and "gdpr" or "reembolso"
        # alone would dilute the examples' best three)
        self.ex_multi = self.bg_multi = None
        self.multi_texts: list[str] = []
        self.multi_rows: list[np.ndarray] = []
        if texts and multilingual:
            owner_multi: list[int] = []
            for i, t in enumerate(self.topics):
                own = [e for e in t.examples if e.strip()] or [k for k in t.keywords if k.strip()]
                self.multi_texts += own
                owner_multi += [i] * len(own)
            self.multi_rows = [np.flatnonzero(np.asarray(owner_multi) == i) for i in range(len(self.topics))]
            self.ex_multi = embed_texts_across_languages(self.multi_texts)
            self.bg_multi = embed_texts_across_languages([str(t) for t in np.asarray(models.bg_texts)[keep]])

    @staticmethod
    def _sims(a_emb, a_lex, b_emb, b_lex) -> np.ndarray:
        """Blended similarity of every row of a to every row of b."""
        if a_emb is not None and b_emb is not None and TOPIC_EMB_WEIGHT >= 1.0:
            return a_emb @ b_emb.T
        if a_lex.shape[0] == 1:  # one message: sparse matrix times dense vector is fastest
            lex = (b_lex @ a_lex.toarray().ravel())[None, :]
        else:
            lex = np.asarray((a_lex @ b_lex.T).todense())
        if a_emb is None or b_emb is None:
            return lex
        return TOPIC_EMB_WEIGHT * (a_emb @ b_emb.T) + (1 - TOPIC_EMB_WEIGHT) * lex

    def match(self, text: str, q_lex: sparse.csr_matrix, q_emb: np.ndarray | None,
              m_emb: np.ndarray | None = None, lang: str = "en", *, keywords_only: bool = False) -> TopicMatch | None:
        """The topic of a message: a keyword, a covered intent, or its closeness to the examples (for a
        message not in English, on the multilingual vectors `m_emb` as well); with `keywords_only`, a keyword."""
        if keywords_only:
            return self._keyword_match(normalize(text))
        # (MiniLM reads English: on two Spanish sentences its cosine follows their shared words, not their meaning)
        across = lang != "en" and m_emb is not None and self.ex_multi is not None
        found = self._match_in_english(text, q_lex, None if across else q_emb)
        if found is None and across:
            found = self._match_across_languages(m_emb)
        return found

    def _match_across_languages(self, m_emb: np.ndarray) -> TopicMatch | None:
        """The examples' rule (closest class, close enough, ahead of every ordinary request) on the
        multilingual vectors, with its own bounds: their cosines run lower across languages."""
        q = m_emb / max(float(np.linalg.norm(m_emb)), 1e-9)
        return self._closest_topic(self.ex_multi @ q, self.bg_multi @ q, self.multi_rows, self.multi_texts,
                                   minimum=TOPIC_MIN_ACROSS, margin=TOPIC_MARGIN_ACROSS,
                                   how="similar across languages to example", across=True)

    def _closest_topic(self, ex: np.ndarray, bg: np.ndarray, rows_per_topic: list[np.ndarray], texts: list[str], *,
                       minimum: float, margin: float, how: str, across: bool = False) -> TopicMatch | None:
        """The examples' rule, given the message's similarity to every example (`ex`) and to every ordinary
        request (`bg`): the closest topic (its best three examples, its best one below ten), close enough, and
        ahead of every ordinary request by `margin`."""
        topic_scores = [d.top_k_mean(ex[rows], TOPIC_K if rows.size >= 10 else 1) for rows in rows_per_topic]
        best_t = int(np.argmax(topic_scores))
        s_t = topic_scores[best_t]
        s_b = max([0.0, *(d.top_k_mean(bg[rows], TOPIC_K) for rows in self.bg_rows)])
        if s_t < minimum or s_t < s_b + margin:
            return None
        rows = rows_per_topic[best_t]
        nearest = texts[int(rows[np.argmax(ex[rows])])]
        return TopicMatch(self.topics[best_t].name, round(float(s_t), 4),
                          f"{how} {nearest[:80]!r} ({s_t:.2f}; closest other request {s_b:.2f})", across, by_example=True)

    def _keyword_match(self, norm: str) -> TopicMatch | None:
        """A topic's keyword in the normalized message, or one typo in a long single-word keyword; not one inside a
        set phrase that means something else (`_SET_PHRASES`: "pago contra reembolso" is cash on delivery, no
        refund)."""
        norm = _SET_PHRASES.sub(" ", norm)
        for i, pats in enumerate(self.keywords):
            for keyword, pat in pats:
                if pat.search(norm):
                    return TopicMatch(self.topics[i].name, 0.95, f"keyword {keyword!r}")
        for i, pats in enumerate(self.keywords):
            for keyword, _ in pats:
                kw = normalize(keyword)
                if " " in kw or len(kw) < 6:
                    continue
                for w in norm.split():
                    if abs(len(w) - len(kw)) <= 2 and fuzz.ratio(w, kw) >= 88:
                        return TopicMatch(self.topics[i].name, 0.85, f"keyword {keyword!r} (as {w!r})")
        return None

    def _match_in_english(self, text: str, q_lex: sparse.csr_matrix, q_emb: np.ndarray | None) -> TopicMatch | None:
        """Keywords, covered intents, then (with `q_emb`, MiniLM's vector) closeness to the examples."""
        if not self.topics:
            return None
        found = self._keyword_match(normalize(text))
        if found is not None:
            return found
        if self.lex is None:
            return None
        probs = intent_proba(self.models, q_lex)[0]
        j = int(np.argmax(probs))
        intent, p_int = self.intent_classes[j], float(probs[j])
        if p_int >= INTENT_FIRE:
            for i, mine in enumerate(self.topic_intents):
                if intent in mine:
                    return TopicMatch(self.topics[i].name, round(p_int, 4),
                                      f"classified as {intent!r} ({p_int:.2f}), which this topic's examples are")
        if p_int >= INTENT_VETO and intent not in self.covered:
            return None  # surely an ordinary request of another kind
        if q_emb is None and self.emb is not None:
            return None
        emb = q_emb if self.emb is not None else None  # (q_emb is None only without an encoder: TF-IDF alone)
        ex = self._sims(emb[None, :] if emb is not None else None, q_lex, self.emb, self.lex)[0]
        bg = self._sims(emb[None, :] if emb is not None else None, q_lex, self.bg_emb, self.bg_lex)[0]
        return self._closest_topic(ex, bg, self.topic_rows, self.example_texts, minimum=TOPIC_MIN, margin=TOPIC_MARGIN,
                                   how="similar to example")


def _with_new_slot(before: str, follow: str, lang: str) -> tuple[str, str] | None:
    """The question before, asked about the place or thing a short follow-up names instead ("How long does shipping
    take to Portugal?" + "and to Germany?" -> "How long does shipping take to Germany?"), and that name; None when the follow-up
    names none, or the question before has no preposition to put it after. Without a preposition of its own the
    follow-up must name something ("what about Norway?"), not ask ("and is it free?", "and express?")."""
    m = _NEW_SLOT[lang if lang in _NEW_SLOT else "en"].match(follow)
    # the question before may go without its mark: "how long does shipping take to spain and how much is it"
    asked = [q for q in sentences(before) if "?" in q or _ASKS_UNMARKED.match(q)]
    if not m or len([w for w in follow.split() if re.search(r"\w", w)]) > FOLLOW_UP_WORDS or not asked:
        return None  # (a "?" spaced off, as French writes it, is no word: "et pour les sacs à dos ?")
    slot, prep = m.group("slot").strip(), m.group("prep")
    if not (m.group("connector") or prep) or len(slot.split()) > 4:
        return None
    about = bool(re.fullmatch(_ABOUT, m.group("connector") or "", re.IGNORECASE))
    if not prep and not about and not all(w[:1].isupper() for w in slot.split()):
        return None
    question = asked[-1]
    preps = SLOT_PREPOSITIONS.get(lang, SLOT_PREPOSITIONS["en"])
    at = [p for p in re.finditer(rf"(?<!\w)(?:{preps})\s+(?=\w)", question, re.IGNORECASE) if p.start() > 0]
    if not at:  # "how much does shipping cost" + "and to germany?": the place goes at its end
        return (f"{question.rstrip(' ?!.')} {prep} {slot}?", slot) if prep else None
    last = at[-1]
    end = _SLOT_END.search(question, last.end()).start()  # the old place or thing ends at punctuation
    head = question[:last.start()] + (f"{prep} " if prep else question[last.start():last.end()])
    return f"{head}{slot}{question[end:]}", slot


class Assistant:
    """Analyse visitor messages for one workspace. Cheap to build once the process-wide
    models are loaded (they load on first use); topic examples are embedded once a process."""

    def __init__(self, knowledge: KnowledgeIndex, topics: Sequence[Topic] = (),
                 kb_threshold: float | None = None, *, models: DetectorModels | None = None) -> None:
        self.knowledge = knowledge
        self.models = models or detector_models()
        self.kb_threshold = DEFAULT_KB_THRESHOLD if kb_threshold is None else float(kb_threshold)
        self.topics = TopicIndex(topics, self.models, multilingual=self.models.human_ml is not None)
        self.encoder = get_encoder()
        self.ml_encoder = get_multilingual_encoder() if self.models.human_ml is not None else None
        self.encoders = d.Encoders(self.encoder, self.ml_encoder)

    def analyze(self, text: str, history: Sequence[Turn] = (), language: str = "") -> Analysis:
        """`language`: the conversation's language so far (at first the visitor's browser's), which decides a
        message whose words fit two languages ("Gibt es Geschenkkarten?": "es" is German and Spanish)."""
        # Our inputs are strings into fitted vectorizers: sklearn's per-call parameter and
        # finiteness checks would be ~10% of a message's time.
        # One BLAS thread for the whole decision, held here so that the encoders' own limits,
        # entered and left on two threads at once, never restore another value (encoder.in_background).
        with config_context(assume_finite=True, skip_parameter_validation=True), single_blas_thread():
            return self._analyze(text or "", history, language if language in LANGUAGES else "en")

    def _analyze(self, text: str, history: Sequence[Turn], language: str) -> Analysis:
        said, text = text, unshouted(text)  # (the capitals are read as anger, below)
        prior = " ".join(t.text for t in history if t.sender == "visitor")[-300:]
        lang = detect_language(text, default=detect_language(prior, default=language) if prior else language)
        if prior and len(text.split()) <= 2:  # "ok", "yes", "merci": the conversation's language wins
            lang = detect_language(f"{prior} {text}")
        elif not prior and normalize(text).strip(" !.,?") in SAID_IN_EVERY_LANGUAGE:
            lang = language  # "ok" as a first message in a Spanish widget got "All right." (re-trial of 4 Dec)
        if d.only_contact_details(text):  # "ana@example.com" read as Portuguese: the words around it decide
            rest = d.without_contact_details(text)
            lang = detect_language(f"{prior} {rest}") if prior else detect_language(rest, default="en")
        if lang == "en":
            text = spelt_out(text)  # "any real ppl working today or is it just u"
        # MiniLM, the costly pass, runs here; the rest of what the detectors read is computed on a
        # second thread meanwhile (encoder.in_background): the n-grams, and the multilingual encoder
        # on the message and what the human-request detector may read again (what a rule leaves,
        # the sentences), in one batch.
        second = in_background(self._second_features, text, lang)
        q_emb = self.encoder.encode_one(text) if self.encoder is not None else None
        q_lex, (m_emb, ml_encoder) = second.result()
        encoders = d.Encoders(self.encoder, ml_encoder)
        human = d.detect_human_request(text, lang, self.models, encoders, q_lex, q_emb, m_emb)
        human = _unless_for_someone_else(human, text, lang)
        details_only = d.only_contact_details(text)  # "it's claire@example.com": no mood to read in it
        complaint = d.detect_complaint(text, lang, self.models, q_lex) if not details_only else NO_SIGNAL
        anger = d.detect_anger(d.without_contact_details(said))
        repeated = d.detect_repeated(text, history)
        not_helpful = d.detect_not_helpful(text, history)
        smalltalk = d.detect_smalltalk(text)
        if smalltalk is None and self.encoder is not None and d.keyboard_mash(text, self.encoder.tokenizer.vocab):
            smalltalk = "unclear"  # "asdfghjkl": asked to say what they need, not handed off
        if (smalltalk is None and details_only and not human.fired and "?" not in d.without_contact_details(text)
                and (given_detail("email", text) or given_detail("phone", text))):  # (a link alone is no detail)
            smalltalk = "details"  # "my email is ana@example.com" with nothing asked: noted, nothing to look up
        clauses = split_clauses(text, lang)  # (the detector's own, computed once)
        bot_clause = clauses.bot_questions[0] if clauses.bot_questions else None
        asked_if_bot = Signal(1.0, True, f"asks whether this is a bot: {bot_clause[:80]!r}") if bot_clause else NO_SIGNAL
        declined_clause = clauses.negated[0] if clauses.negated and not human.fired else None
        declined = Signal(1.0, True, f"declines a person: {declined_clause[:80]!r}") if declined_clause else NO_SIGNAL
        if bot_clause and not human.fired and not smalltalk and len(text.split()) - len(bot_clause.split()) <= 2:
            smalltalk = "bot_question"  # only that question: nothing to look up (turn_plan answers it)
        # "¿Eres un bot?" or "is a real person reading this?" alone reads as impatient to the classifiers; it is
        # a question, answered honestly (anger and a complaint still count)
        # (a question on what the shop sells or accepts is a plain one too: "Vocês vendem tendas?" read as
        # dissatisfied, 0.66, and got an apology: trial 51)
        plain_question = d.asks_about_warranty(text) or asked_thing(text, lang)[1] in ("sell", "pay") \
            or asks_ways_of_paying(text) or _asks_a_figure(text)
        # (the complaints procedure asked about is a plain question the classifiers are sure of: "what's your complaints
        # procedure? I need it for a form" read 0.64-0.99, Bitext's complaints ask for it)
        # (nor is a message of dots or mashed keys anything to read: "..." read 0.50 once the voters learnt the fourth
        # probe; it is asked to say what they need)
        dissatisfied = d.detect_dissatisfaction(self.models, m_emb, q_lex, q_emb, plain_question=plain_question,
                                                praised=d.praises_only(said) or d.loves_it(said)) \
            if smalltalk not in ("bot_question", "unclear") and not asks_if_someone_is_there(text) and not details_only \
            and not d.asks_about_complaints_process(text) else NO_SIGNAL
        if dissatisfied.fired and d.blames_self(said) and not d.marks_sarcasm(text):
            # "ugh I'm such an idiot, I booked the wrong weekend 🤦 can I change it?" read as dissatisfied: their own
            # blunder, not the shop's (a sixth blind probe of dissatisfaction, stop 58); words against the shop still count
            dissatisfied = Signal(dissatisfied.score, False, "")
        if not dissatisfied.fired and d.marks_sarcasm(text):
            dissatisfied = Signal(1.0, True, "sarcasm")
        if not dissatisfied.fired and smalltalk != "bot_question" and (said_so := d.dissatisfied_in_words(said)):
            dissatisfied = Signal(1.0, True, f"dissatisfied in words: {said_so[:60]!r}")
        if dissatisfied.fired and (d.asks_to_send_back_what_does_not_fit(text) or d.asks_about_warranty(text)):
            # "Quero devolver umas botas, são pequenas demais" read as dissatisfied (0.64), "Quelle est la garantie sur
            # les tentes ?" with a voter sure of it, and got "Sorry that this is frustrating" (trials of 4 Dec): what
            # does not fit, or the warranty, is no complaint; the rest of the message is read alone ("…your sizing
            # chart is a joke, I want to return this garbage" still is one)
            rest = d.without_plain_words(text)
            r_emb = self.encoder.encode_one(rest) if self.encoder is not None else None
            r_m = self.ml_encoder.encode_one(rest) if self.ml_encoder is not None else None
            dissatisfied = d.detect_dissatisfaction(self.models, r_m, self.models.lexical.transform([rest]), r_emb,
                                                    plain_question=True)
            if not dissatisfied.fired and (said_so := d.dissatisfied_in_words(rest)):
                dissatisfied = Signal(1.0, True, f"dissatisfied in words: {said_so[:60]!r}")  # "…si nulle ?"
        if dissatisfied.fired and not (complaint.fired or anger.fired) and (d.asks_about_remedy(text)
                                                                             or d.claims_warranty(text)):
            # "my tent zip is broken after one week, what can I do?", "I'd like to file a warranty claim": a defect
            # reported with a question or a claim is no upset (the classifiers read "broken" and "claim" as
            # dissatisfied); a complaint or angry words still count
            dissatisfied = Signal(dissatisfied.score, False, "")
        frustration = d.combine_frustration(complaint, anger, repeated, dissatisfied)
        # (sarcasm, "thank the agent for losing my parcel", reads as frustration)
        thanked = clauses.thanks[0] if clauses.thanks and not (
            human.fired or smalltalk not in (None, "thanks") or frustration.fired or "?" in text) else None
        if thanked and len(text.split()) - len(thanked.split()) <= THANKS_REST_WORDS:
            smalltalk = "thanks_staff"  # "I want to thank the agent who helped me": nothing to look up, nobody to call
        # "…thanks. you can close this": its "close" is the chat's, so only a topic's own keywords count
        topic = self.topics.match(text, q_lex, q_emb, m_emb, lang, keywords_only=d.closes_the_chat(text)) \
            if not smalltalk else None

        answer, conf, candidates, cand_passages, ranked = None, 0.0, (), (), []
        if not self.knowledge.empty and text.strip():
            # a question of its own beside a request for a person is looked up alone ("Quiero hablar con una persona.
            # ¿Puedo pagar con Bizum?" found nothing, the request's words in the way: trial 56b)
            besides = asked_besides(text) if human.fired else ""
            kb_text, kb_emb = besides or text, q_emb
            if len((plain := _OPENING_FILLER.sub("", kb_text)).split()) >= 3:
                kb_text = plain
            if lang == "en" and self.encoder is not None:  # "a refnud for my boots": the knowledge base's "refund"
                kb_text = self.knowledge.corrected(kb_text, self.encoder.tokenizer.vocab)
            kb_text = with_full_names(kb_text)  # "how long to the US?" got the EU's times; articles write it out
            if lang == "en":
                kb_text = with_damage_named(kb_text)  # "my tent pole snapped": the articles say "broken"
            kb_text = self._cities_as_countries(kb_text, lang)
            if kb_text != text and self.encoder is not None:
                kb_emb = self.encoder.encode_one(kb_text)
            kb_m_emb = self._kb_multilingual(text, m_emb, ml_encoder) if not besides else (
                ml_encoder.encode_one(sentence_cased(besides)) if ml_encoder is not None else None)
            ranked = self.knowledge.score(kb_text, kb_emb, kb_m_emb, lang)
            if not (smalltalk or (human.fired and not besides)) and (
                    glossed := self._read_in_english(besides or text, lang, ranked, kb_m_emb)):
                ranked, kb_text, kb_emb = glossed
            if not smalltalk:
                # "do you ship to Austria?": no article names Austria; the one that names the EU answers (not the
                # list of the countries outside it, which reads as "no": trial of 4 Dec)
                ranked = self._by_place(text, kb_text, ranked, lang, kb_emb, kb_m_emb)
            candidates = tuple((self.knowledge.article_ids[a], round(c, 4)) for a, c, _, _ in ranked)
            cand_passages = tuple(self.knowledge.passages[p] for _, _, p, _ in ranked)
            whole = None  # a long message's own answer, taken when none of its last questions finds one
            if ranked:
                a, conf, p, _ = ranked[0]
                if conf >= self.kb_threshold and not smalltalk:
                    if self._beyond_window(text):  # the encoder read its opening only, not the question it ends with
                        whole = (a, conf, p)
                    else:
                        answer = self._answer(a, conf, p, kb_emb, lang)
            if answer is not None and history and (again := self._asked_again(text, history, lang)):
                # "¿y a Alemania?" alone found the international article (0.26) where the question before, asked
                # about Germany, finds the delivery times (0.61): a short follow-up naming something new is read
                # with the question before it, and the surer reading answers
                question, again_emb, _, ranked_again = again
                if ranked_again[0][1] > conf:
                    a, conf, p, _ = ranked_again[0]
                    answer = self._answer(a, conf, p, again_emb, lang)
            if not smalltalk and history and (back := self._pointing_back(text, history, lang)) is not None:
                # "do you ship to Norway?" then "and how long does it take?": alone it found the shipping times of
                # Spain and Portugal; "it" is the shipping to Norway, which the international article answers
                a, conf, p, back_emb = back
                answer = self._answer(a, conf, p, back_emb, lang)
            if answer is None and not smalltalk and history and (
                    word := self._a_word_on_the_answer(text, history, lang, ranked)) is not None:
                a, conf, p, word_emb = word
                answer = self._answer(a, conf, p, word_emb, lang)
            if not smalltalk and history and "?" in text and _CONFIRMS.match(normalize(text)) and (
                    again_said := self._the_answer_before(text, history, lang)) is not None:
                # "so that's a no?", "então não?" after an answer: that answer again, not a handoff (trial 51c)
                a, conf, p, again_emb = again_said
                answer = self._answer(a, conf, p, again_emb, lang)
            if answer is None and not smalltalk and history and (
                    named := self._a_name_on_the_answer(text, history, lang)) is not None:
                a, conf, p, named_emb = named
                answer = self._answer(a, conf, p, named_emb, lang)
            if not smalltalk and history and (answer is None or _GOES_ON.match(normalize(text))
                                              or _FOR_AN_AMOUNT.match(normalize(text))) and (
                    amount := self._an_amount_for_the_answer(text, history, lang)) is not None:
                # ("¿y para un pedido de 80 euros?" after Klarna found the shipping prices alone)
                a, conf, p, amount_emb = amount
                answer = self._answer(a, conf, p, amount_emb, lang)
            if answer is None and not smalltalk and history and (
                    placed := self._a_place_for_the_answer(text, history, lang, ranked)) is not None:
                # ("what about the US, we might go to New York in summer", "And is it the same price in the UK?" after
                # Switzerland's roaming found nothing alone and were handed off: trial 52)
                a, conf, p, place_emb = placed
                answer = self._answer(a, conf, p, place_emb, lang)
            if answer is None and declined_clause and not smalltalk and len(clauses.kept.split()) >= 3:
                # "I do NOT want to talk to a person, just tell me the return window": the refusal drowns the
                # question in the message's embedding, so the question is also looked up alone
                kept_emb, kept_m = self._vectors(clauses.kept, lang)
                alone = self.knowledge.score(clauses.kept, kept_emb, kept_m, lang)
                if alone and alone[0][1] >= self.kb_threshold:
                    a, conf, p, _ = alone[0]
                    answer = self._answer(a, conf, p, kept_emb, lang)
            if answer is None and not smalltalk:
                for part, part_emb, part_m, follow_up in self._parts_to_look_up(text, history, lang, q_emb, m_emb):
                    # (the place a part names is answered as a question's is: "and to Canada?" asked again)
                    alone = self._ranked(part, lang, part_emb, part_m)
                    if alone and alone[0][1] >= self.kb_threshold:
                        a, conf, p, _ = alone[0]
                        if follow_up:  # the passage that answers the follow-up ("is it free?": the prices)
                            p, part_emb = self.knowledge.best_passage_for(a, text, q_emb, lang, m_emb), q_emb
                        answer = self._answer(a, conf, p, part_emb, lang)
                        break
            if answer is None and not smalltalk and ranked and (named := self._named_in_one(text, ranked, lang)) is not None:
                a, conf, p, _ = named
                answer = self._answer(a, conf, p, kb_emb, lang)
            if answer is None and whole is not None:
                a, conf, p = whole
                answer = self._answer(a, conf, p, kb_emb, lang)
        if topic is not None and topic.by_example and answer is not None and topic.score - conf < (
                TOPIC_OVER_KB_ACROSS if topic.across else TOPIC_OVER_KB):
            # "et les retours ?": the returns article, not a refund handed to a person; "my new SIM card doesn't
            # work": the SIM's article (0.45), not a fraud ("my SIM stopped working and my bank account was emptied",
            # 0.61: trial 52)
            topic = None
        # (a second question about something else may rank low in the whole message: "¿Cuánto tarda el envío a Italia y
        # puedo pagar con Bizum?" got the shipping prices alone, trial of 4 Dec)
        if not smalltalk and len(candidates) >= 2 and (candidates[1][1] >= self.kb_threshold * RUNNER_UP_SHARE
                                                       or len(questions_in(text)) >= 2):
            answer = self._each_question_answered(text, lang) or answer
        if answer is not None and not answer.also:
            answer = self._each_part_quoted(answer, text, lang)
        if answer is not None and not answer.also:
            answer = self._quoting_the_place(answer, text, kb_emb if not smalltalk and ranked else None, lang)
        uncovered = None
        thing_text, thing_ranked = (text, ranked) if smalltalk or not history else self._thing_asked_again(
            text, history, lang, ranked)
        if thing_text != text and topic is None and not human.fired and thing_ranked \
                and thing_ranked[0][1] >= max(self.kb_threshold, answer.confidence if answer is not None else 0.0):
            # ("and the delivery address?" after the colour's change found nothing alone, "et l'adresse ?" the
            # tracking: that question's answer, when it is the surer reading)
            a, conf, p, _ = thing_ranked[0]
            answer = self._answer(a, conf, p, kb_emb, lang)
        if not smalltalk and topic is None and ranked and (answer is None or not answer.also) and (
                unlisted := self._unlisted(text, ranked, answer, lang)):
            # "Can I pay with Google Pay?" was handed off and "Posso pagar com MB Way?" got Klarna's instalments: a
            # name no article has, asked of an article listing what is accepted, gets that list, said to lack it
            name, (a, conf, p, _) = unlisted
            answer = self._answer(a, conf, p, kb_emb, lang)
            if name:
                answer = _said_first(answer, phrase("name_not_listed", lang, name=name))
        elif not smalltalk and topic is None and ranked and (answer is None or not answer.also) and (
                uncovered := self._thing_not_covered(thing_text, thing_ranked, answer, lang)):
            # "do you sell bicycles?" got the gift cards, "Can I change the delivery address?" the size and colour
            # change, "Can I pay by bank transfer?" was handed off (trial of 4 Dec): the thing asked about, said to be
            # missing from the articles, with the list of what there is; not answered when no article mentions it
            unmentioned, instead, said = uncovered
            if instead is not None:
                a, conf, p, _ = instead
                answer = self._answer(a, conf, p, kb_emb, lang)
            if said:
                answer = _said_first(answer, phrase(said, lang, thing=unmentioned))
            elif instead is None:
                answer = None
        elif not smalltalk and answer is not None and (where := self._unwritten_place(text, answer, lang)):
            # "¿Tenéis tienda en Barcelona?" got the store pickup, "¿Hacéis envíos a Canarias?" the same-day dispatch,
            # as if the shop were there (trial of 4 Dec): said to be missing, with the passage naming the places it has
            name, p = where
            if p is not None and self.knowledge.passages[p] not in answer.passage:
                placed = self._answer(self.knowledge.article_ids.index(answer.article_id), answer.confidence, p, kb_emb,
                                      lang)
                # (with another question, its passage kept after: "¿hacéis envíos a Canarias? ¿Y cuánto cuesta el
                # envío exprés?" lost the express price to the Canaries' passage: trial 51; so is the passage of a
                # place the question names beside a city: "Lisbon … and then Switzerland")
                also = len(questions_in(text)) >= 2 or any(names_place(normalize(answer.passage), place)
                                                           for place in places_named(text))
                answer = _quoting_also(placed, answer) if also else placed
            if name:
                answer = _said_first(answer, phrase("name_not_listed", lang, name=name))
        elif not smalltalk and answer is not None and not answer.also and (missing := self._detail_not_given(
                text, answer, lang)):
            # "How much does shipping to the UK cost?" got the countries served and their delivery time, and no word
            # on the price the articles do not give (trial of 4 Dec)
            answer = _said_first(answer, phrase(missing, lang))
        elif answer is not None and (place := self._not_listed(text, answer)):
            # "Do you ship to Canada?" got the list of the countries served and never a word on Canada (trial of 4 Dec)
            answer = _said_first(answer, phrase("place_not_listed", lang, place=place))
        elif answer is not None and history and (name := self._asked_of_an_unwritten_name(text, history, lang)):
            # "et à Paris ?" after the stores' hours got the hours of Madrid and Lisbon, as if they were Paris's
            answer = _said_first(answer, phrase("name_not_listed", lang, name=name))
        # (said again, "I need help" is still vague: the repetition alone is no upset; turn_plan brings in a person)
        upset = complaint.fired or anger.fired or dissatisfied.fired
        if answer is None and not smalltalk and topic is None and not human.fired and not upset:
            if d.vague_request(text):
                smalltalk = "vague"  # "I have a problem": asked what it is, not handed off as a question with no answer
            elif d.filler_only(text):
                smalltalk = "unclear"  # "test", "lol"
        if answer is not None:
            oos = Signal(round(1 - conf, 4), False, f"answered from {answer.title!r} ({conf:.2f})")
        elif smalltalk:
            oos = Signal(round(1 - conf, 4), False, f"small talk: {smalltalk}")
        elif self.knowledge.empty:
            oos = Signal(1.0, True, "the knowledge base is empty")
        elif uncovered and not uncovered[1]:
            oos = Signal(round(1 - conf, 4), True, f"no article mentions {uncovered[0]!r}")
        else:
            oos = Signal(round(1 - conf, 4), True,
                         f"best article confidence {conf:.2f} is below the threshold {self.kb_threshold:.2f}")
        return Analysis(
            language=lang, human_request=human, frustration=frustration, not_helpful=not_helpful,
            repeated_question=repeated, restricted_topic=topic, out_of_scope=oos, answer=answer,
            complaint=complaint, anger=anger, dissatisfied=dissatisfied, smalltalk=smalltalk, asked_if_bot=asked_if_bot,
            declined_human=declined, asks_for_call=human.fired and asks_for_a_call(text),
            kb_confidence=round(conf, 4), candidates=candidates, candidate_passages=cand_passages,
        )

    def _beyond_window(self, text: str) -> bool:
        """Whether MiniLM reads only the opening of `text` (QUERY_TOKENS word pieces) and it has more sentences:
        a 5,000-character story ending "Anyway: how long does shipping take to Germany?" read as its opening
        about boots got the sizing guide."""
        return (self.encoder is not None and len(sentences(text)) >= 2
                and len(self.encoder.tokenizer.encode(text, QUERY_TOKENS + 2)) > QUERY_TOKENS)

    def _parts_to_look_up(self, text: str, history: Sequence[Turn], lang: str, q_emb=None, m_emb=None):
        """What else to look up when the message as a whole finds no answer, with its two embeddings:
        - the question a long message ends with ("…many years a customer… Anyway: what are the opening hours
          of the Lisbon store?"), drowned in the message's embedding: its last two questions, or its last sentence;
        - a short follow-up read with the question before it ("And is it free?" after "How long does shipping
          take to Portugal?"), kept only when the question before, the follow-up alone and the two together find
          the same article first (the follow-up stays on it)."""
        def embedded(part: str):
            return (part, *self._vectors(part, lang))

        parts = sentences(text)
        if len(parts) >= 2:
            for part in ([p for p in parts if "?" in p][-FOLLOW_PARTS:] or parts[-1:])[::-1]:
                if len(part.split()) >= 3:
                    yield (*embedded(part), False)
        before = _question_before(text, history)
        follow = _after_acknowledgment(parts) or text  # "ok cool. and how do I start one?": the follow-up
        if (again := self._asked_again(text, history, lang)) is not None:
            yield (*again[:3], False)
        if before and len(follow.split()) <= FOLLOW_UP_WORDS and len(sentences(follow)) <= 1 \
                and _FOLLOW_UP.search(normalize(follow)):
            together = embedded(f"{before} {follow}")
            alone = self.knowledge.score(follow, q_emb, m_emb, lang) if follow == text \
                else self.knowledge.score(*embedded(follow), lang)
            first, both = self.knowledge.score(*embedded(before), lang), self.knowledge.score(*together, lang)
            points_back = bool(_POINTS_BACK.search(normalize(follow))) and not _names_something(follow)
            if first and alone and both and first[0][0] == both[0][0] \
                    and _stays_on(first[0][0], alone, self.kb_threshold, points_back):
                yield (*together, True)

    def _vectors(self, text: str, lang: str):
        """`text`'s MiniLM vector and, when the knowledge base reads it across languages, its multilingual one (None without the encoder)."""
        q = self.encoder.encode_one(text) if self.encoder is not None else None
        m = self.ml_encoder.encode_one(text) if self.ml_encoder is not None and self.knowledge.reads_across(lang) else None
        return q, m

    def _pointing_back(self, text: str, history: Sequence[Turn], lang: str):
        """(article, confidence, passage, embedding) for a short follow-up that points back at the visitor's question
        before it ("and how long does it take?", "how much do they cost?", "how long?": "it", "they", or a price or time
        asked in three words at most; no name of its own: "and to Germany?" is `_asked_again`'s) when the
        two read together rank that question's article first, surely; None otherwise, and for any other message.
        Its passage is the one the follow-up asks for (the delivery times, not the countries served)."""
        pointed = _points_back(text)
        from_a_place = "" if pointed else _asks_from_a_place(text)
        follow = pointed or _asks_of_a_place(text) or from_a_place
        if not follow:
            return None
        # the question it follows up: not an earlier follow-up ("how long?" after "and how long does it take?")
        before = _question_before(text, history, skip=_follows_up)
        if not before or self.encoder is None:
            return None
        # "and to Switzerland?" is the question before it asked of Switzerland: "how long?" after it is asked of that
        # (it was handed off as unanswered: trial of 4 Dec)
        before = _as_asked(before, history, lang)
        # ("is shipping free?" alone is a question of its own, unless a place was asked of, or it goes on with "and":
        # "e tenho de pagar o envio?" after a return is the return's cost, not the shipping price: trial of 4 Dec)
        going_on = not pointed and not places_named(before)
        if going_on and not _GOES_ON.match(normalize(follow)):
            return None
        together = f"{before} {follow}"
        together_emb, together_m = self._vectors(together, lang)
        before_emb, before_m = self._vectors(before, lang)
        # ranked as the question before was answered, its place included
        first = self._ranked(before, lang, before_emb, before_m)
        if first and from_a_place and self._asks_of_itself(follow, first[0][0], lang):
            return None  # "e quanto custa devolver de Portugal?" after the delivery times: the returns' price (trial of
            # 4 Dec: it got the shipping price)
        if first and from_a_place:
            # "und was kostet das aus Österreich?" after a return: the return's price, when the question before, asked
            # of that place with the place's own rules, still finds its article (it got the shipping price: trial of
            # 4 Dec; "et ça coûte combien depuis la Belgique ?" read together ranked the shipping prices first); a
            # place another article answers ("and how much to Switzerland?" after the delivery times) is not this one's
            there_q = f"{before} {' '.join(places_named(follow))}"
            there_emb, there_m = self._vectors(there_q, lang)
            there = self._ranked(there_q, lang, there_emb, there_m)
            if not there or there[0][0] != first[0][0] or there[0][1] < self.kb_threshold:
                return None
            return self._detail_asked(there[0][0], there[0][1], follow, lang, together_emb)
        both = self.knowledge.score(together, together_emb, together_m, lang)
        if not (first and both):
            return None
        if not pointed and (places := places_named(before)):
            # a price or time of something else, asked of the same place ("How much does a return cost?" after
            # delivery to France got the shipping price: re-trial of 4 Dec): its own article, sure of itself with the
            # place, answers
            own_q = f"{follow} {' '.join(places)}"
            own_emb, own_m = self._vectors(own_q, lang)
            own = self._ranked(own_q, lang, own_emb, own_m)
            if own and own[0][1] >= self.kb_threshold and own[0][0] != first[0][0]:
                return self._detail_asked(own[0][0], own[0][1], follow, lang, own_emb)
        if first[0][0] == both[0][0] and both[0][1] >= self.kb_threshold:
            a, conf = both[0][0], both[0][1]
        elif going_on:
            return None  # read together, another article comes first: a question of its own after all
        elif first[0][1] >= self.kb_threshold or (first[0][1] >= self.kb_threshold * NAMED_SHARE
                                                  and self._names_a_place_of(before, first[0][0])):
            # "Liefert ihr in die Schweiz?" then "und wie lange dauert das?": read together, the delivery times of
            # Spain and the EU come first, but "das" is still the shipping to Switzerland, whose article answers
            # (and "how much does it cost?" after the UK is not given the EU's price: trial of 3 Dec)
            a, conf = first[0][0], first[0][1]
        else:
            return None
        return self._detail_asked(a, conf, follow, lang, together_emb, _last_ai_answer(history))

    def _a_word_on_the_answer(self, text: str, history: Sequence[Turn], lang: str, ranked: list) -> tuple | None:
        """(article, confidence, passage, embedding) for a word or two asked right after an answer ("customs?", "Zoll?"
        after the international shipping) that ranks the answered question's article first, not far below the
        threshold (PLACE_SHARE): its passage on that word. They were handed off as not found (trial of 4 Dec). None
        otherwise."""
        words = [w for w in text.split() if re.search(r"\w", w)]
        if len(words) > 2 or "?" not in text or not ranked or ranked[0][1] < self.kb_threshold * PLACE_SHARE:
            return None
        first, _ = self._ranked_before(text, history, lang)
        a = ranked[0][0]
        if not first or first[0][0] != a or first[0][1] < self.kb_threshold:
            return None
        q_emb, m_emb = self._vectors(text, lang)
        return a, self.kb_threshold, self.knowledge.best_passage_for(a, text, q_emb, lang, m_emb, detail=True), q_emb

    def _a_name_on_the_answer(self, text: str, history: Sequence[Turn], lang: str) -> tuple | None:
        """(article, confidence, passage, embedding) for a short follow-up naming what the article answering the
        question before names ("and Madrid on Sunday?" after the Lisbon store's hours, which name the Madrid store
        too): that article's passage naming it. It was handed off, the delivery times naming "Madrid time" as well
        (trial 51b). None otherwise: a name the article does not have is the place rules' or the missing names'."""
        names = [w for w in _capitalised(" " + (_after_acknowledgment(sentences(text)) or text))
                 if len(w) > 3 and not _WHEN_NAMES.fullmatch(normalize(w))]  # (not "Sunday")
        if not names or len(text.split()) > FOLLOW_UP_WORDS:
            return None
        first, b_emb = self._ranked_before(text, history, lang)
        if not first or first[0][1] < self.kb_threshold:
            return None
        a = first[0][0]
        if any(a not in self.knowledge.articles_naming(name) for name in names):
            return None
        passage = self._passage_naming(a, names, lang)
        return None if passage is None else (a, max(first[0][1], self.kb_threshold), passage, b_emb)

    def _the_answer_before(self, text: str, history: Sequence[Turn], lang: str) -> tuple | None:
        """(article, confidence, passage, embedding) of the answer to the question before `text`: its article, the
        passage the assistant quoted; None when it found none."""
        first, b_emb = self._ranked_before(text, history, lang)
        if not first or first[0][1] < self.kb_threshold:
            return None
        a, conf, p, _ = first[0]
        quoted = self._passage_quoted_in(_last_ai_answer(history), a, lang)
        return a, conf, p if quoted is None else quoted, b_emb

    def _passage_quoted_in(self, said: str, article: int, lang: str, holds=lambda norm: True) -> int | None:
        """The first body passage of `article` that the assistant's text `said` quotes (and for which `holds` is
        true of its normalized text), or None."""
        said = normalize(said)
        return self.knowledge.passage_where(article, lang, lambda norm: norm[:80] in said and holds(norm))

    def _ranked_before(self, text: str, history: Sequence[Turn], lang: str) -> tuple[list, np.ndarray | None]:
        """The ranking of the visitor's question before `text`, with its MiniLM vector; ([], None) when none."""
        before = _question_before(text, history)
        if not before:
            return [], None
        b_emb, b_m = self._vectors(before, lang)
        return self._ranked(before, lang, b_emb, b_m), b_emb

    def _an_amount_for_the_answer(self, text: str, history: Sequence[Turn], lang: str) -> tuple | None:
        """(article, confidence, passage, embedding) for a short question giving an amount right after an answer whose
        passage sets one ("for an order of 80 euros?" after Klarna's "on orders over 100 euros"): that passage again,
        to measure the amount against. It found nothing, and was handed off (trial of 4 Dec). None otherwise."""
        said = _last_ai_answer(history)
        if not said or "?" not in text or len(text.split()) > FOLLOW_UP_WORDS + 2 or not AMOUNT.search(normalize(text)):
            return None
        first, b_emb = self._ranked_before(text, history, lang)
        if not first or first[0][1] < self.kb_threshold:
            return None
        a = first[0][0]
        p = self._passage_quoted_in(said, a, lang, lambda norm: bool(AMOUNT.search(norm)))
        return None if p is None else (a, max(first[0][1], self.kb_threshold), p, b_emb)

    def _cities_as_countries(self, text: str, lang: str) -> str:
        """`text` with each city no article names written as its country, when an article names that country (or the
        EU, for a member state's city): "I'm heading to Zurich next week, will my data work there?" found nothing (the
        roaming article names Switzerland), where "…to Switzerland…" finds it (re-trial 52). The place rules still read
        the message as written."""
        kb = self.knowledge
        return cities_as_countries(text, lambda city, country: not kb.articles_naming(city) and country in ALL_PLACES and (
            bool(self._articles_naming_places([country]))
            or in_the_eu(country) and bool(kb.articles_where(names_the_eu, key="the eu"))))

    def _a_place_for_the_answer(self, text: str, history: Sequence[Turn], lang: str, ranked: list) -> tuple | None:
        """(article, confidence, passage, embedding) for a short message naming a place (a country, or a city for its
        country) right after an answer from an article with one passage naming it, when the message alone (`ranked`)
        stays on that article (`_stays_on`): that passage (the roaming prices of the US after Switzerland's). None
        otherwise ("I live in France and my bill is wrong" is about the bill)."""
        if not _last_ai_answer(history) or len(text.split()) > FOLLOW_UP_WORDS + 8:
            return None
        places = list(places_named(text)) + [c for c in map(country_of_city, cities_named(text)) if c in ALL_PLACES]
        if not places:
            return None
        first, b_emb = self._ranked_before(text, history, lang)
        if not first or first[0][1] < self.kb_threshold:
            return None
        a = first[0][0]
        if ranked and not _stays_on(a, ranked, self.kb_threshold):
            return None
        naming = self._passages_of_place(a, places[0], lang)
        return (a, first[0][1], naming[0], b_emb) if len(naming) == 1 else None

    def _passages_of_place(self, article: int, place: str, lang: str) -> list[int]:
        """The body passages of `article` naming `place`, or, for a member state none names, those naming the EU."""
        naming = self.knowledge.passages_where(article, lang, lambda norm: names_place(norm, place)) \
            if place in ALL_PLACES else []
        return naming or (self.knowledge.passages_where(article, lang, names_the_eu) if in_the_eu(place) else [])

    def _goes_on_from(self, before: str, question: str, text: str, lang: str) -> bool:
        """Whether `question`, the part of `text` after `before`, asks the price or time of what `before` asks: a
        follow-up ("…and what does that cost from Austria?"), or a short one after "and" in the same sentence that,
        read with `before`, still finds `before`'s article first ("Wie lange habe ich Zeit für eine Rücksendung und was
        kostet sie aus Deutschland?" got the shipping price, the second part looked up alone: re-trial of 4 Dec)."""
        if _follows_up(question) or _asks_from_a_place(question):
            return True
        if not asks(question) & {"money", "duration"} or len(question.split()) > FOLLOW_UP_WORDS + 2 \
                or not any(before in s and question in s for s in sentences(text)):
            return False
        first = self.knowledge.score(before, *self._vectors(before, lang), lang)
        together = self.knowledge.score(f"{before} {question}", *self._vectors(f"{before} {question}", lang), lang)
        return bool(first and together) and first[0][0] == together[0][0]

    def _asks_of_itself(self, follow: str, before: int, lang: str) -> bool:
        """Whether a follow-up names what it asks of ("and how much to return it…" has "it"; "e quanto custa devolver de
        Portugal?" names returns): no word pointing back, and alone it finds another article than `before`, surely."""
        if _POINTS_BACK.search(normalize(follow)):
            return False
        alone = self.knowledge.score(follow, *self._vectors(follow, lang), lang)
        return bool(alone) and alone[0][0] != before and alone[0][1] >= self.kb_threshold

    def _detail_asked(self, article: int, conf: float, follow: str, lang: str, emb, said_before: str = "") -> tuple:
        """(article, confidence, passage, embedding) answering a follow-up from `article`: the passage giving the detail
        it asks for (`best_passage_for`'s `detail`, no lead for the opening passage). A price asked right after this
        article's passage that gave one (`said_before`: "how much?" after "exchanges for a different size are free") is
        that passage again, not the return label's price."""
        if said_before and "money" in asks(follow):
            again = self._passage_quoted_in(said_before, article, lang, lambda norm: "money" in gives(norm))
            if again is not None:
                return article, conf, again, emb
        follow_emb, follow_m = self._vectors(follow, lang)
        return article, conf, self.knowledge.best_passage_for(article, follow, follow_emb, lang, follow_m,
                                                              detail=True), emb

    def _named_in_one(self, text: str, ranked: list, lang: str) -> tuple | None:
        """Of two articles ranked near the threshold (NAMED_SHARE of it, both), the second when its text names what the
        question names and the first's does not ("do you ship to Portugal?": the delivery times name Portugal, 0.23, the
        international article ranks it 0.24 and does not; the threshold is 0.25); the first, near the threshold, when
        it alone of the two names it ("Habt ihr ein Geschäft in Lissabon?": the stores, 0.93 of the threshold, were
        handed off; "Do you have a shop in Lisbon?" too). None otherwise: a name both articles have decides nothing."""
        # (a term of the trade in capitals, no place: "where do I find the PUK?", "can I change my IBAN?")
        acronyms = [w for w in _capitalised(text) if 3 <= len(w) <= 5 and w.isupper() and not places_named(w)]
        names = [w for w in _capitalised(text) if len(w) > 3 and w not in acronyms] + acronyms
        if not names or not ranked or ranked[0][1] < self.kb_threshold * NAMED_ALONE:
            return None
        naming = self.knowledge.articles_naming(" ".join(names)) | self._articles_naming_acronyms(acronyms)
        if naming and ranked[0][0] in naming and len(names) > len(acronyms) \
                and not self._about_more_than(names, text, ranked[0][0], lang):
            # "what's the weather in Madrid tomorrow?": the shops' hours name Madrid (trial 52); a term of the trade
            # is what its question asks ("where do I find the PUK?")
            return None
        if naming == {ranked[0][0]} and ranked[0][1] < self.kb_threshold * NAMED_SHARE:
            # the one article naming it, further below the threshold ("Do you accept Bizum?": 0.76 of it, handed off:
            # trial of 4 Dec), quoting the passage that names it
            a, conf, p, sim = ranked[0]
            return a, conf, self._passage_naming(a, names, self.knowledge.language_of(p) or "en") or p, sim
        if ranked[0][1] < self.kb_threshold * NAMED_SHARE:
            return None
        if ranked[0][0] in naming and (len(ranked) < 2 or ranked[1][0] not in naming):
            a, conf, p, sim = ranked[0]  # ("Kann ich mit Bizum zahlen?" quoted Klarna's instalments)
            return a, conf, self._passage_naming(a, names, self.knowledge.language_of(p) or "en") or p, sim
        if len(ranked) < 2 or ranked[1][1] < self.kb_threshold * NAMED_SHARE:
            return None
        return ranked[1] if ranked[1][0] in naming and ranked[0][0] not in naming else None

    def _articles_naming_acronyms(self, acronyms: Sequence[str]) -> set[int]:
        """The articles naming one of three-letter `acronyms` as a word ("PUK", "VAT"), each worked out once."""
        return set().union(*(self.knowledge.articles_where(
            lambda norm, w=normalize(w): re.search(rf"\b{re.escape(w)}\b", norm) is not None, key=f"acronym:{w}")
            for w in acronyms))

    def _about_more_than(self, names: Sequence[str], text: str, article: int, lang: str) -> bool:
        """Whether `text` without `names` still ranks `article` first, at NAMELESS_SHARE of the threshold at least:
        "Do you accept Bizum?" without "Bizum" still asks about paying (0.17 for the ways of paying, threshold 0.25);
        "Can you recommend a good restaurant in Lisbon?" without "Lisbon" is about no article (0.10 for the stores'
        hours), nor is "what's the weather in Madrid tomorrow?" (0.07)."""
        rest = re.sub(rf"\b(?:{'|'.join(map(re.escape, names))})\b", " ", text)
        q, m = self._vectors(rest, lang)
        ranked = self._ranked(rest, lang, q, m)
        return bool(ranked) and ranked[0][0] == article and ranked[0][1] >= self.kb_threshold * NAMELESS_SHARE

    def _passage_naming(self, article: int, names: Sequence[str], lang: str) -> int | None:
        """The one body passage of `article` (in `lang` when translated) that names one of `names`, or None when none
        or several do."""
        pattern = re.compile(rf"\b(?:{'|'.join(re.escape(normalize(n)) for n in names)})\b")
        naming = self.knowledge.passages_where(article, lang, pattern.search)
        return naming[0] if len(naming) == 1 else None

    def _read_in_english(self, text: str, lang: str, ranked: list, m_emb) -> tuple[list, str, np.ndarray] | None:
        """(ranking, text, MiniLM vector) of `text` with its shop words in English (glossary.py), when a question not in
        English found nothing very sure (GLOSS_BELOW) and that reading, against the multilingual reading of the text as
        written (KnowledgeIndex.score), is surer; else None. Only then, so that the second MiniLM pass costs nothing
        to a question already answered ("¿Cuál es su política de devoluciones?")."""
        if lang == "en" or self.encoder is None or (ranked and ranked[0][1] >= self.kb_threshold * GLOSS_BELOW):
            return None
        english = in_english(text, lang)
        if not english:
            return None
        english_emb = self.encoder.encode_one(english)
        again = self.knowledge.score(english, english_emb, m_emb, lang, glossed=True)
        return (again, english, english_emb) if again and (not ranked or again[0][1] > ranked[0][1]) else None

    def _ranked(self, question: str, lang: str, q_emb, m_emb, *, glossed: bool = False) -> list:
        """The articles ranked for `question` as a message is answered: the knowledge base's score, then the place
        rules (`_by_place`). `glossed`: as a message is, read again with its shop words in English when unsure."""
        ranked = self.knowledge.score(question, q_emb, m_emb, lang)
        if glossed and (again := self._read_in_english(question, lang, ranked, m_emb)):
            ranked = again[0]
        return self._by_place(question, question, ranked, lang, q_emb, m_emb)

    def _by_place(self, text: str, kb_text: str, ranked: list, lang: str, q_emb, m_emb) -> list:
        """`ranked`, with the article that answers the place the question names first (`_named_place`, `_in_the_eu`)."""
        placed = self._named_place(text, kb_text, ranked, lang, q_emb, m_emb) \
            or self._in_the_eu(text, ranked, lang, q_emb, m_emb) or self._not_served(text, ranked, lang) \
            or self._not_arrived(text, ranked, lang)
        return ranked if placed is None else [placed, *(r for r in ranked if r[0] != placed[0])]

    def _not_arrived(self, text: str, ranked: list, lang: str) -> tuple | None:
        """(article, confidence, passage, similarity) for a question on a parcel not arriving ("what if it doesn't
        arrive by Friday?", "¿y si no llega el viernes?"), when the first article says nothing of one not arriving and
        one of the next two, ranked near it (NOT_ARRIVED_SHARE) and near the threshold (NAMED_SHARE), does: its
        passage saying so, with the first's confidence; else the one article saying so, when the first is near the
        threshold (NAMED_ALONE). The delivery times answered, ahead by 0.01 (trial 51)."""
        if len(ranked) < 2 or not NOT_ARRIVED.search(normalize(text)):
            return None
        says_so = NOT_ARRIVED.search
        if self.knowledge.passage_where(ranked[0][0], lang, says_so) is not None:
            return None
        for a, conf, _, sim in ranked[1:3]:
            if conf >= max(ranked[0][1] * NOT_ARRIVED_SHARE, self.kb_threshold * NAMED_SHARE) \
                    and (passage := self.knowledge.passage_where(a, lang, says_so)) is not None:
                return a, max(conf, ranked[0][1]), passage, sim
        # (ranked further down, in another language than MiniLM's, the one article saying so: "¿y si no llega el
        # viernes?" got the delivery times), when the question is one the articles are near (NAMED_ALONE)
        saying = self.knowledge.articles_where(says_so, key="not arrived")
        if len(saying) != 1 or ranked[0][1] < self.kb_threshold * NAMED_ALONE:
            return None
        a = next(iter(saying))
        passage = self.knowledge.passage_where(a, lang, says_so)
        return None if passage is None else (a, max(ranked[0][1], self.kb_threshold), passage, 0.0)

    def _not_served(self, text: str, ranked: list, lang: str) -> tuple | None:
        """(article, confidence, passage, similarity) for a question naming a country outside the EU that no article
        names ("Do you deliver to Canada?", "¿y a Canadá?" after the delivery times), when the article naming other
        countries outside the EU (the list of those the shop ships to, which tells the visitor it does not ship there)
        ranks among the first three and the first is near the threshold (NAMED_SHARE): its passage naming them. The
        first was handed off, or gave the EU's times and prices as Canada's (trial of 4 Dec). None otherwise, and for a
        place that belongs to a member state (places.part_of_a_member_state: the Canaries are neither list's), and when
        the first article is about no place (the question is on something else)."""
        places = [p for p in places_named(text) if abroad(p)]
        if not places or not ranked or ranked[0][1] < self.kb_threshold * NAMED_SHARE \
                or self._articles_naming_places(places):
            return None
        if ranked[0][0] not in self._articles_naming_places(ALL_PLACES) | self.knowledge.articles_where(names_the_eu,
                                                                                                     key="the eu"):
            return None  # a question on something else than where the shop ships ("do you have a store in Canada?")
        listing = self._articles_naming_places(ABROAD)
        a = next((r[0] for r in ranked[:3] if r[0] in listing), None)
        if a is None:
            return None
        passage = self.knowledge.passage_where(a, lang, lambda norm: any(names_place(norm, p) for p in ABROAD))
        if passage is None:
            return None
        return a, max(ranked[0][1], self.kb_threshold), passage, 0.0

    def _unlisted(self, text: str, ranked: list, answer: KBAnswer | None, lang: str) -> tuple[str, tuple] | None:
        """(the name, (article, confidence, passage, similarity)) when the question names something no article has
        (`_unwritten_names`) and the article answering it, or ranked first near the threshold (NAMED_SHARE), has a
        passage listing what is accepted or offered by name (`_A_LIST`); the name "" when it is a short form of one
        the list has ("Amex"); else None."""
        # (a city is its country's: `_unwritten_place`)
        names = [n for n in _unwritten_names(text, lang) if not self.knowledge.articles_naming(n) and not country_of_city(n)]
        if not names:
            return None
        if answer is not None:
            a, conf = self.knowledge.article_ids.index(answer.article_id), answer.confidence
        else:
            a, conf = ranked[0][0], ranked[0][1]
            if conf < self.kb_threshold * NAMED_SHARE:
                return None
        passage = self._listing(a, lang)
        if passage is None:
            return None
        # (a short form of a name the list has is no missing name: "Amex" is American Express, trial of 4 Dec)
        listed = re.findall(r"[A-ZÀ-ÖØ-Þ][\w&]*(?: [A-ZÀ-ÖØ-Þ][\w&]*)*", self.knowledge.passages[passage])
        missing = [n for n in names if not any(_shortens(n, full) for full in listed)]
        # (every name a short form of one listed: the list answers, with nothing said missing)
        return missing[0] if missing else "", (a, max(conf, self.kb_threshold), passage, 0.0)

    def _thing_asked_again(self, text: str, history: Sequence[Turn], lang: str, ranked: list) -> tuple[str, list]:
        """(the question, its ranking) `_thing_not_covered` reads: a short follow-up naming no thing of its own, of a
        question before that named one, is that question asked of the follow-up's thing ("¿y con tarjeta de
        débito?" after "¿Puedo pagar contra reembolso?": paying with a debit card; "et des kayaks ?" after "Vous
        vendez des vestes ?"), or, asking nothing of its own, that question again ("so that's a no?"); else the
        message as it is. Those follow-ups got Klarna's instalments, the gift cards, the delivery times (trial 51)."""
        if asked_thing(text, lang)[0] or asks_ways_of_paying(text):
            return text, ranked
        before = _question_before(text, history)
        if not before or not asked_thing(before, lang)[0]:
            return text, ranked
        follow = _after_acknowledgment(sentences(text)) or text
        again = _with_new_slot(before, follow, lang)
        if again is not None and normalize(again[1]) in normalize(asked_thing(again[0], lang)[0]):
            question = again[0]
        elif again is not None and asked_thing(before, lang)[1] == "pay":
            # (the slot put after the thing before: "¿Puedo pagar contra reembolso con tarjeta de débito?")
            question = _PAYING_WITH.get(lang, _PAYING_WITH["en"]).format(again[1])
        elif (other := _AND_THE.match(follow)) and len(other.group("thing").split()) <= 4:
            # "and the delivery address?" after "Can I change the colour of my order?": that question of the address
            thing_before = asked_thing(before, lang)[0]
            question = re.sub(re.escape(thing_before), other.group("thing"), before, count=1, flags=re.IGNORECASE)
        elif _points_back(text) and not asks(text) and len(follow.split()) <= FOLLOW_UP_WORDS:
            question = before
        else:
            return text, ranked
        return question, self._ranked(question, lang, *self._vectors(question, lang))

    def _thing_not_covered(self, text: str, ranked: list, answer: KBAnswer | None, lang: str
                           ) -> tuple[str, tuple | None, str] | None:
        """When the question asks about a thing after a verb of paying, selling or changing (things.asked_thing:
        "bank transfer", "bicycles") that the article answering it, or ranked first, does not mention in any
        language: (the thing as written, the (article, confidence, passage, similarity) to answer from instead or
        None to keep the answer, the phrase to say first or ""); no answer at all when both are empty. None when the
        article mentions it, has no text in the visitor's language to compare with, or when nothing answers and no
        other article helps."""
        thing, kind = asked_thing(text, lang)
        if not thing:
            # ("ok so what can I pay with then?" below the threshold was handed off, "¿con qué puedo pagar?" got
            # Klarna's instalments alone: the list of the ways of paying)
            if not asks_ways_of_paying(text):
                return None
            if answer is not None:
                a = self.knowledge.article_ids.index(answer.article_id)
                listing = self._listing(a, lang)
                if listing is None or self.knowledge.passages[listing] in answer.passage:
                    return None
                return "", (a, answer.confidence, listing, 0.0), ""
            for b, b_conf, *_ in ranked[:3]:
                if b_conf >= self.kb_threshold * LISTING_SHARE and self.knowledge.reads_in(b, lang) \
                        and (listing := self._listing(b, lang)) is not None:
                    return "", (b, max(b_conf, self.kb_threshold), listing, 0.0), ""
            return None
        if answer is not None:
            a, conf = self.knowledge.article_ids.index(answer.article_id), answer.confidence
        else:
            a, conf = ranked[0][0], ranked[0][1]
        if not self.knowledge.reads_in(a, lang):
            return None
        if kind == "sell":
            return self._sold(thing, a, answer, ranked, lang)
        if kind == "pay" and self._listing(a, lang) is None and not self._mentions(a, thing, lang, whole=True):
            # a way of paying asked of an article on something else: the article listing the ways of paying, ranked
            # near ("do you take credit cards?" got the gift cards, "Can I pay cash in the Madrid store?" the hours)
            near = [(b, b_conf) for b, b_conf, *_ in ranked[:3] if b_conf >= self.kb_threshold * LISTING_SHARE]
            if names_a_way_of_paying(text, thing):  # (the list of the ways of paying wherever it ranks: "Posso
                # pagar contra reembolso?" got the returns, "reembolso" being a refund; "Do you accept Maestro?" was
                # handed off)
                near += [(b, 0.0) for b in range(len(self.knowledge.article_ids))
                         if self._mentions(b, "visa", lang) or self._mentions(b, "paypal", lang)]
            for b, b_conf in near:
                if b != a and self.knowledge.reads_in(b, lang) and (listing := self._listing(b, lang)) is not None:
                    return thing, (b, max(b_conf, self.kb_threshold), listing, 0.0), \
                        "" if self._mentions(b, thing, lang) else "thing_not_mentioned"
        if self._mentions(a, thing, lang):
            # (a way of paying the article's list covers, answered from its other passage: "¿Puedo pagar con tarjeta
            # de débito?" got Klarna's instalments, read as a yes)
            listing = self._listing(a, lang)
            if kind == "pay" and answer is not None and listing is not None and not covered_by(
                    thing, words_in(answer.passage), lang):
                return thing, (a, conf, listing, 0.0), ""
            return None
        # another article ranked near it that mentions the thing answers ("¿Puedo cambiar el color?" got the returns,
        # the order changes second)
        for b, b_conf, *_ in ranked[:3]:
            if b != a and b_conf >= self.kb_threshold * NAMED_SHARE and self.knowledge.reads_in(b, lang) \
                    and self._mentions(b, thing, lang) and (passage := self._passage_mentioning(b, thing, lang)) is not None:
                return thing, (b, max(b_conf, self.kb_threshold), passage, 0.0), ""
        # (a way of paying asked of the article listing them, further below the threshold: "Do you accept Maestro?",
        # 0.6 of it, was handed off)
        means = kind == "pay" and names_a_way_of_paying(text, thing)
        if conf < self.kb_threshold * (LISTING_SHARE if means else NAMED_SHARE):
            return None
        if (listing := self._listing(a, lang)) is not None:  # the list of what there is, said to lack it
            return thing, (a, max(conf, self.kb_threshold), listing, 0.0), "thing_not_mentioned"
        if answer is None:
            return None
        # a change the article on changes does not name is said to be missing over what it says ("Can I change the
        # delivery address?"); a way of paying too, when some article names it; else no answer
        said = kind == "change" or self._mentioned_anywhere(thing, lang)
        return thing, None, "thing_not_mentioned" if said else ""

    def _sold(self, thing: str, a: int, answer: KBAnswer | None, ranked: list, lang: str
              ) -> tuple[str, tuple | None, str] | None:
        """`_thing_not_covered` for something asked to be sold ("do you sell tents?"): the first article, answering
        or ranked, then any, with a passage mentioning it, quoted as such ("Our help articles mention “tents”
        here: … Tents and backpacks have a lifetime warranty…"); None when the answer is from it; no answer when
        no article mentions it ("do you sell bicycles?" got the gift cards: trial of 4 Dec)."""
        confidence = {r[0]: r[1] for r in ranked}
        for b in dict.fromkeys([a, *(r[0] for r in ranked), *range(len(self.knowledge.article_ids))]):
            if not self.knowledge.reads_in(b, lang) or (passage := self._passage_mentioning(b, thing, lang)) is None:
                continue
            if b == a and answer is not None:
                return None
            return thing, (b, max(confidence.get(b, 0.0), self.kb_threshold), passage, 0.0), "thing_mentioned"
        return None if answer is None else (thing, None, "")

    def _listing(self, article: int, lang: str) -> int | None:
        """The passage of `article` listing what is accepted or offered by name (`_A_LIST`), or None."""
        return self.knowledge.passage_where(article, lang, _A_LIST.search, as_written=True)

    def _passage_mentioning(self, article: int, thing: str, lang: str) -> int | None:
        """The first body passage of `article` (in `lang` when translated) mentioning `thing`, or None."""
        return self.knowledge.passage_where(article, lang,
                                            lambda norm: covered_by(thing, re.findall(r"[^\W\d_]+", norm), lang))

    def _mentions(self, article: int, thing: str, lang: str, *, whole: bool = False) -> bool:
        return covered_by(thing, self.knowledge.vocabulary(article, lang), lang, whole=whole)

    def _mentioned_anywhere(self, thing: str, lang: str) -> bool:
        """Whether an article with text in the visitor's language mentions `thing`."""
        return any(self.knowledge.reads_in(a, lang) and self._mentions(a, thing, lang)
                   for a in range(len(self.knowledge.article_ids)))

    def _detail_not_given(self, text: str, answer: KBAnswer, lang: str) -> str:
        """The phrase saying the articles lack what the question asks, when it asks a price or a length of time (not
        whether something is free) and no passage of `answer`'s article gives one; else ""."""
        asked = asks(text)
        a = self.knowledge.article_ids.index(answer.article_id)
        for kind, key in (("money", "price_not_given"), ("duration", "time_not_given")):
            # (in the article as written too: a translation may write its figures out)
            if kind in asked and "free" not in asked and all(self.knowledge.passage_where(
                    a, language, lambda norm, kind=kind: kind in gives(norm)) is None for language in {lang, "en"}):
                return key
        return ""

    def _unwritten_place(self, text: str, answer: KBAnswer, lang: str) -> tuple[str, int | None] | None:
        """(the name as written, the passage to quote or None) when the question asks about a place no article names
        and `answer`'s article names some: a name after "in", "en", "à"… (`_unwritten_names`: "a store in Barcelona"),
        quoted with the first passage giving names ("Our Madrid store…", not the store pickup); or a part of a member
        state ("the Canaries"), with the passage naming its member state. None otherwise."""
        a = self.knowledge.article_ids.index(answer.article_id)
        for place in places_named(text):
            if part_of_a_member_state(place) and not self._articles_naming_places([place]):
                state = member_state_of(place)
                return as_written(text, place), self.knowledge.passage_where(a, lang, lambda n: names_place(n, state))
        names = [n for n in _unwritten_names(text, lang, located=True) if not self.knowledge.articles_naming(n)
                 and not self._mentioned_anywhere(n, lang)]  # ("bei Wanderschuhen": "Wanderschuhe")
        cities = [c for c in cities_named(text) if not self.knowledge.articles_naming(c)]  # ("flying to Lisbon")
        if not names and not cities:
            return None
        for name in [*names, *cities]:
            # a city of a country the article names, or of a member state where it names the EU: that country's
            # passage, with nothing said missing ("flying to Lisbon… will my phone just work?" got "I don't see
            # Lisbon" and the rest of the world's roaming prices: trial 52)
            if (country := country_of_city(name)) and (naming := self._passages_of_place(a, country, lang)):
                if _gives_less(text, answer.passage, self.knowledge.passages[naming[0]]):
                    return "", None  # ("How much is shipping to Munich?": the prices, not the EU's delivery times)
                return "", naming[0]
        if not names:
            return None
        passage = self.knowledge.passage_where(a, lang, lambda text: len(_capitalised(text)) >= 2, as_written=True)
        return None if passage is None else (names[0], passage)

    def _not_listed(self, text: str, answer: KBAnswer) -> str:
        """The visitor's name for a country outside the EU that no article names, when `answer` quotes the article
        listing the countries outside the EU the shop serves (`_not_served`'s); else ""."""
        places = [p for p in places_named(text) if abroad(p)]
        if not places or self._articles_naming_places(places):
            return ""
        listing = self._articles_naming_places(ABROAD)
        if self.knowledge.article_ids.index(answer.article_id) not in listing:
            return ""
        return as_written(text, places[0])

    def _asked_of_an_unwritten_name(self, text: str, history: Sequence[Turn], lang: str) -> str:
        """The name a short follow-up asks the question before of ("et à Paris ?", "and in Porto?"), when no article
        has it; else ""."""
        before = _question_before(text, history)
        again = _with_new_slot(before, _after_acknowledgment(sentences(text)) or text, lang) if before else None
        # (a country is the place rules' own: "and to Germany?" is the EU's)
        if again is None or not any(w[:1].isupper() for w in again[1].split()) or places_named(again[1]) \
                or self.knowledge.articles_naming(again[1]):
            return ""
        return again[1]

    def _named_place(self, text: str, kb_text: str, ranked: list, lang: str, q_emb, m_emb) -> tuple | None:
        """(article, confidence, passage, similarity) for a question naming a place (places.py) that the article ranked
        first, near the threshold at least (NAMED_SHARE), does not name: the article among the next two that names it,
        near the threshold (PLACE_SHARE). "How much does shipping to Norway cost?" got the EU's prices, "how long does
        delivery to the USA take?" the EU's times (trial of 4 Dec). None otherwise ("can I pay with PayPal from
        Norway?" stays with the payment methods)."""
        places = places_named(text)
        if not places or not ranked or ranked[0][1] < self.kb_threshold * NAMED_SHARE:
            return None
        named = self._articles_naming_places(places)
        first, conf, p, sim = ranked[0]
        if first in named:  # "Do you deliver to Switzerland?" near the threshold: the article naming it answers
            return first, max(conf, self.kb_threshold), p, sim
        if not named:
            return None
        for a, other_conf, _, other_sim in ranked[1:3]:
            if a in named and other_conf >= self.kb_threshold * PLACE_SHARE:
                return a, max(conf, self.kb_threshold), self.knowledge.best_passage_for(a, kb_text, q_emb, lang, m_emb), \
                    other_sim
        if first in self._articles_naming_places(ALL_PLACES) and first not in self.knowledge.articles_where(
                names_other_countries, key="other countries"):
            # the first article is about other places ("…in Spain and Portugal, … the rest of the EU"): its figures
            # are not this place's ("Was kostet der Versand nach Norwegen?" got the EU's prices: re-trial of 4 Dec),
            # unless it speaks of other countries too ("Combien coûte le retour depuis la Suisse ?": the returns' label
            # "from other countries", not the countries shipped to: trial of 4 Dec)
            a = _best_ranked(named, ranked)
            return a, max(conf, self.kb_threshold), self.knowledge.best_passage_for(a, kb_text, q_emb, lang, m_emb), 0.0
        return None

    def _names_a_place_of(self, text: str, article: int) -> bool:
        """Whether `text` names a place the article names ("enviam para Portugal?": the delivery times name Portugal)."""
        places = places_named(text)
        return bool(places) and article in self._articles_naming_places(places)

    def _articles_naming_places(self, places: tuple[str, ...] | list[str]) -> frozenset[int]:
        """The articles naming one of the places (places.py), each place's worked out once per knowledge base."""
        kb = self.knowledge
        return frozenset().union(*(kb.articles_where(lambda norm, p=p: names_place(norm, p), key=f"place:{p}")
                                   for p in places))

    def _in_the_eu(self, text: str, ranked: list, lang: str, q_emb, m_emb) -> tuple | None:
        """(article, confidence, passage, similarity) for a question naming a member state of the EU that no article
        names, when the article ranked first, near the threshold at least (NAMED_SHARE), is about places outside the
        EU and another names the EU itself (places.py): that one, quoting its passage naming the EU, or the one giving
        the price or time asked for. None otherwise ("do you have a store in Austria?" finds the stores)."""
        members = [p for p in places_named(text) if in_the_eu(p)]
        if not members or not ranked or ranked[0][1] < self.kb_threshold * NAMED_SHARE:
            return None
        kb = self.knowledge
        first, conf, p, sim = ranked[0]
        if self._articles_naming_places(members):
            return None
        inside = kb.articles_where(names_the_eu, key="the eu")
        if first in inside:  # "¿hacéis envíos a Bélgica?": the delivery times, from the passage naming the EU
            a = first
        elif first in kb.articles_where(names_outside_the_eu, key="outside the eu") and inside:
            a, sim = _best_ranked(inside, ranked), 0.0
        else:
            return None
        on_the_eu = kb.passage_where(a, lang, names_the_eu)
        asked = asks(text)
        # (asked for a price or a time, that passage when it gives it: "Quels sont les délais de livraison en Belgique ?"
        # got the same-day dispatch, trial of 4 Dec)
        if on_the_eu is not None and (not asked or asked & gives(kb.passages[on_the_eu])):
            p = on_the_eu
        elif a != first:
            p = kb.best_passage_for(a, text, q_emb, lang, m_emb)
        # (the place answers as _named_in_one's does: the question is the first article's, near the threshold)
        return a, max(conf, self.kb_threshold), p, sim

    def _asked_again(self, text: str, history: Sequence[Turn], lang: str):
        """(question, MiniLM vector, multilingual vector, its ranking) of the question before asked about the new place
        or thing a short follow-up names ("and to Germany?": `_with_new_slot`), or None. A place only other articles name is
        theirs: "and to Switzerland?" after the EU delivery times (the rewritten question ranks the delivery times
        first; the international article lists Switzerland)."""
        before = _question_before(text, history)
        asked_again = _with_new_slot(before, _after_acknowledgment(sentences(text)) or text, lang) if before else None
        if asked_again is None:
            return None
        question, named = asked_again
        q, m = self._vectors(question, lang)
        ranked = self._ranked(question, lang, q, m)
        naming = self.knowledge.articles_naming(named)
        return (question, q, m, ranked) if ranked and (not naming or ranked[0][0] in naming) else None

    def _each_question_answered(self, text: str, lang: str) -> KBAnswer | None:
        """A message asking two or three things ("How long does shipping take to Germany? And what is your return
        policy?") answered from as many articles, each question looked up alone, in the message's order; None
        unless at least two questions each find a different article above the threshold. (Across languages a
        second question often stays below it: "¿… y cuál es su política de devoluciones?" alone reaches 0.15.
        Taking it at half the threshold when the whole message ranked its article near answered 4 more of 44
        two-question messages in es/fr/de/pt and 2 more wrongly: not kept.)"""
        questions = [q.strip() for sentence in sentences(text) if "?" in sentence or _ASKS_UNMARKED.match(sentence)
                     for q in _AND_ASKS.split(sentence) if len(q.split()) >= 3]
        if len(questions) < 2:
            return None
        questions = questions[:MORE_QUESTIONS]
        # each encoder once for all the questions (one forward pass costs little more than one question's)
        q_embs = self.encoder.encode_parts(questions) if self.encoder is not None else [None] * len(questions)
        m_embs = self.ml_encoder.encode(questions) if self.ml_encoder is not None and self.knowledge.reads_across(lang) \
            else [None] * len(questions)
        found: dict[int, KBAnswer] = {}
        for i, (question, q_emb, m_emb) in enumerate(zip(questions, q_embs, m_embs)):
            if i and self._goes_on_from(questions[i - 1], question, text, lang):
                continue  # the price or time of what the question before asks: that article's (`_each_part_quoted`)
            # (the place's own rules: "Do you ship to Germany and how much does it cost?" got the list of countries
            # outside the EU for Germany)
            ranked = self._ranked(question, lang, q_emb, m_emb, glossed=True)
            if not ranked:
                continue
            said = ""
            if (unlisted := self._unlisted(question, ranked, None, lang)) is not None:
                # ("Posso pagar com Google Pay e quanto custa o envio para Espanha?" lost its second half: re-trial)
                name, (a, conf, p, _) = unlisted
                said = phrase("name_not_listed", lang, name=name) if name else ""
            elif ranked[0][1] >= self.kb_threshold:
                a, conf, p, _ = ranked[0]
            elif (named := self._named_in_one(question, ranked, lang)) is not None:
                a, conf, p, _ = named  # (a name only one article has, as a message's: "Bizum")
            else:
                continue
            if a not in found:
                answer = self._answer(a, conf, p, q_emb, lang)
                found[a] = _said_first(answer, said) if said else answer
        if len(found) < 2:
            return None
        first, *rest = found.values()
        return replace(first, text="\n\n".join(x.text for x in found.values()),
                       confidence=min(x.confidence for x in found.values()), also=tuple(rest))

    def _quoting_the_place(self, answer: KBAnswer, text: str, q_emb, lang: str) -> KBAnswer:
        """`answer` quoting the one passage of its article that names the place the question names (places.py), when
        the passage it quotes does not: "How much does roaming cost in Switzerland?" got the EU's roaming over the
        passage saying Switzerland is not in the EU zone (trial 52). Not over a word said before the quote."""
        places = places_named(text)
        if not places or not answer.text.startswith(answer.passage[:40]):
            return answer
        names = lambda norm: any(names_place(norm, place) for place in places)  # noqa: E731
        if names(normalize(answer.passage)):
            return answer
        kb = self.knowledge
        a = kb.article_ids.index(answer.article_id)
        naming = kb.passages_where(a, lang, names)
        if len(naming) != 1 or _gives_less(text, answer.passage, kb.passages[naming[0]]):
            return answer  # ("how much is shipping to Portugal?": the prices, not the times naming Portugal)
        return self._answer(a, answer.confidence, naming[0], q_emb, lang)

    def _each_part_quoted(self, answer: KBAnswer, text: str, lang: str) -> KBAnswer:
        """`answer` quoting, from its article, the passage each of the message's questions asks for when they ask for
        different ones ("do you deliver to the UK? and what about customs": the countries and the customs paragraph
        of one article; before, only the first). A question counts when, looked up alone, it ranks this article close to
        its first (PART_SHARE; one about something else is not answered from it), or when it follows up the one before
        ("and what does that cost?")."""
        questions = questions_in(text)[:MORE_QUESTIONS]
        if len(questions) < 2:
            return answer
        kb = self.knowledge
        a = kb.article_ids.index(answer.article_id)
        if kb.body_passages(a, lang) < 2:  # one passage to quote: nothing to look up
            return answer
        q_embs = self.encoder.encode_parts(questions) if self.encoder is not None else [None] * len(questions)
        m_embs = self.ml_encoder.encode(questions) if self.ml_encoder is not None and self.knowledge.reads_across(lang) \
            else [None] * len(questions)
        chosen: dict[int, np.ndarray | None] = {}
        for i, (question, q_emb, m_emb) in enumerate(zip(questions, q_embs, m_embs)):
            if i and self._goes_on_from(questions[i - 1], question, text, lang):
                # "…zurückschicken und was kostet das aus Österreich?": the price of what the question before asks
                # (alone it ranks the shipping prices first: the price came alone, the how left out: re-trial of 4 Dec)
                chosen.setdefault(kb.best_passage_for(a, question, q_emb, lang, m_emb, detail=True), q_emb)
                continue
            ranked = self._ranked(question, lang, q_emb, m_emb)
            mine = next(((conf, p) for b, conf, p, _ in ranked if b == a), None)
            if mine is not None and mine[0] >= PART_SHARE * ranked[0][1]:
                chosen.setdefault(mine[1], q_emb)
        if len(chosen) < 2:
            return answer
        first = self._answer(a, answer.confidence, next(iter(chosen)), next(iter(chosen.values())), lang)
        source = first.text.rsplit("\n\n", 1)[-1]
        return replace(first, passage="\n\n".join(kb.passages[p] for p in chosen),
                       text="\n\n".join([kb.condensed(p, e) for p, e in chosen.items()] + [source]))

    @staticmethod
    def _kb_multilingual(text: str, m_emb, ml_encoder):
        """The multilingual vector the knowledge base is searched with: the message's, sentence-cased (embedded in
        `_second_features`' batch), since the encoder reads letter case and articles' questions are written
        capitalised."""
        cased = sentence_cased(text)
        return ml_encoder.encode_one(cased) if cased != text and ml_encoder is not None else m_emb

    def _second_features(self, text: str, lang: str):
        """(n-gram row, (multilingual embedding, the multilingual encoder with the texts the
        human-request detector may read again already embedded)) of a message."""
        with config_context(assume_finite=True, skip_parameter_validation=True):  # thread-local
            parts = d.texts_read_again(text, lang)
            if (cased := sentence_cased(text)) != text:  # the knowledge base reads it so (_kb_multilingual)
                parts = [*parts, cased]
            multilingual = self.ml_encoder.encode_message(text, parts) if self.ml_encoder is not None else (None, None)
            return self.models.lexical.transform([text]), multilingual

    def brief(self, text: str, question: str) -> str:
        """An answer as a text message (SMS) says it: each paragraph longer than BRIEF_LIMIT cut to its sentences
        closest to `question`; the article's name and link, short, as they are (a 420-character quote with its
        link was four texts on the visitor's phone: trials of 3 and 4 Dec)."""
        paragraphs = text.split("\n\n")
        if all(len(p) <= BRIEF_LIMIT for p in paragraphs):
            return text
        q_emb = self.encoder.encode_one(question) if self.encoder is not None else None
        return "\n\n".join(condense(p, q_emb, limit=BRIEF_LIMIT) for p in paragraphs)

    def passages_for(self, analysis: Analysis, k: int = 3) -> list[Passage]:
        """The best passages of the top articles, for a language model to answer from. Articles
        far below the threshold are left out: no passage is better than an unrelated one."""
        kb = self.knowledge
        if kb.empty:
            return []
        out = []
        floor = self.kb_threshold / 2
        position = {aid: i for i, aid in enumerate(kb.article_ids)}
        for n, (article_id, conf) in enumerate(analysis.candidates[:k]):
            if conf < floor and out:
                break
            a = position.get(article_id)
            if a is None:
                continue
            if analysis.answer is not None and analysis.answer.article_id == article_id:
                text = analysis.answer.passage
            elif n < len(analysis.candidate_passages):
                text = analysis.candidate_passages[n]
            else:
                continue
            out.append(Passage(kb.titles[a], kb.urls[a], text))
        return out

    def _answer(self, a: int, conf: float, p: int, q_emb: np.ndarray | None, lang: str) -> KBAnswer:
        """The reply quoting passage `p` of article `a` (the passage the knowledge index chose)."""
        kb = self.knowledge
        passage = kb.passages[p]
        quote = kb.condensed(p, q_emb)
        title, url = kb.title_in(a, p), kb.urls[a]
        if url and (translation := kb.language_of(p)):  # the article's page in the language quoted
            url = f"{url}{'&' if '?' in url else '?'}lang={translation}"
        source = phrase("kb_source", lang, title=title)
        if url:
            source = f"{source}: {url}"
        return KBAnswer(article_id=kb.article_ids[a], title=title, url=url, passage=passage,
                        text=f"{quote}\n\n{source}", confidence=round(conf, 4))


def _stays_on(article: int, alone: list, threshold: float, points_back: bool = False) -> bool:
    """Whether a follow-up stays on the article the question before it found: alone it ranks that article first
    too, or it names nothing of its own (its best article below FOLLOW_UP_VAGUE x the threshold: "¿Y es gratis?",
    "is it free?") and either points back at it (`points_back`: "and how do I start one?") or that article is about
    as close as any (FOLLOW_UP_NEAR x the best). "and to Switzerland?" after a question on shipping times ranks
    international shipping first, clearly: not a follow-up."""
    if alone[0][0] == article:
        return True
    conf = {a: c for a, c, _, _ in alone}
    return alone[0][1] < FOLLOW_UP_VAGUE * threshold and (
        points_back or conf.get(article, 0.0) >= FOLLOW_UP_NEAR * alone[0][1])


def _points_back(text: str) -> str:
    """The follow-up in `text` when it is a short one pointing back at what was asked before (`_pointing_back`),
    else ""."""
    follow = _after_acknowledgment(sentences(text)) or text
    norm = normalize(follow)
    # "how long?", "how much?", "¿cuánto cuesta?", "et c'est gratuit ?" (its "?" spaced off is no word)
    elliptic = len([w for w in follow.split() if re.search(r"\w", w)]) <= 3 and bool(asks(follow))
    if (len(follow.split()) <= FOLLOW_UP_WORDS and len(sentences(follow)) <= 1
            and (elliptic or _POINTS_BACK.search(norm) or _THEY.search(norm)) and not _names_something(follow)):
        return follow
    return ""


def _best_ranked(articles: frozenset[int], ranked: list) -> int:
    """Of `articles`, the one ranked first (those not ranked after, the lowest index first)."""
    order = {a: i for i, (a, *_) in enumerate(ranked)}
    return min(articles, key=lambda a: (order.get(a, len(order)), a))


def _asks_of_a_place(text: str) -> str:
    """A short question for a price or a time with no place of its own ("e quanto tempo demora?", "and is shipping
    free?"): after a question naming a place it is asked of that place (re-trial of 4 Dec: the EU's times for
    Switzerland), else "". `_pointing_back` checks the place."""
    follow = _after_acknowledgment(sentences(text)) or text
    if (asks(follow) & {"money", "duration"} and len(follow.split()) <= FOLLOW_UP_WORDS
            and len(sentences(follow)) <= 1 and not _names_something(follow) and not places_named(follow)):
        return follow
    return ""


def questions_in(text: str) -> list[str]:
    """The questions a message asks, each sentence cut at "and how…", "y cuánto…" (`_AND_ASKS`): "where is my order and
    how do I return it?" asks two."""
    # (a price or a time asked after "and" in two words counts: "¿Cuánto tarda el envío a Portugal y cuánto cuesta?"
    # got the price alone, "…e quanto custa?" the time alone: re-trial of 4 Dec)
    return [q.strip() for sentence in sentences(text) for i, q in enumerate(_AND_ASKS.split(sentence))
            if (len(q.split()) >= 3 or (i and asks(q))) and ("?" in q or _ASKS_UNMARKED.match(q))]


def _follows_up(text: str) -> bool:
    """A follow-up of the question before it ("and how long does it take?", "how long?", "and is shipping free?"), not a
    short question of its own ("How long does shipping take?": "how much?" after it was handed off, its question
    passed over as a follow-up: trial of 4 Dec)."""
    return bool(_points_back(text)) or bool(_asks_of_a_place(text)) and (
        len(text.split()) <= 3 or bool(_GOES_ON.match(normalize(text))))


def _asks_from_a_place(text: str) -> str:
    """A short question for a price or a time that names a place and goes on from the question before ("und was kostet
    das aus Österreich?", "e quanto custa a partir de França?", "and how much is it from Italy?"): asked of what the
    question before asked, from or to that place; else "". `_pointing_back` checks that both read alike."""
    follow = _after_acknowledgment(sentences(text)) or text
    norm = normalize(follow)
    said = [w for w in follow.split() if re.search(r"\w", w)]  # ("Belgique ?": its "?" spaced off is no word)
    if (asks(follow) & {"money", "duration"} and len(said) <= FOLLOW_UP_WORDS + 2
            and len(sentences(follow)) <= 1 and places_named(follow)
            and (_GOES_ON.match(norm) or _POINTS_BACK.search(norm))):
        return follow
    return ""


def _names_something(text: str) -> bool:
    """A capitalised word after the first ("and to Norway?", "what about the Lisbon store?"): a name of its own."""
    return any(len(w) > 1 for w in _capitalised(text))  # (not "I")


# A passage listing what is accepted or offered by name: three names or more of a few words each, between commas
# ("Visa, Mastercard, American Express, PayPal, Bizum and Apple Pay"), as written
_A_LIST = re.compile(r"(?:\b[A-ZÀ-ÖØ-Þ]\w*(?: \w+){0,2}, ){2,}[A-ZÀ-ÖØ-Þ]")
# A name given for oneself is no name of a thing asked about ("Hi, I'm Maria, can I pay with…")
_INTRODUCED = re.compile(r"(?:\bi'?m|\bi\s+am|\bname\s+is|\bsoy|\bllamo|\bje\s+suis|\bappelle|\bich\s+bin|\bhei(?:ss|ß)e"
                         r"|\bsou|\bchamo(?:-me)?|\bhola|\bhi|\bhello|\bbonjour|\bhallo|\bol[aá])[\s,]+$", re.IGNORECASE)
_NOT_NAMES = frozenset({"OK", "FAQ", "AI", "XS", "XL", "XXL", "I"})
# days and months are no names of things ("Do you deliver in December?"), in the five languages
_WHEN_NAMES = re.compile(
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|may|june|july|august|september|october"
    r"|november|december|christmas|easter|lunes|martes|miercoles|jueves|viernes|sabado|domingo|enero|febrero|marzo|abril"
    r"|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|navidad|lundi|mardi|mercredi|jeudi|vendredi"
    r"|samedi|dimanche|janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|noel"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|januar|februar|marz|juni|juli|oktober|dezember"
    r"|weihnachten|segunda|terca|quarta|quinta|sexta|janeiro|fevereiro|marco|maio|junho|julho|agosto|setembro|outubro"
    r"|novembro|dezembro|natal")


_CLAUSE_BREAK = re.compile(r"\s+[-\u2013\u2014]\s+|[:;\])]\s+")
_GERMAN_YOU = frozenset({"Sie", "Ihr", "Ihre", "Ihren", "Ihrem", "Ihrer", "Ihnen", "Euch", "Eure", "Du", "Dein", "Deine"})
# "in", "at", "to" a place, in the five languages: what a name after it is ("a store in Barcelona")
_AT = re.compile(r"\b(?:in|at|near|en|a|à|au|aux|em|no|na|nach|bei|im|zu|de)\s+$", re.IGNORECASE)


def _unwritten_names(text: str, lang: str, *, located: bool = False) -> list[str]:
    """The names a question gives: runs of capitalised words after each sentence's first ("Google Pay", "MB Way"),
    not a place (places.py has its own rules), not the visitor's own name; `located`, only those after "in", "en",
    "à"… (`_AT`: a place the question asks about). German writes every noun with a capital: there only a run of two
    words or one in capitals ("Google Pay", "DHL"), or one `located`."""
    names = []
    # (a clause after a dash, a colon or a bracket starts with a capital too: "Quick question - Do you accept PayPal?"
    # and "[ref 18] Do you ship to Norway?" were told "I don't see Do in our help articles": trial 56)
    for sentence in [c for s in sentences(text) for c in _CLAUSE_BREAK.split(s)]:
        run: list[re.Match] = []
        for word in [*list(re.finditer(r"[^\W\d_]+", sentence))[1:], None]:
            if word is not None and word.group()[:1].isupper() and (
                    not run or not sentence[run[-1].end():word.start()].strip()):
                run.append(word)
                continue
            if run:
                if lang == "de" and run[0].group() in _GERMAN_YOU:  # ("Akzeptieren Sie Nachnahme?": no "Sie Nachnahme")
                    run = run[1:]
            if run:
                name, before = sentence[run[0].start():run[-1].end()], sentence[:run[0].start()]
                german_noun = lang == "de" and len(run) == 1 and not name.isupper() and not located
                if not (german_noun or name in _NOT_NAMES or _WHEN_NAMES.fullmatch(normalize(name)) or places_named(name)
                        or _INTRODUCED.search(before)
                        or (located and not _AT.search(before))):
                    names.append(name)
            run = [word] if word is not None and word.group()[:1].isupper() else []
    return names


def _quoting_also(answer: KBAnswer, other: KBAnswer) -> KBAnswer:
    """`answer` (from one article) with `other`'s passages of the same article after its own, under one source line."""
    body, source = answer.text.rsplit("\n\n", 1)
    other_body = other.text.rsplit("\n\n", 1)[0]
    return replace(answer, passage=f"{answer.passage}\n\n{other.passage}", text=f"{body}\n\n{other_body}\n\n{source}")


def _unless_for_someone_else(human: Signal, text: str, lang: str) -> Signal:
    """`human` not fired when the message is not for a person of the team after all: a lawyer ("quero falar com um
    advogado": the Legal topic's keyword brings one in, routed there; the request routed it to the default team: trial
    51c), or a way of paying read as a person by the classifiers, unsure ("Akzeptieren Sie Maestro?", 0.52: "maestro"
    is a master, a teacher: trial 51b), when that is all the message asks (not "…by card or talk to someone?")."""
    if not human.fired:
        return human
    norm = normalize(text)
    if _A_LAWYER.search(norm) and not _ONE_OF_US.search(norm):
        return Signal(human.score, False, "")
    thing, kind = asked_thing(text, lang)
    if human.evidence.startswith("classifiers") and human.score < PAYING_NOT_A_PERSON and kind == "pay" \
            and names_a_way_of_paying(text, thing) and text.strip().rstrip("?!. ").endswith(thing):
        return Signal(human.score, False, "")
    return human


def _said_first(answer: KBAnswer, words: str) -> KBAnswer:
    """`answer` with `words` before it ("I don't see Google Pay in our help articles. This is what they say: …")."""
    return replace(answer, text=f"{words} {answer.text}")


def _shortens(name: str, full: str) -> bool:
    """Whether `name` is a short form of `full`: its initials or the beginnings of its words run together ("AE",
    "Amex" for "American Express"), or `full` itself in other letters."""
    short, words = name.lower().replace(" ", ""), [w.lower() for w in full.split()]
    if short == "".join(words):
        return True
    if len(words) < 2:
        return False

    def built(rest: str, i: int) -> bool:  # `rest` made of a beginning of each of words[i:], in order
        if not rest:
            return i == len(words)
        return i < len(words) and any(words[i].startswith(rest[:k]) and built(rest[k:], i + 1)
                                      for k in range(1, len(rest) + 1))

    return built(short, 0)


def _gives_less(text: str, quoted: str, other: str) -> bool:
    """Whether passage `other` lacks the price or time `text` asks for, which the `quoted` passage gives."""
    asked = asks(text) - {"free"}
    return bool(asked & gives(quoted)) and not asked & gives(other)


def _asks_a_figure(text: str) -> bool:
    """A question of one sentence asking a price, a length of time or a date ("buenas, cuánto tarda en venir el técnico a
    instalar la fibra?" read as dissatisfied, 0.53, and got "Siento que esto sea frustrante": trial 52)."""
    return "?" in text and len(sentences(text)) == 1 and bool(asks(text) & {"money", "duration", "when"})


def _capitalised(text: str) -> list[str]:
    """The words of `text` after the first that start with a capital: the names it gives ("Norway", "Lisbon")."""
    return [w for w in re.findall(r"[^\W\d_]+", text)[1:] if w[:1].isupper()]


# A short question for an amount, asked of the answer before ("for an order of 80 euros?"), normalized
_FOR_AN_AMOUNT = re.compile(r"^\W*(?:for|para|pour|fur|what about|how about|with|con|com|avec|mit)\b")
# A follow-up that goes on from the question before ("and…", "y…", "e…", "et…", "und…"), normalized
_GOES_ON = re.compile(r"^\W*(?:and|also|so|y|e|et|und|auch|tambien|aussi|tambem|ademas)\b")


def _as_asked(before: str, history: Sequence[Turn], lang: str) -> str:
    """`before` as the visitor meant it: a short follow-up naming a new place or thing ("and to Switzerland?") is the
    question before it asked of that ("Do you ship to Switzerland?"); any other question as it is."""
    at = [i for i, t in enumerate(history) if t.sender == "visitor" and t.text.strip() == before.strip()]
    prior = _question_before(before, history[:at[-1]]) if at else ""
    again = _with_new_slot(prior, _after_acknowledgment(sentences(before)) or before, lang) if prior else None
    return again[0] if again else before


def _last_ai_answer(history: Sequence[Turn]) -> str:
    """What the assistant said last, or ""."""
    return next((t.text for t in reversed(history) if t.sender == "ai"), "")


def _question_before(text: str, history: Sequence[Turn], skip=lambda _: False) -> str:
    """The visitor's latest message before `text` (not `text` said again, nor one `skip` passes over), or ""."""
    return next((t.text for t in reversed(history)
                 if t.sender == "visitor" and t.text.strip() != text.strip() and not skip(t.text)), "")


def summarize(history: Sequence[Turn], gathered: Mapping[str, str], reason: str) -> str:
    """A short summary for the agent who takes over: the problem, what the AI tried, the facts."""
    visitor = [t.text.strip() for t in history if t.sender == "visitor" and t.text.strip()]
    ai = [t.text.strip() for t in history if t.sender == "ai" and t.text.strip()]
    lines: list[str] = []
    if reason:
        lines.append(f"Handoff: {reason}")
    substantive = [v for v in visitor if len(v.split()) >= 4 and not d.detect_smalltalk(v)]
    problem = substantive[0] if substantive else (visitor[0] if visitor else "")
    if problem:
        lines.append(f"Problem: {_clip(problem, 240)}")
    later = [v for v in visitor if v != problem]
    if later:
        lines.append(f"Latest from visitor: {_clip(later[-1], 200)}")
    if ai:
        tried = [_clip(a.split('\n')[0], 120) for a in ai[-2:]]
        lines.append("AI already replied: " + " | ".join(tried))
    else:
        lines.append("AI already replied: nothing yet")
    if gathered:
        lines.append("Gathered: " + ", ".join(f"{k}: {v}" for k, v in gathered.items()))
    return "\n".join(lines)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def _after_acknowledgment(parts: list[str]) -> str:
    """The message's sentences after the acknowledgments it opens with ("ok cool.", "thanks!"); "" when it opens
    with none or is nothing else."""
    at = 0
    while at < len(parts) and d.detect_smalltalk(parts[at]) in ("acknowledgment", "thanks", "confirmed"):
        at += 1
    return " ".join(parts[at:]) if 0 < at < len(parts) else ""
