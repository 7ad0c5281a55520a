"""Validation and representation of offers."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from offers.models import Offer
from vocabulary.taxonomy import industry as v2_industry

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


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "minLength": 1, "maxLength": MAX_INDUSTRY_CHARS},
            {"type": "integer", "minimum": 1},
        ],
        "description": "An industry name (LinkedIn V2 or V1, a CRM value, a synonym or free "
        "text) or a LinkedIn Industry Codes V2 id, as listed by GET /industries/.",
    }
)
class IndustryField(StrictCharField):
    """An industry by name or free text, or by LinkedIn V2 id (a JSON integer or digits).

    Ids must be known V2 industries; names outside the vocabulary stay allowed and match as
    text. Ids are stored as their digits and shown as integers.
    """

    default_error_messages = {
        "invalid": "Must be an industry name or a LinkedIn V2 industry id.",
        "unknown_industry": "{value} is no LinkedIn Industry Codes V2 id; see GET /industries/.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=MAX_INDUSTRY_CHARS,
            allow_blank=False,
            trim_whitespace=True,
            validators=[no_control_characters],
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        value = super().to_internal_value(data)
        if value.isascii() and value.isdigit() and v2_industry(int(value)) is None:
            self.fail("unknown_industry", value=value[:20])
        return value

    def to_representation(self, value: Any) -> Any:
        text = str(value)
        return int(text) if text.isascii() and text.isdigit() else text


def _industry_list() -> serializers.ListField:
    return BoundedListField(
        child=IndustryField(), min_length=0, max_length=MAX_ITEMS, required=False
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


class StrictIntegerField(serializers.IntegerField):
    """An integer that must arrive as a JSON number: "5", 5.0 and true are refused."""

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def _threshold(name: str, setting: str) -> StrictIntegerField:
    return StrictIntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text=f"Final score from which a lead's intent is {name} for this offer; null: "
        f"the service-wide {setting}.",
    )


class OfferSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    name = _text(200, label=True, min_length=1)
    value_props = _text_list(required=True, max_chars=MAX_ITEM_CHARS, min_length=1)
    ideal_use_cases = _text_list(required=True, max_chars=MAX_ITEM_CHARS, min_length=1)
    icp_industries = _industry_list()
    adjacent_industries = _industry_list()
    high_intent_score = _threshold("High", "LEADSCORING_HIGH_INTENT_SCORE")
    medium_intent_score = _threshold("Medium", "LEADSCORING_MEDIUM_INTENT_SCORE")

    class Meta:
        model = Offer
        fields = [
            "id",
            "name",
            "value_props",
            "ideal_use_cases",
            "icp_industries",
            "adjacent_industries",
            "high_intent_score",
            "medium_intent_score",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Checked as they will apply: a PATCH of one threshold meets the offer's other one,
        # or the service-wide setting.
        def effective(name: str, default: int) -> int:
            value = attrs[name] if name in attrs else getattr(self.instance, name, None)
            return default if value is None else value

        high = effective("high_intent_score", settings.HIGH_INTENT_SCORE)
        medium = effective("medium_intent_score", settings.MEDIUM_INTENT_SCORE)
        if medium >= high:
            raise serializers.ValidationError(
                {
                    "medium_intent_score": [
                        f"The Medium threshold ({medium}) must be below the High one ({high})."
                    ]
                }
            )
        return attrs
