"""The Celery workers the tests start (tests/scoring/workers.py): tests running at once share
one Redis database, never each other's unacknowledged messages."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from scoring import dispatch, runs
from scoring.models import ScoringChunk, ScoringRun
from tests.factories import LeadFactory
from tests.scoring import slow_classifier
from tests.scoring.workers import (
    REDIS_URL,
    VISIBILITY_TIMEOUT,
    Worker,
    celery_publishing_to,
    forget_queue,
    queued_tasks,
    redis_or_skip,
    wait_for,
)

# No lease runs out within the test: only Redis's redelivery can bring a message back.
NO_SWEEPS = {"LEADSCORING_CHUNK_STALE_SECONDS": "900"}
RUNNING = ScoringChunk.Status.RUNNING
DONE = ScoringChunk.Status.DONE


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis_or_skip()
    yield client
    client.close()


@pytest.fixture
def queues(redis_client) -> Iterator[tuple[str, str]]:
    """Two queues: this test's, and another test's (both removed after)."""
    names = (f"test-{uuid.uuid4().hex}", f"test-{uuid.uuid4().hex}")
    yield names
    for name in names:
        forget_queue(redis_client, name)


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    """Workers to start in the test; all stopped after."""
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def start(workers: list[Worker], queue: str, log: Path, **env: str) -> Worker:
    worker = Worker(broker_url=REDIS_URL, queue=queue, log=log, env=env)
    workers.append(worker.start())
    return worker


@pytest.mark.django_db(transaction=True)
def test_a_worker_hands_back_a_dead_worker_s_message_of_its_own_queue_only(
    settings, workspace, offer, upload, monkeypatch, queues, workers, redis_client, tmp_path
):
    settings.CELERY_BROKER_URL = REDIS_URL
    monkeypatch.setattr(runs, "CHUNK_SIZE", 20)
    LeadFactory.create_batch(20, upload=upload)  # one chunk of 1 s
    run, _ = runs.run_create(
        workspace=workspace,
        offer=offer,
        classifier=slow_classifier.SlowClassifier(),
        background=True,
    )
    chunk = run.chunks.get()
    mine, theirs = queues
    slow = {"LEADSCORING_AI_PROVIDER": slow_classifier.PATH, **NO_SWEEPS}
    doomed = start(workers, mine, tmp_path / "doomed.log", **slow)
    with celery_publishing_to(REDIS_URL, mine):
        dispatch.queue_chunks([chunk.pk])
    wait_for(
        lambda: ScoringChunk.objects.filter(pk=chunk.pk, status=RUNNING).exists(),
        what="the worker to take the chunk",
        workers=[doomed],
    )
    doomed.kill()  # its message is left unacknowledged
    chunk.refresh_from_db()
    # Older than the visibility timeout of the tests' workers: any of them would hand it back.
    handed_over = chunk.heartbeat_at + timedelta(seconds=VISIBILITY_TIMEOUT + 0.5)
    time.sleep(max(0.0, (handed_over - timezone.now()).total_seconds()))

    # A worker of another test starts, and so has looked for messages to hand back, once it
    # takes a message of its own queue.
    other = start(workers, theirs, tmp_path / "other.log", **NO_SWEEPS)
    with celery_publishing_to(REDIS_URL, theirs):
        dispatch.queue_chunk(0)  # no such chunk: taken, then ignored
    wait_for(
        lambda: not queued_tasks(redis_client, theirs),
        what="the other test's worker to take its message",
        workers=[other],
    )

    assert queued_tasks(redis_client, mine) == []

    # A worker of this test's queue hands it back, and scores the chunk again.
    survivor = start(workers, mine, tmp_path / "survivor.log", **slow)

    wait_for(
        lambda: ScoringRun.objects.filter(pk=run.pk, status=ScoringRun.Status.COMPLETED).exists(),
        what="the run to end",
        workers=[survivor],
    )
    chunk.refresh_from_db()
    assert (chunk.status, chunk.attempts) == (DONE, 2)
