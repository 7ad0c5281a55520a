"""Admin for offers."""

from django.contrib import admin

from offers.models import Offer


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "created_at", "updated_at"]
    list_filter = ["workspace", "created_at"]
    search_fields = ["name", "workspace__name"]
    list_select_related = ["workspace"]
    date_hierarchy = "created_at"
