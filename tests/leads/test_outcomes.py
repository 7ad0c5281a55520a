"""Outcomes of leads: the vocabulary, the upload's optional column, PATCH /leads/{id}/ and
POST /leads/outcomes/."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leads.csv_import import LeadCsvReader, RowError
from leads.models import Lead
from leads.outcomes import ACCEPTED, LOST, UNKNOWN, WON, OutcomeError, parse_outcome
from tests.factories import LeadFactory, UploadFactory

HEADER = "name,role,company,industry,location,linkedin_bio"


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        *[(v, WON) for v in ("won", "Closed Won", "closed_won", "CLOSED-WON", " converted ")],
        *[(v, WON) for v in ("customer", "True", "yes", "1", "closedwon")],
        *[(v, LOST) for v in ("lost", "Closed Lost", "disqualified", "Unqualified", "FALSE")],
        *[(v, LOST) for v in ("no", "0", "closed  lost")],
        *[(v, UNKNOWN) for v in ("", "   ", "open", "Open", None)],
    ],
)
def test_outcome_words_are_read_ignoring_case_and_spacing(value, outcome):
    assert parse_outcome(value) == outcome


@pytest.mark.parametrize("value", ["maybe", "won!", "2", "closed", "in progress", "wonlost"])
def test_any_other_outcome_word_is_refused_naming_the_accepted_ones(value):
    with pytest.raises(OutcomeError) as caught:
        parse_outcome(value)

    assert str(caught.value) == f"outcome {value!r} is not understood; use {ACCEPTED}."


def read(text: str) -> tuple[LeadCsvReader, list]:
    reader = LeadCsvReader(io.BytesIO(text.encode()))
    return reader, list(reader)


@pytest.mark.parametrize(
    ("header", "values", "warning"),
    [
        ("outcome", ["won", "Closed Lost", ""], None),
        ("Deal Stage", ["closed won", "closed lost", "open"], None),
        ("Lead_Status", ["Customer", "Unqualified", ""], None),
        ("converted", ["true", "false", ""], None),
        # `outcome` wins over the CRM columns, which are then ignored like any extra column.
        ("Status,outcome", ["x,won", "y,lost", "z,"], "Ignored extra column(s): 'Status'."),
    ],
)
def test_upload_reads_the_outcome_column_or_the_crm_names_for_it(header, values, warning):
    rows = [f"P{i},CTO,Co{i},SaaS,Oslo,Bio.,{v}" for i, v in enumerate(values)]
    reader, items = read("\n".join([f"{HEADER},{header}", *rows]))

    assert [item.outcome for item in items] == [WON, LOST, UNKNOWN]
    assert reader.warnings == ([warning] if warning else [])


def test_a_row_with_an_unknown_outcome_is_rejected_with_its_line_and_reason():
    _, items = read(f"{HEADER},outcome\nAva,CTO,Acme,SaaS,Oslo,Bio.,maybe\nBen,,,,,,won\n")

    assert items[0] == RowError(2, "outcome", f"outcome 'maybe' is not understood; use {ACCEPTED}.")
    assert items[1].outcome == WON


def upload(api, text: str):
    file = SimpleUploadedFile("leads.csv", text.encode(), content_type="text/csv")
    return api.post("/leads/upload/", {"file": file}, format="multipart")


def test_uploaded_outcomes_are_stored_with_the_time_they_were_recorded(api):
    response = upload(
        api,
        f"{HEADER},Deal Stage\nAva,CTO,Acme,SaaS,Oslo,Bio.,Closed Won\n"
        "Ben,CTO,Nimbus,SaaS,Oslo,Bio.,open\nCara,CTO,Orbit,SaaS,Oslo,Bio.,pending\n",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["rejected"]) == (2, 1)
    assert body["errors"] == [
        {
            "line": 4,
            "field": "outcome",
            "message": f"outcome 'pending' is not understood; use {ACCEPTED}.",
        }
    ]
    leads = api.get(f"/leads/?upload_id={body['id']}").json()
    assert [(lead["name"], lead["outcome"]) for lead in leads] == [("Ava", "won"), ("Ben", None)]
    assert leads[0]["outcome_at"] == leads[0]["created_at"]
    assert leads[1]["outcome_at"] is None


@pytest.fixture
def lead(workspace) -> Lead:
    return LeadFactory(upload=UploadFactory(workspace=workspace), name="Ava", company="Acme")


@pytest.mark.parametrize(
    ("sent", "shown"),
    [("won", "won"), ("Closed Lost", "lost"), ("open", None), (None, None), ("", None)],
)
def test_patch_records_the_outcome_of_a_lead(api, lead, sent, shown):
    response = api.patch(f"/leads/{lead.id}/", {"outcome": sent}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == shown
    assert (response.json()["outcome_at"] is None) == (shown is None)
    lead.refresh_from_db()
    assert lead.outcome == (shown or "")


def test_patch_keeps_the_time_of_an_outcome_that_does_not_change(api, lead):
    first = api.patch(f"/leads/{lead.id}/", {"outcome": "won"}, format="json").json()
    again = api.patch(f"/leads/{lead.id}/", {"outcome": "Customer"}, format="json").json()

    assert again["outcome_at"] == first["outcome_at"]


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({"outcome": "maybe"}, "outcome", "invalid_choice"),
        ({"outcome": 1}, "outcome", "invalid"),
        ({"outcome": True}, "outcome", "invalid"),
        ({}, "outcome", "required"),
        ({"outcome": "won", "name": "Eve"}, "name", "invalid"),
    ],
)
def test_patch_refuses_what_is_not_an_outcome(api, lead, body, attr, code):
    response = api.patch(f"/leads/{lead.id}/", body, format="json")

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == (attr, code)
    lead.refresh_from_db()
    assert lead.outcome == UNKNOWN


def post_outcomes(api, text: str):
    return api.post("/leads/outcomes/", data=text.encode(), content_type="text/csv")


def test_outcomes_csv_matches_leads_by_name_and_company_as_duplicates_are(api, workspace):
    upload_ = UploadFactory(workspace=workspace)
    ava = LeadFactory(upload=upload_, name="Ava Patel", company="FlowMetrics")
    ben = LeadFactory(upload=upload_, name="Ben Ode", company="Nimbus", outcome=LOST)
    cara = LeadFactory(upload=upload_, name="Cara Lin", company="Orbit")

    response = post_outcomes(
        api,
        "Company Name,Full Name,Deal Stage\n"
        "flowmetrics,  AVA   PATEL ,Closed Won\n"
        "Nimbus,Ben Ode,lost\n"
        "Orbit,Cara Lin,maybe\n"
        "Nowhere,Zed Zu,won\n",
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "rows_total": 4,
        "updated": 1,
        "unchanged": 1,
        "rejected": 2,
        "errors": [
            {
                "line": 4,
                "field": "outcome",
                "message": f"outcome 'maybe' is not understood; use {ACCEPTED}.",
            },
            {
                "line": 5,
                "field": "name",
                "message": "No lead of this workspace has this name and company.",
            },
        ],
        "warnings": [],
        "encoding": "utf-8",
        "delimiter": ",",
    }
    outcomes = dict(Lead.objects.values_list("pk", "outcome"))
    assert outcomes == {ava.pk: WON, ben.pk: LOST, cara.pk: UNKNOWN}
    assert Lead.objects.get(pk=ava.pk).outcome_at is not None


def test_outcomes_csv_by_lead_id_never_reaches_another_workspace(api, workspace, other_workspace):
    mine = LeadFactory(upload=UploadFactory(workspace=workspace))
    theirs = LeadFactory(upload=UploadFactory(workspace=other_workspace))

    response = post_outcomes(
        api, f"lead_id;outcome\n{mine.pk};won\n{theirs.pk};won\nabc;won\n{mine.pk};lost\n"
    )

    body = response.json()
    assert (body["rows_total"], body["updated"], body["rejected"]) == (4, 2, 2)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(3, "lead_id"), (4, "lead_id")]
    assert body["errors"][0]["message"] == f"No lead of this workspace has id {theirs.pk}."
    assert body["delimiter"] == ";"
    # The later row for the same lead wins.
    assert Lead.objects.get(pk=mine.pk).outcome == LOST
    assert Lead.objects.get(pk=theirs.pk).outcome == UNKNOWN


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("name,outcome\nAva,won\n", "Missing the lead: the header must name lead_id,outcome"),
        ("lead_id,name\n1,Ava\n", "Missing the outcome column"),
        ("lead_id,outcome\n", "The file has a header but no data rows."),
        ('lead_id,outcome\n1,"won\n', "Unterminated quoted field starting on line 2"),
    ],
)
def test_an_unusable_outcomes_csv_is_refused_whole(api, lead, text, detail):
    response = post_outcomes(api, text)

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "file"
    assert detail in response.json()["errors"][0]["detail"]
    lead.refresh_from_db()
    assert lead.outcome == UNKNOWN
