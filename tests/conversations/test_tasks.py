"""Periodic sweeps and delayed work: expiry, reminders, the queue draining when someone is free."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from conversations import services, tasks
from conversations.models import Handoff, KnowledgeArticle
from routing import services as routing_services
from tests import factories
from tests.conftest import request_handoff

ROOT = Path(__file__).resolve().parents[2]


def test_pending_handoffs_of_gone_visitors_expire_back_to_the_ai(workspace, agent):
    policy = workspace.policy
    policy.expiry_minutes = 30
    policy.save()
    stale = factories.ConversationFactory(workspace=workspace)
    fresh = factories.ConversationFactory(workspace=workspace)
    old = request_handoff(stale, target=services.Target(kind="user", user=agent))
    new = request_handoff(fresh, target=services.Target(kind="user", user=agent))
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Handoff.objects.filter(pk=old.pk).update(requested_at=an_hour_ago)
    stale.last_visitor_message_at = an_hour_ago
    stale.save()

    assert tasks.expire_handoffs_task() == 1
    assert tasks.expire_handoffs_task() == 0, "a rerun finds nothing"
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, old.cancel_reason, new.status) == ("cancelled", "expired", "pending")
    stale.refresh_from_db()
    assert stale.status == "open" and stale.assignee is None


def test_unacknowledged_handoffs_remind_the_assignee_by_email_once(workspace, agent,
                                                                   django_capture_on_commit_callbacks):
    policy = workspace.policy
    policy.reminder_minutes = 10
    policy.save()
    handoff = request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="user", user=agent))
    Handoff.objects.filter(pk=handoff.pk).update(requested_at=timezone.now() - timedelta(minutes=11))

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_handoffs_task() == 1
        assert tasks.remind_handoffs_task() == 0
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert "asked for a person" in mail.outbox[0].body


def test_a_closed_team_queues_and_is_notified_when_it_opens(workspace, published, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    team = factories.TeamFactory(workspace=workspace, office_hours={"mon": [["09:00", "10:00"]]}, timezone="UTC",
                                 reply_time_minutes=15)
    member = factories.AgentFactory(workspace=workspace, teams=[team]).user
    closed = {"value": True}
    monkeypatch.setattr("routing.selectors.team_is_open", lambda t: not closed["value"])
    conversation = factories.ConversationFactory(workspace=workspace)

    with django_capture_on_commit_callbacks(execute=True):
        handoff = request_handoff(conversation, target=services.Target(kind="team", team=team))
    notice = conversation.messages.get(sender_type="system")
    assert notice.metadata["expected_minutes"] >= 15, "the visitor is told when to expect a reply"
    assert not [e for e in published if e["type"] == "notification"]

    closed["value"] = False
    with django_capture_on_commit_callbacks(execute=True):
        tasks.assign_waiting_handoffs_task()
        tasks.assign_waiting_handoffs_task()
    notes = [e for e in published if e["type"] == "notification"]
    assert [n["_group"] for n in notes] == [f"agent.{member.pk}"], "notified once, when the team opened"
    handoff.refresh_from_db()
    assert handoff.notified_at is not None


def test_becoming_available_pulls_from_the_queue(workspace, django_capture_on_commit_callbacks, monkeypatch):
    specialty = factories.SpecialtyFactory(workspace=workspace)
    profile = factories.AgentFactory(workspace=workspace, available=False, specialties=[specialty])
    conversation = factories.ConversationFactory(workspace=workspace)
    handoff = request_handoff(conversation, target=services.Target(kind="specialty", specialty=specialty))
    assert handoff.assigned_to is None

    kicked = []
    monkeypatch.setattr("routing.services.current_app.send_task", lambda name, *a, **k: kicked.append(name))
    with django_capture_on_commit_callbacks(execute=True):
        routing_services.agent_set_availability(user=profile.user, available=True)
    assert kicked == ["conversations.tasks.announce_availability_task", "conversations.tasks.assign_waiting_handoffs_task"]
    assert tasks.assign_waiting_handoffs_task() == 1
    handoff.refresh_from_db()
    assert handoff.assigned_to == profile.user


def test_a_transfer_to_a_team_tells_the_visitor_who_replies_or_when_the_team_is_back(workspace):
    """Trial of 4 Dec: an agent transferred a conversation to Billing, out of its office hours; the visitor was told
    nothing and still read the first team's "expect a reply in about 25 minutes"."""
    support = factories.TeamFactory(workspace=workspace, name="Support")
    tomorrow = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(timezone.now().weekday() + 1) % 7]
    billing = factories.TeamFactory(workspace=workspace, name="Billing", timezone="UTC",
                                    office_hours={tomorrow: [["09:00", "17:00"]]})
    agent = factories.AgentFactory(workspace=workspace, teams=[support]).user
    conversation = factories.ConversationFactory(workspace=workspace, language="es")
    request_handoff(conversation, target=services.Target(kind="team", team=support))

    services.conversation_assign(conversation=conversation, by=agent, team=billing)
    notice = conversation.messages.filter(sender_type="system").order_by("-id").first()
    assert notice.body.startswith("Hemos pasado tu conversación a los compañeros que mejor pueden ayudarte. "), notice.body
    assert notice.metadata["expected_minutes"] > 60, "the wait until Billing opens, not Support's"

    accountant = factories.AgentFactory(workspace=workspace, teams=[billing]).user
    services.conversation_assign(conversation=conversation, by=accountant, team=support)  # to a team that is there
    notice = conversation.messages.filter(sender_type="system").order_by("-id").first()
    assert notice.body == "Hemos pasado tu conversación a los compañeros que mejor pueden ayudarte; te responderán aquí."


def test_a_visitor_writing_again_soon_after_an_agent_resolved_it_goes_back_to_that_agent(workspace):
    """Trial of 4 Dec: "one more thing: will the new pole be the same colour?" after Ben resolved the conversation
    waited in the general queue as number 18 instead of going back to Ben."""
    from csat import services as csat_services

    support = factories.TeamFactory(workspace=workspace, name="Support")
    ben, ana = (factories.AgentFactory(workspace=workspace, teams=[support]).user for _ in range(2))
    conversation = factories.ConversationFactory(workspace=workspace)
    target = services.Target(kind="team", team=support)
    first = request_handoff(conversation, target=target)
    services.handoff_acknowledge(handoff=first, agent=ben)
    csat_services.conversation_resolve(conversation=conversation, resolution="resolved", by=ben)

    again = request_handoff(conversation, target=target)
    assert again.assigned_to == ben and again.pk != first.pk
    conversation.refresh_from_db()
    assert conversation.assignee == ben

    services.handoff_acknowledge(handoff=again, agent=ben)
    csat_services.conversation_resolve(conversation=conversation, resolution="resolved", by=ben)
    factories.AgentFactory._meta.model.objects.filter(user=ben).update(available=False)  # Ben is away now
    third = request_handoff(conversation, target=target)
    assert third.assigned_to is None, "nobody else is picked for a team: its online members are told"

    billing = factories.TeamFactory(workspace=workspace, name="Billing")
    other = factories.ConversationFactory(workspace=workspace)
    handled = request_handoff(other, target=target)
    services.handoff_acknowledge(handoff=handled, agent=ana)
    csat_services.conversation_resolve(conversation=other, resolution="resolved", by=ana)
    assert request_handoff(other, target=services.Target(kind="team", team=billing)).assigned_to is None, \
        "a handoff to a team Ana is not in does not go back to her"


def test_an_agent_coming_online_takes_the_urgent_and_high_handoffs_first(workspace):
    """Trial of 3 Dec: an agent back online was given the four oldest "normal" handoffs while an urgent chargeback and
    a high legal threat, requested later, went on waiting; the urgent visitor was told "number 7 in the queue"."""
    specialty = factories.SpecialtyFactory(workspace=workspace)
    profile = factories.AgentFactory(workspace=workspace, available=False, specialties=[specialty], capacity=2)
    target = services.Target(kind="specialty", specialty=specialty)
    routine = [request_handoff(factories.ConversationFactory(workspace=workspace), target=target) for _ in range(3)]
    urgent = request_handoff(factories.ConversationFactory(workspace=workspace), target=target, priority="urgent")
    high = request_handoff(factories.ConversationFactory(workspace=workspace), target=target, priority="high")

    notices = {h.pk: h.conversation.messages.filter(sender_type="system").order_by("-id").first().body
               for h in (urgent, high, routine[0])}
    assert "number 1 in the queue" in notices[urgent.pk], notices
    assert "number 2 in the queue" in notices[high.pk], notices

    routing_services.agent_set_availability(user=profile.user, available=True)
    assert tasks.assign_waiting_handoffs_task() == 2
    taken = set(Handoff.objects.filter(assigned_to=profile.user).values_list("pk", flat=True))
    assert taken == {urgent.pk, high.pk}


@pytest.mark.parametrize("status", ["acknowledged", "cancelled"])
def test_sweeps_leave_handled_handoffs_alone(workspace, agent, status):
    handoff = request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="user", user=agent))
    Handoff.objects.filter(pk=handoff.pk).update(status=status, requested_at=timezone.now() - timedelta(days=3))
    assert tasks.expire_handoffs_task() == 0
    assert tasks.remind_handoffs_task() == 0


# --- turns: a visitor message without an outcome is taken up again ---------------------------------


def test_the_sweep_queues_again_only_messages_without_an_outcome_whose_lease_lapsed(workspace, no_tasks, published,
                                                                                    settings):
    from conversations.models import Message

    settings.TURN_LEASE_SECONDS = 60
    conversation = factories.ConversationFactory(workspace=workspace)
    two_minutes_ago = timezone.now() - timedelta(minutes=2)

    def visitor_message(**fields):
        message = Message.objects.create(conversation=conversation, sender_type="visitor", body="hello?", **fields)
        Message.objects.filter(pk=message.pk).update(created_at=two_minutes_ago)
        return message

    never_queued = visitor_message()
    dead_worker = visitor_message(turn_claim="gone", turn_lease_until=timezone.now() - timedelta(seconds=1))
    visitor_message(turn_claim="busy", turn_lease_until=timezone.now() + timedelta(seconds=30))  # still thinking
    visitor_message(turn_processed_at=timezone.now(), turn_outcome="reply")  # answered
    Message.objects.create(conversation=conversation, sender_type="visitor", body="just now")  # its turn is queued

    assert tasks.sweep_turns_task() == 2
    assert no_tasks == [("process_turn_task", (never_queued.pk,)), ("process_turn_task", (dead_worker.pk,))]


def test_the_sweep_queues_a_message_nobody_claimed_after_the_grace_and_a_backlog_only_once(
        workspace, no_tasks, published, settings):
    from conversations.models import Message

    settings.TURN_REQUEUE_GRACE_SECONDS = 30
    settings.TURN_LEASE_SECONDS = 120
    conversation = factories.ConversationFactory(workspace=workspace)
    lost = Message.objects.create(conversation=conversation, sender_type="visitor", body="hello?")
    fresh = Message.objects.create(conversation=conversation, sender_type="visitor", body="still queued")
    Message.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(seconds=31))
    Message.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - timedelta(seconds=20))

    assert tasks.sweep_turns_task() == 1, "the fresh one's task may still be on its way"
    assert no_tasks == [("process_turn_task", (lost.pk,))]
    for _ in range(3):  # its task waits in a backlog: later sweeps do not queue it over and over
        assert lost.pk not in [args[0] for _name, args in no_tasks[1:]]
        tasks.sweep_turns_task()
    assert [args[0] for _name, args in no_tasks].count(lost.pk) == 1

    Message.objects.filter(pk=lost.pk).update(turn_requeued_at=timezone.now() - timedelta(seconds=121))
    no_tasks.clear()
    tasks.sweep_turns_task()
    assert ("process_turn_task", (lost.pk,)) in no_tasks, "still unclaimed a lease later: queued again"


def test_a_restarted_worker_queues_at_once_the_turns_its_earlier_start_held(workspace, no_tasks):
    from types import SimpleNamespace

    from conversations.models import Message

    conversation = factories.ConversationFactory(workspace=workspace)

    def claimed(worker: str, claim: str) -> Message:
        message = Message.objects.create(conversation=conversation, sender_type="visitor", body="hello")
        assert services.message_turn_claim(message_id=message.pk, claim=claim, lease_seconds=600, worker=worker)
        return message

    orphan = claimed("worker@host 0ld5tart", "t1")
    mine = claimed(tasks._worker_name("worker@host"), "t2")  # claimed by this start already
    other_node = claimed("worker2@host 0ld5tart", "t3")
    settled = claimed("worker@host 0ld5tart", "t4")
    Message.objects.filter(pk=settled.pk).update(turn_processed_at=timezone.now(), turn_outcome="reply")

    assert tasks.release_orphaned_turns(sender=SimpleNamespace(hostname="worker@host")) == [orphan.pk]
    assert no_tasks == [("process_turn_task", (orphan.pk,))]
    assert services.message_turn_claim(message_id=orphan.pk, claim="t5", lease_seconds=600) is not None, \
        "its lease lapsed: the queued turn takes it"
    for message in (mine, other_node):
        assert services.message_turn_claim(message_id=message.pk, claim="t6", lease_seconds=600) is None, "held"
    assert Message.objects.get(pk=orphan.pk).turn_requeued_at is not None, "the sweep does not queue it too"


def test_a_restarted_worker_queues_at_once_the_turns_no_worker_had_started(workspace, no_tasks):
    """Its earlier start may have taken turns from the broker (prefetched) and died before starting them:
    they hold no claim, and Redis gives them back only after an hour. They are queued when it is ready,
    not after the sweep's grace; a turn queued again lately, or running elsewhere, is left alone."""
    from types import SimpleNamespace

    from django.conf import settings
    from kombu import Queue

    from conversations.models import Message

    conversation = factories.ConversationFactory(workspace=workspace)
    prefetched = Message.objects.create(conversation=conversation, sender_type="visitor", body="where is my parcel?")
    running = Message.objects.create(conversation=conversation, sender_type="visitor", body="hello")
    assert services.message_turn_claim(message_id=running.pk, claim="t1", lease_seconds=600, worker="w2@host 5tart")
    lately = Message.objects.create(conversation=conversation, sender_type="visitor", body="hi",
                                    turn_requeued_at=timezone.now())

    def worker(node: str, queue: str) -> SimpleNamespace:
        return SimpleNamespace(hostname=node, task_consumer=SimpleNamespace(queues=[Queue(queue)]))

    jobs_worker = worker("jobs@host", settings.CELERY_LONG_QUEUE)
    assert tasks.release_orphaned_turns(sender=jobs_worker) == [], "the jobs worker never takes a turn"
    turns_worker = worker("worker@host", settings.CELERY_TASK_DEFAULT_QUEUE)
    assert tasks.release_orphaned_turns(sender=turns_worker) == [prefetched.pk]
    assert no_tasks == [("process_turn_task", (prefetched.pk,))]
    assert Message.objects.get(pk=prefetched.pk).turn_requeued_at is not None

    no_tasks.clear()
    tasks.sweep_turns_task()
    assert ("process_turn_task", (prefetched.pk,)) not in no_tasks, "queued once, not again by the sweep"


def test_two_live_workers_with_one_node_name_still_settle_a_turn_once(workspace, no_tasks, published):
    """Celery only warns about a duplicate node name: the second one's start releases the first one's
    running claim, both think about the turn, and the outcome still commits once."""
    from django.db import transaction

    from conversations.models import Message

    conversation = factories.ConversationFactory(workspace=workspace)
    message = Message.objects.create(conversation=conversation, sender_type="visitor", body="hello")
    first = services.message_turn_claim(message_id=message.pk, claim="a", lease_seconds=600, worker="w@h start-1")
    assert services.message_turns_release_orphans(node="w@h", worker="w@h start-2") == [message.pk]
    second = services.message_turn_claim(message_id=message.pk, claim="b", lease_seconds=600, worker="w@h start-2")
    assert first is not None and second is not None

    with transaction.atomic():
        locked = services.message_turn_lock(message=second)
        services.message_turn_settle(message=locked, outcome=Message.TurnOutcome.REPLY)
    with transaction.atomic():
        assert services.message_turn_lock(message=first) is None, "the first worker's outcome must not commit"
    assert Message.objects.get(pk=message.pk).turn_outcome == "reply"


def test_the_sweep_switches_the_indicator_off_again_where_a_turn_just_ended(workspace, no_tasks, published,
                                                                          django_capture_on_commit_callbacks):
    from conversations.models import Message

    answered = factories.ConversationFactory(workspace=workspace)
    Message.objects.create(conversation=answered, sender_type="visitor", body="hi", turn_processed_at=timezone.now(),
                           turn_outcome="reply")
    waiting = factories.ConversationFactory(workspace=workspace)
    Message.objects.create(conversation=waiting, sender_type="visitor", body="hi")  # its turn runs: stays on
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_turns_task()
    typing = [e for e in published if e["type"] == "ai.typing"]
    assert {e["_group"] for e in typing} >= {f"conversation.{answered.pk}"}
    assert f"conversation.{waiting.pk}" not in {e["_group"] for e in typing}
    assert all(e["active"] is False for e in typing)


def test_a_claim_is_a_lease_a_second_worker_waits_for(workspace):
    from conversations.models import Message

    conversation = factories.ConversationFactory(workspace=workspace)
    message = Message.objects.create(conversation=conversation, sender_type="visitor", body="hello")
    assert services.message_turn_claim(message_id=message.pk, claim="a", lease_seconds=60) is not None
    assert services.message_turn_claim(message_id=message.pk, claim="b", lease_seconds=60) is None, "leased to a"
    assert services.message_turn_claim(message_id=message.pk, claim="a", lease_seconds=60) is not None, "a's retry"
    Message.objects.filter(pk=message.pk).update(turn_lease_until=timezone.now() - timedelta(seconds=1))
    taken = services.message_turn_claim(message_id=message.pk, claim="b", lease_seconds=60)
    assert taken is not None and taken.turn_attempts == 2, "the lapsed lease goes to the next attempt"


def test_a_starting_worker_loads_the_assistant_before_its_pool_forks():
    """worker_init runs in the worker's main process, which forks the pool: the models and encoders
    loaded there are every child's from its first turn (no child loads them inside a visitor's turn)."""
    script = """
import os, django
django.setup()
from conversations import tasks
from conversations.assistant import encoder, models
assert models._models is None and not encoder._instances
tasks.load_the_assistant_before_forking()
loaded_before_fork = (id(models._models), id(encoder.get_encoder()), id(encoder.get_multilingual_encoder()))
pid = os.fork()
if pid == 0:
    in_child = (id(models.detector_models()), id(encoder.get_encoder()), id(encoder.get_multilingual_encoder()))
    os._exit(0 if in_child == loaded_before_fork and None not in (models._models, encoder.get_encoder()) else 3)
_, status = os.waitpid(pid, 0)
raise SystemExit(os.waitstatus_to_exitcode(status))
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings_test"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_starting_worker_prepares_each_indexed_workspaces_assistant(workspace, no_tasks):
    """Trial of 2 Dec: the first replies after a start took 22 s, two pool children each building the demo
    shop's assistant (its topics embedded, its index loaded) inside a visitor's turn."""
    from conversations import knowledge
    from tests import factories

    factories.WorkspaceFactory()  # no index yet: nothing to prepare, and nothing queued for it
    KnowledgeArticle.objects.create(workspace=workspace, title="Returns", body="Return within 30 days.")
    knowledge.knowledge_reindex(workspace=workspace)
    knowledge._cache.clear()
    assert knowledge.warm_assistants() == 1
    prepared = knowledge._cache[workspace.pk][1]
    assert knowledge.assistant_for(workspace=workspace, policy=workspace.policy) is prepared  # a turn takes it as is


def test_an_agent_going_away_is_announced_to_the_inboxes(workspace, django_capture_on_commit_callbacks, monkeypatch,
                                                          published):
    """Trial 28: Ana went away; Ben's assign menu said "Ana Ortiz (online)" until he reloaded."""
    profile = factories.AgentFactory(workspace=workspace, available=True)
    kicked = []
    monkeypatch.setattr("routing.services.current_app.send_task", lambda name, *a, **k: kicked.append((name, k)))
    with django_capture_on_commit_callbacks(execute=True):
        routing_services.agent_set_availability(user=profile.user, available=False)
    assert kicked == [("conversations.tasks.announce_availability_task", {"args": [profile.user_id]})]
    with django_capture_on_commit_callbacks(execute=True):
        tasks.announce_availability_task(profile.user_id)
    events = [e for e in published if e["type"] == "agent.presence"]
    assert events and events[-1]["available"] is False and events[-1]["agent"]["id"] == str(profile.user_id)
    kicked.clear()
    with django_capture_on_commit_callbacks(execute=True):
        routing_services.agent_set_availability(user=profile.user, available=False)  # no change: nothing to say
    assert kicked == []
