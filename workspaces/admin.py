"""Admin for workspaces and their API keys."""

from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin

from workspaces.models import Workspace, WorkspaceAPIKey


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    date_hierarchy = "created_at"


@admin.register(WorkspaceAPIKey)
class WorkspaceAPIKeyAdmin(APIKeyModelAdmin):
    list_display = [*APIKeyModelAdmin.list_display, "workspace"]
    list_filter = [*APIKeyModelAdmin.list_filter, "workspace"]
    search_fields = [*APIKeyModelAdmin.search_fields, "workspace__name"]
