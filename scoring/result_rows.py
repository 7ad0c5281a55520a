"""The one shape of a result in the JSON API, read straight from `values_list()` rows.

GET /results/ (whole or paged) and GET /results/{id}/ build their items here;
`ResultSerializer` takes its field names from `RESULT_ITEM` and only documents their types.
Reading tuples instead of model instances through a serializer is what lets a million results
stream at a few hundred thousand a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db import connections, transaction
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
    "outcome": "lead__outcome",
    "outcome_at": "lead__outcome_at",
}
BREAKDOWN = {
    "role": "role_points",
    "industry": "industry_points",
    "completeness": "completeness_points",
}

# values_list() reads the plain columns in item order, then the breakdown's.
_PLAIN = tuple(column for column in RESULT_ITEM.values() if column)
_COLUMNS = _PLAIN + tuple(BREAKDOWN.values())


def format_timestamp(value: datetime) -> str:
    """Return `value` (UTC, aware or naive) as the API writes timestamps: ISO 8601 with "Z"."""
    text = value.isoformat()
    return text + "Z" if value.tzinfo is None else text.replace("+00:00", "Z")


def _item_builder() -> Callable[[Sequence[Any]], dict]:
    """Return a function turning a row of _COLUMNS into an item, compiled from RESULT_ITEM.

    A dict display with constant keys is the fastest way CPython builds a dict: about twice
    as fast as dict(zip(...)) here, which is most of the Python time of streaming a result.
    """
    entries = []
    for key, column in RESULT_ITEM.items():
        if key == "breakdown":
            parts = ", ".join(
                f"{name!r}: row[{_COLUMNS.index(points)}]" for name, points in BREAKDOWN.items()
            )
            value = f"{{{parts}}}"
        elif key == "scored_at":
            value = f"format_timestamp(row[{_COLUMNS.index(column)}])"
        elif key == "outcome":
            # Stored blank while unknown; the API says null, as for the lead.
            value = f"row[{_COLUMNS.index(column)}] or None"
        elif key == "outcome_at":
            # Unknown until an outcome is recorded.
            at = f"row[{_COLUMNS.index(column)}]"
            value = f"None if {at} is None else format_timestamp({at})"
        else:
            value = f"row[{_COLUMNS.index(column)}]"
        entries.append(f"{key!r}: {value}")
    source = f"lambda row: {{{', '.join(entries)}}}"
    return eval(source, {"format_timestamp": format_timestamp})  # noqa: S307 (our own constants)


_item = _item_builder()


def result_items(results: QuerySet[ScoreResult], *, chunk_size: int = 2000) -> Iterator[dict]:
    """Yield each result of `results`, in its order, as the API shows it.

    Rows are fetched `chunk_size` at a time through a chunked cursor (server-side on
    PostgreSQL), so memory stays flat whatever the number of results. The query is the
    queryset's own, run without the ORM's per-value converters: only the timestamp needs one,
    and the database driver returns it as a UTC datetime (naive on SQLite). It runs in a
    transaction: outside one, PostgreSQL would compute the whole result before the first row
    (a cursor WITH HOLD).
    """
    sql, params = results.values_list(*_COLUMNS).query.sql_with_params()
    item = _item
    with transaction.atomic(using=results.db), connections[results.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                yield item(row)
