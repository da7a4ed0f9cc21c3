from django import forms
from django.contrib import admin

from routing.models import AgentProfile, GatherField, HandoffPolicy, RestrictedTopic, Specialty, Team
from routing.validation import gather_problem, target_problem


class TargetForm(forms.ModelForm):
    """Refuses a target that cannot work (an agent of another workspace, a specialty nobody has)."""

    def workspace_id(self) -> int | None:
        return self.cleaned_data.get("workspace").pk if self.cleaned_data.get("workspace") else None

    def clean(self):
        cleaned = super().clean()
        problem = target_problem(kind=cleaned.get("target_kind", ""), user=cleaned.get("target_user"),
                                 team=cleaned.get("target_team"), specialty=cleaned.get("target_specialty"),
                                 workspace_id=self.workspace_id())
        if problem:
            self.add_error(*problem)
        return cleaned


class PolicyForm(TargetForm):
    class Meta:
        model = HandoffPolicy
        fields = "__all__"


class RestrictedTopicForm(TargetForm):
    class Meta:
        model = RestrictedTopic
        fields = "__all__"

    def workspace_id(self) -> int | None:
        return self.instance.policy.workspace_id if self.instance.policy_id else getattr(self, "parent_workspace_id", None)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("keywords") and not cleaned.get("examples") and not cleaned.get("DELETE"):
            self.add_error("keywords", "Give keywords or example phrases, or the topic never matches.")
        return cleaned


class GatherFieldForm(forms.ModelForm):
    class Meta:
        model = GatherField
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        problem = gather_problem(kind=cleaned.get("kind", ""), regex=cleaned.get("regex", ""),
                                 required=cleaned.get("required", False), question=cleaned.get("question", ""))
        if problem:
            self.add_error(*problem)
        return cleaned


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
    form = RestrictedTopicForm

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        workspace_id = obj.workspace_id if obj else None
        formset.form = type("BoundRestrictedTopicForm", (RestrictedTopicForm,), {"parent_workspace_id": workspace_id})
        return formset
    extra = 0
    fields = ("name", "keywords", "examples", "target_kind", "target_user", "target_team", "target_specialty", "position")


class GatherFieldInline(admin.TabularInline):
    model = GatherField
    form = GatherFieldForm
    extra = 0
    fields = ("name", "kind", "regex", "required", "question", "position")


@admin.register(HandoffPolicy)
class HandoffPolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ("workspace", "handoff_enabled", "level", "target_kind", "auto_priority", "csat_enabled")
    inlines = [RestrictedTopicInline, GatherFieldInline]
    fieldsets = (
        (None, {"fields": ("workspace", "handoff_enabled", "level", "when_to_use")}),
        ("Default target", {"fields": ("target_kind", "target_user", "target_team", "target_specialty")}),
        ("Priority and phone", {"fields": ("auto_priority", "fallback_phone")}),
        ("Assistant", {"fields": ("kb_threshold",)}),
        ("Timing", {"fields": ("expiry_minutes", "reminder_minutes", "reassign_after_minutes",
                               "ai_idle_resolve_seconds")}),
        ("Satisfaction survey", {"fields": ("csat_enabled", "csat_delay_seconds")}),
    )
