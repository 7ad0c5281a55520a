"""GET /results/evaluation/: the evaluation of an offer's current results against outcomes."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import roc_auc_score

from leads.models import Lead
from tests.factories import LeadFactory, OfferFactory, UploadFactory

ROLES = ["CEO", "VP Sales", "Sales Manager", "Engineer", "Intern", ""]
INDUSTRIES = ["SaaS", "Software", "Retail", "Healthcare", ""]
BIOS = ["Hiring SDRs and evaluating tools.", "Scaling the team.", "Student.", ""]


@pytest.fixture(autouse=True)
def heuristic_provider(settings):
    settings.AI_PROVIDER = "heuristic"


def make_leads(workspace, n: int, *, seed: int, labelled: float = 0.8) -> list[Lead]:
    rng = random.Random(seed)
    upload = UploadFactory(workspace=workspace)
    return [
        LeadFactory(
            upload=upload,
            role=rng.choice(ROLES),
            industry=rng.choice(INDUSTRIES),
            linkedin_bio=rng.choice(BIOS),
            outcome=(rng.choice(["won", "lost", "lost"]) if rng.random() < labelled else ""),
        )
        for _ in range(n)
    ]


def all_results(api, offer_id: int) -> list[dict]:
    results, page = [], 1
    while True:
        batch = api.get("/results/", {"offer_id": offer_id, "page": page, "page_size": 50}).json()
        results += batch
        if len(batch) < 50:
            return results
        page += 1


def pairwise_auc(results: list[dict]) -> float:
    pos = [r["score"] for r in results if r["outcome"] == "won"]
    neg = [r["score"] for r in results if r["outcome"] == "lost"]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@pytest.mark.parametrize("seed", [1, 2])
def test_auc_equals_an_independent_computation_from_the_results_and_outcomes(api, workspace, seed):
    offer = OfferFactory(workspace=workspace)
    make_leads(workspace, 160, seed=seed)
    assert api.post("/score/", {"offer_id": offer.id}, format="json").status_code == 200
    results = all_results(api, offer.id)
    labelled = [r for r in results if r["outcome"] is not None]

    response = api.get("/results/evaluation/", {"offer_id": offer.id})

    assert response.status_code == 200, response.content
    body = response.json()
    assert len({r["score"] for r in labelled}) < len(labelled)  # ties, plenty
    assert body["auc"] == pytest.approx(pairwise_auc(labelled), abs=1e-6)
    assert body["auc"] == pytest.approx(
        roc_auc_score([r["outcome"] == "won" for r in labelled], [r["score"] for r in labelled]),
        abs=1e-6,
    )
    assert (body["leads"], body["labelled"]) == (len(results), len(labelled))
    assert body["positives"] == sum(r["outcome"] == "won" for r in labelled)
    assert [b["leads"] for b in body["bands"]] == [
        sum(r["intent"] == intent for r in results) for intent in ("High", "Medium", "Low")
    ]
    assert [b["converted"] for b in body["bands"]] == [
        sum(r["intent"] == intent and r["outcome"] == "won" for r in results)
        for intent in ("High", "Medium", "Low")
    ]
    low, high = body["auc_interval"]
    assert low <= body["auc"] <= high
    assert body["thresholds"] == {"high_intent_score": 70, "medium_intent_score": 40}
    assert body["bootstrap"] == {"resamples": 1000, "seed": 11, "confidence": 0.95}
    # The same data, the same answer: the intervals come from a fixed seed.
    assert api.get("/results/evaluation/", {"offer_id": offer.id}).json() == body


def test_outcomes_set_later_change_the_evaluation_and_unlabelled_leads_stay_out(api, workspace):
    offer = OfferFactory(workspace=workspace)
    leads = make_leads(workspace, 40, seed=3, labelled=0)
    api.post("/score/", {"offer_id": offer.id}, format="json")

    empty = api.get("/results/evaluation/", {"offer_id": offer.id}).json()
    for index, lead in enumerate(leads[:35]):
        outcome = "won" if index % 3 == 0 else "lost"
        api.patch(f"/leads/{lead.id}/", {"outcome": outcome}, format="json")
    labelled = api.get("/results/evaluation/", {"offer_id": offer.id}).json()

    assert (empty["labelled"], empty["auc"], empty["base_rate"]) == (0, None, None)
    assert empty["warnings"] == ["Only 0 lead(s) have a known outcome; AUC needs at least 30."]
    assert (labelled["leads"], labelled["labelled"], labelled["positives"]) == (40, 35, 12)
    assert labelled["base_rate"] == pytest.approx(12 / 35)
    assert labelled["auc"] is not None


def test_evaluation_of_one_run_or_upload_names_the_offer_of_the_run(api, workspace):
    offer = OfferFactory(workspace=workspace, high_intent_score=90, medium_intent_score=10)
    make_leads(workspace, 35, seed=4, labelled=1)
    run = api.post("/score/", {"offer_id": offer.id}, format="json").json()

    by_run = api.get("/results/evaluation/", {"run_id": run["id"]}).json()
    by_offer = api.get("/results/evaluation/", {"offer_id": offer.id}).json()

    assert by_run["offer_id"] == offer.id
    assert by_run["thresholds"] == {"high_intent_score": 90, "medium_intent_score": 10}
    assert {k: v for k, v in by_run.items() if k != "run_id"} == {
        k: v for k, v in by_offer.items() if k != "run_id"
    }


@pytest.mark.parametrize(
    ("query", "attr", "code"),
    [
        ({}, "offer_id", "invalid"),
        ({"upload_id": 1}, "offer_id", "invalid"),
        ({"offer_id": "x"}, "offer_id", "invalid"),
        ({"offer_id": 0}, "offer_id", "min_value"),
    ],
)
def test_evaluation_needs_an_offer_or_a_run(api, query, attr, code):
    response = api.get("/results/evaluation/", query)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(attr, code)]
