"""GET /results/export/ and scoring.exports: CSV matching the results, safe in spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from scoring.exports import EXPORT_COLUMNS, FORMULA_STARTS, csv_lines, neutralise
from tests.factories import LeadFactory, OfferFactory, UploadFactory

NOT_FOUND = {
    "type": "client_error",
    "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
}


@pytest.fixture(autouse=True)
def heuristic_provider(settings):
    settings.AI_PROVIDER = "heuristic"


def score(api, **body: object) -> dict:
    response = api.post("/score/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def content(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content(response), newline="")))


SCORED_AT = EXPORT_COLUMNS.index("scored_at")


def as_row(item: dict) -> list[object]:
    """The export row of a result item of GET /results/, its time parsed."""
    values = {
        **item,
        "role_points": item["breakdown"]["role"],
        "industry_points": item["breakdown"]["industry"],
        "completeness_points": item["breakdown"]["completeness"],
    }
    row: list[object] = [
        "" if values[column] is None else str(values[column]) for column in EXPORT_COLUMNS
    ]
    row[SCORED_AT] = datetime.fromisoformat(item["scored_at"])
    return row


def parsed_times(rows: list[list[str]]) -> list[list[object]]:
    # JSON writes UTC as "Z", the export as "+00:00": the same instant either way.
    return [
        [*row[:SCORED_AT], datetime.fromisoformat(row[SCORED_AT]), *row[SCORED_AT + 1 :]]
        for row in rows
    ]


def filename_dates() -> set[str]:
    # The name carries the day of the request: either side of midnight during a test is fine.
    now = timezone.now()
    return {f"{now:%Y-%m-%d}", f"{now + timedelta(seconds=5):%Y-%m-%d}"}


def test_export_answers_csv_named_after_the_offer(api, offer, upload):
    LeadFactory(upload=upload)
    score(api, offer_id=offer.id)

    response = api.get("/results/export/", {"offer_id": offer.id})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] in {
        f'attachment; filename="leadscoring-ai-outreach-automation-{day}.csv"'
        for day in filename_dates()
    }


def test_export_without_an_offer_filter_is_named_all_offers(api, offer, upload):
    LeadFactory(upload=upload)
    score(api, offer_id=offer.id)

    for path in ("/results/export/", "/results/export"):
        response = api.get(path)
        assert response.status_code == 200
        assert response["Content-Disposition"] in {
            f'attachment; filename="leadscoring-all-offers-{day}.csv"' for day in filename_dates()
        }


def test_export_starts_with_the_spec_columns_then_the_audit_columns(api, offer, upload):
    LeadFactory(upload=upload)
    score(api, offer_id=offer.id)

    text = content(api.get("/results/export/"))

    assert text.startswith("name,role,company,intent,score,reasoning,")
    assert text.split("\r\n", 1)[0] == ",".join(EXPORT_COLUMNS)


def test_export_of_no_results_is_the_header_alone(api, offer):
    assert rows_of(api.get("/results/export/", {"offer_id": offer.id})) == [list(EXPORT_COLUMNS)]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"intent": "medium"},
        {"min_score": "50", "ordering": "name"},
        {"q": "lead", "ordering": "-name"},
        {"ordering": "score"},
    ],
)
def test_export_rows_match_the_results_in_order_and_filters(api, workspace, offer, upload, params):
    for role in ("VP Sales", "Marketing Manager", "Intern", "Sales Manager", "VP Sales"):
        LeadFactory(upload=upload, role=role)
    LeadFactory(upload=upload, role="CEO", industry="", linkedin_bio="")
    score(api, offer_id=offer.id)
    second = OfferFactory(workspace=workspace, name="Payroll Autopilot")
    score(api, offer_id=second.id, lead_ids=[upload.leads.first().id])

    items = api.get("/results/", params).json()
    rows = rows_of(api.get("/results/export/", params))

    assert rows[0] == list(EXPORT_COLUMNS)
    assert parsed_times(rows[1:]) == [as_row(item) for item in items]
    assert len(rows) > 1


def test_export_filtered_by_offer_has_only_that_offer_rows(api, workspace, offer, upload):
    LeadFactory.create_batch(2, upload=upload)
    score(api, offer_id=offer.id)
    second = OfferFactory(workspace=workspace, name="Payroll Autopilot")
    score(api, offer_id=second.id)

    rows = rows_of(api.get("/results/export/", {"offer_id": second.id}))

    offer_column = EXPORT_COLUMNS.index("offer_id")
    assert [row[offer_column] for row in rows[1:]] == [str(second.id)] * 2


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_export_neutralises_cells_that_start_like_a_formula(api, offer, upload, start):
    LeadFactory(
        upload=upload,
        name=f'{start}HYPERLINK("http://evil.example")',
        role=f"{start}1+1",
        company=f"{start}cmd|' /C calc'!A0",
        industry=f"{start}SaaS",
        location=f"{start}Austin",
        linkedin_bio=f"{start}2+3",
    )
    score(api, offer_id=offer.id)

    (header, row) = rows_of(api.get("/results/export/"))

    cells = dict(zip(header, row, strict=True))
    assert cells["name"] == f'\'{start}HYPERLINK("http://evil.example")'
    assert cells["role"] == f"'{start}1+1"
    assert cells["company"] == f"'{start}cmd|' /C calc'!A0"
    assert cells["industry"] == f"'{start}SaaS"
    assert cells["location"] == f"'{start}Austin"
    assert not any(cell.startswith(FORMULA_STARTS) for cell in row)


def test_export_keeps_ordinary_cells_as_they_are(api, offer, upload):
    LeadFactory(upload=upload, name="Ann O'Neil", company="Acme, Inc.", location="Paris = France")
    score(api, offer_id=offer.id)

    (_, row) = rows_of(api.get("/results/export/"))

    assert row[:3] == ["Ann O'Neil", "Head of Growth", "Acme, Inc."]
    assert row[EXPORT_COLUMNS.index("location")] == "Paris = France"


def test_export_answers_an_accept_text_csv_request(api, offer, upload):
    LeadFactory(upload=upload)
    score(api, offer_id=offer.id)

    response = api.get("/results/export/", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert len(rows_of(response)) == 2


@pytest.mark.parametrize("params", [{"min_score": "abc"}, {"offer_id": "987654"}])
def test_export_errors_asked_as_csv_are_still_labelled_json(api, db, params):
    response = api.get("/results/export/", params, HTTP_ACCEPT="text/csv")

    assert response.status_code in {400, 404}
    assert json.loads(response.content)["errors"]
    assert response["Content-Type"] == "application/json"


def test_export_requires_an_api_key(anon, db):
    response = anon.get("/results/export/")

    assert response.status_code == 401


def test_export_of_another_workspace_offer_answers_404(api, other_workspace):
    theirs = OfferFactory(workspace=other_workspace)

    response = api.get("/results/export/", {"offer_id": theirs.id})

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_export_rejects_invalid_filters_with_400(api, db):
    response = api.get("/results/export/", {"min_score": "abc"})

    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [("invalid", "min_score")]


def test_export_never_contains_another_workspace_rows(
    api, other_api, other_workspace, offer, upload
):
    LeadFactory(upload=upload, name="Mine Only")
    score(api, offer_id=offer.id)
    their_offer = OfferFactory(workspace=other_workspace)
    LeadFactory(upload=UploadFactory(workspace=other_workspace), name="Theirs Only")
    score(other_api, offer_id=their_offer.id)

    mine = rows_of(api.get("/results/export/"))
    theirs = rows_of(other_api.get("/results/export/"))

    assert [row[0] for row in mine[1:]] == ["Mine Only"]
    assert [row[0] for row in theirs[1:]] == ["Theirs Only"]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_neutralise_prefixes_text_that_starts_like_a_formula(start):
    assert neutralise(f"{start}SUM(A1:A9)") == f"'{start}SUM(A1:A9)"


@pytest.mark.parametrize(
    ("value", "inert"),
    [
        ("\uff1d1+1", "'\uff1d1+1"),  # full-width = + - @
        ("\uff0bSUM(A1)", "'\uff0bSUM(A1)"),
        ("\uff0d2+3", "'\uff0d2+3"),
        ("\uff20cmd", "'\uff20cmd"),
        ("\ufe62x", "'\ufe62x"),  # small plus: NFKC folds it to +
        ("\u200b=1+1", "'\u200b=1+1"),  # zero-width space
        ("\ufeff@cmd", "'\ufeff@cmd"),  # BOM
        ("\u200e\u202e-2", "'\u200e\u202e-2"),  # bidi marks
        ("x;=7+7", "x;'=7+7"),  # a cell of its own where `;` separates
        ("a,@b", "a,'@b"),
        ("a\t+1", "a\t'+1"),
        ("a\n=1", "a\n'=1"),
        ("=1;=2", "'=1;'=2"),
        ("a;\u200b\uff1d1", "a;'\u200b\uff1d1"),
        ('x;"=1', "x;'\"=1"),  # split on `;`, `"x;""=1"` reads as `=1`
        ('"=1', "'\"=1"),  # quotes a reader may drop, like invisible characters
        ('a,""\u200b"+1', 'a,\'""\u200b"+1'),
    ],
)
def test_neutralise_covers_hidden_and_full_width_formula_starts(value, inert):
    assert neutralise(value) == inert


def test_csv_lines_quote_cells_holding_a_semicolon_or_a_tab():
    text = "".join(csv_lines([["x;y", "a\tb", 7]], header=["a", "b", "c"]))

    assert text == 'a,b,c\r\n"x;y","a\tb",7\r\n'


@pytest.mark.parametrize(
    "value",
    [
        *("", "Ann", " =1+1", "a=b", "a, b", "x; y", "'=quoted", "100", '"Ann"', 'a;"b" =1'),
        *(42, -5, 3.5, None, True),
    ],
)
def test_neutralise_leaves_other_values_alone(value):
    assert neutralise(value) == value
    assert type(neutralise(value)) is type(value)


def test_csv_lines_start_with_the_header_and_end_lines_with_crlf():
    text = "".join(csv_lines([["a", 1], ["b", 2]], header=["letter", "number"]))

    assert text == 'letter,number\r\n"a",1\r\n"b",2\r\n'


def test_csv_lines_default_header_is_the_export_columns():
    assert "".join(csv_lines([])) == ",".join(EXPORT_COLUMNS) + "\r\n"


def test_csv_lines_neutralise_every_cell():
    text = "".join(csv_lines([["=1+1", "@me", "-2", 7]], header=["a", "b", "c", "d"]))

    assert text == 'a,b,c,d\r\n"\'=1+1","\'@me","\'-2",7\r\n'


def test_csv_lines_round_trip_quotes_commas_and_newlines():
    rows = [
        ['Say "hi"', "a, b", "two\nlines", "cr\r\nlf"],
        ["", "ünïcödé", "'", "tab\tinside"],
    ]

    text = "".join(csv_lines(rows, header=["w", "x", "y", "z"]))

    assert list(csv.reader(io.StringIO(text, newline=""))) == [["w", "x", "y", "z"], *rows]


def test_csv_lines_stream_large_exports_in_chunks_of_about_64_kb():
    rows = [[f"lead {i}", "x" * 100] for i in range(2000)]  # about 220 KB

    chunks = list(csv_lines(rows, header=["name", "filler"]))

    assert len(chunks) >= 3
    assert all(len(chunk) < 70_000 for chunk in chunks)
    assert chunks[0].startswith('name,filler\r\n"lead 0",')
    parsed = list(csv.reader(io.StringIO("".join(chunks), newline="")))
    assert parsed == [["name", "filler"], *rows]


def test_csv_lines_are_lazy():
    def rows():
        yield ["first"]
        raise AssertionError("read past the first chunk")

    lines = csv_lines(rows(), header=["h"])

    with pytest.raises(AssertionError, match="read past"):
        next(lines)
