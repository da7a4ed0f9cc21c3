"""Slack as the agents' side door: a handoff is posted to the team's channel, and a reply in that
thread is an agent reply, delivered to the customer on the conversation's own channel.

Out: `slack_sdk`'s WebClient (`chat.postMessage`, `users.info`) at SLACK_API_BASE_URL.
In: the Events API hook, checked with slack_sdk's SignatureVerifier (older than 5 minutes refused).
"""
from __future__ import annotations

import json
import re
import logging

import emoji
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier

from conversations.connectors.common import hook_error
from conversations.models import ChannelRef, Conversation, Handoff, Message
from conversations.services import channels
from helpdesk.errors import DomainError, ProviderUnavailable
from routing.selectors import agent_by_slack_user, agent_profile_for

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


def configured() -> bool:
    return bool(settings.SLACK_BOT_TOKEN and settings.SLACK_SIGNING_SECRET)


def client() -> WebClient:
    base = settings.SLACK_API_BASE_URL
    return WebClient(token=settings.SLACK_BOT_TOKEN, base_url=base if base.endswith("/") else base + "/",
                     timeout=TIMEOUT_SECONDS)


def thread_key(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def escape(text: str) -> str:
    """Customer text as Slack shows it, not as Slack reads it: "<!channel>" or "<https://x|click>"
    written by a visitor must not notify the channel or become a disguised link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _post(*, channel: str, text: str, thread_ts: str = "", what: str) -> dict | None:
    """chat.postMessage; None when Slack refuses for good (logged), ProviderUnavailable when it is down."""
    try:
        return client().chat_postMessage(channel=channel, text=text, unfurl_links=False, unfurl_media=False,
                                         **({"thread_ts": thread_ts} if thread_ts else {}))
    except SlackApiError as exc:
        status = exc.response.status_code
        if status == 429 or status >= 500:
            raise ProviderUnavailable(f"Slack answered {status}") from exc
        logger.warning("Slack refused %s: %s", what, exc.response.get("error"))
        return None
    except (SlackClientError, OSError) as exc:
        raise ProviderUnavailable(f"Slack unreachable: {exc.__class__.__name__}") from exc


# --- out: the handoff, posted to the team's channel ------------------------------------------------
def handoff_channel(handoff: Handoff) -> str:
    """The Slack channel of the handoff's team (its target, else the conversation's team), or ""."""
    team = handoff.target_team if handoff.target_kind == "team" else handoff.conversation.team
    return team.slack_channel if team is not None else ""


def post_handoff(*, handoff_id: int) -> str:
    """Post the handoff (summary, gathered information, inbox link) once; returns the thread key or ""."""
    handoff = (Handoff.objects.select_related("conversation__contact", "conversation__team", "target_team")
               .filter(pk=handoff_id).first())
    if handoff is None or not settings.SLACK_BOT_TOKEN:
        return ""
    channel = handoff_channel(handoff)
    conversation = handoff.conversation
    if not channel or ChannelRef.objects.filter(conversation=conversation, kind=ChannelRef.Kind.SLACK_THREAD,
                                                created_at__gte=handoff.requested_at).exists():
        return ""  # no Slack for this team, or posted already (a redelivered task)
    link = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/inbox/#conversation={conversation.pk}"
    gathered = "\n".join(f"• {escape(name)}: {escape(str(value))}" for name, value in (handoff.gathered or {}).items())
    # (the summary's own "Gathered:" line would list the same values again)
    summary = "\n".join(line for line in (handoff.summary or "").splitlines()
                        if not (gathered and line.startswith("Gathered: ")))
    lines = [f"*Handoff* ({conversation.get_channel_display()}) from {escape(str(conversation.contact))}",
             f"Reason: {escape(handoff.reason) or '—'}" + (f" · priority {handoff.priority}" if handoff.priority else ""),
             f"Summary: {escape(summary) or '—'}"]
    if gathered:
        lines.append(f"Gathered:\n{gathered}")
    lines.append(f"<{link}|Open in the inbox> · reply in this thread to answer the customer")
    posted = _post(channel=channel, text="\n".join(lines), what=f"the handoff post of conversation {conversation.pk}")
    if posted is None:
        return ""
    key = thread_key(channel, posted["ts"])
    channels.channel_ref_record(conversation=conversation, kind=ChannelRef.Kind.SLACK_THREAD, value=key)
    return key


def mirror_message(*, message_id: int) -> str:
    """Copy a visitor's message or an inbox agent's reply into the conversation's latest handoff
    thread, once. Returns the Slack ts of the copy, or "" when there is nothing to do."""
    message = Message.objects.select_related("conversation__contact").filter(pk=message_id).first()
    if message is None or not settings.SLACK_BOT_TOKEN:
        return ""
    conversation = message.conversation
    thread = (ChannelRef.objects.filter(conversation=conversation, kind=ChannelRef.Kind.SLACK_THREAD)
              .order_by("-created_at", "-pk").first())
    copied = f"copy:{message.pk}"
    if thread is None or ChannelRef.objects.filter(workspace_id=conversation.workspace_id,
                                                   kind=ChannelRef.Kind.SLACK_MESSAGE, value=copied).exists():
        return ""  # no thread, or copied already (a redelivered task)
    channel, thread_ts = thread.value.split(":", 1)
    who = (f"{message.sender_name or conversation.contact} (customer)" if message.sender_type == Message.SenderType.VISITOR
           else f"{message.sender_name or 'Agent'} (in the inbox)")
    posted = _post(channel=channel, thread_ts=thread_ts, text=f"*{escape(who)}*: {escape(message.body)}",
                   what=f"the copy of message {message.pk}")
    if posted is None:
        return ""
    channels.channel_ref_record(conversation=conversation, kind=ChannelRef.Kind.SLACK_MESSAGE, value=copied,
                                message=message)
    return posted["ts"]


# --- in: the Events API ------------------------------------------------------------------------------
@csrf_exempt
@require_POST
def slack_events_hook(request: HttpRequest) -> HttpResponse:
    if not settings.SLACK_SIGNING_SECRET:
        return hook_error(403, "not_configured", "Slack has no signing secret configured.")
    if not SignatureVerifier(settings.SLACK_SIGNING_SECRET).is_valid_request(request.body, dict(request.headers)):
        return hook_error(401, "bad_signature", "X-Slack-Signature is missing, wrong or too old.")
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return hook_error(400, "malformed", "The body is not JSON.")
    if not isinstance(payload, dict):
        return hook_error(400, "malformed", "The body is not a JSON object.")
    if payload.get("type") == "url_verification":
        return JsonResponse({"challenge": str(payload.get("challenge", ""))})
    event = payload.get("event")
    if payload.get("type") != "event_callback" or not isinstance(event, dict):
        return JsonResponse({"ok": True, "ignored": "not a message event"})
    return JsonResponse({"ok": True, **thread_reply(event, event_id=str(payload.get("event_id", "")))})


# Slack's markup in a message's text (api.slack.com "Formatting text"): <https://x|label>, <mailto:a@b|a@b>,
# <@U123> and <#C123|name> mentions, <!here> and <!date^…|fallback>; & < > escaped as &amp; &lt; &gt;
_SLACK_ANGLED = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
# *bold*, _italic_ and ~struck~ around words (not inside one: "snake_case_name", "2*3*4"); and :shortcode: emoji. A web
# visitor read "*bold* _it_ :smile:" as written (trial 51)
_SLACK_EMPHASIS = re.compile(r"(^|[\s(\"'])([*_~])(?=\S)([^*_~\n]*?\S)\2(?=$|[\s).,;:!?\"'])")


def plain(text: str, name_of=lambda member_id: "") -> str:
    """An agent's Slack text as the customer should read it: links as their label (and address when the label
    is another text), mailto: links as the address, mentions as their name (`name_of` a member id: Slack sends
    "<@U123>" with no label), Slack's escapes undone."""
    def one(m: re.Match) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith("mailto:"):
            return label or target[len("mailto:"):]
        if target.startswith("@"):
            return label or name_of(target[1:]) or "a colleague"
        if target.startswith("#"):
            return f"#{label}" if label else target
        if target.startswith("!"):  # <!here>, <!date^…|fallback>
            return label or f"@{target[1:].split('^')[0]}"
        if label and label != target and label not in target:
            return f"{label} ({target})"
        return target
    text = _SLACK_EMPHASIS.sub(r"\1\3", _SLACK_ANGLED.sub(one, text))
    return emoji.emojize(text, language="alias").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def thread_reply(event: dict, *, event_id: str) -> dict:
    """A human's reply in a handoff thread becomes the agent's reply; everything else is ignored."""
    if event.get("type") != "message" or event.get("bot_id") or event.get("subtype"):
        return {"ignored": "not a person's message"}  # our own posts carry bot_id; edits carry a subtype
    channel, thread_ts, text = event.get("channel", ""), event.get("thread_ts", ""), (event.get("text") or "").strip()
    if not (channel and thread_ts and text) or thread_ts == event.get("ts"):
        return {"ignored": "not a thread reply"}
    ref = (ChannelRef.objects.filter(kind=ChannelRef.Kind.SLACK_THREAD, value=thread_key(channel, thread_ts))
           .select_related("conversation").first())
    if ref is None:
        return {"ignored": "not a handoff thread"}
    conversation = ref.conversation
    message_key = thread_key(channel, event.get("ts", "")) if event.get("ts") else event_id
    if ChannelRef.objects.filter(workspace_id=conversation.workspace_id, kind=ChannelRef.Kind.SLACK_MESSAGE,
                                 value=message_key).exists():
        return {"duplicate": True}
    agent = _agent_for(event.get("user", ""), conversation)
    if agent is None:
        return {"ignored": "the Slack user is no agent of this workspace (by Slack member id or email)"}
    try:
        body = plain(text, name_of=lambda member_id: _mentioned_name(member_id, conversation))
        message = channels.slack_reply_receive(conversation=conversation, agent=agent, body=body, ref=message_key,
                                               metadata={"via": "slack", "slack": {"channel": channel,
                                                                                   "ts": event.get("ts", "")}})
    except DomainError as exc:
        _tell_only_them(channel, thread_ts, event.get("user", ""), f"Not sent to the customer: {exc.message}")
        return {"ignored": exc.message}
    return {"message": str(message.pk)} if message else {"duplicate": True}


def _tell_only_them(channel: str, thread_ts: str, slack_user: str, text: str) -> None:
    """A note in the thread that only the Slack user sees (chat.postEphemeral): why their reply went nowhere."""
    try:
        client().chat_postEphemeral(channel=channel, user=slack_user, thread_ts=thread_ts, text=text)
    except (SlackClientError, OSError):
        logger.warning("Could not tell Slack user %s why their reply was not sent", slack_user)


def _mentioned_name(member_id: str, conversation: Conversation) -> str:
    """The name of the workspace agent a Slack mention names (their first name, as the customer knows agents)."""
    agent = _agent_for(member_id, conversation)
    return (agent.first_name or agent.get_full_name() or agent.get_username()) if agent is not None else ""


def _agent_for(slack_user: str, conversation: Conversation):
    """The workspace agent with this Slack member id, else the one whose email is the Slack user's
    (Slack's users.info)."""
    if not slack_user:
        return None
    agent = agent_by_slack_user(workspace_id=conversation.workspace_id, slack_user_id=slack_user)
    if agent is not None:
        return agent
    try:
        profile = client().users_info(user=slack_user)["user"].get("profile", {})
    except (SlackClientError, OSError, KeyError):
        logger.warning("Could not look up Slack user %s", slack_user)
        return None
    email = (profile.get("email") or "").strip()
    if not email:
        return None
    for user in get_user_model().objects.filter(email__iexact=email, is_active=True):
        membership = agent_profile_for(user)
        if membership is not None and membership.workspace_id == conversation.workspace_id:
            return user
    return None

