"""CSAT answers (the survey token is the credential) and the analytics summary for workspace admins."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from csat import selectors, services
from csat.models import Survey
from helpdesk.api import AGENT_ERRORS, ErrorDetailSerializer, IsAgent, error_response, error_responses
from routing.selectors import team_list


class SurveyAlreadyAnsweredOutput(serializers.Serializer):
    """409 `already_answered`: the error body plus the rating recorded first."""

    error = ErrorDetailSerializer()
    rating = serializers.ChoiceField(choices=Survey.OPTIONS)


class SurveyAnswerApi(APIView):
    """POST /api/v1/csat/{survey_token}/ — the widget's 👍 / 😐 / 👎 (and, once, a comment after it)."""

    authentication_classes: list = []  # the signed survey token is the credential; no cookies, no CSRF
    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="CsatAnswerInput")
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SurveyAnswerInput"

        rating = serializers.ChoiceField(choices=Survey.OPTIONS)
        comment = serializers.CharField(required=False, allow_blank=True, max_length=services.COMMENT_MAX_CHARS,
                                        help_text="Optional free text; may also be sent once after the rating.")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SurveyAnswer"

        status = serializers.CharField()
        rating = serializers.ChoiceField(choices=Survey.OPTIONS)
        comment = serializers.CharField()
        answered_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, auth=[], responses={
        200: OutputSerializer, **error_responses(400, 404, 410, 415),
        409: OpenApiResponse(SurveyAlreadyAnsweredOutput, description="Already answered; `rating` is the first one.")},
                   description="200 with the recorded answer. A second answer is 409 `already_answered`, with the "
                               "recorded rating as top-level `rating`; the same rating with a first `comment` adds "
                               "the comment (200). 404 for an unknown token, 410 for a survey no longer open.")
    def post(self, request, token: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            survey = services.survey_answer(token=token, rating=data.validated_data["rating"],
                                            comment=data.validated_data.get("comment"))
        except services.SurveyAlreadyAnswered as exc:
            response = error_response(exc.code, exc.message, exc.status)
            response.data["rating"] = exc.rating
            return response
        return Response(self.OutputSerializer(survey).data)


class CsatFiguresOutput(serializers.Serializer):
    positive = serializers.IntegerField()
    neutral = serializers.IntegerField()
    negative = serializers.IntegerField()
    score = serializers.FloatField(
        allow_null=True, help_text="positive / (positive + neutral + negative), from 0 to 1; null with no answers.")


class AnalyticsSummaryApi(APIView):
    """GET /api/v1/analytics/summary/?from=&to=&team= — the headline figures of the analytics page."""

    permission_classes = [IsAgent]

    InputSerializer = type("AnalyticsSummaryInput", (serializers.Serializer,), {
        "from": serializers.DateField(required=False, help_text="First day (ISO date), included. Default: 29 days "
                                                                "before `to`."),
        "to": serializers.DateField(required=False, help_text="Last day (ISO date), included. Default: today."),
        "team": serializers.IntegerField(required=False, min_value=1, help_text="Only this team's conversations."),
    })

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AnalyticsSummary"

        conversations = serializers.IntegerField(help_text="Conversations created in the period.")
        ai_resolved = serializers.IntegerField(help_text="Resolved (not spam/duplicate) without any human message.")
        ai_resolved_confirmed = serializers.IntegerField(
            help_text="Of those, resolved by the AI after the visitor confirmed its answer helped.")
        ai_resolved_idle = serializers.IntegerField(
            help_text="Of those, resolved by the AI after the visitor went quiet (policy.ai_idle_resolve_seconds).")
        handed_off = serializers.IntegerField(help_text="Conversations with at least one handoff.")
        handoff_rate = serializers.FloatField(allow_null=True, help_text="handed_off / conversations, 0..1.")
        csat = CsatFiguresOutput(help_text="Answered surveys of resolutions in the period.")
        median_first_human_reply_s = serializers.FloatField(
            allow_null=True,
            help_text="Median seconds from a handoff request (in the period) to the first human reply.")

    @extend_schema(
        parameters=[OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE),
                    OpenApiParameter("team", OpenApiTypes.INT)],
        responses={200: OutputSerializer, **error_responses(400, *AGENT_ERRORS)})
    def get(self, request) -> Response:
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        workspace = request.user.agent.workspace
        period = selectors.Period.from_query(query.validated_data.get("from"), query.validated_data.get("to"))
        if period.start > period.end:
            return error_response("invalid", "from: must be on or before `to`.", 400,
                                  {"from": ["Must be on or before `to`."]})
        limit = selectors.MAX_PERIOD_DAYS
        if (period.end - period.start).days > limit:
            return error_response("invalid", f"from: the period may span at most {limit} days.", 400,
                                  {"from": [f"At most {limit} days before `to`."]})
        team = None
        if "team" in query.validated_data:
            team = team_list(workspace=workspace).filter(pk=query.validated_data["team"]).first()
            if team is None:
                return error_response("invalid", "team: no such team in this workspace.", 400,
                                      {"team": ["Unknown team."]})
        summary = selectors.analytics_summary(workspace=workspace, period=period, team=team)
        return Response(self.OutputSerializer(summary).data)
