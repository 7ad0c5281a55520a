"""Read operations on runs and results, always within one workspace."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from leads.models import Lead
from leadscoring.results_cache import results_version
from scoring.evaluation import Cell, evaluate
from scoring.models import Intent, ScoreResult, ScoringRun
from scoring.result_rows import result_items
from vocabulary import taxonomy
from vocabulary.taxonomy import Industry
from workspaces.models import Workspace

# Public ordering names -> ORDER BY, each ending with the id so that ties keep a stable order.
RESULT_ORDERINGS = {
    "-score": ("-score", "id"),
    "score": ("score", "id"),
    "name": ("lead__name", "id"),
    "-name": ("-lead__name", "-id"),
    "scored_at": ("scored_at", "id"),
    "-scored_at": ("-scored_at", "-id"),
}


@dataclass(frozen=True)
class ResultFilters:
    """Filters of GET /results/ and its export; None means no filter."""

    offer_id: int | None = None
    run_id: int | None = None
    upload_id: int | None = None
    intent: str | None = None
    min_score: int | None = None
    q: str | None = None
    ordering: str = "-score"


def result_list(*, workspace: Workspace, filters: ResultFilters) -> QuerySet[ScoreResult]:
    """Return the workspace's current results matching `filters`, in the asked order."""
    results = ScoreResult.objects.filter(workspace=workspace)
    if filters.offer_id is not None:
        results = results.filter(offer_id=filters.offer_id)
    if filters.run_id is not None:
        results = results.filter(run_id=filters.run_id)
    if filters.upload_id is not None:
        results = results.filter(lead__upload_id=filters.upload_id)
    if filters.intent is not None:
        results = results.filter(intent=filters.intent)
    if filters.min_score is not None:
        results = results.filter(score__gte=filters.min_score)
    if filters.q:
        results = results.filter(
            Q(lead__name__icontains=filters.q) | Q(lead__company__icontains=filters.q)
        )
    return results.select_related("lead").order_by(*RESULT_ORDERINGS[filters.ordering])


def result_page(
    *, workspace: Workspace, filters: ResultFilters, offset: int, limit: int
) -> list[ScoreResult]:
    """Return `limit` results of `result_list` from `offset`, with their leads, in order.

    The page's ids are found first, then only their rows are loaded: a deep page (OFFSET
    50,000) then skips index entries rather than joined rows.
    """
    ids = list(
        result_list(workspace=workspace, filters=filters).values_list("id", flat=True)[
            offset : offset + limit
        ]
    )
    rows = ScoreResult.objects.select_related("lead").in_bulk(ids)
    return [rows[pk] for pk in ids]


# Seconds a results count may be served from the cache. Writes to a workspace's results
# change its version, so counts are fresh wherever the cache is shared (Redis); a
# per-process cache (no REDIS_URL) may show another process's stale count this long.
RESULT_COUNT_TTL = 60


def result_count(*, workspace: Workspace, filters: ResultFilters) -> int:
    """Return how many results `result_list` would give, cached until the results change.

    COUNT(*) over a million results takes ~100 ms on PostgreSQL; paging through a listing
    repeats the same count on every page.
    """
    key = f"results:count:{workspace.pk}:{results_version(workspace.pk)}:{_filters_key(filters)}"
    count = cache.get(key)
    if count is None:
        count = result_list(workspace=workspace, filters=filters).count()
        cache.set(key, count, RESULT_COUNT_TTL)
    return count


def result_intent_counts(*, workspace: Workspace, filters: ResultFilters) -> dict[str, int]:
    """Return how many of the results `result_list` would give have each intent (High,
    Medium, Low, each present), cached until the results change, as result_count is."""
    key = f"results:intents:{workspace.pk}:{results_version(workspace.pk)}:{_filters_key(filters)}"
    counts = cache.get(key)
    if counts is None:
        rows = (
            result_list(workspace=workspace, filters=filters)
            .order_by()
            .values_list("intent")
            .annotate(n=Count("id"))
        )
        found = dict(rows)
        counts = {intent: found.get(intent, 0) for intent in Intent.values}
        cache.set(key, counts, RESULT_COUNT_TTL)
    return counts


def _filters_key(filters: ResultFilters) -> str:
    described = repr(
        (
            filters.offer_id,
            filters.run_id,
            filters.upload_id,
            filters.intent,
            filters.min_score,
            filters.q,
        )
    )
    return hashlib.blake2b(described.encode(), digest_size=12).hexdigest()


def result_item(*, workspace: Workspace, result_id: int) -> dict:
    """Return the workspace's result as the API shows it; raise Http404 when unknown or not
    theirs."""
    for item in result_items(ScoreResult.objects.filter(workspace=workspace, pk=result_id)):
        return item
    raise Http404("No such result.")


def result_outcome_cells(*, workspace: Workspace, filters: ResultFilters) -> list[Cell]:
    """Return the selected current results counted by score, rule score, AI points, intent
    and their lead's outcome: one aggregate query, whose answer stays a few hundred rows
    however many results there are."""
    rows = (
        result_list(workspace=workspace, filters=filters)
        .order_by()
        .values("score", "rule_score", "ai_points", "intent", "lead__outcome")
        .annotate(count=Count("pk"))
    )
    return [
        Cell(
            score=row["score"],
            rule_score=row["rule_score"],
            ai_points=row["ai_points"],
            intent=row["intent"],
            outcome=row["lead__outcome"],
            count=row["count"],
        )
        for row in rows
    ]


def result_evaluation(*, workspace: Workspace, filters: ResultFilters) -> dict:
    """Return the evaluation report (scoring.evaluation) of the selected current results
    against their leads' known outcomes."""
    return evaluate(result_outcome_cells(workspace=workspace, filters=filters))


def run_list(*, workspace: Workspace) -> QuerySet[ScoringRun]:
    """Return the workspace's scoring runs, newest first."""
    return ScoringRun.objects.filter(workspace=workspace).order_by("-created_at", "-id")


def run_get(*, workspace: Workspace, run_id: int) -> ScoringRun:
    """Return the workspace's run; raise Http404 when unknown or not theirs."""
    return get_object_or_404(ScoringRun, workspace=workspace, pk=run_id)


def unknown_lead_ids(*, workspace: Workspace, lead_ids: Sequence[int]) -> list[int]:
    """Return the ids among `lead_ids` that are not leads of `workspace`, in the given order."""
    found = set(
        Lead.objects.filter(workspace=workspace, pk__in=lead_ids).values_list("pk", flat=True)
    )
    return [pk for pk in dict.fromkeys(lead_ids) if pk not in found]


def industry_list(*, q: str = "") -> Sequence[Industry]:
    """Return the LinkedIn V2 industries matching `q` (all of them, in hierarchy order, if blank).

    The taxonomy is the same for every workspace: nothing here is private.
    """
    return taxonomy.search(q)
