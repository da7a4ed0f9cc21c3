"""SMS through Twilio: the messaging webhook in, the Messages API out.

One conversation per number while it is open. Keywords (a courtesy after them ignored): STOP (and Twilio's synonyms, and the senders' own words in five languages) opts the
number out, so nothing more is sent to it; START opts back in; HELP answers with who we are.
After a survey, a reply of 1, 2 or 3 is the rating.
"""
from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.twiml.messaging_response import MessagingResponse

from conversations import selectors
from conversations.assistant.phrases import phrase
from conversations.connectors import twilio_client
from conversations.connectors.common import absolute_links, hook_error
from conversations.models import ChannelRef, Conversation, Message
from conversations.services import channels, contact_update_attributes
from csat import selectors as csat_selectors
from csat import services as csat_services
from helpdesk.errors import DeliveryRefused, DomainError, ProviderUnavailable

# Twilio's own opt-out keywords, answered by Twilio itself; and the words senders use in the languages the assistant
# speaks, which Twilio does not know, so we confirm them ("BAJA" was read as a question and handed to a person, and
# the sender was texted after it: trial of 4 Dec)
STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"}
STOP_WORDS_OF = {"baja": "es", "arret": "fr", "arrêt": "fr", "stopp": "de", "abmelden": "de", "parar": "pt",
                 "sair": "pt", "cancelar": "pt", "pare": "pt"}
# words Spanish and Portuguese share: confirmed in the language of the sender's country ("cancelar" from a Spanish
# number was confirmed in Portuguese: trial 51), by its calling code, else as above
SHARED_STOP_WORDS = {"parar", "cancelar", "pare"}  # ("PARE" from a Portuguese number was a message: trial 51c)
LANGUAGE_OF_CALLING_CODE = {"34": "es", "52": "es", "54": "es", "56": "es", "57": "es", "51": "es", "58": "es",
                            "593": "es", "598": "es", "595": "es", "591": "es", "506": "es", "507": "es", "503": "es",
                            "502": "es", "504": "es", "505": "es", "53": "es", "1809": "es", "351": "pt", "55": "pt",
                            "244": "pt", "258": "pt", "238": "pt"}
START_WORDS = {"start", "unstop", "yes"}
# HELP in the languages the assistant speaks, with the language the answer is written in (a German sender got English:
# re-trial of 4 Dec); "help" and "info" are answered in the language of the sender's conversations
HELP_WORDS = {"help": "", "info": "", "ayuda": "es", "aide": "fr", "hilfe": "de", "ajuda": "pt"}
RATING_REPLIES = {"1": "positive", "2": "neutral", "3": "negative"}
OPTED_OUT = "sms_opted_out"


# A courtesy around a keyword ("Stopp bitte", "1 danke", "BAJA por favor"): still the keyword (both were read as
# questions and handed to a person: re-trial of 4 Dec)
_COURTESY = re.compile(r"[\s,.!]+(?:please|pls|thanks|thank\s+you|thx|por\s+favor|gracias|s'il\s+vous\s+pla[iî]t|svp|merci"
                       r"|bitte|danke(?:\s+sch[oö]n)?|obrigad[oa])[\s.!]*$", re.IGNORECASE)


def _keyword(body: str) -> str:
    """The message as a keyword: lower case, its end punctuation and a courtesy after it left out."""
    return _COURTESY.sub("", body.strip()).lower().strip(" .!")


def _language_of_number(phone: str) -> str:
    """The language of the country a number in E.164 form is from, by its longest known calling code; "" unknown."""
    digits = phone.lstrip("+")
    return next((LANGUAGE_OF_CALLING_CODE[digits[:n]] for n in (4, 3, 2) if digits[:n] in LANGUAGE_OF_CALLING_CODE), "")


def twiml(text: str = "") -> HttpResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return HttpResponse(str(response), content_type="text/xml")


RATED_AGAIN_WITHIN = timedelta(hours=1)


@twilio_client.twilio_hook
def sms_hook(request: HttpRequest, workspace) -> HttpResponse:
    phone, body, sid = (request.POST.get(k, "").strip() for k in ("From", "Body", "MessageSid"))
    if not phone or not sid:
        return hook_error(400, "malformed", "A Twilio message needs From and MessageSid.")
    keyword = _keyword(body)
    contact = selectors.contact_by_phone(workspace=workspace, phone=phone)
    if keyword in STOP_WORDS or keyword in START_WORDS or keyword in STOP_WORDS_OF:
        if contact is not None:
            contact_update_attributes(contact_id=contact.pk, values={OPTED_OUT: keyword not in START_WORDS})
        if keyword in STOP_WORDS_OF:
            language = (keyword in SHARED_STOP_WORDS and _language_of_number(phone)) or STOP_WORDS_OF[keyword]
            return twiml(phrase("sms_opted_out", language))
        if keyword in STOP_WORDS and body.lower().strip(" .!") != keyword:  # ("STOP please": not Twilio's keyword)
            return twiml(phrase("sms_opted_out", "en"))
        return twiml()  # Twilio's own opt-out handling answers the sender
    language = HELP_WORDS.get(keyword) or selectors.contact_language(contact=contact, channel=Conversation.Channel.SMS)
    if keyword in HELP_WORDS:
        return twiml(phrase("sms_help", language or "en", name=workspace.name))
    if keyword in RATING_REPLIES and contact is not None:
        recent = selectors.recent_conversation_ids(contact=contact, channel=Conversation.Channel.SMS)
        survey = csat_selectors.survey_awaiting_answer(conversation_ids=recent)
        if survey is not None:
            try:
                csat_services.survey_answer(token=survey.token, rating=RATING_REPLIES[keyword])
            except DomainError:
                pass  # answered meanwhile: the thanks is still right
            return twiml(phrase("sms_rating_thanks", language or "en"))
        if csat_selectors.survey_answered_since(conversation_ids=recent, since=timezone.now() - RATED_AGAIN_WITHIN):
            # a second number after the rating is the rating again, not a new conversation: "2" after "1" opened one,
            # in English, and was handed off as a question the AI could not answer (trial 55)
            return twiml(phrase("sms_rating_thanks", language or "en"))
    if not body:
        return hook_error(400, "malformed", "The message has no text.")
    inbound = channels.Inbound(channel=Conversation.Channel.SMS, ref_kind=ChannelRef.Kind.SMS, ref=sid, body=body,
                               sender_name=phone, phone=phone, metadata={"sms": {"sid": sid, "from": phone}})
    try:
        channels.channel_receive(workspace=workspace, inbound=inbound)
    except DomainError as exc:
        return hook_error(exc.status, exc.code, exc.message)
    return twiml()


def send(message: Message) -> str:
    """Text one message to the contact's number (a survey's text asks for 1/2/3); returns Twilio's message sid."""
    return send_text(message.conversation.contact, absolute_links(message.body))


def send_text(contact, body: str) -> str:
    if not contact.phone:
        raise DeliveryRefused("The contact has no phone number.")
    if (contact.attributes or {}).get(OPTED_OUT):
        raise DeliveryRefused("The number opted out (STOP).")
    if missing := twilio_client.missing_settings():  # (only what is missing: the auth token set, it was named anyway)
        raise DeliveryRefused(f"Twilio is not configured: {', '.join(missing)} not set.")
    try:
        sent = twilio_client.client().messages.create(to=contact.phone, from_=settings.TWILIO_FROM_NUMBER, body=body)
    except TwilioRestException as exc:
        if exc.status == 429 or exc.status >= 500:
            raise ProviderUnavailable(f"Twilio answered {exc.status}") from exc
        raise DeliveryRefused(f"Twilio refused the message ({exc.status}, code {exc.code}).") from exc
    except (TwilioException, OSError) as exc:
        raise ProviderUnavailable(f"Twilio unreachable: {exc.__class__.__name__}") from exc
    return sent.sid
