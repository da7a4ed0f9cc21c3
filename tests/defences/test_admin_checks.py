"""What an admin types in the admin pages is checked as the API and the workspace document check it: a malformed
value saved there used to break every visitor's widget, stop a team's handoffs or reach a visitor as written
(trial of 2 Dec, admin pages in a browser)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from django.db import IntegrityError
from django.test import RequestFactory

from conversations.models import CannedResponse
from helpdesk.launcher import Launcher
from helpdesk.middleware import RequestLimitsMiddleware
from routing import hours
from routing.models import Team
from workspaces.models import Workspace


def _errors(page) -> str:
    return page.content.decode() if page.status_code == 200 else f"HTTP {page.status_code}"


def test_a_team_with_empty_office_hours_is_always_open_and_bad_hours_are_refused(workspace, admin_client):
    form = {"workspace": workspace.pk, "name": "Kayaks", "timezone": "Europe/Madrid", "office_hours": "",
            "reply_time_minutes": 5, "slack_channel": ""}
    page = admin_client.post("/admin/routing/team/add/", form)
    assert page.status_code == 302, _errors(page)  # was a 503 "briefly unavailable" (a null in a not-null column)
    team = Team.objects.get(name="Kayaks")
    assert team.office_hours == {}

    for hours_text, message in [('{"mon": [["25:00", "09:00"]]}', "25:00 is not a time of day"),
                                ('{"funday": []}', "funday: unknown day"),
                                ('{"mon": "all day"}', "mon: must be a list"),
                                ("[1, 2]", "must be an object")]:
        page = admin_client.post(f"/admin/routing/team/{team.pk}/change/", {**form, "office_hours": hours_text})
        assert page.status_code == 200 and message in page.content.decode(), hours_text
    page = admin_client.post(f"/admin/routing/team/{team.pk}/change/", {**form, "timezone": "Mars/Olympus"})
    assert page.status_code == 200 and "Unknown time zone" in page.content.decode()
    team.refresh_from_db()
    assert (team.office_hours, team.timezone) == ({}, "Europe/Madrid"), "nothing was saved"


def test_a_schedule_stored_malformed_counts_as_always_open_rather_than_stopping_the_handoff():
    now = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)
    for weekly in ({"mon": "all day"}, {"funday": []}, {"mon": [["09:00"]]}):
        assert hours.is_open(weekly, "Europe/Madrid", now) and hours.next_opening(weekly, "Europe/Madrid", now) == now
    assert not hours.is_open({"wed": [["09:00", "18:00"]]}, "Europe/Madrid", now)


def test_the_workspace_admin_refuses_greeting_translations_the_widget_cannot_use(workspace, admin_client):
    form = {"name": workspace.name, "slug": workspace.slug, "greeting": "Hi!", "assistant_name": "Bot"}
    for value, message in [('["es"]', "Write an object"), ('{"it": "Ciao"}', "Unknown language"),
                           ('{"es": 5}', "must be text")]:
        page = admin_client.post(f"/admin/workspaces/workspace/{workspace.pk}/change/",
                                 {**form, "greeting_translations": value})
        assert page.status_code == 200 and message in page.content.decode(), value
    page = admin_client.post(f"/admin/workspaces/workspace/{workspace.pk}/change/",
                             {**form, "greeting_translations": '{"es": "  ¡Hola!  ", "fr": ""}'})
    assert page.status_code == 302, _errors(page)
    workspace.refresh_from_db()
    assert workspace.greeting_translations == {"es": "¡Hola!"}
    # a value stored before the check (a list, a number) falls back to the greeting instead of a 500
    for stored in (["es"], {"es": 5}):
        Workspace.objects.filter(pk=workspace.pk).update(greeting_translations=stored)
        workspace.refresh_from_db()
        assert workspace.greeting_in("es-ES") == "Hi!"


def test_the_canned_response_admin_applies_the_apis_rules(workspace, admin_client):
    form = {"workspace": workspace.pk, "title": "Kayak", "body": "Hi {{contact.name|there}}!"}
    for shortcut, body, message in [("bad shortcut!", form["body"], "letters, digits"),
                                    ("phone", "We'll call you at {{contact.phone}}.", "Unknown placeholder")]:
        page = admin_client.post("/admin/conversations/cannedresponse/add/", {**form, "shortcut": shortcut, "body": body})
        assert page.status_code == 200 and message in page.content.decode(), shortcut
    page = admin_client.post("/admin/conversations/cannedresponse/add/", {**form, "shortcut": "/kayak"})
    assert page.status_code == 302, _errors(page)
    assert CannedResponse.objects.get(workspace=workspace).shortcut == "kayak"  # the leading "/" dropped
    assert CannedResponse.objects.get(workspace=workspace).created_by is not None  # the admin who added it
    page = admin_client.post("/admin/conversations/cannedresponse/add/", {**form, "shortcut": "/KAYAK"})
    assert page.status_code == 200 and "already used in this workspace" in page.content.decode()
    assert CannedResponse.objects.filter(workspace=workspace).count() == 1


def test_a_violated_constraint_is_a_bug_reported_as_such_not_a_brief_outage(db):
    middleware = RequestLimitsMiddleware(lambda request: None)
    api = middleware.process_exception(RequestFactory().post("/api/v1/canned-responses/"), IntegrityError("dup"))
    assert api.status_code == 500  # was 503 "try again shortly": a retry never mends it
    assert middleware.process_exception(RequestFactory().post("/admin/x/"), IntegrityError("dup")) is None  # Django's 500


def test_links_in_answers_point_at_the_port_the_app_is_served_on(monkeypatch):
    monkeypatch.delenv("HELPDESK_PUBLIC_URL", raising=False)
    launcher = Launcher(host="127.0.0.1", port=8010, demo=False, stop_timeout=5, concurrency=1, setup=False,
                        processes=[], worker_nice=0)
    assert launcher.env["HELPDESK_PUBLIC_URL"] == "http://127.0.0.1:8010"
    monkeypatch.setenv("HELPDESK_PUBLIC_URL", "https://help.example.com")
    assert Launcher(host="0.0.0.0", port=80, demo=False, stop_timeout=5, concurrency=1, setup=False, processes=[],
                    worker_nice=0).env["HELPDESK_PUBLIC_URL"] == "https://help.example.com"
