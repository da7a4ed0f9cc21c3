"""Pages: the one-click rating link from survey emails and texts, the analytics page and its CSV."""
from __future__ import annotations

import csv
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from conversations.assistant.phrases import phrase, rating_word
from conversations.assistant.text import LANGUAGES
from csat import selectors, services
from csat.models import Survey
from helpdesk.errors import DomainError
from routing.models import Team
from routing.selectors import agent_profile_for, team_list
from workspaces.models import primary_language

# --- one-click rating link --------------------------------------------------------------------
@csrf_exempt  # the signed token in the URL authorises this, not a session: there is nothing to forge
@require_http_methods(["GET", "POST"])
def survey_link(request, token: str, rating: str):
    """GET shows a one-tap confirmation and records nothing (mail scanners follow links); POST records the
    rating once (with an optional comment, or adds the comment later); a second answer shows the first."""
    if rating not in Survey.OPTIONS:
        return _link_page(request, "invalid", status=404)
    if request.method == "GET":
        return _confirmation(request, token, rating)
    comment = request.POST.get("comment", "") if request.method == "POST" else None
    try:
        survey = services.survey_answer(token=token, rating=rating, comment=comment)
    except services.SurveyAlreadyAnswered as exc:
        survey = selectors.survey_for_token(token=token)
        state = "comment_refused" if comment else "already"
        return _link_page(request, state, survey=survey, rating=exc.rating)
    except DomainError as exc:
        if exc.code == "survey_closed":
            return _link_page(request, "closed", status=410)
        if exc.code == "invalid":
            survey = selectors.survey_for_token(token=token)
            return _link_page(request, "thanks", survey=survey, rating=rating, token=token, error=exc.message,
                              status=400)
        return _link_page(request, "invalid", status=404)
    state = "commented" if comment else "thanks"
    return _link_page(request, state, survey=survey, rating=survey.rating, token=token)


def _confirmation(request, token: str, rating: str) -> HttpResponse:
    survey = selectors.survey_for_token(token=token)
    if survey is None:
        return _link_page(request, "invalid", status=404)
    if survey.status == Survey.Status.ANSWERED:
        return _link_page(request, "already", survey=survey, rating=survey.rating)
    if survey.status != Survey.Status.SENT:
        return _link_page(request, "closed", status=410)
    return _link_page(request, "confirm", survey=survey, rating=rating, token=token)


PAGE_WORDS = ("invalid_title", "invalid_text", "closed_title", "closed_text", "already", "recorded", "comment_refused",
              "confirm", "add", "send_rating", "not_right", "or", "commented", "thanks", "send_comment")


def _link_page(request, state: str, *, survey: Survey | None = None, rating: str = "", token: str = "",
               error: str = "", status: int = 200) -> HttpResponse:
    """The page in the conversation's language (the browser's when the link names no survey)."""
    language = (survey.conversation.language if survey else "") or \
        primary_language(request.headers.get("Accept-Language", "").split(",")[0].split(";")[0]) or "en"
    label = rating_word(rating, language) if rating in Survey.OPTIONS else ""
    context = {
        "state": state,
        "language": language if language in LANGUAGES else "en",
        "words": {key: phrase(f"csat_page_{key}", language, label=label) for key in PAGE_WORDS},
        "workspace": survey.workspace if survey else None,
        "rating": rating,
        "emoji": Survey.EMOJI.get(rating, ""),
        "label": label,
        "comment": survey.comment if survey else "",
        "can_comment": bool(survey and token and not survey.comment and state in ("thanks", "confirm")),
        "others": [{"rating": r, "emoji": Survey.EMOJI[r]} for r in Survey.OPTIONS if r != rating],
        "error": error,
        "comment_max": services.COMMENT_MAX_CHARS,
    }
    response = render(request, "csat/link.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # the token is in the URL: never leak it to another site
    return response


# --- analytics ----------------------------------------------------------------------------------
def staff_agent_required(view):
    """Staff agents only; the view receives their workspace."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        profile = agent_profile_for(request.user)
        if profile is None or not request.user.is_staff:
            raise PermissionDenied("Analytics are for workspace admins.")
        return view(request, profile.workspace, *args, **kwargs)

    return wrapped


class AnalyticsFilter(forms.Form):
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")

    def __init__(self, data, *, workspace) -> None:
        # The page's query string says from= / to=, as the API does.
        data = {"start": data.get("from", ""), "end": data.get("to", ""), "team": data.get("team", "")}
        super().__init__(data)
        self.fields["team"].queryset = team_list(workspace=workspace)

    def clean(self):
        data = super().clean()
        if "start" in self.errors or "end" in self.errors:
            return data
        period = selectors.Period.from_query(data.get("start"), data.get("end"))
        if period.start > period.end:
            raise forms.ValidationError("“From” must be on or before “To”.")
        if (period.end - period.start).days > selectors.MAX_PERIOD_DAYS:
            raise forms.ValidationError(f"Choose a period of at most {selectors.MAX_PERIOD_DAYS} days.")
        data["period"] = period
        return data


def _filtered(request, workspace) -> tuple[AnalyticsFilter, selectors.Period, Team | None]:
    form = AnalyticsFilter(request.GET, workspace=workspace)
    if form.is_valid():
        return form, form.cleaned_data["period"], form.cleaned_data.get("team")
    return form, selectors.Period.last_days(30), None


@staff_agent_required
def analytics_page(request, workspace):
    form, period, team = _filtered(request, workspace)
    report = selectors.analytics_report(workspace=workspace, period=period, team=team)
    query = f"from={period.start.isoformat()}&to={period.end.isoformat()}" + (f"&team={team.pk}" if team else "")
    reply = report["first_human_reply"]
    return render(request, "csat/analytics.html", {
        "form": form, "report": report, "period": period, "team": team, "workspace": workspace,
        "teams": team_list(workspace=workspace), "csv_query": query, "time_zone": settings.TIME_ZONE,
        "open_total": sum(r["pending"] + r["acknowledged"] for r in report["open_handoffs"]),
        "durations": {"median": _duration(reply["median_s"]), "p90": _duration(reply["p90_s"])},
        "csat_rows": [(group, label, report["csat"][group])
                      for group, label in (("overall", "Overall"), ("ai_only", "AI only"), ("human", "Human-handled"))],
    }, status=200 if form.is_valid() else 400)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@staff_agent_required
def analytics_csv(request, workspace):
    form, period, team = _filtered(request, workspace)
    if not form.is_valid():
        return HttpResponse("; ".join(str(e) for errors in form.errors.values() for e in errors) + "\n",
                            status=400, content_type="text/plain; charset=utf-8")
    report = selectors.analytics_report(workspace=workspace, period=period, team=team)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"analytics-{period.start.isoformat()}-{period.end.isoformat()}{f'-team{team.pk}' if team else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["section", "item", "measure", "value"])
    for section, item, measure, value in selectors.report_rows(report):
        writer.writerow([section, _safe_cell(item), measure, "" if value is None else value])
    return response


def _safe_cell(value) -> str:
    """Agent and team names are user input: keep spreadsheets from reading them as formulas."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
