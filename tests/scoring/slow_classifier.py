"""A test-only classifier: the heuristic one, slowed down so a background run lasts seconds."""

from __future__ import annotations

import time
from collections.abc import Sequence

from scoring.classifiers.base import Classification
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.facts import LeadFacts, OfferFacts

PATH = "tests.scoring.slow_classifier.SlowClassifier"


class SlowClassifier(HeuristicClassifier):
    """HeuristicClassifier taking SECONDS_PER_LEAD per lead.

    Its name is not a built-in provider's, so workers build the classifier that
    LEADSCORING_AI_PROVIDER names (this class, by its dotted path) for its runs.
    """

    name = "slow-heuristic"
    cpu_bound = False  # it waits: SECONDS_PER_LEAD, set by tests, stays in their process
    SECONDS_PER_LEAD = 0.05

    def classify(self, offer: OfferFacts, leads: Sequence[LeadFacts]) -> list[Classification]:
        time.sleep(self.SECONDS_PER_LEAD * len(leads))
        return super().classify(offer, leads)
