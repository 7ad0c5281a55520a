"""The cache of LLM answers, per workspace: a lead asked about again (same facts, offer, model
and prompt) is answered from it, never paid for twice."""

from __future__ import annotations

from scoring.classifiers.base import Classification, Classifier, Intent
from scoring.composition import LeadScore
from scoring.facts import LeadFacts, OfferFacts
from scoring.models import LLMAnswer, ScoringRun


def cached_answers(
    run: ScoringRun, classifier: Classifier, offer: OfferFacts, leads: list[LeadFacts]
) -> tuple[list[Classification | None] | None, list[str | None]]:
    """Return (the cached answer of each lead, or None; each lead's cache key, or None).

    The answers are None as a whole when the classifier caches nothing (the heuristic).
    """
    keys = [classifier.cache_key(offer, lead) for lead in leads]
    wanted = [key for key in keys if key is not None]
    if not wanted:
        return None, keys
    stored = {
        answer.key: answer
        for answer in LLMAnswer.objects.filter(workspace_id=run.workspace_id, key__in=wanted)
    }
    known: list[Classification | None] = [
        Classification(
            intent=Intent(stored[key].intent),
            reasoning=stored[key].reasoning,
            status="cached",
            provider=classifier.name,
            model=stored[key].model,
        )
        if key in stored
        else None
        for key in keys
    ]
    return known, keys


def remember_answers(
    run: ScoringRun, lead_pks: list[int], keys: list[str | None], scores: list[LeadScore]
) -> None:
    """Cache the provider's fresh answers among `scores` (keys and leads in the same order)."""
    # Only the provider's own fresh answers are cached: never a fallback, never a re-read.
    fresh = [
        LLMAnswer(
            workspace_id=run.workspace_id,
            lead_id=pk,
            key=key,
            model=s.ai.model,
            prompt_version=run.prompt_version,
            intent=s.ai.intent.value,
            reasoning=s.ai.reasoning,
        )
        for pk, key, s in zip(lead_pks, keys, scores, strict=True)
        if key is not None and s.ai.status == "ok" and s.ai.provider == run.provider
    ]
    if fresh:
        # Committed at once, before the results: paid-for answers survive a crash after them.
        LLMAnswer.objects.bulk_create(fresh, ignore_conflicts=True)


def answered_keys(*, workspace_id: int, keys: list[str]) -> set[str]:
    """Return those of `keys` the workspace's cache holds an answer for."""
    return set(
        LLMAnswer.objects.filter(workspace_id=workspace_id, key__in=keys).values_list(
            "key", flat=True
        )
    )
