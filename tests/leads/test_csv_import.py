"""LeadCsvReader, detect_encoding and dedupe_key on in-memory bytes: no database."""

from __future__ import annotations

import codecs
import io
import random

import pytest

from leads.csv_import import (
    CsvFormatError,
    CsvTooManyRows,
    LeadCsvReader,
    LeadRow,
    RowError,
    dedupe_key,
    detect_encoding,
)

HEADER = "name,role,company,industry,location,linkedin_bio"
AVA = "Ava Patel,Head of Growth,FlowMetrics,SaaS,Austin,Scaling outbound."
BEN = "Ben Ode,CTO,Nimbus,Fintech,Berlin,Builds payment rails."
CARA = "Cara Lin,VP Sales,Orbit,Logistics,Lyon,Runs a team of twelve."


def csv_bytes(*lines: str, newline: str = "\n", encoding: str = "utf-8") -> bytes:
    return "".join(line + newline for line in lines).encode(encoding)


def read(data: bytes, **kwargs) -> tuple[LeadCsvReader, list[LeadRow | RowError]]:
    reader = LeadCsvReader(io.BytesIO(data), **kwargs)
    return reader, list(reader)


def lead(line: int, name: str, role: str, company: str, industry: str, location: str, bio: str):
    return LeadRow(
        line=line,
        name=name,
        role=role,
        company=company,
        industry=industry,
        location=location,
        linkedin_bio=bio,
        dedupe_key=dedupe_key(name, company),
    )


def format_error(data: bytes, **kwargs) -> CsvFormatError:
    with pytest.raises(CsvFormatError) as caught:
        read(data, **kwargs)
    return caught.value


# --- encodings --------------------------------------------------------------------------------

EUROPEAN_TEXT = (HEADER, "Zoë Müller,Head of Café Ops – EMEA,Brasserie €uro,Food,Köln,Prix: 5 €.")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (csv_bytes(*EUROPEAN_TEXT), "utf-8"),
        (codecs.BOM_UTF8 + csv_bytes(*EUROPEAN_TEXT), "utf-8"),
        (codecs.BOM_UTF16_LE + csv_bytes(*EUROPEAN_TEXT, encoding="utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + csv_bytes(*EUROPEAN_TEXT, encoding="utf-16-be"), "utf-16-be"),
        (csv_bytes(*EUROPEAN_TEXT, encoding="utf-16-le"), "utf-16-le"),
        (csv_bytes(*EUROPEAN_TEXT, encoding="utf-16-be"), "utf-16-be"),
        (csv_bytes(*EUROPEAN_TEXT, newline="\r\n", encoding="cp1252"), "windows-1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "cp1252"],
)
def test_reader_decodes_every_supported_encoding_without_losing_characters(data, encoding):
    reader, items = read(data)

    assert reader.encoding == encoding
    assert items == [
        lead(
            2,
            "Zoë Müller",
            "Head of Café Ops – EMEA",
            "Brasserie €uro",
            "Food",
            "Köln",
            "Prix: 5 €.",
        )
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"name,role\n", ("utf-8", 0)),
        (codecs.BOM_UTF8 + b"name,role\n", ("utf-8", 3)),
        (codecs.BOM_UTF16_LE + "name,role\n".encode("utf-16-le"), ("utf-16-le", 2)),
        (codecs.BOM_UTF16_BE + "name,role\n".encode("utf-16-be"), ("utf-16-be", 2)),
        ("name,role\n".encode("utf-16-le"), ("utf-16-le", 0)),
        ("Müller,Café\n".encode("cp1252"), ("windows-1252", 0)),
    ],
)
def test_detect_encoding_returns_the_codec_and_leaves_the_file_at_the_text(data, expected):
    file = io.BytesIO(data)

    assert detect_encoding(file) == expected
    assert file.tell() == expected[1]


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_undefined_windows_1252_bytes_reject_their_row_for_control_characters(byte):
    data = csv_bytes(HEADER, AVA).replace(b"Patel", b"Pa" + bytes([byte]) + b"tel") + (
        "Zoë Müller,Chef,Café,Food,Köln,Bio\n".encode("cp1252")
    )

    reader, items = read(data)

    assert reader.encoding == "windows-1252"
    assert items == [
        RowError(2, "name", "name contains control characters."),
        lead(3, "Zoë Müller", "Chef", "Café", "Food", "Köln", "Bio"),
    ]


def test_a_stray_windows_1252_byte_never_mangles_the_utf8_rows_around_it():
    data = csv_bytes(HEADER, "Zoë Ndiaye,CTO,Café Noir,Food,Köln,Bio") + (
        "Jörg Müller,CTO,Acme,SaaS,Köln,Bio\n".encode("cp1252")
    )

    reader, items = read(data)

    assert [item.name for item in items] == ["Zoë Ndiaye", "Jörg Müller"]
    assert reader.encoding == "utf-8+windows-1252"
    assert reader.warnings == [
        "The file is UTF-8 with some bytes that are not; those were read as Windows-1252. "
        "Check accented characters."
    ]


def test_a_truncated_utf16_file_is_a_format_error():
    data = codecs.BOM_UTF16_LE + csv_bytes(HEADER, AVA, encoding="utf-16-le") + b"x"

    assert format_error(data).message == (
        "The file is not valid utf-16-le text near line 3: truncated data."
    )


# --- line endings, quoting, line numbers ------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_reader_accepts_every_line_ending_and_counts_lines_in_multiline_bios(newline):
    bio = f'"First line.{newline}Second line."'
    data = csv_bytes(HEADER, AVA, f"Ben Ode,CTO,Nimbus,Fintech,Berlin,{bio}", CARA, newline=newline)

    reader, items = read(data)

    assert reader.rows_total == 3
    assert items == [
        lead(
            2, "Ava Patel", "Head of Growth", "FlowMetrics", "SaaS", "Austin", "Scaling outbound."
        ),
        lead(
            3, "Ben Ode", "CTO", "Nimbus", "Fintech", "Berlin", f"First line.{newline}Second line."
        ),
        lead(5, "Cara Lin", "VP Sales", "Orbit", "Logistics", "Lyon", "Runs a team of twelve."),
    ]


def test_quoted_fields_keep_delimiters_doubled_quotes_and_line_breaks():
    data = csv_bytes(
        HEADER,
        'Ava Patel,"Head of Growth, EMEA","Acme, Inc.",SaaS,"Austin, TX","She said ""ship it"".\n\n'
        'Then shipped, twice."',
        '"Ben ""The Builder"" Ode",CTO,Nimbus,Fintech,Berlin,"Line one\nline two\nline three"',
        CARA,
    )

    reader, items = read(data)

    assert items == [
        lead(
            2,
            "Ava Patel",
            "Head of Growth, EMEA",
            "Acme, Inc.",
            "SaaS",
            "Austin, TX",
            'She said "ship it".\n\nThen shipped, twice.',
        ),
        lead(
            5,
            'Ben "The Builder" Ode',
            "CTO",
            "Nimbus",
            "Fintech",
            "Berlin",
            "Line one\nline two\nline three",
        ),
        lead(8, "Cara Lin", "VP Sales", "Orbit", "Logistics", "Lyon", "Runs a team of twelve."),
    ]
    assert reader.rows_total == 3


def test_line_numbers_count_blank_lines_before_the_header_and_between_rows():
    data = csv_bytes("", "", HEADER, AVA, "", BEN)

    _, items = read(data)

    assert [item.line for item in items] == [4, 6]


# --- delimiters and headers -------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_reader_detects_the_delimiter_from_the_header(delimiter):
    header = delimiter.join(HEADER.split(","))
    row = delimiter.join(
        ["Ava Patel", "Head of Growth", "FlowMetrics", "SaaS", '"Austin, TX"', "Hi."]
    )

    reader, items = read(csv_bytes(header, row))

    assert reader.delimiter == delimiter
    assert items == [
        lead(2, "Ava Patel", "Head of Growth", "FlowMetrics", "SaaS", "Austin, TX", "Hi.")
    ]


@pytest.mark.parametrize(
    "header",
    [
        "Name,Role,Company,Industry,Location,LinkedIn Bio",
        " NAME ,  role,COMPANY  ,Industry,location, linkedin_bio ",
        "name,role,company,industry,location,linkedin-bio",
        "Full Name,Job Title,Company Name,Industry,Location,LinkedIn Summary",
        "Lead Name,Title,Organisation,INDUSTRY,Location,Bio",
        "contact_name,position,account-name,industry,location,about",
        "name,role,company,industry,location,LinkedInBio",
        '"Name","Role","Company","Industry","Location","LinkedIn Bio"',
    ],
)
def test_headers_match_ignoring_case_spacing_separators_and_known_aliases(header):
    reader, items = read(csv_bytes(header, AVA))

    assert items == [
        lead(2, "Ava Patel", "Head of Growth", "FlowMetrics", "SaaS", "Austin", "Scaling outbound.")
    ]
    assert reader.warnings == []


def test_first_and_last_name_columns_are_joined_into_the_name():
    data = csv_bytes(
        "First Name,last_name,role,company,industry,location,linkedin_bio",
        "Ava,Patel,CTO,Acme,SaaS,Austin,Bio",
        ",Solo,CTO,Beta,SaaS,Austin,Bio",
        "Mono,,CTO,Gamma,SaaS,Austin,Bio",
        " , ,CTO,Delta,SaaS,Austin,Bio",
    )

    _, items = read(data)

    assert items == [
        lead(2, "Ava Patel", "CTO", "Acme", "SaaS", "Austin", "Bio"),
        lead(3, "Solo", "CTO", "Beta", "SaaS", "Austin", "Bio"),
        lead(4, "Mono", "CTO", "Gamma", "SaaS", "Austin", "Bio"),
        RowError(5, "name", "name is required."),
    ]


def test_a_crm_export_with_city_state_and_country_gets_them_joined_into_the_location():
    data = csv_bytes(
        "First Name,Last Name,Job Title,Company Name,Industry,City,State/Region,"
        "Country/Region,About",
        "Ava,Patel,CTO,Acme,SaaS,Austin,TX,United States,Bio",
        "Ben,Ode,CTO,Beta,SaaS,,,Germany,Bio",
        "Cara,Lin,CTO,Gamma,SaaS, , , ,Bio",
    )

    reader, items = read(data)

    assert items == [
        lead(2, "Ava Patel", "CTO", "Acme", "SaaS", "Austin, TX, United States", "Bio"),
        lead(3, "Ben Ode", "CTO", "Beta", "SaaS", "Germany", "Bio"),
        lead(4, "Cara Lin", "CTO", "Gamma", "SaaS", "", "Bio"),
    ]
    assert reader.warnings == []


def test_a_location_column_wins_over_location_parts():
    data = csv_bytes(HEADER + ",country", AVA + ",United States")

    _, items = read(data)

    assert items[0].location == "Austin"


def test_two_columns_giving_the_same_location_part_are_rejected():
    data = csv_bytes("name,role,company,industry,City,Mailing City,linkedin_bio", AVA)

    with pytest.raises(CsvFormatError, match="'City' and 'Mailing City' both give"):
        read(data)


@pytest.mark.parametrize(("sep", "delimiter"), [(";", ";"), (",", ","), ("|", "|")])
def test_an_excel_sep_line_names_the_delimiter(sep, delimiter):
    data = csv_bytes(f"sep={sep}", HEADER.replace(",", delimiter), AVA.replace(",", delimiter))

    reader, items = read(data)

    assert reader.delimiter == delimiter
    assert items == [
        lead(3, "Ava Patel", "Head of Growth", "FlowMetrics", "SaaS", "Austin", "Scaling outbound.")
    ]


def test_a_sep_line_that_contradicts_the_header_is_named_in_the_error():
    data = csv_bytes("sep=;", HEADER, AVA)

    with pytest.raises(CsvFormatError, match="split on ';', as the file's first line 'sep='"):
        read(data)


def test_columns_may_come_in_any_order():
    data = csv_bytes(
        "linkedin_bio,location,industry,company,role,name",
        "Scaling outbound.,Austin,SaaS,FlowMetrics,Head of Growth,Ava Patel",
    )

    _, items = read(data)

    assert items == [
        lead(2, "Ava Patel", "Head of Growth", "FlowMetrics", "SaaS", "Austin", "Scaling outbound.")
    ]


def test_extra_columns_are_ignored_and_named_in_warnings():
    data = csv_bytes(
        "Email,name,role,company,industry,location,linkedin_bio,Phone Number,",
        "ava@example.com,Ava Patel,CTO,Acme,SaaS,Austin,Bio,555-0100,",
    )

    reader, items = read(data)

    assert items == [lead(2, "Ava Patel", "CTO", "Acme", "SaaS", "Austin", "Bio")]
    assert reader.warnings == ["Ignored extra column(s): 'Email', 'Phone Number'."]


@pytest.mark.parametrize(
    ("delimiter", "bare"), [(",", ",,,,,"), (";", ";;;;;"), ("\t", "\t\t\t"), (",", " , , ")]
)
def test_blank_lines_and_lines_of_bare_delimiters_are_skipped_and_not_counted(delimiter, bare):
    header = delimiter.join(HEADER.split(","))
    ava = delimiter.join(AVA.split(","))
    data = csv_bytes(header, "", bare, ava, "   ", bare, "", "")

    reader, items = read(data)

    assert [item.line for item in items] == [4]
    assert isinstance(items[0], LeadRow)
    assert reader.rows_total == 1


# --- errors that sink the whole file ----------------------------------------------------------

MISSING_MESSAGE = (
    "Missing required column(s): industry, location, linkedin_bio. The header must name "
    "name, role, company, industry, location, linkedin_bio (any order and case); "
    "found: 'name', 'role', 'company'."
)
NOT_TEXT = "This is not a CSV file: it contains binary data. Upload a text CSV export."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n\t\n \n", "The file is empty."),
        (codecs.BOM_UTF8, "The file is empty."),
        (csv_bytes(HEADER), "The file has a header but no data rows."),
        (HEADER.encode(), "The file has a header but no data rows."),
        (csv_bytes(HEADER, "", "  ", ",,,,,", ""), "The file has a header but no data rows."),
        (csv_bytes("name,role,company", AVA), MISSING_MESSAGE),
        (
            csv_bytes("name,role,company,industry,location,linkedin_bio,Name"),
            "Duplicate column names: 'name' and 'Name'. Each column may appear once.",
        ),
        (
            csv_bytes("name,role,company,industry,location,bio,Summary"),
            "Columns 'bio' and 'Summary' both mean 'linkedin_bio'; keep one of them.",
        ),
        (
            csv_bytes("name,Title,company,industry,location,linkedin_bio,Job Title"),
            "Columns 'Title' and 'Job Title' both mean 'role'; keep one of them.",
        ),
        (
            csv_bytes(HEADER, AVA, BEN, 'Cara Lin,VP,Orbit,Logistics,Lyon,"never closed', CARA),
            "Unterminated quoted field starting on line 4: a '\"' is never closed.",
        ),
        (
            b"PK\x03\x04" + bytes(200),
            "This is not a CSV file: it looks like a ZIP archive (an Excel .xlsx workbook is "
            "one): export it as CSV.",
        ),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "This is not a CSV file: it looks like a PDF document."),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "This is not a CSV file: it looks like a PNG image."),
        (b"\x1f\x8b\x08\x00" + bytes(64), "This is not a CSV file: it looks like a gzip archive."),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64),
            "This is not a CSV file: it looks like an Excel .xls workbook: export it as CSV.",
        ),
        (random.Random(0).randbytes(65536), NOT_TEXT),
        (random.Random(1).randbytes(4096), NOT_TEXT),
    ],
    ids=[
        "empty",
        "whitespace-only",
        "bom-only",
        "header-only",
        "header-only-no-newline",
        "header-and-blank-lines",
        "missing-columns",
        "duplicate-header",
        "two-aliases-of-bio",
        "two-aliases-of-role",
        "unterminated-quote",
        "zip",
        "pdf",
        "png",
        "gzip",
        "xls",
        "random-64k",
        "random-4k",
    ],
)
def test_structural_problems_raise_a_format_error_naming_the_problem(data, message):
    error = format_error(data)

    assert error.message == message
    assert str(error) == message
    assert error.too_large is False


def test_missing_columns_are_each_named():
    error = format_error(csv_bytes("Full Name,notes", "Ava,hi"))

    assert error.message.startswith(
        "Missing required column(s): role, company, industry, location, linkedin_bio."
    )
    assert "found: 'Full Name', 'notes'." in error.message


def test_an_unterminated_quote_at_the_end_of_the_file_names_its_starting_line():
    data = csv_bytes(HEADER, *[AVA.replace("Ava", f"Ava{i}") for i in range(50)])
    data += b'Zed,CTO,Acme,SaaS,Austin,"Bio that\nnever ends'

    error = format_error(data)

    assert error.message == "Unterminated quoted field starting on line 52: a '\"' is never closed."


def test_a_quote_left_open_over_megabytes_is_reported_as_unterminated():
    data = csv_bytes(HEADER, AVA) + b'Zed,CTO,Acme,SaaS,Austin,"' + b"x" * (5 * 1024 * 1024)

    error = format_error(data + csv_bytes(BEN))

    assert error.message == (
        "Unterminated quoted field starting on line 3: a '\"' is never closed."
    )


def test_more_rows_than_allowed_raise_too_many_rows():
    data = csv_bytes(HEADER, AVA, BEN, CARA)

    _, items = read(data, max_rows=3)
    assert len(items) == 3
    with pytest.raises(CsvTooManyRows) as caught:
        read(data, max_rows=2)

    assert caught.value.too_large is True
    assert (
        caught.value.message == "The file has more than 2 data rows; split it into smaller files."
    )


# --- row errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (",CTO,Acme,SaaS,Austin,Bio", "name", "name is required."),
        ('"   ",CTO,Acme,SaaS,Austin,Bio', "name", "name is required."),
        (
            "Ava,CTO,Acme,SaaS,Austin," + "b" * 5001,
            "linkedin_bio",
            "linkedin_bio is 5001 characters long; the limit is 5000.",
        ),
        (
            "Ava," + "r" * 301 + ",Acme,SaaS,Austin,Bio",
            "role",
            "role is 301 characters long; the limit is 300.",
        ),
        (
            "n" * 301 + ",CTO,Acme,SaaS,Austin,Bio",
            "name",
            "name is 301 characters long; the limit is 300.",
        ),
        (
            "Ava,CTO,Acme,SaaS," + "l" * 301 + ",Bio",
            "location",
            "location is 301 characters long; the limit is 300.",
        ),
        ("Ava,C\x00TO,Acme,SaaS,Austin,Bio", "role", "role contains control characters."),
        (
            "Ava,CTO,Acme,SaaS,Austin,Bell\x07",
            "linkedin_bio",
            "linkedin_bio contains control characters.",
        ),
        ("Ava,CTO,Ac\x1bme,SaaS,Austin,Bio", "company", "company contains control characters."),
        ("Ava\tPatel,CTO,Acme,SaaS,Austin,Bio", "name", "name contains control characters."),
        ("Ava,CTO,Acme,Saa\x7fS,Austin,Bio", "industry", "industry contains control characters."),
        ('Ava,CTO,"Acme\nInc",SaaS,Austin,Bio', "company", "company contains control characters."),
        (
            'Ava,CTO,Acme,SaaS,"Austin\r\nTX",Bio',
            "location",
            "location contains control characters.",
        ),
        (
            "Ava,CTO,Acme,Inc,SaaS,Austin,Bio",
            None,
            "Has 7 values but the header has 6 columns (an unquoted delimiter inside a value?).",
        ),
        ("Ava,CTO,Acme", None, "Has 3 values but the header has 6 columns."),
        (
            '"Ava"Patel,CTO,Acme,SaaS,Austin,Bio',
            None,
            "Malformed quoting: ',' expected after '\"'.",
        ),
    ],
    ids=[
        "blank-name",
        "spaces-name",
        "long-bio",
        "long-role",
        "long-name",
        "long-location",
        "nul",
        "bell-in-bio",
        "escape",
        "tab-in-name",
        "del",
        "newline-in-company",
        "crlf-in-location",
        "too-many-values",
        "too-few-values",
        "malformed-quote",
    ],
)
def test_bad_rows_are_reported_with_line_and_field_and_reading_goes_on(row, field, message):
    reader, items = read(csv_bytes(HEADER, AVA, row, CARA))

    next_line = 4 + row.count("\n")  # a quoted line break moves the next row down
    assert items == [
        lead(
            2, "Ava Patel", "Head of Growth", "FlowMetrics", "SaaS", "Austin", "Scaling outbound."
        ),
        RowError(3, field, message),
        lead(
            next_line,
            "Cara Lin",
            "VP Sales",
            "Orbit",
            "Logistics",
            "Lyon",
            "Runs a team of twelve.",
        ),
    ]
    assert reader.rows_total == 3


def test_fields_at_their_limits_and_tabs_and_line_breaks_in_the_bio_are_accepted():
    bio = "b" * 4990 + "\r\n\tend."
    row = f'{"n" * 300},{"r" * 300},Acme,SaaS,Austin,"{bio}"'

    _, items = read(csv_bytes(HEADER, row))

    assert items == [lead(2, "n" * 300, "r" * 300, "Acme", "SaaS", "Austin", bio)]


@pytest.mark.parametrize("extra", [",", ",,", ", ,  ", ',""'])
def test_trailing_empty_extra_values_are_fine(extra):
    _, items = read(csv_bytes(HEADER, AVA + extra))

    assert items == [
        lead(2, "Ava Patel", "Head of Growth", "FlowMetrics", "SaaS", "Austin", "Scaling outbound.")
    ]


def test_values_are_trimmed():
    row = '  Ava Patel  ," Head of Growth ",FlowMetrics ,\tSaaS, Austin ,"  Bio.  \n"'

    _, items = read(csv_bytes(HEADER, row))

    assert items == [
        lead(2, "Ava Patel", "Head of Growth", "FlowMetrics", "SaaS", "Austin", "Bio.")
    ]


# --- duplicate keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Ava Patel", "Acme, Inc."), ("ava  patel", "ACME INC")),
        (("Ava Patel", "Acme, Inc."), (" Ava-Patel ", "acme inc.")),
        (("José Núñez", "Café S.A."), ("JOSÉ NÚÑEZ", "CAFÉ S A")),
        (("Ava Patel", ""), ("AVA PATEL", "  ")),
        (("Ａｖａ Patel", "Acme"), ("Ava Patel", "Acme")),  # fullwidth forms fold under NFKC
    ],
)
def test_dedupe_key_is_equal_for_case_spacing_and_punctuation_variants(first, second):
    assert dedupe_key(*first) == dedupe_key(*second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Ava Patel", "Acme"), ("Ava Patel", "Globex")),
        (("Ava Patel", "Acme"), ("Ava Pate", "Acme")),
        (("Ava Patel", "Acme"), ("Ben Ode", "Acme")),
        (("Ava", "Patel Acme"), ("Ava Patel", "Acme")),  # name and company stay apart
        (("Ava Patel", "Acme"), ("Ava Patel", "")),
    ],
)
def test_dedupe_key_differs_for_different_people(first, second):
    assert dedupe_key(*first) != dedupe_key(*second)
