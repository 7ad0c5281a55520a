"""docs/leadscoring.postman_collection.json: generated from the OpenAPI schema, never drifting."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from leadscoring.api.postman import COLLECTION_PATH, build_collection, current_schema, render

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def schema() -> dict:
    return current_schema()


@pytest.fixture(scope="module")
def collection() -> dict:
    return json.loads(COLLECTION_PATH.read_text())


def requests_of(collection: dict) -> list[dict]:
    return [item["request"] for folder in collection["item"] for item in folder["item"]]


def test_the_committed_collection_is_what_the_schema_generates(schema):
    assert COLLECTION_PATH.read_text() == render(build_collection(schema)), (
        "docs/leadscoring.postman_collection.json is out of date: run "
        "`make postman` (python -m leadscoring.api.postman) and commit it."
    )


def test_every_operation_of_the_schema_is_a_request(schema, collection):
    operations = {
        (method.upper(), re.sub(r"\{(\w+)\}", r":\1", path))
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }

    requests = {
        (r["method"], "/" + "/".join(r["url"]["path"]).lstrip("/")) for r in requests_of(collection)
    }

    assert requests == operations


def test_requests_use_the_base_url_and_api_key_variables(collection):
    assert {v["key"] for v in collection["variable"]} == {"base_url", "api_key"}
    assert {"key": "value", "value": "Api-Key {{api_key}}", "type": "string"} in collection["auth"][
        "apikey"
    ]
    assert all(r["url"]["raw"].startswith("{{base_url}}/") for r in requests_of(collection))


def test_the_readme_json_bodies_are_requests_of_the_collection(collection):
    readme_bodies = [json.loads(body) for body in re.findall(r"-d '(\{.*?\})'", README.read_text())]
    bodies = [
        json.loads(r["body"]["raw"])
        for r in requests_of(collection)
        if r.get("body", {}).get("options", {}).get("raw", {}).get("language") == "json"
    ]

    assert readme_bodies
    assert all(body in bodies for body in readme_bodies), readme_bodies


def test_scoring_with_an_empty_body_is_in_the_collection(collection):
    score = [r for r in requests_of(collection) if r["url"]["raw"] == "{{base_url}}/score/"]

    assert {"mode": "raw", "raw": "{}", "options": {"raw": {"language": "json"}}} in [
        r["body"] for r in score
    ]


def test_every_endpoint_has_a_response_example(collection):
    for folder in collection["item"]:
        for item in folder["item"]:
            assert item["response"], item["name"]
