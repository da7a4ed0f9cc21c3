"""Visitor authentication: `Authorization: Visitor <token>` names one contact."""
from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from conversations.models import Contact, hash_token


class Visitor:
    """The caller of widget endpoints: the contact a visitor token belongs to."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_active = True

    def __init__(self, contact: Contact, token: str) -> None:
        self.contact = contact
        self.token = token


def contact_for_token(token: str | None) -> Contact | None:
    if not token:
        return None
    return Contact.objects.filter(visitor_token_hash=hash_token(token)).first()


class VisitorAuthentication(BaseAuthentication):
    keyword = "Visitor"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Visitor authorization header.")
        try:
            token = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Malformed visitor token.") from None
        contact = contact_for_token(token)
        if contact is None:
            raise exceptions.AuthenticationFailed("Invalid visitor token.")
        return Visitor(contact, token), token

    def authenticate_header(self, request) -> str:
        return self.keyword


class VisitorAuthScheme(OpenApiAuthenticationExtension):
    target_class = "conversations.api.auth.VisitorAuthentication"
    name = "visitorAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Visitor <visitor_token>`, returned when a widget conversation is created."}


class IsVisitor(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, Visitor)
