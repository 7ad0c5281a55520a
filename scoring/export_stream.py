"""GET /results/export/ at the database's speed: the CSV that `csv_lines` (the reference) would
write for `result_list`, byte for byte, but formatted by the database.

PostgreSQL writes the CSV itself (COPY, streamed by scoring.copy_stream); SQLite builds each
line with format(). Python joins lines, and has the reference write the rows that may need
`neutralise` (or that SQLite stores otherwise than Django writes them).

"May need": a text cell starting with = + - @ or a character beyond ASCII, or holding `,` `;`
or `"` followed by one of those, or any tab, CR or LF (`_maybe_risky`: byte searches over the
CSV lines, every text cell quoted). That is `neutralise`'s own first test, made looser; a
cell that passes it comes back unchanged whatever Unicode says. So the rule keeps one
implementation, in Python, whose Unicode tables cannot disagree with the database's.
Looking in Python costs less than asking the database (a regular expression per row takes
PostgreSQL more time than the rest of the row; GLOB doubles SQLite's time). Real rows that
take the slow path: names starting with a letter beyond ASCII, cells starting with + or -
(phone-like roles) and the like: a few percent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from typing import Any

from django.db import connections
from django.db.models import F, Func, QuerySet, TextField

from scoring.copy_stream import copy_rows
from scoring.exports import EXPORT_COLUMNS, csv_lines, neutralise
from scoring.facts import LEAD_FIELDS
from scoring.models import ScoreResult
from scoring.result_rows import (
    NUMBER,
    PG_API_TIMESTAMP,
    TEXT,
    TIMESTAMP,
    column_kind,
    format_timestamp,
)
from scoring.selectors import ResultFilters, result_list
from workspaces.models import Workspace

# The ORM paths of EXPORT_COLUMNS: lead fields are read through the result's lead.
EXPORT_FIELDS = tuple(
    f"lead__{column}" if column in (*LEAD_FIELDS, "outcome", "outcome_at") else column
    for column in EXPORT_COLUMNS
)
# Columns that hold text a person or a model wrote; the others are numbers, labels and ids.
EXPORT_TEXT_COLUMNS = tuple(
    EXPORT_FIELDS.index(name)
    for name in (
        "lead__name",
        "lead__role",
        "lead__company",
        "reasoning",
        "lead__industry",
        "lead__location",
        "ai_model",
    )
)
HEADER = "".join(csv_lines([]))

KINDS = tuple(column_kind(path) for path in EXPORT_FIELDS)


def result_csv(*, workspace: Workspace, filters: ResultFilters) -> Iterator[str | bytes]:
    """Yield the CSV export of `result_list(workspace, filters)`: the header and then the
    rows, in chunks ending on a row boundary, as `reference_csv` writes them."""
    return export_csv(result_list(workspace=workspace, filters=filters))


def export_csv(results: QuerySet[ScoreResult]) -> Iterator[str | bytes]:
    """Yield `reference_csv(results)`, byte for byte, formatted by the database when it is
    PostgreSQL or SQLite. Memory stays flat whatever the number of rows."""
    vendor = connections[results.db].vendor
    if vendor == "postgresql":
        return _postgresql_csv(results)
    if vendor == "sqlite":
        return _sqlite_csv(results)
    return reference_csv(results)


def reference_csv(results: QuerySet[ScoreResult]) -> Iterator[str]:
    """Yield the CSV export of `results` written by Python (csv_lines): the reference."""
    rows = results.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000)
    return csv_lines(_formatted(rows), text_columns=EXPORT_TEXT_COLUMNS)


def _formatted(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[Any]]:
    # The JSON API's timestamp format (UTC, "Z"), without a serializer field per row.
    timestamps = [i for i, (kind, _) in enumerate(KINDS) if kind == TIMESTAMP]
    for row in rows:
        values = list(row)
        for index in timestamps:
            if values[index] is not None:
                values[index] = format_timestamp(values[index])
        yield values


class _Sql(Func):
    """SQL written with `{0}`, `{1}`... for the columns `fields` (ORM paths), then `params`."""

    def __init__(
        self, template: str, fields: Sequence[str], params: Sequence[Any] = (), **extra: Any
    ) -> None:
        super().__init__(*(F(field) for field in fields), **extra)
        self.sql_template, self.sql_params = template, list(params)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, Any]:
        columns = []
        for expression in self.get_source_expressions():
            sql, params = compiler.compile(expression)
            if params:  # placed once per use in the template: they would be misplaced
                raise ValueError(f"a column with parameters: {expression}")
            columns.append(sql)
        return self.sql_template.format(*columns), self.sql_params


def _compiled(results: QuerySet[ScoreResult], columns: dict[str, Any]) -> tuple[str, Any]:
    """Return the SQL and parameters of `results` (its filters, joins and order) selecting
    `columns` (alias -> expression), in that order."""
    return results.annotate(**columns).values_list(*columns).query.sql_with_params()


# --- PostgreSQL: COPY writes the CSV ------------------------------------------------------------


def _postgresql_csv(results: QuerySet[ScoreResult]) -> Iterator[bytes]:
    # PostgreSQL ends rows with "\n" (swapped for "\r\n"; a line feed inside a quoted cell
    # stays, as csv.writer leaves it) and writes NULL unquoted: a timestamp absent is written
    # '' instead, quoted as csv.writer quotes None.
    columns: dict[str, Any] = {}
    quoted = []
    for index, (path, (kind, null)) in enumerate(zip(EXPORT_FIELDS, KINDS, strict=True)):
        alias = f"c{index}"
        if kind == TIMESTAMP:
            template = f"COALESCE({PG_API_TIMESTAMP}, '')" if null else PG_API_TIMESTAMP
            columns[alias] = _Sql(template, [path], output_field=TextField())
        else:
            columns[alias] = F(path)
        if kind != NUMBER:
            quoted.append(alias)
    sql, params = _compiled(results, columns)
    force_quote = ", ".join(f'"{alias}"' for alias in quoted)
    yield HEADER.encode()
    options = f"FORMAT csv, FORCE_QUOTE ({force_quote})"
    # closing: a response closed early (the client went away) cancels the COPY at once.
    with closing(copy_rows(sql, params, options=options, using=results.db)) as batches:
        for rows in batches:
            lines = [row[:-1] for row in rows]
            lines.append(b"")
            # PostgreSQL's text holds no NUL: one may stand for the line ends while
            # _maybe_risky looks ("\r\n" would look like a cell starting with CR).
            data = b"\x00".join(lines)
            if not _maybe_risky(data):
                yield data.replace(b"\x00", b"\r\n")
                continue
            yield b"\r\n".join([_pg_fixed(line) if _maybe_risky(line) else line for line in lines])


# A cell of PostgreSQL's CSV row, as COPY wrote it with FORCE_QUOTE: text quoted, numbers not.
_PG_CELL = re.compile(r'"((?:[^"]|"")*)"|[^,"]*')


def _pg_fixed(line: bytes) -> bytes:
    """Return a COPY row (without its line end) as the reference writes it: only its checked
    cells can differ, neutralised by Python."""
    text, cells, at = line.decode(), [], 0
    for index in range(len(EXPORT_FIELDS)):
        match = _PG_CELL.match(text, at)
        if match is None:
            raise ValueError(f"not a COPY row: {line[:100]!r}")
        cell = match.group(0)
        if index in EXPORT_TEXT_COLUMNS:
            value = neutralise(match.group(1).replace('""', '"'))
            cell = '"' + value.replace('"', '""') + '"'
        cells.append(cell)
        at = match.end() + 1
    return ",".join(cells).encode()


# --- SQLite: each line built in SQL ------------------------------------------------------------

# Timestamps as Django stores them (str(datetime): microseconds only when there are some);
# any other text is read by Django's own converter, in the reference code.
_SQLITE_SECONDS = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
_SQLITE_MICROSECONDS = _SQLITE_SECONDS + ".[0-9][0-9][0-9][0-9][0-9][0-9]"
_SQLITE_ISO = "replace({0}, ' ', 'T') || 'Z'"
_SQLITE_BATCH = 2000


def _sqlite_csv(results: QuerySet[ScoreResult]) -> Iterator[str | bytes]:
    # One line per row, built by format() (one allocation: far cheaper than concatenating;
    # %w doubles quotes), or NULL where the reference must write it: a timestamp not stored
    # as Django stores it, or text holding a NUL, where format() would stop (a model's
    # reasoning may hold one). Values of another type than their column's, which SQLite
    # keeps when given them, are not looked for: Django converts what it writes.
    template, values, plain, params = [], [], [], []
    for index, (kind, null) in enumerate(KINDS):
        column = f"{{{index}}}"
        if kind == NUMBER:
            template.append("%d")
            values.append(column)
            continue
        template.append('"%w"')
        if kind == TEXT:
            values.append(column)
            if index in EXPORT_TEXT_COLUMNS:
                plain.append(f"NOT instr({column}, char(0))")
            continue
        values.append(_SQLITE_ISO.format(column))
        test = f"({column} GLOB %s OR ({column} GLOB %s AND {column} NOT GLOB '*.000000'))"
        if null:
            values[-1] = f"CASE WHEN {column} IS NULL THEN '' ELSE {values[-1]} END"
            test = f"({column} IS NULL OR {test})"
        plain.append(test)
        params += [_SQLITE_SECONDS, _SQLITE_MICROSECONDS]
    line = f"CASE WHEN {' AND '.join(plain)} THEN CAST(format(%s, {', '.join(values)}) AS BLOB) END"
    columns = {
        "line": _Sql(line, EXPORT_FIELDS, [*params, ",".join(template)], output_field=TextField()),
        "pk": F("pk"),
    }
    sql, params = _compiled(results, columns)
    yield HEADER
    with connections[results.db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_SQLITE_BATCH):
            lines = [line for line, _ in rows]
            lines.append(b"")
            try:
                # Lines never hold a NUL (format() stops there), so one may stand for the
                # line ends while _maybe_risky looks: "\r\n" would look like a cell start.
                data = b"\x00".join(lines)
            except TypeError:  # a line is None
                data = None
            if data is not None and not _maybe_risky(data):
                yield data.replace(b"\x00", b"\r\n")
                continue
            odd = [pk for line, pk in rows if line is None or _maybe_risky(line)]
            fixed = _reference_lines(results, odd)
            yield b"".join([fixed.get(pk) or line + b"\r\n" for line, pk in rows])


# _maybe_risky's view of CSV text: each byte mapped to what it may be in a cell.
_CLASSES = bytearray(b" " * 256)
for _byte in b'",;':
    _CLASSES[_byte] = ord('"')  # a cell's start (or end), or a break
for _byte in [*b"=+-@", *range(0x80, 0x100)]:
    _CLASSES[_byte] = ord("=")  # a formula start, or maybe one (any character beyond ASCII)
for _byte in b"\t\r\n":
    _CLASSES[_byte] = ord("\n")  # a break, or a risky first character


def _maybe_risky(data: bytes) -> bool:
    """Return False when no text cell of `data` (CSV lines in UTF-8, every text cell quoted,
    the lines not separated by line breaks) can be changed by `neutralise`.

    Conservative: True for a quote (a cell's start, or one inside text), `,` or `;` followed
    by = + - @ or a character beyond ASCII, and for any tab, CR or LF (which the short lead
    fields cannot hold, nor a model's reasoning, its whitespace collapsed): `neutralise`
    changes nothing else. Where it looks past quotes and invisible characters (all beyond
    ASCII) after a cell's start, `,` or `;`, the first byte that is not a quote follows a
    quote, `,` or `;`, and is a formula character or beyond ASCII. Two byte searches, the
    first a memchr: a regular expression would cost more than building the lines did.
    """
    classes = data.translate(_CLASSES)
    return b"\n" in classes or b'"=' in classes


def _reference_lines(results: QuerySet[ScoreResult], pks: list[int]) -> dict[int, bytes]:
    """Return the line (with its "\\r\\n") the reference writes for each result of `pks`."""
    lines = {}
    rows = results.filter(pk__in=pks).values_list("pk", *EXPORT_FIELDS)
    for pk, *values in rows:
        text = "".join(csv_lines(_formatted([tuple(values)]), text_columns=EXPORT_TEXT_COLUMNS))
        lines[pk] = text[len(HEADER) :].encode()
    return lines
