"""Celery entry points of background scoring: load by id, call the service, nothing else;
and the sweeper that every worker runs beside them."""

from __future__ import annotations

import logging
import threading
import time

from celery import shared_task
from celery.signals import worker_process_shutdown, worker_ready
from django.conf import settings
from django.db import connections

from scoring.chunks import chunk_score_overlapped, chunk_writes_flush
from scoring.classifiers.factory import PROVIDERS, get_classifier
from scoring.deliveries import callback_deliver, callback_retry_useful
from scoring.dispatch import DELIVER_CALLBACK, SCORE_CHUNK
from scoring.models import ScoringChunk, ScoringRun
from scoring.sweeper import requeue_stale_chunks

logger = logging.getLogger(__name__)

# Exponential backoff of callback deliveries: 30 s, 1, 2, 4, 8 min.
CALLBACK_RETRIES = 5


@shared_task(name=SCORE_CHUNK)
def score_chunk(chunk_id: int) -> None:
    """Score one chunk of a background run (idempotent: redelivery is harmless).

    Its results are written while the worker takes its next chunk; the chunk's lease covers
    them until they are committed.
    """
    chunk = ScoringChunk.objects.filter(pk=chunk_id).select_related("run").first()
    if chunk is None:
        return  # the run was discarded or deleted
    provider = chunk.run.provider if chunk.run.provider in PROVIDERS else None
    chunk_score_overlapped(chunk=chunk, classifier=get_classifier(provider))


@shared_task(name=DELIVER_CALLBACK, bind=True, max_retries=CALLBACK_RETRIES)
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


@worker_process_shutdown.connect
def _flush_writes(**kwargs: object) -> None:
    # A pool process stopping (warm shutdown, max tasks) writes the chunk it scored last.
    chunk_writes_flush()


@worker_ready.connect
def _start_sweeper(**kwargs: object) -> None:
    # Every worker sweeps, in a thread of its main process, at once and then every
    # SWEEP_SECONDS: chunks whose worker died are queued again as soon as their lease runs out
    # (CHUNK_STALE_SECONDS), whichever workers are left. Not a queued task: it would wait
    # behind the chunks. Sweeps of several workers claim each chunk once.
    threading.Thread(target=_sweep_forever, name="chunk-sweeper", daemon=True).start()


def _sweep_forever() -> None:
    while True:
        try:
            requeue_stale_chunks()
        except Exception:
            logger.exception("sweeping stale chunks failed; trying again")
            connections.close_all()
        time.sleep(settings.SWEEP_SECONDS)
