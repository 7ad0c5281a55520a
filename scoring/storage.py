"""Bulk upsert of results: one current row per (lead, offer), rewritten by each run.

Plain SQL rather than `bulk_create(update_conflicts=True)`: building and compiling one model
instance per result cost more than scoring it (measured: ~75 us of ~110 us per lead).
"""

from __future__ import annotations

import io
import itertools
import operator
import sqlite3
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction

from scoring.models import ScoreResult
from scoring.result_parts import PART_COLUMNS

# Columns one run's results share, given once to `upsert_results` and sent once per statement.
SHARED_COLUMNS = ("workspace_id", "offer_id", "run_id", "rules_version", "scored_at")
# Column order of the rows given to `upsert_results`: the lead's, then the score's own (a
# scoring process hands those back as one tuple, which a row then extends).
ROW_COLUMNS = ("lead_id", "prompt_version", *PART_COLUMNS)
RESULT_COLUMNS = (*SHARED_COLUMNS, *ROW_COLUMNS)
_SHARED = len(SHARED_COLUMNS)
_KEY = ("lead_id", "offer_id")
_UPDATED = [c for c in RESULT_COLUMNS if c not in (*_KEY, "workspace_id")]
_LEAD_AND_SCORE = operator.itemgetter(ROW_COLUMNS.index("lead_id"), ROW_COLUMNS.index("score"))
_OFFER = SHARED_COLUMNS.index("offer_id")
# SQLite's UPDATE ... FROM (3.33+) sets the scores that changed; before it, the upsert does.
_SQLITE_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33)
# COPY's text format escapes; only free text can hold these characters.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def upsert_results(*, shared: Sequence[Any], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert or replace the results `rows` (tuples in ROW_COLUMNS order), whose
    SHARED_COLUMNS all have the values `shared`.

    Runs on the current connection, inside the caller's transaction. Results that are all new
    (a first scoring) are only inserted, which costs less than upserting them.
    """
    if not rows:
        return
    table = ScoreResult._meta.db_table
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if not _any_result(cursor, table, shared, rows):
            try:
                with transaction.atomic():  # a savepoint: a failed insert leaves nothing behind
                    if postgresql:
                        _insert_postgresql(cursor, table, shared, rows)
                    else:
                        _upsert_sqlite(table, shared, rows, new=True)
                return
            except IntegrityError:
                pass  # some exist (between the first and last, or written meanwhile): upsert
        if postgresql:
            _upsert_postgresql(cursor, table, shared, rows)
        else:
            _upsert_sqlite(table, shared, rows)


def _upsert_postgresql(
    cursor: Any, table: str, shared: Sequence[Any], rows: Sequence[tuple[Any, ...]]
) -> None:
    columns = ", ".join(RESULT_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
    staged = ", ".join(ROW_COLUMNS)
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS result_rows ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {staged} FROM {table} WITH NO DATA"
    )
    cursor.execute("TRUNCATE result_rows")
    cursor.cursor.copy_expert(
        f"COPY result_rows ({staged}) FROM STDIN", _copy_text(rows), size=1 << 24
    )
    # Each row's own columns are copied; the shared ones are parameters of the INSERT
    # (measured: a third less text to write and for PostgreSQL to parse).
    casts = ", ".join(f"CAST(%s AS {_db_type(c)})" for c in SHARED_COLUMNS)
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {casts}, {staged} "  # noqa: S608
        f"FROM result_rows ON CONFLICT (lead_id, offer_id) DO UPDATE SET {updates}",
        shared,
    )


def _any_result(
    cursor: Any, table: str, shared: Sequence[Any], rows: Sequence[tuple[Any, ...]]
) -> bool:
    """Return whether the offer has a result for the first or the last lead of `rows`: then
    they are being scored again. Two lookups in the unique index, whatever the number of
    results; leads in between with a result already (rare) make the insert fail."""
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {table} WHERE offer_id = %s "  # noqa: S608
        "AND lead_id IN (%s, %s))",
        [shared[_OFFER], rows[0][0], rows[-1][0]],
    )
    return bool(cursor.fetchone()[0])


def _insert_postgresql(
    cursor: Any, table: str, shared: Sequence[Any], rows: Sequence[tuple[Any, ...]]
) -> None:
    """COPY new results straight into the table: no staging table, no INSERT ... SELECT and
    no speculative insertion of ON CONFLICT. Raises IntegrityError if a result exists already.

    Measured, PostgreSQL's CPU per new result (100k in chunks of 5,000, median of 4 passes):
    32.5 -> 26.5 us, of which the two foreign-key checks are about 15.
    """
    with connection.wrap_database_errors:  # psycopg2's errors as Django's, as for execute()
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(RESULT_COLUMNS)}) FROM STDIN",
            _copy_text(rows, shared=shared),
            size=1 << 24,
        )


def _upsert_sqlite(
    table: str, shared: Sequence[Any], rows: Sequence[tuple[Any, ...]], *, new: bool = False
) -> None:
    """Upsert on SQLite: two statements per chunk, each given all its rows (as a VALUES list),
    rather than one upsert per row. Rows that are all `new` are only inserted, by the first
    statement (raising IntegrityError if one exists). Measured for a new result, this process
    (bench/storage.py; cachegrind, 10k results): 48.7k -> 43.0k instructions.

    SQLite rewrites a row's entries in every index that has a column in the SET list, even when
    the value is unchanged; `score` is in both listing indexes and rarely changes when leads are
    scored again. So the upsert leaves `score` of existing rows alone, and a second statement
    sets it where it differs. Measured on 100k rows, upsert and commit, us per row before ->
    after: re-scored 16.9 -> 12.2, every score changed 19.2 -> 20.0, new rows 18.2 -> 12.3.
    """
    columns = ", ".join(RESULT_COLUMNS)
    staged = ", ".join(ROW_COLUMNS)
    later = ("score",) if _SQLITE_UPDATE_FROM and not new else ()
    updates = ", ".join(f"{c} = excluded.{c}" for c in _UPDATED if c not in later)
    upsert = "" if new else f"ON CONFLICT (lead_id, offer_id) DO UPDATE SET {updates}"
    own_row = "(" + ", ".join(["?"] * len(ROW_COLUMNS)) + ")"
    connection.ensure_connection()
    raw = connection.connection
    # The statement's parameters are bounded by SQLite's limit (32766 since 3.32, 999 before).
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, (limit - _SHARED) // len(ROW_COLUMNS))
    # Django's cursor wrapper (its errors, execute wrappers) around a plain sqlite3 cursor, and
    # SQL in SQLite's own "?" style: Django's SQLite cursor turns "%s" into "?" with a regex,
    # 3.5 ms for a chunk's 14,000 (a fifth of the upsert). Not in DEBUG's connection.queries,
    # whose formatting expects "%s".
    with connection.make_cursor(raw.cursor()) as cursor:
        for at in range(0, len(rows), per_statement):
            batch = rows[at : at + per_statement]
            # "WHERE true": without it SQLite would read ON CONFLICT as a join's ON.
            cursor.execute(
                f"WITH result_rows ({staged}) AS "  # noqa: S608
                f"(VALUES {', '.join([own_row] * len(batch))}) "
                f"INSERT INTO {table} ({columns}) SELECT {', '.join(['?'] * _SHARED)}, {staged} "
                f"FROM result_rows WHERE true {upsert}",
                [*itertools.chain.from_iterable(batch), *shared],
            )
            if not later:
                continue
            scores = map(_LEAD_AND_SCORE, batch)
            cursor.execute(
                "WITH result_scores (lead_id, score) AS "  # noqa: S608
                f"(VALUES {', '.join(['(?, ?)'] * len(batch))}) "
                f"UPDATE {table} SET score = result_scores.score FROM result_scores "
                f"WHERE {table}.lead_id = result_scores.lead_id AND {table}.offer_id = ? "
                f"AND {table}.score <> result_scores.score",
                [*itertools.chain.from_iterable(scores), shared[_OFFER]],
            )


def _db_type(column: str) -> str:
    field = next(f for f in ScoreResult._meta.concrete_fields if f.column == column)
    return str(field.db_type(connection))


def _copy_text(rows: Sequence[tuple[Any, ...]], shared: Sequence[Any] = ()) -> io.BytesIO:
    """Return `rows` in COPY's text format, each line starting with the values `shared`."""
    # One "%" format per row (C, where joining map(str, row) made a call per value), and the
    # characters COPY escapes looked for in the whole chunk's text at once: only free text
    # (the reasoning) can hold them, and rarely does. 3.3 -> 1.0 us a row, measured.
    # Handed to COPY as UTF-8 bytes: psycopg2 reads a text file by slices, which a StringIO
    # builds from a four-byte-per-character copy of the whole text (measured, with reading it:
    # 2.2 -> 1.1 us a row).
    start = "".join(_copy_value(value).replace("%", "%%") + "\t" for value in shared)
    line = start + "\t".join(["%s"] * len(ROW_COLUMNS))
    text = "\n".join([line % row for row in rows]) + "\n"
    tabs = len(shared) + len(ROW_COLUMNS) - 1
    if (
        text.count("\t") == tabs * len(rows)
        and text.count("\n") == len(rows)
        and "\\" not in text
        and "\r" not in text
    ):
        return io.BytesIO(text.encode())
    lines = []
    for row in rows:
        plain = line % row
        if plain.count("\t") != tabs or "\\" in plain or "\n" in plain or "\r" in plain:
            plain = "\t".join(map(_copy_value, (*shared, *row)))
        lines.append(plain)
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def _copy_value(value: Any) -> str:
    return value.translate(_COPY_ESCAPES) if isinstance(value, str) else str(value)
