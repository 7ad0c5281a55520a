"""Admin for workspaces, their members and their API keys."""

from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin

from workspaces.models import Membership, Workspace, WorkspaceAPIKey


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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "created_at"]
    list_filter = ["workspace"]
    search_fields = ["user__username", "workspace__name"]
    raw_id_fields = ["user"]
