"""Typed factory_boy factories for the domain."""
from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from conversations.models import Contact, Conversation, Handoff, KnowledgeArticle, Message
from routing.models import AgentProfile, HandoffPolicy, RestrictedTopic, Specialty, Team
from workspaces.models import Workspace


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"ws-{n}")
    greeting = "Hi! How can I help?"


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandoffPolicy
        django_get_or_create = ("workspace",)

    workspace = factory.SubFactory(WorkspaceFactory)
    level = "balanced"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Agent{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"specialty-{n}")


class AgentFactory(factory.django.DjangoModelFactory):
    """An agent profile (and its user) in a workspace."""

    class Meta:
        model = AgentProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    workspace = factory.SubFactory(WorkspaceFactory)
    available = True
    capacity = 5
    # Online: as if an inbox socket of theirs had just refreshed presence. Pass None for an agent
    # with no inbox open.
    last_seen_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def teams(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.teams.set(extracted)

    @factory.post_generation
    def specialties(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.specialties.set(extracted)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Visitor {n}")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    workspace = factory.SubFactory(WorkspaceFactory)
    contact = factory.SubFactory(ContactFactory, workspace=factory.SelfAttribute("..workspace"))


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    sender_type = "visitor"
    body = factory.Sequence(lambda n: f"message {n}")


class HandoffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Handoff

    conversation = factory.SubFactory(ConversationFactory)
    trigger = "user_request"
    reason = "The visitor asked for a human"


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnowledgeArticle

    workspace = factory.SubFactory(WorkspaceFactory)
    title = factory.Sequence(lambda n: f"Article {n}")
    body = "Body text."


class RestrictedTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RestrictedTopic

    policy = factory.SubFactory(PolicyFactory)
    name = factory.Sequence(lambda n: f"Topic {n}")
    keywords = factory.LazyFunction(lambda: ["chargeback"])
