"""CSV export of results, safe to open in a spreadsheet. Used by GET /results/export/ and
the score_csv command."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
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
)
# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets
# (CSV injection); tab, CR and LF hide such a start from a casual look.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: Any) -> Any:
    """Return `value` made inert for spreadsheets: text starting like a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """A file-like sink that hands back what csv.writer wrote for one row."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def csv_lines(
    rows: Iterable[Iterable[Any]], *, header: Iterable[str] = EXPORT_COLUMNS
) -> Iterator[str]:
    """Yield CSV text for `header` and then `rows`, every cell neutralised, a chunk at a time.

    Rows are batched into chunks of about 64 KB, so a streamed response makes few writes
    while memory stays flat whatever the number of rows.
    """
    sink = _Line()
    writer = csv.writer(sink, lineterminator="\r\n")
    writer.writerow(list(header))
    pending = [sink.take()]
    size = 0
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
        text = sink.take()
        pending.append(text)
        size += len(text)
        if size >= 65536:
            yield "".join(pending)
            pending, size = [], 0
    if pending:
        yield "".join(pending)
