"""Validation and representation of offers."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rest_framework import serializers

from offers.models import Offer

MAX_ITEMS = 50
# C0 and C1 control characters (tab and line breaks included).
_CONTROL = re.compile(r"[\x01-\x1f\x7f-\x9f]")
MAX_ITEM_CHARS = 500
MAX_INDUSTRY_CHARS = 100


class BoundedListField(serializers.ListField):
    """A list whose length is checked before its items: 100,000 bad items give one error,
    not 100,000."""

    def to_internal_value(self, data: Any) -> list:
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


def no_control_characters(value: str) -> None:
    """Refuse text holding control characters (NUL, escapes, line breaks): labels are one line."""
    if _CONTROL.search(value):
        raise serializers.ValidationError(
            "Control characters are not allowed.", "control_characters"
        )


# Invisible formatting characters (Unicode category Cf: bidi embeddings, overrides and
# isolates, zero-width spaces, BOM, soft hyphens...) make a name show other than it reads
# (Trojan Source). Zero-width (non-)joiners are kept: Persian, Indic scripts and emoji
# sequences need them.
_JOINERS = frozenset("\u200c\u200d")


def no_invisible_characters(value: str) -> None:
    """Refuse text holding invisible formatting characters other than the joiners."""
    if any(unicodedata.category(c) == "Cf" and c not in _JOINERS for c in value):
        raise serializers.ValidationError(
            "Invisible formatting characters (bidi controls, zero-width spaces, BOM) are not "
            "allowed.",
            "invisible_characters",
        )


class StrictCharField(serializers.CharField):
    """Text that must arrive as a JSON string: 5 and 1.5 are refused, not turned into "5"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _text(max_chars: int, *, label: bool = False, **kwargs: Any) -> serializers.CharField:
    # A label (a name) shown in lists and exports must read as it shows, too.
    validators = [no_control_characters, *([no_invisible_characters] if label else [])]
    return StrictCharField(
        max_length=max_chars,
        allow_blank=False,
        trim_whitespace=True,
        validators=validators,
        **kwargs,
    )


def _text_list(*, required: bool, max_chars: int, min_length: int) -> serializers.ListField:
    return BoundedListField(
        child=_text(max_chars),
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
    name = _text(200, label=True, min_length=1)
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
