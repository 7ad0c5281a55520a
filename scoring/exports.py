"""CSV export of results, safe to open in a spreadsheet. Used by GET /results/export/ and
the score_csv command."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# The spec's columns first, then everything needed to audit a score.
EXPORT_COLUMNS = (
    "name",
    "role",
    "company",
    "intent",
    "score",
    "reasoning",
    "industry",
    "location",
    "rule_score",
    "role_points",
    "industry_points",
    "completeness_points",
    "ai_intent",
    "ai_points",
    "ai_provider",
    "ai_model",
    "ai_status",
    "lead_id",
    "offer_id",
    "run_id",
    "scored_at",
    "rules_version",
    "prompt_version",
    "inputs_hash",
    "outcome",
    "outcome_at",
)
# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets
# (CSV injection); tab, CR and LF hide such a start from a casual look.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: Any) -> Any:
    """Return `value` made inert for spreadsheets: text starting like a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(
    rows: Iterable[Sequence[Any]],
    *,
    header: Sequence[str] = EXPORT_COLUMNS,
    text_columns: Sequence[int] | None = None,
) -> Iterator[str]:
    """Yield CSV text for `header` and then `rows`, formula-like cells neutralised.

    `text_columns` (indexes) are the only columns that can hold text; by default every cell is
    checked. Rows are written 500 at a time: a streamed response makes few writes while
    memory stays flat whatever the number of rows.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    columns = range(len(header)) if text_columns is None else text_columns
    batch: list[list[Any]] = []
    for row in rows:
        values = list(row)
        for index in columns:
            value = values[index]
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                values[index] = "'" + value
        batch.append(values)
        if len(batch) == 500:
            writer.writerows(batch)
            batch.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(batch)
    yield buffer.getvalue()
