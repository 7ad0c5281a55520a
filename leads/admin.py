"""Admin for uploads and leads."""

from django.contrib import admin

from leads.models import Lead, Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "filename",
        "workspace",
        "rows_total",
        "created",
        "duplicates",
        "rejected",
        "created_at",
    ]
    list_filter = ["workspace", "created_at"]
    search_fields = ["filename", "workspace__name"]
    list_select_related = ["workspace"]
    date_hierarchy = "created_at"


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "company", "industry", "location", "workspace", "upload"]
    list_filter = ["workspace"]
    search_fields = ["name", "company", "role"]
    list_select_related = ["workspace", "upload"]
    raw_id_fields = ["upload"]
    show_full_result_count = False
