"""Canned responses: saved replies shared by a workspace's agents, inserted with "/shortcut"."""
from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from conversations import canned
from conversations.models import CannedResponse, Conversation
from conversations.payloads import user_name
from helpdesk.errors import DomainError
from helpdesk.text import text_problem
from workspaces.models import Workspace

SHORTCUT = re.compile(r"^[\w-]{1,50}$")
FIELD_LIMITS = {"title": 200, "body": 5000}


def _clean(values: dict) -> dict:
    """The given fields, checked: a shortcut of letters, digits, "-" and "_" (a leading "/" is dropped),
    a title and a body that are not blank. A DomainError (400) names the first problem."""
    cleaned: dict[str, str] = {}
    for name, value in values.items():
        if not isinstance(value, str):
            raise DomainError("invalid", f"{name}: must be text.", status=400, fields={name: ["Must be a string."]})
        value = value.strip()
        if name == "shortcut":
            value = value.removeprefix("/")
            if not SHORTCUT.match(value):
                raise DomainError("invalid", "shortcut: 1-50 letters, digits, - or _ (no spaces).", status=400,
                                  fields={name: ["1-50 letters, digits, - or _ (no spaces)."]})
        elif not value:
            raise DomainError("invalid", f"{name}: may not be blank.", status=400, fields={name: ["This field may not be blank."]})
        elif len(value) > FIELD_LIMITS[name]:
            raise DomainError("invalid", f"{name}: at most {FIELD_LIMITS[name]} characters.", status=400,
                              fields={name: [f"At most {FIELD_LIMITS[name]} characters."]})
        if problem := text_problem(value):
            raise DomainError("invalid", f"{name}: {problem}.", status=400, fields={name: [problem]})
        if name == "body" and (unknown := canned.unknown_placeholders(value)):
            known = ", ".join(f"{{{{{p}}}}}" for p in canned.PLACEHOLDERS)
            problem = f"Unknown placeholder {unknown[0]}: use {known} (with an optional fallback: {{{{contact.name|there}}}})."
            raise DomainError("invalid", f"body: {problem}", status=400, fields={name: [problem]})
        cleaned[name] = value
    return cleaned


def canned_response_checked(values: dict) -> dict:
    """`values` as a canned response stores them, or a DomainError naming the first problem (the admin form
    checks with it too: a shortcut with spaces or an unknown placeholder saved there reached visitors)."""
    return _clean(values)


def _taken(shortcut: str) -> DomainError:
    return DomainError("shortcut_taken", f'The shortcut "/{shortcut}" is already used in this workspace.',
                       status=409, fields={"shortcut": ["Already used in this workspace."]})


def canned_response_create(*, workspace: Workspace, by, shortcut: str, title: str, body: str) -> CannedResponse:
    """A new canned response; a shortcut the workspace already has (in any letter case) is a 409."""
    values = _clean({"shortcut": shortcut, "title": title, "body": body})
    try:
        with transaction.atomic():
            return CannedResponse.objects.create(workspace=workspace, created_by=by, **values)
    except IntegrityError:  # the database's unique constraint: also two agents creating it at once
        raise _taken(values["shortcut"]) from None


def canned_response_update(*, canned_response: CannedResponse, **changes: str) -> CannedResponse:
    """Change any of shortcut, title, body (409 when the new shortcut is taken)."""
    values = _clean(changes)
    for name, value in values.items():
        setattr(canned_response, name, value)
    try:
        with transaction.atomic():
            canned_response.save(update_fields=[*values, "updated_at"])
    except IntegrityError:
        raise _taken(values["shortcut"]) from None
    return canned_response


def canned_response_delete(*, canned_response: CannedResponse) -> None:
    canned_response.delete()


def canned_response_render(*, canned_response: CannedResponse, conversation: Conversation,
                           agent) -> tuple[str, list[str]]:
    """The body with the conversation's contact and the agent filled in, and the placeholders left empty."""
    contact = conversation.contact
    name = contact.name if contact.name not in (contact.phone, contact.email) else ""  # (numbers once stored as names)
    values = {"contact.name": name, "contact.email": contact.email, "agent.name": user_name(agent)}
    return canned.render(canned_response.body, values), canned.empty_placeholders(canned_response.body, values)
