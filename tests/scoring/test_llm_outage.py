"""POST /score/ with the LLM provider down: bounded time, every lead falls back, few requests."""

from __future__ import annotations

import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.classifiers.openai import BREAKER_THRESHOLD
from scoring.models import ScoreResult, ScoringRun
from tests.factories import LeadFactory, UploadFactory
from tests.scoring.llm_server import error_response, requests_seen, serve

LEADS = 50
BATCH_SIZE = 5  # 10 batches: twice the breaker's threshold
MAX_RETRIES = 1
# A bound, not a benchmark: a dead provider must not hold a 50-lead request for minutes
# (without the breaker: batches x retries x timeout).
TIME_BOUND_SECONDS = 20
# Nothing listens on port 1 of the loopback interface: connections are refused at once.
CLOSED_PORT_URL = "http://127.0.0.1:1/v1"


@pytest.fixture
def upload(workspace):
    upload = UploadFactory(workspace=workspace)
    for _ in range(LEADS):
        LeadFactory(upload=upload)
    return upload


@pytest.fixture
def openai_settings(settings):
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_MODEL = "gpt-test"
    settings.OPENAI_TIMEOUT = 2
    settings.OPENAI_MAX_RETRIES = MAX_RETRIES
    settings.OPENAI_BATCH_SIZE = BATCH_SIZE
    settings.OPENAI_CONCURRENCY = 4
    return settings


def always_500(request: Request) -> Response:
    # Retry-After: 0 keeps the test fast (no backoff sleeps) without changing what is counted.
    response = error_response(500, "The server had an error while processing your request.")
    response.headers["Retry-After"] = "0"
    return response


def score(api, offer, upload):
    started = time.monotonic()
    response = api.post("/score/", {"offer_id": offer.id, "upload_id": upload.id}, format="json")
    return response, time.monotonic() - started


def assert_every_lead_fell_back(response, upload) -> None:
    assert response.status_code == 200, response.content
    run = ScoringRun.objects.get()
    body = response.json()
    assert (body["id"], body["status"], body["provider"]) == (run.id, "completed", "openai")
    assert (body["total"], body["scored"], body["failed"]) == (LEADS, LEADS, 0)
    assert body["fallbacks"] == body["total"] == run.fallbacks
    assert body["answered"] == body["cached"] == 0
    # Completed, but not passed off as a success.
    assert body["warnings"] == [
        f"degraded: {LEADS} of {LEADS} leads fell back to the heuristic classifier (0 answered "
        f"by the model, 0 from the cache, {LEADS} fell back to the heuristic); check the LLM "
        "server and the logs."
    ]
    results = ScoreResult.objects.filter(run=run, lead__upload=upload)
    assert results.count() == LEADS
    assert set(results.values_list("ai_status", "ai_provider", "ai_model")) == {
        ("fallback", "heuristic", HeuristicClassifier.model)
    }
    assert all("LLM unavailable" in r for r in results.values_list("reasoning", flat=True))


def test_an_unreachable_llm_completes_the_run_with_heuristic_fallbacks_in_bounded_time(
    api, offer, upload, openai_settings
):
    openai_settings.OPENAI_BASE_URL = CLOSED_PORT_URL

    response, elapsed = score(api, offer, upload)

    assert_every_lead_fell_back(response, upload)
    assert elapsed < TIME_BOUND_SECONDS


@pytest.mark.parametrize("concurrency", [1, 4])
def test_the_circuit_breaker_limits_requests_to_a_failing_llm(
    api, offer, upload, openai_settings, httpserver: HTTPServer, concurrency
):
    serve(httpserver, always_500)
    openai_settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    openai_settings.OPENAI_CONCURRENCY = concurrency

    response, elapsed = score(api, offer, upload)

    assert_every_lead_fell_back(response, upload)
    assert elapsed < TIME_BOUND_SECONDS
    requests = len(requests_seen(httpserver))
    batches = LEADS // BATCH_SIZE
    assert batches > BREAKER_THRESHOLD  # otherwise the breaker would have nothing to save
    # The first batch goes alone and is retried in full before the others start.
    assert requests >= 1 + MAX_RETRIES
    # Once BREAKER_THRESHOLD batches in a row have failed, no batch asks the provider again;
    # batches already in flight then (at most concurrency - 1) finish their current attempt.
    in_flight = concurrency - 1
    assert requests <= (BREAKER_THRESHOLD + in_flight) * (1 + MAX_RETRIES), requests
