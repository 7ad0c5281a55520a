"""Representations of uploads and leads, and the upload's query parameters."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from leads.models import Lead, Outcome, Upload
from leads.outcomes import OutcomeError, parse_outcome
from offers.serializers import RejectUnknownFieldsMixin, StrictCharField


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line of the file, counting the header as 1.")
    field = serializers.CharField(allow_null=True, help_text="The column at fault, if one is.")
    message = serializers.CharField()


class UploadSerializer(serializers.ModelSerializer):
    upload_id = serializers.IntegerField(source="id", read_only=True)
    errors = RowErrorSerializer(many=True, read_only=True, help_text="The first 100 row errors.")
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Upload
        fields = [
            "id",
            "upload_id",
            "filename",
            "size_bytes",
            "encoding",
            "delimiter",
            "rows_total",
            "created",
            "duplicates",
            "rejected",
            "errors",
            "warnings",
            "created_at",
        ]
        read_only_fields = fields


class UploadQuerySerializer(serializers.Serializer):
    strict = serializers.BooleanField(
        default=False, help_text="Reject the whole file (400, nothing stored) on any row error."
    )
    filename = serializers.CharField(
        required=False, max_length=255, help_text="Name to record for a raw text/csv body."
    )


class OutcomeField(serializers.ChoiceField):
    """A lead's outcome: "won", "lost", or null while it is not known."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Outcome.values, allow_null=True, **kwargs)

    def to_representation(self, value: str) -> str | None:
        return value or None


class LeadSerializer(serializers.ModelSerializer):
    upload_id = serializers.IntegerField(read_only=True)
    outcome = OutcomeField(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "upload_id",
            "line",
            "name",
            "role",
            "company",
            "industry",
            "location",
            "linkedin_bio",
            "created_at",
            "outcome",
            "outcome_at",
        ]
        read_only_fields = fields


class LeadOutcomeSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    outcome = StrictCharField(
        allow_null=True,
        allow_blank=True,
        max_length=100,
        help_text="won (also: closed won, converted, customer, true, yes, 1), lost (also: "
        "closed lost, disqualified, unqualified, false, no, 0), or null, blank or open: not "
        "known. Case and spacing do not matter.",
    )

    def validate_outcome(self, value: str | None) -> str:
        try:
            return parse_outcome(value)
        except OutcomeError as exc:
            raise serializers.ValidationError(str(exc), "invalid_choice") from None


class OutcomeImportSerializer(serializers.Serializer):
    rows_total = serializers.IntegerField()
    updated = serializers.IntegerField(help_text="Leads whose outcome changed.")
    unchanged = serializers.IntegerField(help_text="Rows giving the outcome a lead had already.")
    rejected = serializers.IntegerField(help_text="Rows naming no lead, or no valid outcome.")
    errors = RowErrorSerializer(many=True, help_text="The first 100 row errors.")
    warnings = serializers.ListField(child=serializers.CharField())
    encoding = serializers.CharField()
    delimiter = serializers.CharField()


class LeadFilterSerializer(serializers.Serializer):
    upload_id = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only the leads of this upload."
    )
