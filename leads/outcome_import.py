"""Read a CSV of outcomes for existing leads: `lead_id,outcome`, or `name,company,outcome`
matched as duplicates are. Streaming and ORM-free, like the lead CSV reader it borrows from.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

# The lead reader's encoding and delimiter detection and header normalisation: one reading of
# what a CSV export looks like for both files.
from leads.csv_import import (
    _SEP_LINE,
    HEADER_ALIASES,
    CsvFormatError,
    CsvTooManyRows,
    RowError,
    _detect_delimiter,
    _normalise_header,
    dedupe_key,
    open_csv_text,
    parse_header_line,
)
from leads.outcomes import OUTCOME_COLUMNS, OutcomeError, parse_outcome

MAX_ID = 2**63 - 1
ID_HEADERS = ("lead id", "leadid", "id")
# Longer than any stored name or company: such a row can match no lead.
MAX_CHARS = 300


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One valid row: the lead, by id or by its duplicate key, and its outcome."""

    line: int
    lead_id: int | None
    dedupe_key: str | None
    outcome: str


class OutcomeCsvReader:
    """Iterate the rows of an outcomes CSV as OutcomeRow or RowError, in file order.

    Construction raises CsvFormatError when the header names neither `lead_id` nor both `name`
    and `company`, or no outcome column; iteration raises it for an unterminated quote, no
    data rows, or more than `max_rows` rows (CsvTooManyRows).
    """

    def __init__(self, file: BinaryIO, *, max_rows: int = 1_000_000) -> None:
        self.max_rows = max_rows
        self.encoding, self._text, self.warnings = open_csv_text(file)
        self.rows_total = 0
        self._header_lines = 0
        header_line = self._next_line()
        sep = _SEP_LINE.fullmatch(header_line.rstrip("\r\n"))
        if sep is not None:
            self.delimiter = sep.group(1)
            header_line = self._next_line()
        else:
            self.delimiter = _detect_delimiter(header_line)
        header = parse_header_line(
            header_line, delimiter=self.delimiter, line_number=self._header_lines
        )
        self._width = len(header)
        self._map_header(header)

    def _next_line(self) -> str:
        try:
            for line in self._text:
                self._header_lines += 1
                if line.strip().strip(",;\t"):
                    return line
        except UnicodeDecodeError as exc:
            raise CsvFormatError(
                f"The file is not valid {self.encoding} text: {exc.reason}."
            ) from None
        raise CsvFormatError("The file is empty.")

    def _map_header(self, header: list[str]) -> None:
        found: dict[str, int] = {}
        ignored: list[str] = []
        for index, raw in enumerate(header):
            label = raw.replace("\ufeff", "").strip()
            key = _normalise_header(label)
            if key in ID_HEADERS:
                field = "lead_id"
            elif key in OUTCOME_COLUMNS:
                field = key
            elif HEADER_ALIASES.get(key) in ("name", "company"):
                field = HEADER_ALIASES[key]
            else:
                if key:
                    ignored.append(label)
                continue
            if field in found:
                raise CsvFormatError(
                    f"Two columns mean {field!r}: keep one of them (column {index + 1})."
                )
            found[field] = index
        self._outcome = next((found[k] for k in OUTCOME_COLUMNS if k in found), -1)
        if self._outcome < 0:
            raise CsvFormatError(
                "Missing the outcome column: the header must name lead_id,outcome or "
                "name,company,outcome."
            )
        self._lead_id = found.get("lead_id", -1)
        self._name, self._company = found.get("name", -1), found.get("company", -1)
        if self._lead_id < 0 and (self._name < 0 or self._company < 0):
            raise CsvFormatError(
                "Missing the lead: the header must name lead_id,outcome or name,company,outcome."
            )
        unused = [k for k in OUTCOME_COLUMNS if k in found and found[k] != self._outcome]
        if self._lead_id >= 0 and self._name >= 0:
            unused.append("name, company (leads are matched by lead_id)")
        if ignored or unused:
            shown = ", ".join([*(repr(label) for label in ignored[:20]), *unused])
            self.warnings.append(f"Ignored column(s): {shown}.")

    def __iter__(self) -> Iterator[OutcomeRow | RowError]:
        reader = csv.reader(self._text, delimiter=self.delimiter, strict=True)
        offset, previous = self._header_lines, 0
        start = offset + 1
        try:
            while True:
                start = offset + previous + 1
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    previous = reader.line_num
                    if "unexpected end of data" in str(exc):
                        raise CsvFormatError(
                            f"Unterminated quoted field starting on line {start}: a '\"' is "
                            "never closed."
                        ) from None
                    self.rows_total += 1
                    yield RowError(start, None, f"Malformed quoting: {exc}.")
                    continue
                previous = reader.line_num
                if not any(value.strip() for value in record):
                    continue
                self.rows_total += 1
                if self.rows_total > self.max_rows:
                    raise CsvTooManyRows(
                        f"The file has more than {self.max_rows} data rows; split it into "
                        "smaller files."
                    )
                yield self._row(start, record)
        except UnicodeDecodeError as exc:
            raise CsvFormatError(
                f"The file is not valid {self.encoding} text near line {start}: {exc.reason}."
            ) from None
        if self.rows_total == 0:
            raise CsvFormatError("The file has a header but no data rows.")

    def _row(self, line: int, record: list[str]) -> OutcomeRow | RowError:
        if len(record) < self._width:
            return RowError(
                line, None, f"Has {len(record)} values but the header has {self._width} columns."
            )
        try:
            outcome = parse_outcome(record[self._outcome])
        except OutcomeError as exc:
            return RowError(line, "outcome", str(exc))
        if self._lead_id >= 0:
            raw = record[self._lead_id].strip()
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and 0 < int(raw) <= MAX_ID):
                return RowError(line, "lead_id", "lead_id must be a lead's id (a positive number).")
            return OutcomeRow(line, int(raw), None, outcome)
        name, company = record[self._name].strip(), record[self._company].strip()
        if not name:
            return RowError(line, "name", "name is required.")
        if len(name) > MAX_CHARS or len(company) > MAX_CHARS:
            return RowError(line, None, "No lead has a name or company this long.")
        return OutcomeRow(line, None, dedupe_key(name, company), outcome)
