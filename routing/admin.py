from django.contrib import admin

from routing.models import AgentProfile, GatherField, HandoffPolicy, RestrictedTopic, Specialty, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "timezone", "reply_time_minutes")
    list_filter = ("workspace",)


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace")


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "workspace", "available", "capacity", "last_assigned_at")
    list_filter = ("workspace", "available", "teams", "specialties")
    filter_horizontal = ("teams", "specialties")
    raw_id_fields = ("user",)


class RestrictedTopicInline(admin.StackedInline):
    model = RestrictedTopic
    extra = 0
    fields = ("name", "keywords", "examples", "target_kind", "target_user", "target_team", "target_specialty", "position")


class GatherFieldInline(admin.TabularInline):
    model = GatherField
    extra = 0
    fields = ("name", "kind", "regex", "required", "question", "position")


@admin.register(HandoffPolicy)
class HandoffPolicyAdmin(admin.ModelAdmin):
    list_display = ("workspace", "handoff_enabled", "level", "target_kind", "auto_priority", "csat_enabled")
    inlines = [RestrictedTopicInline, GatherFieldInline]
    fieldsets = (
        (None, {"fields": ("workspace", "handoff_enabled", "level", "when_to_use")}),
        ("Default target", {"fields": ("target_kind", "target_user", "target_team", "target_specialty")}),
        ("Priority and phone", {"fields": ("auto_priority", "fallback_phone")}),
        ("Assistant", {"fields": ("kb_threshold",)}),
        ("Timing", {"fields": ("expiry_minutes", "reminder_minutes")}),
        ("Satisfaction survey", {"fields": ("csat_enabled", "csat_delay_seconds")}),
    )
