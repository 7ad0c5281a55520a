"""Property tests of the export: lead values uploaded through the API come back identical in
GET /leads/, GET /results/ and GET /results/export/ (there only formula-like cells get a `'`),
and csv_lines round-trips any rows through csv.reader whatever the batching."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import tempfile
import unicodedata
from pathlib import Path

import hypothesis
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

import tests.hypothesis_profiles  # noqa: F401  (registers and loads the profile)
from leads.csv_import import BIO_LIMIT, SHORT_LIMIT, dedupe_key
from scoring.exports import EXPORT_COLUMNS, csv_lines, neutralise
from scoring.management.commands.score_csv import COLUMNS as SCORE_CSV_COLUMNS
from tests.factories import OfferFactory

COLUMNS = ("name", "role", "company", "industry", "location", "linkedin_bio")
# The lead columns GET /results/ and the export show (the bio is only in GET /leads/).
SHOWN = COLUMNS[:5]
# As documented: a text cell starting with one of these is exported with a `'` in front.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Where a spreadsheet may start a cell inside a text: after any separator it may split on
# (`,` `;` tab) or a line break.
BREAK = re.compile(r"[,;\t\r\n]")


def formula_like(text: str) -> bool:
    """Documented: past any `"` (a spreadsheet's quote handling may drop them) and invisible
    characters (category Cf), = + - @ or a form NFKC folds to one of them (full-width, small,
    superscript)."""
    hidden = '"' + "".join(c for c in set(text) if unicodedata.category(c) == "Cf")
    visible = text.lstrip(hidden)
    return unicodedata.normalize("NFKC", visible[:1]).startswith(("=", "+", "-", "@"))


def exported(value: str) -> str:
    """The export cell of a text value, by the documented rule: a `'` in front of the text
    that starts like a formula (or with a break), and right after each break followed by text
    that does."""
    risky = value.startswith(FORMULA_STARTS[4:]) or formula_like(value)
    cell, done = ("'" if risky else ""), 0
    for match in BREAK.finditer(value):
        if formula_like(value[match.end() :]):
            cell += value[done : match.end()] + "'"
            done = match.end()
    return cell + value[done:]


# --- csv_lines and neutralise, no database --------------------------------------------------

TRICKY = (
    '"',
    "'",
    ",",
    ";",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\x00",
    "\x1b",
    "\x85",
    "=",
    "+",
    "-",
    "@",
    "=HYPERLINK(1)",
    " ",
    "\u00a0",
    "\u2028",
    "\u202e",
    "e\u0301",
    "مرحبا",
    "\U0001f469\u200d\U0001f4bb",
    "\U00010348",
    "\ufeff",
    "\\",
)
any_text = st.lists(
    st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8")), max_size=8
).map("".join)
cells = st.one_of(any_text, any_text, any_text, st.none(), st.integers())


@st.composite
def tables(draw):
    """A header, rows of its width (a few distinct ones repeated, to cross the 500-row
    batches cheaply) and the columns to neutralise (None: all)."""
    width = draw(st.integers(1, 5))
    header = draw(st.lists(any_text, min_size=width, max_size=width))
    distinct = draw(st.lists(st.lists(cells, min_size=width, max_size=width), min_size=1))
    count = draw(st.sampled_from([0, 1, 2, 3, 499, 500, 501, 999, 1000, 1001, 1234]))
    rows = [distinct[i % len(distinct)] for i in range(count)]
    text_columns = draw(st.none() | st.lists(st.integers(0, width - 1), unique=True))
    return header, rows, text_columns


def expected_cell(value: object, checked: bool) -> object:
    if checked and isinstance(value, str):
        return exported(value)
    return value


@hypothesis.settings(max_examples=100, deadline=None)
@given(tables())
def test_csv_lines_round_trip_any_rows_with_only_formula_cells_neutralised(table):
    header, rows, text_columns = table
    before = [list(row) for row in rows]
    checked = set(range(len(header)) if text_columns is None else text_columns)

    chunks = list(csv_lines(iter(rows), header=header, text_columns=text_columns))

    assert rows == before, "the rows given were modified"
    want = [[expected_cell(v, i in checked) for i, v in enumerate(row)] for row in rows]
    # Batching changes nothing: the same text as one csv.writer call over all the rows, the
    # header as is and then every text cell quoted.
    reference = io.StringIO()
    csv.writer(reference, lineterminator="\r\n").writerow(header)
    csv.writer(reference, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC).writerows(want)
    text = "".join(chunks)
    assert text == reference.getvalue()
    # What a CSV reader sees: every value back, None as "", numbers as text.
    as_read = [["" if v is None else str(v) for v in row] for row in [header, *want]]
    assert list(csv.reader(io.StringIO(text, newline=""), strict=True)) == as_read
    # One chunk per 500 rows (and the last), each ending on a record boundary.
    assert len(chunks) == len(rows) // 500 + 1
    parsed = [
        record
        for chunk in chunks
        for record in csv.reader(io.StringIO(chunk, newline=""), strict=True)
    ]
    assert parsed == as_read


@given(st.one_of(any_text, st.none(), st.integers(), st.floats(allow_nan=False)))
def test_neutralise_prefixes_exactly_the_text_that_starts_like_a_formula(value):
    assert neutralise(value) == expected_cell(value, checked=True)


RISKY = (
    "=",
    "+",
    "-",
    "@",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",
    "\u200b",
    "\ufeff",
    "\u202e",
    '""',
)
risky_text = st.lists(
    st.one_of(st.sampled_from(RISKY + TRICKY), st.characters(codec="utf-8")), max_size=10
).map("".join)


@hypothesis.settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(risky_text, min_size=1, max_size=4), min_size=1, max_size=4))
def test_no_cell_starts_like_a_formula_whatever_separator_a_spreadsheet_splits_on(rows):
    width = max(len(row) for row in rows)
    text = "".join(
        csv_lines([row + [""] * (width - len(row)) for row in rows], header=["h"] * width)
    )

    # Read as Excel and LibreOffice read CSV: a quote opens a quoted value only at the start of
    # a cell; ",", ";" or tab as the separator (the locale's or the user's choice).
    for separator in (",", ";", "\t"):
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            for cell in record:
                # Past line breaks and tabs too, which some spreadsheets trim; and past quotes
                # (formula_like), which another reading of them may drop.
                assert not formula_like(cell.lstrip("\t\r\n")), (separator, cell)


# --- upload, score, results and export through the API --------------------------------------

# What the reader accepts: no C0/C1 control characters (category Cc) in short fields, only
# tab, CR and LF in the bio. Backslash sequences probe PostgreSQL's COPY text format.
VALID_TRICKY = (
    '"',
    '""',
    "'",
    ",",
    ";",
    "=",
    "+",
    "-",
    "@",
    "=SUM(A1:A2)",
    "+44 20 7946 0000",
    "@handle",
    " ",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\u200f",
    "\u202e",
    "\u0301",
    "e\u0301",
    "مرحبا",
    "東京",
    "\U0001f600",
    "\U0001f469\u200d\U0001f4bb",
    "\U00010348",
    "\ufeff",
    "\uffff",
    "\\",
    "\\N",
    "\\.",
    "\\t",
    "\\r\\n",
)
BIO_BREAKS = ("\t", "\r", "\n", "\r\n", "\n\\.\n", "\\\n")
word = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=6)
short_piece = st.one_of(
    st.sampled_from(VALID_TRICKY), st.characters(codec="utf-8", exclude_categories=["Cc"]), word
)
bio_piece = st.one_of(short_piece, st.sampled_from(BIO_BREAKS))


def values(piece: st.SearchStrategy[str], limit: int, *, min_size: int = 0):
    text = st.lists(piece, min_size=min_size, max_size=8).map("".join)
    # Now and then as long as the column allows (stripping can only shorten it).
    at_limit = st.builds(lambda core: ((core or "a") * limit)[:limit], text)
    return st.one_of(text, text, text, text, at_limit)


leads = st.lists(
    st.fixed_dictionaries(
        {
            "name": values(short_piece, SHORT_LIMIT, min_size=1).filter(str.strip),
            "role": values(short_piece, SHORT_LIMIT),
            "company": values(short_piece, SHORT_LIMIT),
            "industry": values(short_piece, SHORT_LIMIT),
            "location": values(short_piece, SHORT_LIMIT),
            "linkedin_bio": values(bio_piece, BIO_LIMIT),
        }
    ),
    min_size=1,
    max_size=5,
)
dialects = st.fixed_dictionaries(
    {
        "order": st.permutations(COLUMNS),
        "delimiter": st.sampled_from([",", ";", "\t"]),
        "terminator": st.sampled_from(["\n", "\r\n", "\r"]),
        "bom": st.booleans(),
        "multipart": st.booleans(),  # else a raw text/csv body
    }
)


def csv_file(rows: list[dict[str, str]], dialect: dict) -> tuple[bytes, list[int]]:
    """The rows as csv.writer writes them, and the line each row starts on."""
    buffer = io.StringIO()
    # CRLF so that Python 3.11's writer quotes lone CRs too; swapped for the dialect's after.
    writer = csv.writer(buffer, delimiter=dialect["delimiter"], lineterminator="\r\n")
    out, starts, line = [], [], 1
    for cells in [dialect["order"], *([row[c] for c in dialect["order"]] for row in rows)]:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        out.append(buffer.getvalue()[:-2] + dialect["terminator"])
        starts.append(line)
        line += 1 + sum(cell.count("\n") + cell.count("\r") - cell.count("\r\n") for cell in cells)
    data = "".join(out).encode()
    return (codecs.BOM_UTF8 + data if dialect["bom"] else data), starts[1:]


def expected_leads(rows: list[dict[str, str]], starts: list[int]) -> list[dict]:
    """The leads stored for `rows`: values stripped, a repeated (name, company) skipped."""
    expected, keys = [], set()
    for line, row in zip(starts, rows, strict=True):
        stripped = {c: row[c].strip() for c in COLUMNS}
        key = dedupe_key(stripped["name"], stripped["company"])
        if key not in keys:
            keys.add(key)
            expected.append({"line": line, **stripped})
    return expected


def content(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


@hypothesis.settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=leads, dialect=dialects)
def test_uploaded_values_come_back_identical_in_results_and_export(
    api, workspace, settings, rows, dialect
):
    settings.AI_PROVIDER = "heuristic"
    settings.THROTTLE_RATES = dict.fromkeys(settings.THROTTLE_RATES, "")
    # Each example starts from an empty workspace: its rows are rolled back at the end.
    with transaction.atomic():
        cache.clear()
        offer = OfferFactory(workspace=workspace)
        data, starts = csv_file(rows, dialect)
        expected = expected_leads(rows, starts)

        if dialect["multipart"]:
            file = SimpleUploadedFile("leads.csv", data, content_type="text/csv")
            response = api.post("/leads/upload/", {"file": file}, format="multipart")
        else:
            response = api.post("/leads/upload/", data=data, content_type="text/csv")
        assert response.status_code == 201, response.json()
        upload = response.json()
        assert {k: upload[k] for k in ("rows_total", "created", "rejected", "errors")} == {
            "rows_total": len(rows),
            "created": len(expected),
            "rejected": 0,
            "errors": [],
        }

        stored = api.get("/leads/", {"upload_id": upload["id"], "page_size": 1000}).json()
        assert [{k: lead[k] for k in ("line", *COLUMNS)} for lead in stored] == expected
        by_id = {lead["id"]: lead for lead in stored}

        run = api.post("/score/", {"offer_id": offer.id, "upload_id": upload["id"]}, format="json")
        assert run.status_code == 200, run.json()
        assert run.json()["status"] == "completed"

        results = api.get("/results/", {"offer_id": offer.id, "page_size": 1000}).json()
        assert sorted(r["lead_id"] for r in results) == sorted(by_id)
        for result in results:
            lead = by_id[result["lead_id"]]
            assert {c: result[c] for c in SHOWN} == {c: lead[c] for c in SHOWN}

        response = api.get("/results/export/", {"offer_id": offer.id})
        assert response.status_code == 200
        header, *table = csv.reader(io.StringIO(content(response), newline=""), strict=True)
        assert header == list(EXPORT_COLUMNS)
        exported_rows = [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in table]
        assert [int(row["lead_id"]) for row in exported_rows] == [r["lead_id"] for r in results]
        for row, result in zip(exported_rows, results, strict=True):
            for column in (*SHOWN, "reasoning"):
                assert row[column] == exported(result[column]), column
            assert (row["intent"], row["score"]) == (result["intent"], str(result["score"]))
        transaction.set_rollback(True)


@hypothesis.settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=leads, dialect=dialects)
def test_score_csv_writes_the_values_read_with_only_formula_cells_neutralised(
    settings, rows, dialect
):
    settings.AI_PROVIDER = "heuristic"
    data, starts = csv_file(rows, dialect)
    offer = {"name": "AI Outreach", "value_props": ["More meetings"], "ideal_use_cases": ["SaaS"]}
    with tempfile.TemporaryDirectory() as tmp:
        leads_path, offer_path, out = (Path(tmp) / n for n in ("in.csv", "offer.json", "out.csv"))
        leads_path.write_bytes(data)
        offer_path.write_text(json.dumps(offer), encoding="utf-8")
        call_command(
            "score_csv", str(leads_path), offer=str(offer_path), out=str(out), stderr=io.StringIO()
        )
        with out.open(encoding="utf-8", newline="") as file:
            header, *table = csv.reader(file, strict=True)

    assert header == list(SCORE_CSV_COLUMNS)
    written = [dict(zip(header, row, strict=True)) for row in table]
    assert [{c: row[c] for c in ("line", *SHOWN)} for row in written] == [
        {"line": str(lead["line"]), **{c: exported(lead[c]) for c in SHOWN}}
        for lead in expected_leads(rows, starts)
    ]
    assert not any(row["reasoning"].startswith(FORMULA_STARTS) for row in written)
