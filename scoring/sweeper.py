"""Recovery of background runs: chunks whose worker died, or whose message was lost, go back
to the queue; runs whose chunks are all done are completed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from scoring import dispatch
from scoring.models import ScoringChunk, ScoringRun
from scoring.run_end import run_complete_if_done

logger = logging.getLogger(__name__)


def requeue_stale_chunks(*, now: datetime | None = None, queue_empty: bool | None = None) -> int:
    """Give back to the workers the chunks of background runs whose lease ran out.

    A worker holds a chunk's lease (heartbeat_at) while it scores it, renewing it every few
    seconds; a chunk whose lease is older than CHUNK_STALE_SECONDS lost its worker (killed,
    out of memory, machine gone) and is queued again. Pending chunks are queued again only when
    their run has not moved for as long and the queue is empty (`queue_empty`, asked of the
    broker when None): their messages were lost, e.g. with a broker restart; a run merely
    waiting behind others is left alone. Runs whose chunks are all done but which were never
    marked completed (a crash in between) are completed. Returns how many chunks were queued.

    Several workers may sweep at once: a chunk is claimed (its lease renewed) before it is
    queued, so only one of them queues it.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.CHUNK_STALE_SECONDS)
    requeued = 0
    active = ScoringRun.objects.filter(
        background=True, status__in=[ScoringRun.Status.QUEUED, ScoringRun.Status.RUNNING]
    )
    for run in active:
        unfinished = run.chunks.exclude(status=ScoringChunk.Status.DONE)
        if not unfinished.exists():
            run_complete_if_done(run)
            continue
        stale = unfinished.filter(status=ScoringChunk.Status.RUNNING, heartbeat_at__lt=cutoff)
        if _run_silent_since(run) < cutoff:
            if queue_empty is None:
                queue_empty = dispatch.queue_empty()
            if queue_empty:
                stale = unfinished.filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=cutoff))
        for chunk_id in list(stale.values_list("pk", flat=True)):
            claimed = (
                ScoringChunk.objects.filter(pk=chunk_id)
                .exclude(status=ScoringChunk.Status.DONE)
                .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=cutoff))
                .update(heartbeat_at=now)
            )
            if claimed:
                dispatch.queue_chunk(chunk_id)
                requeued += 1
    if requeued:
        logger.warning("requeued %s stale chunk(s)", requeued)
    return requeued


def _run_silent_since(run: ScoringRun) -> datetime:
    # When a worker last showed the run a sign of life: took, renewed or finished a chunk.
    times = run.chunks.aggregate(lease=Max("heartbeat_at"), finished=Max("finished_at"))
    return max(t for t in [run.created_at, run.started_at, *times.values()] if t is not None)
