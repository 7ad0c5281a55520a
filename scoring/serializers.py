"""Validation and representation of scoring requests, runs and results."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from leads.serializers import OutcomeField
from leadscoring.api.fields import MAX_ID, IdField
from offers.serializers import BoundedListField, RejectUnknownFieldsMixin
from scoring.callbacks import CallbackRefused, check_callback_url
from scoring.models import Intent, ScoreResult, ScoringRun
from scoring.result_rows import BREAKDOWN, RESULT_ITEM
from scoring.selectors import RESULT_ORDERINGS, ResultFilters

MAX_LEAD_IDS = 10_000


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class StrictBooleanField(serializers.BooleanField):
    """A boolean that must arrive as JSON true or false: "yes", 1 and "true" are refused."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ScoreRequestSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    offer_id = IdField(
        required=False,
        help_text="The offer to score against (default: the workspace's most recent offer).",
    )
    upload_id = IdField(required=False, help_text="Only the leads of this upload.")
    lead_ids = BoundedListField(
        child=IdField(),
        required=False,
        min_length=1,
        max_length=MAX_LEAD_IDS,
        help_text=f"Only these leads (at most {MAX_LEAD_IDS}).",
    )

    rescore = StrictBooleanField(
        required=False,
        default=False,
        help_text="Start a new run even if one over the same offer and leads is in progress.",
    )
    dry_run = StrictBooleanField(
        required=False,
        default=False,
        help_text="Only say how many leads would call the model, how many answers are cached "
        "and an estimate of tokens; nothing is spent or stored.",
    )
    callback_url = serializers.URLField(
        required=False,
        max_length=2000,
        help_text="POSTed the run object (signed: X-Leadscoring-Signature) when the run ends.",
    )
    callback_secret = serializers.CharField(
        required=False,
        write_only=True,
        min_length=16,
        max_length=200,
        help_text="HMAC-SHA256 key of the callback's signature (default: the service's "
        "LEADSCORING_CALLBACK_SECRET).",
    )

    def validate(self, attrs: dict) -> dict:
        if "upload_id" in attrs and "lead_ids" in attrs:
            raise serializers.ValidationError("Give upload_id or lead_ids, not both.")
        if "callback_secret" in attrs and "callback_url" not in attrs:
            raise serializers.ValidationError(
                {"callback_secret": ["Only meaningful with a callback_url."]}
            )
        if "callback_url" in attrs:
            if not (attrs.get("callback_secret") or settings.CALLBACK_SECRET):
                raise serializers.ValidationError(
                    {"callback_secret": ["Give a callback_secret to sign the callback with."]}
                )
            try:
                check_callback_url(attrs["callback_url"])
            except CallbackRefused as exc:
                raise serializers.ValidationError({"callback_url": [str(exc)]}) from None
        return attrs


class RunSerializer(serializers.ModelSerializer):
    offer_id = serializers.IntegerField()
    percent = serializers.SerializerMethodField()
    eta_seconds = serializers.SerializerMethodField()
    duration_seconds = serializers.SerializerMethodField()
    results_url = serializers.SerializerMethodField()
    answered = serializers.IntegerField(
        read_only=True, help_text="Leads the provider answered itself (not cached, no fallback)."
    )
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text='E.g. "degraded: ..." when most leads fell back to the heuristic classifier.',
    )

    class Meta:
        model = ScoringRun
        fields = [
            "id",
            "offer_id",
            "scope",
            "status",
            "provider",
            "model",
            "prompt_version",
            "rules_version",
            "high_intent_score",
            "medium_intent_score",
            "total",
            "scored",
            "answered",
            "cached",
            "fallbacks",
            "failed",
            "warnings",
            "percent",
            "eta_seconds",
            "error",
            "background",
            "callback_url",
            "callback_status",
            "callback_attempts",
            "callback_error",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "results_url",
        ]
        read_only_fields = fields

    def get_percent(self, run: ScoringRun) -> float:
        done = run.scored + run.failed
        return round(100 * done / run.total, 1) if run.total else 100.0

    def get_eta_seconds(self, run: ScoringRun) -> float | None:
        """Seconds left at the pace so far; None before the first chunk or after the end."""
        done = run.scored + run.failed
        if run.status != ScoringRun.Status.RUNNING or not done or run.started_at is None:
            return None
        elapsed = (timezone.now() - run.started_at).total_seconds()
        return round(elapsed / done * (run.total - done), 1)

    def get_duration_seconds(self, run: ScoringRun) -> float | None:
        if run.started_at is None or run.finished_at is None:
            return None
        return round((run.finished_at - run.started_at).total_seconds(), 3)

    def get_results_url(self, run: ScoringRun) -> str:
        return f"/results/?run_id={run.pk}"


class EstimateSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    offer_id = serializers.IntegerField()
    provider = serializers.CharField()
    model = serializers.CharField()
    leads = serializers.IntegerField(help_text="Leads the run would score.")
    cached = serializers.IntegerField(help_text="Of them, answered from the cache.")
    llm_calls = serializers.IntegerField(help_text="Requests to the model.")
    estimated_tokens = serializers.IntegerField()
    max_llm_calls = serializers.IntegerField(help_text="LEADSCORING_MAX_LLM_CALLS_PER_RUN.")


class BreakdownSerializer(serializers.Serializer):
    """Schema only: the points of each rule, keyed as scoring.result_rows.BREAKDOWN."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {key: serializers.IntegerField() for key in BREAKDOWN}


class ResultSerializer(serializers.ModelSerializer):
    """Schema only: the types of a result item. Items are built by scoring.result_rows, whose
    RESULT_ITEM gives the fields and their order."""

    lead_id = serializers.IntegerField()
    offer_id = serializers.IntegerField()
    run_id = serializers.IntegerField()
    upload_id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    company = serializers.CharField()
    industry = serializers.CharField()
    location = serializers.CharField()
    breakdown = BreakdownSerializer()
    outcome = OutcomeField(source="lead.outcome")
    outcome_at = serializers.DateTimeField(source="lead.outcome_at", allow_null=True)

    class Meta:
        model = ScoreResult
        fields = list(RESULT_ITEM)
        read_only_fields = fields


class ResultFilterSerializer(serializers.Serializer):
    offer_id = _id_field(required=False)
    run_id = _id_field(required=False)
    upload_id = _id_field(required=False)
    intent = serializers.ChoiceField(choices=Intent.values, required=False)
    min_score = serializers.IntegerField(min_value=0, max_value=100, required=False)
    q = serializers.CharField(
        required=False, max_length=200, help_text="Part of the name or company."
    )
    ordering = serializers.ChoiceField(
        choices=list(RESULT_ORDERINGS), default="-score", help_text="Default: best score first."
    )

    def to_internal_value(self, data: Any) -> dict:
        # Intent labels are matched ignoring case: ?intent=high works.
        if hasattr(data, "get") and isinstance(data.get("intent"), str):
            data = data.copy()
            data["intent"] = data["intent"].strip().capitalize()
        return super().to_internal_value(data)

    def filters(self) -> ResultFilters:
        return ResultFilters(**self.validated_data)
