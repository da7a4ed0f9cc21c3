"""The same policy on every channel: the AI stops after a handoff, hand back and resolve work, analytics
count every channel, and the agent API shows each conversation's channel."""
from __future__ import annotations

import pytest

from conversations import services, turns
from conversations.models import Conversation, Message
from conversations.services.messages import append_message
from csat import services as csat_services
from flows import services as flow_services
from flows.models import FlowRun
from tests import factories
from tests.channels.conftest import run_deliveries
from tests.conftest import client_for, request_handoff
from tests.flows.conftest import graph_document


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
        services.receive_message(conversation=conversation, body="My parcel arrived damaged, please check it")
    assert not [t for t in no_tasks if t[0] == "process_turn_task"], "no AI turn while a human owns it"
    # (a "Hello? Anybody?" or an order number takes a turn only to be told where the handoff stands and that it is
    # kept: tests/conversations/test_turns.py)

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
    web = factories.ConversationFactory(workspace=workspace, channel="web")
    services.receive_message(conversation=web, body="Hello, is my parcel on its way?")
    api = client_for(admin_agent)
    summary = api.get("/api/v1/analytics/summary/").json()
    assert summary["conversations"] == 4
    listed = api.get("/api/v1/conversations/").json()["results"]
    assert sorted(c["channel"] for c in listed) == ["email", "phone", "sms", "web"]
    assert Conversation.objects.filter(workspace=workspace).count() == 4


@pytest.mark.parametrize("channel", ["email", "sms", "phone"])
def test_only_messages_meant_for_the_visitor_leave_and_a_note_never_does(
        conversations_by_channel, agent, channel, deliveries, django_capture_on_commit_callbacks):
    conversation = conversations_by_channel[channel]
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.agent_reply(conversation=conversation, agent=agent, body="Hi, Ana here.")
        note = append_message(conversation, sender_type="agent", sender_user=agent, body="VIP, be kind", private=True)
        unknown = append_message(conversation, sender_type="note", body="a sender type added later")
    assert deliveries == [reply.pk]
    assert "delivery" in reply.metadata and "delivery" not in note.metadata and "delivery" not in unknown.metadata


def test_the_dispatcher_refuses_a_queued_message_that_is_not_meant_for_the_visitor(
        conversations_by_channel, agent, deliveries, smtp_server, django_capture_on_commit_callbacks):
    conversation = conversations_by_channel["email"]
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.agent_reply(conversation=conversation, agent=agent, body="Internal: refund approved")
    Message.objects.filter(pk=reply.pk).update(private=True)  # made a note after it was queued
    assert run_deliveries(deliveries) == ["failed"]
    assert smtp_server.received == []
    assert "not meant for the visitor" in Message.objects.get(pk=reply.pk).metadata["delivery"]["error"]


@pytest.mark.parametrize("channel", ["email", "sms", "phone"])
def test_a_conversation_started_flow_starts_on_the_first_message_of_a_channel_conversation(
        conversations_by_channel, channel, no_tasks, deliveries):
    flow = flow_services.flow_create(workspace=conversations_by_channel[channel].workspace, name="Welcome",
                                     trigger={"kind": "conversation_started"}, **graph_document([
                                         ("hi", "message", {"text": "Welcome! Orders ship in 2 days."})]))
    flow_services.flow_publish(flow=flow)
    conversation = conversations_by_channel[channel]
    first = services.receive_message(conversation=conversation, body="Hello, do you ship to Portugal?")
    turns.process_turn(message_id=first.pk, claim="first")
    second = services.receive_message(conversation=conversation, body="And to Spain?")
    turns.process_turn(message_id=second.pk, claim="second")

    said = list(conversation.messages.exclude(sender_type="visitor").order_by("id"))
    assert said[0].body == "Welcome! Orders ship in 2 days." and said[0].id > first.id
    assert len(said) >= 3, "the assistant still answers both messages after the flow's welcome"
    assert FlowRun.objects.filter(conversation=conversation).count() == 1, "started once, not per message"


def test_a_flow_published_after_a_widget_conversation_opened_does_not_start_on_its_messages(workspace, no_tasks):
    conversation = factories.ConversationFactory(workspace=workspace, channel="web")  # opened, its start task ran
    flow = flow_services.flow_create(workspace=workspace, name="Welcome", trigger={"kind": "conversation_started"},
                                     **graph_document([("hi", "message", {"text": "Welcome!"})]))
    flow_services.flow_publish(flow=flow)
    message = services.receive_message(conversation=conversation, body="Hello")
    turns.process_turn(message_id=message.pk, claim="first")
    assert not FlowRun.objects.filter(conversation=conversation).exists()
