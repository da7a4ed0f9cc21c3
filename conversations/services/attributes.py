"""Tags and contact attributes: the writes other apps (flows' Action nodes) make to these rows."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from django.db import transaction

from conversations import realtime
from conversations.models import Contact, Conversation


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


@transaction.atomic
def contact_update_attributes(*, contact_id: int, values: Mapping[str, object]) -> Contact:
    """Merge `values` into the contact's attributes (read under a row lock); returns the saved contact."""
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    contact.attributes = {**(contact.attributes or {}), **dict(values)}
    contact.save(update_fields=["attributes"])
    return contact
