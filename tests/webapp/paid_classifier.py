"""A test-only classifier that counts as a paid model: its answers are cached, so a run's
estimate counts requests and tokens. It answers as the heuristic does, offline."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.facts import LeadFacts, OfferFacts

PATH = "tests.webapp.paid_classifier.PaidClassifier"


class PaidClassifier(HeuristicClassifier):
    name = "paid-test"
    model = "paid-test-1"
    batch_size = 10

    def cache_key(self, offer: OfferFacts, lead: LeadFacts) -> str | None:
        return hashlib.sha256(repr((self.model, offer, lead)).encode()).hexdigest()[:32]

    def estimate_tokens(self, offer: OfferFacts, leads: Sequence[LeadFacts]) -> int:
        return 300 * len(leads)
