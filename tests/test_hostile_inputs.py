"""Hostile and malformed inputs to the CSV upload and the JSON endpoints, each with its answer.

One table, CASES: the request, the status, the one error shape's type, code and attr, words the
detail must contain, and what may be written. docs/hostile-inputs.md lists the same table in
the same order. A case whose `bug` is set is a known defect: it states the answer the API
should give and is expected to fail (strict xfail) until the defect is fixed.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from leads.models import Lead, Upload
from offers.models import Offer
from scoring.models import ScoreResult, ScoringRun
from tests.clients import APIClient
from tests.factories import LeadFactory, OfferFactory, UploadFactory

UPLOAD = "/leads/upload/"
HEADER = "name,role,company,industry,location,linkedin_bio"
AVA = 'Ava Patel,Head of Growth,FlowMetrics,SaaS,"Austin, TX",Scaling outbound.'
BEN = "Ben Ode,CTO,Nimbus,Fintech,Berlin,Builds payment rails."
CARA = "Cara Lin,VP Sales,Orbit,Logistics,Lyon,Runs a team of twelve."
OFFER = {
    "name": "AI Outreach Automation",
    "value_props": ["24/7 outreach"],
    "ideal_use_cases": ["B2B SaaS mid-market"],
}
MB = 1024 * 1024
ONE_MB_LIMIT = {"MAX_UPLOAD_BYTES": MB}
KEY_10_KB = "k" * 10 * 1024

Ctx = dict[str, int]  # ids of the workspace's offer, upload and lead
Send = Callable[[APIClient, Ctx], Any]
Lazy = bytes | Callable[[], bytes]


def csv_bytes(*lines: str, newline: str = "\n", encoding: str = "utf-8") -> bytes:
    return "".join(line + newline for line in lines).encode(encoding)


def _bytes(data: Lazy) -> bytes:
    # Large inputs are built when their test runs, not held for the whole session.
    return data() if callable(data) else data


def sized(total: int) -> bytes:
    """A CSV of exactly `total` bytes: Ava, then one row whose bio fills the rest."""
    head = csv_bytes(HEADER, AVA) + b"Zed Zu,CTO,Zedco,SaaS,Oslo,"
    return head + b"x" * (total - len(head) - 1) + b"\n"


# --- requests ---------------------------------------------------------------------------------


def upload_file(data: Lazy, *, name: str = "leads.csv", query: str = "") -> Send:
    def send(client: APIClient, ctx: Ctx) -> Any:
        file = SimpleUploadedFile(name, _bytes(data), content_type="text/csv")
        return client.post(UPLOAD + query, {"file": file}, format="multipart")

    return send


def upload_body(data: Lazy, *, content_type: str = "text/csv", query: str = "") -> Send:
    return lambda client, ctx: client.post(
        UPLOAD + query, data=_bytes(data), content_type=content_type
    )


def post_json(path: str, body: dict | Callable[[Ctx], Any]) -> Send:
    def send(client: APIClient, ctx: Ctx) -> Any:
        return client.post(path.format(**ctx), body(ctx) if callable(body) else body, format="json")

    return send


def post_raw(path: str, data: Lazy | str, content_type: str = "application/json") -> Send:
    def send(client: APIClient, ctx: Ctx) -> Any:
        raw = data.encode() if isinstance(data, str) else _bytes(data)
        return client.post(path.format(**ctx), data=raw, content_type=content_type)

    return send


def post_form(path: str, data: dict, *, format: str = "multipart") -> Send:
    return lambda client, ctx: client.post(path.format(**ctx), data, format=format)


def call(method: str, path: str, *, body: dict | None = None, content_type: str = "") -> Send:
    def send(client: APIClient, ctx: Ctx) -> Any:
        if content_type:
            return getattr(client, method)(path.format(**ctx), data=body, content_type=content_type)
        if body is not None:
            return getattr(client, method)(path.format(**ctx), body, format="json")
        return getattr(client, method)(path.format(**ctx))

    return send


def score(**fields: Any) -> Send:
    """POST /score/ with the workspace's offer and `fields` on top."""
    return post_json("/score/", lambda ctx: {"offer_id": ctx["offer"], **fields})


def offer_with(**fields: Any) -> Send:
    return post_json("/offer/", {**OFFER, **fields})


def caller(authorization: str | None, *, path: str = "/offer/") -> Send:
    """A request by another client: `authorization` as its header (None: no header). It
    creates an offer if it gets through, so a missed check shows as a write."""

    def send(client: APIClient, ctx: Ctx) -> Any:
        other = APIClient()
        other.raise_request_exception = False
        if authorization is not None:
            other.credentials(HTTP_AUTHORIZATION=authorization)
        if path == "/offer/":
            return other.post(path, OFFER, format="json")
        return other.get(path)

    return send


# --- extra checks -----------------------------------------------------------------------------


def formulas_are_stored_as_sent_and_neutralised_on_export(api: APIClient, ctx: Ctx, _) -> None:
    lead = Lead.objects.get(name__startswith="=HYPERLINK")
    stored = (lead.name, lead.role, lead.company, lead.industry, lead.location)
    assert stored == FORMULA_CELLS
    assert api.post("/score/", {"offer_id": ctx["offer"]}, format="json").status_code == 200
    export = api.get("/results/export/")
    text = b"".join(export.streaming_content).decode()
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["lead_id"] == str(lead.id))
    exported = tuple(row[c] for c in ("name", "role", "company", "industry", "location"))
    assert exported == tuple("'" + value for value in FORMULA_CELLS)


FORMULA_CELLS = ('=HYPERLINK("http://evil.example","Click")', "+SUM(1,2)", "@cmd", "=1+1", "-2+3")


def _formula_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    writer.writerow([*FORMULA_CELLS, "=bio is not exported"])
    return buffer.getvalue().encode()


EXTRA_COLUMNS = [f"c{i}" for i in range(10_000)]
EXTRA_COLUMNS_WARNING = (
    "Ignored extra column(s): "
    + ", ".join(repr(c) for c in EXTRA_COLUMNS[:20])
    + f" and {len(EXTRA_COLUMNS) - 20} more."
)


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    """One hostile input and its documented answer."""

    id: str
    input: str  # what is sent, in words (docs/hostile-inputs.md)
    send: Send
    status: int
    code: str | None = None  # error code; None when the request is accepted
    attr: str | None = None
    detail: str = ""  # the (first) error's detail contains this
    detail_max: int = 0  # when set, the most characters the detail may have
    why: str = ""
    max_errors: int = 1
    rows: tuple[int, int, int, int] | None = None  # accepted upload: total, created, dup, rejected
    row_error: tuple[int, str | None, str] | None = None  # its first error: line, field, message
    echo: dict = field(default_factory=dict)  # 2xx: body fields, headers (Capitalised), "body"
    writes: dict = field(default_factory=dict)  # rows a 2xx adds, by table (uploads: automatic)
    settings: dict = field(default_factory=dict)
    then: Callable[[APIClient, Ctx, Any], None] | None = None
    bug: str = ""
    bug_on: str = ""  # the database vendor the bug shows on; "" for all

    @property
    def type(self) -> str | None:
        if self.code is None:
            return None
        if self.status >= 500:
            return "server_error"
        if self.status == 400 and self.code != "parse_error":
            return "validation_error"
        return "client_error"


def bad_csv(id: str, input: str, data: Lazy, detail: str, why: str, **kw: Any) -> Hostile:
    return Hostile(id, input, upload_file(data), 400, "invalid_csv", "file", detail, why=why, **kw)


def parse_error(id: str, input: str, send: Send, detail: str, why: str, **kw: Any) -> Hostile:
    return Hostile(id, input, send, 400, "parse_error", None, detail, why=why, **kw)


def not_allowed(method: str, path: str, why: str = "") -> Hostile:
    return Hostile(
        f"{method}-{path.strip('/').replace('/', '-')}",
        f"{method.upper()} {path}",
        call(method, path),
        405,
        "method_not_allowed",
        None,
        f'Method "{method.upper()}" not allowed.',
        why=why or "Collections are listed (and created) only; the method is named.",
    )


def unauthorised(
    id: str, input: str, authorization: str, detail: str, why: str, **kw: Any
) -> Hostile:
    return Hostile(
        id, input, caller(authorization), 401, "authentication_failed", None, detail, why=why, **kw
    )


INVALID_KEY = "Invalid or revoked API key."
MALFORMED = "Malformed Authorization header: expected 'Api-Key <key>'."
NESTED_10000 = "[" * 10_000 + "]" * 10_000

CSV_CASES = [
    bad_csv(
        "binary-bytes-named-csv",
        "all 256 byte values, x8, as leads.csv",
        bytes(range(256)) * 8,
        "contains binary data",
        "Not text: refused whole, nothing stored.",
    ),
    bad_csv(
        "zip-named-csv",
        "a ZIP (.xlsx) archive named leads.csv",
        b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)),
        "a ZIP archive",
        "Recognised by its signature; the message says to export as CSV.",
    ),
    bad_csv(
        "pdf-named-csv",
        "a PDF named leads.csv",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        "a PDF document",
        "Recognised by its signature.",
    ),
    bad_csv(
        "many-nul-bytes",
        "a valid CSV followed by 100 NUL bytes",
        csv_bytes(HEADER, AVA) + b"\x00" * 100,
        "contains binary data",
        "Many NULs mean the file is not text.",
    ),
    Hostile(
        "one-nul-in-a-row",
        "one NUL byte inside a name",
        upload_file(csv_bytes(HEADER, "Ava\x00 Patel,CTO,Acme,SaaS,Austin,Bio", BEN)),
        201,
        rows=(2, 1, 0, 1),
        row_error=(2, "name", "name contains control characters."),
        why="A stray NUL is that row's problem: the row is rejected, the others stored.",
    ),
    Hostile(
        "nul-in-a-bio",
        "one NUL byte inside a bio",
        upload_file(csv_bytes(HEADER, AVA, "Ben Ode,CTO,Nimbus,Fintech,Berlin,Bio\x00")),
        201,
        rows=(2, 1, 0, 1),
        row_error=(3, "linkedin_bio", "linkedin_bio contains control characters."),
        why="Bios may hold line breaks, never NUL.",
    ),
    Hostile(
        "one-mb-field",
        "a 1 MB company name",
        upload_file(lambda: csv_bytes(HEADER, f"Zed Zu,CTO,{'x' * MB},SaaS,Oslo,Bio", BEN)),
        201,
        rows=(2, 1, 0, 1),
        row_error=(2, "company", "company is 1048576 characters long; the limit is 300."),
        why="A field over its limit rejects its row only.",
    ),
    Hostile(
        "five-mb-field",
        "a 5 MB unquoted bio in a 5 MB file (under the 50 MB limit)",
        upload_file(lambda: csv_bytes(HEADER, f"Zed Zu,CTO,Zedco,SaaS,Oslo,{'x' * 5 * MB}", BEN)),
        201,
        rows=(2, 1, 0, 1),
        row_error=(2, "linkedin_bio", "linkedin_bio is 5242880 characters long"),
        why="README: a field over its limit rejects the row; the upload goes on.",
    ),
    Hostile(
        "lone-cr-line-endings",
        "CR-only line endings, with a CR inside a quoted bio",
        upload_file(
            csv_bytes(HEADER, AVA, BEN, 'Cara Lin,CTO,Orbit,SaaS,Lyon,"one\rtwo"', newline="\r")
        ),
        201,
        rows=(3, 3, 0, 0),
        why="Old Mac exports: LF, CRLF and lone CR all end a record.",
    ),
    Hostile(
        "mixed-line-endings",
        "LF, CRLF and CR endings in one file",
        upload_file(f"{HEADER}\r\n{AVA}\n{BEN}\r{CARA}\r\n".encode()),
        201,
        rows=(3, 3, 0, 0),
        why="Each line ending is recognised where it occurs.",
    ),
    bad_csv(
        "unbalanced-quote-mid-file",
        "a quote opened on line 3 of 5, never closed",
        csv_bytes(HEADER, AVA, 'Zed Zu,CTO,"Zedco,SaaS,Oslo,Bio', BEN, CARA),
        "Unterminated quoted field starting on line 3",
        "The quote swallows the rest of the file: refused whole, with its line.",
    ),
    Hostile(
        "unbalanced-quote-closed-later",
        "a quote opened in a company on line 2, closed on line 4",
        upload_file(
            csv_bytes(
                HEADER,
                'Zed Zu,CTO,"Zedco,SaaS,Oslo,Bio',
                BEN,
                'Cara Lin,CTO,Orbit",SaaS,Lyon,Bio',
                "Dan Roe,CTO,Dx,SaaS,Lyon,Bio",
            )
        ),
        201,
        rows=(2, 1, 0, 1),
        row_error=(2, "company", "company contains control characters."),
        why="Lines 2-4 are one record; line breaks in a short field reject it (README).",
    ),
    bad_csv(
        "unbalanced-quote-at-end",
        "the last line opens a quote, no newline at the end",
        csv_bytes(HEADER, AVA) + b'Zed Zu,CTO,Zedco,SaaS,Oslo,"Bio',
        "Unterminated quoted field starting on line 3",
        "Refused whole, with the line where the quote opens.",
    ),
    Hostile(
        "text-after-closing-quote",
        'a field `"Acme"x`',
        upload_file(csv_bytes(HEADER, 'Zed Zu,CTO,"Acme"x,SaaS,Oslo,Bio', BEN)),
        201,
        rows=(2, 1, 0, 1),
        row_error=(2, None, "Malformed quoting"),
        why="Malformed quoting rejects its row only.",
    ),
    bad_csv(
        "duplicate-headers",
        "the header names role twice (role, Role)",
        csv_bytes(HEADER + ",Role", AVA + ",x"),
        "Duplicate column names: 'role' and 'Role'",
        "Which column to read would be a guess.",
    ),
    bad_csv(
        "header-aliases-clash",
        "Title and role in one header",
        csv_bytes("name,Title,role,company,industry,location,linkedin_bio", "a,b,c,d,e,f,g"),
        "Columns 'Title' and 'role' both mean 'role'",
        "Two spellings of one column are a duplicate too.",
    ),
    bad_csv(
        "missing-header",
        "no header line: the first line is a lead",
        csv_bytes(AVA, BEN),
        "Missing required column(s): name, role, company, industry, location",
        "The missing columns are named, with what was found.",
    ),
    bad_csv(
        "blank-header-names",
        "a header of delimiters only, then a lead",
        csv_bytes(",,,,,", AVA),
        "Missing required column(s)",
        "Blank header lines are skipped; the lead's line is then no header.",
    ),
    Hostile(
        "utf16-le-without-bom",
        "UTF-16 LE without a BOM",
        upload_file(csv_bytes(HEADER, AVA, encoding="utf-16-le")),
        201,
        rows=(1, 1, 0, 0),
        echo={"encoding": "utf-16-le"},
        why="Recognised from its NUL pattern.",
    ),
    Hostile(
        "utf16-be-without-bom",
        "UTF-16 BE without a BOM",
        upload_file(csv_bytes(HEADER, AVA, encoding="utf-16-be")),
        201,
        rows=(1, 1, 0, 0),
        echo={"encoding": "utf-16-be"},
        why="Recognised from its NUL pattern.",
    ),
    bad_csv(
        "bom-only",
        "a UTF-8 BOM and nothing else",
        codecs.BOM_UTF8,
        "The file is empty.",
        "Empty once the BOM is skipped.",
    ),
    Hostile(
        "over-the-limit-multipart",
        "multipart file of limit + 1 byte (limit 1 MB)",
        upload_file(lambda: sized(MB + 1)),
        413,
        "payload_too_large",
        None,
        "larger than the 1 MB upload limit",
        settings=ONE_MB_LIMIT,
        why="413 before reading, naming the limit.",
    ),
    Hostile(
        "over-the-limit-raw-body",
        "raw text/csv body of limit + 1 byte (limit 1 MB)",
        upload_body(lambda: sized(MB + 1)),
        413,
        "payload_too_large",
        None,
        "larger than the 1 MB upload limit",
        settings=ONE_MB_LIMIT,
        why="Counted while spooling; 413 as soon as the limit is passed.",
    ),
    Hostile(
        "at-the-limit-multipart",
        "multipart file of exactly the limit (1 MB)",
        upload_file(lambda: sized(MB)),
        201,
        rows=(2, 1, 0, 1),
        row_error=(3, "linkedin_bio", "linkedin_bio is"),
        settings=ONE_MB_LIMIT,
        why="The limit is the largest upload; a raw body of that size is accepted.",
    ),
    Hostile(
        "empty-multipart-field",
        "multipart with `file` as an empty text field",
        post_form(UPLOAD, {"file": ""}),
        400,
        "required",
        "file",
        "Send the CSV as the multipart field 'file'.",
        why="A text field is not a file.",
    ),
    Hostile(
        "path-traversal-filename",
        "multipart filename ../../etc/passwd.csv",
        upload_file(csv_bytes(HEADER, AVA), name="../../etc/passwd.csv"),
        201,
        rows=(1, 1, 0, 0),
        echo={"filename": "passwd.csv"},
        why="Only the base name is recorded; nothing is written to disk by name.",
    ),
    Hostile(
        "path-traversal-filename-query",
        "raw body with ?filename=../../etc/passwd.csv",
        upload_body(csv_bytes(HEADER, AVA), query="?filename=../../etc/passwd.csv"),
        201,
        rows=(1, 1, 0, 0),
        echo={"filename": "passwd.csv"},
        why="The same name should be recorded the same way, whichever way it came.",
    ),
    Hostile(
        "nul-in-filename-query",
        "?filename=a%00b.csv",
        upload_body(csv_bytes(HEADER, AVA), query="?filename=a%00b.csv"),
        400,
        "null_characters_not_allowed",
        "filename",
        "Null characters are not allowed.",
        why="A NUL cannot be stored (PostgreSQL) and is never meant.",
    ),
    Hostile(
        "overlong-filename-query",
        "?filename= of 256 characters",
        upload_body(csv_bytes(HEADER, AVA), query="?filename=" + "f" * 252 + ".csv"),
        400,
        "max_length",
        "filename",
        "no more than 255 characters",
        why="The column holds 255.",
    ),
    Hostile(
        "nul-in-strict",
        "?strict=%00",
        upload_body(csv_bytes(HEADER, AVA), query="?strict=%00"),
        400,
        "invalid",
        "strict",
        "Must be a valid boolean.",
        why="Booleans are true/false words only.",
    ),
    Hostile(
        "formula-cells",
        "cells starting with = + @ - (HYPERLINK, SUM...)",
        upload_file(_formula_csv()),
        201,
        rows=(1, 1, 0, 0),
        then=formulas_are_stored_as_sent_and_neutralised_on_export,
        why="Stored as sent; the export prefixes them with ' so spreadsheets show text.",
    ),
    Hostile(
        "ten-thousand-extra-columns",
        "a header with 10,000 extra columns",
        upload_file(
            lambda: csv_bytes(",".join([HEADER, *EXTRA_COLUMNS]), AVA + "," * len(EXTRA_COLUMNS))
        ),
        201,
        rows=(1, 1, 0, 0),
        echo={"warnings": [EXTRA_COLUMNS_WARNING]},
        why="Extra columns are ignored; the warning names 20 and counts the rest.",
    ),
    Hostile(
        "json-to-upload",
        "application/json body to the upload",
        post_json(UPLOAD, {"file": "name,role"}),
        415,
        "unsupported_media_type",
        None,
        '"application/json"',
        why="Multipart or text/csv only; the type received is named.",
    ),
    Hostile(
        "text-plain-to-upload",
        "text/plain body to the upload",
        upload_body(csv_bytes(HEADER, AVA), content_type="text/plain"),
        415,
        "unsupported_media_type",
        None,
        '"text/plain"',
        why="text/csv is the type of a CSV body.",
    ),
    Hostile(
        "xml-to-upload",
        "application/xml body to the upload",
        upload_body(b"<leads/>", content_type="application/xml"),
        415,
        "unsupported_media_type",
        None,
        '"application/xml"',
        why="Not a CSV type.",
    ),
]


def offer_id_case(id: str, value: Any, code: str, detail: str, why: str) -> Hostile:
    return Hostile(
        id,
        f"POST /score/ offer_id={json.dumps(value)}",
        post_json("/score/", {"offer_id": value}),
        400,
        code,
        "offer_id",
        detail,
        why=why,
    )


JSON_CASES = [
    offer_id_case(
        "offer-id-text",
        "one",
        "invalid",
        "A valid integer is required.",
        "A JSON integer or a string of digits only.",
    ),
    offer_id_case(
        "offer-id-float", 1.5, "invalid", "A valid integer is required.", "Not an integer."
    ),
    offer_id_case(
        "offer-id-boolean", True, "invalid", "A valid integer is required.", "true is not 1."
    ),
    offer_id_case("offer-id-null", None, "null", "may not be null", "Required, not nullable."),
    offer_id_case(
        "offer-id-list", [1], "invalid", "A valid integer is required.", "Not an integer."
    ),
    offer_id_case(
        "offer-id-object", {"id": 1}, "invalid", "A valid integer is required.", "Not an integer."
    ),
    offer_id_case("offer-id-zero", 0, "min_value", "greater than or equal to 1", "Ids start at 1."),
    offer_id_case(
        "offer-id-negative", -1, "min_value", "greater than or equal to 1", "Ids start at 1."
    ),
    offer_id_case(
        "offer-id-2-63",
        2**63,
        "max_value",
        "less than or equal to 9223372036854775807",
        "Beyond a 64-bit id: refused before any query.",
    ),
    Hostile(
        "offer-id-2-63-minus-1",
        "POST /score/ offer_id=2**63-1",
        post_json("/score/", {"offer_id": 2**63 - 1}),
        404,
        "not_found",
        None,
        "Not found.",
        why="The largest id is valid and simply unknown.",
    ),
    Hostile(
        "offer-id-1e400",
        'POST /score/ raw {"offer_id": 1e400}',
        post_raw("/score/", '{"offer_id": 1e400}'),
        400,
        "invalid",
        "offer_id",
        "A valid integer is required.",
        why="Parsed as infinity: not an integer.",
    ),
    parse_error(
        "offer-id-nan",
        'POST /score/ raw {"offer_id": NaN}',
        post_raw("/score/", '{"offer_id": NaN}'),
        "'NaN'",
        "NaN is not JSON.",
    ),
    parse_error(
        "offer-id-infinity",
        'POST /score/ raw {"offer_id": Infinity}',
        post_raw("/score/", '{"offer_id": Infinity}'),
        "'Infinity'",
        "Infinity is not JSON.",
    ),
    parse_error(
        "offer-id-minus-infinity",
        'POST /score/ raw {"offer_id": -Infinity}',
        post_raw("/score/", '{"offer_id": -Infinity}'),
        "'-Infinity'",
        "-Infinity is not JSON.",
    ),
    parse_error(
        "offer-id-5000-digits",
        "POST /score/ offer_id of 5,000 digits (raw)",
        post_raw("/score/", '{"offer_id": ' + "9" * 5000 + "}"),
        "5000 digits",
        "Python's integer-parsing limit answers as a parse error, not a CPU burn.",
    ),
    parse_error(
        "malformed-json-score",
        'POST /score/ raw {"offer_id": 1',
        post_raw("/score/", '{"offer_id": 1'),
        "JSON parse error",
        "Unparseable body.",
    ),
    parse_error(
        "malformed-json-offer",
        "POST /offer/ raw {'name': 'x'}",
        post_raw("/offer/", "{'name': 'x'}"),
        "JSON parse error",
        "Single quotes are not JSON.",
    ),
    parse_error(
        "json-with-bom-score",
        "POST /score/ JSON preceded by a UTF-8 BOM",
        post_raw("/score/", codecs.BOM_UTF8 + b'{"offer_id": 1}'),
        "Unexpected UTF-8 BOM",
        "RFC 8259: no BOM in JSON; the message names it.",
    ),
    parse_error(
        "json-with-bom-offer",
        "POST /offer/ JSON preceded by a UTF-8 BOM",
        post_raw("/offer/", codecs.BOM_UTF8 + b'{"name": "x"}'),
        "Unexpected UTF-8 BOM",
        "RFC 8259: no BOM in JSON; the message names it.",
    ),
    parse_error(
        "nested-10000-lists-offer",
        "POST /offer/ 10,000 nested lists",
        post_raw("/offer/", NESTED_10000),
        "JSON parse error",
        "Unparseable for this service: 400, never a crash.",
    ),
    parse_error(
        "nested-10000-lists-score",
        "POST /score/ 10,000 nested lists",
        post_raw("/score/", NESTED_10000),
        "JSON parse error",
        "Unparseable for this service: 400, never a crash.",
    ),
    Hostile(
        "ten-mb-json-body",
        "POST /offer/ 10 MB JSON body (a 10 MB name)",
        post_json("/offer/", lambda ctx: {**OFFER, "name": "x" * 10 * MB}),
        413,
        "payload_too_large",
        None,
        "too large",
        why="Larger than the request size Django reads into memory (2.5 MB): 413.",
    ),
    Hostile(
        "two-mb-name",
        "POST /offer/ 2 MB name (under 2.5 MB)",
        offer_with(name="x" * 2 * MB),
        400,
        "max_length",
        "name",
        "no more than 200 characters",
        why="Parsed, then refused by the field's limit.",
    ),
    Hostile(
        "offer-text-plain",
        "POST /offer/ JSON sent as text/plain",
        post_raw("/offer/", '{"name": "x"}', content_type="text/plain"),
        415,
        "unsupported_media_type",
        None,
        '"text/plain"',
        why="JSON endpoints read application/json only.",
    ),
    Hostile(
        "offer-xml",
        "POST /offer/ application/xml",
        post_raw("/offer/", "<offer><name>x</name></offer>", content_type="application/xml"),
        415,
        "unsupported_media_type",
        None,
        '"application/xml"',
        why="JSON endpoints read application/json only.",
    ),
    Hostile(
        "offer-multipart",
        "POST /offer/ multipart form",
        post_form("/offer/", {"name": "x"}),
        415,
        "unsupported_media_type",
        None,
        "multipart/form-data",
        why="JSON endpoints read application/json only.",
    ),
    Hostile(
        "score-multipart",
        "POST /score/ multipart form",
        post_form("/score/", {"offer_id": "1"}),
        415,
        "unsupported_media_type",
        None,
        "multipart/form-data",
        why="JSON endpoints read application/json only.",
    ),
    Hostile(
        "patch-offer-form-encoded",
        "PATCH /offer/{id}/ x-www-form-urlencoded",
        call(
            "patch",
            "/offer/{offer}/",
            body="name=x",
            content_type="application/x-www-form-urlencoded",
        ),
        415,
        "unsupported_media_type",
        None,
        "application/x-www-form-urlencoded",
        why="JSON endpoints read application/json only.",
    ),
    Hostile(
        "value-props-100000",
        "POST /offer/ value_props of 100,000 items",
        post_json("/offer/", lambda ctx: {**OFFER, "value_props": ["a"] * 100_000}),
        400,
        "max_length",
        "value_props",
        "no more than 50 elements",
        why="1-50 items.",
    ),
    Hostile(
        "value-props-51",
        "POST /offer/ value_props of 51 items",
        offer_with(value_props=["a"] * 51),
        400,
        "max_length",
        "value_props",
        "no more than 50 elements",
        why="1-50 items.",
    ),
    Hostile(
        "value-props-12000-blank",
        "POST /offer/ value_props of 12,000 blank strings",
        post_json("/offer/", lambda ctx: {**OFFER, "value_props": [""] * 12_000}),
        400,
        "max_length",
        "value_props",
        "no more than 50 elements",
        max_errors=1,
        why="The length is checked before the items: one error, not 12,000.",
    ),
    Hostile(
        "lead-ids-12000-strings",
        'POST /score/ lead_ids of 12,000 "x"',
        score(lead_ids=["x"] * 12_000),
        400,
        "max_length",
        "lead_ids",
        "no more than 10000 elements",
        max_errors=100,
        why="At most 10,000 ids; the error list stays small.",
    ),
    Hostile(
        "nul-in-offer-name",
        "POST /offer/ name with a NUL",
        offer_with(name="AI\x00Outreach"),
        400,
        "null_characters_not_allowed",
        "name",
        "Null characters are not allowed.",
        why="PostgreSQL cannot store NUL in text.",
    ),
    Hostile(
        "nul-in-value-prop",
        "POST /offer/ a value prop with a NUL",
        offer_with(value_props=["ok", "bad\x00"]),
        400,
        "null_characters_not_allowed",
        "value_props.1",
        "Null characters are not allowed.",
        why="The item at fault is named.",
    ),
    Hostile(
        "lone-surrogate-in-offer-name",
        'POST /offer/ name "a\\ud800b" (raw)',
        post_raw(
            "/offer/",
            '{"name": "a\\ud800b", "value_props": ["x"], "ideal_use_cases": ["y"]}',
        ),
        400,
        "surrogate_characters_not_allowed",
        "name",
        "U+D800",
        why="Not encodable as UTF-8: refused before the database sees it.",
    ),
    Hostile(
        "control-characters-in-offer-name",
        "POST /offer/ name with BEL and an ANSI escape",
        offer_with(name="AI\x07\x1b[31mOutreach"),
        400,
        "control_characters",
        "name",
        "Control characters are not allowed.",
        why="Offer texts are one-line labels, like CSV fields: control characters are refused.",
    ),
    Hostile(
        "unknown-json-field-offer",
        'POST /offer/ with "colour"',
        offer_with(colour="red"),
        400,
        "invalid",
        "colour",
        "Unknown field.",
        why="A typo must not be ignored silently.",
    ),
    Hostile(
        "unknown-json-field-score",
        'POST /score/ with "offerId" beside offer_id',
        score(offerId=1),
        400,
        "invalid",
        "offerId",
        "Unknown field.",
        why="A typo must not be ignored silently.",
    ),
    Hostile(
        "unknown-json-field-patch",
        'PATCH /offer/{id}/ {"colour": "red"}',
        call("patch", "/offer/{offer}/", body={"colour": "red"}),
        400,
        "invalid",
        "colour",
        "Unknown field.",
        why="Same rule for partial updates.",
    ),
    Hostile(
        "100000-unknown-json-fields",
        "POST /offer/ with 100,000 unknown fields",
        post_json("/offer/", lambda ctx: {**OFFER, **{f"k{i}": 1 for i in range(100_000)}}),
        400,
        "invalid",
        "k0",
        "Unknown field.",
        max_errors=20,
        why="The first 20 are named: the answer stays small.",
    ),
    Hostile(
        "callback-to-metadata-address",
        "POST /score/ callback_url http://169.254.169.254/latest/meta-data",
        score(callback_url="http://169.254.169.254/latest/meta-data", callback_secret="s" * 16),
        400,
        "invalid",
        "callback_url",
        "private or reserved address",
        why="No callbacks to private, loopback or link-local addresses (SSRF).",
    ),
    Hostile(
        "callback-file-url",
        "POST /score/ callback_url file:///etc/passwd",
        score(callback_url="file:///etc/passwd", callback_secret="s" * 16),
        400,
        "invalid",
        "callback_url",
        "Enter a valid URL.",
        why="http and https only.",
    ),
    Hostile(
        "lead-ids-2-64",
        "POST /score/ lead_ids [2**64]",
        score(lead_ids=[2**64]),
        400,
        "max_value",
        "lead_ids.0",
        "less than or equal to 9223372036854775807",
        why="The item at fault is named.",
    ),
]


def query_case(
    id: str, path: str, attr: str, code: str, detail: str, why: str, input: str = ""
) -> Hostile:
    return Hostile(id, input or f"GET {path}", call("get", path), 400, code, attr, detail, why=why)


QUERY_CASES = [
    query_case(
        "page-size-a-million",
        "/leads/?page_size=1000000",
        "page_size",
        "invalid",
        "Must be between 1 and 1000, not 1000000.",
        "At most 1000 per page.",
    ),
    query_case(
        "page-zero", "/offer/?page=0", "page", "invalid", "Must be at least 1, not 0.", "From 1."
    ),
    query_case(
        "page-negative",
        "/offer/?page=-1",
        "page",
        "invalid",
        "Must be at least 1, not -1.",
        "From 1.",
    ),
    query_case(
        "page-abc",
        "/offer/?page=abc",
        "page",
        "invalid",
        "Must be an integer, not 'abc'.",
        "The value is quoted back.",
    ),
    query_case(
        "page-5000-digits",
        "/offer/?page=" + "9" * 5000,
        "page",
        "invalid",
        "Must be an integer",
        "Past Python's integer-parsing limit; the value is quoted cut to 50 characters.",
        input="GET /offer/?page= 5,000 digits",
    ),
    Hostile(
        "page-2-63",
        f"GET /offer/?page={2**63}",
        call("get", f"/offer/?page={2**63}"),
        200,
        echo={"body": [], "X-Total-Count": "1"},
        why="A page past the end is an empty array (README).",
    ),
    Hostile(
        "unknown-query-parameters",
        "GET /offer/?colour=red&page_sise=5&__proto__=x",
        call("get", "/offer/?colour=red&page_sise=5&__proto__=x"),
        200,
        echo={"X-Total-Count": "1"},
        why="Unknown query parameters are ignored.",
    ),
    query_case(
        "upload-id-10000-digits",
        "/leads/?upload_id=" + "9" * 10_000,
        "upload_id",
        "max_string_length",
        "String value too large.",
        "A long URL is refused before parsing the number.",
        input="GET /leads/?upload_id= 10,000 digits",
    ),
    query_case(
        "ordering-injection",
        "/results/?ordering=id;DROP%20TABLE%20leads",
        "ordering",
        "invalid_choice",
        "is not a valid choice.",
        "Orderings come from a fixed list.",
    ),
    Hostile(
        "q-sql-injection",
        "GET /results/?q=' OR 1=1 --",
        call("get", "/results/?q=%27%20OR%201%3D1%20--"),
        200,
        echo={"body": [], "X-Total-Count": "0"},
        why="Searched as text (bound parameter): matches nothing.",
    ),
    query_case(
        "q-with-nul",
        "/results/?q=a%00b",
        "q",
        "null_characters_not_allowed",
        "Null characters are not allowed.",
        "A NUL is never meant.",
    ),
    query_case(
        "min-score-exponent",
        "/results/?min_score=1e3",
        "min_score",
        "invalid",
        "A valid integer is required.",
        "Integers 0-100.",
    ),
]

METHOD_AND_PATH_CASES = [
    not_allowed("put", "/offer/"),
    not_allowed("delete", "/offer/"),
    not_allowed("put", "/leads/"),
    not_allowed("delete", "/leads/"),
    not_allowed("put", "/leads/uploads/"),
    not_allowed("delete", "/leads/uploads/"),
    not_allowed("put", "/score/runs/"),
    not_allowed("delete", "/score/runs/"),
    not_allowed("put", "/results/"),
    not_allowed("delete", "/results/"),
    not_allowed("get", "/score/", why="Runs are listed at /score/runs/; the method is named."),
    Hostile(
        "encoded-dots",
        "GET /offer/%2e%2e/",
        call("get", "/offer/%2e%2e/"),
        404,
        "not_found",
        None,
        "No endpoint at '/offer/../'",
        why="Decoded, then matched literally: no route has dots.",
    ),
    Hostile(
        "encoded-slashes-and-dots",
        "GET /offer/..%2F..%2Fleads/",
        call("get", "/offer/..%2F..%2Fleads/"),
        404,
        "not_found",
        None,
        "No endpoint at '/offer/../../leads/'",
        why="No normalisation into another route.",
    ),
    Hostile(
        "encoded-slash",
        "GET /offer%2F",
        call("get", "/offer%2F"),
        200,
        echo={"X-Total-Count": "1"},
        why="%2F decodes to / before routing: the same answer as GET /offer/.",
    ),
    Hostile(
        "encoded-slash-without-key",
        "GET /offer%2F without a key",
        caller(None, path="/offer%2F"),
        401,
        "not_authenticated",
        None,
        "Authentication credentials were not provided.",
        why="Encoding does not skip authentication.",
    ),
    Hostile(
        "encoded-nul-in-path",
        "GET /leads/uploads/%00/",
        call("get", "/leads/uploads/%00/"),
        404,
        "not_found",
        None,
        "No endpoint at",
        why="Ids are digits only.",
    ),
    Hostile(
        "ten-thousand-digit-id",
        "GET /offer/ + 10,000 digits + /",
        call("get", "/offer/" + "9" * 10_000 + "/"),
        404,
        "not_found",
        None,
        "No endpoint at",
        why="Ids have at most 18 digits in routes: no query is made.",
    ),
    Hostile(
        "nineteen-digit-id",
        f"GET /offer/{2**63}/",
        call("get", f"/offer/{2**63}/"),
        404,
        "not_found",
        None,
        "No endpoint at",
        why="Beyond 18 digits no route matches.",
    ),
    Hostile(
        "largest-routable-id",
        "GET /offer/999999999999999999/",
        call("get", "/offer/999999999999999999/"),
        404,
        "not_found",
        None,
        "Not found.",
        why="Routed, looked up, unknown.",
    ),
]

AUTH_CASES = [
    unauthorised(
        "authorization-keyword-only",
        "Authorization: Api-Key",
        "Api-Key",
        MALFORMED,
        "No key after the keyword.",
    ),
    unauthorised(
        "authorization-10-kb-key",
        "Authorization: Api-Key + 10 KB",
        f"Api-Key {KEY_10_KB}",
        INVALID_KEY,
        "Looked up by prefix, refused; nothing echoed.",
    ),
    unauthorised(
        "authorization-10-kb-dotted-key",
        "Authorization: Api-Key 5 KB.5 KB",
        f"Api-Key {KEY_10_KB[:5120]}.{KEY_10_KB[:5120]}",
        INVALID_KEY,
        "A huge prefix is just an unknown prefix.",
    ),
    unauthorised(
        "authorization-sql-or",
        "Authorization: Api-Key ' OR 1=1 --",
        "Api-Key ' OR 1=1 --",
        INVALID_KEY,
        "Keys are compared as data (ORM, bound parameters).",
    ),
    unauthorised(
        "authorization-sql-in-prefix",
        "Authorization: Api-Key x' OR '1'='1.y",
        "Api-Key x' OR '1'='1.y",
        INVALID_KEY,
        "The same in the prefix part.",
    ),
    unauthorised(
        "authorization-sql-union",
        "Authorization: Api-Key abc.def' UNION SELECT * FROM workspaces_workspace --",
        "Api-Key abc.def' UNION SELECT * FROM workspaces_workspace --",
        INVALID_KEY,
        "The same in the secret part.",
    ),
    unauthorised(
        "authorization-nul",
        "Authorization: Api-Key abc\\x00def",
        "Api-Key abc\x00def",
        MALFORMED,
        "Control characters are never part of a key: malformed, refused before any lookup.",
    ),
    unauthorised(
        "authorization-crlf",
        "Authorization: Api-Key abc\\r\\nX-Injected: 1",
        "Api-Key abc\r\nX-Injected: 1",
        MALFORMED,
        "Line breaks are not header injection here: a malformed key.",
    ),
    unauthorised(
        "authorization-bearer-10-kb",
        "Authorization: Bearer + 10 KB",
        f"Bearer {KEY_10_KB}",
        MALFORMED,
        "Only the Api-Key scheme.",
    ),
]


def upload_parts(*fields: str) -> Send:
    """A multipart upload with a copy of a valid CSV under each of `fields`."""

    def send(client: APIClient, ctx: Ctx) -> Any:
        parts: dict[str, list] = {}
        for name in fields:
            file = SimpleUploadedFile("leads.csv", csv_bytes(HEADER, AVA), content_type="text/csv")
            parts.setdefault(name, []).append(file)
        return client.post(UPLOAD, parts, format="multipart")

    return send


# What published clients of the brief send (issue 10): each must work, or be told why not.
CLIENT_CASES = [
    bad_csv(
        "header-malformed-quote",
        'header name,"role"x,company,industry,location,linkedin_bio',
        csv_bytes('name,"role"x,company,industry,location,linkedin_bio', AVA),
        "The header (line 1) has malformed quoting",
        "csv.Error must not escape as a 500: the whole file is refused, naming the problem.",
    ),
    bad_csv(
        "header-unterminated-quote",
        'header name,"role,company,industry,location,linkedin_bio',
        csv_bytes('name,"role,company,industry,location,linkedin_bio', AVA),
        "The header (line 1) has malformed quoting",
        "The same for a quote the header never closes.",
    ),
    Hostile(
        "header-repeated-as-row",
        "the header line again as the third row (two exports glued)",
        upload_file(csv_bytes(HEADER, AVA, HEADER, BEN)),
        201,
        rows=(3, 2, 0, 1),
        row_error=(3, None, "Repeats the header line"),
        why="Not a lead named 'name': rejected with its line and listed in warnings.",
    ),
    Hostile(
        "upload-field-leadsFile",
        "multipart with the file as `leadsFile`",
        upload_parts("leadsFile"),
        201,
        rows=(1, 1, 0, 0),
        why="The request's one file part is read, whatever its name.",
    ),
    Hostile(
        "upload-field-csv",
        "multipart with the file as `csv`",
        upload_parts("csv"),
        201,
        rows=(1, 1, 0, 0),
        why="The request's one file part is read, whatever its name.",
    ),
    Hostile(
        "upload-two-files",
        "multipart with files as `file` and `leads`",
        upload_parts("file", "leads"),
        400,
        "multiple_files",
        "file",
        "this request has 2 file parts: 'file', 'leads'",
        why="Which one was meant is ambiguous: refused, naming the fields.",
    ),
    Hostile(
        "score-no-body",
        "POST /score/ with no body and no Content-Type",
        call("post", "/score/"),
        200,
        writes={"runs": 1, "results": 1},
        why="Scores every lead against the workspace's most recent offer.",
    ),
    Hostile(
        "score-empty-object",
        "POST /score/ {}",
        post_json("/score/", {}),
        200,
        writes={"runs": 1, "results": 1},
        why="The same as no body.",
    ),
    Hostile(
        "score-offer-id-numeric-string",
        'POST /score/ {"offer_id": "<id>"}',
        post_json("/score/", lambda ctx: {"offer_id": str(ctx["offer"])}),
        200,
        writes={"runs": 1, "results": 1},
        why="Ids may come as strings of digits, as some clients send them.",
    ),
]


OUTCOMES = "/leads/outcomes/"
ACCOUNTED_NOTHING = {"updated": 0, "unchanged": 0}


OUTCOME_CASES = [
    Hostile(
        "outcomes-binary",
        "all 256 byte values, x8, as an outcomes CSV",
        post_raw(OUTCOMES, bytes(range(256)) * 8, "text/csv"),
        400,
        "invalid_csv",
        "file",
        "contains binary data",
        why="The outcomes CSV is read like a lead CSV: not text, refused whole.",
    ),
    Hostile(
        "outcomes-header-malformed-quote",
        'an outcomes CSV whose header is lead_id,"outcome"x',
        post_raw(OUTCOMES, csv_bytes('lead_id,"outcome"x', "1,won"), "text/csv"),
        400,
        "invalid_csv",
        "file",
        "The header (line 1) has malformed quoting",
        why="As for lead uploads: csv.Error never escapes as a 500.",
    ),
    Hostile(
        "outcomes-no-lead-column",
        "an outcomes CSV of outcome only",
        post_raw(OUTCOMES, csv_bytes("outcome", "won"), "text/csv"),
        400,
        "invalid_csv",
        "file",
        "Missing the lead",
        why="Without lead_id, or name and company, no row can name a lead.",
    ),
    Hostile(
        "outcomes-unknown-word",
        "lead_id,outcome with the outcome 'maybe'",
        lambda client, ctx: client.post(
            OUTCOMES, data=f"lead_id,outcome\n{ctx['lead']},maybe\n", content_type="text/csv"
        ),
        200,
        echo={"rows_total": 1, "rejected": 1, **ACCOUNTED_NOTHING},
        why="A word that names no outcome rejects its row, with the accepted words.",
    ),
    Hostile(
        "outcomes-ten-thousand-digit-id",
        "a lead_id of 10,000 digits",
        post_raw(OUTCOMES, csv_bytes("lead_id,outcome", "9" * 10_000 + ",won"), "text/csv"),
        200,
        echo={"rows_total": 1, "rejected": 1, **ACCOUNTED_NOTHING},
        why="Not an id: the row is rejected before any conversion or query.",
    ),
    Hostile(
        "outcomes-sql-in-name",
        "name,company,outcome with the name ' OR 1=1 --",
        post_raw(OUTCOMES, csv_bytes("name,company,outcome", "' OR 1=1 --,x,won"), "text/csv"),
        200,
        echo={"rows_total": 1, "rejected": 1, **ACCOUNTED_NOTHING},
        why="Matched by its duplicate key, as data: no lead has it.",
    ),
    Hostile(
        "upload-one-mb-outcome",
        "an upload whose outcome cell is 1 MB",
        upload_file(
            lambda: (
                csv_bytes(f"{HEADER},outcome", f"Zed Zu,CTO,Zedco,SaaS,Oslo,Bio,{'x' * MB}")
                + csv_bytes(BEN + ",won")
            )
        ),
        201,
        rows=(2, 1, 0, 1),
        row_error=(2, "outcome", "is not understood"),
        why="An unknown outcome rejects its row; the value is echoed cut to 40 characters.",
    ),
    Hostile(
        "patch-lead-outcome-1-mb",
        "PATCH /leads/{id}/ with a 1 MB outcome",
        call("patch", "/leads/{lead}/", body={"outcome": "x" * MB}),
        400,
        "max_length",
        "outcome",
        "no more than 100 characters",
        why="Bounded before it is read.",
    ),
    Hostile(
        "patch-lead-outcome-number",
        'PATCH /leads/{id}/ with {"outcome": 1}',
        call("patch", "/leads/{lead}/", body={"outcome": 1}),
        400,
        "invalid",
        "outcome",
        "Not a valid string.",
        why="Outcomes are words; 1 is understood only as text (a CSV cell).",
    ),
    Hostile(
        "patch-lead-outcome-list",
        'PATCH /leads/{id}/ with {"outcome": ["won"]}',
        call("patch", "/leads/{lead}/", body={"outcome": ["won"]}),
        400,
        "invalid",
        "outcome",
        "Not a valid string.",
        why="One outcome per lead.",
    ),
    query_case(
        "evaluation-without-offer",
        "/results/evaluation/",
        "offer_id",
        "invalid",
        "Give offer_id (or run_id)",
        "Scores are evaluated per offer.",
    ),
    query_case(
        "evaluation-offer-id-twenty-digits",
        "/results/evaluation/?offer_id=99999999999999999999",
        "offer_id",
        "max_value",
        "less than or equal to 9223372036854775807",
        "Bounded before any query.",
    ),
    Hostile(
        "offer-threshold-as-string",
        'POST /offer/ with "high_intent_score": "80"',
        offer_with(high_intent_score="80"),
        400,
        "invalid",
        "high_intent_score",
        "A valid integer is required.",
        why="Thresholds are JSON numbers.",
    ),
    Hostile(
        "offer-thresholds-inverted",
        "POST /offer/ with medium_intent_score 90 above high_intent_score 10",
        offer_with(high_intent_score=10, medium_intent_score=90),
        400,
        "invalid",
        "medium_intent_score",
        "must be below the High one",
        why="Medium below High, or the bands would overlap.",
    ),
]


# --- second round: echoes, translated addresses, spreadsheets, smaller gaps ------------------

THREE_MB_LABEL = "C" * 3 * MB


def warnings_are_bounded(api: APIClient, ctx: Ctx, response: Any) -> None:
    (warning,) = response.json()["warnings"]
    assert len(warning) < 200, len(warning)
    assert warning.endswith("…'.")
    listed = api.get("/leads/uploads/")
    assert len(listed.content) < 5000, len(listed.content)


SPREADSHEET_CELLS = ("x;=7+7", "\uff1dSUM(1,2)", "\u200b=1+1", "\ufeff@cmd", 'a,\u202e-2+3;"=1')


def _spreadsheet_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    writer.writerow([*SPREADSHEET_CELLS, "bio"])
    return buffer.getvalue().encode()


def no_cell_runs_as_a_formula_whatever_the_separator(api: APIClient, ctx: Ctx, _) -> None:
    lead = Lead.objects.get(name=SPREADSHEET_CELLS[0])
    assert (lead.name, lead.role, lead.company, lead.industry, lead.location) == SPREADSHEET_CELLS
    assert api.post("/score/", {"offer_id": ctx["offer"]}, format="json").status_code == 200
    text = b"".join(api.get("/results/export/").streaming_content).decode()
    for separator in (",", ";", "\t"):  # as Excel or LibreOffice would split it
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            for cell in record:
                visible = "".join(c for c in cell if unicodedata.category(c) != "Cf")
                # Past quotes too: another reading of them may drop them.
                first = unicodedata.normalize("NFKC", visible.lstrip('\t\r\n"')[:1])
                assert first not in {"=", "+", "-", "@"}, (separator, cell)


def two_files(client: APIClient, ctx: Ctx) -> Any:
    first = SimpleUploadedFile("a.csv", csv_bytes(HEADER, AVA), content_type="text/csv")
    second = SimpleUploadedFile("b.csv", csv_bytes(HEADER, BEN), content_type="text/csv")
    return client.post(UPLOAD, {"file": [first, second]}, format="multipart")


def chunked_without_length(client: APIClient, ctx: Ctx) -> Any:
    return client.generic(
        "POST", UPLOAD, b"", content_type="text/csv", HTTP_TRANSFER_ENCODING="chunked"
    )


def callback(id: str, input: str, url: str, detail: str, why: str) -> Hostile:
    return Hostile(
        id,
        f"POST /score/ callback_url {input}",
        score(callback_url=url, callback_secret="s" * 16),
        400,
        "invalid",
        "callback_url",
        detail,
        why=why,
    )


PRIVATE = "private or reserved address"

ROUND_TWO_CASES = [
    Hostile(
        "three-mb-extra-column-name",
        "an extra column named by 3 MB of text",
        upload_file(lambda: csv_bytes(f"{HEADER},{THREE_MB_LABEL}", AVA + ",x")),
        201,
        rows=(1, 1, 0, 0),
        then=warnings_are_bounded,
        why="The warning quotes 100 characters of a label, with an ellipsis: "
        "GET /leads/uploads/ stays small.",
    ),
    bad_csv(
        "three-mb-duplicate-column-names",
        "the same 3 MB column name twice",
        lambda: csv_bytes(f"{HEADER},{THREE_MB_LABEL},{THREE_MB_LABEL}", AVA + ",x,y"),
        "Duplicate column names: 'CCCC",
        "Each label quoted is cut at 100 characters.",
        detail_max=400,
    ),
    bad_csv(
        "three-mb-header-missing-columns",
        "a header of one 3 MB label",
        lambda: csv_bytes(THREE_MB_LABEL, "x"),
        "Missing required column(s)",
        "What was found is quoted, bounded like any label.",
        detail_max=400,
    ),
    bad_csv(
        "thousand-long-labels-missing-columns",
        "a header of 1,000 labels of 1 KB, none of them known",
        lambda: csv_bytes(",".join(f"{i}{'x' * 1024}" for i in range(1000)), "x"),
        "and 980 more",
        "20 labels are named, the rest counted.",
        detail_max=3000,
    ),
    Hostile(
        "two-file-parts",
        "multipart with two `file` parts (a.csv, b.csv)",
        two_files,
        400,
        "multiple_files",
        "file",
        "this request has 2 file parts: 'file', 'file'",
        why="Importing only one of them would be a silent guess.",
    ),
    Hostile(
        "chunked-body-on-wsgi",
        "Transfer-Encoding: chunked, no Content-Length, to a WSGI server",
        chunked_without_length,
        411,
        "length_required",
        None,
        "send the CSV with a Content-Length",
        why="WSGI hands Django no chunked body: 411 says so. The production server (ASGI) "
        "reads chunked bodies within the limit (tests/test_slow_clients.py).",
    ),
    Hostile(
        "export-semicolon-and-hidden-formulas",
        'cells x;=7+7, a;"=1, full-width ＝SUM, zero-width/BOM/bidi before = @ -',
        upload_file(_spreadsheet_csv()),
        201,
        rows=(1, 1, 0, 0),
        then=no_cell_runs_as_a_formula_whatever_the_separator,
        why="Stored as sent; in the export every text cell is quoted and a ' goes before "
        "anything a spreadsheet splitting on , ; or tab would run, quotes it may drop "
        "included.",
    ),
    callback(
        "callback-nat64-private",
        "http://[64:ff9b::a00:1]/ (NAT64 of 10.0.0.1)",
        "http://[64:ff9b::a00:1]/hook",
        PRIVATE,
        "The embedded IPv4 address is the one really called.",
    ),
    callback(
        "callback-local-nat64-private",
        "http://[64:ff9b:1::a00:1]/ (local-use NAT64)",
        "http://[64:ff9b:1::a00:1]/hook",
        PRIVATE,
        "Every placement RFC 6052 allows in 64:ff9b:1::/48 is checked.",
    ),
    callback(
        "callback-6to4-loopback",
        "http://[2002:7f00:1::]/ (6to4 of 127.0.0.1)",
        "http://[2002:7f00:1::]/hook",
        PRIVATE,
        "6to4 carries 127.0.0.1 here.",
    ),
    callback(
        "callback-teredo-private",
        "http://[2001:0:a00:1::]/ (Teredo, server 10.0.0.1)",
        "http://[2001:0:a00:1::]/hook",
        PRIVATE,
        "Teredo addresses carry their server's and client's IPv4 addresses.",
    ),
    callback(
        "callback-ipv4-mapped-private",
        "http://[::ffff:10.0.0.1]/",
        "http://[::ffff:10.0.0.1]/hook",
        PRIVATE,
        "An IPv4-mapped address is the IPv4 address.",
    ),
    callback(
        "callback-credentials",
        "https://user:pass@hooks.example/ (user:pass@)",
        "https://user:pass@hooks.example/hook",
        "must not hold a user name or password",
        "Credentials in a URL end up in logs; the callback is signed instead.",
    ),
    Hostile(
        "offer-name-bidi-override",
        "POST /offer/ name with a right-to-left override (U+202E)",
        offer_with(name="Invoice\u202etxt.exe"),
        400,
        "invisible_characters",
        "name",
        "Invisible formatting characters",
        why="A name must read as it shows (Trojan Source).",
    ),
    Hostile(
        "offer-name-zero-width-space",
        "POST /offer/ name with a zero-width space (U+200B)",
        offer_with(name="Ac\u200bme"),
        400,
        "invisible_characters",
        "name",
        "Invisible formatting characters",
        why="Two names that show alike must be alike.",
    ),
    Hostile(
        "offer-name-emoji-joiner",
        "POST /offer/ name with an emoji ZWJ sequence",
        offer_with(name="Dev \U0001f469\u200d\U0001f4bb Outreach"),
        201,
        echo={"name": "Dev \U0001f469\u200d\U0001f4bb Outreach"},
        writes={"offers": 1},
        why="Joiners are kept: emoji and several scripts need them.",
    ),
]

CASES = [
    *CSV_CASES,
    *JSON_CASES,
    *QUERY_CASES,
    *METHOD_AND_PATH_CASES,
    *AUTH_CASES,
    *CLIENT_CASES,
    *OUTCOME_CASES,
    *ROUND_TWO_CASES,
]


def _param(case: Hostile) -> Any:
    marks = []
    if case.bug:
        shows = not case.bug_on or connection.vendor == case.bug_on
        marks.append(pytest.mark.xfail(shows, strict=True, reason=f"BUG: {case.bug}"))
    return pytest.param(case, id=case.id, marks=marks)


def counts() -> dict[str, int]:
    return {
        "offers": Offer.objects.count(),
        "uploads": Upload.objects.count(),
        "leads": Lead.objects.count(),
        "runs": ScoringRun.objects.count(),
        "results": ScoreResult.objects.count(),
    }


@pytest.fixture
def ctx(workspace) -> Ctx:
    """The workspace's offer, upload and lead: ids for paths, and rows that must not change."""
    offer = OfferFactory(workspace=workspace)
    upload = UploadFactory(workspace=workspace)
    lead = LeadFactory(upload=upload, name="Existing Lead", company="Existing Co")
    return {"offer": offer.id, "upload": upload.id, "lead": lead.id}


def test_the_table_has_unique_ids_and_covers_at_least_45_inputs():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 45


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_hostile_input_gets_its_documented_answer(api, ctx, settings, case):
    for name, value in case.settings.items():
        setattr(settings, name, value)
    api.raise_request_exception = False  # a 5xx is an answer to check, not a crash
    before = counts()

    response = case.send(api, ctx)

    assert response.status_code == case.status, response.content[:500]
    if case.code is not None:
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert set(body) == {"type", "errors"}
        assert body["type"] == case.type
        assert 1 <= len(body["errors"]) <= case.max_errors, len(body["errors"])
        assert all(set(error) == {"code", "detail", "attr"} for error in body["errors"])
        first = body["errors"][0]
        assert (first["code"], first["attr"]) == (case.code, case.attr)
        assert case.detail in first["detail"]
        if case.detail_max:
            assert len(first["detail"]) <= case.detail_max, len(first["detail"])
        assert counts() == before  # nothing written, not even in part
        return
    expected = {table: before[table] + case.writes.get(table, 0) for table in before}
    if case.rows is not None:
        body = response.json()
        total, created, duplicates, rejected = case.rows
        assert (body["rows_total"], body["created"], body["duplicates"], body["rejected"]) == (
            case.rows
        )
        assert created + duplicates + rejected == total
        assert len(body["errors"]) == min(rejected, 100)
        if case.row_error is not None:
            line, field_name, message = case.row_error
            error = body["errors"][0]
            assert (error["line"], error["field"]) == (line, field_name)
            assert message in error["message"]
        expected["uploads"] += 1
        expected["leads"] += created
        assert Lead.objects.filter(upload_id=body["id"]).count() == created
    for name, value in case.echo.items():
        if name == "body":
            assert response.json() == value
        elif name[0].isupper():  # a header
            assert response[name] == value
        else:
            assert response.json()[name] == value
    assert counts() == expected
    if case.then is not None:
        case.then(api, ctx, response)
