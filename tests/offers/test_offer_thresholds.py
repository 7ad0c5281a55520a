"""Per-offer intent thresholds: validated, applied by the next run, recorded on it."""

from __future__ import annotations

import pytest

from offers.models import Offer
from tests.factories import LeadFactory, OfferFactory, UploadFactory

SPEC_OFFER = {
    "name": "AI Outreach Automation",
    "value_props": ["24/7 outreach"],
    "ideal_use_cases": ["B2B SaaS mid-market"],
}


def errors_of(response) -> list[tuple[str, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def test_an_offer_keeps_its_own_thresholds(api):
    response = api.post(
        "/offer/",
        {**SPEC_OFFER, "high_intent_score": 80, "medium_intent_score": 0},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["high_intent_score"], body["medium_intent_score"]) == (80, 0)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"high_intent_score": 101}, [("high_intent_score", "max_value")]),
        ({"medium_intent_score": -1}, [("medium_intent_score", "min_value")]),
        ({"high_intent_score": "80"}, [("high_intent_score", "invalid")]),
        ({"high_intent_score": 80.5}, [("high_intent_score", "invalid")]),
        ({"high_intent_score": True}, [("high_intent_score", "invalid")]),
        (
            {"high_intent_score": 50, "medium_intent_score": 50},
            [("medium_intent_score", "invalid")],
        ),
        # Against the service-wide Medium threshold (40) when the offer sets none.
        ({"high_intent_score": 30}, [("medium_intent_score", "invalid")]),
        ({"medium_intent_score": 70}, [("medium_intent_score", "invalid")]),
    ],
)
def test_thresholds_are_0_to_100_with_medium_below_high(api, fields, expected):
    response = api.post("/offer/", {**SPEC_OFFER, **fields}, format="json")

    assert response.status_code == 400
    assert errors_of(response) == expected
    assert not Offer.objects.exists()


def test_a_patch_of_one_threshold_is_checked_against_the_offer_other_one(api, workspace):
    offer = OfferFactory(workspace=workspace, high_intent_score=60, medium_intent_score=30)

    refused = api.patch(f"/offer/{offer.id}/", {"medium_intent_score": 60}, format="json")
    accepted = api.patch(f"/offer/{offer.id}/", {"high_intent_score": 35}, format="json")
    reset = api.patch(
        f"/offer/{offer.id}/",
        {"high_intent_score": None, "medium_intent_score": None},
        format="json",
    )

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["detail"] == (
        "The Medium threshold (60) must be below the High one (60)."
    )
    assert accepted.status_code == 200
    assert (accepted.json()["high_intent_score"], accepted.json()["medium_intent_score"]) == (
        35,
        30,
    )
    assert (reset.json()["high_intent_score"], reset.json()["medium_intent_score"]) == (None, None)


def test_a_patched_threshold_changes_the_next_run_and_no_earlier_result(api, workspace):
    offer = OfferFactory(workspace=workspace)
    # Decision maker in the ICP, all fields, no buying signal: 50 rule points + AI Medium
    # (30) = 80 -> High under the default 70.
    lead = LeadFactory(
        upload=UploadFactory(workspace=workspace), role="VP Sales", linkedin_bio="Sales leader."
    )
    first = api.post("/score/", {"offer_id": offer.id}, format="json").json()
    (before,) = api.get("/results/").json()

    api.patch(f"/offer/{offer.id}/", {"high_intent_score": before["score"] + 1}, format="json")
    (unchanged,) = api.get("/results/").json()
    second = api.post("/score/", {"offer_id": offer.id, "rescore": True}, format="json").json()
    (after,) = api.get("/results/").json()

    assert (before["lead_id"], before["intent"]) == (lead.id, "High")
    assert unchanged == before
    assert (after["score"], after["intent"], after["run_id"]) == (
        before["score"],
        "Medium",
        second["id"],
    )
    assert (first["high_intent_score"], first["medium_intent_score"]) == (70, 40)
    assert (second["high_intent_score"], second["medium_intent_score"]) == (before["score"] + 1, 40)
