"""POST /leads/upload/ and the uploads and leads endpoints: accounting, limits, ownership."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework import serializers

from leads import services
from leads.models import Lead, Upload

UPLOAD_URL = "/leads/upload/"
HEADER = "name,role,company,industry,location,linkedin_bio"
AVA = 'Ava Patel,Head of Growth,FlowMetrics,SaaS,"Austin, TX",Scaling outbound.'
BEN = "Ben Ode,CTO,Nimbus,Fintech,Berlin,Builds payment rails."
CARA = "Cara Lin,VP Sales,Orbit,Logistics,Lyon,Runs a team of twelve."
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "leads.csv"


def csv_bytes(*lines: str, newline: str = "\n", encoding: str = "utf-8") -> bytes:
    return "".join(line + newline for line in lines).encode(encoding)


def person(i: int) -> str:
    return f"Person {i},Head of Sales,Company {i},SaaS,Austin,Bio number {i}."


def post_file(client, data: bytes, *, name: str = "leads.csv", query: str = "", path=UPLOAD_URL):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(path + query, {"file": file}, format="multipart")


def post_body(client, data: bytes, *, query: str = "", content_type: str = "text/csv"):
    return client.post(UPLOAD_URL + query, data=data, content_type=content_type)


def timestamp(value) -> str:
    return serializers.DateTimeField().to_representation(value)


def upload_body(upload: Upload, **expected) -> dict:
    """The body the API answers for `upload`, with `expected` values checked by the caller."""
    return {
        "id": upload.id,
        "upload_id": upload.id,
        "filename": "leads.csv",
        "size_bytes": upload.size_bytes,
        "encoding": "utf-8",
        "delimiter": ",",
        "rows_total": 0,
        "created": 0,
        "duplicates": 0,
        "rejected": 0,
        "errors": [],
        "warnings": [],
        "created_at": timestamp(upload.created_at),
        **expected,
    }


def lead_body(lead: Lead) -> dict:
    return {
        "id": lead.id,
        "upload_id": lead.upload_id,
        "line": lead.line,
        "name": lead.name,
        "role": lead.role,
        "company": lead.company,
        "industry": lead.industry,
        "location": lead.location,
        "linkedin_bio": lead.linkedin_bio,
        "created_at": timestamp(lead.created_at),
        "outcome": lead.outcome or None,
        "outcome_at": timestamp(lead.outcome_at) if lead.outcome_at else None,
    }


def error_body(code: str, detail: str, attr: str | None = "file", kind="validation_error"):
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def assert_nothing_written() -> None:
    assert Upload.objects.count() == 0
    assert Lead.objects.count() == 0


def upload_ok(client, *lines: str) -> dict:
    response = post_file(client, csv_bytes(HEADER, *lines))
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def small_batches(monkeypatch):
    """Insert in batches of 500, so that a few thousand rows span several batches."""
    monkeypatch.setattr(services, "INSERT_BATCH", 500)


# --- POST /leads/upload/ ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/leads/upload/", "/leads/upload"])
def test_upload_answers_201_with_the_account_of_every_row(api, workspace, path):
    data = csv_bytes(
        "Email,name,role,company,industry,location,linkedin_bio",
        f"ava@example.com,{AVA}",
        "x@example.com,,CTO,Nobody Inc,SaaS,Paris,No name.",
        f"ben@example.com,{BEN}",
        "ava2@example.com,AVA PATEL,Growth,flowmetrics,SaaS,Austin,Same person.",
    )

    response = post_file(api, data, path=path)

    assert response.status_code == 201
    upload = Upload.objects.get()
    assert response.json() == upload_body(
        upload,
        size_bytes=len(data),
        rows_total=4,
        created=2,
        duplicates=1,
        rejected=1,
        errors=[{"line": 3, "field": "name", "message": "name is required."}],
        warnings=["Ignored extra column(s): 'Email'."],
    )
    assert upload.workspace == workspace
    leads = list(Lead.objects.values_list("workspace", "upload", "line", "name", "location"))
    assert leads == [
        (workspace.id, upload.id, 2, "Ava Patel", "Austin, TX"),
        (workspace.id, upload.id, 4, "Ben Ode", "Berlin"),
    ]


@pytest.mark.parametrize("content_type", ["text/csv", "application/csv", "text/csv; charset=utf-8"])
def test_upload_accepts_a_raw_csv_body(api, content_type):
    data = csv_bytes(HEADER, AVA, BEN)

    response = post_body(api, data, content_type=content_type)

    assert response.status_code == 201
    assert response.json() == upload_body(
        Upload.objects.get(), filename="upload.csv", size_bytes=len(data), rows_total=2, created=2
    )


def test_upload_records_the_filename_given_in_the_query(api):
    raw = post_body(api, csv_bytes(HEADER, AVA), query="?filename=q3-leads.csv")
    multipart = post_file(api, csv_bytes(HEADER, BEN), name="ignored.csv", query="?filename=x.csv")

    assert raw.json()["filename"] == "q3-leads.csv"
    assert multipart.json()["filename"] == "x.csv"
    assert list(Upload.objects.order_by("id").values_list("filename", flat=True)) == [
        "q3-leads.csv",
        "x.csv",
    ]


def test_upload_reports_encoding_delimiter_and_decoded_text(api):
    data = codecs.BOM_UTF16_LE + csv_bytes(
        "Name\tJob Title\tCompany Name\tIndustry\tLocation\tLinkedIn Bio",
        "Zoë Müller\tCafé Lead – EMEA\tBrasserie €uro\tFood\tKöln\tBonjour.",
        newline="\r\n",
        encoding="utf-16-le",
    )

    response = post_file(api, data)

    assert response.json() == upload_body(
        Upload.objects.get(),
        encoding="utf-16-le",
        delimiter="\t",
        size_bytes=len(data),
        rows_total=1,
        created=1,
    )
    assert Lead.objects.values_list("name", "role", "company").get() == (
        "Zoë Müller",
        "Café Lead – EMEA",
        "Brasserie €uro",
    )


def test_upload_stores_values_exactly_as_read(api):
    tricky = {
        "name": "Seán O'Brien \\N",
        "role": 'VP "Growth", EMEA',
        "company": "Back\\slash; Semi, Comma",
        "industry": "",
        "location": "",
        "linkedin_bio": 'Line one\n\\.\n\\N\r\nTabs\there, "quotes", commas, 日本語 and emoji 🚀.',
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(tricky)
    writer.writerow(tricky.values())
    writer.writerow(["Solo", "", "", "", "", ""])

    body = post_body(api, buffer.getvalue().encode()).json()

    assert (body["created"], body["rejected"]) == (2, 0), body["errors"]
    fields = list(tricky)
    assert list(Lead.objects.values(*fields)) == [
        tricky,
        {"name": "Solo", **dict.fromkeys(fields[1:], "")},
    ]


def big_messy_file() -> bytes:
    lines = [HEADER]
    for i in range(3000):
        if i % 11 == 0:
            lines.append(f",No name,Company {i},SaaS,Austin,Bio")  # rejected
        elif i % 7 == 0:
            lines.append(person(i - 1))  # the same person again
        else:
            lines.append(person(i))
    return csv_bytes(*lines)


BIG_REJECTED = len(range(0, 3000, 11))
BIG_DUPLICATES = len([i for i in range(3000) if i % 11 and i % 7 == 0 and (i - 1) % 11])
BIG_COUNTS = (3000, 3000 - BIG_REJECTED - BIG_DUPLICATES, BIG_DUPLICATES, BIG_REJECTED)

MESSY_FILES = {
    "cp1252-semicolon-crlf": (
        csv_bytes(
            "Full Name;Title;Organisation;Industry;Location;Summary;Notes",
            "Zoë Müller;Chef;Café Crème;Food;Köln;Prix 5 €;vip",
            "ZOE MULLER;Chef;Cafe Creme;Food;Köln;Not a duplicate: accents differ;",
            "zoë  müller;Chef;CAFÉ CRÈME;Food;Köln;A duplicate;",
            ";Chef;Nowhere;Food;Köln;No name;",
            "Ann;Chef;Cafe#81;Food;Köln;Undefined byte;",
            ";;;;;;",
            "",
            newline="\r\n",
            encoding="cp1252",
        ).replace(b"#81", b"\x81"),  # undefined in Windows-1252
        (5, 2, 1, 2),
    ),
    "multiline-and-bad-quoting": (
        csv_bytes(
            HEADER,
            'Ava Patel,CTO,Acme,SaaS,Austin,"Line one\nline two, with comma\n\\.\nend"',
            '"Ben"Ode,CTO,Acme,SaaS,Austin,Bio',
            "Cara Lin,CTO,Acme,SaaS,Austin,Bio,extra",
            "Dan Roe,CTO",
            'Eve Sun,"CTO ""acting""",Acme,SaaS,Austin,Bio,,',
            "Eve Sun,CTO,ACME,SaaS,Austin,dup",
        ),
        (6, 2, 1, 3),
    ),
    "lone-cr": (csv_bytes(HEADER, AVA, ",x,y,z,w,v", BEN, AVA, newline="\r"), (4, 2, 1, 1)),
    "3000-rows-across-batches": (big_messy_file(), BIG_COUNTS),
}


@pytest.mark.parametrize(("data", "counts"), MESSY_FILES.values(), ids=MESSY_FILES.keys())
def test_upload_accounts_for_every_row_of_messy_files(api, small_batches, data, counts):
    body = post_file(api, data).json()

    rows_total, created, duplicates, rejected = counts
    assert (body["rows_total"], body["created"], body["duplicates"], body["rejected"]) == counts
    assert created + duplicates + rejected == rows_total
    assert Lead.objects.count() == created
    assert len(body["errors"]) == min(rejected, 100)
    assert sorted(e["line"] for e in body["errors"]) == [e["line"] for e in body["errors"]]


def test_upload_of_3000_rows_keeps_the_first_of_each_duplicate(api, small_batches):
    post_file(api, big_messy_file())

    # Row i sits on line i + 2; the duplicate of person 6 is line 9 and must not replace line 8.
    assert Lead.objects.get(name="Person 6").line == 8
    assert not Lead.objects.filter(line=9).exists()
    lines = list(Lead.objects.order_by("id").values_list("line", flat=True))
    assert lines == sorted(lines)


def test_upload_counts_duplicates_within_the_file_and_against_earlier_uploads(api, other_api):
    first = upload_ok(api, AVA, BEN, "ava patel,Founder,FLOWMETRICS,SaaS,NYC,Same key.")
    theirs = upload_ok(other_api, CARA)
    second = upload_ok(api, CARA, "Ben  Ode,CTO,nimbus,Fintech,Berlin,Again.")

    assert (first["created"], first["duplicates"]) == (2, 1)
    assert (theirs["created"], theirs["duplicates"]) == (1, 0)
    assert (second["created"], second["duplicates"]) == (1, 1)  # Cara is new to this workspace
    assert Lead.objects.get(upload_id=first["id"], name="Ava Patel").role == "Head of Growth"
    assert Lead.objects.filter(name="Cara Lin").count() == 2


def test_upload_reports_the_first_100_errors_but_counts_every_rejected_row(api):
    data = csv_bytes(HEADER, AVA, *[f",CTO,Company {i},SaaS,Austin,Bio" for i in range(150)], BEN)

    body = post_file(api, data).json()

    assert (body["rows_total"], body["created"], body["rejected"]) == (152, 2, 150)
    assert body["errors"] == [
        {"line": line, "field": "name", "message": "name is required."} for line in range(3, 103)
    ]


@pytest.mark.parametrize("transport", ["multipart", "raw"])
@pytest.mark.parametrize("bio_chars", [1024 * 1024, 3 * 1024 * 1024])
def test_upload_rejects_only_the_row_with_a_huge_bio(api, transport, bio_chars):
    data = csv_bytes(HEADER, AVA, f"Huge Bio,CTO,Acme,SaaS,Austin,{'x' * bio_chars}", BEN)
    post = post_file if transport == "multipart" else post_body

    response = post(api, data)

    assert response.status_code == 201
    body = response.json()
    assert (body["rows_total"], body["created"], body["rejected"]) == (3, 2, 1)
    assert body["errors"] == [
        {
            "line": 3,
            "field": "linkedin_bio",
            "message": f"linkedin_bio is {bio_chars} characters long; the limit is 5000.",
        }
    ]
    assert body["size_bytes"] == len(data)


def test_strict_upload_with_a_bad_row_answers_400_and_writes_nothing(api):
    data = csv_bytes(HEADER, AVA, ",CTO,Acme,SaaS,Austin,Bio", BEN, "Dan Roe,CTO")

    response = post_file(api, data, query="?strict=true")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {"code": "invalid_row", "detail": "Line 3: name is required.", "attr": "file"},
            {
                "code": "invalid_row",
                "detail": "Line 5: Has 2 values but the header has 6 columns.",
                "attr": "file",
            },
        ],
    }
    assert_nothing_written()


def test_strict_upload_with_bad_rows_after_a_full_batch_writes_nothing(api, small_batches):
    data = csv_bytes(HEADER, *[person(i) for i in range(2500)], ",CTO,Acme,SaaS,Austin,Bio")

    response = post_body(api, data, query="?strict=1")

    assert response.status_code == 400
    assert response.json() == error_body("invalid_row", "Line 2502: name is required.")
    assert_nothing_written()


@pytest.mark.parametrize("strict", ["true", "false", "1", "0"])
def test_strict_upload_of_a_clean_file_answers_201(api, strict):
    response = post_file(api, csv_bytes(HEADER, AVA, BEN), query=f"?strict={strict}")

    assert response.status_code == 201
    assert response.json()["created"] == 2


def test_strict_must_be_a_boolean(api):
    response = post_file(api, csv_bytes(HEADER, AVA), query="?strict=maybe")

    assert response.status_code == 400
    assert response.json() == error_body("invalid", "Must be a valid boolean.", attr="strict")
    assert_nothing_written()


STRUCTURAL = {
    "blank": (b" \r\n\n", "The file is empty."),
    "header-only": (csv_bytes(HEADER), "The file has a header but no data rows."),
    "png": (
        b"\x89PNG\r\n\x1a\n" + bytes(100),
        "This is not a CSV file: it looks like a PNG image.",
    ),
    "missing-columns": (
        csv_bytes("name,company", "Ava,Acme"),
        "Missing required column(s): role, industry, location, linkedin_bio. The header must "
        "name name, role, company, industry, location, linkedin_bio (any order and case); "
        "found: 'name', 'company'.",
    ),
    "malformed-quote-in-header": (
        csv_bytes('name,"role"x,company,industry,location,linkedin_bio', AVA),
        "The header (line 1) has malformed quoting: ',' expected after '\"'. Quote a column "
        'name whole ("role") or not at all.',
    ),
    "unterminated-quote-in-header": (
        csv_bytes('name,"role,company,industry,location,linkedin_bio', AVA),
        "The header (line 1) has malformed quoting: unexpected end of data. Quote a column "
        'name whole ("role") or not at all.',
    ),
    "malformed-quote-in-header-after-sep-line": (
        csv_bytes("sep=;", 'name;"role"x;company;industry;location;linkedin_bio', AVA),
        "The header (line 2) has malformed quoting: ';' expected after '\"'. Quote a column "
        'name whole ("role") or not at all.',
    ),
    "unterminated-quote-after-many-rows": (
        csv_bytes(HEADER, *[person(i) for i in range(2500)], 'Zed,CTO,Acme,SaaS,Austin,"Bio', BEN),
        "Unterminated quoted field starting on line 2502: a '\"' is never closed.",
    ),
}


@pytest.mark.parametrize("transport", ["multipart", "raw"])
@pytest.mark.parametrize(("data", "message"), STRUCTURAL.values(), ids=STRUCTURAL.keys())
def test_upload_of_a_broken_file_answers_400_and_writes_nothing(
    api, small_batches, transport, data, message
):
    post = post_file if transport == "multipart" else post_body

    response = post(api, data)

    assert response.status_code == 400
    assert response.json() == error_body("invalid_csv", message)
    assert_nothing_written()


def test_upload_without_a_file_field_answers_400_naming_file(api):
    response = api.post(UPLOAD_URL, {"document": "name,role"}, format="multipart")

    assert response.status_code == 400
    assert response.json() == error_body("required", "Send the CSV as the multipart field 'file'.")


@pytest.mark.parametrize("field", ["file", "leadsFile", "csv", "leads", "upload[]"])
def test_upload_accepts_the_one_file_part_whatever_its_field_name(api, field):
    file = SimpleUploadedFile("leads.csv", csv_bytes(HEADER, AVA, BEN), content_type="text/csv")

    response = api.post(UPLOAD_URL, {field: file, "note": "a text field"}, format="multipart")

    assert response.status_code == 201
    upload = Upload.objects.get()
    assert response.json() == upload_body(upload, rows_total=2, created=2)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        (["file", "csv"], "'file', 'csv'"),
        (["file", "file"], "'file', 'file'"),
        (["leads", "leadsFile", "csv"], "'leads', 'leadsFile', 'csv'"),
    ],
)
def test_upload_of_several_file_parts_answers_400_naming_them(api, fields, named):
    parts: dict[str, list] = {}
    for field in fields:
        parts.setdefault(field, []).append(
            SimpleUploadedFile("leads.csv", csv_bytes(HEADER, AVA), content_type="text/csv")
        )

    response = api.post(UPLOAD_URL, parts, format="multipart")

    assert response.status_code == 400
    assert response.json() == error_body(
        "multiple_files",
        f"Send one CSV file per upload; this request has {len(fields)} file parts: {named}.",
    )
    assert_nothing_written()


@pytest.mark.parametrize(
    "repeat",
    [
        HEADER,
        HEADER.upper(),
        " Name , Role ,Company,Industry,Location,LinkedIn Bio",
        "\ufeff" + HEADER,
    ],
    ids=["same", "upper-case", "spaced", "with-bom"],
)
def test_upload_skips_data_rows_repeating_the_header(api, small_batches, repeat):
    response = post_file(api, csv_bytes(HEADER, AVA, repeat, BEN, repeat, CARA))

    assert response.status_code == 201
    upload = Upload.objects.get()
    assert response.json() == upload_body(
        upload,
        rows_total=5,
        created=3,
        rejected=2,
        errors=[
            {"line": 3, "field": None, "message": "Repeats the header line: skipped."},
            {"line": 5, "field": None, "message": "Repeats the header line: skipped."},
        ],
        warnings=[
            "The header line is repeated as a data row on line(s) 3, 5 (files joined "
            "together?): skipped, and counted as rejected."
        ],
    )
    assert sorted(Lead.objects.values_list("name", flat=True)) == [
        "Ava Patel",
        "Ben Ode",
        "Cara Lin",
    ]


def test_upload_keeps_a_lead_named_like_a_column(api):
    lead = "name,role,company,Other,Austin,Not a header: only the first three match."

    response = post_file(api, csv_bytes(HEADER, lead))

    assert response.status_code == 201
    assert response.json()["created"] == 1


def test_upload_counts_more_than_20_header_repeats_in_one_warning(api):
    rows = [line for i in range(25) for line in (person(i), HEADER)]

    response = post_file(api, csv_bytes(HEADER, *rows))

    body = response.json()
    assert (body["rows_total"], body["created"], body["rejected"]) == (50, 25, 25)
    shown = ", ".join(str(3 + 2 * i) for i in range(20))
    assert body["warnings"] == [
        f"The header line is repeated as a data row on line(s) {shown} and 5 more (files "
        "joined together?): skipped, and counted as rejected."
    ]


def test_upload_of_an_empty_body_or_empty_file_answers_400_naming_file(api):
    raw = post_body(api, b"")
    multipart = post_file(api, b"")

    assert raw.status_code == 400
    assert raw.json() == error_body("required", "Send the CSV as the multipart field 'file'.")
    assert multipart.status_code == 400
    assert multipart.json() == error_body("invalid_csv", "The file is empty.")
    assert_nothing_written()


def test_upload_of_json_answers_415(api):
    response = api.post(UPLOAD_URL, {"file": "name,role"}, format="json")

    assert response.status_code == 415
    assert response.json() == error_body(
        "unsupported_media_type",
        'Unsupported media type "application/json" in request.',
        attr=None,
        kind="client_error",
    )


@pytest.mark.parametrize("transport", ["multipart", "raw"])
def test_upload_over_the_size_limit_answers_413_before_parsing(api, settings, transport):
    settings.MAX_UPLOAD_BYTES = 1000
    # Binary junk: a 400 would mean the file was read before its size was checked.
    data = b"\x89PNG\r\n\x1a\n" + bytes(2000)
    post = post_file if transport == "multipart" else post_body

    response = post(api, data)

    assert response.status_code == 413
    body = response.json()
    assert body["type"] == "client_error"
    assert [(e["code"], e["attr"]) for e in body["errors"]] == [("payload_too_large", None)]
    assert body["errors"][0]["detail"].startswith("The file is larger than the ")
    assert_nothing_written()


@pytest.mark.parametrize("transport", ["multipart", "raw"])
def test_upload_over_one_megabyte_limit_names_the_limit(api, settings, transport):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    data = csv_bytes(HEADER, AVA, f"Big,CTO,Acme,SaaS,Austin,{'x' * 1024 * 1024}")
    post = post_file if transport == "multipart" else post_body

    response = post(api, data)

    assert response.status_code == 413
    assert response.json() == error_body(
        "payload_too_large",
        "The file is larger than the 1 MB upload limit.",
        attr=None,
        kind="client_error",
    )
    assert_nothing_written()


def test_raw_body_exactly_at_the_size_limit_is_accepted(api, settings):
    data = csv_bytes(HEADER, AVA)
    settings.MAX_UPLOAD_BYTES = len(data)

    response = post_body(api, data)

    assert response.status_code == 201


def test_upload_with_more_rows_than_allowed_answers_413_and_writes_nothing(api, settings):
    settings.MAX_UPLOAD_ROWS = 3

    at_limit = post_file(api, csv_bytes(HEADER, AVA, BEN, CARA))
    over = post_file(api, csv_bytes(HEADER, person(1), person(2), person(3), person(4)))

    assert at_limit.status_code == 201
    assert over.status_code == 413
    assert over.json() == error_body(
        "payload_too_large",
        "The file has more than 3 data rows; split it into smaller files.",
        attr=None,
        kind="client_error",
    )
    assert Upload.objects.count() == 1
    assert Lead.objects.count() == 3


@pytest.mark.skipif(not SAMPLE.exists(), reason="samples/leads.csv is not in the repository yet")
def test_the_shipped_sample_file_imports_with_every_row_accounted_for(api):
    data = SAMPLE.read_bytes()

    response = post_file(api, data)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rows_total"] > 0
    assert body["created"] > 0
    assert body["created"] + body["duplicates"] + body["rejected"] == body["rows_total"]
    assert Lead.objects.count() == body["created"]


# --- uploads and leads ------------------------------------------------------------------------


def test_uploads_are_listed_newest_first_with_total_and_links(api, other_api):
    first = upload_ok(api, AVA)
    second = upload_ok(api, BEN)
    upload_ok(other_api, CARA)

    response = api.get("/leads/uploads/")

    assert response.status_code == 200
    assert response.json() == [second, first]
    assert response["X-Total-Count"] == "2"
    assert response["Link"] == (
        '<http://testserver/leads/uploads/?page=1>; rel="first", '
        '<http://testserver/leads/uploads/?page=1>; rel="last"'
    )


def test_an_upload_is_shown_as_it_was_answered(api):
    posted = upload_ok(api, AVA, ",x,y,z,w,v", AVA)

    response = api.get(f"/leads/uploads/{posted['id']}/")

    assert response.status_code == 200
    assert response.json() == posted
    assert api.get(f"/leads/uploads/{posted['id']}").json() == posted


def test_leads_are_listed_in_upload_order_and_filtered_by_upload(api):
    first = upload_ok(api, AVA, BEN)
    second = upload_ok(api, CARA)

    everything = api.get("/leads/")
    only_first = api.get(f"/leads/?upload_id={first['id']}")
    only_second = api.get(f"/leads/?upload_id={second['id']}")

    leads = list(Lead.objects.order_by("id"))
    assert everything.json() == [lead_body(lead) for lead in leads]
    assert everything["X-Total-Count"] == "3"
    assert only_first.json() == [lead_body(lead) for lead in leads[:2]]
    assert only_first["X-Total-Count"] == "2"
    assert only_second.json() == [lead_body(leads[2])]
    assert [lead["line"] for lead in everything.json()] == [2, 3, 2]


def test_a_lead_is_shown_with_every_field(api):
    upload = upload_ok(api, AVA)
    lead = Lead.objects.get()

    response = api.get(f"/leads/{lead.id}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": lead.id,
        "upload_id": upload["id"],
        "line": 2,
        "name": "Ava Patel",
        "role": "Head of Growth",
        "company": "FlowMetrics",
        "industry": "SaaS",
        "location": "Austin, TX",
        "linkedin_bio": "Scaling outbound.",
        "created_at": timestamp(lead.created_at),
        "outcome": None,
        "outcome_at": None,
    }


def test_deleting_a_lead_erases_it_and_a_reupload_creates_it_again(api):
    upload_ok(api, AVA, BEN)
    ava = Lead.objects.get(name="Ava Patel")

    response = api.delete(f"/leads/{ava.id}/")

    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"/leads/{ava.id}/").status_code == 404
    assert api.delete(f"/leads/{ava.id}").status_code == 404
    again = upload_ok(api, AVA, BEN)
    assert (again["created"], again["duplicates"]) == (1, 1)


def test_deleting_an_upload_erases_its_leads_and_keeps_the_others(api):
    first = upload_ok(api, AVA, BEN)
    second = upload_ok(api, CARA)

    response = api.delete(f"/leads/uploads/{first['id']}/")

    assert response.status_code == 204
    assert api.get(f"/leads/uploads/{first['id']}/").status_code == 404
    assert list(Lead.objects.values_list("name", "upload")) == [("Cara Lin", second["id"])]
    assert [u["id"] for u in api.get("/leads/uploads/").json()] == [second["id"]]
    assert upload_ok(api, AVA)["created"] == 1


def test_unknown_ids_answer_404_in_the_one_error_shape(api):
    upload = api.get("/leads/uploads/999999/")
    lead = api.get("/leads/999999/")
    filtered = api.get("/leads/?upload_id=999999")

    for response in (upload, lead, filtered):
        assert response.status_code == 404
        body = response.json()
        assert body["type"] == "client_error"
        assert [(e["code"], e["attr"]) for e in body["errors"]] == [("not_found", None)]


# --- pagination -------------------------------------------------------------------------------


def test_pages_of_leads_follow_link_headers(api):
    upload_ok(api, *[person(i) for i in range(5)])

    first = api.get("/leads/?page_size=2")
    second = api.get("/leads/?page_size=2&page=2")
    third = api.get("/leads/?page_size=2&page=3")
    past = api.get("/leads/?page_size=2&page=4")

    names = [[lead["name"] for lead in page.json()] for page in (first, second, third, past)]
    assert names == [["Person 0", "Person 1"], ["Person 2", "Person 3"], ["Person 4"], []]
    assert first["X-Total-Count"] == "5"
    assert first["Link"] == (
        '<http://testserver/leads/?page=1&page_size=2>; rel="first", '
        '<http://testserver/leads/?page=3&page_size=2>; rel="last", '
        '<http://testserver/leads/?page=2&page_size=2>; rel="next"'
    )
    assert 'rel="prev"' in second["Link"]
    assert 'rel="next"' in second["Link"]
    assert 'rel="next"' not in third["Link"]
    assert past.status_code == 200
    assert past["X-Total-Count"] == "5"


def test_uploads_are_paginated_too(api):
    ids = [upload_ok(api, person(i))["id"] for i in range(3)]

    page = api.get("/leads/uploads/?page_size=2&page=2")

    assert [u["id"] for u in page.json()] == [ids[0]]
    assert page["X-Total-Count"] == "3"


@pytest.mark.parametrize(
    ("query", "attr", "detail"),
    [
        ("page_size=0", "page_size", "Must be between 1 and 1000, not 0."),
        ("page_size=1001", "page_size", "Must be between 1 and 1000, not 1001."),
        ("page_size=-5", "page_size", "Must be between 1 and 1000, not -5."),
        ("page=abc", "page", "Must be an integer, not 'abc'."),
        ("page=0", "page", "Must be at least 1, not 0."),
        ("upload_id=abc", "upload_id", "A valid integer is required."),
        ("upload_id=0", "upload_id", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_list_parameters_answer_400_naming_the_parameter(api, query, attr, detail):
    response = api.get(f"/leads/?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(e["attr"], e["detail"]) for e in body["errors"]] == [(attr, detail)]


@pytest.mark.parametrize("query", ["page_size=0", "page=abc"])
def test_bad_pagination_of_uploads_answers_400(api, query):
    response = api.get(f"/leads/uploads/?{query}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == query.split("=")[0]


# --- workspaces -------------------------------------------------------------------------------


def test_another_workspace_uploads_and_leads_answer_404_everywhere(api, other_api):
    upload = upload_ok(api, AVA, BEN)
    lead_ids = list(Lead.objects.values_list("id", flat=True))

    urls = [f"/leads/uploads/{upload['id']}/", *[f"/leads/{i}/" for i in lead_ids]]
    for url in urls:
        assert other_api.get(url).status_code == 404, url
        assert other_api.delete(url).status_code == 404, url
    assert other_api.get(f"/leads/?upload_id={upload['id']}").status_code == 404
    assert Upload.objects.count() == 1
    assert Lead.objects.count() == 2
    assert api.get(urls[0]).json() == upload


def test_lists_never_include_another_workspace_rows(api, other_api):
    upload_ok(api, AVA, BEN)
    theirs = upload_ok(other_api, CARA, AVA)

    their_uploads = other_api.get("/leads/uploads/")
    their_leads = other_api.get("/leads/")

    assert [u["id"] for u in their_uploads.json()] == [theirs["id"]]
    assert their_uploads["X-Total-Count"] == "1"
    assert [lead["name"] for lead in their_leads.json()] == ["Cara Lin", "Ava Patel"]
    assert {lead["upload_id"] for lead in their_leads.json()} == {theirs["id"]}
    assert their_leads["X-Total-Count"] == "2"
