from django.urls import path

from csat import views

urlpatterns = [
    path("csat/<str:token>/<str:rating>/", views.survey_link, name="csat-link"),
    path("analytics/", views.analytics_page, name="analytics"),
    path("analytics/export.csv", views.analytics_csv, name="analytics-csv"),
]
