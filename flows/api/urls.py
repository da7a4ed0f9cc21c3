from django.urls import path

from flows.api import views

urlpatterns = [
    path("flows/", views.FlowListApi.as_view(), name="flow-list"),
    path("flows/test-run/", views.FlowTestRunApi.as_view(), name="flow-test-run"),
    path("flows/<str:flow_id>/", views.FlowDetailApi.as_view(), name="flow-detail"),
    path("flows/<str:flow_id>/publish/", views.FlowPublishApi.as_view(), name="flow-publish"),
    path("flows/<str:flow_id>/unpublish/", views.FlowUnpublishApi.as_view(), name="flow-unpublish"),
    path("flows/<str:flow_id>/validate/", views.FlowValidateApi.as_view(), name="flow-validate"),
    path("conversations/<str:conversation_id>/flow-log/", views.ConversationFlowLogApi.as_view(),
         name="conversation-flow-log"),
]
