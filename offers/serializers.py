"""Validation and representation of offers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from offers.models import Offer

MAX_ITEMS = 50
MAX_ITEM_CHARS = 500
MAX_INDUSTRY_CHARS = 100


def _text_list(*, required: bool, max_chars: int, min_length: int) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=max_chars, allow_blank=False, trim_whitespace=True),
        min_length=min_length,
        max_length=MAX_ITEMS,
        required=required,
    )


class RejectUnknownFieldsMixin:
    """Answer 400 naming any field the serializer does not know (a typo, usually)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))  # type: ignore[attr-defined]
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in unknown[:20]}
                )
        return super().to_internal_value(data)  # type: ignore[misc]


class OfferSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    name = serializers.CharField(min_length=1, max_length=200, trim_whitespace=True)
    value_props = _text_list(required=True, max_chars=MAX_ITEM_CHARS, min_length=1)
    ideal_use_cases = _text_list(required=True, max_chars=MAX_ITEM_CHARS, min_length=1)
    icp_industries = _text_list(required=False, max_chars=MAX_INDUSTRY_CHARS, min_length=0)
    adjacent_industries = _text_list(required=False, max_chars=MAX_INDUSTRY_CHARS, min_length=0)

    class Meta:
        model = Offer
        fields = [
            "id",
            "name",
            "value_props",
            "ideal_use_cases",
            "icp_industries",
            "adjacent_industries",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
