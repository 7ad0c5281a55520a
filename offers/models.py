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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="offer_ws_created")]

    def __str__(self) -> str:
        return self.name
