"""Admin for scoring runs, results and cached LLM answers."""

from django.contrib import admin

from scoring.models import LLMAnswer, ScoreResult, ScoringRun


@admin.register(ScoringRun)
class ScoringRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "workspace",
        "offer",
        "status",
        "provider",
        "total",
        "scored",
        "fallbacks",
        "failed",
        "created_at",
    ]
    list_filter = ["status", "provider", "workspace"]
    search_fields = ["offer__name", "workspace__name"]
    list_select_related = ["workspace", "offer"]
    date_hierarchy = "created_at"


@admin.register(ScoreResult)
class ScoreResultAdmin(admin.ModelAdmin):
    list_display = ["id", "lead", "offer", "score", "intent", "ai_intent", "ai_status", "scored_at"]
    list_filter = ["intent", "ai_status", "workspace"]
    search_fields = ["lead__name", "lead__company"]
    list_select_related = ["lead", "offer"]
    raw_id_fields = ["lead", "offer", "run"]
    show_full_result_count = False


@admin.register(LLMAnswer)
class LLMAnswerAdmin(admin.ModelAdmin):
    list_display = ["id", "workspace", "lead", "model", "prompt_version", "intent", "created_at"]
    list_filter = ["model", "workspace"]
    raw_id_fields = ["lead"]
    show_full_result_count = False
