"""POST /api/v1/csat/{token}/ and GET /api/v1/analytics/summary/."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from csat.models import Survey
from tests.conftest import client_for


def answer(token: str, **body):
    return APIClient().post(f"/api/v1/csat/{token}/", body, format="json")


def test_the_widget_rates_then_comments(sent_survey):
    response = answer(sent_survey.token, rating="positive")
    assert response.status_code == 200
    assert response.json()["status"] == "answered" and response.json()["rating"] == "positive"

    response = answer(sent_survey.token, rating="positive", comment="Very helpful")
    assert response.status_code == 200 and response.json()["comment"] == "Very helpful"
    sent_survey.refresh_from_db()
    assert (sent_survey.rating, sent_survey.comment) == ("positive", "Very helpful")


def test_a_second_answer_is_409_with_the_recorded_rating(sent_survey):
    assert answer(sent_survey.token, rating="neutral").status_code == 200
    response = answer(sent_survey.token, rating="negative")
    assert response.status_code == 409
    body = response.json()
    assert body["error"]["code"] == "already_answered" and body["rating"] == "neutral"
    assert Survey.objects.get(pk=sent_survey.pk).rating == "neutral"


def test_the_survey_endpoint_accepts_other_sites(sent_survey):
    response = APIClient().options(f"/api/v1/csat/{sent_survey.token}/", HTTP_ORIGIN="https://shop.example.com",
                                   HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("token, body, status, code", [
    ("ok", {"rating": "awesome"}, 400, "invalid"),
    ("ok", {}, 400, "invalid"),
    ("bad", {"rating": "positive"}, 404, "not_found"),
])
def test_bad_answers(sent_survey, token, body, status, code):
    response = answer(sent_survey.token if token == "ok" else "nope:nope", **body)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert Survey.objects.get(pk=sent_survey.pk).status == "sent"


def test_a_session_cookie_does_not_make_the_answer_need_csrf(sent_survey, admin_agent, client):
    client.force_login(admin_agent)
    response = client.post(f"/api/v1/csat/{sent_survey.token}/", {"rating": "positive"},
                           content_type="application/json")
    assert response.status_code == 200


# --- analytics summary ------------------------------------------------------------------------------
def test_summary_has_the_api_md_figures(analytics_data, admin_agent):
    response = client_for(admin_agent).get("/api/v1/analytics/summary/?from=2026-03-01&to=2026-03-07")
    assert response.status_code == 200
    assert response.json() == {
        "conversations": 9, "ai_resolved": 2, "ai_resolved_confirmed": 1, "ai_resolved_idle": 0, "handed_off": 5,
        "handoff_rate": 0.5556,
        "csat": {"positive": 3, "neutral": 1, "negative": 1, "score": 0.6}, "median_first_human_reply_s": 90.0}

    response = client_for(admin_agent).get(
        f"/api/v1/analytics/summary/?from=2026-03-01&to=2026-03-07&team={analytics_data.billing.pk}")
    assert response.json()["conversations"] == 3


def test_summary_defaults_to_the_last_30_days(analytics_data, admin_agent):
    response = client_for(admin_agent).get("/api/v1/analytics/summary/")
    assert response.status_code == 200 and response.json()["conversations"] == 0


@pytest.mark.parametrize("query, field", [
    ("from=2026-03-08&to=2026-03-01", "from"),
    ("from=yesterday", "from"),
    ("to=2026-02-30", "to"),
    ("team=999999", "team"),
    ("from=2020-01-01&to=2026-01-01", "from"),
])
def test_summary_refuses_bad_queries(admin_agent, query, field):
    response = client_for(admin_agent).get(f"/api/v1/analytics/summary/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and field in response.json()["error"]["fields"]


def test_summary_is_for_agents_of_the_workspace(agent, db):
    from tests import factories

    assert client_for(agent).get("/api/v1/analytics/summary/").status_code == 200
    assert client_for(factories.UserFactory()).get("/api/v1/analytics/summary/").status_code == 403
    assert APIClient().get("/api/v1/analytics/summary/").status_code == 401


def test_another_workspaces_team_is_unknown(admin_agent, db):
    from tests import factories

    team = factories.TeamFactory()
    response = client_for(admin_agent).get(f"/api/v1/analytics/summary/?team={team.pk}")
    assert response.status_code == 400
