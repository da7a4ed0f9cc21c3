"""The providers' webhooks (API.md "Channel webhooks and providers"), under /api/v1/hooks/."""
from django.urls import path

from conversations.connectors import email, slack, sms, voice

urlpatterns = [
    path("email/", email.email_hook, name="hook-email"),
    path("sms/twilio/", sms.sms_hook, name="hook-sms"),
    path("voice/twilio/", voice.voice_hook, name="hook-voice"),
    path("slack/events/", slack.slack_events_hook, name="hook-slack"),
]
