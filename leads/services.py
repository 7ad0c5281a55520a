"""Write operations on leads: CSV import and erasure."""

from __future__ import annotations

from typing import BinaryIO

from django.db import transaction

from leads.csv_import import MAX_ERRORS_REPORTED, LeadCsvReader, LeadRow, RowError
from leads.models import Lead, Upload
from leads.writer import LeadWriter
from scoring.services import results_changed
from workspaces.models import Workspace

# Rows per INSERT: large enough to amortise round trips, small enough to keep memory flat.
INSERT_BATCH = 5000


class StrictModeRejected(Exception):
    """`strict=true` and some rows were rejected: nothing was stored."""

    def __init__(self, upload: Upload) -> None:
        super().__init__(f"{upload.rejected} row(s) rejected in strict mode")
        self.upload = upload


def leads_import_csv(
    *,
    workspace: Workspace,
    file: BinaryIO,
    filename: str = "",
    size_bytes: int = 0,
    strict: bool = False,
    max_rows: int = 1_000_000,
) -> Upload:
    """Import the leads of a CSV file into `workspace` and return the recorded Upload.

    Every data row is created, counted as a duplicate (same normalised name and company as a
    lead of the workspace or an earlier row), or rejected with its line and reason. The import
    is one transaction: raises CsvFormatError (structure) or StrictModeRejected (`strict` and a
    row error) with nothing written.
    """
    reader = LeadCsvReader(file, max_rows=max_rows)
    with transaction.atomic():
        upload = Upload.objects.create(
            workspace=workspace,
            filename=filename[:255],
            size_bytes=size_bytes,
            encoding=reader.encoding,
            delimiter=reader.delimiter,
            warnings=reader.warnings,
        )
        batch: list[LeadRow] = []
        errors: list[dict] = []
        rejected = 0
        writer = LeadWriter(workspace_id=workspace.pk, upload_id=upload.pk)
        try:
            for item in reader:
                if isinstance(item, RowError):
                    rejected += 1
                    if len(errors) < MAX_ERRORS_REPORTED:
                        errors.append(item.as_dict())
                    continue
                if strict and rejected:
                    continue  # nothing will be kept; read on only to report every error
                batch.append(item)
                if len(batch) >= INSERT_BATCH:
                    writer.submit(batch)
                    batch = []
            if batch and not (strict and rejected):
                writer.submit(batch)
        finally:
            created = writer.finish()
        upload.rows_total = reader.rows_total
        upload.created = created
        upload.rejected = rejected
        upload.duplicates = reader.rows_total - created - rejected
        upload.errors = errors
        upload.warnings = reader.warnings
        if strict and rejected:
            transaction.set_rollback(True)
            raise StrictModeRejected(upload)
        upload.save(
            update_fields=[
                "rows_total",
                "created",
                "duplicates",
                "rejected",
                "errors",
                "warnings",
            ]
        )
    return upload


@transaction.atomic
def lead_delete(*, lead: Lead) -> None:
    """Erase a lead and everything derived from it (results, cached LLM answers)."""
    workspace_id = lead.workspace_id
    lead.delete()
    results_changed(workspace_id=workspace_id)


@transaction.atomic
def upload_delete(*, upload: Upload) -> int:
    """Erase an upload with its leads and everything derived from them; return leads erased."""
    workspace_id = upload.workspace_id
    count = upload.leads.count()
    Lead.objects.filter(upload=upload).delete()
    upload.delete()
    results_changed(workspace_id=workspace_id)
    return count
