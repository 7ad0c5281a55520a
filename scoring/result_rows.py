"""The one shape of a result in the JSON API, read straight from `values_list()` rows.

GET /results/ (whole or paged) and GET /results/{id}/ build their items here;
`ResultSerializer` takes its field names from `RESULT_ITEM` and only documents their types.
Reading tuples instead of model instances through a serializer is what lets a million results
stream at a few hundred thousand a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from scoring.models import ScoreResult

# Item key -> the column it is read from (lead fields through the result's lead), in the
# order items show them. "breakdown" is the object built from BREAKDOWN.
RESULT_ITEM = {
    "id": "id",
    "lead_id": "lead_id",
    "offer_id": "offer_id",
    "run_id": "run_id",
    "upload_id": "lead__upload_id",
    "name": "lead__name",
    "role": "lead__role",
    "company": "lead__company",
    "industry": "lead__industry",
    "location": "lead__location",
    "intent": "intent",
    "score": "score",
    "rule_score": "rule_score",
    "breakdown": "",
    "ai_intent": "ai_intent",
    "ai_points": "ai_points",
    "ai_provider": "ai_provider",
    "ai_model": "ai_model",
    "ai_status": "ai_status",
    "reasoning": "reasoning",
    "rules_version": "rules_version",
    "prompt_version": "prompt_version",
    "inputs_hash": "inputs_hash",
    "scored_at": "scored_at",
}
BREAKDOWN = {
    "role": "role_points",
    "industry": "industry_points",
    "completeness": "completeness_points",
}

_KEYS = tuple(RESULT_ITEM)
# values_list() reads the plain columns in item order, then the breakdown's.
_PLAIN = tuple(column for column in RESULT_ITEM.values() if column)
_COLUMNS = _PLAIN + tuple(BREAKDOWN.values())
_BREAKDOWN_AT = _KEYS.index("breakdown")
_SCORED_AT = _PLAIN.index("scored_at")
_BREAKDOWN_KEYS = tuple(BREAKDOWN)


def format_timestamp(value: datetime) -> str:
    """Return `value` (UTC, aware or naive) as the API writes timestamps: ISO 8601 with "Z"."""
    text = value.isoformat()
    return text + "Z" if value.tzinfo is None else text.replace("+00:00", "Z")


def result_items(results: QuerySet[ScoreResult], *, chunk_size: int = 2000) -> Iterator[dict]:
    """Yield each result of `results`, in its order, as the API shows it.

    Rows are fetched `chunk_size` at a time through a chunked cursor (server-side on
    PostgreSQL), so memory stays flat whatever the number of results. The query is the
    queryset's own, run without the ORM's per-value converters: only the timestamp needs one,
    and the database driver returns it as a UTC datetime (naive on SQLite).
    """
    sql, params = results.values_list(*_COLUMNS).query.sql_with_params()
    keys, plain, scored_at, breakdown_at = _KEYS, len(_PLAIN), _SCORED_AT, _BREAKDOWN_AT
    breakdown_keys = _BREAKDOWN_KEYS
    with connections[results.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                values: list[Any] = list(row[:plain])
                values[scored_at] = format_timestamp(values[scored_at])
                values.insert(breakdown_at, dict(zip(breakdown_keys, row[plain:], strict=True)))
                yield dict(zip(keys, values, strict=True))
