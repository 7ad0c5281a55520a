"""Scoring runs: the only code that writes results. Composes the rule layer, the classifier and
the cache of LLM answers, chunk by chunk, idempotently."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from leads.models import Lead, Upload
from offers.models import Offer
from scoring import rules
from scoring.classifiers import get_classifier
from scoring.classifiers.base import Classification, Classifier, ClassifierError, Intent
from scoring.composition import LeadScore, Thresholds, score_leads
from scoring.facts import LEAD_FIELDS, LeadFacts, OfferFacts
from scoring.models import LLMAnswer, ScoreResult, ScoringRun
from workspaces.models import Workspace

logger = logging.getLogger(__name__)

# Leads per chunk: the unit of work (and of progress) of a run; small enough that a chunk
# redone after a crash costs little, large enough to amortise queries.
CHUNK_SIZE = 1000


class NothingToScore(Exception):
    """The selection holds no leads."""


class ScoringFailed(Exception):
    """The run failed as a whole (e.g. the LLM provider rejects the key); it is recorded."""

    def __init__(self, run: ScoringRun) -> None:
        super().__init__(run.error)
        self.run = run


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
    """Return the intent thresholds in force (settings)."""
    return Thresholds(high=settings.HIGH_INTENT_SCORE, medium=settings.MEDIUM_INTENT_SCORE)


def leads_score(
    *,
    workspace: Workspace,
    offer: Offer,
    upload: Upload | None = None,
    lead_ids: Sequence[int] | None = None,
    classifier: Classifier | None = None,
) -> ScoringRun:
    """Score leads of `workspace` against `offer` in one run, and return the finished run.

    The leads are those of `upload`, or `lead_ids`, or else all of the workspace's. Each
    (lead, offer) keeps one current result, replaced by this run. Raises NothingToScore when
    the selection is empty and ScoringFailed (after recording the run as failed) when the
    classifier fails permanently.
    """
    ids = _select_lead_ids(workspace=workspace, upload=upload, lead_ids=lead_ids)
    if not ids:
        raise NothingToScore()
    classifier = classifier or get_classifier()
    scope: dict = {}
    if upload is not None:
        scope = {"upload_id": upload.pk}
    elif lead_ids:
        scope = {"lead_ids": list(lead_ids)}
    run = ScoringRun.objects.create(
        workspace=workspace,
        offer=offer,
        scope=scope,
        status=ScoringRun.Status.RUNNING,
        provider=classifier.name,
        model=classifier.model,
        prompt_version=classifier.prompt_version,
        rules_version=rules.RULES_VERSION,
        total=len(ids),
        started_at=timezone.now(),
    )
    try:
        for chunk in _chunks(ids, CHUNK_SIZE):
            run_score_chunk(run=run, lead_ids=chunk, classifier=classifier)
    except ClassifierError as exc:
        _finish(run, ScoringRun.Status.FAILED, error=exc.message)
        raise ScoringFailed(run) from exc
    except Exception:
        _finish(run, ScoringRun.Status.FAILED, error="Internal error while scoring; logged.")
        raise
    _finish(run, ScoringRun.Status.COMPLETED)
    return run


def run_score_chunk(*, run: ScoringRun, lead_ids: Sequence[int], classifier: Classifier) -> int:
    """Score one chunk of a run's leads and store the results; return how many were scored.

    Idempotent: results are upserted per (lead, offer), so a chunk done twice (a retried
    task) leaves one result per lead. Leads deleted meanwhile are counted as failed.
    """
    offer = offer_facts(run.offer)
    rows = list(
        Lead.objects.filter(workspace_id=run.workspace_id, pk__in=lead_ids)
        .order_by("pk")
        .values_list("pk", *LEAD_FIELDS)
    )
    lead_pks = [row[0] for row in rows]
    leads = [LeadFacts(*row[1:]) for row in rows]
    known, keys = _cached_answers(run, classifier, offer, lead_pks, leads)
    scores = score_leads(offer, leads, classifier, thresholds(), known)
    now = timezone.now()
    with transaction.atomic():
        _remember_answers(run, lead_pks, keys, scores)
        ScoreResult.objects.bulk_create(
            [_result(run, pk, s, now) for pk, s in zip(lead_pks, scores, strict=True)],
            batch_size=500,
            update_conflicts=True,
            unique_fields=["lead", "offer"],
            update_fields=_UPDATED_FIELDS,
        )
        ScoringRun.objects.filter(pk=run.pk).update(
            scored=F("scored") + len(scores),
            cached=F("cached") + sum(s.ai.status == "cached" for s in scores),
            fallbacks=F("fallbacks") + sum(s.ai.status == "fallback" for s in scores),
            failed=F("failed") + len(lead_ids) - len(scores),
        )
    return len(scores)


_UPDATED_FIELDS = [
    "run",
    "score",
    "intent",
    "rule_score",
    "role_points",
    "industry_points",
    "completeness_points",
    "ai_intent",
    "ai_points",
    "ai_provider",
    "ai_model",
    "ai_status",
    "reasoning",
    "rules_version",
    "prompt_version",
    "inputs_hash",
    "scored_at",
]


def _result(run: ScoringRun, lead_pk: int, s: LeadScore, now: datetime) -> ScoreResult:
    return ScoreResult(
        workspace_id=run.workspace_id,
        lead_id=lead_pk,
        offer_id=run.offer_id,
        run_id=run.pk,
        score=s.score,
        intent=s.intent.value,
        rule_score=s.rule.total,
        role_points=s.rule.role_points,
        industry_points=s.rule.industry_points,
        completeness_points=s.rule.completeness_points,
        ai_intent=s.ai.intent.value,
        ai_points=s.ai_points,
        ai_provider=s.ai.provider,
        ai_model=s.ai.model,
        ai_status=s.ai.status,
        reasoning=s.reasoning,
        rules_version=rules.RULES_VERSION,
        prompt_version=run.prompt_version if s.ai.provider == run.provider else "",
        inputs_hash=s.inputs_hash,
        scored_at=now,
    )


def _cached_answers(
    run: ScoringRun,
    classifier: Classifier,
    offer: OfferFacts,
    lead_pks: list[int],
    leads: list[LeadFacts],
) -> tuple[list[Classification | None] | None, list[str | None]]:
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


def _remember_answers(
    run: ScoringRun, lead_pks: list[int], keys: list[str | None], scores: list[LeadScore]
) -> None:
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
        LLMAnswer.objects.bulk_create(fresh, ignore_conflicts=True)


def _finish(run: ScoringRun, status: str, *, error: str = "") -> None:
    run.refresh_from_db(fields=["scored", "cached", "fallbacks", "failed"])
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    logger.info(
        "scoring run %s %s: %s/%s scored, %s cached, %s fallbacks, %s failed",
        run.pk,
        status,
        run.scored,
        run.total,
        run.cached,
        run.fallbacks,
        run.failed,
    )


def _select_lead_ids(
    *, workspace: Workspace, upload: Upload | None, lead_ids: Sequence[int] | None
) -> list[int]:
    leads = Lead.objects.filter(workspace=workspace)
    if upload is not None:
        leads = leads.filter(upload=upload)
    elif lead_ids:
        leads = leads.filter(pk__in=lead_ids)
    return list(leads.order_by("pk").values_list("pk", flat=True))


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
