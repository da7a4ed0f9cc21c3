"""The admin's Channels page: configured or not, and the webhook URL to give each provider; no secrets shown."""
from __future__ import annotations

import re

from tests import factories


def rows(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-channel="([^"]+)" data-configured="(true|false)"', page))


def test_staff_see_each_channel_its_webhook_url_and_what_is_missing(workspace, client, settings):
    settings.PUBLIC_BASE_URL = "https://help.example.com"
    settings.HELPDESK_EMAIL_WEBHOOK_SECRET = "s3cret-email"
    settings.SLACK_SIGNING_SECRET, settings.SLACK_BOT_TOKEN = "", ""
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER = "AC1", "tok-secret", "+1500"
    factories.TeamFactory(workspace=workspace, name="Billing", slack_channel="C0123ABC")
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/channels/")
    assert response.status_code == 200
    page = response.content.decode()
    assert rows(page) == {"Email": "true", "SMS (Twilio)": "true", "Voice (Twilio)": "true", "Slack": "false"}
    for path in ("/api/v1/hooks/email/", "/api/v1/hooks/sms/twilio/", "/api/v1/hooks/voice/twilio/",
                 "/api/v1/hooks/slack/events/"):
        assert f"https://help.example.com{path}" in page
    assert "missing SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN" in page
    assert "C0123ABC" in page
    assert "s3cret-email" not in page and "tok-secret" not in page


def test_a_second_workspace_gets_its_slug_in_the_urls(workspace, client):
    other = factories.WorkspaceFactory(slug="acme")
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get("/admin/channels/?workspace=acme").content.decode()
    assert "/api/v1/hooks/email/?workspace=acme" in page and other.name in page


def test_agents_who_are_not_staff_are_sent_to_the_login(workspace, agent, client):
    client.force_login(agent)
    response = client.get("/admin/channels/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
