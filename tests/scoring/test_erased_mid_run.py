"""A run erased with its offer (or workspace) while a chunk of it is scored: the chunk ends
quietly, as a cancelled run's chunk does, and leaves nothing behind."""

from __future__ import annotations

import logging

import pytest

from offers.services import offer_delete
from scoring import tasks
from scoring.chunks import chunk_writes_flush
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.models import ScoreResult, ScoringRun
from scoring.runs import run_create
from tests.factories import LeadFactory


class OfferDeletingClassifier(HeuristicClassifier):
    """Erases the offer while classifying, as a user deleting it mid-run would."""

    def __init__(self, offer) -> None:
        self.offer = offer

    def classify(self, offer, leads):
        offer_delete(offer=self.offer)
        return super().classify(offer, leads)


@pytest.mark.django_db(transaction=True)
def test_a_chunk_whose_offer_is_deleted_mid_run_ends_quietly(
    workspace, offer, upload, caplog, monkeypatch
):
    LeadFactory.create_batch(2, upload=upload)
    run, _ = run_create(workspace=workspace, offer=offer, classifier=HeuristicClassifier())
    chunk = run.chunks.get()
    monkeypatch.setattr(
        tasks, "get_classifier", lambda provider=None: OfferDeletingClassifier(offer)
    )

    with caplog.at_level(logging.INFO):
        tasks.score_chunk(chunk.pk)  # the worker's entry point: nothing raised
        chunk_writes_flush()  # on PostgreSQL the results are written by the worker's writer

    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert f"scoring run {run.pk} was erased" in caplog.text
    assert not ScoringRun.objects.exists()
    assert not ScoreResult.objects.exists()
