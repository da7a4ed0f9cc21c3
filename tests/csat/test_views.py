"""The one-click email link page, the analytics page and its CSV export."""
from __future__ import annotations

import csv
import io

import pytest

from csat import services as csat_services
from csat.models import Survey
from tests import factories
from tests.csat.conftest import resolve, send_now, survey_of


@pytest.fixture
def emailed_survey(email_conversation) -> Survey:
    resolve(email_conversation)
    survey = survey_of(email_conversation)
    assert send_now(survey) == "sent"
    return survey


def link_path(survey: Survey, rating: str) -> str:
    url = csat_services.survey_links(survey)[rating]
    return url[url.index("/csat/"):]


# --- email one-click -----------------------------------------------------------------------------
def test_the_link_shows_a_confirmation_and_records_nothing_until_posted(emailed_survey, client):
    path = link_path(emailed_survey, "positive")
    for _ in range(2):  # a mail scanner following the link, twice
        page = client.get(path)
        assert page.status_code == 200 and 'data-state="confirm"' in page.content.decode()
        assert "Rate this conversation: Positive?" in page.content.decode()
    emailed_survey.refresh_from_db()
    assert (emailed_survey.status, emailed_survey.rating) == ("sent", "")

    response = client.post(path)
    assert response.status_code == 200
    assert "Thanks for your feedback: Positive" in response.content.decode()
    emailed_survey.refresh_from_db()
    assert (emailed_survey.status, emailed_survey.rating) == ("answered", "positive")

    again = client.get(link_path(emailed_survey, "negative"))  # a second (different) link
    assert again.status_code == 200, "not an error page"
    page = again.content.decode()
    assert 'data-state="already"' in page and "You already rated this conversation: Positive" in page
    refused = client.post(link_path(emailed_survey, "negative"))
    assert 'data-state="already"' in refused.content.decode()
    emailed_survey.refresh_from_db()
    assert emailed_survey.rating == "positive"


def test_the_rating_and_its_comment_in_one_post(emailed_survey, client):
    path = link_path(emailed_survey, "neutral")
    assert 'name="comment"' in client.get(path).content.decode()
    response = client.post(path, {"comment": "Took a while."})
    assert response.status_code == 200 and "Thanks for your comment!" in response.content.decode()
    emailed_survey.refresh_from_db()
    assert (emailed_survey.rating, emailed_survey.comment) == ("neutral", "Took a while.")


def test_a_comment_after_the_rating(emailed_survey, client):
    path = link_path(emailed_survey, "neutral")
    page = client.post(path).content.decode()
    assert 'name="comment"' in page

    response = client.post(path, {"comment": "Took a while."})
    assert response.status_code == 200 and "Thanks for your comment!" in response.content.decode()
    emailed_survey.refresh_from_db()
    assert (emailed_survey.rating, emailed_survey.comment) == ("neutral", "Took a while.")

    refused = client.post(path, {"comment": "And another thing"})
    assert refused.status_code == 200 and 'data-state="comment_refused"' in refused.content.decode()
    emailed_survey.refresh_from_db()
    assert emailed_survey.comment == "Took a while."


def test_a_forged_or_unknown_link_is_a_friendly_404(emailed_survey, client):
    forged = f"/csat/{emailed_survey.key}:AAAAAAAAAAAAAAAAAAAAAAAAAAA/positive/"
    bad_rating = link_path(emailed_survey, "positive").replace("positive", "great")
    for path in (forged, "/csat/whatever/positive/", bad_rating):
        response = client.get(path)
        assert response.status_code == 404 and 'data-state="invalid"' in response.content.decode()
    emailed_survey.refresh_from_db()
    assert emailed_survey.status == "sent"


def test_the_link_page_keeps_the_token_out_of_referrers_and_caches(emailed_survey, client):
    response = client.get(link_path(emailed_survey, "positive"))
    assert response["Referrer-Policy"] == "same-origin" and response["Cache-Control"] == "no-store"


def test_the_comment_form_needs_no_session_or_csrf_cookie(emailed_survey):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    path = link_path(emailed_survey, "positive")
    browser.get(path)
    response = browser.post(path, {"comment": "Lovely"}, HTTP_ORIGIN="null")  # what a no-referrer page sends
    assert response.status_code == 200
    emailed_survey.refresh_from_db()
    assert emailed_survey.comment == "Lovely"


# --- analytics page and CSV -------------------------------------------------------------------------
def test_the_analytics_page_shows_figures_and_charts(analytics_data, admin_agent, client):
    client.force_login(admin_agent)
    response = client.get("/analytics/?from=2026-03-01&to=2026-03-07")
    assert response.status_code == 200
    page = response.content.decode()
    for chart in ("chart-daily", "chart-triggers", "chart-csat", "chart-agents", "chart-teams", "chart-open"):
        assert f'id="{chart}"' in page
    assert "vendor/chart.js/chart.umd.js" in page and 'id="analytics-data"' in page
    assert response.context["report"]["counts"]["conversations"] == 9
    assert response.context["durations"] == {"median": "1 min 30 s", "p90": "7 min 36 s"}
    assert "60 %" in page  # the CSAT score
    assert "👍 ratings divided by all ratings" in page


def test_the_analytics_team_filter_and_bad_input(analytics_data, admin_agent, client):
    client.force_login(admin_agent)
    response = client.get(f"/analytics/?from=2026-03-01&to=2026-03-07&team={analytics_data.tech.pk}")
    assert response.context["report"]["counts"]["conversations"] == 2
    bad = client.get("/analytics/?from=2026-03-09&to=2026-03-01")
    assert bad.status_code == 400 and "must be on or before" in bad.content.decode()


def test_the_csv_export_has_the_same_figures(analytics_data, admin_agent, client):
    client.force_login(admin_agent)
    response = client.get("/analytics/export.csv?from=2026-03-01&to=2026-03-07")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="analytics-2026-03-01-2026-03-07.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "item", "measure", "value"]
    assert ["conversations", "", "conversations", "9"] in rows
    assert ["conversations", "", "ai_resolved", "2"] in rows
    assert ["csat", "overall", "score", "0.6"] in rows
    assert ["handoffs_by_trigger", "restricted_topic", "rate", "0.1111"] in rows
    assert ["first_human_reply", "", "median_s", "90.0"] in rows
    assert ["csat_by_team", "Tech", "score", "0.5"] in rows


def test_csv_cells_cannot_become_formulas(analytics_data, admin_agent, client):
    analytics_data.tech.name = "=HYPERLINK(\"x\")"
    analytics_data.tech.save()
    client.force_login(admin_agent)
    body = client.get("/analytics/export.csv?from=2026-03-01&to=2026-03-07").content.decode()
    assert "'=HYPERLINK" in body


def test_analytics_is_for_staff_agents(agent, client, db):
    assert client.get("/analytics/").status_code == 302  # to the login page
    client.force_login(agent)
    page = client.get("/analytics/")
    assert page.status_code == 403
    # a page that says why and leads back, not a bare "403 Forbidden"
    assert "Analytics are for workspace admins." in page.content.decode() and 'href="/inbox/"' in page.content.decode()
    assert client.get("/analytics/export.csv").status_code == 403
    staff_without_workspace = factories.UserFactory(username="root", is_staff=True)
    client.force_login(staff_without_workspace)
    assert client.get("/analytics/").status_code == 403
