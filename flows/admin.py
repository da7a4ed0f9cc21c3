"""Flows in Django admin: mostly read-only views of flows, versions, runs and their logs.

Flows are built in the builder (/flows/); admin shows what exists and lets an admin switch
a flow on or off, change its priority, or stop a run that is stuck.
"""
from django.contrib import admin, messages

from flows import services
from flows.models import Flow, FlowRun, FlowStepLog, FlowVersion


class FlowVersionInline(admin.TabularInline):
    model = FlowVersion
    fields = ("number", "published_at", "published_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "enabled", "priority", "published_version", "updated_at")
    list_filter = ("enabled", "workspace")
    list_editable = ("enabled", "priority")
    search_fields = ("name",)
    fields = ("workspace", "name", "enabled", "priority", "trigger", "graph", "published_version")
    readonly_fields = ("workspace", "trigger", "graph", "published_version")
    inlines = [FlowVersionInline]

    def has_add_permission(self, request):
        return False  # the builder creates flows, so that they are validated

    # as the builder deletes: running conversations end their run, past ones keep their flow steps
    def delete_model(self, request, obj):
        services.flow_delete(flow=obj)

    def delete_queryset(self, request, queryset):
        for flow in queryset:
            services.flow_delete(flow=flow)


@admin.register(FlowVersion)
class FlowVersionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "published_at", "published_by")
    readonly_fields = ("flow", "number", "trigger", "graph", "published_at", "published_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FlowStepLogInline(admin.TabularInline):
    model = FlowStepLog
    fields = ("created_at", "step", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FlowRun)
class FlowRunAdmin(admin.ModelAdmin):
    list_display = ("id", "flow", "conversation", "active", "steps", "end_reason", "started_at", "updated_at")
    list_filter = ("active", "end_reason", "flow")
    raw_id_fields = ("conversation",)
    readonly_fields = ("conversation", "flow", "version", "active", "state", "steps", "end_reason",
                       "last_message_id", "pending_effect", "started_at", "updated_at", "finished_at")
    inlines = [FlowStepLogInline]
    actions = ["stop_runs"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Stop the selected runs (the assistant takes the next message)")
    def stop_runs(self, request, queryset):
        stopped = 0
        for run in queryset.filter(active=True).select_related("conversation"):
            stopped += services.flow_end_runs(conversation=run.conversation, reason="stopped_by_admin")
        messages.success(request, f"Stopped {stopped} run(s).")
