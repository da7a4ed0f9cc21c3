"""Web chat: agents' replies the visitor did not see on the page go to the visitor's email (a real SMTP server),
and answering that mail comes back into the same conversation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import services, tasks
from conversations.connectors import email as email_connector
from conversations.models import Conversation, Message
from tests import factories
from tests.channels.test_email import EMAIL_SECRET, make_mail, post_mail


@pytest.fixture(autouse=True)
def email_secret(settings):
    settings.HELPDESK_EMAIL_WEBHOOK_SECRET = EMAIL_SECRET


@pytest.fixture
def chat(workspace):
    """A web chat whose visitor gave an email, asked for a person, and waits."""
    contact = factories.ContactFactory(workspace=workspace, name="", email="pat@example.com")
    conversation = factories.ConversationFactory(workspace=workspace, contact=contact, channel="web")
    services.receive_message(conversation=conversation, body="Can a person look at my refund?")
    return conversation


def due_now(conversation: Conversation) -> None:
    """The wait (HELPDESK_MISSED_REPLIES_EMAIL_SECONDS) is over."""
    Conversation.objects.filter(pk=conversation.pk, missed_replies_due_at__isnull=False).update(
        missed_replies_due_at=timezone.now() - timedelta(seconds=1))


def test_replies_the_visitor_did_not_see_leave_in_one_mail_that_threads_back(
        workspace, agent, chat, client, no_tasks, smtp_server, django_capture_on_commit_callbacks):
    first = services.agent_reply(conversation=chat, agent=agent, body="Hi Pat, I'm looking at it now.")
    chat.refresh_from_db()
    assert chat.missed_replies_due_at is not None, "the reply starts the wait"
    assert tasks.email_missed_replies_task() == 0 and smtp_server.received == [], "not before the wait is over"
    second = services.agent_reply(conversation=chat, agent=agent, body="Done: the refund of 45 € is on its way.")
    due_now(chat)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.email_missed_replies_task() == 1
    [mail] = smtp_server.received
    text = mail.get_body(("plain",)).get_content()
    assert mail["To"] == "pat@example.com"
    assert f"+r{email_connector.reply_token(chat.pk)}@northwind.test" in mail["Reply-To"]
    assert "I'm looking at it now." in text and "the refund of 45 € is on its way." in text
    assert text.index("looking at it") < text.index("refund of 45"), "oldest first"
    assert "Auto-Submitted" not in mail, "a person wrote these: an out-of-office may answer"
    note = chat.messages.get(metadata__missed_replies__isnull=False)
    assert note.private and note.sender_type == "system" and "pat@example.com" in note.body
    assert note.metadata["missed_replies"]["messages"] == [str(first.pk), str(second.pk)]

    assert tasks.email_missed_replies_task() == 0, "nothing is sent twice"
    due_now(chat)
    assert tasks.email_missed_replies_task() == 0 and len(smtp_server.received) == 1

    # Pat answers the mail from their mail client: it lands in the same web chat.
    answer = post_mail(client, make_mail(body="Thank you!", sender="Pat <pat@example.com>",
                                         subject=mail["Subject"], in_reply_to=mail["Message-ID"]))
    assert answer.status_code == 201
    assert Message.objects.get(pk=answer.json()["message"]).conversation_id == chat.pk


def test_replies_the_visitor_saw_or_answered_stay_on_the_page(workspace, agent, chat, no_tasks, smtp_server):
    seen = services.agent_reply(conversation=chat, agent=agent, body="Which order is it?")
    assert services.visitor_saw(conversation_id=chat.pk, message_id=seen.pk)
    due_now(chat)
    assert tasks.email_missed_replies_task() == 0 and smtp_server.received == []

    answered = services.agent_reply(conversation=chat, agent=agent, body="And which item?")
    services.receive_message(conversation=chat, body="The blue boots")  # the visitor answered: they saw it
    due_now(chat)
    assert tasks.email_missed_replies_task() == 0 and smtp_server.received == []

    services.agent_reply(conversation=chat, agent=agent, body="Refunded, you'll see it in 5 days.")
    services.agent_reply(conversation=chat, agent=agent, body="Anything else?")
    assert services.visitor_saw(conversation_id=chat.pk, message_id=str(answered.pk)), "an older mark moves nothing"
    due_now(chat)
    assert tasks.email_missed_replies_task() == 1
    text = smtp_server.received[0].get_body(("plain",)).get_content()
    assert "Refunded" in text and "Anything else?" in text
    assert "Which order" not in text and "which item" not in text


@pytest.mark.parametrize("mark", [None, True, "12abc", -3, 2**70, {"id": 1}])
def test_a_seen_mark_that_is_no_message_id_is_refused(chat, mark):
    assert services.visitor_saw(conversation_id=chat.pk, message_id=mark) is False
    chat.refresh_from_db()
    assert chat.visitor_seen_up_to == 0


def test_notes_ai_answers_and_other_channels_are_never_emailed_this_way(workspace, agent, chat, no_tasks, smtp_server):
    services.note_add(conversation=chat, agent=agent, body="Refund approved by Sam, internal")
    services.ai_reply(conversation=chat, body="An answer from the articles")
    chat.refresh_from_db()
    assert chat.missed_replies_due_at is None, "only an agent's reply starts the wait"

    by_mail = factories.ConversationFactory(workspace=workspace, contact=chat.contact, channel="email")
    services.agent_reply(conversation=by_mail, agent=agent, body="Sent by the email channel itself")
    by_mail.refresh_from_db()
    assert by_mail.missed_replies_due_at is None


def test_a_visitor_without_an_email_keeps_the_reply_on_the_page(workspace, agent, no_tasks, smtp_server):
    conversation = factories.ConversationFactory(
        workspace=workspace, contact=factories.ContactFactory(workspace=workspace, email=""), channel="web")
    services.agent_reply(conversation=conversation, agent=agent, body="Hello?")
    due_now(conversation)
    assert tasks.email_missed_replies_task() == 0 and smtp_server.received == []
    conversation.refresh_from_db()
    assert conversation.missed_replies_due_at is None


def test_a_mail_server_that_is_down_gets_the_same_replies_again_later(workspace, agent, chat, no_tasks, smtp_server):
    services.agent_reply(conversation=chat, agent=agent, body="Your parcel left today.")
    due_now(chat)
    smtp_server.fail_with = "451 4.3.0 Try again later"
    assert tasks.email_missed_replies_task() == 0
    chat.refresh_from_db()
    assert chat.missed_replies_due_at > timezone.now() + timedelta(minutes=4), "tried again in a few minutes"
    assert not chat.messages.filter(metadata__missed_replies__isnull=False).exists()

    smtp_server.fail_with = None
    due_now(chat)
    assert tasks.email_missed_replies_task() == 1
    assert "Your parcel left today." in smtp_server.received[0].get_body(("plain",)).get_content()


def test_the_wait_can_be_turned_off(workspace, agent, chat, settings, no_tasks):
    settings.HELPDESK_MISSED_REPLIES_EMAIL_SECONDS = 0
    services.agent_reply(conversation=chat, agent=agent, body="Hi")
    chat.refresh_from_db()
    assert chat.missed_replies_due_at is None
