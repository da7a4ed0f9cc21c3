"""Resolve → survey: resolution types, policy and overrides, the delay, cancellation, sending, answering."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from conversations import services
from conversations.models import Conversation, Message
from csat import services as csat_services
from csat.models import Survey
from helpdesk.errors import DomainError
from routing.models import HandoffPolicy
from tests import factories
from tests.csat.conftest import resolve, send_now, survey_of


def events_of(published, kind):
    return [e for e in published if e["type"] == kind]


# --- resolution types and who resolved --------------------------------------------------------
@pytest.mark.parametrize("resolution, gets_survey", [
    ("resolved", True), ("no_action_needed", True), ("duplicate", False), ("spam", False),
])
def test_each_resolution_type_is_recorded_and_only_real_ones_get_a_survey(
        conversation, agent, resolution, gets_survey):
    resolve(conversation, resolution, by=agent, csat=True)  # even an explicit "yes" cannot survey spam

    conversation.refresh_from_db()
    assert conversation.status == "resolved" and conversation.resolution == resolution
    assert conversation.resolved_by == agent and conversation.resolved_by_kind == "agent"
    assert conversation.resolved_at is not None
    assert Survey.objects.filter(conversation=conversation).exists() is gets_survey


@pytest.mark.parametrize("by_kind", ["ai", "flow"])
def test_the_ai_and_flows_resolve_too(conversation, by_kind):
    resolve(conversation, by_kind=by_kind)
    conversation.refresh_from_db()
    assert (conversation.resolved_by_kind, conversation.resolved_by) == (by_kind, None)
    assert survey_of(conversation).ai_only is True


def test_the_resolve_api_takes_a_resolution_and_a_csat_override(workspace, agent, agent_client, no_tasks):
    first, second = (factories.ConversationFactory(workspace=workspace) for _ in range(2))

    response = agent_client.post(f"/api/v1/conversations/{first.pk}/resolve/", {"resolution": "no_action_needed"},
                                 format="json")
    assert response.status_code == 200 and response.json()["resolution"] == "no_action_needed"
    assert survey_of(first).status == "scheduled"

    response = agent_client.post(f"/api/v1/conversations/{second.pk}/resolve/",
                                 {"resolution": "resolved", "csat": False}, format="json")
    assert response.status_code == 200 and survey_of(second) is None

    response = agent_client.post(f"/api/v1/conversations/{second.pk}/resolve/", {"resolution": "closed"},
                                 format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["resolution"]


# --- policy, overrides, delay ------------------------------------------------------------------
@pytest.mark.parametrize("policy_enabled, override, expected", [
    (True, None, True), (True, False, False), (False, None, False), (False, True, True),
])
def test_the_policy_decides_unless_the_resolve_says_otherwise(conversation, policy_enabled, override, expected):
    HandoffPolicy.objects.filter(workspace=conversation.workspace).update(csat_enabled=policy_enabled)
    resolve(conversation, csat=override)
    assert (survey_of(conversation) is not None) is expected


def test_the_survey_is_due_after_the_policy_delay_and_its_countdown_is_enqueued_on_commit(
        conversation, survey_countdowns, django_capture_on_commit_callbacks):
    HandoffPolicy.objects.filter(workspace=conversation.workspace).update(csat_delay_seconds=30)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resolve(conversation)
    survey = survey_of(conversation)
    assert survey_countdowns == [], "nothing is enqueued before the commit"
    for callback in callbacks:
        callback()

    conversation.refresh_from_db()
    assert survey.due_at == conversation.resolved_at + dt.timedelta(seconds=30)
    assert survey.status == "scheduled" and survey.resolved_at == conversation.resolved_at
    assert survey_countdowns == [(survey.pk, 30)]


def test_a_resolve_node_or_call_may_set_its_own_delay(conversation, survey_countdowns,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resolve(conversation, by_kind="flow", csat=True, csat_delay_seconds=5)
    survey = survey_of(conversation)
    assert survey.due_at - survey.resolved_at == dt.timedelta(seconds=5)
    assert survey_countdowns == [(survey.pk, 5)]


def test_long_delays_are_left_to_the_sweep(conversation, survey_countdowns, django_capture_on_commit_callbacks):
    # A countdown past the broker's visibility timeout would be redelivered and run twice.
    with django_capture_on_commit_callbacks(execute=True):
        resolve(conversation, csat_delay_seconds=24 * 3600)
    assert survey_of(conversation).status == "scheduled" and survey_countdowns == []


def test_a_broker_outage_does_not_fail_the_resolve(conversation, monkeypatch, django_capture_on_commit_callbacks):
    from csat import tasks

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.send_survey_task, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        resolve(conversation)
    conversation.refresh_from_db()
    assert conversation.status == "resolved" and survey_of(conversation).status == "scheduled"


def test_nothing_goes_out_before_the_due_time(conversation, published, django_capture_on_commit_callbacks):
    resolve(conversation)
    survey = survey_of(conversation)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = csat_services.survey_send(survey_id=survey.pk, now=survey.due_at - dt.timedelta(seconds=1))
    assert outcome == "not_due"
    survey.refresh_from_db()
    assert survey.status == "scheduled" and not events_of(published, "csat.requested")
    assert not conversation.messages.filter(sender_type="system").exists()


# --- sending on each channel ------------------------------------------------------------------
def test_web_survey_is_a_message_with_buttons_and_a_csat_requested_event(
        conversation, published, django_capture_on_commit_callbacks):
    resolve(conversation)
    survey = survey_of(conversation)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_now(survey) == "sent"

    survey.refresh_from_db()
    assert survey.status == "sent" and survey.sent_at is not None
    message = conversation.messages.get(sender_type="system")
    assert message.metadata == {"csat": {"token": survey.token, "options": ["positive", "neutral", "negative"]}}
    requested = events_of(published, "csat.requested")
    assert requested == [{"type": "csat.requested", "_group": f"conversation.{conversation.pk}",
                          "survey": {"token": survey.token, "options": ["positive", "neutral", "negative"]}}]
    assert any(e["type"] == "message.created" and e["message"]["metadata"].get("csat") for e in published)


def test_email_survey_is_a_message_with_one_signed_link_per_rating_queued_for_the_mail(email_conversation, settings):
    settings.PUBLIC_BASE_URL = "https://help.example.com"
    conversation = email_conversation
    resolve(conversation)
    survey = survey_of(conversation)
    assert send_now(survey) == "sent"

    message = conversation.messages.get(sender_type="system")
    links = csat_services.survey_links(survey)
    assert set(links) == {"positive", "neutral", "negative"}
    for rating, url in links.items():
        assert url == f"https://help.example.com/csat/{survey.token}/{rating}/"
    assert message.metadata["csat"] == {"token": survey.token, "options": ["positive", "neutral", "negative"],
                                        "links": links}
    # The outbound dispatcher mails it (tests/channels/test_email.py follows it to the SMTP server).
    assert message.metadata["delivery"]["status"] == "queued"
    assert mail.outbox == [], "no mail inside the survey's transaction"


def test_email_without_an_address_is_cancelled_not_retried(workspace, no_tasks):
    conversation = factories.ConversationFactory(workspace=workspace, channel="email")
    resolve(conversation)
    survey = survey_of(conversation)
    assert send_now(survey) == "cancelled"
    survey.refresh_from_db()
    assert (survey.status, survey.cancel_reason) == ("cancelled", "no_email")
    assert not conversation.messages.filter(sender_type="system").exists()


def test_slack_channel_gets_a_text_with_the_rating_links(workspace, no_tasks):
    conversation = factories.ConversationFactory(workspace=workspace, channel="slack")
    resolve(conversation)
    survey = survey_of(conversation)
    assert send_now(survey) == "sent"

    message = conversation.messages.get(sender_type="system")
    links = csat_services.survey_links(survey)
    assert all(url in message.body for url in links.values())
    assert message.metadata["csat"] == {"token": survey.token, "options": ["positive", "neutral", "negative"],
                                        "links": links}


@pytest.mark.parametrize("channel", ["sms", "phone"])
def test_text_channels_get_a_survey_answered_by_replying_1_2_or_3(workspace, no_tasks, channel):
    conversation = factories.ConversationFactory(workspace=workspace, channel=channel)
    resolve(conversation)
    survey = survey_of(conversation)
    assert send_now(survey) == "sent"

    message = conversation.messages.get(sender_type="system")
    assert "Reply 1" in message.body and "2" in message.body and "3" in message.body
    assert message.metadata["csat"]["token"] == survey.token
    assert message.metadata["delivery"]["status"] == "queued"


@pytest.mark.parametrize("channel, language, words", [("web", "es", "Valora esta conversación"),
                                                     ("sms", "de", "Antworten Sie 1"), ("email", "fr", "pour noter")])
def test_the_survey_speaks_the_conversations_language(workspace, no_tasks, channel, language, words):
    contact = factories.ContactFactory(workspace=workspace, email="ana@example.com", phone="+34612345678")
    conversation = factories.ConversationFactory(workspace=workspace, channel=channel, language=language, contact=contact)
    resolve(conversation)
    assert send_now(survey_of(conversation)) == "sent"
    body = conversation.messages.get(sender_type="system").body
    assert words in body and "How did we do" not in body


# --- cancellation and one survey per resolution -------------------------------------------------
def test_the_visitor_writing_again_before_the_delay_cancels_the_survey(conversation, published,
                                                                      django_capture_on_commit_callbacks):
    resolve(conversation)
    survey = survey_of(conversation)

    services.receive_message(conversation=conversation, body="Actually, one more thing")

    survey.refresh_from_db()
    assert (survey.status, survey.cancel_reason) == ("cancelled", "reopened")
    with django_capture_on_commit_callbacks(execute=True):
        assert send_now(survey) == "skipped"
    assert not events_of(published, "csat.requested")
    assert not conversation.messages.filter(sender_type="system").exists()


def test_a_reopen_after_the_survey_went_out_keeps_it_answerable(sent_survey, no_tasks):
    conversation = sent_survey.conversation
    services.receive_message(conversation=conversation, body="thanks!")
    sent_survey.refresh_from_db()
    assert sent_survey.status == "sent"
    assert csat_services.survey_answer(token=sent_survey.token, rating="positive").status == "answered"


def test_each_resolution_gets_its_own_survey_and_the_database_refuses_a_second(conversation):
    resolve(conversation)
    first = survey_of(conversation)
    services.receive_message(conversation=conversation, body="Reopening")
    resolve(conversation)
    resolve(conversation)  # a second resolve of a resolved conversation is a no-op

    surveys = list(Survey.objects.filter(conversation=conversation).order_by("id"))
    assert [s.status for s in surveys] == ["cancelled", "scheduled"]
    assert surveys[0].pk == first.pk and surveys[1].resolved_at > first.resolved_at

    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(workspace=conversation.workspace, conversation=conversation,
                              resolved_at=surveys[1].resolved_at, resolution="resolved", channel="web",
                              due_at=surveys[1].due_at)


def test_schedule_is_idempotent_per_resolution(conversation):
    resolve(conversation)
    conversation.refresh_from_db()
    again = csat_services.survey_schedule(conversation=conversation)
    assert again.pk == survey_of(conversation).pk
    assert Survey.objects.filter(conversation=conversation).count() == 1


def test_the_survey_remembers_who_handled_the_resolution(workspace, agent, no_tasks):
    team = factories.TeamFactory(workspace=workspace)
    conversation = factories.ConversationFactory(workspace=workspace, team=team)
    services.agent_reply(conversation=conversation, agent=agent, body="Let me check that for you.")
    resolve(conversation, by=agent)

    survey = survey_of(conversation)
    assert (survey.agent, survey.team, survey.ai_only) == (agent, team, False)
    services.receive_message(conversation=conversation, body="one more thing")  # reopen clears the team
    survey.refresh_from_db()
    assert survey.team == team


# --- answering ----------------------------------------------------------------------------------
def test_a_rating_is_recorded_once_and_shown_in_the_history(sent_survey, published,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        survey = csat_services.survey_answer(token=sent_survey.token, rating="positive")

    assert (survey.status, survey.rating, survey.answered_at is not None) == ("answered", "positive", True)
    result = survey.conversation.messages.order_by("-id").first()
    assert result.sender_type == "system" and result.body == "Rated 👍 Positive"
    assert result.metadata["csat_result"]["rating"] == "positive"
    assert any(e["type"] == "message.created" and e["message"]["body"] == "Rated 👍 Positive" for e in published)

    with pytest.raises(csat_services.SurveyAlreadyAnswered) as error:
        csat_services.survey_answer(token=sent_survey.token, rating="negative")
    assert (error.value.status, error.value.code, error.value.rating) == (409, "already_answered", "positive")
    survey.refresh_from_db()
    assert survey.rating == "positive"
    assert survey.conversation.messages.filter(metadata__has_key="csat_result").count() == 1


def test_a_comment_may_follow_the_rating_once(sent_survey):
    csat_services.survey_answer(token=sent_survey.token, rating="neutral")
    survey = csat_services.survey_answer(token=sent_survey.token, rating="neutral", comment="  Slow but fine.  ")
    assert survey.comment == "Slow but fine."
    assert survey.conversation.messages.order_by("-id").first().body == "Comment on the rating: Slow but fine."

    with pytest.raises(csat_services.SurveyAlreadyAnswered):
        csat_services.survey_answer(token=sent_survey.token, rating="neutral", comment="Another one")
    survey.refresh_from_db()
    assert survey.comment == "Slow but fine."


def test_rating_and_comment_together(sent_survey):
    survey = csat_services.survey_answer(token=sent_survey.token, rating="negative", comment="Nobody answered")
    assert (survey.rating, survey.comment) == ("negative", "Nobody answered")
    assert survey.conversation.messages.order_by("-id").first().body == "Rated 👎 Negative — “Nobody answered”"


@pytest.mark.parametrize("token_of, rating, comment, status, code", [
    (lambda s: s.token, "great", None, 400, "invalid"),
    (lambda s: s.token, "positive", "x" * 2001, 400, "invalid"),
    (lambda s: s.token, "positive", 42, 400, "invalid"),
    (lambda s: s.token[:-2] + "xx", "positive", None, 404, "not_found"),
    (lambda s: "garbage", "positive", None, 404, "not_found"),
])
def test_bad_answers_are_refused_and_nothing_is_written(sent_survey, token_of, rating, comment, status, code):
    messages_before = Message.objects.count()
    with pytest.raises(DomainError) as error:
        csat_services.survey_answer(token=token_of(sent_survey), rating=rating, comment=comment)
    assert (error.value.status, error.value.code) == (status, code)
    sent_survey.refresh_from_db()
    assert (sent_survey.status, sent_survey.rating) == ("sent", "")
    assert Message.objects.count() == messages_before


def test_a_cancelled_survey_cannot_be_answered(conversation):
    resolve(conversation)
    survey = survey_of(conversation)
    services.receive_message(conversation=conversation, body="back again")
    with pytest.raises(DomainError) as error:
        csat_services.survey_answer(token=survey.token, rating="positive")
    assert (error.value.status, error.value.code) == (410, "survey_closed")


def test_the_widget_socket_may_only_answer_its_own_conversations_survey(sent_survey, workspace):
    other = factories.ConversationFactory(workspace=workspace)
    with pytest.raises(DomainError) as error:
        csat_services.survey_answer_for_conversation(conversation=other, token=sent_survey.token, rating="positive")
    assert error.value.status == 404

    survey = csat_services.survey_answer_for_conversation(conversation=sent_survey.conversation,
                                                          token=sent_survey.token, rating="positive")
    assert survey.status == "answered"


def test_the_widget_socket_frame_records_the_answer(sent_survey):
    from conversations.consumers import _answer_csat

    _answer_csat(sent_survey.conversation, sent_survey.token, "neutral", None)
    sent_survey.refresh_from_db()
    assert sent_survey.rating == "neutral"
    with pytest.raises(DomainError) as error:
        _answer_csat(sent_survey.conversation, sent_survey.token, "positive", None)
    assert error.value.status == 409


def test_conversation_csat_for_the_inbox_header(sent_survey):
    from csat.selectors import conversation_csat

    conversation = sent_survey.conversation
    assert conversation_csat(conversation=conversation)["status"] == "sent"
    csat_services.survey_answer(token=sent_survey.token, rating="positive", comment="Great")
    shown = conversation_csat(conversation=conversation)
    assert (shown["status"], shown["rating"], shown["comment"]) == ("answered", "positive", "Great")
    assert conversation_csat(conversation=factories.ConversationFactory(workspace=conversation.workspace)) is None



def test_the_rating_is_recorded_in_the_visitors_language(sent_survey):
    """Trial of 3 Dec: a Portuguese visitor read "Rated 👍 Positive" under the buttons "👍 Bom"."""
    Conversation.objects.filter(pk=sent_survey.conversation_id).update(language="pt")
    survey = csat_services.survey_answer(token=sent_survey.token, rating="positive", comment="Rápido")
    assert survey.conversation.messages.order_by("-id").first().body == "Avaliação: 👍 Bom — “Rápido”"
