"""The end of a run: recorded once, whichever worker gets there first, then announced to its
callback."""

from __future__ import annotations

import logging

from django.utils import timezone

from scoring.deliveries import callback_after_finish
from scoring.models import ScoringChunk, ScoringRun
from scoring.outcome import AiCounts

logger = logging.getLogger(__name__)


def run_finish(
    run: ScoringRun,
    status: str,
    *,
    error: str = "",
    warnings: list[str] | None = None,
    only_from: tuple[str, ...] = (ScoringRun.Status.QUEUED, ScoringRun.Status.RUNNING),
) -> bool:
    """End `run` with `status` unless it has left `only_from` meanwhile; return whether this
    call ended it (then its callback is delivered and the run logged).

    `run` is re-read either way.
    """
    # Conditional: a run is finished once, whichever worker gets there first.
    finished = ScoringRun.objects.filter(pk=run.pk, status__in=only_from).update(
        status=status, error=error, warnings=warnings or [], finished_at=timezone.now()
    )
    run.refresh_from_db()
    if not finished:
        return False
    callback_after_finish(run)
    logger.log(
        logging.WARNING if run.warnings else logging.INFO,
        "scoring run %s %s: %s/%s scored (%s answered by %s, %s cached, %s fallbacks), %s failed%s",
        run.pk,
        status,
        run.scored,
        run.total,
        run.answered,
        run.provider,
        run.cached,
        run.fallbacks,
        run.failed,
        "; " + " ".join(run.warnings) if run.warnings else "",
    )
    return True


def run_complete_if_done(run: ScoringRun) -> None:
    """Mark `run` completed, with its warnings, once all its chunks are done."""
    if not run.chunks.exclude(status=ScoringChunk.Status.DONE).exists():
        run.refresh_from_db(fields=["scored", "cached", "fallbacks"])
        counts = AiCounts(answered=run.answered, cached=run.cached, fallbacks=run.fallbacks)
        run_finish(
            run,
            ScoringRun.Status.COMPLETED,
            only_from=(ScoringRun.Status.RUNNING,),
            warnings=counts.warnings(),
        )
