"""Uploads (one per CSV file received) and the leads they created."""

from __future__ import annotations

from django.db import models

from workspaces.models import Workspace


class Outcome(models.TextChoices):
    """A lead's known outcome; blank while it is not known (see leads.outcomes)."""

    WON = "won"
    LOST = "lost"


class Upload(models.Model):
    """One CSV file received, with the account of what became of each of its rows."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="uploads")
    filename = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # the first 100: line, field, message
    warnings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="upload_ws_created")]
        constraints = [
            # Target of the leads' composite foreign key (see Lead.upload).
            models.UniqueConstraint(fields=["id", "workspace"], name="upload_id_workspace"),
            models.CheckConstraint(
                condition=models.Q(
                    rows_total=models.F("created") + models.F("duplicates") + models.F("rejected")
                ),
                name="upload_rows_accounted_for",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename or 'upload'} #{self.pk}"


class Lead(models.Model):
    """A person to score, as read from one row of an upload."""

    # Both references are enforced in PostgreSQL by ONE composite foreign key,
    # (upload_id, workspace_id) -> upload (id, workspace_id), added in migration 0002: it also
    # guarantees a lead belongs to its upload's workspace, and checks each inserted row once
    # instead of twice. No single-column indexes: the composite indexes below lead with
    # these columns, and every index costs time on each row an upload inserts.
    workspace = models.ForeignKey(
        Workspace,
        on_delete=models.CASCADE,
        related_name="leads",
        db_index=False,
        db_constraint=False,
    )
    upload = models.ForeignKey(
        Upload, on_delete=models.CASCADE, related_name="leads", db_index=False, db_constraint=False
    )
    line = models.PositiveIntegerField(help_text="Line of the upload this lead was read from.")
    name = models.CharField(max_length=300)
    role = models.CharField(max_length=300, blank=True)
    company = models.CharField(max_length=300, blank=True)
    industry = models.CharField(max_length=300, blank=True)
    location = models.CharField(max_length=300, blank=True)
    linkedin_bio = models.TextField(blank=True)
    # Digest of the normalised (name, company): one lead per person and company per workspace.
    dedupe_key = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    # What became of the lead, when known: what the evaluation measures the scores against.
    # db_default: rows inserted by raw SQL (bulk loads) start with an unknown outcome too.
    outcome = models.CharField(
        max_length=4, choices=Outcome.choices, blank=True, default="", db_default=""
    )
    outcome_at = models.DateTimeField(null=True, blank=True, help_text="When it was recorded.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "dedupe_key"], name="lead_unique_person"),
            # The index that lists a workspace's leads in id order, unique (as the id is) so
            # that a result's composite foreign key can reference it (see ScoreResult.lead).
            models.UniqueConstraint(fields=["workspace", "id"], name="lead_ws_id"),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["", "won", "lost"]), name="lead_outcome_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["upload", "id"], name="lead_upload_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name
