"""Phone calls through Twilio's voice webhook, answered with TwiML.

A call opens (or continues) the number's phone conversation. Each `<Gather input="speech">`
posts what the caller said with `?turn=N` in the URL, so a retried request stores the turn once;
the answer comes from the assistant's Celery turn, which the call polls for with `<Redirect>`
(`?poll=<message id>`), one second at a time. When the conversation is handed off, the call
is transferred (`<Dial>`) to the policy's fallback phone. The transcript is the history.
"""
from __future__ import annotations

import re

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from twilio.twiml.voice_response import Gather, VoiceResponse

from conversations import selectors
from conversations.assistant.phrases import phrase
from conversations.connectors import twilio_client
from conversations.connectors.common import hook_error
from conversations.models import ChannelRef, Conversation
from conversations.services import channels, delivery
from helpdesk.errors import DomainError
from helpdesk.ids import parse_id
from routing.selectors import policy_for

POLL_LIMIT = 20  # one-second pauses before the call says it is still working
HUMAN_STATUSES = (Conversation.Status.PENDING_HUMAN, Conversation.Status.ASSIGNED)


def _url(**query) -> str:
    workspace_query = {k: v for k, v in query.items() if v is not None}
    return reverse("hook-voice") + ("?" + urlencode(workspace_query) if workspace_query else "")


def _xml(response: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml")


def _gather(response: VoiceResponse, *, turn: int, workspace_slug: str | None, say: str = "") -> VoiceResponse:
    gather = Gather(input="speech", action=_url(turn=turn, workspace=workspace_slug), method="POST",
                    speech_timeout="auto")
    if say:
        gather.say(say)
    response.append(gather)
    response.say("I did not hear anything. Goodbye.")
    response.hangup()
    return response


@twilio_client.twilio_hook
def voice_hook(request: HttpRequest, workspace) -> HttpResponse:
    call_sid, phone = request.POST.get("CallSid", "").strip(), request.POST.get("From", "").strip()
    if not call_sid or not phone:
        return hook_error(400, "malformed", "A Twilio call needs CallSid and From.")
    try:  # counters of this call's own redirects
        turn, polls = int(request.GET.get("turn", "0")), int(request.GET.get("n", "0"))
    except ValueError:
        return hook_error(400, "malformed", "turn and n are numbers.")
    poll = parse_id(request.GET["poll"]) if "poll" in request.GET else None  # the caller's message being answered
    if "poll" in request.GET and poll is None:
        return hook_error(400, "malformed", "poll is a message id.")
    slug = request.GET.get("workspace")
    conversation = channels.call_conversation(workspace=workspace, call_sid=call_sid, phone=phone)
    response = VoiceResponse()
    if poll is not None:
        return _xml(_answer(response, conversation, poll, turn=turn, polls=polls, slug=slug))
    speech = request.POST.get("SpeechResult", "").strip()
    if turn == 0 or not speech:
        if conversation.status in HUMAN_STATUSES:
            return _xml(_transfer(response, conversation))
        greeting = workspace.greeting or "Hello! How can I help?"
        return _xml(_gather(response, turn=turn + 1, workspace_slug=slug, say=greeting if turn == 0 else ""))
    inbound = channels.Inbound(channel=Conversation.Channel.PHONE, ref_kind=ChannelRef.Kind.CALL,
                               ref=f"{call_sid}:{turn}", body=speech, sender_name=phone, phone=phone,
                               metadata={"voice": {"call_sid": call_sid, "turn": turn,
                                                   "confidence": request.POST.get("Confidence", "")}})
    try:
        message, _ = channels.channel_receive(workspace=workspace, inbound=inbound)
    except DomainError:
        return _xml(_gather(response, turn=turn + 1, workspace_slug=slug, say="Sorry, could you say that again?"))
    response.pause(length=1)
    response.redirect(_url(poll=message.pk, turn=turn, workspace=slug), method="POST")
    return _xml(response)


def _answer(response: VoiceResponse, conversation: Conversation, poll: int, *, turn: int, polls: int,
            slug: str | None) -> VoiceResponse:
    """Speak the assistant's answers to message `poll`, transfer after a handoff, or wait a second more."""
    conversation.refresh_from_db()
    human = conversation.status in HUMAN_STATUSES
    replies = selectors.unspoken_replies_after(conversation=conversation, message_id=poll)
    if not replies and not human and polls < POLL_LIMIT:
        response.pause(length=1)
        response.redirect(_url(poll=poll, turn=turn, n=polls + 1, workspace=slug), method="POST")
        return response
    for reply in replies:
        response.say(spoken(reply.body))
        delivery.delivery_record(message_id=reply.pk, status=delivery.SENT, provider_id="spoken",
                                 counts_attempt=False)
    if human:
        return _transfer(response, conversation, told=bool(replies))
    if not replies:
        return _gather(response, turn=turn + 1, workspace_slug=slug, say="Sorry, that took too long. Please say it again.")
    return _gather(response, turn=turn + 1, workspace_slug=slug)


def spoken(text: str) -> str:
    """A reply as said on the phone: without its links ("From our article “Shipping times”", not the address)."""
    return " ".join(re.sub(r"[\s:(]*(?:https?://|www\.)\S+", "", text).split())


def _transfer(response: VoiceResponse, conversation: Conversation, *, told: bool = False) -> VoiceResponse:
    """Put the call through to the fallback phone, or hang up: a person will text. `told`: the handoff
    notice (worded for a call by services.handoffs) was just spoken."""
    fallback = policy_for(workspace=conversation.workspace).fallback_phone
    if not told:
        response.say(phrase("call_transfer" if fallback else "call_text_back", conversation.language or "en"))
    if fallback:
        response.dial(fallback)
    else:
        response.say("Goodbye.")
        response.hangup()
    return response
