"""In-process runs scored by scoring processes: the same results as in-process scoring, and the
same run contract (cancel, classifier errors), falling back to in-process where they cannot
start."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.db import connection

from bench.generate import write
from leads.services import leads_import_csv
from scoring import parallel, runs
from scoring.chunks import ScoringFailed
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.models import ScoreResult, ScoringChunk, ScoringRun
from scoring.runs import leads_score, run_cancel
from tests.factories import OfferFactory
from tests.scoring.process_classifiers import DyingClassifier, RejectingClassifier

LEADS = 3000
# Every stored column but the row's id, its run and its time.
COMPARED = [
    field.attname
    for field in ScoreResult._meta.concrete_fields
    if field.attname not in ("id", "run_id", "scored_at")
]


@pytest.fixture(autouse=True)
def _processes(settings):
    """Scoring processes on for runs of 1,000 leads and more; none left running after a test."""
    settings.SCORING_PROCESSES = 2
    settings.SCORING_PROCESSES_MIN_LEADS = 1000
    parallel.shutdown()
    yield
    parallel.shutdown()


@pytest.fixture
def upload(workspace, tmp_path: Path):
    """3,000 leads as messy as real exports: every bio distinct, blanks, accents, line breaks."""
    path = tmp_path / "leads.csv"
    write(LEADS, str(path), seed=7)
    with path.open("rb") as file:
        return leads_import_csv(
            workspace=workspace,
            file=file,
            filename=path.name,
            size_bytes=path.stat().st_size,
            max_rows=LEADS,
        )


def stored(offer) -> list[tuple]:
    return list(ScoreResult.objects.filter(offer=offer).order_by("lead_id").values_list(*COMPARED))


# Committed for real: on PostgreSQL, outside a transaction, a second connection writes results.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "offer_data",
    [
        {},
        {
            "name": "Clinic Scheduling",
            "value_props": ["fewer no-shows", "hiring made simple"],
            "ideal_use_cases": ["Hospital & Health Care operations"],
            "icp_industries": ["Hospital & Health Care"],
            "adjacent_industries": ["Retail"],
        },
    ],
)
def test_scoring_processes_store_what_in_process_scoring_stores(
    settings, workspace, upload, offer_data
):
    offer = OfferFactory(workspace=workspace, **offer_data)
    settings.SCORING_PROCESSES = 0
    here = leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())
    in_process = stored(offer)
    assert parallel.running() == 0

    settings.SCORING_PROCESSES = 2
    there = leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())

    assert parallel.running() == 2
    assert stored(offer) == in_process
    assert len(in_process) == LEADS
    assert ScoreResult.objects.filter(offer=offer, run=there).count() == LEADS
    counts = ("status", "total", "scored", "cached", "fallbacks", "failed", "prompt_version")
    assert [getattr(there, name) for name in counts] == [getattr(here, name) for name in counts]


def test_runs_below_the_threshold_are_scored_in_process(settings, workspace, upload):
    settings.SCORING_PROCESSES_MIN_LEADS = LEADS + 1
    offer = OfferFactory(workspace=workspace)

    run = leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())

    assert run.status == ScoringRun.Status.COMPLETED
    assert run.scored == LEADS
    assert parallel.running() == 0


def test_a_cancelled_run_takes_no_further_chunk(monkeypatch, workspace, upload):
    monkeypatch.setattr(runs, "CHUNK_SIZE", 200)  # 8 chunks of 375, more than are sent ahead
    offer = OfferFactory(workspace=workspace)
    cancelled = []

    def cancel_after_first_chunk(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        chunk_done = sql.startswith('UPDATE "scoring_scoringchunk"') and "finished_at" in sql
        if chunk_done and not cancelled:
            cancelled.append(True)
            run_cancel(run=ScoringRun.objects.get(workspace=workspace))
        return result

    with connection.execute_wrapper(cancel_after_first_chunk):
        run = leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())

    assert parallel.running() == 2
    assert run.status == ScoringRun.Status.CANCELLED
    done = run.chunks.filter(status=ScoringChunk.Status.DONE)
    # The chunks already sent to be scored were finished; none was taken after the cancel.
    assert 1 < done.count() < run.chunks.count()
    assert not run.chunks.filter(status=ScoringChunk.Status.RUNNING).exists()
    assert run.scored == sum(chunk.size for chunk in done)
    assert ScoreResult.objects.filter(run=run).count() == run.scored


def test_a_classifier_error_in_a_scoring_process_fails_the_run(workspace, upload):
    offer = OfferFactory(workspace=workspace)

    with pytest.raises(ScoringFailed) as failed:
        leads_score(workspace=workspace, offer=offer, classifier=RejectingClassifier())

    run = failed.value.run
    assert parallel.running() == 2
    assert run.status == ScoringRun.Status.FAILED
    assert run.error == "Incorrect API key provided"
    assert run.scored == 0
    assert not ScoreResult.objects.filter(offer=offer).exists()


def test_chunks_of_a_scoring_process_that_died_are_scored_in_process(
    settings, caplog, workspace, upload
):
    offer = OfferFactory(workspace=workspace)
    settings.SCORING_PROCESSES = 0
    leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())
    in_process = stored(offer)
    settings.SCORING_PROCESSES = 2

    with caplog.at_level(logging.WARNING, logger="scoring.parallel_runs"):
        run = leads_score(workspace=workspace, offer=offer, classifier=DyingClassifier())

    assert run.status == ScoringRun.Status.COMPLETED
    assert run.scored == LEADS
    assert stored(offer) == in_process
    assert "a scoring process died" in caplog.text
    assert parallel.running() == 0  # the broken pool is gone; the next run starts another


def test_runs_are_scored_in_process_where_processes_cannot_start(
    monkeypatch, caplog, workspace, upload
):
    def no_semaphores(processes, preload):
        # What a sandbox without /dev/shm answers to multiprocessing.
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(parallel, "_start", no_semaphores)
    offer = OfferFactory(workspace=workspace)

    with caplog.at_level(logging.WARNING, logger="scoring.parallel"):
        run = leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())

    assert run.status == ScoringRun.Status.COMPLETED
    assert run.scored == LEADS
    assert ScoreResult.objects.filter(run=run).count() == LEADS
    assert parallel.running() == 0
    assert "scoring processes cannot start" in caplog.text


class _ModelCaller:
    """A classifier that calls a model: not `cpu_bound`."""


@pytest.mark.parametrize(
    ("leads", "classifier", "size"),
    [
        (100_000, HeuristicClassifier(), 5000),  # 20 chunks: few queries per lead
        (20_000, HeuristicClassifier(), 2500),  # still 8 chunks, to share among processes
        (5_000, HeuristicClassifier(), 1000),  # never below the usual chunk
        (100_000, _ModelCaller(), 1000),  # a chunk of model calls takes minutes to redo
    ],
)
def test_runs_of_cpu_bound_classifiers_take_larger_chunks(leads, classifier, size):
    assert runs.chunk_size(leads, classifier) == size
