"""Property tests of LeadCsvReader: random rows written by csv.writer come back exactly, or
are rejected with their first line and a reason. No database.

The expected outcome of each row comes from a small oracle of the documented rules, written
independently of the reader: values are stripped; a row whose values are all blank is skipped;
a row must have the header's width (trailing blank values aside); the name is required; short
fields hold at most SHORT_LIMIT characters and no C0/C1 control (tab, CR and LF included); the
bio holds at most BIO_LIMIT characters and no control other than tab, CR and LF.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

from hypothesis import (
    HealthCheck,
    assume,
    currently_in_test_context,
    event,
    example,
    given,
    settings,
)
from hypothesis import strategies as st

import tests.hypothesis_profiles  # noqa: F401  (registers and loads the profile)
from leads.csv_import import (
    BIO_LIMIT,
    MIXED,
    SHORT_LIMIT,
    WINDOWS_1252,
    CsvFormatError,
    LeadCsvReader,
    LeadRow,
    RowError,
    dedupe_key,
)

COLUMNS = ("name", "role", "company", "industry", "location", "linkedin_bio")
LIMITS = {c: BIO_LIMIT if c == "linkedin_bio" else SHORT_LIMIT for c in COLUMNS}
SHORT_CONTROLS = frozenset(map(chr, [*range(0x00, 0x20), *range(0x7F, 0xA0)]))
BIO_CONTROLS = SHORT_CONTROLS - {"\t", "\n", "\r"}
# What the universal-newline reading of the file counts as a line break.
LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Pieces that break naive CSV handling, mixed with arbitrary characters: quoting, delimiters,
# every line ending, NUL and other controls, formula prefixes, Unicode whitespace (stripped),
# RTL text and overrides, combining marks, emoji (ZWJ sequences), astral planes, a stray BOM.
TRICKY = (
    '"',
    '""',
    "'",
    ",",
    ";",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\n\r",
    "\x00",
    "\x01",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x1f",
    "\x7f",
    "\x85",
    "\x9f",
    "=",
    "+",
    "-",
    "@",
    "=SUM(A1:A2)",
    " ",
    "   ",
    "\u00a0",
    "\u2003",
    "\u3000",
    "\u2028",
    "\u200f",
    "\u202e",
    "\u0301",
    "e\u0301",
    "مرحبا",
    "שלום",
    "Zoë Müller",
    "東京",
    "\U0001f600",
    "\U0001f469\u200d\U0001f4bb",
    "\U0001f1eb\U0001f1f7",
    "\U00010348",
    "\U000e0041",
    "\ufeff",
    "\ufffd",
    "\uffff",
)
word = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=6)
piece = st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8"), word)
text = st.lists(piece, max_size=10).map("".join)


def clean_text(column: str, *, min_size: int = 0) -> st.SearchStrategy[str]:
    """Text the column accepts apart from its length: no control characters but the bio's
    tab, CR and LF (the category Cc is exactly the C0 and C1 controls)."""
    controls = BIO_CONTROLS if column == "linkedin_bio" else SHORT_CONTROLS
    clean_piece = st.one_of(
        st.sampled_from([p for p in TRICKY if controls.isdisjoint(p)]),
        st.characters(codec="utf-8", exclude_categories=["Cc"]),
        word,
    )
    return st.lists(clean_piece, min_size=min_size, max_size=10).map("".join)


def near_limit(values: st.SearchStrategy[str], limit: int) -> st.SearchStrategy[str]:
    """Values of about `limit` characters: just under, at and just over it once stripped."""
    return st.builds(
        lambda core, size: ((core or "a") * (size // max(len(core), 1) + 1))[:size],
        values,
        st.integers(limit - 2, limit + 2),
    )


def field(column: str) -> st.SearchStrategy[str]:
    """Anything at all, with values that are blank or about the column's limit."""
    blank = st.sampled_from(["", " ", "\t", "\u3000", " \r\n "])
    clean = clean_text(column)
    return st.one_of(clean, clean, text, text, blank, near_limit(clean, LIMITS[column]))


# Two rows in three are valid, so that the identity of imported values is tested as often as
# the rejections; the third may break any rule.
valid_rows = st.fixed_dictionaries(
    {
        c: clean_text(c, min_size=1).filter(str.strip) if c == "name" else clean_text(c)
        for c in COLUMNS
    }
)
row_values = st.one_of(
    valid_rows, valid_rows, st.fixed_dictionaries({c: field(c) for c in COLUMNS})
)


@dataclass(frozen=True)
class Layout:
    """How the file is written: column order, an ignored extra column, dialect and bytes."""

    order: tuple[str, ...]
    extra: bool
    delimiter: str
    terminator: str
    quoting: int
    # "utf-8", "utf-8-sig", "cp1252", "utf-16-le"/"utf-16-be" (with a BOM) or MIXED
    encoding: str

    @property
    def width(self) -> int:
        return len(self.order) + self.extra


layouts = st.builds(
    Layout,
    order=st.permutations(COLUMNS).map(tuple),
    extra=st.booleans(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be"]),
)


@st.composite
def records(draw, layout: Layout):
    """The cells of one written row: the lead values in the layout's order, the extra
    column's value, and sometimes values missing at the end or extra values after them."""
    lead = draw(row_values)
    cells = [lead[c] for c in layout.order]
    if layout.extra:
        cells.append(draw(text))
    shape = draw(st.sampled_from(["exact"] * 10 + ["short", "long"]))
    if shape == "short":
        cells = cells[: draw(st.integers(1, layout.width - 1))]
    elif shape == "long":
        tail = st.one_of(st.sampled_from(["", " "]), text)
        cells += draw(st.lists(tail, min_size=1, max_size=2))
    return cells


@st.composite
def csv_files(draw):
    layout = draw(layouts)
    rows = draw(st.lists(records(layout), max_size=6))
    return layout, rows


def write_csv(layout: Layout, rows: list[list[str]]) -> bytes:
    """Write `rows` under the header as csv.writer does, then encode as the layout says."""
    header = [*layout.order, "Email"] if layout.extra else list(layout.order)
    out = io.StringIO()
    # The writer's terminator is always CRLF: Python 3.11's writer quotes a lone CR only
    # when CR is part of the terminator. Each record's CRLF is then swapped for the layout's.
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=layout.delimiter, lineterminator="\r\n", quoting=layout.quoting
    )
    for cells in [header, *rows]:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        record = buffer.getvalue()
        assert record.endswith("\r\n")
        out.write(record[:-2] + layout.terminator)
    text = out.getvalue()
    if layout.encoding == MIXED:
        # Stand-ins are the bytes of Windows-1252 text; everything else is UTF-8.
        return b"".join(bytes([ord(c) - STAND_IN]) if is_stand_in(c) else c.encode() for c in text)
    if layout.encoding == "utf-16-le":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if layout.encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(layout.encoding)


@dataclass(frozen=True)
class Expected:
    line: int
    values: dict[str, str] | None  # a LeadRow with these values, or
    reasons: frozenset[tuple[str | None, str]]  # a RowError with one of these (field, message)

    @property
    def kind(self) -> str:
        if self.values is not None:
            return "imported"
        kinds = {
            "width" if field is None else message.split(" ")[-1].rstrip(".")
            for field, message in self.reasons
        }
        return "rejected: " + ", ".join(sorted(kinds))


def expected_rows(layout: Layout, rows: list[list[str]]) -> list[Expected]:
    """The oracle: what the reader must yield for `rows`, from the documented rules alone."""
    expected = []
    line = 2  # the header is line 1
    for cells in rows:
        start = line
        line += 1 + sum(len(LINE_BREAK.findall(cell)) for cell in cells)
        if not any(cell.strip() for cell in cells):
            continue  # blank rows are skipped, and not counted
        width = layout.width
        if len(cells) < width or any(cell.strip() for cell in cells[width:]):
            message = f"Has {len(cells)} values but the header has {width} columns"
            expected.append(Expected(start, None, frozenset({(None, message)})))
            continue
        values = {c: cells[i].strip() for i, c in enumerate(layout.order)}
        reasons = set()
        if not values["name"]:
            reasons.add(("name", "name is required."))
        for column, value in values.items():
            limit = LIMITS[column]
            if len(value) > limit:
                reasons.add(
                    (column, f"{column} is {len(value)} characters long; the limit is {limit}.")
                )
            controls = BIO_CONTROLS if column == "linkedin_bio" else SHORT_CONTROLS
            if any(char in controls for char in value):
                reasons.add((column, f"{column} contains control characters."))
        if reasons:
            expected.append(Expected(start, None, frozenset(reasons)))
        else:
            expected.append(Expected(start, values, frozenset()))
    return expected


def looks_binary(data: bytes) -> bool:
    """The documented heuristic for a file without a BOM: many NULs or other controls."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    head = data[: 64 * 1024]
    controls = sum(head.count(b) for b in [*range(0, 9), 11, 12, *range(14, 32)])
    return head.count(0) > max(8, len(head) // 100) or controls > len(head) // 10


def note_event(value: str) -> None:
    if currently_in_test_context():
        event(value)


def check_reader(layout: Layout, rows: list[list[str]], data: bytes) -> LeadCsvReader | None:
    """Read `data` and compare every yielded item with the oracle's expectation."""
    expected = expected_rows(layout, rows)
    refused: CsvFormatError | None = None
    try:
        reader = LeadCsvReader(io.BytesIO(data))
        items = list(reader)
    except CsvFormatError as exc:
        refused = exc
    if refused is not None:
        if looks_binary(data):
            note_event("refused: binary")
            assert "binary data" in refused.message
        else:
            note_event("refused: no data rows")
            assert not expected, f"a file with data rows was refused: {refused.message}"
            assert refused.message == "The file has a header but no data rows."
        return None
    assert not looks_binary(data), "a binary-looking file was read as text"
    assert reader.delimiter == layout.delimiter
    warnings = reader.warnings[1:] if reader.encoding == MIXED else reader.warnings
    assert warnings == (["Ignored extra column(s): 'Email'."] if layout.extra else [])
    assert reader.rows_total == len(expected) == len(items)
    for want, item in zip(expected, items, strict=True):
        note_event(f"row: {want.kind}")
        if want.values is not None:
            assert isinstance(item, LeadRow), (want, item)
            assert item.line == want.line
            assert item._asdict() == {
                "line": want.line,
                **want.values,
                "dedupe_key": dedupe_key(want.values["name"], want.values["company"]),
                "outcome": "",
            }
        else:
            assert isinstance(item, RowError), (want, item)
            assert item.line == want.line
            if item.field is None:
                assert any(
                    field is None and item.message.startswith(message)
                    for field, message in want.reasons
                ), (want, item)
            else:
                assert (item.field, item.message) in want.reasons, (want, item)
    return reader


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
@example(
    (
        Layout(COLUMNS, False, ",", "\n", csv.QUOTE_MINIMAL, "utf-8"),
        [
            ['  Ava "Al" O\'Neil ', "=HYPERLINK(1)", "Acme; Inc, \u202eLtd", "", "", "a\r\nb\rc\n"],
            ["\x00Ben", "", "", "", "", ""],
            [" ", "", "\t", "", "", " \r\n "],
            ["Cara", "CTO", "", "", "", "bio\x0b"],
        ],
    )
)
def test_random_rows_come_back_stripped_or_are_rejected_with_line_and_reason(file):
    layout, rows = file
    check_reader(layout, rows, write_csv(layout, rows))


def test_oracle_counts_lines_and_reasons_of_a_known_file():
    # The oracle itself, on a file whose outcome is known by hand.
    layout = Layout(COLUMNS, False, ",", "\n", csv.QUOTE_MINIMAL, "utf-8")
    rows = [
        ["Ava", "", "", "", "", "two\nlines"],
        [" ", "", "", "", "", ""],
        ["", "CTO", "", "", "", ""],
        ["Ben\t", "x" * (SHORT_LIMIT + 1), "", "", "", ""],
        ["Cara"],
    ]
    assert expected_rows(layout, rows) == [
        Expected(
            2, dict(zip(COLUMNS, ["Ava", "", "", "", "", "two\nlines"], strict=True)), frozenset()
        ),
        Expected(5, None, frozenset({("name", "name is required.")})),
        Expected(6, None, frozenset({("role", "role is 301 characters long; the limit is 300.")})),
        Expected(7, None, frozenset({(None, "Has 1 values but the header has 6 columns")})),
    ]
    check_reader(layout, rows, write_csv(layout, rows))


# --- Windows-1252 ---------------------------------------------------------------------------

# Every character Windows-1252 can encode (five of its bytes are undefined).
CP1252 = [
    bytes([b]).decode("cp1252") for b in range(256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
]
# A byte that can start a UTF-8 sequence is followed by an ASCII character: the file is then
# never also valid UTF-8 (in whole or in part), and Windows-1252 is the only reading of it.
UTF8_LEADS = [c for c in CP1252 if 0xC2 <= c.encode("cp1252")[0] <= 0xF4]
OTHERS = [c for c in CP1252 if c not in UTF8_LEADS]


def cp1252_values(*, clean: bool, min_size: int = 0) -> st.SearchStrategy[str]:
    """Windows-1252 text, without control characters when `clean`."""
    allowed = (lambda p: SHORT_CONTROLS.isdisjoint(p)) if clean else (lambda p: True)
    ascii_char = st.characters(codec="ascii", exclude_categories=["Cc"] if clean else [])
    piece = st.one_of(
        st.sampled_from([p for p in TRICKY if p.isascii() and allowed(p)]),
        st.sampled_from([c for c in OTHERS if allowed(c)]),
        st.builds(str.__add__, st.sampled_from(UTF8_LEADS), ascii_char),
    )
    return st.lists(piece, min_size=min_size, max_size=10).map("".join)


# As above, two rows in three are valid.
cp1252_valid_rows = st.fixed_dictionaries(
    {"name": cp1252_values(clean=True, min_size=1).filter(str.strip)}
    | dict.fromkeys(COLUMNS[1:], cp1252_values(clean=True))
)
cp1252_rows = st.one_of(
    cp1252_valid_rows,
    cp1252_valid_rows,
    st.fixed_dictionaries(dict.fromkeys(COLUMNS, cp1252_values(clean=False))),
)


@st.composite
def cp1252_files(draw):
    layout = Layout(**{**draw(layouts).__dict__, "encoding": "cp1252"})
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        lead = draw(cp1252_rows)
        cells = [lead[c] for c in layout.order]
        if layout.extra:
            cells.append(draw(cp1252_values(clean=False)))
        rows.append(cells)
    return layout, rows


@settings(max_examples=150, deadline=None)
@given(cp1252_files())
def test_windows_1252_text_round_trips_through_a_windows_1252_file(file):
    layout, rows = file
    data = write_csv(layout, rows)
    reader = check_reader(layout, rows, data)
    if reader is not None:
        assert reader.encoding == ("utf-8" if data.isascii() else WINDOWS_1252)


# --- UTF-8 with stray Windows-1252 ------------------------------------------------------------

# Windows-1252 fields are written as stand-ins, private-use characters whose low byte is the
# byte to write: the CSV is written as text, then encoded field by field.
STAND_IN = 0xF0000


def is_stand_in(char: str) -> bool:
    return STAND_IN <= ord(char) <= STAND_IN + 0xFF


def stand_ins(value: str) -> str:
    return "".join(c if c.isascii() else chr(STAND_IN + c.encode("cp1252")[0]) for c in value)


@st.composite
def mixed_files(draw):
    """UTF-8 files in which some fields are Windows-1252 (a paste from an old spreadsheet):
    the rows as they should read, and as written (with stand-ins)."""
    layout = Layout(**{**draw(layouts).__dict__, "encoding": MIXED})
    rows, written = [], []
    for _ in range(draw(st.integers(1, 5))):
        utf8, cp1252 = draw(row_values), draw(cp1252_rows)
        pasted = draw(st.lists(st.booleans(), min_size=6, max_size=6))
        cells, as_written = [], []
        for column in layout.order:
            if pasted[COLUMNS.index(column)]:
                cells.append(cp1252[column])
                as_written.append(stand_ins(cp1252[column]))
            else:
                assume(not any(map(is_stand_in, utf8[column])))
                cells.append(utf8[column])
                as_written.append(utf8[column])
        if layout.extra:
            cells.append("")
            as_written.append("")
        rows.append(cells)
        written.append(as_written)
    return layout, rows, written


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed_files())
def test_windows_1252_fields_in_a_utf8_file_read_as_written(file):
    layout, rows, written = file
    data = write_csv(layout, written)
    reader = check_reader(layout, rows, data)
    if reader is not None:
        text = "".join("".join(cells) for cells in written)
        pasted = any(map(is_stand_in, text))
        utf8 = any(not c.isascii() and not is_stand_in(c) for c in text)
        want = MIXED if pasted and utf8 else WINDOWS_1252 if pasted else "utf-8"
        assert reader.encoding == want
