"""The inbox's full-text search: PostgreSQL text search over message bodies (notes included), an email
conversation's subject and the contact's name, email and phone.

Every word must match somewhere in the conversation (its messages or its contact), as a prefix, so
"refu" finds "refund" while the agent types; accents are folded on both sides ("tres" finds "três").
The 'simple' configuration (no stemming, no stop words) because the assistant's five languages share
one index; PostgreSQL's parser keeps a whole email
address as one token, so "ana@example.com" finds exactly that contact. The vectors are built with the
same expressions as the GIN indexes on Message and Contact, so PostgreSQL can use them.
"""
from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import CharField, Exists, F, Func, OuterRef, Q, Value

from conversations.models import Contact, Conversation, Message
from conversations.unaccent import Unaccented
from helpdesk.text import strip_refused

MAX_WORDS = 8
MAX_WORD_CHARS = 100
CONFIG = "simple"
PHONE_MIN_DIGITS = 6
PHONE_CHARS = re.compile(r"[\d+().\-]+")


def message_vector() -> SearchVector:
    return SearchVector(Unaccented(F("body")), config=CONFIG)


def contact_vector() -> SearchVector:
    return SearchVector(Unaccented(F("name")), Unaccented(F("email")), Unaccented(F("phone")), config=CONFIG)


def subject_vector() -> SearchVector:
    return SearchVector(Unaccented(F("subject")), config=CONFIG)


def search_words(text: str) -> list[str]:
    """The words of a search box's text: control characters dropped, at most MAX_WORDS of them."""
    words = strip_refused(text).split()
    return [w[:MAX_WORD_CHARS] for w in words[:MAX_WORDS]]


def prefix_query(word: str) -> SearchQuery:
    """`word` as one quoted tsquery term matched as a prefix; quoting makes its punctuation plain text."""
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return SearchQuery(Unaccented(Value(f"{quoted}:*")), search_type="raw", config=CONFIG)


def word_query(word: str) -> SearchQuery:
    """The tsquery for one search word. PostgreSQL's parser reads "NW-24680" as "nw" and the signed number
    "-24680", and "+34600111222" as one signed number: a word that starts with a digit also matches them."""
    query = prefix_query(word)
    if word[:1].isdigit():
        query = query | prefix_query(f"-{word}") | prefix_query(f"+{word}")
    return query


def phone_digits(word: str) -> str:
    """The digits of a word typed as a phone number ("600111222", "(555) 0100"), else "" (too short to mean one)."""
    digits = re.sub(r"\D", "", word)
    return digits if len(digits) >= PHONE_MIN_DIGITS and PHONE_CHARS.fullmatch(word) else ""


# "Visitor #11", "#11": the name the inbox shows for a contact with none of their own (Contact.__str__)
_VISITOR_NUMBER = re.compile(r"^\s*(visitor\s*)?#\s*(\d{1,18})\s*$", re.IGNORECASE)


def matches(text: str) -> Q | None:
    """A filter on Conversation for `text` (None when it has no words: no search)."""
    words = search_words(text)
    if not words:
        return None
    if numbered := _VISITOR_NUMBER.match(text):  # copied from the list (trial of 3 Dec: found nothing)
        number = int(numbered.group(2))
        return Q(contact_id=number) if numbered.group(1) else Q(contact_id=number) | Q(pk=number)
    condition = Q()
    for word in words:
        query = word_query(word)
        in_messages = Message.objects.annotate(found=message_vector()).filter(conversation=OuterRef("pk"), found=query)
        in_contact = Contact.objects.annotate(found=contact_vector()).filter(pk=OuterRef("contact_id"), found=query)
        in_subject = Conversation.objects.annotate(found=subject_vector()).filter(pk=OuterRef("pk"), found=query)
        found = Q(Exists(in_messages)) | Q(Exists(in_contact)) | Q(Exists(in_subject))
        if "@" in word or "." in word.strip("."):
            # part of an address: the parser keeps "ana@example.com" whole, so "example.com" or "ana@exam" is
            # no prefix of it (trial of 3 Dec)
            found |= Q(Exists(Contact.objects.filter(pk=OuterRef("contact_id"), email__icontains=word)))
        if digits := phone_digits(word):  # a number without its country code, or written another way
            phone = Func(F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace",
                         output_field=CharField())  # the contact's phone, its digits only
            on_phone = Contact.objects.filter(pk=OuterRef("contact_id")).annotate(digits=phone).filter(
                digits__contains=digits)
            found |= Q(Exists(on_phone))
        condition &= found
    return condition
