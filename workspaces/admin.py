from django.contrib import admin

from workspaces.models import Workspace


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "assistant_name", "created_at")
    prepopulated_fields = {"slug": ("name",)}
