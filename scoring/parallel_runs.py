"""In-process runs on every core: chunks scored by scoring processes (scoring/parallel.py)
while this process reads the next chunk's leads and writes the previous chunk's results.

One core cannot score and store fast enough (pure scoring alone is ~40k leads/s with the
heuristic); this pipeline keeps each step of chunks.run_execute's contract: chunks taken, stored and
counted once each and in order, a cancelled run stops taking chunks, a classifier error fails
the run, and the results are byte-identical to those of scoring in-process (the same code
turns scores into result parts, see scoring/result_parts.py).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, connections

from scoring import parallel
from scoring.chunks import ScoredChunk, chunk_commit, chunk_leads, chunk_take
from scoring.classifiers.base import Classifier, ClassifierError
from scoring.composition import Thresholds
from scoring.facts import OfferFacts
from scoring.models import ScoringChunk, ScoringRun
from scoring.offer_inputs import offer_facts, run_thresholds
from scoring.result_parts import ResultPart
from scoring.run_end import run_finish

logger = logging.getLogger(__name__)


def uses_processes(*, run: ScoringRun, leads: int, classifier: Classifier) -> bool:
    """Return whether `run`, with `leads` left to score, is scored by scoring processes: an
    in-process run (not a background one) of at least SCORING_PROCESSES_MIN_LEADS leads, with
    a classifier whose work is pure CPU (`cpu_bound`), in a process that may have children."""
    return (
        settings.SCORING_PROCESSES > 1
        and leads >= settings.SCORING_PROCESSES_MIN_LEADS
        and bool(getattr(classifier, "cpu_bound", False))
        and not run.background
        and parallel.may_have_children()
    )


def execute_parallel(
    *, run: ScoringRun, chunks: Iterable[ScoringChunk], classifier: Classifier
) -> bool:
    """Score and store `chunks` of `run` (those not done, in order) with scoring processes, as
    run_execute does chunk by chunk; return False, having done nothing, when the run is not
    for them (see `uses_processes`) or they cannot start here (then run_execute scores it).

    Chunks already taken when the run is cancelled are finished and counted; none is taken
    after. A ClassifierError fails the run (and returns True: the caller reads the run); any
    other error fails it too and is raised. A scoring process that dies has its chunks scored
    here instead.
    """
    chunks = list(chunks)
    leads = sum(chunk.size for chunk in chunks)
    if not uses_processes(run=run, leads=leads, classifier=classifier):
        return False
    executor = parallel.pool(settings.SCORING_PROCESSES, preload=[type(classifier).__module__])
    if executor is None:
        return False
    _Pipeline(executor, classifier, chunks).run()
    return True


@dataclass
class _InFlight:
    """A chunk taken, its leads read and sent to be scored."""

    chunk: ScoringChunk
    run: ScoringRun
    offer: OfferFacts
    thresholds: Thresholds
    lead_pks: list[int]
    values: list[tuple]
    future: Future[list[ResultPart]] | None  # None: to be scored here (the pool broke)


class _Pipeline:
    def __init__(
        self, executor: ProcessPoolExecutor, classifier: Classifier, chunks: list[ScoringChunk]
    ) -> None:
        self.executor = executor
        self.classifier = classifier
        self.pending = iter(chunks)
        # Chunks sent ahead: one per process, and one more to keep them busy while this
        # process stores a result.
        self.depth = settings.SCORING_PROCESSES + 1
        self.window: deque[_InFlight] = deque()
        self.taking = True
        # On PostgreSQL (outside a transaction, whose rows a second connection could not see),
        # results are committed by a thread with its own connection, as run_execute does:
        # this process waits on the database less and reads the next chunk meanwhile.
        self.writer: ThreadPoolExecutor | None = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-writer")
        self.committing: Future[bool] | None = None

    def run(self) -> None:
        try:
            self._run()
            self._committed()
        finally:
            if self.writer is not None:
                # After the last commit: the writer runs its tasks in order.
                self.writer.submit(connections.close_all).result()
                self.writer.shutdown()

    def _run(self) -> None:
        while self.taking and len(self.window) < self.depth:
            self._take_next()
        while self.window:
            item = self.window.popleft()
            if self.taking:
                self._take_next()
            try:
                parts = self._parts(item)
            except ClassifierError as exc:
                self._abandon()
                run_finish(item.run, ScoringRun.Status.FAILED, error=exc.message)
                return
            except Exception:
                self._abandon()
                logger.exception("scoring run %s chunk %s failed", item.run.pk, item.chunk.index)
                run_finish(
                    item.run,
                    ScoringRun.Status.FAILED,
                    error="Internal error while scoring; logged.",
                )
                raise
            self._commit(item, parts)

    def _take_next(self) -> None:
        """Take the next chunk not done and send it to be scored; stop taking at the end, or
        when the run is over (cancelled, failed, erased)."""
        for chunk in self.pending:
            run = chunk_take(chunk)
            if run is True:
                continue  # done already
            if run is False:
                break
            # No lease heartbeat: the sweeper never requeues an in-process run's chunks.
            offer, cuts = offer_facts(run.offer), run_thresholds(run)
            lead_pks, values = chunk_leads(run, chunk.ids())
            future = parallel.submit(self.executor, offer, cuts, self.classifier, values)
            self.window.append(_InFlight(chunk, run, offer, cuts, lead_pks, values, future))
            return
        self.taking = False

    def _parts(self, item: _InFlight) -> list[ResultPart]:
        if item.future is not None:
            try:
                return item.future.result()
            except BrokenProcessPool:
                logger.warning(
                    "a scoring process died; scoring run %s chunk %s in-process",
                    item.run.pk,
                    item.chunk.index,
                )
                parallel.discard(self.executor)
        return parallel.score_parts(item.offer, item.thresholds, self.classifier, item.values)

    def _commit(self, item: _InFlight, parts: list[ResultPart]) -> None:
        scored = ScoredChunk(item.run, item.lead_pks, parts)
        if self.writer is None:
            chunk_commit(item.chunk, scored)
            return
        self._committed()  # one chunk waits at most: its errors surface, memory stays flat
        self.committing = self.writer.submit(chunk_commit, item.chunk, scored)

    def _committed(self) -> None:
        """Wait until the chunk handed to the writer last is committed; raise its error."""
        committing, self.committing = self.committing, None
        if committing is not None:
            committing.result()

    def _abandon(self) -> None:
        """Stop: take no chunk, and drop those sent (they are never stored)."""
        self.taking = False
        for item in self.window:
            if item.future is not None:
                item.future.cancel()
        self.window.clear()
