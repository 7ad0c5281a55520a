"""POST /score/ and GET /score/runs/: scoring runs, their validation, ownership and failures."""

from __future__ import annotations

import pytest

from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.models import ScoreResult, ScoringRun
from scoring.rules import RULES_VERSION
from tests.factories import LeadFactory, OfferFactory, UploadFactory
from tests.scoring.llm_server import failing, requests_seen, serve

NOT_FOUND = {
    "type": "client_error",
    "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
}


@pytest.fixture(autouse=True)
def heuristic_provider(settings):
    settings.AI_PROVIDER = "heuristic"


def run_body(run: ScoringRun, body: dict, **expected: object) -> dict:
    """The whole body of a finished heuristic run; timestamps are taken from `body`."""
    whole = {
        "id": run.id,
        "offer_id": run.offer_id,
        "scope": {},
        "status": "completed",
        "provider": "heuristic",
        "model": HeuristicClassifier.model,
        "prompt_version": HeuristicClassifier.prompt_version,
        "rules_version": RULES_VERSION,
        "high_intent_score": 70,
        "medium_intent_score": 40,
        "total": 0,
        "scored": 0,
        "cached": 0,
        "fallbacks": 0,
        "failed": 0,
        "percent": 100.0,
        "eta_seconds": None,
        "error": "",
        "background": False,
        "callback_url": "",
        "callback_status": "",
        "callback_attempts": 0,
        "callback_error": "",
        "created_at": body["created_at"],
        "started_at": body["started_at"],
        "finished_at": body["finished_at"],
        "duration_seconds": body["duration_seconds"],
        "results_url": f"/results/?run_id={run.id}",
        **expected,
    }
    # The heuristic answers every lead it scores itself: no cache, no fallback, no warning.
    whole["answered"] = whole["scored"] - whole["cached"] - whole["fallbacks"]
    whole.setdefault("warnings", [])
    return whole


def errors_of(response) -> list[tuple[str, str | None]]:
    return [(e["code"], e["attr"]) for e in response.json()["errors"]]


@pytest.mark.parametrize("path", ["/score/", "/score"])
def test_score_every_lead_answers_200_with_the_finished_run(api, offer, upload, path):
    leads = LeadFactory.create_batch(3, upload=upload)

    response = api.post(path, {"offer_id": offer.id}, format="json")

    assert response.status_code == 200
    run = ScoringRun.objects.get()
    body = response.json()
    assert body == run_body(run, body, total=3, scored=3)
    assert body["started_at"] <= body["finished_at"]
    assert body["duration_seconds"] >= 0
    assert sorted(ScoreResult.objects.values_list("lead_id", flat=True)) == [x.id for x in leads]
    assert set(ScoreResult.objects.values_list("run_id", "offer_id")) == {(run.id, offer.id)}


def test_score_an_upload_scores_only_its_leads(api, workspace, offer, upload):
    mine = LeadFactory.create_batch(2, upload=upload)
    LeadFactory.create_batch(2, upload=UploadFactory(workspace=workspace))

    response = api.post("/score/", {"offer_id": offer.id, "upload_id": upload.id}, format="json")

    assert response.status_code == 200
    run = ScoringRun.objects.get()
    body = response.json()
    assert body == run_body(run, body, scope={"upload_id": upload.id}, total=2, scored=2)
    assert sorted(ScoreResult.objects.values_list("lead_id", flat=True)) == [x.id for x in mine]


def test_score_lead_ids_scores_only_those_leads(api, offer, upload):
    leads = LeadFactory.create_batch(4, upload=upload)
    chosen = [leads[3].id, leads[1].id]

    response = api.post("/score/", {"offer_id": offer.id, "lead_ids": chosen}, format="json")

    assert response.status_code == 200
    run = ScoringRun.objects.get()
    body = response.json()
    assert body == run_body(run, body, scope={"lead_ids": sorted(chosen)}, total=2, scored=2)
    assert sorted(ScoreResult.objects.values_list("lead_id", flat=True)) == sorted(chosen)


def test_rescoring_replaces_the_results_of_the_same_leads(api, offer, upload):
    leads = LeadFactory.create_batch(3, upload=upload)
    first = api.post("/score/", {"offer_id": offer.id}, format="json").json()
    before = dict(ScoreResult.objects.values_list("lead_id", "role_points"))
    leads[0].role = "Intern"
    leads[0].save()

    second = api.post("/score/", {"offer_id": offer.id}, format="json")

    assert second.status_code == 200
    assert second.json()["id"] != first["id"]
    results = list(ScoreResult.objects.order_by("lead_id"))
    assert [r.lead_id for r in results] == [x.id for x in leads]
    assert {r.run_id for r in results} == {second.json()["id"]}
    assert before[leads[0].id] > 0
    assert [r.role_points for r in results] == [0, before[leads[1].id], before[leads[2].id]]


def test_scoring_against_a_second_offer_keeps_one_result_per_lead_and_offer(
    api, workspace, offer, upload
):
    leads = LeadFactory.create_batch(2, upload=upload)
    second_offer = OfferFactory(workspace=workspace, name="Payroll Autopilot")
    first_run = api.post("/score/", {"offer_id": offer.id}, format="json").json()

    second_run = api.post("/score/", {"offer_id": second_offer.id}, format="json").json()

    assert sorted(ScoreResult.objects.values_list("lead_id", "offer_id", "run_id")) == sorted(
        [(lead.id, offer.id, first_run["id"]) for lead in leads]
        + [(lead.id, second_offer.id, second_run["id"]) for lead in leads]
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"offer_id": "one"}, [("invalid", "offer_id")]),
        ({"offer_id": "1.0"}, [("invalid", "offer_id")]),
        ({"offer_id": " 1"}, [("invalid", "offer_id")]),
        ({"offer_id": "-1"}, [("invalid", "offer_id")]),
        ({"offer_id": ""}, [("invalid", "offer_id")]),
        ({"offer_id": "0"}, [("min_value", "offer_id")]),
        ({"offer_id": "9" * 20}, [("max_value", "offer_id")]),
        ({"offer_id": "9" * 5000}, [("max_value", "offer_id")]),
        ({"offer_id": 1.5}, [("invalid", "offer_id")]),
        ({"offer_id": 1.0}, [("invalid", "offer_id")]),
        ({"offer_id": True}, [("invalid", "offer_id")]),
        ({"offer_id": None}, [("null", "offer_id")]),
        ({"offer_id": [1]}, [("invalid", "offer_id")]),
        ({"offer_id": 0}, [("min_value", "offer_id")]),
        ({"offer_id": -1}, [("min_value", "offer_id")]),
        ({"offer_id": 2**63}, [("max_value", "offer_id")]),
        ({"upload_id": "x1"}, [("invalid", "upload_id")]),
        ({"upload_id": False}, [("invalid", "upload_id")]),
        ({"upload_id": 0}, [("min_value", "upload_id")]),
        ({"upload_id": 1, "lead_ids": [1]}, [("invalid", "non_field_errors")]),
        ({"lead_ids": []}, [("min_length", "lead_ids")]),
        ({"lead_ids": 1}, [("not_a_list", "lead_ids")]),
        ({"lead_ids": [1, "2x"]}, [("invalid", "lead_ids.1")]),
        ({"lead_ids": [1, 2.5]}, [("invalid", "lead_ids.1")]),
        ({"lead_ids": [True]}, [("invalid", "lead_ids.0")]),
        ({"lead_ids": [0]}, [("min_value", "lead_ids.0")]),
        ({"colour": "red"}, [("invalid", "colour")]),
    ],
)
def test_score_rejects_invalid_bodies_naming_the_field(api, offer, upload, body, errors):
    LeadFactory.create_batch(1, upload=upload)
    response = api.post("/score/", {"offer_id": offer.id, **body}, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert errors_of(response) == errors
    assert all(e["detail"] for e in response.json()["errors"])
    assert not ScoringRun.objects.exists()


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda api: api.post("/score/", {}, format="json"), id="empty-object"),
        pytest.param(lambda api: api.post("/score/"), id="no-body-no-content-type"),
        pytest.param(
            lambda api: api.post("/score/", "", content_type="application/json"),
            id="empty-json-body",
        ),
        pytest.param(
            lambda api: api.post("/score/", "", content_type="application/x-www-form-urlencoded"),
            id="empty-form-body",
        ),
    ],
)
def test_score_without_offer_id_uses_the_most_recent_offer(api, workspace, upload, send):
    OfferFactory(workspace=workspace, name="Older")
    latest = OfferFactory(workspace=workspace, name="Latest")
    LeadFactory.create_batch(2, upload=upload)

    response = send(api)

    assert response.status_code == 200
    run = ScoringRun.objects.get()
    assert response.json() == run_body(run, response.json(), offer_id=latest.id, total=2, scored=2)
    assert set(ScoreResult.objects.values_list("offer_id", flat=True)) == {latest.id}


def test_score_without_offer_id_ignores_another_workspace_newer_offer(
    api, other_workspace, offer, upload
):
    LeadFactory.create_batch(1, upload=upload)
    OfferFactory(workspace=other_workspace)

    response = api.post("/score/")

    assert response.status_code == 200
    assert response.json()["offer_id"] == offer.id


def test_score_without_offer_id_in_a_workspace_without_offers_answers_400(
    api, other_workspace, upload
):
    LeadFactory.create_batch(1, upload=upload)
    OfferFactory(workspace=other_workspace)

    response = api.post("/score/", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "no_offer",
                "detail": "This workspace has no offer to score against: create one with "
                "POST /offer/ first.",
                "attr": "offer_id",
            }
        ],
    }
    assert not ScoringRun.objects.exists()


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param(lambda offer, upload, lead: {"offer_id": str(offer.id)}, id="offer_id"),
        pytest.param(
            lambda offer, upload, lead: {"offer_id": offer.id, "upload_id": str(upload.id)},
            id="upload_id",
        ),
        pytest.param(
            lambda offer, upload, lead: {"offer_id": offer.id, "lead_ids": [str(lead.id)]},
            id="lead_ids",
        ),
    ],
)
def test_score_accepts_ids_as_numeric_strings(api, offer, upload, ids):
    lead, _ = LeadFactory.create_batch(2, upload=upload)

    response = api.post("/score/", ids(offer, upload, lead), format="json")

    assert response.status_code == 200
    assert response.json()["offer_id"] == offer.id
    assert ScoreResult.objects.filter(offer=offer).exists()


def test_score_rejects_both_an_upload_and_lead_ids(api, offer, upload):
    (lead,) = LeadFactory.create_batch(1, upload=upload)

    response = api.post(
        "/score/",
        {"offer_id": offer.id, "upload_id": upload.id, "lead_ids": [lead.id]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "invalid",
                "detail": "Give upload_id or lead_ids, not both.",
                "attr": "non_field_errors",
            }
        ],
    }


def test_score_rejects_more_than_10000_lead_ids(api, offer):
    response = api.post(
        "/score/", {"offer_id": offer.id, "lead_ids": list(range(1, 10_002))}, format="json"
    )

    assert response.status_code == 400
    assert errors_of(response) == [("max_length", "lead_ids")]


def test_score_rejects_malformed_json(api):
    response = api.post("/score/", '{"offer_id": 1', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["type"] == "client_error"
    assert errors_of(response) == [("parse_error", None)]


@pytest.mark.parametrize("body", ['[{"offer_id": 1}]', '"offer"', "1", "null"])
def test_score_rejects_a_body_that_is_not_an_object(api, offer, body):
    response = api.post("/score/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert [e["attr"] for e in response.json()["errors"]] == ["non_field_errors"]


def test_score_against_an_unknown_offer_answers_404(api, upload):
    LeadFactory.create_batch(1, upload=upload)

    response = api.post("/score/", {"offer_id": 987654}, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_score_against_another_workspace_offer_answers_404(api, other_workspace, upload):
    LeadFactory.create_batch(1, upload=upload)
    theirs = OfferFactory(workspace=other_workspace)

    response = api.post("/score/", {"offer_id": theirs.id}, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert not ScoringRun.objects.exists()


def test_score_of_another_workspace_upload_answers_404(api, other_workspace, offer, upload):
    LeadFactory.create_batch(1, upload=upload)
    their_upload = UploadFactory(workspace=other_workspace)
    LeadFactory.create_batch(1, upload=their_upload)

    response = api.post(
        "/score/", {"offer_id": offer.id, "upload_id": their_upload.id}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert not ScoreResult.objects.exists()


def test_score_names_unknown_and_other_workspace_lead_ids(api, other_workspace, offer, upload):
    (mine,) = LeadFactory.create_batch(1, upload=upload)
    (theirs,) = LeadFactory.create_batch(1, upload=UploadFactory(workspace=other_workspace))

    response = api.post(
        "/score/", {"offer_id": offer.id, "lead_ids": [mine.id, 987654, theirs.id]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "not_found",
                "detail": f"Unknown lead id(s): 987654, {theirs.id}.",
                "attr": "lead_ids",
            }
        ],
    }
    assert not ScoreResult.objects.exists()


def test_score_without_leads_answers_400_nothing_to_score(api, other_workspace, offer):
    LeadFactory.create_batch(2, upload=UploadFactory(workspace=other_workspace))

    response = api.post("/score/", {"offer_id": offer.id}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "nothing_to_score",
                "detail": "There are no leads to score: upload some first.",
                "attr": None,
            }
        ],
    }
    assert not ScoringRun.objects.exists()


def test_score_requires_an_api_key(anon, offer, upload):
    LeadFactory.create_batch(1, upload=upload)

    response = anon.post("/score/", {"offer_id": offer.id}, format="json")

    assert response.status_code == 401
    assert errors_of(response) == [("not_authenticated", None)]
    assert not ScoringRun.objects.exists()


def test_score_rejects_form_encoded_bodies_with_415(api, offer):
    response = api.post(
        "/score/", f"offer_id={offer.id}", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert errors_of(response) == [("unsupported_media_type", None)]


def test_a_rejected_api_key_fails_the_run_with_503(api, offer, upload, settings, httpserver):
    LeadFactory.create_batch(3, upload=upload)
    serve(httpserver, failing(401))
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    api.raise_request_exception = False  # a 5xx is reported like a crash; answer it instead

    response = api.post("/score/", {"offer_id": offer.id}, format="json")

    assert response.status_code == 503
    run = ScoringRun.objects.get()
    error = "The LLM provider rejected the API key (401): check OPENAI_API_KEY."
    assert response.json() == {
        "type": "server_error",
        "errors": [
            {
                "code": "service_unavailable",
                "detail": f"Scoring run {run.id} failed: {error}",
                "attr": None,
            }
        ],
    }
    assert len(requests_seen(httpserver)) == 1
    detail = api.get(f"/score/runs/{run.id}/").json()
    assert (detail["status"], detail["error"], detail["provider"]) == ("failed", error, "openai")
    assert (detail["total"], detail["scored"], detail["percent"]) == (3, 0, 0.0)
    assert detail["finished_at"] is not None
    assert not ScoreResult.objects.exists()


def test_runs_list_shows_the_workspace_runs_newest_first(
    api, other_api, other_workspace, offer, upload
):
    LeadFactory.create_batch(2, upload=upload)
    first = api.post("/score/", {"offer_id": offer.id}, format="json").json()
    second = api.post("/score/", {"offer_id": offer.id}, format="json").json()
    their_offer = OfferFactory(workspace=other_workspace)
    LeadFactory.create_batch(1, upload=UploadFactory(workspace=other_workspace))
    other_api.post("/score/", {"offer_id": their_offer.id}, format="json")

    response = api.get("/score/runs/")

    assert response.status_code == 200
    assert response.json() == [second, first]
    assert response["X-Total-Count"] == "2"


def test_run_detail_shows_the_run(api, offer, upload):
    LeadFactory.create_batch(2, upload=upload)
    run = api.post("/score/", {"offer_id": offer.id}, format="json").json()

    for path in (f"/score/runs/{run['id']}/", f"/score/runs/{run['id']}"):
        response = api.get(path)
        assert response.status_code == 200
        assert response.json() == run


def test_another_workspace_run_answers_404(api, other_api, other_workspace):
    offer = OfferFactory(workspace=other_workspace)
    LeadFactory.create_batch(1, upload=UploadFactory(workspace=other_workspace))
    run = other_api.post("/score/", {"offer_id": offer.id}, format="json").json()

    response = api.get(f"/score/runs/{run['id']}/")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert api.get("/score/runs/").json() == []


def test_an_unknown_run_answers_404(api):
    response = api.get("/score/runs/987654/")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_a_run_over_the_llm_call_cap_is_refused_before_any_spending(api, offer, upload, settings):
    LeadFactory.create_batch(3, upload=upload)
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:1/v1"  # never reached: refused before
    settings.OPENAI_BATCH_SIZE = 1
    settings.MAX_LLM_CALLS_PER_RUN = 2

    response = api.post("/score/", {"offer_id": offer.id}, format="json")

    assert response.status_code == 400
    assert errors_of(response) == [("too_many_llm_calls", None)]
    assert "3 LLM requests, more than the 2 allowed" in response.json()["errors"][0]["detail"]
    assert not ScoringRun.objects.exists()
