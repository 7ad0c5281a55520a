"""The one shape of a result in the JSON API, read straight from `values_list()` rows.

GET /results/ (whole or paged) and GET /results/{id}/ build their items here;
`ResultSerializer` takes its field names from `RESULT_ITEM` and only documents their types.
Reading tuples instead of model instances through a serializer is what lets a million results
stream at a few hundred thousand a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from django.db import connections, models, transaction
from django.db.models import F, Func, QuerySet, Value
from django.db.models.functions import NullIf

from leads.models import Lead
from scoring.copy_stream import copy_rows
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
    and the database driver returns it as a UTC datetime (naive on SQLite). On PostgreSQL it
    runs in a transaction: outside one, PostgreSQL would compute the whole result before the
    first row (a cursor WITH HOLD).
    """
    sql, params = results.values_list(*_COLUMNS).query.sql_with_params()
    item = _item
    with _snapshot(results.db), connections[results.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                yield item(row)


# The whole list, for GET /results/ without paging: the database does what it does faster
# than Python. PostgreSQL sends each row's values already written as JSON (text escaped by
# to_json, timestamps as the API writes them) through COPY, which may use parallel workers,
# and Python only puts them into the item's template; SQLite, running in this process, writes
# each item with json_object(). Either way the bytes are those of `result_items` encoded by
# DRF's renderer.


def result_json_batches(results: QuerySet[ScoreResult]) -> Iterator[bytes]:
    """Yield the items of `results`, in order, as UTF-8 JSON texts joined by commas: each
    batch is a run of whole items (no brackets, no leading or trailing comma).

    Memory stays flat whatever the number of results; the rows are read in one query (in a
    transaction on PostgreSQL), so the list is one consistent snapshot.
    """
    vendor = connections[results.db].vendor
    batches = _postgresql_batches if vendor == "postgresql" else _sqlite_batches
    with _snapshot(results.db):
        yield from batches(results)


def _snapshot(using: str) -> AbstractContextManager[Any]:
    """Return what makes one query over `using` a consistent snapshot read as a stream.

    On PostgreSQL, a transaction: a server-side cursor needs one. On SQLite, nothing: one
    SELECT reads one snapshot already (WAL), and a transaction would begin IMMEDIATE (the
    connection's transaction mode), holding the write lock for as long as a client takes to
    read the stream, so that scoring runs and uploads would wait, then fail as locked.
    """
    if connections[using].vendor == "postgresql":
        return transaction.atomic(using=using)
    return nullcontext()


NUMBER, TEXT, TIMESTAMP = "number", "text", "timestamp"


def column_kind(path: str) -> tuple[str, bool]:
    """Return how the column at `path` (a result's, or `lead__` one of its lead's) is written,
    NUMBER, TEXT or TIMESTAMP, and whether it may be null. Raises TypeError for a column of
    another type, or for text that may be null (nothing writes it yet)."""
    model, name = (Lead, path.split("__")[1]) if "__" in path else (ScoreResult, path)
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{path} is not a column")
    kind = field.get_internal_type()
    if kind in ("CharField", "TextField") and not field.null:
        return TEXT, False
    if kind == "DateTimeField":
        return TIMESTAMP, field.null
    if kind.endswith(("IntegerField", "ForeignKey", "AutoField")):
        return NUMBER, field.null
    raise TypeError(f"no written form for {path} ({kind})")


# A timestamp `{0}` as the API writes it (format_timestamp), in PostgreSQL's SQL: UTC, "Z",
# microseconds only when there are some, as Python's isoformat writes them.
PG_API_TIMESTAMP = (
    "replace(to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '.000000Z', 'Z')"
)


class _ApiTimestamp(Func):
    """A timestamp as the API writes it (see format_timestamp), in SQL: quoted as a JSON
    string on PostgreSQL, plain text on SQLite (json_object() quotes it)."""

    output_field = models.TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "'\"' || " + PG_API_TIMESTAMP.format("%(expressions)s") + " || '\"'"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Stored as Python writes a naive UTC datetime with " " between date and time.
        template = "replace(%(expressions)s, ' ', 'T') || 'Z'"
        return self.as_sql(compiler, connection, template=template, **extra)


class _ToJson(Func):
    """A value as JSON text, written by PostgreSQL (escaped as json.dumps escapes)."""

    function = "to_json"
    output_field = models.TextField()


def _postgresql_columns(results: QuerySet[ScoreResult]) -> tuple[str, Sequence[Any]]:
    # _COLUMNS, in order, each written as JSON by the database (text escaped as json.dumps
    # escapes it, timestamps as the API writes them; NULL is written `null` by COPY).
    written: dict[str, Any] = {}
    for index, column in enumerate(_COLUMNS):
        if column_kind(column)[0] == TIMESTAMP:
            written[f"_api_{index}"] = _ApiTimestamp(F(column))
        elif column == RESULT_ITEM["outcome"]:
            written[f"_api_{index}"] = _ToJson(NullIf(F(column), Value("")))  # blank: unknown
        elif column_kind(column)[0] != NUMBER:
            written[f"_api_{index}"] = _ToJson(F(column))
    selected = [
        f"_api_{index}" if f"_api_{index}" in written else column
        for index, column in enumerate(_COLUMNS)
    ]
    return results.annotate(**written).values_list(*selected).query.sql_with_params()


def _postgresql_row_formatter() -> Callable[[list[str]], str]:
    """Return a function putting a COPY text row's fields, each written as JSON by the
    database, into the item's JSON text, compiled from RESULT_ITEM."""
    parts, values = [], []
    for key, column in RESULT_ITEM.items():
        if key == "breakdown":
            inner = ",".join(f'"{name}":%s' for name in BREAKDOWN)
            parts.append(f'"{key}":{{{inner}}}')
            values += [f"f[{_COLUMNS.index(points)}]" for points in BREAKDOWN.values()]
        else:
            parts.append(f'"{key}":%s')
            values.append(f"f[{_COLUMNS.index(column)}]")
    source = f"lambda f: {'{' + ','.join(parts) + '}'!r} % ({', '.join(values)},)"
    return eval(source)  # noqa: S307 (our own constants)


_format_row = _postgresql_row_formatter()


def _postgresql_batches(results: QuerySet[ScoreResult]) -> Iterator[bytes]:
    sql, params = _postgresql_columns(results)
    connection = connections[results.db]
    with connection.cursor() as cursor:
        # Compiling this query's few expressions to machine code costs more than it saves
        # (measured: 1.6 s of JIT in a 5.7 s query over a million results).
        cursor.execute("SET LOCAL jit = off")
    yield from copy_rows(
        sql,
        params,
        options="FORMAT text, NULL 'null'",
        using=results.db,
        batch_bytes=1 << 20,
        transform=_items_of_rows,
    )


def _items_of_rows(rows: list[bytes]) -> bytes:
    # COPY text rows of JSON values -> their items joined by commas. COPY's text format
    # doubles the backslashes of JSON's escapes and escapes nothing else here: JSON escapes
    # every control character, so tabs and line feeds are COPY's own separators.
    form = _format_row
    text = b"".join(rows).replace(b"\\\\", b"\\").decode()
    return ",".join([form(line.split("\t")) for line in text[:-1].split("\n")]).encode()


class _JsonItem(Func):
    """The item's JSON text, written by SQLite's json_object(), as UTF-8 bytes: the sqlite3
    module hands a BLOB over as it is, where it would decode text only to have it encoded
    again."""

    output_field = models.BinaryField()

    def __init__(self) -> None:
        expressions = []
        for column in _COLUMNS:
            expression: Any = F(column)
            if column_kind(column)[0] == TIMESTAMP:
                expression = _ApiTimestamp(expression)
            expressions.append(expression)
        super().__init__(*expressions)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql_parts, params = [], []
        for expression in self.get_source_expressions():
            sql, more = compiler.compile(expression)
            sql_parts.append(sql)
            params.extend(more)
        at = dict(zip(_COLUMNS, sql_parts, strict=True))
        entries = []
        for key, column in RESULT_ITEM.items():
            if key == "breakdown":
                inner = ", ".join(f"'{name}', {at[points]}" for name, points in BREAKDOWN.items())
                entries.append(f"'{key}', json_object({inner})")
            elif key == "outcome":
                entries.append(f"'{key}', nullif({at[column]}, '')")  # blank while unknown
            else:
                entries.append(f"'{key}', {at[column]}")
        return f"CAST(json_object({', '.join(entries)}) AS BLOB)", params


def _sqlite_batches(results: QuerySet[ScoreResult], *, rows: int = 2000) -> Iterator[bytes]:
    sql, params = (
        results.annotate(_api_item=_JsonItem()).values_list("_api_item").query.sql_with_params()
    )
    with connections[results.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(rows):
            yield b",".join([row[0] for row in batch])
