"""Voice: Twilio's signed voice webhook answered with TwiML; speech turns through the assistant; handoff dials."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conversations import services
from conversations.models import Conversation, Message
from routing.models import HandoffPolicy
from tests.channels.conftest import TWILIO_SID, twilio_signature
from tests.conftest import request_handoff

HOOK = "/api/v1/hooks/voice/twilio/"
CALLER = "+34600999888"


def call(client, path: str = HOOK, *, call_sid: str = "CA1", signature: str | None = None, **extra) -> ET.Element:
    response = post_call(client, path, call_sid=call_sid, signature=signature, **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


@pytest.fixture(autouse=True)
def _twilio(twilio_api):
    """Every test here has Twilio's settings and its API stand-in."""
    return twilio_api


def post_call(client, path: str = HOOK, *, call_sid: str = "CA1", signature: str | None = None, **extra):
    form = {"CallSid": call_sid, "From": CALLER, "To": "+15005550006", "AccountSid": TWILIO_SID, **extra}
    signed = twilio_signature("https://help.example.com" + path, form) if signature is None else signature
    return client.post(path, form, HTTP_X_TWILIO_SIGNATURE=signed)


def next_url(twiml: ET.Element) -> str:
    gather = twiml.find("Gather")
    if gather is not None:
        return gather.get("action")
    return twiml.find("Redirect").text


def test_a_call_is_greeted_and_each_speech_turn_goes_through_the_assistant(
        workspace, client, no_tasks, twilio_api, django_capture_on_commit_callbacks):
    greeting = call(client)
    gather = greeting.find("Gather")
    assert gather.get("input") == "speech" and gather.find("Say").text == workspace.greeting
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.contact.phone) == ("phone", CALLER)

    with django_capture_on_commit_callbacks(execute=True):
        waiting = call(client, gather.get("action"), SpeechResult="When do you open?", Confidence="0.9")
    message = Message.objects.get(sender_type="visitor")
    assert message.body == "When do you open?" and message.conversation == conversation
    assert ("process_turn_task", (message.id,)) in no_tasks
    poll_url = waiting.find("Redirect").text
    assert f"poll={message.pk}" in poll_url

    # The assistant has not answered yet: the call waits a second and polls again.
    still = call(client, poll_url)
    assert still.find("Pause") is not None and "n=1" in still.find("Redirect").text

    services.ai_reply(conversation=conversation, body="We open at nine.")
    answered = call(client, still.find("Redirect").text)
    assert [say.text for say in answered.iter("Say")][0] == "We open at nine."
    assert answered.find("Gather") is not None, "the call listens again after each answer"
    reply = Message.objects.get(sender_type="ai")
    assert reply.metadata["delivery"] == {**reply.metadata["delivery"], "status": "sent", "provider_id": "spoken"}
    again = call(client, still.find("Redirect").text)
    assert "We open at nine." not in [say.text for say in again.iter("Say")], "spoken once"

    # The transcript is the conversation's history.
    assert list(conversation.messages.values_list("sender_type", "body")) == [
        ("visitor", "When do you open?"), ("ai", "We open at nine.")]


def test_a_retried_speech_turn_is_stored_once(workspace, client, no_tasks, twilio_api):
    action = call(client).find("Gather").get("action")
    call(client, action, SpeechResult="Hello")
    call(client, action, SpeechResult="Hello")
    assert Message.objects.filter(sender_type="visitor").count() == 1


def test_a_handoff_transfers_the_call_to_the_fallback_phone(workspace, client, no_tasks, twilio_api):
    HandoffPolicy.objects.filter(workspace=workspace).update(fallback_phone="+34910000000")
    action = call(client).find("Gather").get("action")
    waiting = call(client, action, SpeechResult="I want to talk to a person")
    request_handoff(Conversation.objects.get())
    transferred = call(client, waiting.find("Redirect").text)
    assert transferred.find("Dial").text == "+34910000000"
    notice = Message.objects.get(sender_type="system", metadata__has_key="handoff")
    assert notice.body in [say.text for say in transferred.iter("Say")]
    assert "stay on the line" in notice.body and "page" not in notice.body, "worded for a call, not the widget"


def test_without_a_fallback_phone_the_caller_is_told_we_will_text(workspace, client, no_tasks, twilio_api):
    call(client)
    request_handoff(Conversation.objects.get())
    notice = Message.objects.get(sender_type="system", metadata__has_key="handoff")
    assert "text message at this number" in notice.body and "page" not in notice.body
    twiml = call(client, call_sid="CA2")  # a new call while a human owns the conversation
    assert twiml.find("Dial") is None and twiml.find("Hangup") is not None
    assert "text message" in " ".join(say.text for say in twiml.iter("Say"))


def test_a_queued_caller_hears_the_queue_and_that_we_will_text(workspace, client, no_tasks, twilio_api):
    action = call(client).find("Gather").get("action")
    waiting = call(client, action, SpeechResult="I want to talk to a person")
    request_handoff(Conversation.objects.get())  # nobody online: the handoff waits in the queue
    spoken = [say.text for say in call(client, waiting.find("Redirect").text).iter("Say")]
    notice = Message.objects.get(sender_type="system", metadata__has_key="handoff")
    assert notice.body == spoken[0] and "number 1 in the queue" in notice.body
    assert "text message at this number" in notice.body and "page" not in notice.body
    assert spoken[1:] == ["Goodbye."], "the notice already said what happens next"


@pytest.mark.parametrize("signature", ["", "d3Jvbmc="])
def test_unsigned_or_mis_signed_calls_are_refused(workspace, client, no_tasks, twilio_api, signature):
    assert post_call(client, signature=signature).status_code == 403
    assert Conversation.objects.count() == 0


def test_a_signed_request_without_a_call_sid_or_with_a_bad_turn_or_poll_is_a_400(workspace, client, twilio_api):
    form = {"From": CALLER}
    response = client.post(HOOK, form, HTTP_X_TWILIO_SIGNATURE=twilio_signature("https://help.example.com" + HOOK, form))
    assert response.status_code == 400
    assert post_call(client, HOOK + "?turn=abc", SpeechResult="hi").status_code == 400
    for poll in ("%C2%B2", "99999999999999999999", "0"):  # a message id: ASCII digits within bigint
        assert post_call(client, HOOK + f"?turn=1&poll={poll}").status_code == 400
    assert Conversation.objects.count() == 0


def test_an_answer_is_said_without_its_link():
    """Trial of 2 Dec: the phone read the article's address aloud ("… http://127.0.0.1:8000/help/1/1/")."""
    from conversations.connectors.voice import spoken

    said = spoken("Standard shipping takes 2 to 4 working days.\n\nFrom our article “Shipping times”: "
                  "https://help.example.com/help/1/1/")
    assert said == "Standard shipping takes 2 to 4 working days. From our article “Shipping times”"
    assert spoken("See www.example.com/returns (our returns page) today") == "See (our returns page) today"
