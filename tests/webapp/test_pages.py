"""The web app's pages, request by request: what each shows and what each form writes."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leads.models import Lead, Upload
from offers.models import Offer
from scoring.models import ScoreResult, ScoringRun
from scoring.runs import leads_score
from scoring.selectors import RESULT_ORDERINGS, industry_list
from tests.factories import LeadFactory, OfferFactory, UploadFactory
from tests.webapp.paid_classifier import PATH as PAID_CLASSIFIER
from webapp.forms import SORTS
from workspaces.models import WorkspaceAPIKey

OFFER_FORM = {
    "name": "AI Outreach Automation",
    "value_props": "24/7 outreach\n\n  6x more meetings  ",
    "ideal_use_cases": "B2B SaaS mid-market",
    "icp_industries": "SaaS\nSoftware",
    "adjacent_industries": "",
}
CSV = (
    "name,role,company,industry,location,linkedin_bio,Email\n"
    "Ava Patel,Head of Growth,FlowMetrics,SaaS,Austin,Scaling outbound.,a@x.io\n"
    "Ben Ode,CTO,Nimbus,Fintech,Berlin,Builds payment rails.,b@x.io\n"
    "Ava Patel,Head of Growth,FlowMetrics,SaaS,Austin,Again.,a@x.io\n"
    ",Intern,Nowhere,Retail,Lyon,No name.,c@x.io\n"
)


def text(response) -> str:
    return response.content.decode()


def test_the_home_page_lists_the_four_steps_for_a_new_workspace(page):
    response = page.get("/app/")

    assert response.status_code == 200
    body = text(response)
    for step in ("Describe what you sell", "Upload your leads", "Score them", "ranked list"):
        assert step in body
    assert "No offer yet." in body


def test_creating_an_offer_stores_one_item_per_non_blank_line(page, workspace):
    response = page.post("/app/offers/new/", OFFER_FORM)

    assert response.status_code == 302
    offer = Offer.objects.get(workspace=workspace)
    assert offer.value_props == ["24/7 outreach", "6x more meetings"]
    assert offer.icp_industries == ["SaaS", "Software"]
    assert offer.adjacent_industries == []
    listed = text(page.get("/app/offers/"))
    assert "AI Outreach Automation" in listed
    assert "Offer “AI Outreach Automation” created" in listed


def test_an_offer_form_with_errors_says_what_is_wrong_in_each_field(page, workspace):
    response = page.post(
        "/app/offers/new/",
        {**OFFER_FORM, "name": "", "value_props": "ok\n" + "x" * 501, "ideal_use_cases": " "},
    )

    assert response.status_code == 400
    body = text(response)
    assert "This field is required." in body
    assert "Line 2: Ensure this field has no more than 500 characters." in body
    assert not Offer.objects.exists()


def test_editing_an_offer_shows_its_lists_one_per_line_and_saves_changes(page, workspace):
    offer = OfferFactory(workspace=workspace, icp_industries=["SaaS"])

    form = page.get(f"/app/offers/{offer.pk}/")
    response = page.post(f"/app/offers/{offer.pk}/", {**OFFER_FORM, "name": "Renamed"})

    assert "24/7 outreach\n6x more meetings</textarea>" in text(form)
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.name, offer.icp_industries) == ("Renamed", ["SaaS", "Software"])


def test_the_industry_picker_suggests_names_from_the_industry_taxonomy(page):
    response = page.get("/app/industries/?q=softw")

    names = re.findall(r'<option value="([^"]*)"></option>', text(response))
    assert response.status_code == 200
    assert names == [industry.name for industry in industry_list(q="softw")[:10]]
    assert "Software Development" in names
    assert text(page.get("/app/industries/?q=")).strip() == ""


def test_results_of_one_offer_show_conversion_and_lift_per_band_once_outcomes_exist(
    page, workspace, scored
):
    before = text(page.get(f"/app/results/?offer={scored.pk}"))
    Lead.objects.filter(name="Vera Vance").update(outcome="won")
    Lead.objects.exclude(name="Vera Vance").update(outcome="lost")
    vera = ScoreResult.objects.get(lead__name="Vera Vance")

    after = text(page.get(f"/app/results/?offer={scored.pk}"))

    assert "How each intent band converted" not in before
    assert "How each intent band converted" in after
    row = after.split(f'badge-{vera.intent.lower()}">{vera.intent}</span></td>')[1]
    converted = ScoreResult.objects.filter(intent=vera.intent).count()
    lift = 3 / converted
    assert [cell.strip() for cell in row.split("</tr>")[0].split("<td>")[1:]] == [
        f"{converted}</td>",
        "1</td>",
        f"{round(100 / converted)}%</td>",
        f"{lift:.1f}×</td>",
    ]


def test_an_upload_reports_created_duplicates_rejected_lines_and_warnings(page, workspace):
    file = SimpleUploadedFile("crm.csv", CSV.encode(), content_type="text/csv")

    response = page.post("/app/upload/", {"file": file})

    upload = Upload.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"] == f"/app/uploads/{upload.pk}/"
    assert (upload.created, upload.duplicates, upload.rejected) == (2, 1, 1)
    report = text(page.get(response["Location"]))
    assert '<div class="ok"><dt>Created</dt><dd>2</dd></div>' in report
    assert '<div class="dup"><dt>Duplicates</dt><dd>1</dd></div>' in report
    assert '<div class="bad"><dt>Rejected</dt><dd>1</dd></div>' in report
    assert "<tr><td>5</td><td>name</td><td>name is required.</td></tr>" in report
    assert "Ignored extra column(s): &#x27;Email&#x27;." in report


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "That file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "This file could not be read as leads"),
        (b"role,company\nCTO,Acme\n", "This file could not be read as leads"),
    ],
    ids=["empty", "binary", "no-name-column"],
)
def test_an_unreadable_upload_is_refused_in_plain_words_and_stores_nothing(page, data, says):
    file = SimpleUploadedFile("x.csv", data, content_type="text/csv")

    response = page.post("/app/upload/", {"file": file})

    assert response.status_code == 400
    assert says in text(response)
    assert not Upload.objects.exists()


def test_a_file_over_the_size_limit_is_refused_with_413(page, settings):
    settings.MAX_UPLOAD_BYTES = 100
    file = SimpleUploadedFile("big.csv", CSV.encode() * 2, content_type="text/csv")

    response = page.post("/app/upload/", {"file": file})

    assert response.status_code == 413
    assert "split it into smaller files" in text(response)
    assert not Upload.objects.exists()


def test_scoring_with_the_offline_model_starts_at_once_and_shows_the_finished_run(page, workspace):
    offer = OfferFactory(workspace=workspace)
    upload = UploadFactory(workspace=workspace)
    LeadFactory.create_batch(3, upload=upload)

    response = page.post("/app/score/", {"offer": offer.pk, "upload": upload.pk})

    run = ScoringRun.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"] == f"/app/runs/{run.pk}/"
    assert run.scope == {"upload_id": upload.pk}
    assert ScoreResult.objects.filter(run=run).count() == 3
    body = text(page.get(response["Location"]))
    assert "Scored 3 of 3 leads" in body
    assert 'value="100.0"' in body
    assert "hx-trigger" not in body  # finished: no more polling
    assert f"/app/results/?offer={offer.pk}&amp;upload={upload.pk}" in body


def test_a_run_in_progress_is_polled_and_can_be_cancelled(page, workspace):
    offer = OfferFactory(workspace=workspace)
    LeadFactory.create_batch(2, upload=UploadFactory(workspace=workspace))
    run = leads_score(workspace=workspace, offer=offer)
    ScoringRun.objects.filter(pk=run.pk).update(status=ScoringRun.Status.RUNNING, scored=1)

    panel = page.get(f"/app/runs/{run.pk}/", HTTP_HX_REQUEST="true")
    cancelled = page.post(f"/app/runs/{run.pk}/cancel/", follow=True)
    again = page.post(f"/app/runs/{run.pk}/cancel/", follow=True)

    assert text(panel).lstrip().startswith('<section id="run-progress"')
    assert 'hx-trigger="every 1s"' in text(panel)
    assert "Scored 1 of 2 leads" in text(panel)
    assert "Run cancelled" in text(cancelled)
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.CANCELLED
    assert "This run had already ended (cancelled)." in text(again)


def test_a_run_that_would_call_a_paid_model_shows_the_estimate_first(page, workspace, settings):
    settings.AI_PROVIDER = PAID_CLASSIFIER
    offer = OfferFactory(workspace=workspace)
    LeadFactory.create_batch(12, upload=UploadFactory(workspace=workspace))

    estimate = page.post("/app/score/", {"offer": offer.pk, "upload": ""})
    confirmed = page.post("/app/score/", {"offer": offer.pk, "upload": "", "confirmed": "True"})

    body = text(estimate)
    assert estimate.status_code == 200
    assert "This run calls a paid AI model" in body
    assert "<dt>Requests to the model</dt><dd>2</dd>" in body
    assert "<dt>Estimated tokens</dt><dd>3600</dd>" in body
    assert confirmed.status_code == 302
    assert ScoringRun.objects.get(workspace=workspace).scored == 12


def test_scoring_with_no_leads_says_to_upload_some_first(page, workspace):
    offer = OfferFactory(workspace=workspace)

    response = page.post("/app/score/", {"offer": offer.pk})

    assert response.status_code == 400
    assert "There are no leads to score here: upload a CSV of leads first." in text(response)


def test_the_score_page_without_offers_points_to_creating_one(page):
    assert "create an offer" in text(page.get("/app/score/"))


@pytest.fixture
def scored(workspace):
    """Three scored leads: a High, and two more, against one offer."""
    offer = OfferFactory(workspace=workspace)
    upload = UploadFactory(workspace=workspace)
    LeadFactory(upload=upload, name="Vera Vance", role="VP Sales", company="Acme")
    LeadFactory(upload=upload, name="Ian Intern", role="Intern", company="Beta", industry="")
    LeadFactory(upload=upload, name="Carl Cto", role="CTO", company="Gamma")
    leads_score(workspace=workspace, offer=offer)
    return offer


def rows_of(body: str) -> list[str]:
    return [part.split("</strong>")[0] for part in body.split("<summary><strong>")[1:]]


def test_results_are_ranked_best_first_with_badges_and_an_intent_chart(page, workspace, scored):
    response = page.get("/app/results/")

    body = text(response)
    results = list(ScoreResult.objects.order_by("-score", "id").select_related("lead"))
    assert response.status_code == 200
    assert rows_of(body) == [r.lead.name for r in results]
    for result in results:
        assert f'<span class="badge badge-{result.intent.lower()}">{result.intent}</span>' in body
        assert result.reasoning.replace("'", "&#x27;") in body  # expands to the reasoning
    counts = {i: sum(r.intent == i for r in results) for i in ("High", "Medium", "Low")}
    for intent, count in counts.items():
        assert f"{count} ({round(100 * count / 3)}%)" in body, intent
    assert "Leads 1–3 of 3, best score first" in body
    assert f'href="/app/results/export/?offer_id={scored.pk}' not in body
    assert 'href="/app/results/export/?ordering=-score"' in body


def test_results_filter_by_search_intent_and_minimum_score(page, workspace, scored):
    searched = page.get("/app/results/?q=acm")
    by_name = page.get("/app/results/?ordering=name")
    high = ScoreResult.objects.filter(intent="High").count()

    assert rows_of(text(searched)) == ["Vera Vance"]
    assert rows_of(text(by_name)) == ["Carl Cto", "Ian Intern", "Vera Vance"]
    by_intent = page.get("/app/results/?intent=High")
    assert len(rows_of(text(by_intent))) == high
    assert rows_of(text(page.get("/app/results/?min_score=101"))) == []
    assert f'href="/app/results/export/?offer_id={scored.pk}&amp;q=acm' in text(
        page.get(f"/app/results/?offer={scored.pk}&q=acm")
    )


def test_results_page_through_fifty_at_a_time(page, workspace):
    offer = OfferFactory(workspace=workspace)
    LeadFactory.create_batch(51, upload=UploadFactory(workspace=workspace))
    leads_score(workspace=workspace, offer=offer)

    first = text(page.get("/app/results/"))
    second = text(page.get("/app/results/?page=2"))
    beyond = text(page.get("/app/results/?page=99"))

    assert len(rows_of(first)) == 50
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    assert len(rows_of(second)) == 1
    assert "Leads 51–51 of 51" in second
    assert "Page 2 of 2" in beyond


def test_the_export_link_downloads_the_apis_csv_for_the_current_filters(page, scored):
    response = page.get(f"/app/results/export/?offer_id={scored.pk}&q=acm")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["name"] for row in rows] == ["Vera Vance"]


def test_bad_filters_are_explained_and_show_no_results(page, scored):
    response = page.get("/app/results/?min_score=lots&intent=Hot&offer=abc")

    body = text(response)
    assert response.status_code == 400
    assert "The minimum score is a whole number from 0 to 100." in body
    assert "Intent is High, Medium or Low." in body
    assert "That offer does not exist: pick one from the list." in body
    assert "Fix the filters above to see results." in body
    assert "<summary>" not in body


def test_a_new_api_key_is_shown_once_and_works_until_revoked(page, workspace, client):
    created = page.post("/app/keys/", {"name": "CRM sync"})
    key = text(created).split('id="new-key" type="text" readonly value="')[1].split('"')[0]
    listed = page.get("/app/keys/")

    assert created.status_code == 201
    assert "no-store" in created["Cache-Control"]
    assert key not in text(listed)
    assert client.get("/offer/", HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200
    api_key = WorkspaceAPIKey.objects.get(workspace=workspace, name="CRM sync")
    revoked = page.post(f"/app/keys/{api_key.pk}/revoke/", follow=True)
    assert "Key “CRM sync” revoked" in text(revoked)
    assert client.get("/offer/", HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 401


def test_the_anonymous_workspace_applies_to_pages_when_set(client, settings, db):
    settings.ANONYMOUS_WORKSPACE = "local"

    response = client.get("/app/offers/")

    assert response.status_code == 200
    assert '<span class="workspace" title="Workspace">local</span>' in text(response)


def test_a_person_without_a_workspace_is_told_so(client, django_user_model):
    django_user_model.objects.create_user(username="admin@x.io", password="pw-pw-pw-pw-pw")
    client.login(username="admin@x.io", password="pw-pw-pw-pw-pw")

    response = client.get("/app/results/")

    assert response.status_code == 403
    assert "Your account has no workspace" in text(response)


def test_leads_of_an_upload_listed_on_the_upload_page(page, workspace):
    upload = UploadFactory(workspace=workspace, filename="q3.csv", created=1, rows_total=1)
    LeadFactory(upload=upload)

    assert "q3.csv #" in text(page.get("/app/upload/"))
    assert Lead.objects.count() == 1


def test_the_sort_menu_offers_exactly_the_apis_orderings():
    assert set(SORTS) == set(RESULT_ORDERINGS)
