"""Hostile and malformed input to the web app's forms and pages, each with its answer.

One table, CASES: the request a signed-in person's browser (or someone forging one) sends,
the status it gets, words the page must say, and whether anything may be written. No input
gets a 5xx, and a refused form writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leads.models import Lead, Upload
from offers.models import Offer
from scoring.models import ScoreResult, ScoringRun
from tests.factories import LeadFactory, OfferFactory, UploadFactory
from workspaces.models import WorkspaceAPIKey

OFFER = {"name": "Outreach", "value_props": "24/7 outreach", "ideal_use_cases": "B2B SaaS"}
HEADER = b"name,role,company,industry,location,linkedin_bio\n"
HUGE = 2**70

Ctx = dict[str, Any]


@dataclass(frozen=True)
class Case:
    id: str
    send: Callable[[Client, Ctx], Any]
    status: int
    says: str = ""
    writes: bool = False


def post(path: str, data: dict | Callable[[Ctx], dict]) -> Callable[[Client, Ctx], Any]:
    return lambda client, ctx: client.post(
        path.format(**ctx), data(ctx) if callable(data) else data
    )


def get(path: str) -> Callable[[Client, Ctx], Any]:
    return lambda client, ctx: client.get(path.format(**ctx))


def upload(data: bytes, name: str = "leads.csv") -> Callable[[Client, Ctx], Any]:
    return lambda client, ctx: client.post(
        "/app/upload/", {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    )


CASES = [
    # --- offers ---------------------------------------------------------------------------
    Case("offer-nul-in-name", post("/app/offers/new/", {**OFFER, "name": "a\x00b"}), 400,
         "Null characters are not allowed."),
    Case("offer-escape-in-item", post("/app/offers/new/", {**OFFER, "value_props": "a\x1bb"}),
         400, "Line 1: Control characters are not allowed."),
    Case("offer-name-too-long", post("/app/offers/new/", {**OFFER, "name": "n" * 201}), 400,
         "Ensure this value has at most 200 characters"),
    Case("offer-51-items",
         post("/app/offers/new/", {**OFFER, "value_props": "\n".join(["v"] * 51)}), 400,
         "Ensure this field has no more than 50 elements."),
    Case("offer-item-too-long",
         post("/app/offers/new/", {**OFFER, "ideal_use_cases": "u" * 501}), 400,
         "Line 1: Ensure this field has no more than 500 characters."),
    Case("offer-only-blank-lines",
         post("/app/offers/new/", {**OFFER, "value_props": "\n  \n\t\n"}), 400,
         "Give at least one, one per line."),
    Case("offer-megabyte-textarea",
         post("/app/offers/new/", {**OFFER, "value_props": "v" * 1_000_000}), 400,
         "Ensure this value has at most"),
    Case("offer-nothing-posted", post("/app/offers/new/", {}), 400,
         "This field is required."),
    Case("offer-markup-is-stored-as-text",
         post("/app/offers/new/", {**OFFER, "name": "<script>alert(1)</script>"}), 302,
         writes=True),
    Case("offer-edit-id-too-large", post("/app/offers/99999999999999999999999/", OFFER), 404,
         "JSON"),  # beyond 18 digits no page matches: the API's JSON 404
    # --- uploads --------------------------------------------------------------------------
    Case("upload-no-file", post("/app/upload/", {}), 400, "Choose a CSV file to upload."),
    Case("upload-file-as-text", post("/app/upload/", {"file": "name\nAva"}), 400,
         "Choose a CSV file to upload."),
    Case("upload-empty-file", upload(b""), 400, "That file is empty"),
    Case("upload-binary", upload(bytes(range(256)) * 4), 400,
         "This file could not be read as leads"),
    Case("upload-header-only", upload(HEADER), 400, "This file could not be read as leads"),
    Case("upload-path-in-filename", upload(HEADER + b"Ava,CTO,Acme,,,\n", "../../etc/x.csv"),
         302, writes=True),
    Case("upload-formula-cells", upload(HEADER + b"=cmd(),@SUM(1),+1,-1,,\n"), 302,
         writes=True),
    Case("upload-declared-too-large",
         lambda client, ctx: client.post(
             "/app/upload/", {"file": SimpleUploadedFile("a.csv", HEADER)},
             CONTENT_LENGTH=str(60 * 1024 * 1024),
         ), 413, "larger than the 50 MB allowed"),
    # --- scoring --------------------------------------------------------------------------
    Case("score-offer-not-a-number", post("/app/score/", {"offer": "abc"}), 400,
         "Pick one of your offers."),
    Case("score-offer-negative", post("/app/score/", {"offer": "-1"}), 400,
         "Pick one of your offers."),
    Case("score-offer-beyond-bigint", post("/app/score/", {"offer": str(HUGE)}), 400,
         "Pick one of your offers."),
    Case("score-upload-not-a-number",
         post("/app/score/", lambda ctx: {"offer": ctx["offer_id"], "upload": "x"}), 400,
         "Pick one of your uploads, or all leads."),
    Case("score-offer-list", post("/app/score/", {"offer": ["1", "2"]}), 400,
         "Pick one of your offers."),
    Case("run-id-too-large", get("/app/runs/99999999999999999999/"), 404, "JSON"),
    Case("cancel-by-get", get("/app/runs/{run_id}/cancel/"), 302),
    # --- results --------------------------------------------------------------------------
    Case("results-page-zero", get("/app/results/?page=0"), 400,
         "Ensure this value is greater than or equal to 1."),
    Case("results-page-huge", get(f"/app/results/?page={HUGE}"), 400,
         "Ensure this value is less than or equal to"),
    Case("results-min-score-float", get("/app/results/?min_score=1e3"), 400,
         "The minimum score is a whole number from 0 to 100."),
    Case("results-min-score-101", get("/app/results/?min_score=101"), 400,
         "Ensure this value is less than or equal to 100."),
    Case("results-nul-in-search", get("/app/results/?q=a%00b"), 400,
         "Null characters are not allowed."),
    Case("results-search-too-long", get("/app/results/?q=" + "q" * 201), 400,
         "Ensure this value has at most 200 characters"),
    Case("results-sql-in-ordering", get("/app/results/?ordering=score;DROP%20TABLE"), 400,
         "Pick a sort order from the list."),
    Case("results-offer-beyond-bigint", get(f"/app/results/?offer={HUGE}"), 400,
         "That offer does not exist"),
    Case("results-percent-in-search", get("/app/results/?q=%25_%5C"), 200,
         "No scored leads match."),
    Case("export-bad-filter", get("/app/results/export/?min_score=x"), 400,
         "A valid integer is required."),
    Case("industries-nul", get("/app/industries/?q=%00soft"), 200),
    Case("industries-long", get("/app/industries/?q=" + "s" * 10_000), 200),
    # --- keys and sign-in -----------------------------------------------------------------
    Case("key-name-too-long", post("/app/keys/", {"name": "k" * 51}), 400,
         "Ensure this value has at most 50 characters"),
    Case("key-name-nul", post("/app/keys/", {"name": "a\x00"}), 400,
         "Null characters are not allowed."),
    Case("revoke-unknown-key", post("/app/keys/none.none/revoke/", {}), 404, "Not found"),
    Case("revoke-key-nul", post("/app/keys/a%00b/revoke/", {}), 404, "JSON"),
    Case("login-nul-username",
         lambda client, ctx: Client().post("/app/login/", {"username": "a\x00", "password": "x"}),
         200, "Null characters are not allowed."),
    Case("login-megabyte-password",
         lambda client, ctx: Client().post(
             "/app/login/", {"username": "a@b.c", "password": "p" * 1_000_000}
         ), 200, "That email and password do not match an account."),
]  # fmt: skip


@pytest.fixture
def ctx(workspace) -> Ctx:
    offer = OfferFactory(workspace=workspace)
    LeadFactory(upload=UploadFactory(workspace=workspace, created=1, rows_total=1))
    run = ScoringRun.objects.create(
        workspace=workspace, offer=offer, scope_key="k", provider="heuristic", rules_version="1"
    )
    return {"offer_id": offer.pk, "run_id": run.pk}


def counts() -> dict[str, int]:
    models = (Offer, Upload, Lead, ScoringRun, ScoreResult, WorkspaceAPIKey)
    return {model.__name__: model.objects.count() for model in models}


def test_the_table_has_unique_ids_and_covers_at_least_40_inputs():
    assert len({case.id for case in CASES}) == len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_form_input_gets_its_answer_and_never_a_5xx(page, ctx, case):
    before = counts()

    response = case.send(page, ctx)

    body = response.content.decode() if not response.streaming else ""
    assert response.status_code < 500
    assert response.status_code == case.status, body[:2000]
    if case.says == "JSON":
        assert response["Content-Type"] == "application/json"
    elif case.says:
        assert case.says in body.replace("&#x27;", "'")
    if not case.writes:
        assert counts() == before
