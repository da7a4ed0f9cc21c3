from django.urls import path

from csat.api import views

urlpatterns = [
    path("csat/<str:token>/", views.SurveyAnswerApi.as_view(), name="csat-answer"),
    path("analytics/summary/", views.AnalyticsSummaryApi.as_view(), name="analytics-summary"),
]
