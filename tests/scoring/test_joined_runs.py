"""POST /score/ while a run over the same offer and leads is active: the caller joins it only
when that run will notify the caller's callback; otherwise 409 names the run."""

from __future__ import annotations

import pytest

from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.models import ScoringRun
from scoring.runs import Callback, run_create
from tests.factories import LeadFactory

HOOK = "http://127.0.0.1:9/hook"
SECRET = "s" * 16


@pytest.fixture
def active_run(settings, workspace, offer, upload):
    """A queued run over every lead of the workspace, notifying HOOK."""
    settings.AI_PROVIDER = "heuristic"
    settings.CALLBACK_ALLOW_PRIVATE = True
    LeadFactory.create_batch(2, upload=upload)
    run, _ = run_create(
        workspace=workspace,
        offer=offer,
        classifier=HeuristicClassifier(),
        callback=Callback(HOOK, SECRET),
    )
    return run


def score(api, offer, **fields):
    return api.post("/score/", {"offer_id": offer.id, **fields}, format="json")


def test_a_caller_with_another_callback_gets_409_naming_the_active_run(api, offer, active_run):
    response = score(api, offer, callback_url="http://127.0.0.1:9/other", callback_secret=SECRET)

    assert response.status_code == 409
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "run_in_progress",
                "detail": f"Run {active_run.id} over the same offer and leads is already queued "
                "and will not notify this callback_url: follow it at "
                f'/score/runs/{active_run.id}/, or send "rescore": true to start a run of '
                "your own that will.",
                "attr": None,
            }
        ],
    }
    assert ScoringRun.objects.count() == 1


def test_a_caller_with_the_same_callback_but_another_secret_gets_409(api, offer, active_run):
    response = score(api, offer, callback_url=HOOK, callback_secret="t" * 16)

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "run_in_progress"


def test_a_caller_with_the_same_callback_and_secret_joins_the_run(api, offer, active_run):
    response = score(api, offer, callback_url=HOOK, callback_secret=SECRET)

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["callback_url"]) == (active_run.id, HOOK)


def test_a_caller_without_a_callback_joins_the_run(api, offer, active_run):
    response = score(api, offer)

    assert response.status_code == 200
    assert response.json()["id"] == active_run.id


def test_a_callback_joining_a_run_without_one_gets_409(api, settings, workspace, offer, upload):
    settings.AI_PROVIDER = "heuristic"
    settings.CALLBACK_ALLOW_PRIVATE = True
    LeadFactory(upload=upload)
    run, _ = run_create(workspace=workspace, offer=offer, classifier=HeuristicClassifier())

    response = score(api, offer, callback_url=HOOK, callback_secret=SECRET)

    assert response.status_code == 409
    assert f"Run {run.id} " in response.json()["errors"][0]["detail"]
