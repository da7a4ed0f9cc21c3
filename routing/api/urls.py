from django.urls import path

from routing.api import views

urlpatterns = [
    path("agents/me/", views.AgentMeApi.as_view()),
    path("agents/", views.AgentListApi.as_view()),
    path("teams/", views.TeamListApi.as_view()),
]
