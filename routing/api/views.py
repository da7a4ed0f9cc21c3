"""Agents and teams: who is there and whether they take conversations."""
from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api import AGENT_ERRORS, IsAgent, error_responses
from routing import presence, selectors, services
from routing.models import AgentProfile


def agent_payload(profile: AgentProfile) -> dict:
    return {
        "id": str(profile.user_id),
        "username": profile.user.get_username(),
        "name": profile.display_name,
        "email": profile.user.email,
        "available": profile.available,
        # an inbox socket connected now or within the grace period; routing needs both flags
        "online": presence.is_online(profile.last_seen_at, timezone.now()),
        "capacity": profile.capacity,
        "is_admin": profile.user.is_staff,
        "teams": [{"id": str(t.pk), "name": t.name} for t in profile.teams.all()],
        "specialties": [{"id": str(s.pk), "name": s.name} for s in profile.specialties.all()],
    }


class RefOutput(serializers.Serializer):
    class Meta:
        ref_name = "AgentGroupRef"

    id = serializers.CharField()
    name = serializers.CharField()


class AgentOutput(serializers.Serializer):
    """The schema of `agent_payload`."""

    id = serializers.CharField(help_text="The user id.")
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    available = serializers.BooleanField(help_text="The routing switch.")
    online = serializers.BooleanField(help_text="An inbox socket (or the polling heartbeat) was seen within 30 s.")
    capacity = serializers.IntegerField()
    is_admin = serializers.BooleanField()
    teams = RefOutput(many=True)
    specialties = RefOutput(many=True)


class TeamOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    reply_time_minutes = serializers.IntegerField()
    open_now = serializers.BooleanField(help_text="Within the team's office hours now.")


class AvailabilityInput(serializers.Serializer):
    available = serializers.BooleanField()


class AgentMeApi(APIView):
    permission_classes = [IsAgent]

    InputSerializer = AvailabilityInput

    @extend_schema(responses={200: AgentOutput, **error_responses(*AGENT_ERRORS)})
    def get(self, request):
        return Response(agent_payload(selectors.agent_profile_for(request.user)))

    @extend_schema(request=AvailabilityInput, responses={200: AgentOutput, **error_responses(400, *AGENT_ERRORS, 415)})
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.agent_set_availability(user=request.user, available=data.validated_data["available"])
        return Response(agent_payload(selectors.agent_profile_for(profile.user)))


class AgentListApi(APIView):
    permission_classes = [IsAgent]

    @extend_schema(responses={200: AgentOutput(many=True), **error_responses(*AGENT_ERRORS)})
    def get(self, request):
        workspace = request.user.agent.workspace
        return Response([agent_payload(p) for p in selectors.agent_list(workspace=workspace)])


class TeamListApi(APIView):
    permission_classes = [IsAgent]

    @extend_schema(responses={200: TeamOutput(many=True), **error_responses(*AGENT_ERRORS)})
    def get(self, request):
        teams = selectors.team_list(workspace=request.user.agent.workspace)
        return Response([{"id": str(t.pk), "name": t.name, "reply_time_minutes": t.reply_time_minutes,
                          "open_now": selectors.team_is_open(t)} for t in teams])
