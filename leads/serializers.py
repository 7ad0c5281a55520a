"""Representations of uploads and leads, and the upload's query parameters."""

from __future__ import annotations

from rest_framework import serializers

from leads.models import Lead, Upload


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


class LeadSerializer(serializers.ModelSerializer):
    upload_id = serializers.IntegerField(read_only=True)

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
        ]
        read_only_fields = fields


class LeadFilterSerializer(serializers.Serializer):
    upload_id = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only the leads of this upload."
    )
