"""What the scoring layers read of an offer and of the settings: its facts, its intent
thresholds."""

from __future__ import annotations

from django.conf import settings

from offers.models import Offer
from scoring.composition import Thresholds
from scoring.facts import OfferFacts
from scoring.models import ScoringRun


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
