"""CSAT surveys: planned at resolve time, sent once when due, answered once (plus an optional comment).

Lock order: a survey row, then its conversation. Paths that already hold the conversation
(reopen) only ever take survey rows with SKIP LOCKED, so the two orders never wait on each
other; a send that loses that race sees the reopened conversation and cancels itself.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from conversations import realtime
from conversations import services as conversation_services
from conversations.assistant.phrases import phrase
from conversations.models import Conversation, Message
from csat import reopen, selectors
from csat.models import NO_SURVEY_RESOLUTIONS, Survey
from flows import ending as flow_ending
from helpdesk.errors import DomainError
from routing.selectors import policy_for

logger = logging.getLogger(__name__)

COMMENT_MAX_CHARS = 2000
SendOutcome = Literal["sent", "not_due", "skipped", "cancelled"]


class SurveyAlreadyAnswered(DomainError):
    """A second answer. Carries the recorded rating so callers can show it instead of an error."""

    def __init__(self, rating: str) -> None:
        super().__init__("already_answered", "This conversation was already rated.", status=409)
        self.rating = rating


# --- resolving ----------------------------------------------------------------------------
@transaction.atomic
def conversation_resolve(*, conversation: Conversation, resolution: str, by=None,
                         by_kind: str = Conversation.ResolvedBy.AGENT, csat: bool | None = None,
                         csat_delay_seconds: int | None = None, seen_up_to: int | None = None) -> Conversation:
    """Close the conversation with a resolution type. Resolving a resolved conversation is a no-op.

    The active flow run ends; CSAT follows the policy unless `csat` says otherwise; spam and
    duplicates never get a survey. `seen_up_to`: see `conversation_close` (a visitor message after it: 409).
    """
    conversation, closed = conversation_services.conversation_close(conversation=conversation, resolution=resolution,
                                                                    by=by, by_kind=by_kind, seen_up_to=seen_up_to)
    if closed:
        flow_ending.flow_end_runs(conversation=conversation, reason="resolved")
        survey_schedule(conversation=conversation, override=csat, delay_seconds=csat_delay_seconds)
    return conversation


# --- scheduling ---------------------------------------------------------------------------
@transaction.atomic
def survey_schedule(*, conversation: Conversation, override: bool | None = None,
                    delay_seconds: int | None = None) -> Survey | None:
    """Plan the survey of the conversation's current resolution; None when there is none to send.

    Called by `conversation_resolve` (above) inside its transaction, with the conversation locked and
    resolved. Spam and duplicates never get a survey. `override` (per resolve call or Resolve
    node) beats the policy's on/off; `delay_seconds` beats the policy's delay. Idempotent: the
    same resolution always maps to the same survey (a DB constraint guards it).
    """
    if conversation.status != Conversation.Status.RESOLVED or conversation.resolved_at is None:
        return None
    if conversation.resolution in NO_SURVEY_RESOLUTIONS:
        return None
    policy = policy_for(workspace=conversation.workspace)
    if not (policy.csat_enabled if override is None else override):
        return None
    delay = policy.csat_delay_seconds if delay_seconds is None else max(0, int(delay_seconds))
    existing = Survey.objects.filter(conversation=conversation, resolved_at=conversation.resolved_at).first()
    if existing is not None:
        return existing
    # One query answers both "who wrote last" and "did any human write".
    last_agent = list(Message.objects.visible_to_visitor()  # a note is not a reply the visitor got
                      .filter(conversation=conversation, sender_type=Message.SenderType.AGENT)
                      .order_by("-id").values_list("sender_user_id", flat=True)[:1])
    survey = Survey.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation, resolved_at=conversation.resolved_at,
        resolution=conversation.resolution, channel=conversation.channel,
        agent_id=conversation.assignee_id or (last_agent[0] if last_agent else None), team_id=conversation.team_id,
        ai_only=not last_agent, due_at=conversation.resolved_at + timedelta(seconds=delay))
    transaction.on_commit(lambda: _enqueue_send(survey.id, delay))
    return survey


def _enqueue_send(survey_id: int, countdown: float) -> None:
    from csat.tasks import enqueue_send  # Celery: the task module imports this one

    enqueue_send(survey_id, countdown)


# --- sending ---------------------------------------------------------------------------------
def survey_send(*, survey_id: int, now: datetime | None = None) -> SendOutcome:
    """The one way a survey goes out; both the countdown task and the beat sweep call it.

    Exactly once: the row is claimed with SELECT ... FOR UPDATE SKIP LOCKED and flipped to
    `sent` in the same transaction as the message it creates, so a concurrent caller skips it,
    a later caller finds it sent, and a crash before commit leaves it scheduled for the next
    sweep. The survey's message leaves on the conversation's channel through the outbound dispatcher
    (retried there, and shown as failed in the inbox if the provider keeps failing).
    """
    now = now or timezone.now()
    with transaction.atomic():
        survey = (Survey.objects.select_for_update(skip_locked=True)
                  .filter(pk=survey_id, status=Survey.Status.SCHEDULED).first())
        if survey is None:  # already sent/answered/cancelled, gone, or another worker has it right now
            return "skipped"
        if survey.due_at > now:
            return "not_due"
        conversation = (Conversation.objects.select_for_update(of=("self",)).select_related("contact", "workspace")
                        .get(pk=survey.conversation_id))
        if conversation.status != Conversation.Status.RESOLVED or conversation.resolved_at != survey.resolved_at:
            reopen.mark_cancelled(survey, "reopened")
            return "cancelled"
        if survey.channel == Conversation.Channel.EMAIL and not conversation.contact.email:
            reopen.mark_cancelled(survey, "no_email")
            return "cancelled"
        survey.status = Survey.Status.SENT
        survey.sent_at = now
        survey.save(update_fields=["status", "sent_at"])
        _deliver(survey, conversation)
    logger.info("Survey %s sent on %s", survey.pk, survey.channel)
    return "sent"


def survey_links(survey: Survey) -> dict[str, str]:
    """The one-click URL of each rating (email and text channels)."""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return {rating: base + reverse("csat-link", args=[survey.token, rating]) for rating in Survey.OPTIONS}


# Channels without buttons or links that open a page: the survey is answered with 1, 2 or 3.
TEXT_REPLY_CHANNELS = (Conversation.Channel.SMS, Conversation.Channel.PHONE)


def _deliver(survey: Survey, conversation: Conversation) -> None:
    """The survey as a message of the conversation; the channel's dispatcher sends it (email: a mail with one
    link per rating to a confirmation page; SMS and phone: a text answered with 1/2/3)."""
    token, lang = survey.token, conversation.language or "en"
    if survey.channel == Conversation.Channel.WEB:
        # A message carrying the buttons keeps them in the history across reloads; the event
        # shows them at once to an open widget.
        conversation_services.system_message(
            conversation=conversation, body=phrase("csat_widget", lang),
            metadata={"csat": {"token": token, "options": Survey.OPTIONS}})
        realtime.publish_csat_requested(conversation, token=token, options=Survey.OPTIONS)
        return
    links = survey_links(survey)
    if survey.channel in TEXT_REPLY_CHANNELS:
        body = phrase("csat_text_reply", lang)
    else:
        body = phrase("csat_links", lang) + " " + " · ".join(
            f"{Survey.EMOJI[rating]} {links[rating]}" for rating in Survey.OPTIONS)
    conversation_services.system_message(
        conversation=conversation, body=body, metadata={"csat": {"token": token, "options": Survey.OPTIONS, "links": links}})


# --- answering --------------------------------------------------------------------------------
def survey_answer(*, token: str, rating: str, comment: str | None = None) -> Survey:
    """Record a rating (and optional comment) given the survey's signed token.

    A second answer raises SurveyAlreadyAnswered (409), except that a comment may be added once
    to an answer with the same rating (the widget asks for it after the rating).
    """
    return _answer(_surveys_for_token(token), rating=rating, comment=comment)


def survey_answer_for_conversation(*, conversation: Conversation, token: str, rating: str,
                                   comment: str | None = None) -> Survey:
    """As `survey_answer`, for a visitor's websocket: the survey must belong to their conversation."""
    return _answer(_surveys_for_token(token).filter(conversation=conversation), rating=rating, comment=comment)


def _surveys_for_token(token: str) -> QuerySet[Survey]:
    key = Survey.key_from_token(token or "")
    if key is None:
        raise DomainError("not_found", "This survey link is not valid.", status=404)
    return Survey.objects.filter(key=key)


@transaction.atomic
def _answer(surveys: QuerySet[Survey], *, rating: str, comment: str | None) -> Survey:
    if rating not in Survey.OPTIONS:
        raise DomainError("invalid", f"rating: one of {', '.join(Survey.OPTIONS)}.", status=400,
                          fields={"rating": [f"One of {', '.join(Survey.OPTIONS)}."]})
    comment = _clean_comment(comment)
    survey = surveys.select_for_update().first()
    if survey is None:
        raise DomainError("not_found", "This survey link is not valid.", status=404)
    if survey.status == Survey.Status.ANSWERED:
        if comment and rating == survey.rating and not survey.comment:
            survey.comment = comment
            survey.save(update_fields=["comment"])
            _record(survey, phrase("csat_comment", survey.conversation.language, comment=comment))
            return survey
        raise SurveyAlreadyAnswered(survey.rating)
    if survey.status != Survey.Status.SENT:
        raise DomainError("survey_closed", "This survey is no longer open.", status=410)
    survey.status = Survey.Status.ANSWERED
    survey.rating = rating
    survey.comment = comment
    survey.answered_at = timezone.now()
    survey.save(update_fields=["status", "rating", "comment", "answered_at"])
    # in the visitor's language: they read it under the buttons they answered with ("Rated 👍 Positive" in a Portuguese
    # widget: trial of 3 Dec)
    lang = survey.conversation.language
    text = phrase("csat_rated", lang, rating=phrase(f"csat_{rating}", lang))
    _record(survey, f"{text} — “{comment}”" if comment else text)
    return survey


def _clean_comment(comment: object) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise DomainError("invalid", "comment: must be text.", status=400, fields={"comment": ["Must be a string."]})
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_CHARS:
        raise DomainError("invalid", f"comment: at most {COMMENT_MAX_CHARS} characters.", status=400,
                          fields={"comment": [f"At most {COMMENT_MAX_CHARS} characters."]})
    return comment


def _record(survey: Survey, body: str) -> None:
    """The result in the conversation's history, seen by the inbox and the visitor."""
    conversation_services.system_message(
        conversation=survey.conversation, body=body,
        metadata={"csat_result": {"survey": str(survey.pk), "rating": survey.rating, "comment": survey.comment}})


# --- the AI's own resolutions ---------------------------------------------------------------
@transaction.atomic
def conversation_resolve_by_ai(*, conversation_id: int, how: str, now: datetime | None = None) -> Conversation | None:
    """The AI closes a conversation it is in charge of: `idle` when the visitor went quiet after its answer
    (the beat sweep; see `selectors.ai_idle_conversation_ids`), `confirmed` when the visitor said it helped.
    Both count as AI-resolved in analytics, each apart; CSAT follows the policy as for any resolve.

    Claims the row with SKIP LOCKED (a visitor message being stored right now wins; the next sweep looks
    again) and re-checks under the lock, so a visitor who wrote, an agent or a handoff in between makes
    it a no-op (None), and so does a repeat.
    """
    conversation = (Conversation.objects.select_for_update(of=("self",), skip_locked=True)
                    .filter(pk=conversation_id, status=Conversation.Status.OPEN).first())
    if conversation is None:
        return None
    if how == Conversation.AiResolution.IDLE and not selectors.ai_idle_conversation_ids(
            now=now or timezone.now(), conversation_id=conversation.pk):
        return None
    conversation = conversation_resolve(
        conversation=conversation, resolution=Conversation.Resolution.RESOLVED, by_kind=Conversation.ResolvedBy.AI)
    conversation.ai_resolution = how
    conversation.save(update_fields=["ai_resolution"])
    logger.info("Conversation %s resolved by the AI (%s)", conversation.pk, how)
    return conversation


@transaction.atomic
def ai_answer_feedback(*, conversation: Conversation, message_id: object, helpful: bool) -> Message:
    """The visitor answered "Did that answer your question?": yes resolves the conversation as confirmed by the
    visitor (with a closing word); no takes the policy's not-helpful path. Returns the visitor's message."""
    reply = conversation_services.answer_check_record(conversation=conversation, message_id=message_id,
                                                      helpful=helpful)
    if helpful:
        conversation_services.ai_reply(conversation=conversation,
                                       body=phrase("answer_confirmed", reply.conversation.language or "en"))
        conversation_resolve_by_ai(conversation_id=conversation.pk, how=Conversation.AiResolution.CONFIRMED)
    return reply
