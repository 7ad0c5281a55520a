"""Read lead CSVs as real exports produce them: detect encoding and delimiter, map headers,
validate rows. Streaming and ORM-free: the caller decides what to store.

`LeadCsvReader(file)` checks the file's structure on construction (raising CsvFormatError) and
then yields one `LeadRow` or `RowError` per data row, in file order.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple

from leads.labels import quoted, quoted_list
from leads.outcomes import OUTCOME_COLUMNS, UNKNOWN, OutcomeError, parse_outcome

# The spec's columns, in the spec's order.
COLUMNS = ("name", "role", "company", "industry", "location", "linkedin_bio")
# Only a name is required: a lead without the other fields is still worth scoring, it just
# earns no completeness points.
# Bios are paragraphs; every other field is a short label.
SHORT_LIMIT = 300
BIO_LIMIT = 5000
FIELD_LIMITS = {c: BIO_LIMIT if c == "linkedin_bio" else SHORT_LIMIT for c in COLUMNS}
# The csv module refuses fields longer than its limit. Above any upload size: an over-long
# field is its row's problem (rejected with its length), and an unterminated quote is
# reported as such at the end of the file; the upload limit bounds the memory either way.
MAX_FIELD_CHARS = 256 * 1024 * 1024
MAX_ERRORS_REPORTED = 100
# A data row that repeats the header (exports glued together) is no lead.
REPEATED_HEADER = "Repeats the header line: skipped."
# Enough of the file to recognise binaries and UTF-16 without a BOM.
SNIFF_BYTES = 64 * 1024
READ_CHUNK = 1024 * 1024

csv.field_size_limit(MAX_FIELD_CHARS)

# Header spellings seen in CRM, spreadsheet and LinkedIn exports, after normalisation
# (casefolded, `_`/`-`/`.` as spaces, spaces collapsed).
HEADER_ALIASES = {
    "name": "name",
    "full name": "name",
    "lead name": "name",
    "contact name": "name",
    "role": "role",
    "title": "role",
    "job title": "role",
    "position": "role",
    "company": "company",
    "company name": "company",
    "organization": "company",
    "organisation": "company",
    "account name": "company",
    "industry": "industry",
    "location": "location",
    "linkedin bio": "linkedin_bio",
    "linkedinbio": "linkedin_bio",
    "linkedin summary": "linkedin_bio",
    "linkedin about": "linkedin_bio",
    "bio": "linkedin_bio",
    "summary": "linkedin_bio",
    "about": "linkedin_bio",
}
# CRMs export some fields in parts; when the whole column is absent, the parts found are
# joined, in this order, to make it: "First Name" + "Last Name" (HubSpot, Salesforce), "City",
# "State/Region" and "Country/Region" (HubSpot, Apollo, Salesforce's "Mailing ...").
FIELD_PARTS: dict[str, tuple[str, dict[str, int]]] = {
    "name": (" ", {"first name": 0, "firstname": 0, "last name": 1, "lastname": 1}),
    "location": (
        ", ",
        {
            "city": 0,
            "mailing city": 0,
            "state": 1,
            "region": 1,
            "province": 1,
            "state region": 1,
            "state/region": 1,
            "mailing state": 1,
            "mailing state/province": 1,
            "country": 2,
            "country region": 2,
            "country/region": 2,
            "mailing country": 2,
        },
    ),
}
_PART_OF = {key: field for field, (_, parts) in FIELD_PARTS.items() for key in parts}
# Excel writes a first line "sep=;" naming the delimiter of what follows.
_SEP_LINE = re.compile(r'\s*"?sep=([^\w\s"]|\t)"?\s*', re.IGNORECASE)

# Leading bytes of files people upload by mistake instead of a CSV export.
BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook is one): export it as CSV",
    b"\xd0\xcf\x11\xe0": "an Excel .xls workbook: export it as CSV",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"SQLite format 3": "a SQLite database",
}

# C0/C1 control characters other than tab, LF and CR: never part of a bio.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Short fields are single-line labels: tabs and line breaks are control characters there.
_SHORT_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_KEY_WORD = re.compile(r"[^\W_]+")
_HEADER_JUNK = re.compile(r"[\s_\-.]+")


UTF8 = "utf-8"
WINDOWS_1252 = "windows-1252"
# UTF-8 in which the bytes that are not valid UTF-8 are read as Windows-1252.
MIXED = "utf-8+windows-1252"
_ASCII = bytes(range(128))
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _c1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    # Windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; Windows itself (and the
    # WHATWG encoding standard) maps them to the C1 controls of the same value. Decoding them
    # that way keeps every byte accounted for: the row is then rejected for control characters.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    byte = error.object[error.start]
    return chr(byte), error.start + 1


def _windows_1252_for_invalid_utf8(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="leadscoring_c1"), error.end


codecs.register_error("leadscoring_c1", _c1_for_undefined)
codecs.register_error("leadscoring_cp1252", _windows_1252_for_invalid_utf8)
# How each detected encoding is decoded: (codec, error handler).
_DECODING = {
    UTF8: ("utf-8", "strict"),
    WINDOWS_1252: ("cp1252", "leadscoring_c1"),
    MIXED: ("utf-8", "leadscoring_cp1252"),
    "utf-16-le": ("utf-16-le", "strict"),
    "utf-16-be": ("utf-16-be", "strict"),
}


class CsvFormatError(ValueError):
    """The file as a whole is not a usable lead CSV; nothing of it should be stored."""

    too_large = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_header_line(line: str, *, delimiter: str, line_number: int) -> list[str]:
    """Return the column labels of a header line; raise CsvFormatError for malformed quoting."""
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True), [])
    except csv.Error as exc:
        raise CsvFormatError(
            f"The header (line {line_number}) has malformed quoting: {exc}. Quote a "
            'column name whole ("role") or not at all.'
        ) from None


def open_csv_text(file: BinaryIO) -> tuple[str, io.TextIOWrapper, list[str]]:
    """Detect `file`'s encoding and return it, the file as text, and the warnings to show.

    Universal newlines with newline="": LF, CRLF and lone CR all end a record, and the csv
    module still sees line breaks inside quoted fields.
    """
    encoding, _ = detect_encoding(file)
    codec, errors = _DECODING[encoding]
    text = io.TextIOWrapper(file, encoding=codec, errors=errors, newline="")
    warnings = []
    if encoding == MIXED:
        warnings.append(
            "The file is UTF-8 with some bytes that are not; those were read as "
            "Windows-1252. Check accented characters."
        )
    return encoding, text, warnings


class CsvTooManyRows(CsvFormatError):
    too_large = True


class LeadRow(NamedTuple):
    """A valid data row; its fields are in the order the lead table stores them."""

    line: int
    name: str
    role: str
    company: str
    industry: str
    location: str
    linkedin_bio: str
    dedupe_key: str
    outcome: str = UNKNOWN  # from an optional outcome column (see leads.outcomes)


# tuple.__new__ skips the generated NamedTuple.__new__: a third of a row's creation cost.
_new_row = tuple.__new__


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    field: str | None
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message}


def normalise_key_part(value: str) -> str:
    """Return `value` as compared for duplicates: NFKC, casefolded, punctuation as spaces."""
    folded = value.lower() if value.isascii() else unicodedata.normalize("NFKC", value).casefold()
    return " ".join(_KEY_WORD.findall(folded))


def dedupe_key(name: str, company: str) -> str:
    """Return the key two leads share when they are the same person at the same company."""
    raw = f"{normalise_key_part(name)}\x1f{normalise_key_part(company)}"
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def detect_encoding(file: BinaryIO) -> tuple[str, int]:
    """Return (codec, bytes to skip) for `file`, leaving it at the start of the text.

    The codec is "utf-8" (BOM or not), "utf-16-le"/"utf-16-be" (BOM, or recognisable without
    one), "windows-1252" when the bytes are not UTF-8, or "utf-8+windows-1252" for UTF-8 with
    stray Windows-1252 bytes. Raises CsvFormatError for empty and binary files.
    """
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    if not head.strip(b" \t\r\n\x00"):
        raise CsvFormatError("The file is empty.")
    if head.startswith(codecs.BOM_UTF8):
        codec, skip = "utf-8", 3
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
        skip = 2
    else:
        for signature, what in BINARY_SIGNATURES.items():
            if head.startswith(signature):
                raise CsvFormatError(f"This is not a CSV file: it looks like {what}.")
        codec, skip = _utf16_without_bom(head) or ("utf-8", 0)
        if codec == "utf-8" and _looks_binary(head):
            raise CsvFormatError(
                "This is not a CSV file: it contains binary data. Upload a text CSV export."
            )
    if codec == "utf-8":
        codec = _utf8_or_windows_1252(file, skip)
    file.seek(skip)
    return codec, skip


def _utf16_without_bom(head: bytes) -> tuple[str, int] | None:
    sample = head[: len(head) & ~1]
    if len(sample) < 4:
        return None
    pairs = len(sample) // 2
    # ASCII text in UTF-16 has a NUL in every other byte; binary files do not line up.
    if sample[1::2].count(0) >= 0.9 * pairs and sample[0::2].count(0) < 0.1 * pairs:
        return "utf-16-le", 0
    if sample[0::2].count(0) >= 0.9 * pairs and sample[1::2].count(0) < 0.1 * pairs:
        return "utf-16-be", 0
    return None


def _looks_binary(head: bytes) -> bool:
    # A stray NUL in a row is that row's problem; many of them mean the file is not text.
    controls = sum(head.count(bytes([b])) for b in (*range(0, 9), 11, 12, *range(14, 32)))
    return head.count(0) > max(8, len(head) // 100) or controls > len(head) // 10


def _utf8_or_windows_1252(file: BinaryIO, skip: int) -> str:
    """Return UTF8, WINDOWS_1252 or MIXED for a file that is not UTF-16."""
    file.seek(skip)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(READ_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        pass
    else:
        return UTF8
    # Not UTF-8. If no non-ASCII byte at all was valid UTF-8, it is a Windows-1252 export;
    # otherwise a UTF-8 file with stray Windows-1252 bytes (a paste from an old spreadsheet).
    file.seek(skip)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    non_ascii = invalid = 0
    while chunk := file.read(READ_CHUNK):
        non_ascii += len(chunk.translate(None, _ASCII))
        invalid += len(_ESCAPED_BYTE.findall(decoder.decode(chunk)))
    invalid += len(_ESCAPED_BYTE.findall(decoder.decode(b"", final=True)))
    return WINDOWS_1252 if invalid == non_ascii else MIXED


def _detect_delimiter(header_line: str) -> str:
    counts = {d: _count_unquoted(header_line, d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _count_unquoted(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def _normalise_header(value: str) -> str:
    return _HEADER_JUNK.sub(" ", value.replace("\ufeff", "").strip().casefold()).strip()


def _header_probe(header: list[str]) -> tuple[int, str]:
    """Return the index and lowercased label of the header's first named column."""
    for index, raw in enumerate(header):
        label = raw.replace("\ufeff", "").strip().lower()
        if label:
            return index, label
    return 0, ""


def _repeated_header_warning(lines: list[int], count: int) -> str:
    shown = ", ".join(map(str, lines))
    more = f" and {count - len(lines)} more" if count > len(lines) else ""
    return (
        f"The header line is repeated as a data row on line(s) {shown}{more} (files joined "
        "together?): skipped, and counted as rejected."
    )


class LeadCsvReader:
    """Iterate the data rows of a lead CSV as LeadRow or RowError, in file order.

    Construction reads the header and raises CsvFormatError when the file cannot be a lead
    CSV (binary, empty, no header, missing or duplicate columns). Iteration raises
    CsvFormatError for problems found later that sink the whole file: an unterminated quote,
    no data rows, or more than `max_rows` rows (CsvTooManyRows).
    """

    def __init__(self, file: BinaryIO, *, max_rows: int = 1_000_000) -> None:
        self.max_rows = max_rows
        self.encoding, self._text, self.warnings = open_csv_text(file)
        self.rows_total = 0
        self._header_lines = 0
        header_line = self._read_header_line()
        sep = _SEP_LINE.fullmatch(header_line.rstrip("\r\n"))
        self._delimiter_named = sep is not None
        if sep is not None:
            self.delimiter = sep.group(1)
            header_line = self._read_header_line()
        else:
            self.delimiter = _detect_delimiter(header_line)
        header = self._parse_header(header_line)
        self._columns, self._parts = self._map_header(header)
        self._header_keys = tuple(_normalise_header(label) for label in header)
        self._header_probe = _header_probe(header)
        # Lines of the data rows repeating the header: the first 20, and how many in all.
        self._header_repeats: list[int] = []
        self._header_repeat_count = 0
        self._indexes = tuple(self._columns[c] for c in COLUMNS)
        self._width = len(header)

    def _parse_header(self, line: str) -> list[str]:
        return parse_header_line(line, delimiter=self.delimiter, line_number=self._header_lines)

    def _repeats_header(self, record: list[str]) -> bool:
        # Cheap test first (one column's label), then every named column, as the header is read.
        index, label = self._header_probe
        if index >= len(record) or record[index].lstrip("\ufeff").strip().lower() != label:
            return False
        keys = self._header_keys
        return len(record) >= len(keys) and all(
            not key or _normalise_header(value) == key
            for value, key in zip(record, keys, strict=False)
        )

    def _read_header_line(self) -> str:
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

    def _map_header(
        self, header: list[str]
    ) -> tuple[dict[str, int], dict[str, tuple[str, list[int]]]]:
        columns: dict[str, int] = {}
        found_parts: dict[str, dict[int, int]] = {field: {} for field in FIELD_PARTS}
        seen: dict[str, str] = {}
        ignored: list[str] = []
        outcome_columns: dict[str, tuple[int, str]] = {}
        for index, raw in enumerate(header):
            label = raw.replace("\ufeff", "").strip()
            key = _normalise_header(label)
            if not key:
                continue
            if key in seen:
                raise CsvFormatError(
                    f"Duplicate column names: {quoted(seen[key])} and {quoted(label)}. Each "
                    "column may appear once."
                )
            seen[key] = label
            field = HEADER_ALIASES.get(key)
            if field is not None:
                if field in columns:
                    other = header[columns[field]].strip()
                    raise CsvFormatError(
                        f"Columns {quoted(other)} and {quoted(label)} both mean {field!r}; "
                        "keep one of them."
                    )
                columns[field] = index
            elif key in _PART_OF:
                field = _PART_OF[key]
                order = FIELD_PARTS[field][1][key]
                if order in found_parts[field]:
                    other = header[found_parts[field][order]].strip()
                    raise CsvFormatError(
                        f"Columns {quoted(other)} and {quoted(label)} both give the same part "
                        f"of {field!r}; keep one of them."
                    )
                found_parts[field][order] = index
            else:
                if key in OUTCOME_COLUMNS:
                    outcome_columns[key] = (index, label)
                ignored.append(label)
        self._outcome = self._outcome_column(outcome_columns, ignored)
        parts: dict[str, tuple[str, list[int]]] = {}
        for field, by_order in found_parts.items():
            if field not in columns and by_order:
                columns[field] = -1  # joined from its parts
                parts[field] = (FIELD_PARTS[field][0], [by_order[o] for o in sorted(by_order)])
        missing = [c for c in COLUMNS if c not in columns]
        if missing:
            found = quoted_list([h.strip() for h in header if h.strip()]) or "none"
            raise CsvFormatError(
                f"Missing required column(s): {', '.join(missing)}. The header must name "
                f"{', '.join(COLUMNS)} (any order and case); found: {found}"
                + (
                    f" (split on {self.delimiter!r}, as the file's first line 'sep=' says)."
                    if self._delimiter_named
                    else "."
                )
            )
        if ignored:
            self.warnings.append(f"Ignored extra column(s): {quoted_list(ignored)}.")
        return columns, parts

    @staticmethod
    def _outcome_column(found: dict[str, tuple[int, str]], ignored: list[str]) -> int:
        """Return the index of the column read as the outcome (-1: none), taking it out of
        `ignored`: `outcome` when present, else the first of the CRM names for it."""
        for key in OUTCOME_COLUMNS:
            if key in found:
                index, label = found[key]
                ignored.remove(label)
                return index
        return -1

    def __iter__(self) -> Iterator[LeadRow | RowError]:
        reader = csv.reader(self._text, delimiter=self.delimiter, strict=True)
        offset = self._header_lines
        previous = 0
        start = offset + 1
        max_rows = self.max_rows
        row = self._row
        probe, label = self._header_probe
        # First characters a repeat of the header can start with: most rows skip the test.
        starts = frozenset({label[:1], label[:1].upper(), " ", "\t", "\ufeff"})
        try:
            while True:
                start = offset + previous + 1
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    message = str(exc)
                    previous = reader.line_num
                    if "unexpected end of data" in message:
                        raise CsvFormatError(
                            f"Unterminated quoted field starting on line {start}: a '\"' is "
                            "never closed."
                        ) from None
                    if "field larger than field limit" in message:
                        raise CsvFormatError(
                            f"A field starting on line {start} runs past {MAX_FIELD_CHARS} "
                            "characters: probably an unterminated quote."
                        ) from None
                    self.rows_total += 1
                    yield RowError(start, None, f"Malformed quoting: {message}.")
                    continue
                previous = reader.line_num
                if not (record and record[0].strip()) and not any(v.strip() for v in record):
                    continue  # blank line, or a line of bare delimiters
                self.rows_total += 1
                if self.rows_total > max_rows:
                    raise CsvTooManyRows(
                        f"The file has more than {max_rows} data rows; split it into smaller files."
                    )
                if (
                    len(record) > probe
                    and record[probe][:1] in starts
                    and self._repeats_header(record)
                ):
                    self._header_repeat_count += 1
                    if len(self._header_repeats) < 20:
                        self._header_repeats.append(start)
                    yield RowError(start, None, REPEATED_HEADER)
                    continue
                yield row(start, record)
        except UnicodeDecodeError as exc:
            raise CsvFormatError(
                f"The file is not valid {self.encoding} text near line {start}: {exc.reason}."
            ) from None
        if self.rows_total == 0:
            raise CsvFormatError("The file has a header but no data rows.")
        if self._header_repeat_count:
            self.warnings.append(
                _repeated_header_warning(self._header_repeats, self._header_repeat_count)
            )

    def _row(self, line: int, record: list[str]) -> LeadRow | RowError:
        width = self._width
        if len(record) != width and (
            len(record) < width or any(value.strip() for value in record[width:])
        ):
            hint = "" if len(record) < width else " (an unquoted delimiter inside a value?)"
            return RowError(
                line, None, f"Has {len(record)} values but the header has {width} columns{hint}."
            )
        name_i, role_i, company_i, industry_i, location_i, bio_i = self._indexes
        name = record[name_i].strip() if name_i >= 0 else self._joined("name", record)
        role = record[role_i].strip()
        company = record[company_i].strip()
        industry = record[industry_i].strip()
        location = (
            record[location_i].strip() if location_i >= 0 else self._joined("location", record)
        )
        bio = record[bio_i].strip()
        if not name:
            return RowError(line, "name", "name is required.")
        # One length test and two scans per row: the common, clean row pays little.
        if (
            len(name) > SHORT_LIMIT
            or len(role) > SHORT_LIMIT
            or len(company) > SHORT_LIMIT
            or len(industry) > SHORT_LIMIT
            or len(location) > SHORT_LIMIT
            or len(bio) > BIO_LIMIT
            or _SHORT_FORBIDDEN.search(name + role + company + industry + location)
            or _CONTROL.search(bio)
        ):
            return self._row_problem(line, name, role, company, industry, location, bio)
        outcome = UNKNOWN
        if self._outcome >= 0:
            try:
                outcome = parse_outcome(record[self._outcome])
            except OutcomeError as exc:
                return RowError(line, "outcome", str(exc))
        return _new_row(
            LeadRow,
            (
                line,
                name,
                role,
                company,
                industry,
                location,
                bio,
                dedupe_key(name, company),
                outcome,
            ),
        )

    def _joined(self, field: str, record: list[str]) -> str:
        separator, indexes = self._parts[field]
        return separator.join(value for i in indexes if (value := record[i].strip()))

    @staticmethod
    def _row_problem(line: int, *values: str) -> RowError:
        for field, value in zip(COLUMNS, values, strict=True):
            limit = FIELD_LIMITS[field]
            if len(value) > limit:
                return RowError(
                    line, field, f"{field} is {len(value)} characters long; the limit is {limit}."
                )
            pattern = _CONTROL if field == "linkedin_bio" else _SHORT_FORBIDDEN
            if pattern.search(value):
                return RowError(line, field, f"{field} contains control characters.")
        raise AssertionError("a row flagged as invalid has no invalid field")
