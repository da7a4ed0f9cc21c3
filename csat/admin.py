from django.contrib import admin

from csat.models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("id", "conversation", "channel", "status", "rating", "due_at", "sent_at", "answered_at")
    list_filter = ("status", "rating", "channel", "workspace")
    search_fields = ("comment",)
    raw_id_fields = ("conversation", "agent", "team")
    date_hierarchy = "resolved_at"
    # The send function owns status and timing: an admin editing them could send twice or never.
    readonly_fields = ("workspace", "conversation", "resolved_at", "resolution", "channel", "agent", "team", "ai_only",
                       "status", "due_at", "sent_at", "rating", "comment", "answered_at", "cancelled_at",
                       "cancel_reason", "created_at")
    exclude = ("key",)  # with the secret key it forms the visitor's token

    def has_add_permission(self, request) -> bool:
        return False
