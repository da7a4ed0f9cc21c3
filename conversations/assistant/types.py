"""The assistant's contracts: frozen dataclasses in and out, nothing from Django."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Sender = Literal["visitor", "ai", "agent", "system"]


@dataclass(frozen=True)
class ArticleTranslation:
    """An article written again in another language ("es", "fr", "de", "pt"): a visitor writing in it is
    quoted from it, and its words help find the article."""

    language: str
    title: str
    body: str
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    url: str = ""
    # Questions visitors ask that this article answers: matched like the title, never quoted.
    questions: tuple[str, ...] = ()
    translations: tuple[ArticleTranslation, ...] = ()


@dataclass(frozen=True)
class Topic:
    """A workspace's restricted topic: matched by keyword or by meaning of its examples."""

    name: str
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Turn:
    sender: Sender
    text: str


@dataclass(frozen=True)
class Signal:
    score: float  # 0..1
    fired: bool
    evidence: str = ""


NO_SIGNAL = Signal(0.0, False, "")


@dataclass(frozen=True)
class TopicMatch:
    name: str
    score: float
    evidence: str
    # matched only by closeness to an example on the multilingual vectors (no keyword, no intent, not in English):
    # the loosest evidence, which a surer knowledge-base answer outweighs (engine.TOPIC_OVER_KB_ACROSS)
    across: bool = False
    # matched only by closeness to an example (on either encoder): a knowledge-base answer about as close outweighs
    # it (engine.TOPIC_OVER_KB)
    by_example: bool = False


@dataclass(frozen=True)
class KBAnswer:
    article_id: str
    title: str
    url: str
    passage: str  # the best passage, verbatim
    text: str  # the reply for the visitor: the passage quoted or condensed, then the article named
    confidence: float
    also: tuple[KBAnswer, ...] = ()  # a message asking several things: the other questions' answers (in `text` too)


@dataclass(frozen=True)
class Passage:
    """A knowledge-base passage handed to a language model to answer from."""

    title: str
    url: str
    text: str


@dataclass(frozen=True)
class Analysis:
    language: str  # "en", "es", "fr", "de", "pt" (unknown text is reported as "en")
    human_request: Signal
    frustration: Signal  # complaint, angry wording, repeated questions, "that didn't help"
    not_helpful: Signal  # the visitor says the previous answer did not help
    repeated_question: Signal
    restricted_topic: TopicMatch | None
    out_of_scope: Signal  # fired: the knowledge base cannot answer (answer is None)
    answer: KBAnswer | None
    complaint: Signal = NO_SIGNAL  # the visitor wants to file a complaint (part of frustration)
    anger: Signal = NO_SIGNAL  # angry or exasperated wording (part of frustration)
    dissatisfied: Signal = NO_SIGNAL  # plain-words dissatisfaction ("a waste of my time": part of frustration)
    smalltalk: str | None = None  # "greeting", "thanks", "thanks_staff", "goodbye", "acknowledgment", "confirmed",
    # "unclear", "bot_question", "capabilities" ("what can you do?"), "still_there" ("are you there?"), "vague" (a need that says nothing of what it
    # is), "details" (an email or a number with nothing asked): nothing to look up
    # "are you a bot?": not a request for a person, but the AI says what it is and brings one in (turn_plan)
    asked_if_bot: Signal = NO_SIGNAL
    # "I don't want to talk to anyone, just tell me ...": a handoff the AI would start by itself becomes an offer
    declined_human: Signal = NO_SIGNAL
    asks_for_call: bool = False  # "could someone call me back?": a person asked for, to be reached by phone
    kb_confidence: float = 0.0  # best article's confidence, also when below the threshold
    candidates: tuple[tuple[str, float], ...] = field(default=())  # (article_id, confidence), best first
    candidate_passages: tuple[str, ...] = field(default=())  # each candidate's passage that answers the message

    @property
    def wants_person(self) -> bool:
        """For a flow, which cannot offer a person: asked for one, or asked "are you a bot?". The assistant's
        own turn answers a bot question honestly and offers a person (routing.decision)."""
        return self.human_request.fired or self.asked_if_bot.fired
