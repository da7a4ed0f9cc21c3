from django import forms
from django.contrib import admin
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.models import Token, TokenProxy

from helpdesk.admin_fields import ListTextField
from routing import dependents, hours
from routing.models import AgentProfile, GatherField, HandoffPolicy, RestrictedTopic, Specialty, TargetKind, Team
from routing.validation import WHEN_TO_USE_MAX_LENGTH, gather_problem, not_covered_questions, target_problem

TARGET_FIELDS = {kind: field for field, kind in dependents.KIND_OF_FIELD.items()}


class TargetForm(forms.ModelForm):
    """One target picker: the agents, teams and specialties of the workspace, grouped by kind, so the
    choice names its kind too. Refuses a target that cannot work (an agent of another workspace, a
    specialty nobody has)."""

    target = forms.ChoiceField(required=False, label="Hand off to",
                               help_text="An agent, a team (any member may claim) or round-robin within a specialty.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = self.target_choices()
        obj = self.instance.target_object if self.instance.target_kind else None
        if obj is not None:
            self.initial["target"] = f"{self.instance.target_kind}:{obj.pk}"

    def workspace_id(self) -> int | None:
        workspace = self.cleaned_data.get("workspace") if hasattr(self, "cleaned_data") else None
        return workspace.pk if workspace else getattr(self.instance, "workspace_id", None)

    def default_label(self) -> str:
        return "Any available agent (no target)"

    def target_choices(self) -> list:
        workspace_id = self.workspace_id()
        agents = AgentProfile.objects.select_related("user").filter(user__is_active=True)
        teams, specialties = Team.objects.all(), Specialty.objects.all()
        if workspace_id is not None:
            agents, teams = agents.filter(workspace_id=workspace_id), teams.filter(workspace_id=workspace_id)
            specialties = specialties.filter(workspace_id=workspace_id)
        return [("", self.default_label()),
                ("Agents", [(f"user:{a.user_id}", a.display_name) for a in agents.order_by("user__username")]),
                ("Teams", [(f"team:{t.pk}", t.name) for t in teams.order_by("name")]),
                ("Specialties (round-robin)", [(f"specialty:{s.pk}", s.name) for s in specialties.order_by("name")])]

    def clean(self):
        cleaned = super().clean()
        kind, _, pk = (cleaned.get("target") or "").partition(":")
        models = {TargetKind.USER: get_user_model(), TargetKind.TEAM: Team, TargetKind.SPECIALTY: Specialty}
        chosen = models[kind].objects.filter(pk=pk).first() if kind in models else None
        self.instance.target_kind = kind if chosen is not None else ""
        for target_kind, field in TARGET_FIELDS.items():
            setattr(self.instance, field, chosen if target_kind == kind else None)
        problem = target_problem(kind=self.instance.target_kind, user=self.instance.target_user,
                                 team=self.instance.target_team, specialty=self.instance.target_specialty,
                                 workspace_id=self.workspace_id())
        if problem:
            self.add_error("target", problem[1])
        return cleaned


class PolicyForm(TargetForm):
    kb_not_covered = ListTextField(
        commas=False, rows=6, label="Questions the knowledge base does not answer",
        help_text="Questions visitors ask that no article answers, one a line, in their own words (\"can I open a "
                  "bank account?\"). A question like one of them is not answered from an article: the AI says it "
                  "cannot answer (or hands off, per the level). Saving reindexes the knowledge base.")

    class Meta:
        model = HandoffPolicy
        exclude = list(TARGET_FIELDS.values()) + ["target_kind"]

    def clean_when_to_use(self) -> str:
        text = self.cleaned_data.get("when_to_use") or ""
        if len(text) > WHEN_TO_USE_MAX_LENGTH:
            raise forms.ValidationError(f"At most {WHEN_TO_USE_MAX_LENGTH} characters (it has {len(text)}): the AI "
                                        "reads it with every message.")
        return text

    def clean_kb_not_covered(self) -> list[str]:
        questions, problem = not_covered_questions(self.cleaned_data.get("kb_not_covered") or [])
        if problem:
            raise forms.ValidationError(problem)
        return questions


class RestrictedTopicForm(TargetForm):
    keywords = ListTextField(commas=True, help_text="Words that signal the topic, separated by commas or one a line, "
                                                    "e.g. chargeback, dispute.")
    examples = ListTextField(commas=False, rows=4, help_text="Example phrases, one a line; matched by meaning, "
                                                              "not only by words.")

    class Meta:
        model = RestrictedTopic
        exclude = list(TARGET_FIELDS.values()) + ["target_kind"]

    def workspace_id(self) -> int | None:
        return self.instance.policy.workspace_id if self.instance.policy_id else getattr(self, "parent_workspace_id", None)

    def default_label(self) -> str:
        return "The workspace's default target"

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("keywords") and not cleaned.get("examples") and not cleaned.get("DELETE"):
            self.add_error("keywords", "Give keywords or example phrases, or the topic never matches.")
        return cleaned


class GatherFieldForm(forms.ModelForm):
    class Meta:
        model = GatherField
        fields = "__all__"
        # one row of the policy page: short inputs (the model's help texts say what goes in them)
        widgets = {"name": forms.TextInput(attrs={"size": 12}), "regex": forms.TextInput(attrs={"size": 16}),
                   "question": forms.TextInput(attrs={"size": 32}),
                   "position": forms.NumberInput(attrs={"class": "vIntegerField"})}  # admin CSS; no inline style (CSP)

    def clean(self):
        cleaned = super().clean()
        problem = gather_problem(kind=cleaned.get("kind", ""), regex=cleaned.get("regex", ""),
                                 required=cleaned.get("required", False), question=cleaned.get("question", ""))
        if problem:
            self.add_error(*problem)
        return cleaned


class AgentsField(forms.ModelMultipleChoiceField):
    """A team's or a specialty's agents: a two-list picker; the form narrows the choices to its workspace."""

    def __init__(self) -> None:
        super().__init__(queryset=AgentProfile.objects.select_related("user", "workspace").order_by("user__username"),
                         required=False, widget=FilteredSelectMultiple("agents", is_stacked=False),
                         help_text="Agents who take its conversations (also set on each agent's page).")

    def label_from_instance(self, obj: AgentProfile) -> str:
        return f"{obj.display_name} ({obj.workspace.name})"


class AgentsOfTargetForm(forms.ModelForm):
    """A team's or a specialty's agents, chosen on its own page too: a manager setting up a team expects to add
    its people there, not on each agent's page. Only agents of the target's workspace are offered."""
    agents_relation = ""  # AgentProfile's reverse name on the model ("members" of a team, "agents" of a specialty)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            field = self.fields[self.agents_relation]
            field.queryset = field.queryset.filter(workspace_id=self.instance.workspace_id)
            self.initial[self.agents_relation] = list(getattr(self.instance, self.agents_relation).all())

    def clean(self):
        cleaned = super().clean()
        workspace = cleaned.get("workspace")
        strangers = [agent.display_name for agent in cleaned.get(self.agents_relation) or ()
                     if workspace is not None and agent.workspace_id != workspace.pk]
        if strangers:
            self.add_error(self.agents_relation, f"Not agents of {workspace.name}: {', '.join(strangers)}.")
        return cleaned

    def _save_m2m(self) -> None:
        super()._save_m2m()
        getattr(self.instance, self.agents_relation).set(self.cleaned_data[self.agents_relation])


class TeamForm(AgentsOfTargetForm):
    """Office hours and time zone checked as the workspace document checks them: a malformed schedule saved
    here used to stop every handoff to the team."""

    agents_relation = "members"
    members = AgentsField()

    class Meta:
        model = Team
        fields = "__all__"

    def clean_timezone(self) -> str:
        value = (self.cleaned_data.get("timezone") or "").strip() or "UTC"
        if value != "UTC" and hours.zone(value).key != value:
            raise forms.ValidationError(f"Unknown time zone {value!r}: use an IANA name such as Europe/Madrid.")
        return value

    def clean_office_hours(self) -> dict:
        value = self.cleaned_data.get("office_hours")
        if value in (None, ""):
            return {}  # "Empty means always open"
        problems = hours.validate_weekly(value)
        if problems:
            raise forms.ValidationError(problems)
        return value


class TargetAdmin(admin.ModelAdmin):
    """A team's or a specialty's page: "Are you sure?" also lists what hands off to it and will move to the
    workspace's default target (the flows, the policy and its topics, the handoffs still waiting)."""
    target_field = ""
    delete_confirmation_template = "admin/routing/delete_target_confirmation.html"
    delete_selected_confirmation_template = "admin/routing/delete_selected_targets_confirmation.html"
    actions = ["delete_selected"]

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra = {**(extra_context or {}), "moving_to_default": []}
        if obj is not None:
            extra["moving_to_default"] = dependents.moving_to_default(field=self.target_field, obj=obj)
            extra["default_after"] = self._default_after(obj)
        return super().delete_view(request, object_id, extra)

    def target_workspace_id(self, obj) -> int | None:
        return obj.workspace_id

    def _default_after(self, obj, also_deleted=()) -> str:
        workspace_id = self.target_workspace_id(obj)
        if workspace_id is None:
            return "no target: any available agent"
        return dependents.default_after_deleting(field=self.target_field, obj=obj, workspace_id=workspace_id,
                                                 also_deleted=also_deleted)

    @admin.action(permissions=["delete"], description=gettext_lazy("Delete selected %(verbose_name_plural)s"))
    def delete_selected(self, request, queryset):
        """Django's own bulk delete; its "Are you sure?" page also lists, per target, what moves to the default."""
        response = django_delete_selected(self, request, queryset)
        if isinstance(response, TemplateResponse):  # the confirmation (None once deleted)
            objs = list(queryset)
            response.context_data["moving_to_default"] = [
                (obj, lines, self._default_after(obj, also_deleted=objs))
                for obj in objs if (lines := dependents.moving_to_default(field=self.target_field, obj=obj))]
        return response


@admin.register(Team)
class TeamAdmin(TargetAdmin):
    form = TeamForm
    list_display = ("name", "workspace", "timezone", "reply_time_minutes", "slack_channel")
    list_filter = ("workspace",)
    target_field = "target_team"


class SpecialtyForm(AgentsOfTargetForm):
    agents_relation = "agents"
    agents = AgentsField()

    class Meta:
        model = Specialty
        fields = "__all__"


@admin.register(Specialty)
class SpecialtyAdmin(TargetAdmin):
    form = SpecialtyForm
    list_display = ("name", "workspace")
    target_field = "target_specialty"


class AgentUserAdmin(TargetAdmin, UserAdmin):
    """Django's user admin; deleting an agent also lists what hands off to them and will move to their workspace's
    default target (an agent leaving is the usual case)."""
    target_field = "target_user"

    def target_workspace_id(self, obj) -> int | None:
        profile = AgentProfile.objects.filter(user=obj).only("workspace_id").first()
        return profile.workspace_id if profile is not None else None

    def get_deleted_objects(self, objs, request):
        """Django lists a user's API token by its key (the token's name) among what goes with them: it is hidden."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        keys = list(Token.objects.filter(user__in=objs).values_list("key", flat=True))
        return _without(deleted, keys), counts, perms_needed, protected


def _without(items, keys: list[str]):
    """The delete page's nested list of what goes, with each key replaced by its last four characters."""
    if isinstance(items, list):
        return [_without(item, keys) for item in items]
    text = str(items)
    for key in keys:
        text = text.replace(key, f"API token …{key[-4:]}")
    return mark_safe(text) if isinstance(items, SafeString) else text  # noqa: S308 - escaped by Django, key is hex


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AgentUserAdmin)
# DRF's token admin lists every agent's API key in full, a password to the API: tokens come from signing in
# (POST /api/v1/auth/token/), and deactivating the user is how an admin revokes one
admin.site.unregister(TokenProxy)


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "workspace", "available", "capacity", "slack_user_id", "last_assigned_at")
    list_filter = ("workspace", "available", "teams", "specialties")
    filter_horizontal = ("teams", "specialties")
    raw_id_fields = ("user",)


class UniqueNamesFormSet(forms.BaseInlineFormSet):
    """A policy's topics (or fields) each with its own name, as the workspace document requires: two topics named
    alike saved here made GET then PUT of the document, and export then import, fail (trial of 3 Dec)."""

    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            name = str(form.cleaned_data.get("name") or "").strip().lower()
            if name in seen:
                form.add_error("name", f"Another one is already named “{form.cleaned_data['name']}”: each needs its own name.")
            seen.add(name)

    def save_new(self, form, commit=True):
        """A new row left at position 0 goes after the others (it went before them, and a topic's position is the
        order topics are tried in: trial 26)."""
        if not form.cleaned_data.get("position"):
            others = [f.cleaned_data.get("position") or 0 for f in self.forms
                      if f is not form and getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")]
            form.instance.position = max(others, default=-1) + 1
        return super().save_new(form, commit=commit)


class RestrictedTopicInline(admin.StackedInline):
    model = RestrictedTopic
    form = RestrictedTopicForm
    formset = UniqueNamesFormSet

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        workspace_id = obj.workspace_id if obj else None
        formset.form = type("BoundRestrictedTopicForm", (RestrictedTopicForm,), {"parent_workspace_id": workspace_id})
        return formset
    extra = 0
    fields = ("name", "keywords", "examples", "target", "position")


class GatherFieldInline(admin.TabularInline):
    model = GatherField
    form = GatherFieldForm
    formset = UniqueNamesFormSet
    extra = 0
    fields = ("name", "kind", "regex", "required", "question", "position")


@admin.register(HandoffPolicy)
class HandoffPolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ("workspace", "handoff_enabled", "level", "target_kind", "auto_priority", "csat_enabled")
    inlines = [RestrictedTopicInline, GatherFieldInline]
    fieldsets = (
        (None, {"fields": ("workspace", "handoff_enabled", "level", "when_to_use")}),
        ("Default target", {"fields": ("target",)}),
        ("Priority and phone", {"fields": ("auto_priority", "fallback_phone")}),
        ("Assistant", {"fields": ("kb_threshold", "kb_not_covered")}),
        ("Timing", {"fields": ("expiry_minutes", "reminder_minutes", "reassign_after_minutes",
                               "ai_idle_resolve_seconds")}),
        ("Satisfaction survey", {"fields": ("csat_enabled", "csat_delay_seconds")}),
    )
