"""Compose the rule layer and the AI layer into final scores. Pure: no Django imports.

Shared by the scoring service (which adds caching and persistence) and the `score_csv`
command (which scores a file without a database).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import not_
from typing import Any, NamedTuple

from scoring import rules
from scoring.classifiers.base import AI_POINTS, INTENT_TEXT, Classification, Classifier, Intent
from scoring.facts import LEAD_FIELDS, LeadFacts, OfferFacts


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Final-score cut-offs of the intent label: High from `high`, Medium from `medium`."""

    high: int = 70
    medium: int = 40

    def intent(self, score: int) -> Intent:
        if score >= self.high:
            return Intent.HIGH
        if score >= self.medium:
            return Intent.MEDIUM
        return Intent.LOW


class LeadScore(NamedTuple):
    """A lead's final score: rule points + AI points, the intent label and the evidence.

    A named tuple for the same reason as LeadFacts: one is built for every lead scored.
    """

    rule: rules.RuleScore
    ai: Classification
    score: int
    intent: Intent
    reasoning: str
    inputs_hash: str

    @property
    def ai_points(self) -> int:
        return AI_POINTS[self.ai.intent]


def inputs_hash(offer: OfferFacts, lead: LeadFacts) -> str:
    """Return a digest of everything a score depends on (offer and lead content)."""
    digest = _offer_digest(offer).copy()
    digest.update("\x1f".join(lead).encode())
    return digest.hexdigest()


@lru_cache(maxsize=256)
def _offer_digest(offer: OfferFacts) -> Any:
    # The offer's part is hashed once per offer; each lead continues from a copy of it.
    parts = [
        offer.name,
        *offer.value_props,
        "\x1e",
        *offer.ideal_use_cases,
        "\x1e",
        *offer.icp_industries,
        "\x1e",
        *offer.adjacent_industries,
        "\x1d",
    ]
    return hashlib.blake2b(("\x1f".join(parts) + "\x1f").encode(), digest_size=16)


def compose(
    offer: OfferFacts,
    lead: LeadFacts,
    rule: rules.RuleScore,
    ai: Classification,
    thresholds: Thresholds,
) -> LeadScore:
    """Return the final score of one lead from its rule score and its AI classification."""
    score, intent, reasoning = _outcome((rule, rule.reasoning), ai, thresholds)
    return LeadScore(rule, ai, score, intent, reasoning, inputs_hash(offer, lead))


def score_leads(
    offer: OfferFacts,
    leads: Sequence[LeadFacts],
    classifier: Classifier,
    thresholds: Thresholds,
    known: Sequence[Classification | None] | None = None,
) -> list[LeadScore]:
    """Score `leads` against `offer`, one LeadScore per lead, in order.

    `known[i]`, when given and not None, is an answer already at hand for lead i (a cached
    LLM answer): the classifier is only asked about the others. Raises ClassifierError when
    the classifier fails permanently (a bad key, an unknown model).
    """
    icp = rules.icp_for_offer(offer)
    answers: list[Classification | None] = list(known) if known else [None] * len(leads)
    missing = [i for i, answer in enumerate(answers) if answer is None]
    if missing:
        fresh = classifier.classify(offer, [leads[i] for i in missing])
        if len(fresh) != len(missing):
            raise RuntimeError(
                f"{type(classifier).__name__} answered {len(fresh)} times for {len(missing)} leads"
            )
        for i, answer in zip(missing, fresh, strict=True):
            answers[i] = answer
    digest = _offer_digest(offer)
    rule_parts = _rule_parts(icp)
    # (rule part, answer) -> what they decide together: score, intent and reasoning. Both are
    # shared by many leads (the heuristic's answers repeat), so this is worked out once per
    # pair; keyed by identity, and the pair is kept in the value so the ids stay valid.
    outcomes: dict[tuple[int, int], tuple[_RulePart, Classification, int, Intent, str]] = {}
    scores: list[LeadScore] = []
    append = scores.append
    # The named tuple built as a plain tuple of its class: LeadScore(...) runs a Python-level
    # __new__ for every lead (measured: 1.5k of 170k instructions a lead).
    new = tuple.__new__
    for lead, ai in zip(leads, answers, strict=True):
        if ai is None:
            continue
        # A lead is the tuple of its LEAD_FIELDS values.
        key: tuple[str, str, tuple[str, ...]]
        if all(lead) and not any(map(str.isspace, lead)):
            key = (lead.role, lead.industry, ())  # the common case, at C speed
        else:
            key = (lead.role, lead.industry, _blank_fields(lead))
        part = rule_parts.get(key)
        if part is None:
            if len(rule_parts) > _RULE_PARTS_MAX:
                rule_parts.clear()
            part = rule_parts[key] = _rule_part(lead.role, lead.industry, icp, key[2])
        outcome = outcomes.get((id(part), id(ai)))
        if outcome is None:
            outcome = outcomes[id(part), id(ai)] = (part, ai, *_outcome(part, ai, thresholds))
        hashed = digest.copy()
        hashed.update("\x1f".join(lead).encode())
        append(
            new(LeadScore, (part[0], ai, outcome[2], outcome[3], outcome[4], hashed.hexdigest()))
        )
    return scores


def _outcome(
    part: _RulePart, ai: Classification, thresholds: Thresholds
) -> tuple[int, Intent, str]:
    # A lead's score, intent and reasoning, from its rule part and its answer.
    rule, rule_reasoning = part
    score = rule.total + AI_POINTS[ai.intent]
    ai_part = ai.reasoning.strip()
    reasoning = f"{rule_reasoning}. AI ({ai.provider}): {INTENT_TEXT[ai.intent]}. {ai_part}".strip()
    return score, thresholds.intent(score), reasoning


def _blank_fields(lead: LeadFacts) -> tuple[str, ...]:
    # C iterators only: a quarter of real leads leave a field blank.
    return tuple(compress(LEAD_FIELDS, map(not_, map(str.strip, lead))))


# A lead's rule score and its reasoning.
_RulePart = tuple[rules.RuleScore, str]
# Combinations remembered per ICP before the memo starts over (a bound on memory).
_RULE_PARTS_MAX = 100_000


@lru_cache(maxsize=64)
def _rule_parts(
    icp: rules.Icp,
) -> dict[tuple[str, str, tuple[str, ...]], tuple[rules.RuleScore, str]]:
    # (role, industry, blank fields) -> _rule_part(), for one ICP; a dict, because hashing the
    # ICP for every lead's lookup would cost more than the lookup saves.
    return {}


def _rule_part(role: str, industry: str, icp: rules.Icp, blank: tuple[str, ...]) -> _RulePart:
    # A lead's rule points depend on its role, its industry and which fields it left blank,
    # which repeat across leads: each combination is scored once (checked by a test against
    # rules.score_lead on leads that differ in every other field).
    stand_in = LeadFacts(
        **{field: "" if field in blank else "-" for field in LEAD_FIELDS}
        | {"role": role, "industry": industry}
    )
    rule = rules.score_lead(stand_in, icp)
    return rule, rule.reasoning
