"""A test-only classifier whose provider refuses every request, importable without Django (by
scoring processes too)."""

from __future__ import annotations

from collections.abc import Sequence

from scoring.classifiers.base import Classification, ClassifierError
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.facts import LeadFacts, OfferFacts


class RejectingClassifier(HeuristicClassifier):
    """HeuristicClassifier (so CPU-bound, run in scoring processes) refused as a revoked key is."""

    name = "rejecting"

    def classify(self, offer: OfferFacts, leads: Sequence[LeadFacts]) -> list[Classification]:
        raise ClassifierError("Incorrect API key provided", permanent=True)
