from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from conversations import knowledge, services
from conversations.services import canned_responses
from conversations.models import (
    TRANSLATION_LANGUAGES,
    CannedResponse,
    Contact,
    Conversation,
    Handoff,
    KnowledgeArticle,
    KnowledgeIndex,
    Message,
)
from helpdesk.admin_fields import ListTextField
from helpdesk.errors import DomainError
from routing.admin import HandoffPolicyAdmin
from routing.models import HandoffPolicy
from workspaces.models import Workspace


def _reindex(modeladmin, request, workspaces) -> None:
    for workspace in workspaces:
        knowledge.knowledge_schedule_reindex(workspace=workspace)
    names = ", ".join(str(w) for w in workspaces)
    modeladmin.message_user(request, f"Reindex queued for {names}. Its progress shows in Knowledge indexes.",
                            messages.SUCCESS)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "phone", "workspace", "created_at")
    search_fields = ("name", "email", "phone")
    list_filter = ("workspace",)


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "sender_type", "sender_name", "private", "body")
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


class KnowledgeArticleForm(forms.ModelForm):
    """The article, and its translations as plain fields a language (title, body, questions) instead of JSON."""

    tags = ListTextField(commas=True, rows=2, help_text="Words the article is about, separated by commas, e.g. "
                                                       "shipping, delivery.")
    questions = ListTextField(
        commas=False, rows=5, label="Questions it answers",
        help_text="Questions visitors ask that this article answers, one a line, in their own words "
                  "(\"can I send back a jacket that doesn't fit?\"). The assistant matches them like the "
                  "title and never quotes them.")

    class Meta:
        model = KnowledgeArticle
        fields = ("workspace", "title", "body", "tags", "questions", "published")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        saved = (self.instance.translations or {}) if self.instance else {}
        for lang, name in TRANSLATION_LANGUAGES.items():
            t = saved.get(lang) or {}
            self.fields[f"title_{lang}"] = forms.CharField(
                label=f"Title ({name})", max_length=200, required=False, initial=t.get("title", ""))
            self.fields[f"body_{lang}"] = forms.CharField(
                label=f"Body ({name})", required=False, initial=t.get("body", ""),
                widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
                help_text=f"A visitor writing in {name} is answered from this text. Leave title and body empty for none.")
            self.fields[f"questions_{lang}"] = ListTextField(
                commas=False, rows=3, label=f"Questions it answers ({name})", initial=t.get("questions", []))

    def clean(self):
        cleaned = super().clean()
        translations = {}
        for lang, name in TRANSLATION_LANGUAGES.items():
            title = " ".join((cleaned.get(f"title_{lang}") or "").split())
            body = (cleaned.get(f"body_{lang}") or "").strip()
            questions = cleaned.get(f"questions_{lang}") or []
            if not (title or body or questions):
                continue
            if not title:
                self.add_error(f"title_{lang}", f"The {name} translation needs a title (or leave all its fields empty).")
            if not body:
                self.add_error(f"body_{lang}", f"The {name} translation needs a body (or leave all its fields empty).")
            translations[lang] = {"title": title, "body": body, "questions": questions}
        self.instance.translations = translations
        return cleaned


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    form = KnowledgeArticleForm
    list_display = ("title", "workspace", "published", "updated_at")
    list_filter = ("workspace", "published")
    search_fields = ("title", "body", "questions")
    actions = ["reindex_now"]

    def get_form(self, request, obj=None, **kwargs):
        # the translations' fields are made by the form itself, not by the model form factory
        kwargs["fields"] = KnowledgeArticleForm.Meta.fields
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": ("workspace", "title", "body", "tags", "questions", "published")})] + [
            (f"In {name}", {"classes": ("collapse",),
                            "fields": (f"title_{lang}", f"body_{lang}", f"questions_{lang}")})
            for lang, name in TRANSLATION_LANGUAGES.items()]

    @admin.action(description="Reindex now (the knowledge bases of the selected articles)")
    def reindex_now(self, request, queryset):
        _reindex(self, request, list(Workspace.objects.filter(articles__in=queryset).distinct()))

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
    list_display = ("workspace", "progress", "built_at", "version", "article_count")
    exclude = ("data",)
    readonly_fields = ("workspace", "progress", "version", "article_count", "not_covered", "built_at")
    actions = ["reindex_now"]

    @admin.display(description="Progress")
    def progress(self, obj: KnowledgeIndex) -> str:
        state = knowledge.knowledge_reindex_progress(workspace_id=obj.workspace_id)
        if state is None:
            return "Up to date" if knowledge.knowledge_index_ready(obj.workspace) else "Out of date: reindex it"
        since = parse_datetime(state.get("since") or "")
        when = f" since {timezone.localtime(since):%H:%M:%S}" if since else ""
        return {"queued": f"Queued{when}", "building": f"Building{when}\u2026"}.get(state.get("state"), "")

    @admin.action(description="Reindex now")
    def reindex_now(self, request, queryset):
        _reindex(self, request, list(Workspace.objects.filter(knowledge_index__in=queryset)))

    def has_add_permission(self, request) -> bool:
        return False  # built by the reindex, never typed in


class CannedResponseForm(forms.ModelForm):
    """The rules the API applies: a shortcut of letters, digits, - and _ (a leading "/" dropped), known placeholders."""

    class Meta:
        model = CannedResponse
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        given = {name: cleaned[name] for name in ("shortcut", "title", "body") if cleaned.get(name) is not None}
        try:
            cleaned.update(canned_responses.canned_response_checked(given))
        except DomainError as problem:
            for name, errors in (problem.fields or {None: [problem.message]}).items():
                self.add_error(name if name in self.fields else None, errors)
            return cleaned
        workspace, shortcut = cleaned.get("workspace"), cleaned.get("shortcut")
        taken = CannedResponse.objects.filter(workspace=workspace, shortcut__iexact=shortcut).exclude(pk=self.instance.pk)
        if workspace is not None and shortcut and taken.exists():
            self.add_error("shortcut", f'The shortcut "/{shortcut}" is already used in this workspace (in any letter case).')
        return cleaned


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    form = CannedResponseForm
    list_display = ("shortcut", "title", "workspace", "updated_at")
    list_filter = ("workspace",)
    search_fields = ("shortcut", "title", "body")
    readonly_fields = ("created_by",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class KnowledgePolicyAdmin(HandoffPolicyAdmin):
    """Routing's policy page, which also holds the questions the knowledge base does not answer: changing them
    reindexes the knowledge base, as saving an article does. Registered from here because routing never
    imports conversations."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "kb_not_covered" in form.changed_data:
            knowledge.knowledge_schedule_reindex(workspace=obj.workspace)


admin.site.unregister(HandoffPolicy)
admin.site.register(HandoffPolicy, KnowledgePolicyAdmin)
