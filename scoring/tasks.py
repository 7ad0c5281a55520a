"""Celery entry points of background scoring: load by id, call the service, nothing else."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import connections

from scoring.classifiers import PROVIDERS, get_classifier
from scoring.models import ScoringChunk, ScoringRun
from scoring.services import (
    callback_deliver,
    callback_retry_useful,
    chunk_score,
    requeue_stale_chunks,
)

logger = logging.getLogger(__name__)

# Exponential backoff of callback deliveries: 30 s, 1, 2, 4, 8 min.
CALLBACK_RETRIES = 5


@shared_task(name="scoring.tasks.score_chunk")
def score_chunk(chunk_id: int) -> None:
    """Score one chunk of a background run (idempotent: redelivery is harmless)."""
    chunk = ScoringChunk.objects.filter(pk=chunk_id).select_related("run").first()
    if chunk is None:
        return  # the run was discarded or deleted
    provider = chunk.run.provider if chunk.run.provider in PROVIDERS else None
    chunk_score(chunk=chunk, classifier=get_classifier(provider))


@shared_task(name="scoring.tasks.requeue_stale_chunks")
def requeue_stale_chunks_task() -> int:
    """Give the chunks of runs that stopped moving to live workers (run by celery beat)."""
    return requeue_stale_chunks()


@shared_task(name="scoring.tasks.deliver_callback", bind=True, max_retries=CALLBACK_RETRIES)
def deliver_callback(self: object, run_id: int) -> None:
    """POST a finished run to its callback URL, retrying with backoff until it is accepted
    (never once the address is refused)."""
    run = ScoringRun.objects.filter(pk=run_id).first()
    if run is None or not run.callback_url:
        return
    if not callback_deliver(run=run) and callback_retry_useful(run):
        retries = self.request.retries  # type: ignore[attr-defined]
        if retries < CALLBACK_RETRIES:
            raise self.retry(countdown=30 * 2**retries)  # type: ignore[attr-defined]


@worker_ready.connect
def _sweep_on_start(**kwargs: object) -> None:
    # A worker that starts after others died re-queues their stale chunks at once: here,
    # not as a task that would wait behind the chunks already queued.
    try:
        requeue_stale_chunks()
    except Exception:
        logger.exception("the start-up sweep failed; celery beat will retry")
    finally:
        connections.close_all()
