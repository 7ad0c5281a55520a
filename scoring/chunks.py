"""Execution of runs, chunk by chunk: take a chunk, score it (its lease renewed meanwhile),
store its results and count it, once, idempotently; in this process or a worker's."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from leads.selectors import lead_values
from leadscoring.results_cache import results_changed
from scoring import rules
from scoring.answers import cached_answers, remember_answers
from scoring.classifiers.base import Classifier, ClassifierError
from scoring.composition import score_leads
from scoring.facts import LEAD_FIELDS, LeadFacts
from scoring.models import ScoringChunk, ScoringRun
from scoring.offer_inputs import offer_facts, run_thresholds
from scoring.result_parts import AI_PROVIDER, ResultPart, part_counts, result_parts
from scoring.run_end import run_complete_if_done, run_finish
from scoring.storage import upsert_results

logger = logging.getLogger(__name__)


class ScoringFailed(Exception):
    """The run failed as a whole (e.g. the LLM provider rejects the key); it is recorded."""

    def __init__(self, run: ScoringRun) -> None:
        super().__init__(run.error)
        self.run = run


def run_execute(*, run: ScoringRun, classifier: Classifier) -> ScoringRun:
    """Score every chunk of `run` not done yet, in this process, and return the finished run.

    On PostgreSQL and outside a transaction, each chunk's results are written by a second
    thread (with its own database connection) while the next chunk is scored: the database
    works while Python does. Raises ScoringFailed (the run recorded as failed) when the
    classifier fails permanently.
    """
    chunks = run.chunks.exclude(status=ScoringChunk.Status.DONE).order_by("index")
    if connection.in_atomic_block or connection.vendor != "postgresql":
        # One chunk at a time: a second connection could not see this transaction's rows,
        # and SQLite has one writer at a time anyway (measured: the thread only costs there).
        for chunk in chunks:
            if not chunk_score(chunk=chunk, classifier=classifier):
                break
    else:
        _execute_pipelined(run, list(chunks), classifier)
    return run_ended(run)


def run_ended(run: ScoringRun) -> ScoringRun:
    """Return `run` as it ended, re-read; raise ScoringFailed when it failed."""
    run.refresh_from_db()
    if run.status == ScoringRun.Status.FAILED:
        raise ScoringFailed(run)
    return run


def _execute_pipelined(run: ScoringRun, chunks: list[ScoringChunk], classifier: Classifier) -> None:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-writer") as writer:
        pending: Future[bool] | None = None
        try:
            for chunk in chunks:
                scored = _chunk_prepare(chunk, classifier)
                if pending is not None:
                    pending.result()
                    pending = None
                if scored is False:
                    return  # the run is over: failed or cancelled
                if isinstance(scored, ScoredChunk):
                    pending = writer.submit(chunk_commit, chunk, scored)
            if pending is not None:
                pending.result()
        finally:
            writer.submit(connections.close_all).result()


def chunk_score(*, chunk: ScoringChunk, classifier: Classifier) -> bool:
    """Score one chunk and store its results; return False when its run is over (failed or
    cancelled) and the chunk was left alone.

    Idempotent and safe to redo after a crash: results are upserted per (lead, offer), and
    the chunk's counts reach the run once, in the transaction that marks the chunk done.
    Leads deleted meanwhile are counted as failed. A permanent classifier error fails the run.
    """
    scored = _chunk_prepare(chunk, classifier)
    if not isinstance(scored, ScoredChunk):
        return scored
    return chunk_commit(chunk, scored)


def chunk_score_overlapped(*, chunk: ScoringChunk, classifier: Classifier) -> None:
    """Score one chunk, as `chunk_score` does, but leave its results to be written by this
    process's writer thread while the caller goes on (a worker: to its next chunk).

    The chunk's lease is held until its results are committed, so a process that dies with
    results unwritten has the chunk queued again by the sweeper. Errors of the previous
    chunk's commit are logged here (that chunk's lease runs out and it is redone). On SQLite,
    or inside a transaction, this is `chunk_score`: one writer at a time there.
    """
    if connection.in_atomic_block or connection.vendor != "postgresql":
        chunk_score(chunk=chunk, classifier=classifier)
        return
    scored = _chunk_prepare(chunk, classifier)
    _WRITER.wait()
    if isinstance(scored, ScoredChunk):
        _WRITER.submit(chunk, scored)


class _ChunkWriter:
    """One thread, with its own database connection, that commits scored chunks in order."""

    def __init__(self) -> None:
        self.executor: ThreadPoolExecutor | None = None
        self.pending: Future[None] | None = None

    def submit(self, chunk: ScoringChunk, scored: ScoredChunk) -> None:
        if self.executor is None:
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-writer")
        self.pending = self.executor.submit(self._commit, chunk, scored)

    def wait(self) -> None:
        """Wait until the chunk submitted last is committed (or failed, which is logged)."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        try:
            pending.result()
        except Exception:
            logger.exception("writing the results of a chunk failed; it will be redone")

    @staticmethod
    def _commit(chunk: ScoringChunk, scored: ScoredChunk) -> None:
        connections["default"].close_if_unusable_or_obsolete()
        with _Heartbeat(chunk.pk):
            chunk_commit(chunk, scored)


# The writer of this process (a worker's pool process); its last chunk is awaited at shutdown.
_WRITER = _ChunkWriter()


def chunk_writes_flush() -> None:
    """Wait until this process's results are all written (a worker that stops calls it), then
    close the writer's database connection."""
    _WRITER.wait()
    if _WRITER.executor is not None:
        _WRITER.executor.submit(connections.close_all).result()


@dataclass
class ScoredChunk:
    """A chunk's results, computed and waiting to be stored."""

    run: ScoringRun
    lead_pks: list[int]
    parts: list[ResultPart]


def _chunk_prepare(chunk: ScoringChunk, classifier: Classifier) -> ScoredChunk | bool:
    """Take the chunk and score its leads; or return True (done already) / False (run over,
    or erased with its offer or workspace)."""
    run = chunk_take(chunk)
    if isinstance(run, bool):
        return run
    try:
        with _Heartbeat(chunk.pk):
            lead_pks, parts = _score_chunk_leads(run, chunk.ids(), classifier)
    except ClassifierError as exc:
        run_finish(run, ScoringRun.Status.FAILED, error=exc.message)
        return False
    except Exception:
        logger.exception("scoring run %s chunk %s failed", run.pk, chunk.index)
        run_finish(run, ScoringRun.Status.FAILED, error="Internal error while scoring; logged.")
        raise
    return ScoredChunk(run, lead_pks, parts)


def chunk_take(chunk: ScoringChunk) -> ScoringRun | bool:
    """Mark the chunk running and return its run; or return True (done already) / False (run
    over, or erased with its offer or workspace)."""
    run = ScoringRun.objects.select_related("offer").filter(pk=chunk.run_id).first()
    if run is None or run.status in _OVER:
        return False
    now = timezone.now()
    taken = (
        ScoringChunk.objects.filter(pk=chunk.pk)
        .exclude(status=ScoringChunk.Status.DONE)
        .update(status=ScoringChunk.Status.RUNNING, attempts=F("attempts") + 1, heartbeat_at=now)
    )
    if not taken:
        return True  # done already: a redelivered task
    if run.status == ScoringRun.Status.QUEUED:
        # Only then: the run's row is locked while another chunk's counts are written.
        ScoringRun.objects.filter(pk=run.pk, status=ScoringRun.Status.QUEUED).update(
            status=ScoringRun.Status.RUNNING, started_at=now
        )
    return run


def lease_renewal_seconds() -> float:
    """Return how often a worker renews the lease of the chunk it holds: five times per
    CHUNK_STALE_SECONDS, so that a few late renewals on a busy machine lose nothing."""
    return max(0.2, settings.CHUNK_STALE_SECONDS / 5)


class _Heartbeat:
    """Renew a chunk's lease while it is scored (a slow LLM chunk takes minutes), so the
    sweeper tells a live worker from a dead one by CHUNK_STALE_SECONDS alone.

    A thread with its own connection; not inside a transaction, where the chunk's row may be
    locked by the caller until it ends.
    """

    def __init__(self, chunk_id: int) -> None:
        self.chunk_id = chunk_id
        self.interval = lease_renewal_seconds()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> None:
        if not connection.in_atomic_block:
            self.thread = threading.Thread(target=self._beat, name="chunk-heartbeat", daemon=True)
            self.thread.start()

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stop.wait(self.interval):
                ScoringChunk.objects.filter(
                    pk=self.chunk_id, status=ScoringChunk.Status.RUNNING
                ).update(heartbeat_at=timezone.now())
        except DatabaseError:
            logger.warning("could not renew the heartbeat of chunk %s", self.chunk_id)
        finally:
            connections.close_all()


def chunk_commit(chunk: ScoringChunk, scored: ScoredChunk) -> bool:
    """Store a scored chunk, mark it done and count it, once; return True (False when the
    run was erased meanwhile)."""
    run, parts = scored.run, scored.parts
    with transaction.atomic():
        # Locked and re-read: if another worker finished this chunk meanwhile, its results
        # stand and nothing is counted twice.
        locked = ScoringChunk.objects.select_for_update().filter(pk=chunk.pk).first()
        if locked is None:
            # Erased meanwhile with its run (its offer or workspace was deleted): as quiet an
            # end as a cancelled run's chunk.
            logger.info("scoring run %s was erased while chunk %s was scored", run.pk, chunk.index)
            return False
        if locked.status == ScoringChunk.Status.DONE:
            return True
        _store(run, scored.lead_pks, parts)
        counts = {**part_counts(parts), "failed": chunk.size - len(parts)}
        ScoringChunk.objects.filter(pk=chunk.pk).update(
            status=ScoringChunk.Status.DONE, finished_at=timezone.now(), **counts
        )
        ScoringRun.objects.filter(pk=run.pk).update(
            **{name: F(name) + value for name, value in counts.items()}
        )
    results_changed(workspace_id=run.workspace_id)
    run_complete_if_done(run)
    return True


_OVER = (ScoringRun.Status.FAILED, ScoringRun.Status.CANCELLED, ScoringRun.Status.COMPLETED)


def _score_chunk_leads(
    run: ScoringRun, lead_ids: Sequence[int], classifier: Classifier
) -> tuple[list[int], list[ResultPart]]:
    offer = offer_facts(run.offer)
    lead_pks, values = chunk_leads(run, lead_ids)
    leads = [LeadFacts(*row) for row in values]
    known, keys = cached_answers(run, classifier, offer, leads)
    scores = score_leads(offer, leads, classifier, run_thresholds(run), known)
    remember_answers(run, lead_pks, keys, scores)
    return lead_pks, result_parts(scores)


def chunk_leads(run: ScoringRun, lead_ids: Sequence[int]) -> tuple[list[int], list[tuple]]:
    """Return the primary keys of the run's leads among `lead_ids` that still exist, in order,
    and the values of their LEAD_FIELDS (one tuple each, LeadFacts' arguments)."""
    rows = lead_values(workspace_id=run.workspace_id, lead_ids=lead_ids, fields=LEAD_FIELDS)
    return [row[0] for row in rows], [row[1:] for row in rows]


def _store(run: ScoringRun, lead_pks: list[int], parts: list[ResultPart]) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    own, provider = run.prompt_version, run.provider
    # SHARED_COLUMNS, then ROW_COLUMNS: the lead's, then the part. The prompt version is the
    # run's only for its own provider's answers (a fallback's is not).
    upsert_results(
        shared=(run.workspace_id, run.offer_id, run.pk, rules.RULES_VERSION, now),
        rows=[
            (pk, own if part[AI_PROVIDER] == provider else "", *part)
            for pk, part in zip(lead_pks, parts, strict=True)
        ],
    )
