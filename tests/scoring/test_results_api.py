"""GET /results/ and /results/{id}/: the result body, filters, orderings, ownership, erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from rest_framework.renderers import JSONRenderer

from leads.models import Lead, Upload
from offers.models import Offer
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.composition import inputs_hash
from scoring.facts import LeadFacts
from scoring.models import ScoreResult
from scoring.offer_inputs import offer_facts
from scoring.rules import RULES_VERSION
from tests.factories import LeadFactory, OfferFactory, UploadFactory

SPEC_OFFER = {
    "name": "AI Outreach Automation",
    "value_props": ["24/7 outreach", "6x more meetings"],
    "ideal_use_cases": ["B2B SaaS mid-market"],
}
# name, role, company, industry, location, bio -> score and intent with the heuristic provider:
# Ava 100 High, Ben 40 Medium, Cara 20 Low, Dan 60 Medium, Eve 20 Low.
PEOPLE = [
    (
        "Ava Patel",
        "VP Sales",
        "FlowMetrics",
        "SaaS",
        "Austin, TX",
        "Scaling outbound at a Series B SaaS company.",
    ),
    (
        "Ben Ortiz",
        "Marketing Manager",
        "Brightline",
        "IT Services",
        "Dublin",
        "Runs campaigns.",
    ),
    ("Cara Lim", "Student", "State University", "Education", "Boston", "I am a student."),
    ("Dan Nguyen", "Sales Manager", "Nimbus", "SaaS", "Denver", ""),
    ("Eve Martin", "Account Executive", "Grocer", "Retail", "Lyon", "Sells groceries."),
]
NOT_FOUND = {
    "type": "client_error",
    "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
}
ITEM_KEYS = {
    "id", "lead_id", "offer_id", "run_id", "upload_id", "name", "role", "company", "industry",
    "location", "intent", "score", "rule_score", "breakdown", "ai_intent", "ai_points",
    "ai_provider", "ai_model", "ai_status", "reasoning", "rules_version", "prompt_version",
    "inputs_hash", "scored_at", "outcome", "outcome_at",
}  # fmt: skip


@pytest.fixture(autouse=True)
def heuristic_provider(settings):
    settings.AI_PROVIDER = "heuristic"


@dataclass
class Scored:
    offer: Offer
    upload: Upload
    leads: dict[str, Lead]  # by first name
    run_id: int


def make_lead(
    upload: Upload, name: str, role: str, company: str, industry: str, location: str, bio: str
) -> Lead:
    return LeadFactory(
        upload=upload,
        name=name,
        role=role,
        company=company,
        industry=industry,
        location=location,
        linkedin_bio=bio,
    )


def score(api, **body: object) -> dict:
    response = api.post("/score/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def scored(api, workspace) -> Scored:
    offer = OfferFactory(workspace=workspace, **SPEC_OFFER)
    upload = UploadFactory(workspace=workspace)
    leads = {person[0].split()[0]: make_lead(upload, *person) for person in PEOPLE}
    run = score(api, offer_id=offer.id)
    return Scored(offer=offer, upload=upload, leads=leads, run_id=run["id"])


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["name"].split()[0] for item in response.json()]


def errors_of(response) -> list[tuple[str, str | None]]:
    return [(e["code"], e["attr"]) for e in response.json()["errors"]]


def test_a_result_shows_the_lead_its_scores_evidence_and_provenance(api, scored):
    ava = scored.leads["Ava"]
    result = ScoreResult.objects.get(lead=ava)
    facts = LeadFacts(ava.name, ava.role, ava.company, ava.industry, ava.location, ava.linkedin_bio)
    ai_words = HeuristicClassifier().classify_one(offer_facts(scored.offer), facts).reasoning

    response = api.get("/results/", {"q": "Ava"})

    assert response.status_code == 200
    (item,) = response.json()
    assert item == {
        "id": result.id,
        "lead_id": ava.id,
        "offer_id": scored.offer.id,
        "run_id": scored.run_id,
        "upload_id": scored.upload.id,
        "name": "Ava Patel",
        "role": "VP Sales",
        "company": "FlowMetrics",
        "industry": "SaaS",
        "location": "Austin, TX",
        "intent": "High",
        "score": 100,
        "rule_score": 50,
        "breakdown": {"role": 20, "industry": 20, "completeness": 10},
        "ai_intent": "High",
        "ai_points": 50,
        "ai_provider": "heuristic",
        "ai_model": HeuristicClassifier.model,
        "ai_status": "ok",
        "reasoning": (
            "Role 'VP Sales' is a decision maker (+20); industry 'SaaS' matches the ICP "
            "'B2B SaaS mid-market': Software Development (+20); all fields present (+10). "
            "AI (heuristic): High. "
            f"{ai_words}"
        ),
        "rules_version": RULES_VERSION,
        "prompt_version": HeuristicClassifier.prompt_version,
        "inputs_hash": inputs_hash(offer_facts(scored.offer), facts),
        "scored_at": item["scored_at"],
        "outcome": None,
        "outcome_at": None,
    }
    assert datetime.fromisoformat(item["scored_at"]) == result.scored_at


def test_results_are_a_json_array_of_items_with_exactly_the_documented_keys(api, scored):
    response = api.get("/results/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert len(response.json()) == len(PEOPLE)
    assert all(set(item) == ITEM_KEYS for item in response.json())
    assert all(
        set(item["breakdown"]) == {"role", "industry", "completeness"} for item in response.json()
    )


def test_every_score_is_rule_plus_ai_points_and_its_intent_follows_the_thresholds(api, scored):
    def threshold_intent(score: int) -> str:
        return "High" if score >= 70 else "Medium" if score >= 40 else "Low"

    items = api.get("/results/").json()

    assert [(i["name"].split()[0], i["score"], i["intent"]) for i in items] == [
        ("Ava", 100, "High"),
        ("Dan", 60, "Medium"),
        ("Ben", 40, "Medium"),
        ("Cara", 20, "Low"),
        ("Eve", 20, "Low"),
    ]
    for item in items:
        assert item["score"] == item["rule_score"] + item["ai_points"]
        assert item["rule_score"] == sum(item["breakdown"].values())
        assert item["ai_points"] == {"High": 50, "Medium": 30, "Low": 10}[item["ai_intent"]]
        assert item["intent"] == threshold_intent(item["score"])


def test_intent_follows_thresholds_set_in_settings(api, scored, settings):
    settings.HIGH_INTENT_SCORE = 90
    settings.MEDIUM_INTENT_SCORE = 50
    score(api, offer_id=scored.offer.id)

    items = api.get("/results/").json()

    assert [(i["score"], i["intent"]) for i in items] == [
        (100, "High"),
        (60, "Medium"),
        (40, "Low"),
        (20, "Low"),
        (20, "Low"),
    ]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["Ava", "Dan", "Ben", "Cara", "Eve"]),
        ("-score", ["Ava", "Dan", "Ben", "Cara", "Eve"]),
        ("score", ["Cara", "Eve", "Ben", "Dan", "Ava"]),
        ("name", ["Ava", "Ben", "Cara", "Dan", "Eve"]),
        ("-name", ["Eve", "Dan", "Cara", "Ben", "Ava"]),
    ],
)
def test_results_are_ordered_as_asked_ties_by_id(api, scored, ordering, expected):
    params = {"ordering": ordering} if ordering else {}

    assert names(api.get("/results/", params)) == expected


def test_scored_at_ordering_lists_the_oldest_scores_first(api, scored):
    score(api, offer_id=scored.offer.id, lead_ids=[scored.leads["Ben"].id, scored.leads["Cara"].id])

    assert names(api.get("/results/", {"ordering": "scored_at"})) == [
        "Ava",
        "Dan",
        "Eve",
        "Ben",
        "Cara",
    ]
    assert names(api.get("/results/", {"ordering": "-scored_at"}))[:2] == ["Cara", "Ben"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"intent": "High"}, ["Ava"]),
        ({"intent": "high"}, ["Ava"]),
        ({"intent": "MEDIUM"}, ["Dan", "Ben"]),
        ({"intent": " low "}, ["Cara", "Eve"]),
        ({"min_score": "60"}, ["Ava", "Dan"]),
        ({"min_score": "0"}, ["Ava", "Dan", "Ben", "Cara", "Eve"]),
        ({"min_score": "100"}, ["Ava"]),
        ({"q": "ava"}, ["Ava"]),
        ({"q": "NIMBUS"}, ["Dan"]),
        ({"q": "li"}, ["Ben", "Cara"]),  # Brightline, Cara Lim
        ({"q": "nobody"}, []),
        ({"intent": "low", "q": "eve"}, ["Eve"]),
        ({"min_score": "40", "ordering": "name"}, ["Ava", "Ben", "Dan"]),
    ],
)
def test_results_filter_by_intent_min_score_and_name_or_company(api, scored, params, expected):
    assert names(api.get("/results/", params)) == expected


def test_results_filter_by_offer_run_and_upload(api, workspace, scored):
    second_offer = OfferFactory(workspace=workspace, name="Payroll Autopilot")
    second_upload = UploadFactory(workspace=workspace)
    make_lead(second_upload, "Fay Khan", "CEO", "Acme", "SaaS", "Oslo", "Founder.")
    second_run = score(api, offer_id=second_offer.id)

    assert names(api.get("/results/", {"offer_id": scored.offer.id})) == [
        "Ava", "Dan", "Ben", "Cara", "Eve",
    ]  # fmt: skip
    assert sorted(names(api.get("/results/", {"offer_id": second_offer.id}))) == [
        "Ava", "Ben", "Cara", "Dan", "Eve", "Fay",
    ]  # fmt: skip
    assert names(api.get("/results/", {"run_id": scored.run_id})) == [
        "Ava", "Dan", "Ben", "Cara", "Eve",
    ]  # fmt: skip
    assert names(api.get("/results/", {"upload_id": second_upload.id})) == ["Fay"]
    assert names(
        api.get(
            "/results/",
            {"upload_id": scored.upload.id, "run_id": second_run["id"], "intent": "high"},
        )
    ) == ["Ava"]
    assert len(api.get("/results/").json()) == 11


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"intent": "urgent"}, [("invalid_choice", "intent")]),
        ({"min_score": "101"}, [("max_value", "min_score")]),
        ({"min_score": "-1"}, [("min_value", "min_score")]),
        ({"min_score": "abc"}, [("invalid", "min_score")]),
        ({"ordering": "bogus"}, [("invalid_choice", "ordering")]),
        ({"ordering": "lead__name"}, [("invalid_choice", "ordering")]),
        ({"offer_id": "abc"}, [("invalid", "offer_id")]),
        ({"offer_id": "0"}, [("min_value", "offer_id")]),
        ({"run_id": "1.5"}, [("invalid", "run_id")]),
        ({"upload_id": str(2**63)}, [("max_value", "upload_id")]),
        ({"q": "x" * 201}, [("max_length", "q")]),
        ({"page_size": "1001"}, [("invalid", "page_size")]),
        ({"page": "0"}, [("invalid", "page")]),
    ],
)
def test_invalid_filter_values_answer_400_naming_the_parameter(api, scored, params, errors):
    response = api.get("/results/", params)

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert errors_of(response) == errors


@pytest.mark.parametrize("param", ["offer_id", "run_id", "upload_id"])
def test_filters_naming_another_workspace_object_answer_404(
    api, other_api, other_workspace, scored, param
):
    offer = OfferFactory(workspace=other_workspace)
    upload = UploadFactory(workspace=other_workspace)
    LeadFactory(upload=upload)
    run = score(other_api, offer_id=offer.id)
    theirs = {"offer_id": offer.id, "run_id": run["id"], "upload_id": upload.id}

    response = api.get("/results/", {param: theirs[param]})

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("param", ["offer_id", "run_id", "upload_id"])
def test_filters_naming_an_unknown_object_answer_404(api, scored, param):
    response = api.get("/results/", {param: 987654})

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_results_are_paginated_with_headers(api, scored):
    first = api.get("/results/", {"page_size": 2})
    last = api.get("/results/", {"page_size": 2, "page": 3})
    past_the_end = api.get("/results/", {"page_size": 2, "page": 4})

    assert names(first) == ["Ava", "Dan"]
    assert first["X-Total-Count"] == "5"
    assert '<http://testserver/results/?page=2&page_size=2>; rel="next"' in first["Link"]
    assert 'rel="prev"' not in first["Link"]
    assert names(last) == ["Eve"]
    assert 'rel="next"' not in last["Link"]
    assert 'rel="prev"' in last["Link"]
    assert names(past_the_end) == []


def test_result_detail_shows_the_same_item_as_the_list(api, scored):
    item = api.get("/results/").json()[2]

    for path in (f"/results/{item['id']}/", f"/results/{item['id']}"):
        response = api.get(path)
        assert response.status_code == 200
        assert response.json() == item


def test_another_workspace_result_answers_404(api, other_api, other_workspace, scored):
    offer = OfferFactory(workspace=other_workspace)
    LeadFactory(upload=UploadFactory(workspace=other_workspace))
    score(other_api, offer_id=offer.id)
    theirs = ScoreResult.objects.get(workspace=other_workspace)

    response = api.get(f"/results/{theirs.id}/")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert api.get("/results/987654/").status_code == 404


def test_lists_never_contain_another_workspace_results(api, other_api, other_workspace, scored):
    offer = OfferFactory(workspace=other_workspace)
    upload = UploadFactory(workspace=other_workspace)
    make_lead(upload, *PEOPLE[0])  # the same person, in their workspace
    LeadFactory(upload=upload, name="Zed Rival")
    score(other_api, offer_id=offer.id)

    mine = api.get("/results/")
    theirs = other_api.get("/results/")

    assert names(mine) == ["Ava", "Dan", "Ben", "Cara", "Eve"]
    assert {item["lead_id"] for item in mine.json()} == {lead.id for lead in scored.leads.values()}
    assert mine["X-Total-Count"] == "5"
    assert names(api.get("/results/", {"q": "Zed"})) == []
    assert sorted(names(theirs)) == ["Ava", "Zed"]


def test_requires_an_api_key(anon, scored):
    assert anon.get("/results/").status_code == 401
    assert anon.get(f"/results/{ScoreResult.objects.first().id}/").status_code == 401


def test_deleting_a_lead_removes_its_results(api, workspace, scored):
    OfferFactory(workspace=workspace, name="Second")
    score(api, offer_id=Offer.objects.get(name="Second").id)
    ben = scored.leads["Ben"]
    assert ScoreResult.objects.filter(lead=ben).count() == 2

    response = api.delete(f"/leads/{ben.id}/")

    assert response.status_code == 204
    assert not ScoreResult.objects.filter(lead_id=ben.id).exists()
    assert "Ben" not in names(api.get("/results/"))
    assert ScoreResult.objects.count() == 8


def test_deleting_an_offer_removes_its_results(api, workspace, scored):
    second = OfferFactory(workspace=workspace, name="Second")
    score(api, offer_id=second.id)

    response = api.delete(f"/offer/{scored.offer.id}/")

    assert response.status_code == 204
    assert not ScoreResult.objects.filter(offer_id=scored.offer.id).exists()
    assert {item["offer_id"] for item in api.get("/results/").json()} == {second.id}
    assert len(api.get("/results/").json()) == 5


def test_the_total_count_follows_new_results_and_erasures(api, workspace, settings):
    settings.AI_PROVIDER = "heuristic"
    upload = UploadFactory(workspace=workspace)
    first, _ = LeadFactory.create_batch(2, upload=upload)
    offer = OfferFactory(workspace=workspace)
    api.post("/score/", {"offer_id": offer.id, "lead_ids": [first.id]}, format="json")
    assert api.get("/results/")["X-Total-Count"] == "1"

    api.post("/score/", {"offer_id": offer.id}, format="json")
    assert api.get("/results/")["X-Total-Count"] == "2"

    api.delete(f"/leads/{first.id}/")
    assert api.get("/results/")["X-Total-Count"] == "1"

    api.delete(f"/offer/{offer.id}/")
    assert api.get("/results/")["X-Total-Count"] == "0"


def test_pages_hold_the_right_rows_in_order(api, workspace, settings):
    settings.AI_PROVIDER = "heuristic"
    upload = UploadFactory(workspace=workspace)
    LeadFactory.create_batch(7, upload=upload)
    offer = OfferFactory(workspace=workspace)
    api.post("/score/", {"offer_id": offer.id}, format="json")
    everything = [r["id"] for r in api.get("/results/", {"ordering": "name"}).json()]

    pages = [
        [
            r["id"]
            for r in api.get("/results/", {"ordering": "name", "page_size": 3, "page": n}).json()
        ]
        for n in (1, 2, 3, 4)
    ]

    assert pages == [everything[0:3], everything[3:6], everything[6:7], []]


def test_without_page_parameters_every_result_comes_as_one_streamed_array(api, workspace, settings):
    upload = UploadFactory(workspace=workspace)
    LeadFactory.create_batch(260, upload=upload)
    score(api, offer_id=OfferFactory(workspace=workspace).id)

    response = api.get("/results/")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/json"
    assert response["X-Total-Count"] == "260"
    assert "Link" not in response
    items = response.json()
    assert len(items) == 260
    assert [item["id"] for item in items] == list(
        ScoreResult.objects.order_by("-score", "id").values_list("id", flat=True)
    )
    assert items[:100] == api.get("/results/", {"page": 1}).json()


@pytest.mark.parametrize("params", [{"page": ""}, {"page_size": ""}, {"page": "", "page_size": ""}])
def test_empty_page_parameters_count_as_absent(api, scored, params):
    response = api.get("/results/", params)

    assert response.streaming
    assert names(response) == ["Ava", "Dan", "Ben", "Cara", "Eve"]


def test_the_streamed_array_is_byte_for_byte_what_the_json_renderer_writes(api, scored):
    make_lead(
        scored.upload, 'Zoë "Z" Øst', "CEO", "Ünïcode\\Inc\u2028\u2029", "SaaS", "Oslo", "Bio\nline"
    )
    score(api, offer_id=scored.offer.id)

    response = api.get("/results/")

    assert response.streamed_body == JSONRenderer().render(response.json())


def test_filters_apply_to_the_streamed_array(api, scored):
    response = api.get("/results/", {"intent": "medium", "ordering": "name"})

    assert names(response) == ["Ben", "Dan"]
    assert response["X-Total-Count"] == "2"


def test_a_streamed_empty_list_is_an_empty_array(api, workspace):
    response = api.get("/results/")

    assert response.streamed_body == b"[]"
    assert response["X-Total-Count"] == "0"


def test_a_page_holds_the_same_items_as_the_streamed_array(api, scored):
    everything = api.get("/results/").json()

    pages = [api.get("/results/", {"page_size": 2, "page": n}).json() for n in (1, 2, 3)]

    assert [item for page in pages for item in page] == everything


HOSTILE_TEXTS = [
    'Zoë "Z" Øst',
    "back\\slash \\N \\t",
    "tab\there\nnew\rline",
    "ctrl \x01\x08\x0c\x1f\x7f",
    "seps \u2028 \u2029",
    "emoji 🚀 and CJK 漢字",
    "null",
    "\\",
    "",
]


def test_the_streamed_array_holds_hostile_text_and_timestamps_exactly_as_pages_do(
    api, workspace, scored
):
    for n, text in enumerate(HOSTILE_TEXTS):
        make_lead(scored.upload, f"{text} {n}", text, text, text, text, text)
    score(api, offer_id=scored.offer.id)
    results = ScoreResult.objects.filter(workspace=workspace).order_by("id")
    for n, result in enumerate(results):
        # With and without microseconds: Python writes ".000000" not at all.
        stamp = datetime(2026, 11, 30, 8, 5, 9, 0 if n % 2 else 120000, tzinfo=UTC)
        result.reasoning = HOSTILE_TEXTS[n % len(HOSTILE_TEXTS)]
        result.scored_at = stamp
        result.save()
        if n % 3 == 0:
            Lead.objects.filter(pk=result.lead_id).update(outcome="won", outcome_at=stamp)

    streamed = api.get("/results/")
    paged = api.get("/results/", {"page_size": 100})

    assert streamed.streamed_body == paged.content
    assert streamed.json() == paged.json()
    assert {item["scored_at"] for item in paged.json()} == {
        "2026-11-30T08:05:09Z",
        "2026-11-30T08:05:09.120000Z",
    }
