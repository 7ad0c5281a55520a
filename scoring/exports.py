"""CSV export of results, safe to open in a spreadsheet. Used by GET /results/export/ and
the score_csv command."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
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
# A spreadsheet starts a cell at the start of a field and, when it splits on another
# separator than ours (`;` in much of Europe, tab when pasted) or misreads quotes, after any
# `,` `;` tab or line break: what follows one must not start like a formula either. Quotes
# there may vanish (`x;"=1` is written `"x;""=1"`: split on `;`, `""=1` reads as `=1`), so
# they are looked past like invisible characters. Breaks worth a closer look are followed by
# an ASCII formula character, a quote or a character beyond ASCII (maybe invisible or
# full-width: see starts_like_formula).
_RISKY_BREAKS = re.compile(r'[,;\t\r\n](?=[=+\-@"]|[^\x00-\x7f])')
_FORMULA_CHARS = FORMULA_STARTS[:4]
# csv_lines hands neutralise text starting with one of these or beyond ASCII: a quote or such
# a character may hide a formula start (see starts_like_formula).
_RISKY_FIRST = frozenset((*FORMULA_STARTS, '"'))


def starts_like_formula(text: str, at: int = 0) -> bool:
    """Return whether `text` from `at` starts like a formula: past any `"` (a spreadsheet's
    quote handling may drop them) and invisible characters (zero-width, BOM, bidi marks:
    Unicode category Cf), with = + - @ or a form of them that NFKC folds to one (full-width
    `＝`, small `﹢`, superscript `⁺`...)."""
    end = len(text)
    while at < end and (text[at] == '"' or unicodedata.category(text[at]) == "Cf"):
        at += 1
    if at == end:
        return False
    first = text[at]
    if first < "\x80":
        return first in _FORMULA_CHARS
    return unicodedata.normalize("NFKC", first).startswith(_FORMULA_CHARS)


def neutralise(value: Any) -> Any:
    """Return `value` made inert for spreadsheets, whatever separator they split on.

    Text that starts like a formula (`starts_like_formula`: past any quotes and invisible
    characters) or with tab, CR or LF gets a `'` in front; so does each stretch after a `,`
    `;` tab or line break inside it that starts like a formula, the `'` right after the break
    (`x;=7+7` becomes `x;'=7+7`, `x;"=1` becomes `x;'"=1`). Anything else is returned as it
    is.
    """
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    risky_start = first in FORMULA_STARTS or (
        (first == '"' or first >= "\x80") and starts_like_formula(value)
    )
    if not risky_start and _RISKY_BREAKS.search(value) is None:
        return value  # the common case, decided without a loop
    parts, done = ["'"] if risky_start else [], 0
    for match in _RISKY_BREAKS.finditer(value):
        if starts_like_formula(value, match.end()):
            parts += [value[done : match.end()], "'"]
            done = match.end()
    if not parts:
        return value
    parts.append(value[done:])
    return "".join(parts)


def csv_lines(
    rows: Iterable[Sequence[Any]],
    *,
    header: Sequence[str] = EXPORT_COLUMNS,
    text_columns: Sequence[int] | None = None,
) -> Iterator[str]:
    """Yield CSV text for `header` and then `rows`, text made inert by `neutralise`.

    `text_columns` (indexes) are the only columns that can hold text; by default every cell is
    checked. Every text cell is quoted, numbers are not: a spreadsheet splitting on `;` or
    tab keeps a cell holding one whole when the cell starts a line, and reads numbers as
    numbers. Rows are written 500 at a time: a streamed response makes few writes while
    memory stays flat whatever the number of rows.
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(header)
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    columns = range(len(header)) if text_columns is None else text_columns
    batch: list[list[Any]] = []
    for row in rows:
        values = list(row)
        for index in columns:
            value = values[index]
            # neutralise's own first test, inlined and looser: most cells end here.
            if isinstance(value, str) and (
                value[:1] in _RISKY_FIRST
                or value[:1] >= "\x80"
                or _RISKY_BREAKS.search(value) is not None
            ):
                values[index] = neutralise(value)
        batch.append(values)
        if len(batch) == 500:
            writer.writerows(batch)
            batch.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(batch)
    yield buffer.getvalue()
