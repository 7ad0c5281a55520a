"""The Offer model."""

from __future__ import annotations

from django.db import models

from workspaces.models import Workspace


class Offer(models.Model):
    """A product offer of a workspace: its value props and ideal use cases (the ICP)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="offers")
    name = models.CharField(max_length=200)
    value_props = models.JSONField(default=list)
    ideal_use_cases = models.JSONField(default=list)
    # Optional explicit ICP; when set, it takes precedence over what ideal_use_cases name.
    icp_industries = models.JSONField(default=list, blank=True)
    adjacent_industries = models.JSONField(default=list, blank=True)
    # Final-score cut-offs of this offer's intents; null: the service-wide settings.
    high_intent_score = models.PositiveSmallIntegerField(null=True, blank=True)
    medium_intent_score = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="offer_ws_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(high_intent_score__lte=100)
                & models.Q(medium_intent_score__lte=100),
                name="offer_thresholds_within_scores",
            ),
            models.CheckConstraint(
                condition=models.Q(high_intent_score__isnull=True)
                | models.Q(medium_intent_score__isnull=True)
                | models.Q(medium_intent_score__lt=models.F("high_intent_score")),
                name="offer_medium_below_high",
            ),
        ]

    def __str__(self) -> str:
        return self.name
