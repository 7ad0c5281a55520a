"""Bulk upsert of results: one current row per (lead, offer), rewritten by each run.

Plain SQL rather than `bulk_create(update_conflicts=True)`: building and compiling one model
instance per result cost more than scoring it (measured: ~75 us of ~110 us per lead).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.db import connection

from scoring.models import ScoreResult
from scoring.result_parts import PART_COLUMNS

# Columns one run's rows share: on PostgreSQL they are sent once per upsert, not in each row.
SHARED_COLUMNS = ("workspace_id", "offer_id", "run_id", "rules_version", "scored_at")
# Column order of the rows given to `upsert_results`: the shared columns, the lead's, then the
# score's own (a scoring process hands those back as one tuple, which a row then extends).
RESULT_COLUMNS = (*SHARED_COLUMNS, "lead_id", "prompt_version", *PART_COLUMNS)
_SHARED = len(SHARED_COLUMNS)
_STAGED = RESULT_COLUMNS[_SHARED:]
_KEY = ("lead_id", "offer_id")
_UPDATED = [c for c in RESULT_COLUMNS if c not in (*_KEY, "workspace_id")]
# COPY's text format escapes; only free text can hold these characters.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def upsert_results(rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert or replace the results `rows` (tuples in RESULT_COLUMNS order).

    Runs on the current connection, inside the caller's transaction.
    """
    if not rows:
        return
    table = ScoreResult._meta.db_table
    columns = ", ".join(RESULT_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
    conflict = f"ON CONFLICT (lead_id, offer_id) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staged = ", ".join(_STAGED)
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS result_rows ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {staged} FROM {table} WITH NO DATA"
            )
            # Each row's own columns are copied; the shared ones are parameters of the INSERT
            # (measured: a third less text to write and for PostgreSQL to parse).
            shared = ", ".join(f"CAST(%s AS {_db_type(c)})" for c in SHARED_COLUMNS)
            for values, group in _by_shared_columns(rows).items():
                cursor.execute("TRUNCATE result_rows")
                cursor.cursor.copy_expert(
                    f"COPY result_rows ({staged}) FROM STDIN", _copy_text(group), size=1 << 24
                )
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {shared}, {staged} "  # noqa: S608
                    f"FROM result_rows {conflict}",
                    values,
                )
        else:
            placeholders = ", ".join(["%s"] * len(RESULT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {conflict}",  # noqa: S608
                rows,
            )


def _db_type(column: str) -> str:
    field = next(f for f in ScoreResult._meta.concrete_fields if f.column == column)
    return str(field.db_type(connection))


def _by_shared_columns(rows: Sequence[tuple[Any, ...]]) -> dict[tuple, list[tuple]]:
    """Return the rows' own columns, grouped by the values of their shared columns."""
    first = rows[0][:_SHARED]
    if all(row[:_SHARED] == first for row in rows):
        return {first: [row[_SHARED:] for row in rows]}  # the usual case: one run's chunk
    groups: dict[tuple, list[tuple]] = {}
    for row in rows:
        groups.setdefault(row[:_SHARED], []).append(row[_SHARED:])
    return groups


def _copy_text(rows: Sequence[tuple[Any, ...]]) -> io.StringIO:
    lines = []
    tabs = len(_STAGED) - 1
    for row in rows:
        line = "\t".join(map(str, row))
        # Escaping every value costs more than the COPY; only free text (reasoning) can need it.
        if line.count("\t") != tabs or "\\" in line or "\n" in line or "\r" in line:
            line = "\t".join(
                value.translate(_COPY_ESCAPES) if isinstance(value, str) else str(value)
                for value in row
            )
        lines.append(line)
    return io.StringIO("\n".join(lines) + "\n")
