"""Agents and teams: who is there and whether they take conversations."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api import IsAgent
from routing import selectors, services
from routing.models import AgentProfile


def agent_payload(profile: AgentProfile) -> dict:
    return {
        "id": str(profile.user_id),
        "username": profile.user.get_username(),
        "name": profile.display_name,
        "email": profile.user.email,
        "available": profile.available,
        "capacity": profile.capacity,
        "is_admin": profile.user.is_staff,
        "teams": [{"id": str(t.pk), "name": t.name} for t in profile.teams.all()],
        "specialties": [{"id": str(s.pk), "name": s.name} for s in profile.specialties.all()],
    }


class AgentMeApi(APIView):
    permission_classes = [IsAgent]

    @extend_schema_serializer(component_name="AgentAvailabilityInput")
    class InputSerializer(serializers.Serializer):
        available = serializers.BooleanField()

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(agent_payload(selectors.agent_profile_for(request.user)))

    @extend_schema(request=InputSerializer, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.agent_set_availability(user=request.user, available=data.validated_data["available"])
        return Response(agent_payload(selectors.agent_profile_for(profile.user)))


class AgentListApi(APIView):
    permission_classes = [IsAgent]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        workspace = request.user.agent.workspace
        return Response([agent_payload(p) for p in selectors.agent_list(workspace=workspace)])


class TeamListApi(APIView):
    permission_classes = [IsAgent]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        teams = selectors.team_list(workspace=request.user.agent.workspace)
        return Response([{"id": str(t.pk), "name": t.name, "reply_time_minutes": t.reply_time_minutes,
                          "open_now": selectors.team_is_open(t)} for t in teams])
