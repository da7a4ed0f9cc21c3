"""Email: the inbound hook (raw MIME, HMAC-signed) and the outbound send through Django's email backend.

Threading (API.md): a reply finds its conversation by `In-Reply-To` / `References` (every
Message-ID we received or sent is a ChannelRef), else by the reply token we put in the
Reply-To address (`support+r12-<sig>@...`) and the subject (`[#12-<sig>]`).
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import re
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage as MimeMessage
from email.utils import getaddresses, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from bs4 import BeautifulSoup
from mailparser_reply import EmailReplyParser

from conversations.assistant.phrases import phrase, rating_word
from conversations.connectors.common import absolute_links, hook_error, hook_workspace, hmac_sha256_valid
from conversations.models import ChannelRef, Conversation, Message
from conversations.services import MissedReplies, channels
from csat.models import Survey
from helpdesk.errors import DeliveryRefused, DomainError, ProviderUnavailable
from helpdesk.ids import parse_id
from helpdesk.middleware import body_limit

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
REPLY_TOKEN = re.compile(r"\+r(\d+)-([0-9a-f]{16})@", re.I)
SUBJECT_TOKEN = re.compile(r"\[#(\d+)-([0-9a-f]{16})\]", re.I)
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt", "sv", "pl"]
REFERENCES_KEPT = 20  # the References header names the newest ids of the thread


# --- reply token --------------------------------------------------------------------------------
def reply_signature(conversation_id: int) -> str:
    return salted_hmac("helpdesk.email.reply-token", str(conversation_id)).hexdigest()[:16]


def reply_token(conversation_id: int) -> str:
    return f"{conversation_id}-{reply_signature(conversation_id)}"


def reply_address(conversation_id: int) -> str:
    """DEFAULT_FROM_EMAIL with the plus-addressed reply token: replies find the thread without headers."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    local, _, domain = address.partition("@")
    tagged = f"{local}+r{reply_token(conversation_id)}@{domain}"
    return f"{name} <{tagged}>" if name else tagged


def _token_conversation_id(texts: list[str], pattern: re.Pattern) -> int | None:
    for text in texts:
        for match in pattern.finditer(text or ""):
            conversation_id, signature = parse_id(match.group(1)), match.group(2).lower()
            if conversation_id and constant_time_compare(signature, reply_signature(conversation_id)):
                return conversation_id
    return None


# --- inbound ------------------------------------------------------------------------------------
class MalformedEmail(ValueError):
    pass


@body_limit("HELPDESK_EMAIL_MAX_BYTES")
@csrf_exempt
@require_POST
def email_hook(request: HttpRequest) -> HttpResponse:
    """POST raw MIME signed with HELPDESK_EMAIL_WEBHOOK_SECRET; 200 with the message id (also on a retry)."""
    secret = settings.HELPDESK_EMAIL_WEBHOOK_SECRET
    if not secret:
        return hook_error(403, "not_configured", "The email channel has no webhook secret configured.")
    raw = _raw_body(request)
    if raw is None:
        return hook_error(413, "too_large", f"A mail may have at most {settings.HELPDESK_EMAIL_MAX_BYTES} bytes.")
    signature = request.headers.get("X-Helpdesk-Signature", "")
    if not hmac_sha256_valid(secret, raw, signature.removeprefix("sha256=")):
        return hook_error(401, "bad_signature", "X-Helpdesk-Signature is missing or wrong.")
    workspace = hook_workspace(request)
    if workspace is None:
        return hook_error(404, "not_found", "No such workspace.")
    try:
        inbound = parse_email(raw)
    except MalformedEmail as exc:
        return hook_error(400, "malformed_email", str(exc))
    try:
        message, created = channels.channel_receive(workspace=workspace, inbound=inbound)
    except DomainError as exc:  # e.g. a text of nothing but refused characters: the sender's problem, not a 500
        return hook_error(exc.status, exc.code, exc.message)
    return JsonResponse({"message": str(message.id), "conversation": str(message.conversation_id),
                         "duplicate": not created}, status=201 if created else 200)


def _raw_body(request: HttpRequest) -> bytes | None:
    """The posted mail, up to HELPDESK_EMAIL_MAX_BYTES (None above it). Read from the stream: Django's
    request.body stops at DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), less than a mail with attachments."""
    limit = settings.HELPDESK_EMAIL_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    raw = request.read(limit + 1)
    return None if len(raw) > limit else raw


def parse_email(raw: bytes) -> channels.Inbound:
    """The parts of a mail the conversation needs; the raw mail is kept as an attachment."""
    if not raw.strip():
        raise MalformedEmail("The body is empty; expected a raw MIME message.")
    try:
        mime: MimeMessage = email.message_from_bytes(raw, policy=email.policy.default)
        sender_name, sender = parseaddr(str(mime.get("From", "")))
    except Exception as exc:  # the parser raises many kinds on broken headers
        raise MalformedEmail(f"Unreadable MIME: {exc.__class__.__name__}") from exc
    if "@" not in sender:
        raise MalformedEmail("The mail has no From address.")
    message_id = (MESSAGE_ID.findall(str(mime.get("Message-ID", ""))) or [""])[0]
    if not message_id:  # a stable stand-in, so a retried delivery is still recognised
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()}@helpdesk.invalid>"
    in_reply_to = MESSAGE_ID.findall(str(mime.get("In-Reply-To", "")))
    references = MESSAGE_ID.findall(str(mime.get("References", "")))
    subject = str(mime.get("Subject", "")).strip()
    recipients = [address for _, address in getaddresses(
        [str(v) for h in ("To", "Cc", "Delivered-To") for v in mime.get_all(h, [])])]
    try:
        full_text = _text_of(mime)
        files = _attachments_of(mime)
    except (LookupError, ValueError, AttributeError) as exc:
        raise MalformedEmail(f"Unreadable MIME body: {exc.__class__.__name__}") from exc
    reply = without_sign_off(strip_quoted(full_text), sender_name, sender)
    listed = [f for f in files if not f.is_raw_message]
    # a question written in the subject alone ("Where is my parcel?", empty body) is the message
    body = reply or _subject_text(subject) or (f"(no text; {len(listed)} attachment(s))" if listed else "")
    if not body:
        raise MalformedEmail("The mail has neither text nor attachments.")
    if len(body) > settings.MESSAGE_MAX_CHARS:  # its beginning and end are the message; the whole text a file
        listed.append(channels.InboundFile(FULL_TEXT_FILE, "text/plain; charset=utf-8", full_text.encode()))
    body = _clip(body)
    limit = settings.HELPDESK_EMAIL_ATTACHMENT_MAX_BYTES
    metadata = {
        "email": {"message_id": message_id, "subject": subject[:300], "from": sender,
                  "stripped": reply != full_text.strip(), "full_text": _clip(full_text.strip())},
        "attachments": [{"filename": f.filename, "content_type": f.content_type, "size": len(f.data)} for f in listed],
    }
    skipped = [name for name, size in _oversized(mime, limit)]
    if skipped:
        metadata["attachments_skipped"] = skipped
    return channels.Inbound(
        channel=Conversation.Channel.EMAIL, ref_kind=ChannelRef.Kind.EMAIL, ref=message_id[:500], body=body,
        sender_name=sender_name or sender, email=sender.lower(),
        thread_refs=tuple(reversed(in_reply_to + references)),
        conversation_id=(_token_conversation_id(recipients, REPLY_TOKEN)
                         or _token_conversation_id([subject], SUBJECT_TOKEN)),
        metadata=metadata, subject=_subject_text(subject),
        files=tuple(listed) + (channels.InboundFile("message.eml", "message/rfc822", raw, is_raw_message=True),))


# A line of what the parser took for a signature that names an order ("Thanks,\nOrder 12345" lost the number: trial
# of 3 Dec); a signature's postcode or phone number names none
_ORDER_LINE = re.compile(r"\b(?:order|pedido|commande|bestellung|bestellnummer|encomenda|ref(?:erence)?)\b.*\d|#\s?[a-z]{0,4}-?\d{3,}",
                         re.I)


# The line a mail client writes above the quoted history, when the parser missed it: its Spanish pattern wants two
# spaces before "escribió:", so "El vie, 4 dic 2026 a las 03:51, Northwind <…> escribió:" and the whole history
# reached the agent and the assistant (trial of 4 Dec)
# Whatever its first word ("Na sex., 4 de dez. …", "No dia 4 …", "Às 10:00 de …" were missed: re-trial of 4 Dec), the
# header names a date or an address, and quoted lines follow it.
_WROTE = r"(?:wrote|escribió|a\s+écrit|schrieb|escreveu|schreef|ha\s+scritto)"  # the verb a quote's header ends with
_QUOTE_HEADER = re.compile(
    rf"^[ \t]*(?=[^\n]*[\d@])[^\s>][^\n]*(?:\n(?![ \t]*>)[^\n]*)?\s{_WROTE}[^:\n]*:[ \t]*\n(?:[ \t]*\n)*[ \t]*>", re.M)


# ... or a weekday where the date would be, and no address: "El sáb, Ana escribió:", "On Sat, Ana wrote:" (trial 26:
# the Spanish one and its quote reached the agent). Not "My friend wrote:", which introduces a quote of the sender's.
_DAY_HEADER = re.compile(
    r"^[ \t]*(?:on|el|le|am|em|na|no)\s+(?:mon|tue|wed|thu|fri|sat|sun|lun|mar|mi[eé]|jue|vie|s[aá]b|dom|mer|jeu|ven|sam"
    rf"|dim|mo|di|mi|do|fr|sa|so|seg|ter|qua|qui|sex)[a-zà-ÿ]*\.?,[^\n]*\s{_WROTE}[^:\n]*:[ \t]*\n(?:[ \t]*\n)*[ \t]*>",
    re.M | re.I)


# Outlook's line above the old mail, and its header block, in the five languages ("-----Mensaje original-----", "De:
# … Enviado el: …" reached the agent: trial of 4 Dec)
_ORIGINAL_MESSAGE = re.compile(
    r"^[ \t]*-{2,}\s*(?:original message|mensaje original|message d'origine|ursprüngliche nachricht|mensagem original"
    r"|messaggio originale)\s*-{2,}[ \t]*$"
    r"|^[ \t]*(?:from|de|von|da)[ \t]*:[^\n]*\n[ \t]*(?:sent|enviado(?: el)?|envoyé|gesendet|inviato|date|fecha|datum)[ \t]*:",
    re.IGNORECASE | re.MULTILINE)


def strip_quoted(text: str) -> str:
    """What the sender wrote: quoted history and signatures removed (mail-parser-reply), but for a line of the
    signature that names an order."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()  # (a mail's lines end in CRLF)
    if not text:
        return ""
    for quoted in (_QUOTE_HEADER, _DAY_HEADER, _ORIGINAL_MESSAGE):
        if (header := quoted.search(text)) is not None and text[:header.start()].strip():
            text = text[:header.start()].rstrip()
    replies = EmailReplyParser(languages=REPLY_LANGUAGES).read(text=text).replies
    first = _without_quoted_lines(replies[0].body.strip()) if replies else ""
    orders = [line.strip() for line in (replies[0].signatures or "").splitlines() if _ORDER_LINE.search(line)] \
        if first else []
    return "\n\n".join([first, *orders]) if orders else first or text


def _without_quoted_lines(text: str) -> str:
    """`text` without its blocks of "> " lines quoted under no "On … wrote:" header (a reply quoting the AI's "I couldn't
    find an order NW-20777" was read as giving that number again: trial 54c), but for a block the visitor introduces
    ("My friend wrote:" just above it); as it is when it is all quote."""
    kept: list[str] = []
    introduced = False
    for line in text.splitlines():
        if line.lstrip().startswith(">"):
            if introduced:
                kept.append(line)
            continue
        if line.strip():
            introduced = line.rstrip().endswith(":")
        kept.append(line)
    rest = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", rest) if rest else text


# A closing before the sender's name at the end of a mail: "Thanks,", "Best regards", "Un saludo", "Viele Grüße"…
_CLOSING = re.compile(
    r"(?:many |thanks |thank you |best |kind |warm )?(?:thanks|thank you|cheers|best|regards|best wishes|sincerely|"
    r"yours|gracias|saludos|un saludo|atentamente|merci|cordialement|bien à vous|bonne journée|danke|grüße|gruß|"
    r"viele grüße|beste grüße|liebe grüße|mit freundlichen grüßen|lg|vg|obrigad[oa]|abraços?|atenciosamente|"
    r"cumprimentos)(?: again| in advance| a lot| and regards)?\s*[,.!]*",
    re.I)

SIGNATURE_LINES = 4  # short lines under a closing and the sender's name that are still the signature
_SIGNED = re.compile(r"(?:(?P<closing>.+?)(?:,| [-–—] ))?(?P<name>[^,]*)", re.S)


def without_sign_off(text: str, sender_name: str, address: str) -> str:
    """`text` without the sender signing off at its end ("Pat", "Thanks,\nPat Doe", "Best regards - Pat"): a
    last line made only of the sender's names (from the From header, or the address's local part), and the
    closing before it. Anything else stays, and so does a mail that would be left empty."""
    names = {w for w in re.findall(r"\w+", f"{sender_name} {address.partition('@')[0]}".lower()) if len(w) > 1}
    lines = text.rstrip().splitlines()
    if len(lines) < 2 or not names:
        return text
    # a closing and the sender's name with a few short lines under them (an address, a phone): all the signature
    # ("Obrigado,\nPat Silva\nRua das Flores 12, 1200-195 Lisboa\n+351 912 345 678" reached the agent: trial of 4 Dec)
    for i in range(len(lines) - 2, max(0, len(lines) - SIGNATURE_LINES - 2) - 1, -1):
        words = re.findall(r"\w+", lines[i + 1].lower())
        if i and _CLOSING.fullmatch(lines[i].strip(" -–—~")) and words and all(w in names for w in words) \
                and all(len(line) <= 60 for line in lines[i + 2:]):
            orders = [line.strip() for line in lines[i + 2:] if _ORDER_LINE.search(line)]  # (as strip_quoted keeps)
            body = "\n\n".join(["\n".join(lines[:i]).rstrip(), *orders]).strip()
            return body or text
    last = lines[-1].strip(" -–—~,.!").lower()
    closing, signed = _SIGNED.fullmatch(last).group("closing", "name")
    words = re.findall(r"\w+", signed)
    if not words or not all(w in names or len(w) == 1 for w in words) or not any(w in names for w in words) \
            or (closing and not _CLOSING.fullmatch(closing.strip())):
        return text
    kept = lines[:-1]
    while kept and not kept[-1].strip():
        kept.pop()
    if kept and _CLOSING.fullmatch(kept[-1].strip(" -–—~")):
        kept.pop()
    elif not closing and kept and not kept[-1].rstrip().endswith((".", "?", "!", ")", "…", ":")):
        return text  # "Her name is\nPat": the name ends a sentence, it signs nothing
    body = "\n".join(kept).rstrip()
    return body or text


def _text_of(mime: MimeMessage) -> str:
    """The mail's text part, else its HTML part's text: a client that sends an empty text part beside the HTML one
    was read from its subject alone (re-trial of 4 Dec)."""
    for kind in ("plain", "html"):
        part = mime.get_body(preferencelist=(kind,))
        if part is None:
            continue
        content = part.get_content()
        if isinstance(content, bytes):
            content = content.decode("utf-8", "replace")
        text = text_of_html(content) if kind == "html" else content
        if text.strip():
            return text
    return ""


# Where mail clients put the quoted history in HTML: Gmail, Yahoo, Thunderbird's cite, Apple Mail's and every
# client's blockquote, and Outlook's "From: … Sent: …" block (after which everything is the old mail)
_QUOTED_HTML = "blockquote, .gmail_quote, .gmail_attr, .yahoo_quoted, .moz-cite-prefix"
# Where they put the sender's signature (Gmail, Thunderbird, Outlook, Apple Mail): a name, a title, a phone number
# reached the agent and the assistant as if written to them (re-trial of 4 Dec)
_SIGNATURE_HTML = ".gmail_signature, [data-smartmail=gmail_signature], .moz-signature, #Signature, #signature, " \
                  "#AppleMailSignature, .signature"
_OUTLOOK_QUOTE = "#divRplyFwdMsg, #appendonsend"
_BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "ul", "ol", "pre")


def text_of_html(html: str) -> str:
    """The text of an HTML-only mail as its reader saw it: paragraphs and line breaks kept, no style, script
    or head, entities decoded (&nbsp; a space), and without the quoted history."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup(["script", "style", "head", "title", "template", "noscript"]):
        element.decompose()
    for quote in soup.select(_OUTLOOK_QUOTE):
        for later in list(quote.find_all_next()):
            later.decompose()
        previous = quote.find_previous_sibling()
        if previous is not None and previous.name == "hr":
            previous.decompose()
        quote.decompose()
    for element in soup.select(_QUOTED_HTML):
        element.decompose()
    for element in soup.select(_SIGNATURE_HTML):
        if not _ORDER_LINE.search(element.get_text(" ")):  # (a signature naming an order keeps it, as in text)
            element.decompose()
    for element in soup.find_all("br"):
        element.replace_with("\n")
    for element in soup.find_all(_BLOCKS):
        element.insert_before("\n")
        element.insert_after("\n")
    lines = (" ".join(line.replace("\xa0", " ").split()) for line in soup.get_text().splitlines())
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return re.sub(r"\n+--$", "", text)  # the delimiter left above a signature taken out


def _attachments_of(mime: MimeMessage) -> list[channels.InboundFile]:
    limit = settings.HELPDESK_EMAIL_ATTACHMENT_MAX_BYTES
    files = []
    for part in mime.iter_attachments():
        data = part.get_payload(decode=True) or b""
        if len(data) <= limit:
            files.append(channels.InboundFile(part.get_filename() or "attachment", part.get_content_type(), data))
    return files


def _oversized(mime: MimeMessage, limit: int) -> list[tuple[str, int]]:
    sizes = [(part.get_filename() or "attachment", len(part.get_payload(decode=True) or b""))
             for part in mime.iter_attachments()]
    return [(name, size) for name, size in sizes if size > limit]


FULL_TEXT_FILE = "full-text.txt"


def _clip(text: str) -> str:
    """`text` within the message limit: its beginning and its end (where a long mail's question often is), the
    middle cut and said so (the whole text is attached as FULL_TEXT_FILE)."""
    limit = settings.MESSAGE_MAX_CHARS
    if len(text) <= limit:
        return text
    marker = f"\n\n[… {{}} characters cut here; the whole text is attached as {FULL_TEXT_FILE} …]\n\n"
    room = limit - len(marker) - 10
    head, tail = room * 2 // 3, room - room * 2 // 3
    return text[:head].rstrip() + marker.format(len(text) - head - tail) + text[-tail:].lstrip()


def _subject_text(subject: str) -> str:
    """The subject as a message: without "Re:"/"Fwd:" prefixes and the conversation's token."""
    subject = SUBJECT_TOKEN.sub("", subject)
    return re.sub(r"^(?:\s*(?:re|fwd?|aw|wg|tr|rv)\s*:\s*)+", "", subject, flags=re.I).strip()


# --- outbound -----------------------------------------------------------------------------------
def send(message: Message, also: Sequence[Message] = ()) -> str:
    """Send one message by SMTP, threaded under the conversation's mail, with the messages written `also` with it
    (delivery.written_with) after it in the same mail. Returns its Message-ID."""
    conversation = message.conversation
    text, html = _render(message, also)
    # RFC 3834: vacation responders must not answer what no person wrote
    message_id = _send_threaded(conversation, text, html, msgid=f"m{message.pk}",
                                automatic=message.sender_type != Message.SenderType.AGENT)
    channels.channel_ref_record(conversation=conversation, kind=ChannelRef.Kind.EMAIL, value=message_id, message=message)
    return message_id


def send_missed_replies(claim: MissedReplies) -> str:
    """The agents' replies a web visitor did not see on the page, in one mail to their address, threaded so that
    answering it comes back into the conversation (services/missed_replies.py). Returns its Message-ID."""
    conversation = claim.conversation
    lang = conversation.language or "en"
    workspace = conversation.workspace.name
    replies = "\n\n".join(f"{m.sender_name or workspace}:\n{absolute_links(m.body)}" for m in claim.messages)
    text = f"{phrase('missed_replies_intro', lang)}\n\n{replies}\n\n{phrase('missed_replies_outro', lang)}\n\n— {workspace}\n"
    message_id = _send_threaded(conversation, text, "", msgid=f"c{conversation.pk}m{claim.last_id}", automatic=False)
    channels.channel_ref_record(conversation=conversation, kind=ChannelRef.Kind.EMAIL, value=message_id)
    return message_id


def _send_threaded(conversation: Conversation, text: str, html: str, *, msgid: str, automatic: bool) -> str:
    contact = conversation.contact
    if not contact.email:
        raise DeliveryRefused("The contact has no email address.")
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].partition("@")[2] or "helpdesk.local"
    message_id = make_msgid(idstring=msgid, domain=domain)
    thread = list(ChannelRef.objects.filter(conversation=conversation, kind=ChannelRef.Kind.EMAIL)
                  .order_by("-id").values_list("value", flat=True)[:REFERENCES_KEPT])[::-1]
    last_inbound = (ChannelRef.objects.filter(conversation=conversation, kind=ChannelRef.Kind.EMAIL,
                                              message__sender_type=Message.SenderType.VISITOR)
                    .order_by("-id").values_list("value", flat=True).first())
    headers = {"Message-ID": message_id}
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"
    if thread:
        headers["In-Reply-To"] = last_inbound or thread[-1]
        headers["References"] = " ".join(thread)
    mail = EmailMultiAlternatives(subject=_subject(conversation), body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                                  to=[contact.email], reply_to=[reply_address(conversation.pk)], headers=headers)
    if html:
        mail.attach_alternative(html, "text/html")
    try:
        get_connection().send_messages([mail])
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryRefused(f"The mail server refused {contact.email}.") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ProviderUnavailable(f"SMTP: {exc.__class__.__name__}: {exc}") from exc
    return message_id


def _subject(conversation: Conversation) -> str:
    first = (Message.objects.filter(conversation=conversation, metadata__email__subject__isnull=False)
             .order_by("id").values_list("metadata__email__subject", flat=True).first())
    subject = SUBJECT_TOKEN.sub("", first or "").strip() or f"Your conversation with {conversation.workspace.name}"
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return f"{subject} [#{reply_token(conversation.pk)}]"


def _render(message: Message, also: Sequence[Message] = ()) -> tuple[str, str]:
    """The text (and for a survey, the HTML) of the mail."""
    conversation = message.conversation
    csat = (message.metadata or {}).get("csat")
    if csat and csat.get("links"):
        language = conversation.language or "en"
        name = conversation.contact.name if conversation.contact else ""
        words = {"greeting": phrase("csat_mail_greeting", language, name=name) if name
                 else phrase("csat_mail_greeting_anonymous", language),
                 "resolved": phrase("csat_mail_resolved", language, workspace=conversation.workspace.name),
                 "ask": phrase("csat_mail_ask", language), "thanks": phrase("csat_mail_thanks", language)}
        context = {"conversation": conversation, "workspace": conversation.workspace, "contact": conversation.contact,
                   "options": csat_options(csat, language), "words": words,
                   "language": language if language in ("en", "es", "fr", "de", "pt") else "en"}
        return render_to_string("csat/email.txt", context), render_to_string("csat/email.html", context)
    workspace = conversation.workspace.name
    signature = f"{message.sender_name}, {workspace}" if message.sender_name else workspace
    body = "\n\n".join(absolute_links(m.body) for m in [message, *also])
    return f"{body}\n\n— {signature}\n", ""


def csat_options(csat: dict, language: str = "en") -> list[dict]:
    emoji = Survey.EMOJI
    # best first, whatever order the links came back in (PostgreSQL's jsonb orders keys by length)
    links = csat["links"]
    order = [r for r in Survey.OPTIONS if r in links] + [r for r in links if r not in Survey.OPTIONS]
    return [{"rating": r, "emoji": emoji.get(r, ""), "label": rating_word(r, language), "url": links[r]} for r in order]
