"""Test-only classifiers for runs in scoring processes: importable without Django, as those
processes import them."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence

from scoring.classifiers.base import Classification, ClassifierError
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.facts import LeadFacts, OfferFacts


class RejectingClassifier(HeuristicClassifier):
    """HeuristicClassifier (so CPU-bound, run in scoring processes) refused as a revoked key is."""

    name = "rejecting"

    def classify(self, offer: OfferFacts, leads: Sequence[LeadFacts]) -> list[Classification]:
        raise ClassifierError("Incorrect API key provided", permanent=True)


class DyingClassifier(HeuristicClassifier):
    """HeuristicClassifier whose scoring processes die (as when killed for memory) on their
    first chunk; the process that started them scores as usual."""

    def classify(self, offer: OfferFacts, leads: Sequence[LeadFacts]) -> list[Classification]:
        if multiprocessing.parent_process() is not None:
            os._exit(1)
        return super().classify(offer, leads)
