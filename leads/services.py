"""Write operations on leads: CSV import, outcomes and erasure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.utils import timezone

from leads.csv_import import MAX_ERRORS_REPORTED, LeadCsvReader, LeadRow, RowError
from leads.models import Lead, Upload
from leads.outcome_import import OutcomeCsvReader, OutcomeRow
from leads.outcomes import UNKNOWN
from leads.writer import LeadWriter
from leadscoring.results_cache import results_changed
from workspaces.erasure import delete_rows
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


def lead_set_outcome(*, lead: Lead, outcome: str) -> Lead:
    """Record what became of `lead` (WON, LOST or UNKNOWN) and return it.

    `outcome_at` is the time it was recorded, kept when the outcome does not change, and
    cleared with an UNKNOWN outcome.
    """
    if outcome != lead.outcome:
        lead.outcome = outcome
        lead.outcome_at = timezone.now() if outcome != UNKNOWN else None
        lead.save(update_fields=["outcome", "outcome_at"])
    return lead


@dataclass
class OutcomeImport:
    """What became of each row of an outcomes CSV: `updated + unchanged + rejected ==
    rows_total`; rows naming no lead of the workspace are rejected."""

    rows_total: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


def leads_record_outcomes(
    *, workspace: Workspace, file: BinaryIO, max_rows: int = 1_000_000
) -> OutcomeImport:
    """Record the outcomes a CSV gives for leads of `workspace` and return the account.

    Rows name a lead by `lead_id`, or by name and company compared as duplicates are; a later
    row for the same lead wins. One transaction: raises CsvFormatError with nothing written.
    """
    reader = OutcomeCsvReader(file, max_rows=max_rows)
    account = OutcomeImport(encoding=reader.encoding, delimiter=reader.delimiter)
    with transaction.atomic():
        batch: list[OutcomeRow | RowError] = []
        for item in reader:
            batch.append(item)
            if len(batch) >= INSERT_BATCH:
                _record_outcomes(workspace, batch, account)
                batch = []
        if batch:
            _record_outcomes(workspace, batch, account)
        account.rows_total = reader.rows_total
        account.warnings = reader.warnings
    return account


def _reject(account: OutcomeImport, error: RowError) -> None:
    account.rejected += 1
    if len(account.errors) < MAX_ERRORS_REPORTED:
        account.errors.append(error.as_dict())


def _record_outcomes(
    workspace: Workspace, items: list[OutcomeRow | RowError], account: OutcomeImport
) -> None:
    # Errors are reported in file order: rows are looked up a batch at a time, then accounted
    # for one by one.
    rows = [item for item in items if isinstance(item, OutcomeRow)]
    leads = Lead.objects.filter(workspace=workspace)
    ids = [row.lead_id for row in rows if row.lead_id is not None]
    keys = [row.dedupe_key for row in rows if row.dedupe_key is not None]
    current: dict[int, str] = {}
    by_key: dict[str, int] = {}
    if ids:
        current.update(leads.filter(pk__in=ids).values_list("pk", "outcome"))
    if keys:
        for pk, key, outcome in leads.filter(dedupe_key__in=keys).values_list(
            "pk", "dedupe_key", "outcome"
        ):
            by_key[key] = pk
            current[pk] = outcome
    changed: dict[int, str] = {}
    for row in items:
        if isinstance(row, RowError):
            _reject(account, row)
            continue
        pk = row.lead_id if row.lead_id is not None else by_key.get(row.dedupe_key or "")
        if pk is None or pk not in current:
            what = "lead_id" if row.lead_id is not None else "name"
            message = (
                f"No lead of this workspace has id {row.lead_id}."
                if row.lead_id is not None
                else "No lead of this workspace has this name and company."
            )
            _reject(account, RowError(row.line, what, message))
            continue
        if current[pk] == row.outcome:
            account.unchanged += 1
            continue
        current[pk] = changed[pk] = row.outcome
        account.updated += 1
    now = timezone.now()
    for outcome in {*changed.values()}:
        pks = [pk for pk, value in changed.items() if value == outcome]
        for start in range(0, len(pks), 1000):
            Lead.objects.filter(pk__in=pks[start : start + 1000]).update(
                outcome=outcome, outcome_at=now if outcome != UNKNOWN else None
            )


def workspace_leads_erase(*, workspace: Workspace, **kwargs: Any) -> dict[str, int]:
    """Delete the workspace's leads and uploads in bulk; return the counts (a receiver of
    `workspace_erasing`)."""
    return {
        "leads": delete_rows(Lead, "workspace_id = %s", workspace.pk),
        "uploads": delete_rows(Upload, "workspace_id = %s", workspace.pk),
    }
