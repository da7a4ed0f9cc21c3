"""The same policy on every channel: the AI stops after a handoff, hand back and resolve work, analytics
count every channel, and the agent API shows each conversation's channel."""
from __future__ import annotations

import pytest

from conversations import services
from conversations.models import Conversation
from csat import services as csat_services
from tests import factories
from tests.conftest import client_for, request_handoff


@pytest.fixture
def conversations_by_channel(workspace):
    out = {}
    for channel in ("email", "sms", "phone"):
        contact = factories.ContactFactory(workspace=workspace, email=f"{channel}@example.org", phone="+3460000000")
        out[channel] = factories.ConversationFactory(workspace=workspace, contact=contact, channel=channel)
    return out


@pytest.mark.parametrize("channel", ["email", "sms", "phone"])
def test_the_ai_stops_after_a_handoff_and_takes_over_again_when_handed_back(
        conversations_by_channel, agent, no_tasks, channel, django_capture_on_commit_callbacks):
    conversation = conversations_by_channel[channel]
    with django_capture_on_commit_callbacks(execute=True):
        request_handoff(conversation)
        services.receive_message(conversation=conversation, body="Hello? Anybody?")
    assert not [t for t in no_tasks if t[0] == "process_turn_task"], "no AI turn while a human owns it"

    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_unassign(conversation=conversation, by=agent)
        message = services.receive_message(conversation=conversation, body="Still there?")
    assert ("process_turn_task", (message.pk,)) in no_tasks


@pytest.mark.parametrize("channel", ["email", "sms", "phone"])
def test_resolve_and_reopen_work_on_every_channel(conversations_by_channel, agent, no_tasks, channel):
    conversation = conversations_by_channel[channel]
    csat_services.conversation_resolve(conversation=conversation, resolution="resolved", by=agent)
    conversation.refresh_from_db()
    assert conversation.status == "resolved"
    services.receive_message(conversation=conversation, body="One more question")
    conversation.refresh_from_db()
    assert conversation.status == "open"


def test_analytics_and_the_inbox_list_count_every_channel(conversations_by_channel, workspace, admin_agent, no_tasks):
    factories.ConversationFactory(workspace=workspace, channel="web")
    api = client_for(admin_agent)
    summary = api.get("/api/v1/analytics/summary/").json()
    assert summary["conversations"] == 4
    listed = api.get("/api/v1/conversations/").json()["results"]
    assert sorted(c["channel"] for c in listed) == ["email", "phone", "sms", "web"]
    assert Conversation.objects.filter(workspace=workspace).count() == 4
