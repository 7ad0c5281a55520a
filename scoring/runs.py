"""The lifecycle of scoring runs: estimate, create (split into chunks), start (queued for the
workers or executed here), cancel."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from leads.models import Upload
from leads.selectors import lead_list, lead_values, upload_get
from offers.models import Offer
from offers.selectors import offer_get, offer_latest
from scoring import rules
from scoring.answers import answered_keys
from scoring.chunks import run_ended, run_execute
from scoring.classifiers.base import Classifier
from scoring.classifiers.factory import get_classifier
from scoring.dispatch import BrokerUnavailable, broker_check, queue_chunks
from scoring.facts import LEAD_FIELDS, LeadFacts
from scoring.id_runs import id_runs
from scoring.models import ScoringChunk, ScoringRun
from scoring.offer_inputs import offer_facts, offer_thresholds
from scoring.parallel_runs import execute_parallel
from scoring.run_end import run_finish
from scoring.selectors import unknown_lead_ids
from workspaces.models import Workspace

# Leads per chunk: the unit of work (and of progress) of a run; small enough that a chunk
# redone after a crash costs little, large enough to amortise queries.
CHUNK_SIZE = 1000
# A classifier whose work is pure CPU scores a chunk in a fraction of a second, so its runs
# take chunks up to this many times larger: each chunk costs about ten queries and their ORM
# work, about 4 us a lead at 1,000 leads a chunk, a tenth of a run in the request (measured).
# At least CHUNKS_MIN of them, so that scoring processes and workers all get a share of a run.
CPU_BOUND_CHUNK_FACTOR = 5
CHUNKS_MIN = 8


class NothingToScore(Exception):
    """The selection holds no leads."""


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


class NoOffer(Exception):
    """No offer was named and the workspace has none."""


class UnknownLeads(Exception):
    """Some of the named leads are not the workspace's."""

    def __init__(self, lead_ids: list[int]) -> None:
        super().__init__(f"unknown lead ids: {lead_ids[:20]}")
        self.lead_ids = lead_ids


class RunNotActive(Exception):
    """The run has already ended."""

    def __init__(self, run: ScoringRun) -> None:
        super().__init__(f"run {run.pk} is {run.status}")
        self.run = run


def score_request(
    *,
    workspace: Workspace,
    offer_id: int | None = None,
    upload_id: int | None = None,
    lead_ids: Sequence[int] | None = None,
    rescore: bool = False,
    dry_run: bool = False,
    callback_url: str | None = None,
    callback_secret: str | None = None,
) -> ScoringRun | dict:
    """Answer a request to score leads: with `dry_run` the estimate (`run_estimate`), else
    the run `run_start` returns.

    The offer is `offer_id`, or else the workspace's most recent one (clients of the brief send
    no body: they mean the offer they have just created). The callback's key defaults to
    LEADSCORING_CALLBACK_SECRET. Raises Http404 for an offer or upload that is unknown or
    another workspace's, NoOffer, UnknownLeads, NothingToScore, and what run_start raises.
    """
    offer = _offer_to_score(workspace=workspace, offer_id=offer_id)
    upload = upload_get(workspace=workspace, upload_id=upload_id) if upload_id is not None else None
    if lead_ids:
        unknown = unknown_lead_ids(workspace=workspace, lead_ids=lead_ids)
        if unknown:
            raise UnknownLeads(unknown)
    if dry_run:
        estimate = run_estimate(
            workspace=workspace,
            offer=offer,
            upload=upload,
            lead_ids=lead_ids,
            classifier=get_classifier(),
        )
        if not estimate["leads"]:
            raise NothingToScore()
        return estimate
    callback = (
        Callback(callback_url, callback_secret or settings.CALLBACK_SECRET)
        if callback_url is not None
        else None
    )
    return run_start(
        workspace=workspace,
        offer=offer,
        upload=upload,
        lead_ids=lead_ids,
        rescore=rescore,
        callback=callback,
    )


def _offer_to_score(*, workspace: Workspace, offer_id: int | None) -> Offer:
    if offer_id is not None:
        return offer_get(workspace=workspace, offer_id=offer_id)
    offer = offer_latest(workspace=workspace)
    if offer is None:
        raise NoOffer()
    return offer


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
    return _execute(run, classifier) if created else run


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
    # The leads are selected once, for the estimate and the run (100k ids: ~50 ms a query).
    ids = _select_lead_ids(workspace=workspace, upload=upload, lead_ids=lead_ids)
    estimate = _estimate(workspace=workspace, offer=offer, ids=ids, classifier=classifier)
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
        selected=ids,
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
    return _execute(run, classifier)


def _execute(run: ScoringRun, classifier: Classifier) -> ScoringRun:
    # Here, on every core when it pays (a large run, a classifier of pure CPU work: see
    # scoring.parallel_runs), else chunk by chunk; ScoringFailed when the run failed.
    pending = run.chunks.exclude(status=ScoringChunk.Status.DONE).order_by("index")
    if execute_parallel(run=run, chunks=pending, classifier=classifier):
        return run_ended(run)
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
    selected: list[int] | None = None,
) -> tuple[ScoringRun, bool]:
    """Record a queued run over the selected leads, split into chunks; return (run, created).

    `selected`, when given, are the ids of those leads, selected already. While a run over the
    same offer and leads is queued or running, that run is returned instead (created False),
    even to concurrent requests, unless `rescore` asks for a new one. Raises NothingToScore
    when the selection holds no leads.
    """
    ids = (
        selected
        if selected is not None
        else _select_lead_ids(workspace=workspace, upload=upload, lead_ids=lead_ids)
    )
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
                ScoringChunk(run=run, index=index, lead_ids=id_runs(chunk))
                for index, chunk in enumerate(_chunks(ids, chunk_size(len(ids), classifier)))
            )
    except IntegrityError:
        # A concurrent request created the active run for this scope first: join it.
        active = _active_run(workspace, key)
        if active is None:
            raise
        return active, False
    return run, True


def chunk_size(leads: int, classifier: Classifier) -> int:
    """Return how many leads each chunk of a run of `leads` leads with `classifier` holds."""
    if not getattr(classifier, "cpu_bound", False):
        return CHUNK_SIZE  # an LLM chunk takes minutes: redone whole after a crash
    return max(CHUNK_SIZE, min(CHUNK_SIZE * CPU_BOUND_CHUNK_FACTOR, -(-leads // CHUNKS_MIN)))


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
    queue_chunks(run.chunks.exclude(status=ScoringChunk.Status.DONE).values_list("pk", flat=True))


def run_discard(*, run: ScoringRun) -> None:
    """Delete a run that never started (its chunks could not be queued)."""
    ScoringRun.objects.filter(pk=run.pk).delete()


def run_cancel(*, run: ScoringRun) -> ScoringRun:
    """Stop `run`: no further chunk starts; results already stored stay. Return the run.

    Raises RunNotActive when the run has already ended.
    """
    if not run_finish(run, ScoringRun.Status.CANCELLED):
        raise RunNotActive(run)
    return run


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
    return _estimate(workspace=workspace, offer=offer, ids=ids, classifier=classifier)


def _estimate(
    *, workspace: Workspace, offer: Offer, ids: list[int], classifier: Classifier
) -> dict:
    facts = offer_facts(offer)
    cached = calls = tokens = 0
    estimate_tokens = getattr(classifier, "estimate_tokens", None)
    batch_size = int(getattr(classifier, "batch_size", 1) or 1)
    probe = LeadFacts(*[""] * len(LEAD_FIELDS))
    # Providers that cache nothing call no model (the heuristic): nothing to count.
    calls_a_model = classifier.cache_key(facts, probe) is not None
    for chunk in _chunks(ids, CHUNK_SIZE) if calls_a_model else ():
        rows = lead_values(workspace_id=workspace.pk, lead_ids=chunk, fields=LEAD_FIELDS)
        leads = [LeadFacts(*row[1:]) for row in rows]
        keys = [classifier.cache_key(facts, lead) for lead in leads]
        wanted = [key for key in keys if key is not None]
        if not wanted:
            continue
        hits = answered_keys(workspace_id=workspace.pk, keys=wanted)
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


def _select_lead_ids(
    *, workspace: Workspace, upload: Upload | None, lead_ids: Sequence[int] | None
) -> list[int]:
    leads = lead_list(workspace=workspace, upload=upload)
    if upload is None and lead_ids:
        leads = leads.filter(pk__in=lead_ids)
    # The ORM writes the query; its rows are read plainly: a values_list iterator costs about
    # 1.5 us a row in Python, a tenth of a run's time per lead in the request.
    sql, params = leads.values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()]


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
