from django.contrib import admin, messages

from conversations import knowledge, services
from conversations.models import Contact, Conversation, Handoff, KnowledgeArticle, KnowledgeIndex, Message


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "phone", "workspace", "created_at")
    search_fields = ("name", "email", "phone")
    list_filter = ("workspace",)


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "sender_type", "sender_name", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("id", "contact", "channel", "status", "assignee", "team", "needs_agent", "priority", "last_activity_at")
    list_filter = ("status", "channel", "needs_agent", "priority", "workspace")
    search_fields = ("contact__name", "contact__email")
    raw_id_fields = ("contact", "assignee", "resolved_by")
    inlines = [MessageInline]
    readonly_fields = ("assistant_state",)


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ("id", "conversation", "trigger", "status", "target_kind", "assigned_to", "priority", "requested_at")
    list_filter = ("status", "trigger", "target_kind", "priority")
    raw_id_fields = ("conversation", "assigned_to", "acknowledged_by", "target_user")
    actions = ["cancel_handoffs"]

    @admin.action(description="Cancel the selected handoffs (return to the AI)")
    def cancel_handoffs(self, request, queryset):
        cancelled = 0
        for handoff in queryset.filter(status__in=Handoff.OPEN_STATUSES):
            services.handoff_cancel(handoff=handoff, reason="admin_cancelled", by=request.user)
            cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} handoff(s).", messages.SUCCESS)


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "workspace", "published", "updated_at")
    list_filter = ("workspace", "published")
    search_fields = ("title", "body")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        knowledge.knowledge_schedule_reindex(workspace=obj.workspace)

    def delete_model(self, request, obj):
        workspace = obj.workspace
        super().delete_model(request, obj)
        knowledge.knowledge_schedule_reindex(workspace=workspace)

    def delete_queryset(self, request, queryset):
        workspaces = {a.workspace for a in queryset}
        super().delete_queryset(request, queryset)
        for workspace in workspaces:
            knowledge.knowledge_schedule_reindex(workspace=workspace)


@admin.register(KnowledgeIndex)
class KnowledgeIndexAdmin(admin.ModelAdmin):
    list_display = ("workspace", "version", "article_count", "built_at")
    exclude = ("data",)
    readonly_fields = ("workspace", "version", "article_count", "built_at")
