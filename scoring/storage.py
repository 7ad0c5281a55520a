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

# Column order of the rows given to `upsert_results`: the run's columns, then the score's own
# (a scoring process hands those back as one tuple, which a row then just extends).
RESULT_COLUMNS = (
    "workspace_id",
    "lead_id",
    "offer_id",
    "run_id",
    "rules_version",
    "prompt_version",
    "scored_at",
    *PART_COLUMNS,
)
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
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS result_stage ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            cursor.execute("TRUNCATE result_stage")
            cursor.cursor.copy_expert(
                f"COPY result_stage ({columns}) FROM STDIN", _copy_text(rows), size=1 << 24
            )
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM result_stage "  # noqa: S608
                f"{conflict}"
            )
        else:
            placeholders = ", ".join(["%s"] * len(RESULT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {conflict}",  # noqa: S608
                rows,
            )


def _copy_text(rows: Sequence[tuple[Any, ...]]) -> io.StringIO:
    lines = []
    tabs = len(RESULT_COLUMNS) - 1
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
