"""Scoring runs, their results (one current result per lead and offer) and cached LLM answers."""

from __future__ import annotations

from django.db import models

from leads.models import Lead
from offers.models import Offer
from scoring.id_runs import count_of, ids_of
from workspaces.models import Workspace


class Intent(models.TextChoices):
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


class ScoringRun(models.Model):
    """One request to score a set of leads against an offer, with its progress and outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="runs")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="runs")
    # What was asked for: {"upload_id": N} or {"lead_ids": [...]}, {} for every lead.
    scope = models.JSONField(default=dict, blank=True)
    # Digest of (offer, scope): at most one active run per key, so a repeated request joins
    # the run in progress instead of starting another (see run_one_active_per_scope).
    scope_key = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    provider = models.CharField(max_length=200)
    model = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=100, blank=True)
    rules_version = models.CharField(max_length=50)
    # The intent thresholds the run applied (the offer's, else the settings'); null on runs
    # from before they were recorded.
    high_intent_score = models.PositiveSmallIntegerField(null=True, blank=True)
    medium_intent_score = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    scored = models.PositiveIntegerField(default=0)
    cached = models.PositiveIntegerField(default=0)
    fallbacks = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Said when a run completed without really using its model (most leads fell back).
    warnings = models.JSONField(default=list, blank=True)
    background = models.BooleanField(default=False)
    callback_url = models.URLField(max_length=2000, blank=True)
    # The HMAC key of the callback's signature, as the caller gave it; never shown by the API.
    callback_secret = models.CharField(max_length=200, blank=True)
    # pending, delivered, failed (retried), refused (an address never called: not retried)
    callback_status = models.CharField(max_length=10, blank=True)
    callback_attempts = models.PositiveSmallIntegerField(default=0)
    callback_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="run_ws_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scored__lte=models.F("total")), name="run_scored_within_total"
            ),
            models.UniqueConstraint(
                fields=["workspace", "scope_key"],
                condition=models.Q(status__in=["queued", "running"]),
                name="run_one_active_per_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"

    @property
    def answered(self) -> int:
        """Leads the provider itself answered: neither from the cache nor fallbacks."""
        return self.scored - self.cached - self.fallbacks


class ScoringChunk(models.Model):
    """A slice of a run's leads: the unit any worker may take, redo after a crash, and count
    exactly once (its counts are added to the run when, and only when, it turns done)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    # Its leads' ids as runs of consecutive ids (scoring.id_runs); read with `ids()`.
    lead_ids = models.JSONField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    scored = models.PositiveIntegerField(default=0)
    cached = models.PositiveIntegerField(default=0)
    fallbacks = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # Set when a worker takes the chunk and renewed while it works: a stale one is retaken.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="chunk_unique_index")]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="chunk_status_heartbeat")]

    def __str__(self) -> str:
        return f"run {self.run_id} chunk {self.index} ({self.status})"

    def ids(self) -> list[int]:
        """Return the ids of the chunk's leads, in order."""
        return ids_of(self.lead_ids)

    @property
    def size(self) -> int:
        """How many leads the chunk holds."""
        return count_of(self.lead_ids)


class ScoreResult(models.Model):
    """The current score of a lead against an offer, with the evidence and provenance behind it.

    Re-scoring replaces the row (unique per lead and offer), so results never duplicate.
    """

    # Both references are enforced in PostgreSQL by ONE composite foreign key, (workspace_id,
    # lead_id) -> lead (workspace_id, id), added in migration 0006: it also guarantees that a
    # result belongs to its lead's workspace, and checks each inserted row once instead of
    # twice (measured: a foreign-key check costs 3-8 us per inserted row, as much as a third of
    # the insert). Updates that keep both keys are not checked at all.
    workspace = models.ForeignKey(
        Workspace,
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,
        db_constraint=False,
    )
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="results", db_index=False, db_constraint=False
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="results", db_index=False
    )
    # Not indexed: every run rewrites run_id, and an index on it would make each rewrite of an
    # unchanged result a non-HOT update (new index entries everywhere). `?run_id=` filters
    # within a workspace or offer, whose indexes lead the way.
    # No constraint in the database either: every run rewrites run_id, and the database's check
    # of that key, row by row, was a third of the cost of re-scoring a result on PostgreSQL
    # (measured: 17-20 us against 11 us per row of the upsert). The run is always created,
    # and committed, before its results are written; runs go only with their results (the
    # ORM's cascade here, and workspace erasure deletes results first), which a test checks.
    run = models.ForeignKey(
        ScoringRun,
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,
        db_constraint=False,
    )
    score = models.PositiveSmallIntegerField()
    intent = models.CharField(max_length=6, choices=Intent.choices)
    rule_score = models.PositiveSmallIntegerField()
    role_points = models.PositiveSmallIntegerField()
    industry_points = models.PositiveSmallIntegerField()
    completeness_points = models.PositiveSmallIntegerField()
    ai_intent = models.CharField(max_length=6, choices=Intent.choices)
    ai_points = models.PositiveSmallIntegerField()
    ai_provider = models.CharField(max_length=200)
    ai_model = models.CharField(max_length=200, blank=True)
    ai_status = models.CharField(max_length=8)  # ok, cached, fallback
    reasoning = models.TextField()
    rules_version = models.CharField(max_length=50)
    prompt_version = models.CharField(max_length=100, blank=True)
    # Digest of the offer and lead content that was scored: tells whether a result is stale.
    inputs_hash = models.CharField(max_length=32)
    scored_at = models.DateTimeField()

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "offer"], name="result_one_per_lead_offer"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="result_score_max"),
        ]
        indexes = [
            # The default listing: a workspace's (or an offer's) results, best first.
            models.Index(fields=["workspace", "-score", "id"], name="result_ws_score"),
            models.Index(fields=["offer", "-score", "id"], name="result_offer_score"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}/{self.offer_id}: {self.score}"

    @property
    def breakdown(self) -> dict[str, int]:
        return {
            "role": self.role_points,
            "industry": self.industry_points,
            "completeness": self.completeness_points,
        }


class LLMAnswer(models.Model):
    """A language model's answer for one lead, reused while the model, prompt, offer and lead
    are unchanged. Deleted with its lead (erasure), never shared across workspaces."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, db_index=False)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="llm_answers")
    key = models.CharField(max_length=64)
    model = models.CharField(max_length=200)
    prompt_version = models.CharField(max_length=100)
    intent = models.CharField(max_length=6, choices=Intent.choices)
    reasoning = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="llm_answer_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.model} answer for lead {self.lead_id}"
