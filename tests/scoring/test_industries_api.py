"""GET /industries/: the LinkedIn V2 taxonomy for a picker, listed, searched and paginated."""

from __future__ import annotations

import pytest

BANKING = {
    "id": 41,
    "name": "Banking",
    "parent": 1673,
    "sector": 43,
    "path": ["Financial Services", "Credit Intermediation", "Banking"],
}


def names(response) -> list[str]:
    return [industry["name"] for industry in response.json()]


def test_lists_the_whole_taxonomy_in_hierarchy_order_a_page_at_a_time(api):
    response = api.get("/industries/")

    assert response.status_code == 200
    assert response["X-Total-Count"] == "434"
    assert len(response.json()) == 100
    assert response.json()[:2] == [
        {
            "id": 2190,
            "name": "Accommodation Services",
            "parent": None,
            "sector": 2190,
            "path": ["Accommodation Services"],
        },
        {
            "id": 34,
            "name": "Food and Beverage Services",
            "parent": 2190,
            "sector": 2190,
            "path": ["Accommodation Services", "Food and Beverage Services"],
        },
    ]
    assert 'rel="next"' in response["Link"]


def test_a_big_page_holds_every_industry_once(api):
    response = api.get("/industries/", {"page_size": 1000})

    assert len({industry["id"] for industry in response.json()}) == 434


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("bank", ["Banking"]),
        ("BANKING", ["Banking"]),
        ("fin serv", ["Financial Services"]),
        ("hospitals & health", ["Hospitals and Health Care"]),
        ("it system", ["IT System Custom Software Development"]),
    ],
)
def test_searches_names_by_word_starts_ignoring_case_and_ampersands(api, q, first):
    response = api.get("/industries/", {"q": q})

    assert response.status_code == 200
    assert names(response)[: len(first)] == first


def test_a_search_shows_each_industry_whole(api):
    response = api.get("/industries/", {"q": "banking"})

    assert response.json()[0] == BANKING
    assert "Investment Banking" in names(response)


def test_names_come_before_industries_found_only_by_their_path(api):
    found = names(api.get("/industries/", {"q": "financial services"}))

    assert found[0] == "Financial Services"
    assert {"Banking", "Insurance", "Capital Markets"} <= set(found[1:])


def test_a_search_matching_nothing_is_an_empty_page(api):
    response = api.get("/industries/", {"q": "zzzz"})

    assert (response.status_code, response.json(), response["X-Total-Count"]) == (200, [], "0")


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"q": "x" * 101}, "q", "max_length"),
        ({"q": "bank\x1b"}, "q", "control_characters"),
        ({"page": "0"}, "page", "invalid"),
        ({"page_size": "1001"}, "page_size", "invalid"),
    ],
)
def test_bad_parameters_answer_400_naming_them(api, params, attr, code):
    response = api.get("/industries/", params)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(attr, code)]


def test_needs_an_api_key(anon):
    response = anon.get("/industries/")

    assert response.status_code == 401
