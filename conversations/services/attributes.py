"""Tags and contact details: the writes other apps (flows' Action nodes) and the turn make to these rows."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from django.db import transaction

from conversations import realtime
from conversations.assistant.extract import extract_field, given_detail
from conversations.models import Contact, Conversation, Handoff
from conversations.turn_plan import summary_with_details_given_later
from helpdesk.errors import DomainError
from helpdesk.text import text_problem


@transaction.atomic
def conversation_update_tags(*, conversation: Conversation, change: Callable[[list[str]], list[str]]) -> list[str]:
    """Apply `change` to the conversation's current tags (read under a row lock); returns the tags now."""
    locked = Conversation.objects.select_for_update(of=("self",)).get(pk=conversation.pk)
    current = locked.tags or []
    tags = change(current)
    if tags != current:
        locked.tags = tags
        locked.save(update_fields=["tags"])
        realtime.publish_conversation_updated(locked)
    return tags


TAG_MAX_CHARS = 50
TAGS_PER_CHANGE = 50


def clean_tags(values: object, *, field: str) -> list[str]:
    """A list of tags from outside (API.md: strings of 1-50 characters, surrounding spaces dropped),
    or a DomainError (400) naming the first bad one."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise DomainError("invalid", f"{field}: a list of tags is expected.", status=400, fields={field: ["Must be a list."]})
    if len(values) > TAGS_PER_CHANGE:
        raise DomainError("invalid", f"{field}: at most {TAGS_PER_CHANGE} tags at once.", status=400,
                          fields={field: [f"At most {TAGS_PER_CHANGE} tags."]})
    tags: list[str] = []
    for i, value in enumerate(values):
        tag = value.strip() if isinstance(value, str) else None
        problem = ("must be text" if tag is None else "may not be blank" if not tag
                   else f"may have at most {TAG_MAX_CHARS} characters" if len(tag) > TAG_MAX_CHARS
                   else text_problem(tag))
        if problem:
            raise DomainError("invalid", f"{field}[{i}]: a tag {problem}.", status=400, fields={field: [f"Tag {i + 1} {problem}."]})
        if tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    return tags


def conversation_tag(*, conversation: Conversation, add: list[str], remove: list[str]) -> list[str]:
    """Add and remove tags (clean them first with `clean_tags`). Adding a tag it has, or removing one it lacks,
    changes nothing; concurrent calls are applied one after the other (row lock), so none is lost."""
    # letter case does not make another tag: "VIP" added to "vip" keeps "vip", and removing "Vip" removes it
    removed = {t.casefold() for t in remove}

    def change(current: list[str]) -> list[str]:
        kept = [t for t in current if t.casefold() not in removed]
        have = {t.casefold() for t in kept}
        for t in add:
            if t.casefold() not in have and t.casefold() not in removed:
                kept.append(t)
                have.add(t.casefold())
        return kept

    return conversation_update_tags(conversation=conversation, change=change)


# A message that is an order number, or says it is one: "NW-10001", "my order is A-1234", "pedido 55231"
_ORDER_WORD = re.compile(r"\b(?:order|pedido|commande|bestellung|encomenda|ordem)\b", re.IGNORECASE)


def _order_number_given(body: str) -> str | None:
    value = extract_field("order_number", body)
    if value is None or not (len(body.split()) <= 2 or _ORDER_WORD.search(body)):
        return None
    return value


@transaction.atomic
def contact_update_attributes(*, contact_id: int, values: Mapping[str, object]) -> Contact:
    """Merge `values` into the contact's attributes (read under a row lock); returns the saved contact."""
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    contact.attributes = {**(contact.attributes or {}), **dict(values)}
    contact.save(update_fields=["attributes"])
    return contact


PERSON_FIELDS = {"name": 200, "email": 254, "phone": 40}  # the contact's own fields and their lengths


def details_given_to_the_team(*, conversation: Conversation, body: str) -> None:
    """Under the conversation's lock, a visitor's message to a person (the handoff made without their email, or an
    address they add later): an email or phone number in it fills the contact's empty field and the open
    handoff's gathered details, so the team has it and never has to ask (trial of 2 Dec: it was lost)."""
    found = {kind: value for kind in ("email", "phone") if (value := given_detail(kind, body))}
    order = _order_number_given(body)
    if not found and not order:
        return
    if found:
        contact_fill_details(contact=conversation.contact, details=[(kind, kind, value) for kind, value in found.items()])
    handoff = (Handoff.objects.select_for_update(of=("self",))
               .filter(conversation=conversation, status__in=Handoff.OPEN_STATUSES).first())
    if order and handoff is not None and not any("order" in key for key in handoff.gathered):
        # "I want to talk to a person" then "NW-10001" 0.15 s later: the number reached the agent in the history
        # only (re-trial of 3 Dec)
        found["order number"] = order
    added = {kind: value for kind, value in found.items() if handoff is not None and not handoff.gathered.get(kind)}
    if added:
        handoff.gathered = {**handoff.gathered, **added}
        handoff.summary = summary_with_details_given_later(handoff.summary, added)
        handoff.save(update_fields=["gathered", "summary", "updated_at"])
        realtime.publish_handoff_updated(handoff)


@transaction.atomic
def contact_fill_details(*, contact: Contact, details: Iterable[tuple[str, str, str]]) -> Contact:
    """Details the visitor gave while talking to the AI, as (kind, name, value): a name, email or
    phone fills the contact's own field when empty; anything else its attribute `name` when absent.
    Never overwrites what the contact already has."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changed: set[str] = set()
    for kind, name, value in details:
        if kind in PERSON_FIELDS:
            if not getattr(contact, kind):
                setattr(contact, kind, value[: PERSON_FIELDS[kind]])
                changed.add(kind)
        elif name not in (contact.attributes or {}):
            contact.attributes = {**(contact.attributes or {}), name: value}
            changed.add("attributes")
    if changed:
        contact.save(update_fields=sorted(changed))
    if changed & PERSON_FIELDS.keys():  # the inbox rows name the contact: "Visitor #7" becomes the address
        _publish_contact_rows(contact)
    return contact


@transaction.atomic
def contact_edit(*, contact: Contact, changes: Mapping[str, str]) -> Contact:
    """An agent corrects the contact's name, email or phone (already validated; blank clears a field).
    The inbox rows of the contact's conversations show the new name at once."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changed = sorted(k for k, v in changes.items() if k in PERSON_FIELDS and getattr(contact, k) != v)
    for key in changed:
        setattr(contact, key, changes[key])
    if changed:
        contact.save(update_fields=changed)
        _publish_contact_rows(contact)
    return contact


def _publish_contact_rows(contact: Contact) -> None:
    """The inbox rows of the contact's recent conversations, with the contact as it now is."""
    for conversation in contact.conversations.select_related("assignee", "team").order_by("-id")[:20]:
        conversation.contact = contact
        realtime.publish_inbox_conversation_updated(conversation)
