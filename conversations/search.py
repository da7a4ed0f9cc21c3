"""The inbox's full-text search: PostgreSQL text search over message bodies (notes included) and the
contact's name, email and phone.

Every word must match somewhere in the conversation (its messages or its contact), as a prefix, so
"refu" finds "refund" while the agent types; accents are folded on both sides ("tres" finds "três"). The 'simple' configuration (no stemming, no stop words)
because the assistant's five languages share one index; PostgreSQL's parser keeps a whole email
address as one token, so "ana@example.com" finds exactly that contact. The vectors are built with the
same expressions as the GIN indexes on Message and Contact, so PostgreSQL can use them.
"""
from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Exists, F, OuterRef, Q, Value

from conversations.models import Contact, Message
from conversations.unaccent import Unaccented
from helpdesk.text import strip_refused

MAX_WORDS = 8
MAX_WORD_CHARS = 100
CONFIG = "simple"


def message_vector() -> SearchVector:
    return SearchVector(Unaccented(F("body")), config=CONFIG)


def contact_vector() -> SearchVector:
    return SearchVector(Unaccented(F("name")), Unaccented(F("email")), Unaccented(F("phone")), config=CONFIG)


def search_words(text: str) -> list[str]:
    """The words of a search box's text: control characters dropped, at most MAX_WORDS of them."""
    words = strip_refused(text).split()
    return [w[:MAX_WORD_CHARS] for w in words[:MAX_WORDS]]


def prefix_query(word: str) -> SearchQuery:
    """`word` as one quoted tsquery term matched as a prefix; quoting makes its punctuation plain text."""
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return SearchQuery(Unaccented(Value(f"{quoted}:*")), search_type="raw", config=CONFIG)


def matches(text: str) -> Q | None:
    """A filter on Conversation for `text` (None when it has no words: no search)."""
    words = search_words(text)
    if not words:
        return None
    condition = Q()
    for word in words:
        query = prefix_query(word)
        in_messages = Message.objects.annotate(found=message_vector()).filter(conversation=OuterRef("pk"), found=query)
        in_contact = Contact.objects.annotate(found=contact_vector()).filter(pk=OuterRef("contact_id"), found=query)
        condition &= Q(Exists(in_messages)) | Q(Exists(in_contact))
    return condition
