"""Presence-aware routing: handoffs land only with agents who are available and online."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import selectors, services, tasks
from conversations.assistant.phrases import phrase
from conversations.models import Conversation, Handoff, Message
from routing import presence
from routing.models import AgentProfile
from tests import factories
from tests.conftest import client_for, request_handoff

pytestmark = pytest.mark.django_db

GONE = timedelta(seconds=31)  # API.md: online means a socket now or within the last 30 s


def seen_ago(user, delta: timedelta | None) -> None:
    AgentProfile.objects.filter(user=user).update(last_seen_at=None if delta is None else timezone.now() - delta)


@pytest.fixture
def specialty(workspace):
    return factories.SpecialtyFactory(workspace=workspace)


def specialty_agent(workspace, specialty, username, **kwargs):
    return factories.AgentFactory(workspace=workspace, specialties=[specialty], user__username=username,
                                  **kwargs).user


def system_bodies(conversation) -> list[str]:
    return list(conversation.messages.filter(sender_type=Message.SenderType.SYSTEM)
                .order_by("id").values_list("body", flat=True))


# --- the pure rule ---------------------------------------------------------------------
def test_online_within_the_grace_period_only():
    now = timezone.now()
    assert presence.is_online(now, now)
    assert presence.is_online(now - timedelta(seconds=29), now)
    assert not presence.is_online(now - GONE, now)
    assert not presence.is_online(None, now), "never connected"


# --- the agents API -------------------------------------------------------------------
def test_agents_api_reports_available_and_online_apart(workspace, agent):
    away = factories.AgentFactory(workspace=workspace, user__username="bo", available=False).user
    closed = factories.AgentFactory(workspace=workspace, user__username="cy", last_seen_at=None).user
    lapsed = factories.AgentFactory(workspace=workspace, user__username="di").user
    seen_ago(lapsed, GONE)

    rows = {a["username"]: (a["available"], a["online"]) for a in client_for(agent).get("/api/v1/agents/").json()}

    assert rows == {"ana": (True, True), "bo": (False, True), "cy": (True, False), "di": (True, False)}


# --- routing eligibility --------------------------------------------------------------
def test_round_robin_skips_an_available_agent_with_no_inbox_open(workspace, specialty):
    closed = specialty_agent(workspace, specialty, "ana", last_seen_at=None)
    there = specialty_agent(workspace, specialty, "bo")
    for _ in range(2):
        handoff = request_handoff(factories.ConversationFactory(workspace=workspace),
                                  target=services.Target(kind="specialty", specialty=specialty))
        assert handoff.assigned_to == there
    assert not Conversation.objects.filter(assignee=closed).exists()


def test_a_handoff_to_an_offline_agent_waits_and_the_visitor_is_told_the_wait(workspace, agent, published):
    seen_ago(agent, GONE)
    conversation = factories.ConversationFactory(workspace=workspace, language="es")

    handoff = request_handoff(conversation, target=services.Target(kind="user", user=agent), language="es")

    assert handoff.assigned_to is None and handoff.notified_at is None
    conversation.refresh_from_db()
    assert conversation.status == "pending_human" and conversation.assignee is None
    assert "cola" in system_bodies(conversation)[-1], "queue position and expected time, in Spanish"
    assert not [e for e in published if e["type"] == "notification"], "nobody was told to take it"


def test_a_team_handoff_notifies_only_members_who_are_online(workspace, published, django_capture_on_commit_callbacks):
    team = factories.TeamFactory(workspace=workspace)
    online = factories.AgentFactory(workspace=workspace, teams=[team]).user
    offline = factories.AgentFactory(workspace=workspace, teams=[team], last_seen_at=None).user
    factories.AgentFactory(workspace=workspace, teams=[team], available=False)

    with django_capture_on_commit_callbacks(execute=True):
        request_handoff(factories.ConversationFactory(workspace=workspace),
                        target=services.Target(kind="team", team=team))

    notified = {e["_group"] for e in published if e["type"] == "notification"}
    assert notified == {f"agent.{online.pk}"}
    assert f"agent.{offline.pk}" not in notified


# --- coming online --------------------------------------------------------------------
def test_coming_online_is_reported_once_and_a_reload_is_not_a_return(workspace, agent):
    seen_ago(agent, None)
    assert presence.presence_seen(user_id=agent.pk) is True
    assert presence.presence_seen(user_id=agent.pk) is False, "a heartbeat while online"
    seen_ago(agent, timedelta(seconds=20))  # the socket closed 20 s ago; the page reloads
    assert presence.presence_seen(user_id=agent.pk) is False
    seen_ago(agent, GONE)
    assert presence.presence_seen(user_id=agent.pk) is True


def test_a_waiting_conversation_goes_to_the_agent_who_comes_online(workspace, specialty, published,
                                                                   django_capture_on_commit_callbacks):
    ana = specialty_agent(workspace, specialty, "ana", last_seen_at=None)
    conversation = factories.ConversationFactory(workspace=workspace, language="fr")
    handoff = request_handoff(conversation, target=services.Target(kind="specialty", specialty=specialty))
    assert handoff.assigned_to is None

    presence.presence_seen(user_id=ana.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.assign_waiting_handoffs_task() == 1

    handoff.refresh_from_db()
    conversation.refresh_from_db()
    assert handoff.assigned_to == ana and conversation.assignee == ana and handoff.status == "pending"
    assert [e["_group"] for e in published if e["type"] == "notification"] == [f"agent.{ana.pk}"]
    assert system_bodies(conversation)[-1] == phrase("handoff_dequeued", "fr")
    assert tasks.assign_waiting_handoffs_task() == 0, "nothing is assigned twice"


def test_a_handoff_waiting_for_one_agent_is_theirs_when_they_come_online(workspace, agent):
    seen_ago(agent, None)
    handoff = request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="user", user=agent))
    assert handoff.assigned_to is None

    presence.presence_seen(user_id=agent.pk)
    tasks.assign_waiting_handoffs_task()

    handoff.refresh_from_db()
    assert handoff.assigned_to == agent


def test_a_night_queue_with_nobody_on_duty_costs_the_sweep_a_query_or_two(workspace, specialty,
                                                                          django_assert_max_num_queries):
    specialty_agent(workspace, specialty, "ana", last_seen_at=None)
    AgentProfile.objects.filter(workspace=workspace).update(last_seen_at=None)  # nobody has an inbox open
    for _ in range(12):
        request_handoff(factories.ConversationFactory(workspace=workspace),
                        target=services.Target(kind="specialty", specialty=specialty))

    with django_assert_max_num_queries(2):
        assert tasks.assign_waiting_handoffs_task() == 0
    assert Handoff.objects.filter(assigned_to__isnull=True, status="pending").count() == 12, "all still queued"


def test_the_sweep_fills_a_free_agent_oldest_first_and_stops_asking_for_that_target(workspace, specialty, monkeypatch):
    ana = specialty_agent(workspace, specialty, "ana", last_seen_at=None, capacity=3)
    queued = [request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="specialty", specialty=specialty)) for _ in range(8)]
    bo = factories.AgentFactory(workspace=workspace, user__username="bo", last_seen_at=None).user
    for_bo = request_handoff(factories.ConversationFactory(workspace=workspace),
                             target=services.Target(kind="user", user=bo))
    seen_ago(ana, timedelta(0))
    seen_ago(bo, timedelta(0))
    looked_at = []
    assign = services.handoff_assign_waiting
    monkeypatch.setattr(services, "handoff_assign_waiting", lambda handoff: looked_at.append(handoff.pk) or assign(
        handoff=handoff))

    assert tasks.assign_waiting_handoffs_task() == 4

    assert [h.pk for h in queued if Handoff.objects.get(pk=h.pk).assigned_to == ana] == [h.pk for h in queued[:3]]
    assert Handoff.objects.get(pk=for_bo.pk).assigned_to == bo, "another target is not held up by a full one"
    assert looked_at == [h.pk for h in queued[:4]] + [for_bo.pk], "once Ana is full, her queue is not walked"


def test_a_team_queue_is_announced_once_when_a_member_comes_online(workspace, published,
                                                                   django_capture_on_commit_callbacks):
    team = factories.TeamFactory(workspace=workspace)
    member = factories.AgentFactory(workspace=workspace, teams=[team], user__username="cy", last_seen_at=None).user
    handoff = request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="team", team=team))
    assert not [e for e in published if e["type"] == "notification"], "nobody of the team was there"

    seen_ago(member, timedelta(0))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.assign_waiting_handoffs_task()
    assert [e["_group"] for e in published if e["type"] == "notification"] == [f"agent.{member.pk}"]
    assert selectors.handoffs_to_assign() == [], "announced: it waits to be taken, the sweep leaves it"
    handoff.refresh_from_db()
    assert handoff.assigned_to is None and handoff.status == "pending"


def test_an_agent_coming_and_going_tells_a_waiting_visitor_once_not_at_every_log_in(workspace, specialty):
    """Each notice is a mail or a text on those channels: one customer got seven in ten minutes (re-trial of
    1 Dec, late night) as one agent logged in and out."""
    ana = specialty_agent(workspace, specialty, "ana", last_seen_at=None)
    conversation = factories.ConversationFactory(workspace=workspace)
    request_handoff(conversation, target=services.Target(kind="specialty", specialty=specialty))
    for _ in range(3):
        presence.presence_seen(user_id=ana.pk)
        assert tasks.assign_waiting_handoffs_task() == 1
        seen_ago(ana, GONE)
        assert tasks.reroute_handoffs_task() == 1
    bodies = system_bodies(conversation)
    assert [b.split(".")[0] for b in bodies] == [phrase("handoff_queued_offline", "en").split(".")[0],
                                                 phrase("handoff_dequeued", "en").split(".")[0]], bodies


# --- re-routing -------------------------------------------------------------------------
def test_a_pending_handoff_whose_agent_went_offline_moves_to_one_who_is_there(
        workspace, specialty, published, django_capture_on_commit_callbacks):
    ana = specialty_agent(workspace, specialty, "ana")
    conversation = factories.ConversationFactory(workspace=workspace, language="de")
    handoff = request_handoff(conversation, target=services.Target(kind="specialty", specialty=specialty))
    assert handoff.assigned_to == ana
    bo = specialty_agent(workspace, specialty, "bo")
    seen_ago(ana, GONE)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reroute_handoffs_task() == 1

    handoff.refresh_from_db()
    conversation.refresh_from_db()
    assert handoff.assigned_to == bo and conversation.assignee == bo and handoff.status == "pending"
    assert [e["_group"] for e in published if e["type"] == "notification"] == [f"agent.{bo.pk}"]
    # the visitor was told at the handoff that a person has it: a change of person is not news to them
    assert system_bodies(conversation) == [phrase("handoff_passing", "en")]  # (the request was made in English)
    assert tasks.reroute_handoffs_task() == 0


def test_with_nobody_else_there_it_goes_back_to_the_queue_and_the_visitor_is_told(workspace, specialty):
    ana = specialty_agent(workspace, specialty, "ana")
    conversation = factories.ConversationFactory(workspace=workspace, language="pt")
    handoff = request_handoff(conversation, target=services.Target(kind="specialty", specialty=specialty))
    AgentProfile.objects.filter(user=ana).update(available=False)  # switched to away before acknowledging

    tasks.reroute_handoffs_task()

    handoff.refresh_from_db()
    conversation.refresh_from_db()
    assert handoff.assigned_to is None and handoff.status == "pending" and conversation.assignee is None
    assert conversation.status == "pending_human" and conversation.needs_agent
    assert "fila" in system_bodies(conversation)[-1], "queue position and expected time, in Portuguese"

    AgentProfile.objects.filter(user=ana).update(available=True)
    tasks.assign_waiting_handoffs_task()
    handoff.refresh_from_db()
    assert handoff.assigned_to == ana, "back as soon as she is eligible again"


def test_acknowledged_conversations_and_agents_still_there_are_left_alone(workspace, specialty, agent):
    ana = specialty_agent(workspace, specialty, "bo")
    there = request_handoff(factories.ConversationFactory(workspace=workspace),
                            target=services.Target(kind="specialty", specialty=specialty))
    taken = request_handoff(factories.ConversationFactory(workspace=workspace),
                            target=services.Target(kind="user", user=agent))
    services.handoff_acknowledge(handoff=taken, agent=agent)
    seen_ago(agent, GONE)  # she owns it now: going offline does not take it from her

    assert selectors.handoffs_to_reroute() == []
    assert services.handoff_reroute(handoff=there).assigned_to == ana
    taken.refresh_from_db()
    assert (taken.status, taken.assigned_to) == ("acknowledged", agent)


def test_a_deactivated_agents_pending_handoff_is_rerouted_too(workspace, specialty):
    ana = specialty_agent(workspace, specialty, "ana")
    handoff = request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="specialty", specialty=specialty))
    # deactivated without a save (a bulk update, the workspace import): the sweep is what moves it (a save hands
    # back at once: test_deleted_targets)
    type(ana).objects.filter(pk=ana.pk).update(is_active=False)

    assert [h.pk for h in selectors.handoffs_to_reroute()] == [handoff.pk]
    tasks.reroute_handoffs_task()
    handoff.refresh_from_db()
    assert handoff.assigned_to is None


def test_pending_handoffs_never_assigned_are_not_rerouted(workspace):
    request_handoff(factories.ConversationFactory(workspace=workspace))  # the default target: a broadcast
    assert Handoff.objects.filter(status="pending").count() == 1
    assert selectors.handoffs_to_reroute() == []


def test_a_handoff_nobody_acknowledges_in_the_policys_time_goes_to_another_agent(workspace, specialty):
    workspace.policy.reassign_after_minutes = 10
    workspace.policy.save()
    ana = specialty_agent(workspace, specialty, "ana")
    conversation = factories.ConversationFactory(workspace=workspace, language="es")
    handoff = request_handoff(conversation, target=services.Target(kind="specialty", specialty=specialty))
    bo = specialty_agent(workspace, specialty, "bo")

    Handoff.objects.filter(pk=handoff.pk).update(assigned_at=timezone.now() - timedelta(minutes=9))
    assert tasks.reroute_handoffs_task() == 0, "not late yet"

    Handoff.objects.filter(pk=handoff.pk).update(assigned_at=timezone.now() - timedelta(minutes=11))
    assert tasks.reroute_handoffs_task() == 1
    handoff.refresh_from_db()
    assert handoff.assigned_to == bo and handoff.status == "pending"
    assert system_bodies(conversation) == [phrase("handoff_passing", "en")]

    Handoff.objects.filter(pk=handoff.pk).update(assigned_at=timezone.now() - timedelta(minutes=11))
    AgentProfile.objects.filter(user=ana).update(last_seen_at=None)
    assert tasks.reroute_handoffs_task() == 0, "Bo is still there and nobody else is: it stays with him"
    handoff.refresh_from_db()
    assert handoff.assigned_to == bo


def late_specialty_handoff(workspace, specialty, *, reassign_after_minutes: int, late_by: timedelta) -> Handoff:
    """A handoff to the specialty, taken by Ana (its only agent then), assigned `late_by` ago."""
    workspace.policy.reassign_after_minutes = reassign_after_minutes
    workspace.policy.save()
    specialty_agent(workspace, specialty, "ana")
    handoff = request_handoff(factories.ConversationFactory(workspace=workspace),
                              target=services.Target(kind="specialty", specialty=specialty))
    Handoff.objects.filter(pk=handoff.pk).update(assigned_at=timezone.now() - late_by)
    return handoff


def test_the_sweep_leaves_a_late_handoff_alone_while_its_agent_is_the_only_one_on_duty(workspace, specialty):
    handoff = late_specialty_handoff(workspace, specialty, reassign_after_minutes=10, late_by=timedelta(minutes=30))

    assert selectors.handoffs_to_reroute() == [], "nobody else could take it: not looked at every 10 s"
    bo = specialty_agent(workspace, specialty, "bo")
    assert [h.pk for h in selectors.handoffs_to_reroute()] == [handoff.pk], "Bo came online: now it can move"
    assert tasks.reroute_handoffs_task() == 1
    handoff.refresh_from_db()
    assert handoff.assigned_to == bo


def test_reassigning_late_handoffs_can_be_turned_off(workspace, specialty):
    handoff = late_specialty_handoff(workspace, specialty, reassign_after_minutes=0, late_by=timedelta(days=1))
    specialty_agent(workspace, specialty, "bo")

    assert selectors.handoffs_to_reroute() == []
    assert services.handoff_reroute(handoff=handoff).assigned_to.username == "ana"


def test_a_transfer_to_a_colleague_who_is_away_stays_theirs(workspace, specialty):
    """Trial 56: Ben transferred a conversation to Ana, whose switch was off; ten seconds later the sweep put it back in
    the queue with nobody on it, out of Ana's "Mine", though nobody else could take it. It waits with her."""
    ana, ben = specialty_agent(workspace, specialty, "ana"), specialty_agent(workspace, specialty, "ben")
    conversation = factories.ConversationFactory(workspace=workspace)
    handoff = request_handoff(conversation, target=services.Target(kind="user", user=ben))
    services.handoff_acknowledge(handoff=handoff, agent=ben)
    AgentProfile.objects.filter(user=ana).update(available=False)
    services.conversation_assign(conversation=conversation, by=ben, user=ana)

    assert selectors.handoffs_to_reroute() == []
    tasks.reroute_handoffs_task()
    handoff.refresh_from_db()
    conversation.refresh_from_db()
    assert (handoff.assigned_to, conversation.assignee, handoff.status) == (ana, ana, "pending")

    # deactivated, she holds nothing: the sweep moves it on (to the queue: its target is Ana alone)
    type(ana).objects.filter(pk=ana.pk).update(is_active=False)
    tasks.reroute_handoffs_task()
    handoff.refresh_from_db()
    assert handoff.assigned_to is None
