from django.urls import path

from conversations.api import channel_views, views

urlpatterns = [
    path("auth/token/", views.AuthTokenApi.as_view()),
    path("widget/conversations/", views.WidgetConversationCreateApi.as_view()),
    path("widget/conversations/<str:conversation_id>/", views.WidgetConversationDetailApi.as_view()),
    path("widget/conversations/<str:conversation_id>/messages/", views.WidgetMessagesApi.as_view()),
    path("widget/conversations/<str:conversation_id>/answer-feedback/", views.WidgetAnswerFeedbackApi.as_view()),
    path("conversations/", views.ConversationListApi.as_view()),
    path("contacts/<str:contact_id>/", views.ContactDetailApi.as_view()),
    path("conversations/<str:conversation_id>/", views.ConversationDetailApi.as_view()),
    path("conversations/<str:conversation_id>/messages/", views.ConversationMessagesApi.as_view()),
    path("conversations/<str:conversation_id>/notes/", views.ConversationNotesApi.as_view()),
    path("conversations/<str:conversation_id>/tags/", views.ConversationTagsApi.as_view()),
    path("conversations/<str:conversation_id>/assign/", views.ConversationAssignApi.as_view()),
    path("conversations/<str:conversation_id>/unassign/", views.ConversationUnassignApi.as_view()),
    path("conversations/<str:conversation_id>/resolve/", views.ConversationResolveApi.as_view()),
    path("handoffs/<str:handoff_id>/acknowledge/", views.HandoffAcknowledgeApi.as_view()),
    path("handoffs/<str:handoff_id>/cancel/", views.HandoffCancelApi.as_view()),
    path("conversations/<str:conversation_id>/messages/<str:message_id>/retry/", channel_views.MessageRetryApi.as_view()),
    path("conversations/<str:conversation_id>/messages/<str:message_id>/attachments/<str:attachment_id>/",
         channel_views.AttachmentDownloadApi.as_view()),
    path("canned-responses/", views.CannedResponseListApi.as_view()),
    path("canned-responses/<str:canned_id>/", views.CannedResponseDetailApi.as_view()),
    path("agents/me/heartbeat/", views.AgentHeartbeatApi.as_view()),
]
