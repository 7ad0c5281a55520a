"""Per-API-key rate limits: 429 with Retry-After, separate scopes for upload and score."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from workspaces.models import WorkspaceAPIKey


@pytest.fixture
def tight_limits(settings):
    settings.THROTTLE_RATES = {"api": "3/minute", "upload": "2/minute", "score": "1/minute"}


def upload(api):
    csv = b"name,role,company,industry,location,linkedin_bio\nAva,CEO,Acme,SaaS,Austin,Bio\n"
    return api.post(
        "/leads/upload/", {"file": SimpleUploadedFile("l.csv", csv)}, format="multipart"
    )


def test_a_key_over_its_limit_gets_429_with_retry_after(api, tight_limits):
    answers = [api.get("/offer/") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    throttled = answers[-1]
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["type"] == "client_error"
    assert throttled.json()["errors"][0]["code"] == "throttled"


def test_uploads_are_limited_apart_from_other_requests(api, tight_limits):
    assert [upload(api).status_code for _ in range(3)] == [201, 201, 429]
    # The upload scope is spent; the general one is not.
    assert api.get("/leads/").status_code == 200


def test_score_has_its_own_scope(api, tight_limits):
    upload(api)
    offer = api.post(
        "/offer/", {"name": "O", "value_props": ["v"], "ideal_use_cases": ["SaaS"]}, format="json"
    ).json()

    first = api.post("/score/", {"offer_id": offer["id"]}, format="json")
    second = api.post("/score/", {"offer_id": offer["id"]}, format="json")

    assert (first.status_code, second.status_code) == (200, 429)


def test_each_key_has_its_own_budget(api, other_api, tight_limits):
    for _ in range(3):
        api.get("/offer/")

    assert api.get("/offer/").status_code == 429
    assert other_api.get("/offer/").status_code == 200


def test_an_empty_rate_means_no_limit(api, settings):
    settings.THROTTLE_RATES = {"api": "", "upload": "", "score": ""}

    assert {api.get("/offer/").status_code for _ in range(20)} == {200}


def test_health_and_index_are_never_throttled(anon, db, tight_limits):
    assert {anon.get("/healthz/").status_code for _ in range(10)} == {200}
    assert {anon.get("/").status_code for _ in range(10)} == {200}


def test_the_throttle_is_keyed_on_the_key_prefix_not_its_stored_hash(api, workspace):
    api.get("/offer/")

    key = WorkspaceAPIKey.objects.get(workspace=workspace)
    assert cache.get(f"throttle:api:key:{key.prefix}")
    assert cache.get(f"throttle:api:key:{key.pk}") is None
    assert key.pk != key.prefix  # the id holds the hash
