"""What a waiting visitor is told about the wait: when the team is back out of office hours, and a wait that
grows with the queue (trial of 1 Dec, night: "Everyone on our team is busy… about 851 minutes" after hours, and
"about 5 minutes" for number 7 in the queue)."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from conversations.assistant.phrases import phrase, waiting_time, when
from routing import selectors
from tests import factories

MADRID = ZoneInfo("Europe/Madrid")
WEEKDAYS_9_TO_18 = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def test_when_a_team_opens_is_said_in_the_visitors_language_and_the_teams_time_zone():
    tuesday_evening = datetime(2026, 12, 1, 19, 19, tzinfo=MADRID)
    assert when(datetime(2026, 12, 2, 9, 0, tzinfo=MADRID), tuesday_evening, "en") == "tomorrow at 09:00 (Europe/Madrid)"
    assert when(datetime(2026, 12, 1, 21, 0, tzinfo=MADRID), tuesday_evening, "es") == "hoy a las 21:00 (Europe/Madrid)"
    assert when(datetime(2026, 12, 7, 9, 0, tzinfo=MADRID), tuesday_evening, "fr") == "lundi à 09:00 (Europe/Madrid)"
    assert "Montag um 09:00" in when(datetime(2026, 12, 7, 9, 0, tzinfo=MADRID), tuesday_evening, "de")
    said = phrase("handoff_after_hours", "en", position=2, when="tomorrow at 09:00 (Europe/Madrid)")
    assert "busy" not in said and "back tomorrow at 09:00" in said and "number 2" in said


def test_out_of_office_hours_the_wait_runs_to_the_opening(workspace, monkeypatch):
    team = factories.TeamFactory(workspace=workspace, office_hours=WEEKDAYS_9_TO_18, timezone="Europe/Madrid",
                                 reply_time_minutes=10)
    monkeypatch.setattr(selectors, "timezone", SimpleNamespace(now=lambda: datetime(2026, 12, 1, 19, 19, tzinfo=MADRID)))
    expected = selectors.expected_reply(team=team, workspace=workspace, position=3)
    assert expected.opens_at == datetime(2026, 12, 2, 9, 0, tzinfo=MADRID)
    assert expected.minutes == 13 * 60 + 41 + 10


def test_in_office_hours_the_wait_grows_with_the_queue(workspace):
    team = factories.TeamFactory(workspace=workspace, office_hours={}, reply_time_minutes=5)  # always open
    factories.AgentFactory(workspace=workspace, teams=[team])
    assert selectors.expected_reply(team=team, workspace=workspace, position=1) == selectors.ExpectedReply(5)
    assert selectors.expected_reply(team=team, workspace=workspace, position=7) == selectors.ExpectedReply(35)


def test_office_hours_refuse_a_time_that_is_no_time_of_day():
    """"25:00" was read as 01:00 and reported as "ends before it starts" (trial of 1 Dec, night)."""
    from routing.hours import validate_weekly

    assert validate_weekly({"mon": [["09:00", "25:00"]]}) == ["mon: 25:00 is not a time of day (00:00 to 24:00)"]
    assert validate_weekly({"tue": [["9:75", "18:00"]]}) == ["tue: 9:75 is not a time of day (00:00 to 24:00)"]
    assert validate_weekly({"wed": [["18:00", "09:00"]]}) == ["wed: 18:00-09:00 ends before it starts"]
    assert validate_weekly({"thu": [["00:00", "24:00"]], "fri": [["9:00", "17:30"]]}) == []


def test_the_wait_counts_the_teams_available_agents(workspace):
    """Re-trial of 2 Dec: the wait was the place times the reply time, as if one agent answered everyone."""
    team = factories.TeamFactory(workspace=workspace, office_hours={}, reply_time_minutes=10)
    factories.AgentFactory(workspace=workspace, teams=[team])
    factories.AgentFactory(workspace=workspace, teams=[team])
    factories.AgentFactory(workspace=workspace, teams=[team], available=False)  # away: answers nobody
    assert [selectors.expected_reply(team=team, workspace=workspace, position=p).minutes for p in (1, 2, 3, 5)] == [
        10, 10, 20, 30]


def test_with_nobody_online_the_wait_is_not_said_to_be_a_busy_team(workspace):
    """Trial of 2 Dec: with no agent online, a visitor was told "Everyone on our team is busy … about 10 minutes"."""
    team = factories.TeamFactory(workspace=workspace, office_hours={}, reply_time_minutes=10)
    member = factories.AgentFactory(workspace=workspace, teams=[team], last_seen_at=None)  # never connected
    factories.AgentFactory(workspace=workspace)  # online, but not in the team
    assert selectors.expected_reply(team=team, workspace=workspace).nobody_online
    said = phrase("handoff_queued_offline", "es", position=1, wait=waiting_time(10, "es"))
    assert "no hay nadie" in said and "ocupado" not in said and "unos 10 minutos" in said

    member.last_seen_at = datetime.now(tz=MADRID)
    member.save()
    assert not selectors.expected_reply(team=team, workspace=workspace).nobody_online


def test_a_specialty_or_one_agent_waits_for_those_who_may_take_it(workspace):
    specialty = factories.SpecialtyFactory(workspace=workspace)
    factories.AgentFactory(workspace=workspace)  # online, another specialty
    wanted = factories.AgentFactory(workspace=workspace, available=False, specialties=[specialty])
    assert selectors.expected_reply(team=None, workspace=workspace, specialty_id=specialty.pk).nobody_online
    assert selectors.expected_reply(team=None, workspace=workspace, agent_id=wanted.user_id).nobody_online
    assert not selectors.expected_reply(team=None, workspace=workspace).nobody_online, "the default queue: anyone"
