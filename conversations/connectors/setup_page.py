"""The admin's "Channels" page: which channels are configured, and the webhook URL to give each provider."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render
from django.urls import reverse

from conversations.connectors import slack, twilio_client
from routing.models import Team
from workspaces.models import Workspace


@dataclass(frozen=True)
class ChannelSetup:
    name: str
    configured: bool
    webhook_url: str
    settings_needed: tuple[str, ...]
    missing: tuple[str, ...]
    note: str


def _missing(*names: str) -> tuple[str, ...]:
    return tuple(name for name in names if not getattr(settings, name, ""))


def channel_setups(base_url: str, query: str) -> list[ChannelSetup]:
    def hook(name: str) -> str:
        return base_url + reverse(name) + query

    twilio = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
    email_missing = _missing("HELPDESK_EMAIL_WEBHOOK_SECRET", "DEFAULT_FROM_EMAIL", "EMAIL_HOST")
    return [
        ChannelSetup("Email", not email_missing, hook("hook-email"),
                     ("HELPDESK_EMAIL_WEBHOOK_SECRET", "EMAIL_HOST", "EMAIL_PORT", "DEFAULT_FROM_EMAIL"), email_missing,
                     f"Replies go out by {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]} from {settings.DEFAULT_FROM_EMAIL}."),
        ChannelSetup("SMS (Twilio)", twilio_client.configured(), hook("hook-sms"), twilio, _missing(*twilio),
                     f"Messages API at {settings.TWILIO_API_BASE_URL}."),
        ChannelSetup("Voice (Twilio)", twilio_client.configured(), hook("hook-voice"), twilio, _missing(*twilio),
                     "Calls are transferred to the policy's fallback phone on handoff."),
        ChannelSetup("Slack", slack.configured(), hook("hook-slack"), ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"),
                     _missing("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"), f"Web API at {settings.SLACK_API_BASE_URL}."),
    ]


@staff_member_required
def channels_page(request):
    workspaces = list(Workspace.objects.order_by("id"))
    chosen = next((w for w in workspaces if w.slug == request.GET.get("workspace")), workspaces[0] if workspaces else None)
    # The first workspace is the hooks' default; others are named in the query string.
    query = f"?workspace={chosen.slug}" if chosen and workspaces and chosen != workspaces[0] else ""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    teams = Team.objects.filter(workspace=chosen).order_by("name") if chosen else Team.objects.none()
    return render(request, "admin/channels.html", {
        "title": "Channels", "channels": channel_setups(base, query), "workspaces": workspaces, "chosen": chosen,
        "teams": teams, "public_url": base,
    })
