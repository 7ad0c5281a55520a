"""Background runs on real Celery workers and Redis: queueing, crashes, cancelling, callbacks
and the sweeper of stale chunks."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import redis
from django.db import connections
from django.db.models import Max, Sum
from django.utils import timezone

from scoring import runs
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.models import ScoreResult, ScoringChunk, ScoringRun
from scoring.rules import RULES_VERSION
from scoring.sweeper import requeue_stale_chunks
from tests.clients import APIClient
from tests.factories import LeadFactory
from tests.scoring import slow_classifier
from tests.scoring.workers import (
    CHUNK_STALE_SECONDS,
    DEAD_BROKER_URL,
    REDIS_URL,
    GaveUp,
    Receiver,
    Worker,
    assert_steady,
    celery_publishing_to,
    forget_queue,
    queued_tasks,
    redis_or_skip,
    wait_for,
)
from workspaces.services import api_key_create

SLOW = slow_classifier.PATH
SECRET = "callback-secret-for-tests"
RUNNING = ScoringChunk.Status.RUNNING
DONE = ScoringChunk.Status.DONE


@dataclass(frozen=True)
class Broker:
    url: str
    queue: str
    redis: redis.Redis


@pytest.fixture(autouse=True)
def heuristic_provider(settings):
    settings.AI_PROVIDER = "heuristic"


@pytest.fixture
def broker(settings):
    """Redis as the broker of this process, with a queue of this test's own (removed after)."""
    client = redis_or_skip()
    queue = f"test-{uuid.uuid4().hex}"
    settings.CELERY_BROKER_URL = REDIS_URL
    try:
        with celery_publishing_to(REDIS_URL, queue):
            yield Broker(url=REDIS_URL, queue=queue, redis=client)
    finally:
        forget_queue(client, queue)
        client.close()


@pytest.fixture
def dead_broker(settings):
    """A broker URL where nothing listens: background mode, with the queue down."""
    settings.CELERY_BROKER_URL = DEAD_BROKER_URL
    with celery_publishing_to(DEAD_BROKER_URL, f"test-{uuid.uuid4().hex}"):
        yield


@pytest.fixture
def start_worker(transactional_db, broker, tmp_path):
    """Start a worker on the test's queue and database: `start_worker(**extra_env)`."""
    workers: list[Worker] = []

    def start(**env: str) -> Worker:
        log = tmp_path / f"worker-{len(workers) + 1}.log"
        worker = Worker(broker_url=broker.url, queue=broker.queue, log=log, env=env)
        workers.append(worker.start())
        return worker

    yield start
    for worker in workers:
        worker.stop()


def client_for(workspace) -> APIClient:
    _, key = api_key_create(workspace_name=workspace.name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def run_body(run_id: int, offer, body: dict, **expected: object) -> dict:
    """The whole body of a background heuristic run; timestamps are taken from `body`."""
    whole = {
        "id": run_id,
        "offer_id": offer.id,
        "scope": {},
        "status": "queued",
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
        "percent": 0.0,
        "eta_seconds": None,
        "error": "",
        "background": True,
        "callback_url": "",
        "callback_status": "",
        "callback_attempts": 0,
        "callback_error": "",
        "created_at": body["created_at"],
        "started_at": body["started_at"],
        "finished_at": body["finished_at"],
        "duration_seconds": body["duration_seconds"],
        "results_url": f"/results/?run_id={run_id}",
        **expected,
    }
    # The heuristic answers every lead it scores itself: no cache, no fallback, no warning.
    whole["answered"] = whole["scored"] - whole["cached"] - whole["fallbacks"]
    whole.setdefault("warnings", [])
    return whole


def run_over(api: APIClient, run_id: int) -> dict | None:
    """GET the run; return its body once it has ended, else None."""
    body = api.get(f"/score/runs/{run_id}/").json()
    return None if body["status"] in ("queued", "running") else body


def callback_settled(api: APIClient, run_id: int) -> dict | None:
    """GET the run; return its body once its callback was attempted, else None."""
    body = api.get(f"/score/runs/{run_id}/").json()
    return body if body["callback_status"] in ("delivered", "failed") else None


def last_sign_of_life(run: ScoringRun) -> datetime:
    """When a worker last touched the run: took or finished one of its chunks."""
    run.refresh_from_db()
    times = run.chunks.aggregate(taken=Max("heartbeat_at"), finished=Max("finished_at"))
    return max(t for t in [run.created_at, run.started_at, *times.values()] if t is not None)


def score(api: APIClient, offer, **extra: object):
    return api.post("/score/", {"offer_id": offer.id, **extra}, format="json")


@pytest.mark.django_db(transaction=True)
def test_a_worker_completes_a_queued_run(api, offer, upload, start_worker, monkeypatch):
    monkeypatch.setattr(runs, "CHUNK_SIZE", 5)
    leads = LeadFactory.create_batch(12, upload=upload)
    worker = start_worker()

    response = score(api, offer)

    assert response.status_code == 202
    body = response.json()
    run_id = body["id"]
    assert response["Location"] == f"/score/runs/{run_id}/"
    assert body == run_body(
        run_id, offer, body, total=12, started_at=None, finished_at=None, duration_seconds=None
    )
    final = wait_for(lambda: run_over(api, run_id), what="the run to end", workers=[worker])
    assert final == run_body(
        run_id, offer, final, status="completed", total=12, scored=12, percent=100.0
    )
    assert final["started_at"] <= final["finished_at"]
    results = list(ScoreResult.objects.values_list("lead_id", "run_id"))
    assert sorted(results) == [(lead.id, run_id) for lead in leads]


@pytest.mark.django_db(transaction=True)
def test_a_run_survives_its_worker_being_killed_mid_chunk(
    api, settings, offer, upload, start_worker, monkeypatch
):
    settings.AI_PROVIDER = SLOW
    monkeypatch.setattr(runs, "CHUNK_SIZE", 10)
    leads = LeadFactory.create_batch(40, upload=upload)  # 4 chunks of 500 ms
    first = start_worker(LEADSCORING_AI_PROVIDER=SLOW)
    run = ScoringRun.objects.get(pk=score(api, offer).json()["id"])

    def mid_chunk() -> bool:
        chunks = list(run.chunks.values_list("status", "heartbeat_at"))
        done = sum(status == DONE for status, _ in chunks)
        if done == len(chunks):
            raise GaveUp("the run ended before a kill could land mid-chunk")
        # Taken a moment ago, so the kill surely lands before the chunk is stored.
        just_taken = timezone.now() - timedelta(seconds=0.2)
        taken = any(status == RUNNING and at > just_taken for status, at in chunks)
        return 0 < done < len(chunks) and taken

    wait_for(mid_chunk, what="a chunk in progress after others are done", workers=[first])
    first.kill()
    orphans = list(run.chunks.filter(status=RUNNING).values_list("pk", flat=True))
    assert len(orphans) == 1
    # A starting worker sweeps at once, taking back chunks silent for CHUNK_STALE_SECONDS:
    # start the new one when the dead worker's chunk has been silent that long.
    wait_for(
        lambda: (
            timezone.now() - last_sign_of_life(run) > timedelta(seconds=CHUNK_STALE_SECONDS + 0.2)
        ),
        what="the dead worker's chunk to turn stale",
    )
    second = start_worker(LEADSCORING_AI_PROVIDER=SLOW)

    final = wait_for(lambda: run_over(api, run.id), what="the run to end", workers=[second])

    assert final["status"] == "completed"
    run.refresh_from_db()
    assert run.scored == run.total == 40
    lead_ids = list(ScoreResult.objects.filter(offer=offer).values_list("lead_id", flat=True))
    assert sorted(lead_ids) == [lead.id for lead in leads]  # each lead once, none missing
    chunks = run.chunks.all()
    assert {chunk.status for chunk in chunks} == {DONE}
    assert chunks.aggregate(total=Sum("scored"))["total"] == run.scored  # none counted twice
    assert ScoringChunk.objects.get(pk=orphans[0]).attempts >= 2


# The application's defaults (leadscoring/settings.py), which the SIGKILL test runs with: a
# lease of 10 s, sweeps every 2 s, and Redis's redelivery of unacknowledged messages after 15
# minutes, so that only the lease can bring the dead worker's chunk back. (Workers of other
# tests, redelivering after 3 s, never see this test's messages: see tests/settings.py.)
DEFAULT_RECOVERY = {
    "LEADSCORING_CHUNK_STALE_SECONDS": "10",
    "LEADSCORING_SWEEP_SECONDS": "2",
    "LEADSCORING_VISIBILITY_TIMEOUT": "900",
}
LEASE = timedelta(seconds=10)


@pytest.mark.django_db(transaction=True)
def test_a_chunk_of_a_worker_killed_mid_chunk_is_redone_once_its_lease_runs_out(
    api, settings, offer, upload, start_worker, monkeypatch
):
    settings.AI_PROVIDER = SLOW
    monkeypatch.setattr(runs, "CHUNK_SIZE", 10)
    leads = LeadFactory.create_batch(60, upload=upload)  # 6 chunks of 500 ms
    doomed = start_worker(LEADSCORING_AI_PROVIDER=SLOW, **DEFAULT_RECOVERY)
    run = ScoringRun.objects.get(pk=score(api, offer).json()["id"])

    def just_taken() -> ScoringChunk | None:
        recent = timezone.now() - timedelta(seconds=0.2)
        return run.chunks.filter(status=RUNNING, heartbeat_at__gt=recent).first()

    orphan = wait_for(just_taken, what="the worker to take a chunk", workers=[doomed])
    doomed.kill()
    killed_at = timezone.now()
    orphan.refresh_from_db()
    lease_at_kill = orphan.heartbeat_at
    survivor = start_worker(LEADSCORING_AI_PROVIDER=SLOW, **DEFAULT_RECOVERY)

    final = wait_for(lambda: run_over(api, run.id), what="the run to end", workers=[survivor])

    assert final["status"] == "completed"
    lead_ids = list(ScoreResult.objects.filter(offer=offer).values_list("lead_id", flat=True))
    assert sorted(lead_ids) == [lead.id for lead in leads]  # each lead exactly once
    run.refresh_from_db()
    assert run.scored == run.total == 60
    orphan.refresh_from_db()
    assert orphan.status == DONE
    assert orphan.attempts == 2
    # Taken again by the survivor's sweeper when its lease ran out, not before, nor by the
    # broker's redelivery (15 minutes away)...
    assert orphan.finished_at >= lease_at_kill + LEASE
    # ...and within seconds: the lease, a sweep, the other chunks (3 s of scoring), and room
    # for a loaded CI machine.
    assert orphan.finished_at - killed_at < timedelta(seconds=45)


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_run_stops_its_chunks(
    api, settings, offer, upload, start_worker, monkeypatch
):
    settings.AI_PROVIDER = SLOW
    monkeypatch.setattr(runs, "CHUNK_SIZE", 5)
    LeadFactory.create_batch(40, upload=upload)
    worker = start_worker(LEADSCORING_AI_PROVIDER=SLOW)
    run = ScoringRun.objects.get(pk=score(api, offer).json()["id"])
    wait_for(
        lambda: run.chunks.filter(status=DONE).exists(),
        what="a first chunk to finish",
        workers=[worker],
    )

    response = api.post(f"/score/runs/{run.id}/cancel/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"]) == (run.id, "cancelled")
    # The chunk in progress when the run was cancelled may still be stored; none starts after.
    wait_for(
        lambda: (
            not run.chunks.filter(status=RUNNING).exists()
            and timezone.now() - last_sign_of_life(run) > timedelta(seconds=0.5)
        ),
        what="the chunk in progress to settle",
        workers=[worker],
    )

    def progress() -> tuple[list, int]:
        run.refresh_from_db()
        return list(run.chunks.values_list("index", "status", "scored")), run.scored

    chunks, scored = assert_steady(progress, seconds=1.5)  # 6 chunks' time: none moves
    worker.check()
    assert run.status == "cancelled"
    assert 0 < scored < run.total
    assert scored == sum(chunk_scored for _, _, chunk_scored in chunks)
    assert ScoreResult.objects.filter(run=run).count() == scored

    again = api.post(f"/score/runs/{run.id}/cancel/")

    assert again.status_code == 409
    assert again.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "conflict",
                "detail": f"Run {run.id} has already ended (cancelled).",
                "attr": None,
            }
        ],
    }


@pytest.mark.django_db
def test_score_answers_503_and_creates_nothing_when_the_broker_is_down(
    api, offer, upload, dead_broker
):
    LeadFactory.create_batch(3, upload=upload)
    api.raise_request_exception = False  # a 5xx is reported like a crash; answer it instead
    started = time.monotonic()

    response = score(api, offer)

    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert response.json() == {
        "type": "server_error",
        "errors": [
            {
                "code": "service_unavailable",
                "detail": "The task queue (Redis) is unreachable, so the run cannot be queued; "
                "nothing was created. Try again shortly.",
                "attr": None,
            }
        ],
    }
    assert not ScoringRun.objects.exists()
    assert not ScoringChunk.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_the_same_leads_share_one_run(workspace, offer, upload, broker):
    LeadFactory.create_batch(6, upload=upload)
    clients = [client_for(workspace), client_for(workspace)]
    barrier = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)
    errors: list[BaseException] = []

    def post(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            answers[index] = score(clients[index], offer)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert [answer.status_code for answer in answers] == [202, 202]
    run = ScoringRun.objects.get()
    assert [answer.json()["id"] for answer in answers] == [run.id, run.id]
    assert [answer["Location"] for answer in answers] == [f"/score/runs/{run.id}/"] * 2
    chunk = run.chunks.get()
    assert queued_tasks(broker.redis, broker.queue) == [("scoring.tasks.score_chunk", [chunk.id])]


@pytest.mark.django_db(transaction=True)
def test_rescore_starts_a_second_run_beside_the_active_one(api, offer, upload, broker):
    LeadFactory.create_batch(3, upload=upload)
    first = score(api, offer)

    second = score(api, offer, rescore=True)

    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] != second.json()["id"]
    runs = ScoringRun.objects.order_by("id")
    assert [(r.id, r.status) for r in runs] == [
        (first.json()["id"], "queued"),
        (second.json()["id"], "queued"),
    ]
    chunk_ids = [run.chunks.get().id for run in runs]
    assert queued_tasks(broker.redis, broker.queue) == [
        ("scoring.tasks.score_chunk", [chunk_id]) for chunk_id in chunk_ids
    ]


@pytest.mark.django_db
def test_dry_run_estimates_without_a_run_or_the_broker(api, settings, offer, upload, dead_broker):
    LeadFactory.create_batch(4, upload=upload)

    response = score(api, offer, dry_run=True)

    assert response.status_code == 200
    assert response.json() == {
        "dry_run": True,
        "offer_id": offer.id,
        "provider": "heuristic",
        "model": HeuristicClassifier.model,
        "leads": 4,
        "cached": 0,
        "llm_calls": 0,
        "estimated_tokens": 0,
        "max_llm_calls": settings.MAX_LLM_CALLS_PER_RUN,
    }
    assert not ScoringRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_finished_run_is_posted_signed_to_its_callback_url(
    api, settings, offer, upload, start_worker
):
    settings.CALLBACK_ALLOW_PRIVATE = True
    LeadFactory.create_batch(3, upload=upload)
    worker = start_worker(LEADSCORING_CALLBACK_ALLOW_PRIVATE="true")
    with Receiver() as receiver:
        response = score(api, offer, callback_url=receiver.url, callback_secret=SECRET)
        assert response.status_code == 202
        run_id = response.json()["id"]
        assert response.json()["callback_status"] == "pending"

        final = wait_for(
            lambda: callback_settled(api, run_id), what="the callback", workers=[worker]
        )

    assert final == run_body(
        run_id,
        offer,
        final,
        status="completed",
        total=3,
        scored=3,
        percent=100.0,
        callback_url=receiver.url,
        callback_status="delivered",
        callback_attempts=1,
    )
    [(headers, raw)] = receiver.requests
    # The run as it was when POSTed: its callback not yet attempted.
    assert json.loads(raw) == {**final, "callback_status": "pending", "callback_attempts": 0}
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Leadscoring-Signature"], expected)
    assert headers["X-Leadscoring-Event"] == "run.completed"
    assert headers["Content-Type"] == "application/json"


@pytest.mark.django_db(transaction=True)
def test_a_callback_answered_500_is_recorded_as_failed(api, settings, offer, upload, start_worker):
    settings.CALLBACK_ALLOW_PRIVATE = True
    LeadFactory.create_batch(2, upload=upload)
    worker = start_worker(LEADSCORING_CALLBACK_ALLOW_PRIVATE="true")
    with Receiver(status=500) as receiver:
        run_id = score(api, offer, callback_url=receiver.url, callback_secret=SECRET).json()["id"]

        final = wait_for(
            lambda: callback_settled(api, run_id), what="the callback", workers=[worker]
        )

    assert final["status"] == "completed"
    assert (final["callback_status"], final["callback_attempts"], final["callback_error"]) == (
        "failed",
        1,
        "the receiver answered HTTP 500.",
    )
    assert len(receiver.requests) == 1  # the next try waits 30 s


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:8000/hooks", "127.0.0.1"),
        ("http://localhost/hooks", "localhost"),
        ("http://10.1.2.3/hooks", "10.1.2.3"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]:8000/hooks", "::1"),
    ],
)
@pytest.mark.django_db
def test_a_callback_url_to_a_private_address_is_refused(
    api, settings, offer, upload, dead_broker, url, host
):
    settings.CALLBACK_ALLOW_PRIVATE = False
    LeadFactory.create_batch(1, upload=upload)

    response = score(api, offer, callback_url=url, callback_secret=SECRET)

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "invalid",
                "detail": f"callback host {host!r} is a private or reserved address.",
                "attr": "callback_url",
            }
        ],
    }
    assert not ScoringRun.objects.exists()


def background_run(workspace, offer, upload, monkeypatch, *, leads: int) -> ScoringRun:
    """A queued background run over `leads` new leads, two per chunk (nothing queued)."""
    monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
    LeadFactory.create_batch(leads, upload=upload)
    run, _ = runs.run_create(
        workspace=workspace, offer=offer, classifier=HeuristicClassifier(), background=True
    )
    return run


@pytest.mark.django_db
def test_the_sweeper_requeues_a_chunk_whose_worker_went_silent(
    workspace, offer, upload, broker, settings, monkeypatch
):
    settings.CHUNK_STALE_SECONDS = CHUNK_STALE_SECONDS
    run = background_run(workspace, offer, upload, monkeypatch, leads=4)
    silent, waiting = run.chunks.order_by("index")
    now = timezone.now()
    ScoringRun.objects.filter(pk=run.pk).update(status=ScoringRun.Status.RUNNING, started_at=now)
    ScoringChunk.objects.filter(pk=silent.pk).update(
        status=RUNNING, attempts=1, heartbeat_at=now - timedelta(seconds=CHUNK_STALE_SECONDS + 1)
    )

    assert requeue_stale_chunks(now=now) == 1

    assert queued_tasks(broker.redis, broker.queue) == [("scoring.tasks.score_chunk", [silent.id])]
    silent.refresh_from_db()
    assert silent.heartbeat_at == now  # claimed: the next sweeps wait a full lease
    later = now + timedelta(seconds=CHUNK_STALE_SECONDS - 0.5)
    assert requeue_stale_chunks(now=later) == 0
    waiting.refresh_from_db()
    assert waiting.status == ScoringChunk.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_leaves_alone_a_chunk_a_live_worker_is_scoring(
    api, settings, offer, upload, broker, start_worker
):
    settings.AI_PROVIDER = SLOW
    settings.CHUNK_STALE_SECONDS = CHUNK_STALE_SECONDS
    LeadFactory.create_batch(100, upload=upload)  # one chunk of 5 s
    worker = start_worker(LEADSCORING_AI_PROVIDER=SLOW)
    run = ScoringRun.objects.get(pk=score(api, offer).json()["id"])
    chunk = run.chunks.get()

    def scored_for_longer_than_stale() -> bool:
        run.refresh_from_db()
        chunk.refresh_from_db()
        stale = timezone.now() - timedelta(seconds=CHUNK_STALE_SECONDS + 0.3)
        if chunk.status == DONE:
            raise GaveUp("the chunk ended before the sweep")
        # The run started when its only chunk was taken (its start time is written just after
        # the chunk's status, so it may still be unset at this read).
        started = run.started_at
        return chunk.status == RUNNING and started is not None and started < stale

    wait_for(scored_for_longer_than_stale, what="the chunk to run that long", workers=[worker])
    worker.check()  # alive and working
    # (A worker slow to start may have queued the chunk again in its start-up sweep.)
    queued = queued_tasks(broker.redis, broker.queue)

    requeued = requeue_stale_chunks()

    worker.kill()  # its chunk's outcome does not matter here: no need to wait for it
    assert requeued == 0  # the worker renews the chunk's heartbeat while it scores
    assert queued_tasks(broker.redis, broker.queue) == queued


@pytest.mark.django_db
def test_the_sweeper_requeues_every_chunk_of_a_run_that_stopped_moving(
    workspace, offer, upload, broker, settings, monkeypatch
):
    settings.CHUNK_STALE_SECONDS = CHUNK_STALE_SECONDS
    run = background_run(workspace, offer, upload, monkeypatch, leads=3)
    later = timezone.now() + timedelta(seconds=CHUNK_STALE_SECONDS + 1)

    assert requeue_stale_chunks(now=later) == 2

    chunk_ids = list(run.chunks.order_by("index").values_list("pk", flat=True))
    assert queued_tasks(broker.redis, broker.queue) == [
        ("scoring.tasks.score_chunk", [chunk_id]) for chunk_id in chunk_ids
    ]


@pytest.mark.django_db
def test_the_sweeper_completes_a_run_whose_chunks_are_all_done(
    workspace, offer, upload, broker, settings, monkeypatch
):
    settings.CHUNK_STALE_SECONDS = CHUNK_STALE_SECONDS
    run = background_run(workspace, offer, upload, monkeypatch, leads=4)
    now = timezone.now()
    run.chunks.update(status=DONE, attempts=1, scored=2, heartbeat_at=now, finished_at=now)
    ScoringRun.objects.filter(pk=run.pk).update(
        status=ScoringRun.Status.RUNNING, started_at=now, scored=4
    )

    assert requeue_stale_chunks() == 0

    run.refresh_from_db()
    assert (run.status, run.scored, run.total) == ("completed", 4, 4)
    assert run.finished_at is not None
    assert queued_tasks(broker.redis, broker.queue) == []
