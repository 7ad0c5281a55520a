"""POST/GET/PATCH/DELETE /offer/: the spec's offer, validation, ownership."""

from __future__ import annotations

import pytest

from offers.models import Offer

SPEC_OFFER = {
    "name": "AI Outreach Automation",
    "value_props": ["24/7 outreach", "6x more meetings"],
    "ideal_use_cases": ["B2B SaaS mid-market"],
}


def errors_of(response) -> list[tuple[str, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


@pytest.mark.parametrize("path", ["/offer/", "/offer"])
def test_create_offer_with_the_spec_body_answers_201_with_the_stored_offer(api, workspace, path):
    response = api.post(path, SPEC_OFFER, format="json")

    assert response.status_code == 201
    body = response.json()
    offer = Offer.objects.get()
    assert body == {
        "id": offer.id,
        **SPEC_OFFER,
        "icp_industries": [],
        "adjacent_industries": [],
        "high_intent_score": None,
        "medium_intent_score": None,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert offer.workspace == workspace


def test_create_offer_trims_items_and_accepts_an_explicit_icp(api):
    response = api.post(
        "/offer/",
        {
            "name": "  Outreach  ",
            "value_props": [" fast "],
            "ideal_use_cases": ["SaaS"],
            "icp_industries": ["SaaS"],
            "adjacent_industries": ["IT Services"],
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["name"] == "Outreach"
    assert response.json()["value_props"] == ["fast"]
    assert response.json()["adjacent_industries"] == ["IT Services"]


def test_an_offer_may_name_its_industries_by_linkedin_v2_id_or_by_name(api):
    response = api.post(
        "/offer/",
        {
            **SPEC_OFFER,
            "icp_industries": [4, "Hospitals and Health Care", " 41 "],
            "adjacent_industries": [96, "Widget makers"],
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["icp_industries"] == [4, "Hospitals and Health Care", 41]
    assert response.json()["adjacent_industries"] == [96, "Widget makers"]
    assert Offer.objects.get().icp_industries == ["4", "Hospitals and Health Care", "41"]


@pytest.mark.parametrize(
    ("industries", "attr", "code"),
    [
        ([99999], "icp_industries.0", "unknown_industry"),
        (["SaaS", "2"], "icp_industries.1", "unknown_industry"),
        ([0], "icp_industries.0", "unknown_industry"),
        ([True], "icp_industries.0", "invalid"),
        ([4.5], "icp_industries.0", "invalid"),
        ([{"id": 4}], "icp_industries.0", "invalid"),
        (["x" * 101], "icp_industries.0", "max_length"),
    ],
)
def test_an_unknown_industry_id_or_a_non_name_answers_400(api, industries, attr, code):
    response = api.post("/offer/", {**SPEC_OFFER, "icp_industries": industries}, format="json")

    assert response.status_code == 400
    assert errors_of(response) == [(attr, code)]
    assert not Offer.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": ""}, [("name", "blank")]),
        ({"name": "x" * 201}, [("name", "max_length")]),
        ({"value_props": []}, [("value_props", "min_length")]),
        ({"value_props": ["ok", "  "]}, [("value_props.1", "blank")]),
        ({"value_props": ["x" * 501]}, [("value_props.0", "max_length")]),
        ({"ideal_use_cases": ["a"] * 51}, [("ideal_use_cases", "max_length")]),
        ({"ideal_use_cases": "B2B SaaS"}, [("ideal_use_cases", "not_a_list")]),
        ({"value_props": None}, [("value_props", "null")]),
        ({"colour": "red"}, [("colour", "invalid")]),
    ],
)
def test_create_offer_rejects_invalid_fields_naming_each(api, change, expected):
    response = api.post("/offer/", {**SPEC_OFFER, **change}, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert errors_of(response) == expected
    assert not Offer.objects.exists()


def test_create_offer_reports_every_missing_field(api):
    response = api.post("/offer/", {}, format="json")

    assert response.status_code == 400
    assert sorted(errors_of(response)) == [
        ("ideal_use_cases", "required"),
        ("name", "required"),
        ("value_props", "required"),
    ]


def test_create_offer_rejects_malformed_json_and_non_objects(api):
    malformed = api.post("/offer/", "{not json", content_type="application/json")
    array = api.post("/offer/", [SPEC_OFFER], format="json")

    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["code"] == "parse_error"
    assert array.status_code == 400


def test_create_offer_rejects_form_encoded_bodies_with_415(api):
    response = api.post("/offer/", "name=x", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415


def test_list_shows_only_the_workspace_offers_newest_first(api, workspace, other_api):
    first = api.post("/offer/", SPEC_OFFER, format="json").json()
    second = api.post("/offer/", {**SPEC_OFFER, "name": "Second"}, format="json").json()
    other_api.post("/offer/", {**SPEC_OFFER, "name": "Theirs"}, format="json")

    response = api.get("/offer/")

    assert response.status_code == 200
    assert [o["id"] for o in response.json()] == [second["id"], first["id"]]
    assert response["X-Total-Count"] == "2"


def test_get_patch_delete_an_offer(api):
    offer = api.post("/offer/", SPEC_OFFER, format="json").json()
    url = f"/offer/{offer['id']}/"

    assert api.get(url).json()["name"] == SPEC_OFFER["name"]
    patched = api.patch(url, {"name": "Renamed"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["name"] == "Renamed"
    assert patched.json()["value_props"] == SPEC_OFFER["value_props"]
    assert api.patch(url, {"value_props": []}, format="json").status_code == 400
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_another_workspace_offer_answers_404_everywhere(api, other_api):
    offer = other_api.post("/offer/", SPEC_OFFER, format="json").json()
    url = f"/offer/{offer['id']}/"

    assert api.get(url).status_code == 404
    assert api.patch(url, {"name": "Mine now"}, format="json").status_code == 404
    assert api.delete(url).status_code == 404
    assert Offer.objects.get(pk=offer["id"]).name == SPEC_OFFER["name"]


def test_offers_require_an_api_key(anon, db):
    response = anon.post("/offer/", SPEC_OFFER, format="json")

    assert response.status_code == 401
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "not_authenticated",
                "detail": "Authentication credentials were not provided.",
                "attr": None,
            }
        ],
    }
