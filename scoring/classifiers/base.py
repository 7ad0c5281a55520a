"""The intent-classifier protocol shared by every provider, and its errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

from scoring.facts import LeadFacts, OfferFacts


class Intent(StrEnum):
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


# An intent's text, as stored and shown: looked up by the member (hashed as its text, in C),
# several times cheaper than the enum's `value` property where one is read for every lead.
INTENT_TEXT: dict[Intent, str] = {intent: intent.value for intent in Intent}

# The spec's AI layer: High=50, Medium=30, Low=10.
AI_POINTS: dict[Intent, int] = {Intent.HIGH: 50, Intent.MEDIUM: 30, Intent.LOW: 10}

AiStatus = Literal["ok", "cached", "fallback"]


@dataclass(frozen=True, slots=True)
class Classification:
    """A classifier's answer for one lead.

    `provider`/`model` name who actually answered: a lead that fell back to the heuristic
    classifier says `provider="heuristic"` and `status="fallback"`, never the LLM's name.
    """

    intent: Intent
    reasoning: str
    status: AiStatus
    provider: str
    model: str


class ClassifierError(Exception):
    """The provider cannot answer. `permanent` errors (bad key, unknown model) fail a whole run
    at once; transient ones are retried and finally fall back lead by lead."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Classifier(Protocol):
    """Classify leads' buying intent for one offer.

    `classify` returns exactly one Classification per lead, in the order given. It may raise
    ClassifierError(permanent=True) for configuration errors; any other failure must be
    answered per lead with a fallback Classification, so no lead is ever dropped.
    """

    name: str  # "heuristic", "openai", ...
    model: str  # the model answering, "" when not applicable
    prompt_version: str  # changes whenever the decision logic or prompt changes

    def classify(self, offer: OfferFacts, leads: Sequence[LeadFacts]) -> list[Classification]: ...

    def cache_key(self, offer: OfferFacts, lead: LeadFacts) -> str | None:
        """Key under which an answer may be cached (None: never cache, e.g. deterministic)."""
        ...
