"""Scoring runs: the only code that writes results. Composes the rule layer, the classifier and
the cache of LLM answers, chunk by chunk, idempotently."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from amqp.exceptions import ChannelError
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from leads.models import Lead, Upload
from leads.selectors import lead_values
from leadscoring.celery import app as celery_app
from offers.models import Offer
from scoring import parallel_runs, rules
from scoring.classifiers.base import Classification, Classifier, ClassifierError, Intent
from scoring.classifiers.factory import get_classifier
from scoring.composition import LeadScore, Thresholds, score_leads
from scoring.facts import LEAD_FIELDS, LeadFacts, OfferFacts
from scoring.models import LLMAnswer, ScoringChunk, ScoringRun
from scoring.outcome import AiCounts
from scoring.result_parts import AI_PROVIDER, ResultPart, part_counts, result_parts
from scoring.selectors import results_version_key
from scoring.storage import upsert_results
from workspaces.models import Workspace

logger = logging.getLogger(__name__)

# Leads per chunk: the unit of work (and of progress) of a run; small enough that a chunk
# redone after a crash costs little, large enough to amortise queries.
CHUNK_SIZE = 1000


class NothingToScore(Exception):
    """The selection holds no leads."""


class BrokerUnavailable(Exception):
    """The task broker (Redis) cannot be reached: background runs cannot be queued."""


class TooManyLlmCalls(Exception):
    """The run would make more LLM requests than LEADSCORING_MAX_LLM_CALLS_PER_RUN allows."""

    def __init__(self, calls: int, cap: int) -> None:
        super().__init__(f"{calls} LLM requests, more than {cap}")
        self.calls = calls
        self.cap = cap


class RunInProgress(Exception):
    """A run over the same offer and leads is in progress, and would not notify the caller's
    callback: joining it silently would leave the caller waiting for nothing."""

    def __init__(self, run: ScoringRun) -> None:
        super().__init__(f"run {run.pk} is {run.status}")
        self.run = run


class RunNotActive(Exception):
    """The run has already ended."""

    def __init__(self, run: ScoringRun) -> None:
        super().__init__(f"run {run.pk} is {run.status}")
        self.run = run


class ScoringFailed(Exception):
    """The run failed as a whole (e.g. the LLM provider rejects the key); it is recorded."""

    def __init__(self, run: ScoringRun) -> None:
        super().__init__(run.error)
        self.run = run


def offer_facts(offer: Offer) -> OfferFacts:
    """Return the plain description of `offer` that the scoring layers read."""
    return OfferFacts(
        name=offer.name,
        value_props=tuple(offer.value_props),
        ideal_use_cases=tuple(offer.ideal_use_cases),
        icp_industries=tuple(offer.icp_industries),
        adjacent_industries=tuple(offer.adjacent_industries),
    )


def thresholds() -> Thresholds:
    """Return the service-wide intent thresholds (settings)."""
    return Thresholds(high=settings.HIGH_INTENT_SCORE, medium=settings.MEDIUM_INTENT_SCORE)


def offer_thresholds(offer: Offer) -> Thresholds:
    """Return the intent thresholds of `offer`: its own where set, else the settings'."""
    default = thresholds()
    return Thresholds(
        high=default.high if offer.high_intent_score is None else offer.high_intent_score,
        medium=default.medium if offer.medium_intent_score is None else offer.medium_intent_score,
    )


def run_thresholds(run: ScoringRun) -> Thresholds:
    """Return the thresholds `run` applies: those recorded when it was created."""
    if run.high_intent_score is None or run.medium_intent_score is None:
        return offer_thresholds(run.offer)  # a run queued before thresholds were recorded
    return Thresholds(high=run.high_intent_score, medium=run.medium_intent_score)


def leads_score(
    *,
    workspace: Workspace,
    offer: Offer,
    upload: Upload | None = None,
    lead_ids: Sequence[int] | None = None,
    classifier: Classifier | None = None,
) -> ScoringRun:
    """Score leads of `workspace` against `offer` in one run, in this process; return it.

    The leads are those of `upload`, or `lead_ids`, or else all of the workspace's. Each
    (lead, offer) keeps one current result, replaced by this run. Raises NothingToScore when
    the selection is empty and ScoringFailed (after recording the run as failed) when the
    classifier fails permanently.
    """
    classifier = classifier or get_classifier()
    run, created = run_create(
        workspace=workspace, offer=offer, upload=upload, lead_ids=lead_ids, classifier=classifier
    )
    return run_execute(run=run, classifier=classifier) if created else run


@dataclass(frozen=True)
class Callback:
    """Where to POST the run when it ends, and the HMAC key that signs the body."""

    url: str
    secret: str


def run_start(
    *,
    workspace: Workspace,
    offer: Offer,
    upload: Upload | None = None,
    lead_ids: Sequence[int] | None = None,
    rescore: bool = False,
    callback: Callback | None = None,
) -> ScoringRun:
    """Start scoring the selected leads: queue the run for the workers when a broker is
    configured, else score it here; return the run (queued, or finished).

    A run already in progress over the same leads is returned instead, unless `rescore`;
    RunInProgress is raised instead when `callback` is not the one that run will notify.
    Raises NothingToScore, TooManyLlmCalls (before any spending), BrokerUnavailable (nothing
    left behind) and ScoringFailed.
    """
    classifier = get_classifier()
    estimate = run_estimate(
        workspace=workspace, offer=offer, upload=upload, lead_ids=lead_ids, classifier=classifier
    )
    if not estimate["leads"]:
        raise NothingToScore()
    if estimate["llm_calls"] > settings.MAX_LLM_CALLS_PER_RUN:
        raise TooManyLlmCalls(estimate["llm_calls"], settings.MAX_LLM_CALLS_PER_RUN)
    background = bool(settings.CELERY_BROKER_URL)
    if background:
        broker_check()
    run, created = run_create(
        workspace=workspace,
        offer=offer,
        upload=upload,
        lead_ids=lead_ids,
        classifier=classifier,
        background=background,
        rescore=rescore,
        callback=callback,
    )
    if not created:
        if callback is not None and not _notifies(run, callback):
            raise RunInProgress(run)
        return run
    if background:
        try:
            run_enqueue(run=run)
        except BrokerUnavailable:
            run_discard(run=run)
            raise
        return run
    return run_execute(run=run, classifier=classifier)


def run_create(
    *,
    workspace: Workspace,
    offer: Offer,
    upload: Upload | None = None,
    lead_ids: Sequence[int] | None = None,
    classifier: Classifier,
    background: bool = False,
    rescore: bool = False,
    callback: Callback | None = None,
) -> tuple[ScoringRun, bool]:
    """Record a queued run over the selected leads, split into chunks; return (run, created).

    While a run over the same offer and leads is queued or running, that run is returned
    instead (created False), even to concurrent requests, unless `rescore` asks for a new one.
    Raises NothingToScore when the selection holds no leads.
    """
    ids = _select_lead_ids(workspace=workspace, upload=upload, lead_ids=lead_ids)
    if not ids:
        raise NothingToScore()
    scope: dict = {}
    if upload is not None:
        scope = {"upload_id": upload.pk}
    elif lead_ids:
        scope = {"lead_ids": sorted(set(lead_ids))}
    key = _scope_key(offer, scope) if not rescore else f"rescore:{uuid.uuid4().hex}"
    active = _active_run(workspace, key)
    if active is not None:
        return active, False
    cuts = offer_thresholds(offer)
    try:
        with transaction.atomic():
            run = ScoringRun.objects.create(
                workspace=workspace,
                offer=offer,
                scope=scope,
                scope_key=key,
                provider=classifier.name,
                model=classifier.model,
                prompt_version=classifier.prompt_version,
                rules_version=rules.RULES_VERSION,
                high_intent_score=cuts.high,
                medium_intent_score=cuts.medium,
                total=len(ids),
                background=background,
                callback_url=callback.url if callback else "",
                callback_secret=callback.secret if callback else "",
                callback_status="pending" if callback else "",
            )
            ScoringChunk.objects.bulk_create(
                ScoringChunk(run=run, index=index, lead_ids=chunk)
                for index, chunk in enumerate(_chunks(ids, CHUNK_SIZE))
            )
    except IntegrityError:
        # A concurrent request created the active run for this scope first: join it.
        active = _active_run(workspace, key)
        if active is None:
            raise
        return active, False
    return run, True


def _notifies(run: ScoringRun, callback: Callback) -> bool:
    return run.callback_url == callback.url and hmac.compare_digest(
        run.callback_secret.encode(), callback.secret.encode()
    )


def _scope_key(offer: Offer, scope: dict) -> str:
    described = json.dumps({"offer": offer.pk, **scope}, sort_keys=True)
    return hashlib.sha256(described.encode()).hexdigest()


def _active_run(workspace: Workspace, key: str) -> ScoringRun | None:
    return ScoringRun.objects.filter(
        workspace=workspace,
        scope_key=key,
        status__in=[ScoringRun.Status.QUEUED, ScoringRun.Status.RUNNING],
    ).first()


def run_enqueue(*, run: ScoringRun) -> None:
    """Queue every unfinished chunk of `run` for the workers.

    Call it after the transaction that created the run has committed, so no worker can look
    for a run that is not there yet. Raises BrokerUnavailable when the broker cannot be
    reached; then call `run_discard`.
    """
    from scoring import tasks

    chunk_ids = list(
        run.chunks.exclude(status=ScoringChunk.Status.DONE).values_list("pk", flat=True)
    )
    try:
        with celery_app.producer_or_acquire() as producer:
            for chunk_id in chunk_ids:
                tasks.score_chunk.apply_async(args=[chunk_id], producer=producer, retry=False)
    except (KombuOperationalError, OSError, RedisError) as exc:
        raise BrokerUnavailable() from exc


def broker_check() -> None:
    """Raise BrokerUnavailable unless the broker answers now."""
    try:
        with celery_app.connection_for_write() as connection_:
            connection_.ensure_connection(max_retries=1, timeout=3)
    except (KombuOperationalError, OSError, RedisError) as exc:
        raise BrokerUnavailable() from exc


def run_discard(*, run: ScoringRun) -> None:
    """Delete a run that never started (its chunks could not be queued)."""
    ScoringRun.objects.filter(pk=run.pk).delete()


def run_cancel(*, run: ScoringRun) -> ScoringRun:
    """Stop `run`: no further chunk starts; results already stored stay. Return the run.

    Raises RunNotActive when the run has already ended.
    """
    if not _finish(run, ScoringRun.Status.CANCELLED):
        raise RunNotActive(run)
    return run


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
    from scoring import tasks

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.CHUNK_STALE_SECONDS)
    requeued = 0
    active = ScoringRun.objects.filter(
        background=True, status__in=[ScoringRun.Status.QUEUED, ScoringRun.Status.RUNNING]
    )
    for run in active:
        unfinished = run.chunks.exclude(status=ScoringChunk.Status.DONE)
        if not unfinished.exists():
            _complete_if_done(run)
            continue
        stale = unfinished.filter(status=ScoringChunk.Status.RUNNING, heartbeat_at__lt=cutoff)
        if _run_silent_since(run) < cutoff:
            if queue_empty is None:
                queue_empty = _queue_empty()
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
                tasks.score_chunk.apply_async(args=[chunk_id])
                requeued += 1
    if requeued:
        logger.warning("requeued %s stale chunk(s)", requeued)
    return requeued


def _run_silent_since(run: ScoringRun) -> datetime:
    # When a worker last showed the run a sign of life: took, renewed or finished a chunk.
    times = run.chunks.aggregate(lease=Max("heartbeat_at"), finished=Max("finished_at"))
    return max(t for t in [run.created_at, run.started_at, *times.values()] if t is not None)


def _queue_empty() -> bool:
    """Return whether the broker's queue of chunks holds no message (False when unknown)."""
    try:
        with celery_app.connection_for_read() as connection_:
            queue = celery_app.conf.task_default_queue
            declared = connection_.default_channel.queue_declare(queue=queue, passive=True)
    except ChannelError:  # no such queue: nothing was ever queued there
        return True
    except (KombuOperationalError, OSError, RedisError):
        return False  # the broker is down: its messages may well be there
    return declared.message_count == 0


def run_estimate(
    *,
    workspace: Workspace,
    offer: Offer,
    upload: Upload | None = None,
    lead_ids: Sequence[int] | None = None,
    classifier: Classifier,
) -> dict:
    """Return what a run would cost, without spending anything: leads, cached answers, LLM
    calls and an estimate of tokens (0 calls for providers that call no model)."""
    ids = _select_lead_ids(workspace=workspace, upload=upload, lead_ids=lead_ids)
    facts = offer_facts(offer)
    cached = calls = tokens = 0
    estimate_tokens = getattr(classifier, "estimate_tokens", None)
    batch_size = int(getattr(classifier, "batch_size", 1) or 1)
    probe = LeadFacts(*[""] * len(LEAD_FIELDS))
    # Providers that cache nothing call no model (the heuristic): nothing to count.
    calls_a_model = classifier.cache_key(facts, probe) is not None
    for chunk in _chunks(ids, CHUNK_SIZE) if calls_a_model else ():
        leads = [
            LeadFacts(*row)
            for row in Lead.objects.filter(pk__in=chunk).order_by("pk").values_list(*LEAD_FIELDS)
        ]
        keys = [classifier.cache_key(facts, lead) for lead in leads]
        wanted = [key for key in keys if key is not None]
        if not wanted:
            continue
        hits = set(
            LLMAnswer.objects.filter(workspace=workspace, key__in=wanted).values_list(
                "key", flat=True
            )
        )
        misses = [lead for lead, key in zip(leads, keys, strict=True) if key not in hits]
        cached += len(wanted) - len(misses)
        calls += -(-len(misses) // batch_size)
        if estimate_tokens is not None and misses:
            tokens += int(estimate_tokens(facts, misses))
    return {
        "dry_run": True,
        "offer_id": offer.pk,
        "provider": classifier.name,
        "model": classifier.model,
        "leads": len(ids),
        "cached": cached,
        "llm_calls": calls,
        "estimated_tokens": tokens,
        "max_llm_calls": settings.MAX_LLM_CALLS_PER_RUN,
    }


def callback_deliver(*, run: ScoringRun, timeout: float = 10) -> bool:
    """POST the run to its callback URL, signed; record the attempt and return whether the
    receiver accepted it (2xx). Never raises for delivery failures. A URL the service must
    not call is recorded as `refused`, which no retry can change (see callback_retry_useful)."""
    from scoring.callbacks import CallbackRefused, post_signed
    from scoring.serializers import RunSerializer

    run.refresh_from_db()
    body = json.dumps(RunSerializer(run).data, separators=(",", ":")).encode()
    secret = run.callback_secret or settings.CALLBACK_SECRET
    error, outcome = "", "delivered"
    try:
        post_signed(
            run.callback_url, body, secret=secret, event=f"run.{run.status}", timeout=timeout
        )
    except CallbackRefused as exc:
        error, outcome = str(exc), "refused" if exc.permanent else "failed"
    ScoringRun.objects.filter(pk=run.pk).update(
        callback_attempts=F("callback_attempts") + 1,
        callback_status=outcome,
        callback_error=error,
    )
    run.refresh_from_db()
    return not error


def _after_finish(run: ScoringRun) -> None:
    if not run.callback_url:
        return
    if run.background:
        from scoring import tasks

        transaction.on_commit(lambda: tasks.deliver_callback.delay(run.pk))
    else:
        # In-process runs (no broker): a few quick tries now, the outcome kept on the run.
        for delay in (0, 1, 2):
            time.sleep(delay)
            if callback_deliver(run=run) or not callback_retry_useful(run):
                break


def callback_retry_useful(run: ScoringRun) -> bool:
    """Return whether delivering the run's callback again may succeed: not once refused."""
    return run.callback_status != "refused"


def run_execute(*, run: ScoringRun, classifier: Classifier) -> ScoringRun:
    """Score every chunk of `run` not done yet, in this process, and return the finished run.

    On PostgreSQL and outside a transaction, each chunk's results are written by a second
    thread (with its own database connection) while the next chunk is scored: the database
    works while Python does. Raises ScoringFailed (the run recorded as failed) when the
    classifier fails permanently.
    """
    chunks = run.chunks.exclude(status=ScoringChunk.Status.DONE).order_by("index")
    if parallel_runs.execute_parallel(run=run, chunks=chunks, classifier=classifier):
        pass  # by scoring processes, on every core: a large run, a CPU-bound classifier
    elif connection.in_atomic_block or connection.vendor != "postgresql":
        # One chunk at a time: a second connection could not see this transaction's rows,
        # and SQLite has one writer at a time anyway (measured: the thread only costs there).
        for chunk in chunks:
            if not chunk_score(chunk=chunk, classifier=classifier):
                break
    else:
        _execute_pipelined(run, list(chunks), classifier)
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
                if isinstance(scored, _Scored):
                    pending = writer.submit(_chunk_commit, chunk, scored)
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
    if not isinstance(scored, _Scored):
        return scored
    return _chunk_commit(chunk, scored)


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
    if isinstance(scored, _Scored):
        _WRITER.submit(chunk, scored)


class _ChunkWriter:
    """One thread, with its own database connection, that commits scored chunks in order."""

    def __init__(self) -> None:
        self.executor: ThreadPoolExecutor | None = None
        self.pending: Future[None] | None = None

    def submit(self, chunk: ScoringChunk, scored: _Scored) -> None:
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
    def _commit(chunk: ScoringChunk, scored: _Scored) -> None:
        connections["default"].close_if_unusable_or_obsolete()
        with _Heartbeat(chunk.pk):
            _chunk_commit(chunk, scored)


# The writer of this process (a worker's pool process); its last chunk is awaited at shutdown.
_WRITER = _ChunkWriter()


def chunk_writes_flush() -> None:
    """Wait until this process's results are all written (a worker that stops calls it), then
    close the writer's database connection."""
    _WRITER.wait()
    if _WRITER.executor is not None:
        _WRITER.executor.submit(connections.close_all).result()


@dataclass
class _Scored:
    """A chunk's scores, computed and waiting to be stored."""

    run: ScoringRun
    lead_pks: list[int]
    parts: list[ResultPart]


def _chunk_prepare(chunk: ScoringChunk, classifier: Classifier) -> _Scored | bool:
    """Take the chunk and score its leads; or return True (done already) / False (run over,
    or erased with its offer or workspace)."""
    run = _chunk_take(chunk)
    if isinstance(run, bool):
        return run
    try:
        with _Heartbeat(chunk.pk):
            lead_pks, parts = _score_chunk_leads(run, chunk.lead_ids, classifier)
    except ClassifierError as exc:
        _finish(run, ScoringRun.Status.FAILED, error=exc.message)
        return False
    except Exception:
        logger.exception("scoring run %s chunk %s failed", run.pk, chunk.index)
        _finish(run, ScoringRun.Status.FAILED, error="Internal error while scoring; logged.")
        raise
    return _Scored(run, lead_pks, parts)


def _chunk_take(chunk: ScoringChunk) -> ScoringRun | bool:
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


def _chunk_commit(chunk: ScoringChunk, scored: _Scored) -> bool:
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
        counts = {**part_counts(parts), "failed": len(chunk.lead_ids) - len(parts)}
        ScoringChunk.objects.filter(pk=chunk.pk).update(
            status=ScoringChunk.Status.DONE, finished_at=timezone.now(), **counts
        )
        ScoringRun.objects.filter(pk=run.pk).update(
            **{name: F(name) + value for name, value in counts.items()}
        )
    results_changed(workspace_id=run.workspace_id)
    _complete_if_done(run)
    return True


_OVER = (ScoringRun.Status.FAILED, ScoringRun.Status.CANCELLED, ScoringRun.Status.COMPLETED)


def _score_chunk_leads(
    run: ScoringRun, lead_ids: Sequence[int], classifier: Classifier
) -> tuple[list[int], list[ResultPart]]:
    offer = offer_facts(run.offer)
    lead_pks, values = chunk_leads(run, lead_ids)
    leads = [LeadFacts(*row) for row in values]
    known, keys = _cached_answers(run, classifier, offer, lead_pks, leads)
    scores = score_leads(offer, leads, classifier, run_thresholds(run), known)
    _remember_answers(run, lead_pks, keys, scores)
    return lead_pks, result_parts(scores)


def chunk_leads(run: ScoringRun, lead_ids: Sequence[int]) -> tuple[list[int], list[tuple]]:
    """Return the primary keys of the run's leads among `lead_ids` that still exist, in order,
    and the values of their LEAD_FIELDS (one tuple each, LeadFacts' arguments)."""
    rows = lead_values(workspace_id=run.workspace_id, lead_ids=lead_ids, fields=LEAD_FIELDS)
    return [row[0] for row in rows], [row[1:] for row in rows]


def _store(run: ScoringRun, lead_pks: list[int], parts: list[ResultPart]) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    ws, offer_id, run_id, version = run.workspace_id, run.offer_id, run.pk, rules.RULES_VERSION
    own, provider = run.prompt_version, run.provider
    # RESULT_COLUMNS: the run's columns, the lead's, then the part. The prompt version is the
    # run's only for its own provider's answers (a fallback's is not).
    upsert_results(
        [
            (
                ws,
                offer_id,
                run_id,
                version,
                now,
                pk,
                own if part[AI_PROVIDER] == provider else "",
                *part,
            )
            for pk, part in zip(lead_pks, parts, strict=True)
        ]
    )


def results_changed(*, workspace_id: int) -> None:
    """Note that the workspace's results changed: cached counts of them are now stale.

    Inside a transaction, noted again once it commits: a count read meanwhile, from before
    the change, must not outlive it.
    """
    key = results_version_key(workspace_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _complete_if_done(run: ScoringRun) -> None:
    if not run.chunks.exclude(status=ScoringChunk.Status.DONE).exists():
        run.refresh_from_db(fields=["scored", "cached", "fallbacks"])
        counts = AiCounts(answered=run.answered, cached=run.cached, fallbacks=run.fallbacks)
        _finish(
            run,
            ScoringRun.Status.COMPLETED,
            only_from=(ScoringRun.Status.RUNNING,),
            warnings=counts.warnings(),
        )


def _cached_answers(
    run: ScoringRun,
    classifier: Classifier,
    offer: OfferFacts,
    lead_pks: list[int],
    leads: list[LeadFacts],
) -> tuple[list[Classification | None] | None, list[str | None]]:
    keys = [classifier.cache_key(offer, lead) for lead in leads]
    wanted = [key for key in keys if key is not None]
    if not wanted:
        return None, keys
    stored = {
        answer.key: answer
        for answer in LLMAnswer.objects.filter(workspace_id=run.workspace_id, key__in=wanted)
    }
    known: list[Classification | None] = [
        Classification(
            intent=Intent(stored[key].intent),
            reasoning=stored[key].reasoning,
            status="cached",
            provider=classifier.name,
            model=stored[key].model,
        )
        if key in stored
        else None
        for key in keys
    ]
    return known, keys


def _remember_answers(
    run: ScoringRun, lead_pks: list[int], keys: list[str | None], scores: list[LeadScore]
) -> None:
    # Only the provider's own fresh answers are cached: never a fallback, never a re-read.
    fresh = [
        LLMAnswer(
            workspace_id=run.workspace_id,
            lead_id=pk,
            key=key,
            model=s.ai.model,
            prompt_version=run.prompt_version,
            intent=s.ai.intent.value,
            reasoning=s.ai.reasoning,
        )
        for pk, key, s in zip(lead_pks, keys, scores, strict=True)
        if key is not None and s.ai.status == "ok" and s.ai.provider == run.provider
    ]
    if fresh:
        # Committed at once, before the results: paid-for answers survive a crash after them.
        LLMAnswer.objects.bulk_create(fresh, ignore_conflicts=True)


def _finish(
    run: ScoringRun,
    status: str,
    *,
    error: str = "",
    warnings: list[str] | None = None,
    only_from: tuple[str, ...] = (ScoringRun.Status.QUEUED, ScoringRun.Status.RUNNING),
) -> bool:
    # Conditional: a run is finished once, whichever worker gets there first.
    finished = ScoringRun.objects.filter(pk=run.pk, status__in=only_from).update(
        status=status, error=error, warnings=warnings or [], finished_at=timezone.now()
    )
    run.refresh_from_db()
    if not finished:
        return False
    _after_finish(run)
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


def _select_lead_ids(
    *, workspace: Workspace, upload: Upload | None, lead_ids: Sequence[int] | None
) -> list[int]:
    leads = Lead.objects.filter(workspace=workspace)
    if upload is not None:
        leads = leads.filter(upload=upload)
    elif lead_ids:
        leads = leads.filter(pk__in=lead_ids)
    return list(leads.order_by("pk").values_list("pk", flat=True))


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
