"""Messages in and out: every message of every channel is written here."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations import realtime
from conversations.assistant.phrases import phrase
from conversations.assistant.text import LANGUAGES
from conversations.models import Contact, Conversation, Handoff, Message
from conversations.payloads import awaiting_first_words, user_name
from conversations.services import delivery
from conversations.services.attributes import details_given_to_the_team
from conversations.turn_plan import asks_while_waiting, withdraws
from csat.reopen import survey_cancel_pending
from helpdesk import redis_breaker
from helpdesk.errors import DomainError
from helpdesk.ids import parse_id
from helpdesk.text import strip_refused, text_problem
from routing.selectors import team_online_member_ids
from workspaces.models import Workspace, primary_language

logger = logging.getLogger(__name__)


_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u034f\u180e\u2800\u3164\uffa0\u115f\u1160]")


def clean_body(body: object) -> str:
    """The text of a message, or a DomainError the API shows as 400 / 413."""
    if not isinstance(body, str):
        raise DomainError("invalid", "The message body must be text.", status=400, fields={"body": ["Must be a string."]})
    body = strip_refused(body).rstrip()  # widgets refuse them outright; mail and SMS keep the rest of the text
    if not _INVISIBLE.sub("", body).strip():  # a zero-width space alone was stored and answered
        raise DomainError("empty_message", "A message needs some text.", status=400,
                          fields={"body": ["This field may not be blank."]})
    limit = settings.MESSAGE_MAX_CHARS
    if len(body) > limit:
        raise DomainError("message_too_large", f"A message may have at most {limit} characters (this one has {len(body)}).",
                          status=413, fields={"body": [f"At most {limit} characters."]})
    return body


IDEMPOTENCY_KEY_MAX_CHARS = 255  # Message.external_id


def clean_idempotency_key(value: object, *, field: str = "Idempotency-Key") -> str | None:
    """A client's key for "this message, once" (header or `client_id`), or a DomainError (400)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DomainError("invalid", f"{field} must be a string.", status=400, fields={field: ["Must be a string."]})
    if len(value) > IDEMPOTENCY_KEY_MAX_CHARS:
        raise DomainError("invalid", f"{field} may have at most {IDEMPOTENCY_KEY_MAX_CHARS} characters.", status=400,
                          fields={field: [f"At most {IDEMPOTENCY_KEY_MAX_CHARS} characters."]})
    problem = text_problem(value)
    if problem:
        raise DomainError("invalid", f"{field} {problem}.", status=400, fields={field: [problem]})
    return value


LOCK_RELATED = ("contact", "assignee", "team", "workspace")


def lock_conversation(conversation: Conversation, *, related: tuple[str, ...] = LOCK_RELATED) -> Conversation:
    """The conversation's row, fresh and locked until the transaction ends, with `related` joined in
    (any other relation loads when first read)."""
    locked = (Conversation.objects.select_for_update(of=("self",)).select_related(*related)
              .get(pk=conversation.pk))
    _forget_stale_joins(locked, related)
    return locked


def _forget_stale_joins(conversation: Conversation, related: tuple[str, ...]) -> None:
    """FOR UPDATE that waited for another writer re-reads the locked row only: what was joined to it is from before
    the wait. Ben's "Assign to me", locked behind Ana's, read assignee_id Ana and assignee None. A joined row that is
    not the one the row points to now is dropped, to load when first read."""
    for name in related:
        field = Conversation._meta.get_field(name)
        if field.is_cached(conversation):
            joined = field.get_cached_value(conversation)
            if (joined.pk if joined is not None else None) != getattr(conversation, field.attname):
                field.delete_cached_value(conversation)


def conversation_reopen(*, conversation: Conversation) -> None:
    """Under the caller's lock: a resolved conversation opens again, with the AI in charge."""
    conversation.status = Conversation.Status.OPEN
    conversation.assignee = None
    conversation.team = None
    conversation.needs_agent = False
    conversation.resolution = ""
    conversation.resolved_at = None
    conversation.resolved_by = None
    conversation.resolved_by_kind = ""
    conversation.ai_resolution = ""
    conversation.assistant_state = {}
    conversation.save(update_fields=["status", "assignee", "team", "needs_agent", "resolution", "resolved_at",
                                     "resolved_by", "resolved_by_kind", "ai_resolution", "assistant_state"])
    # A survey not yet sent is pointless once the visitor writes again.
    survey_cancel_pending(conversation=conversation)
    realtime.publish_conversation_updated(conversation)


def append_message(conversation: Conversation, **fields) -> Message:
    """Under the caller's lock: the message, the conversation's activity times, the realtime event,
    and (on the channels that need a send) the outbound delivery."""
    fields["metadata"] = delivery.queued_metadata(conversation, fields["sender_type"], fields.get("metadata") or {},
                                                  private=fields.get("private", False))
    message = Message.objects.create(conversation=conversation, **fields)
    conversation.last_activity_at = message.created_at
    update = ["last_activity_at"]
    first_word = message.sender_type == Message.SenderType.VISITOR and awaiting_first_words(conversation)
    if message.sender_type == Message.SenderType.VISITOR:
        conversation.last_visitor_message_at = message.created_at
        update.append("last_visitor_message_at")
    conversation.save(update_fields=update)
    _announce(message)
    if first_word:  # the inbox's views now show it
        realtime.publish_inbox_conversation_updated(conversation)
    return message



def _announce(message: Message) -> None:
    """A stored message's effects on commit: the realtime event, the outbound delivery (on the channels
    that need a send) and the Slack handoff thread's copy."""
    realtime.publish_message_created(message)
    delivery.delivery_enqueue(message)
    delivery.slack_mirror_enqueue(message)


@transaction.atomic
def widget_conversation_start(*, workspace: Workspace, name: str = "", email: str = "",
                              attributes: dict | None = None, language: str = "") -> tuple[Conversation, str]:
    """A new visitor and their conversation; returns it with the visitor's bearer token (shown once).
    `language`: the browser's preferred one, for the greeting (the assistant reads the visitor's own words later)."""
    contact = Contact(workspace=workspace, name=name, email=email, attributes=attributes or {})
    token = contact.issue_visitor_token()
    contact.save()
    # the browser's language, until the visitor's own words say otherwise: it decides a first message whose words
    # fit two languages, and the notices sent before any ("Gibt es Geschenkkarten?" was read as Spanish)
    primary = primary_language(language)
    conversation = Conversation.objects.create(workspace=workspace, contact=contact, channel=Conversation.Channel.WEB,
                                               language=primary if primary in LANGUAGES else "")
    if greeting := workspace.greeting_in(language):
        append_message(conversation, sender_type=Message.SenderType.AI, sender_name=workspace.assistant_name,
                       body=greeting, metadata={"greeting": True})
    realtime.publish_conversation_created(conversation)
    from conversations.tasks import start_conversation_task  # Celery: the task module imports this one
    # robust: a new chat opens while the broker is down or hangs (it was a 503, and the visitor could not start one:
    # trial 27); its "conversation started" flows are then skipped (logged), the conversation and its greeting stand
    transaction.on_commit(lambda: redis_breaker.queue_task(start_conversation_task, conversation.id, swept=False),
                          robust=True)
    return conversation, token


def receive_message(*, conversation: Conversation, body: str, external_id: str | None = None,
                    sender_name: str = "", metadata: dict | None = None, key_names_body: bool = False) -> Message:
    """A visitor's message from any channel. Idempotent on `external_id`.

    The message is committed before anything else happens; then the AI turn is queued
    (or, when a human owns the conversation, the assignee is notified instead).
    `key_names_body`: `external_id` is a client's Idempotency-Key, so a retry must carry the same text: another
    text under a used key is refused (422 "idempotency_key_reused"), not silently answered with the first message.
    """
    body = clean_body(body)
    try:
        message = _receive(conversation=conversation, body=body, external_id=external_id,
                           sender_name=sender_name, metadata=metadata or {})
    except IntegrityError:
        # Two deliveries of one provider message raced past the lookup: keep the first.
        message = Message.objects.filter(conversation=conversation, external_id=external_id).first()
        if message is None:
            raise
    if key_names_body and message.body != body:
        raise _key_reused(message, field="Idempotency-Key")
    return message


@transaction.atomic
def _receive(*, conversation: Conversation, body: str, external_id: str | None, sender_name: str,
             metadata: dict) -> Message:
    # Joined: only the contact (the sender's name). Every visitor message takes this lock, and
    # compiling the four joins cost more CPU than running the query (~1.2 of 2.1 ms).
    conversation = lock_conversation(conversation, related=("contact",))
    if external_id:
        existing = Message.objects.filter(conversation=conversation, external_id=external_id).first()
        if existing is not None:
            if _retry_brings_turn(existing):
                _queue_turn(existing)  # stored while the broker was down: the client's retry brings its turn
            return existing
    if conversation.status == Conversation.Status.RESOLVED:
        conversation_reopen(conversation=conversation)
    owned = not conversation.ai_active
    # A human owns the conversation: the AI has no turn to take, unless the handoff still waits for a person and
    # the visitor takes it back ("never mind") or asks where it stands ("anyone there?"): turns._flow_step.
    takes_turn = not owned or _about_the_waiting_handoff(conversation, body)
    message = append_message(conversation, sender_type=Message.SenderType.VISITOR, body=body, external_id=external_id,
                             sender_name=sender_name or str(conversation.contact), metadata=metadata,
                             turn_processed_at=None if takes_turn else timezone.now(),
                             turn_outcome="" if takes_turn else Message.TurnOutcome.HUMAN)
    if owned:
        details_given_to_the_team(conversation=conversation, body=body)
        _notify_owner_of_message(conversation, message)
    else:
        realtime.publish_ai_typing(conversation, True)  # on at once; the turn's outcome clears it
    if takes_turn:
        _queue_turn(message)
    return message


@dataclass(frozen=True)
class IncomingMessage:
    """A visitor's message as it arrived (a widget frame), not yet cleaned."""
    conversation: Conversation
    body: object
    client_id: object = None


def receive_messages(incoming: list[IncomingMessage]) -> list[Message | Exception]:
    """Visitors' messages that arrived together, written together (group commit): per message, in
    order, what `receive_message` returns for it, or the exception it raises (a DomainError for a bad
    body or client_id). One refused message never fails the others.

    Several messages share one transaction: their conversations locked in one query in id order (no
    deadlock between two batches), the messages inserted in one statement, the conversations' times in
    one, the events of all of them published in one pipeline after the commit, and their AI turns
    queued as one task (`process_turns_task`, a turn each with its own claim; the sweep still queues
    any turn whose task was lost). The same semantics as `receive_message`, which takes the unusual
    cases: a resolved conversation, one a human owns, a lone message. Should the shared transaction
    fail (a value the database refuses), each message is tried again on its own.
    """
    results: list[Message | Exception | None] = [None] * len(incoming)
    cleaned = []
    for index, item in enumerate(incoming):
        try:
            external_id = clean_idempotency_key(item.client_id, field="client_id")
            cleaned.append((index, item.conversation, clean_body(item.body), external_id))
        except DomainError as exc:
            results[index] = exc
    keyed_bodies = {index: body for index, _, body, external_id in cleaned if external_id}
    try:
        if len(cleaned) > 1:
            with realtime.published_together():
                results_of = _receive_together(cleaned)
            for index, outcome in results_of.items():
                results[index] = outcome
            cleaned = []
    except Exception:
        logger.warning("A batch of %s visitor messages failed together; each is tried alone", len(cleaned),
                       exc_info=True)
    for index, conversation, body, external_id in cleaned:
        try:
            results[index] = receive_message(conversation=conversation, body=body, external_id=external_id)
        except Exception as exc:
            results[index] = exc
    for index, body in keyed_bodies.items():  # a client_id is the socket's Idempotency-Key: same rule as the API's
        stored = results[index]
        if isinstance(stored, Message) and stored.body != body:
            results[index] = _key_reused(stored, field="client_id")
    return results


def _key_reused(message: Message, *, field: str) -> DomainError:
    return DomainError("idempotency_key_reused", f"This {field} was already used for another message. Use a new "
                       f"{field} for a new message.", status=422,
                       fields={field: [f"Already used for message {message.pk}."]})


@transaction.atomic
def _receive_together(cleaned: list[tuple[int, Conversation, str, str | None]]) -> dict[int, Message | Exception]:
    """`receive_messages`' shared transaction: `cleaned` is (index, conversation, body, external id)."""
    locked = {c.pk: c for c in Conversation.objects.select_for_update(of=("self",)).select_related("contact")
              .filter(pk__in={conversation.pk for _, conversation, _, _ in cleaned}).order_by("pk")}
    keys = {(conversation.pk, external_id) for _, conversation, _, external_id in cleaned if external_id}
    stored = {}
    if keys:
        candidates = Message.objects.filter(conversation_id__in={pk for pk, _ in keys},
                                            external_id__in={key for _, key in keys})
        stored = {key: m for m in candidates if (key := (m.conversation_id, m.external_id)) in keys}
    outcomes: dict[int, Message | Exception] = {}
    fresh: dict[tuple[int, str], Message] = {}
    new: list[Message] = []
    turns: list[int] = []
    for index, given, body, external_id in cleaned:
        conversation = locked.get(given.pk)
        if conversation is None:
            outcomes[index] = Conversation.DoesNotExist(f"Conversation {given.pk} does not exist.")
        elif conversation.status == Conversation.Status.RESOLVED or not conversation.ai_active:
            # Reopening, notifying an owner: the one-message path, under the lock held already.
            outcomes[index] = _receive(conversation=conversation, body=body, external_id=external_id,
                                       sender_name="", metadata={})
        elif external_id and (conversation.pk, external_id) in stored:
            existing = outcomes[index] = stored[conversation.pk, external_id]
            if _retry_brings_turn(existing) and existing.pk not in turns:
                turns.append(existing.pk)
        elif external_id and (conversation.pk, external_id) in fresh:
            outcomes[index] = fresh[conversation.pk, external_id]  # sent twice in one batch: stored once
        else:
            message = Message(conversation=conversation, sender_type=Message.SenderType.VISITOR, body=body,
                              external_id=external_id, sender_name=str(conversation.contact),
                              metadata=delivery.queued_metadata(conversation, Message.SenderType.VISITOR, {}))
            outcomes[index] = message
            new.append(message)
            if external_id:
                fresh[conversation.pk, external_id] = message
    Message.objects.bulk_create(new)  # ids and created_at filled in, in order
    if new:
        # The batch's conversations had their latest activity when the batch was written: one UPDATE with
        # the last message's time for all (the others' own times are earlier by a fraction of a
        # millisecond). bulk_update's CASE per row cost a fifth of Daphne's CPU at 200 messages/s.
        written = new[-1].created_at
        touched = {message.conversation_id: message.conversation for message in new}
        joining = {pk for pk, conversation in touched.items() if awaiting_first_words(conversation)}
        Conversation.objects.filter(pk__in=touched).update(last_activity_at=written, last_visitor_message_at=written)
        for conversation in touched.values():
            conversation.last_activity_at = conversation.last_visitor_message_at = written
    for message in new:
        _announce(message)
        if message.conversation_id in joining:  # the visitor's first words: the inbox's views now show it
            joining.discard(message.conversation_id)
            realtime.publish_inbox_conversation_updated(message.conversation)
        realtime.publish_ai_typing(message.conversation, True)  # on at once; the turn's outcome clears it
        turns.append(message.pk)
    if turns:
        _queue_turns(turns)
    return outcomes


def _about_the_waiting_handoff(conversation: Conversation, body: str) -> bool:
    """The visitor takes back a handoff nobody has answered yet ("never mind", "I found it"), asks whether
    anyone is there, or asks something meanwhile."""
    return (withdraws(body) or asks_while_waiting(body)) and Handoff.objects.filter(
        conversation=conversation, status=Handoff.Status.PENDING).exists()


def message_back_to_the_ai_locked(conversation: Conversation) -> Message | None:
    """Under the caller's lock, once the AI answers again (a hand-back): the visitor's last message, when it went
    to the team and nobody has answered it since, gets an AI turn. Returns it, or None."""
    said = conversation.messages.exclude(sender_type=Message.SenderType.SYSTEM).exclude(private=True).order_by("-id")
    last, before = (list(said[:2]) + [None, None])[:2]
    if last is None or last.sender_type != Message.SenderType.VISITOR or last.turn_outcome != Message.TurnOutcome.HUMAN:
        return None
    if before is not None and before.sender_type == Message.SenderType.AGENT and "?" not in last.body:
        # "thanks! fast please", said to the agent who had just written: no question for the AI, which took it for
        # one it could not answer and announced a person again (trial of 3 Dec)
        return None
    Message.objects.filter(pk=last.pk).update(turn_processed_at=None, turn_outcome="", turn_claim="", turn_lease_until=None,
                                              turn_attempts=0, turn_flow_done=False)
    realtime.publish_ai_typing(conversation, True)  # on at once; the turn's outcome clears it
    _queue_turn(last)
    return last


def _retry_brings_turn(existing: Message) -> bool:
    """A client's retry of a stored message queues its turn again when it has none running: it was
    stored while the broker was down."""
    return existing.sender_type == Message.SenderType.VISITOR and existing.turn_processed_at is None and not (
        existing.turn_lease_until and existing.turn_lease_until > timezone.now())


def _queue_turns(message_ids: list[int]) -> None:
    from conversations.tasks import process_turns_task  # Celery: the task module imports this one

    # robust: with the broker down the messages are stored all the same; the sweep queues their turns later.
    transaction.on_commit(lambda: redis_breaker.queue_task(process_turns_task, message_ids, swept=True), robust=True)


def _queue_turn(message: Message) -> None:
    from conversations.tasks import process_turn_task  # Celery: the task module imports this one

    # robust: with the broker down the message is stored all the same; the sweep queues its turn later.
    transaction.on_commit(lambda: redis_breaker.queue_task(process_turn_task, message.id, swept=True), robust=True)


def _notify_owner_of_message(conversation: Conversation, message: Message) -> None:
    if conversation.assignee_id:
        recipients = [conversation.assignee_id]
    elif conversation.team_id:
        recipients = team_online_member_ids(team=conversation.team)
    else:
        return
    realtime.publish_notification(recipients, kind="visitor_message", conversation=conversation,
                                  title=f"New message from {conversation.contact}")


@transaction.atomic
def ai_reply(*, conversation: Conversation, body: str, metadata: dict | None = None,
             ask_if_helpful: bool = False) -> Message:
    """The AI's message. With `ask_if_helpful` (a knowledge-base answer) the widget asks "Did that answer your
    question?" under it, in the conversation's language (see `answer_check_record`)."""
    return ai_reply_locked(lock_conversation(conversation), body=body, metadata=metadata, ask_if_helpful=ask_if_helpful)


def ai_reply_locked(conversation: Conversation, *, body: str, metadata: dict | None = None,
                    ask_if_helpful: bool = False) -> Message:
    """`ai_reply` under the caller's lock of the conversation (a turn's outcome): no second lock, no savepoint."""
    metadata = dict(metadata or {})
    if ask_if_helpful:
        lang = conversation.language or "en"
        metadata["answer_check"] = {"question": phrase("answer_check_question", lang),
                                    "yes": phrase("answer_check_yes", lang), "no": phrase("answer_check_no", lang)}
    return append_message(conversation, sender_type=Message.SenderType.AI,
                          sender_name=conversation.workspace.assistant_name, body=body, metadata=metadata)


@transaction.atomic
def answer_check_record(*, conversation: Conversation, message_id: object, helpful: bool) -> Message:
    """The visitor's answer to "Did that answer your question?" under an AI answer, shown as their message.

    "No" is an ordinary visitor message worded for the not-helpful signal, so the turn takes the
    not-helpful path of the policy. "Yes" gets no turn: the caller (csat's `ai_answer_feedback`) closes
    the conversation. Refused with 409 when the check was answered already or the conversation moved
    on (a newer message, a handoff, an agent, a resolve); 404 when there is no such check.
    """
    conversation = lock_conversation(conversation)
    answer = None
    if (answer_id := parse_id(message_id)) is not None:
        answer = conversation.messages.filter(pk=answer_id, sender_type=Message.SenderType.AI).first()
    check = (answer.metadata or {}).get("answer_check") if answer is not None else None
    if not isinstance(check, dict):
        raise DomainError("not_found", "No such answer to rate in this conversation.", status=404)
    if check.get("answer"):
        raise DomainError("already_answered", "This answer was already rated.", status=409)
    moved_on = (conversation.status != Conversation.Status.OPEN
                or conversation.messages.visible_to_visitor().filter(id__gt=answer.id)
                .exclude(sender_type=Message.SenderType.SYSTEM).exists())
    if moved_on:
        raise DomainError("conversation_moved_on", "The conversation has moved on since this answer.", status=409)
    answer.metadata = {**answer.metadata, "answer_check": {**check, "answer": "yes" if helpful else "no"}}
    answer.save(update_fields=["metadata"])
    body = check["yes"] if helpful else check["no"]
    if helpful:
        # Settled at once: the AI's closing word is its reply, and the turn sweep must not take it up later.
        return append_message(conversation, sender_type=Message.SenderType.VISITOR, body=body,
                              sender_name=str(conversation.contact), metadata={"answer_check": "yes"},
                              turn_processed_at=timezone.now(), turn_outcome=Message.TurnOutcome.REPLY)
    return _receive(conversation=conversation, body=body, external_id=None, sender_name="",
                    metadata={"answer_check": "no"})


@transaction.atomic
def note_add(*, conversation: Conversation, agent, body: str) -> Message:
    """An agent's internal note. Only agents see it (Message.visible_to_visitor): it goes to the inboxes,
    never to the widget or a channel. It changes nothing else: no handoff is acknowledged, it is no human
    reply, and the AI never reads it (selectors.message_history)."""
    body = clean_body(body)
    conversation = lock_conversation(conversation)
    return append_message(conversation, sender_type=Message.SenderType.AGENT, sender_user=agent,
                          sender_name=user_name(agent), body=body, private=True)


@transaction.atomic
def system_message(*, conversation: Conversation, body: str, metadata: dict | None = None) -> Message:
    """A notice in the conversation (handoff queued, handed back, flow steps) seen by both sides."""
    return system_message_locked(lock_conversation(conversation), body=body, metadata=metadata)


def system_message_locked(conversation: Conversation, *, body: str, metadata: dict | None = None) -> Message:
    """`system_message` under the caller's lock of the conversation: no second lock, no savepoint."""
    return append_message(conversation, sender_type=Message.SenderType.SYSTEM, sender_name="", body=body,
                          metadata=metadata or {})


def touch(conversation: Conversation) -> None:
    conversation.last_activity_at = timezone.now()
    conversation.save(update_fields=["last_activity_at"])
