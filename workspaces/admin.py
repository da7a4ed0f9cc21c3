from django import forms
from django.contrib import admin

from workspaces.models import Workspace, greeting_translations_problem


class WorkspaceForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = "__all__"

    def clean_greeting_translations(self) -> dict:
        value = self.cleaned_data.get("greeting_translations")
        if value in (None, ""):
            return {}
        problem = greeting_translations_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return {lang: " ".join(text.split()) for lang, text in value.items() if text.strip()}


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    form = WorkspaceForm
    list_display = ("name", "slug", "assistant_name", "created_at")
    prepopulated_fields = {"slug": ("name",)}
