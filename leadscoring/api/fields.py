"""Serializer fields shared by every app's request bodies and query strings."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MAX_ID = 2**63 - 1
# As many digits as the largest 64-bit id: longer strings are refused before int() reads them.
MAX_ID_DIGITS = len(str(MAX_ID))
_DIGITS = re.compile(r"[0-9]+")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            {"type": "string", "pattern": f"^[0-9]{{1,{MAX_ID_DIGITS}}}$"},
        ],
        "example": 1,
    }
)
class IdField(serializers.IntegerField):
    """A database id: a JSON integer or a string of digits ("1", as many clients send).

    Booleans, floats (even 1.0), signs, spaces and any other text are refused: a client that
    sends them has a bug worth hearing about. Ids run from 1 to 2**63-1.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, str) and _DIGITS.fullmatch(data):
            if len(data) > MAX_ID_DIGITS:
                self.fail("max_value", max_value=self.max_value)
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)
