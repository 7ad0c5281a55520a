"""Write operations on leads: CSV import and erasure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from django.db import connection, transaction
from django.utils import timezone

from leads.csv_import import MAX_ERRORS_REPORTED, LeadCsvReader, LeadRow, RowError
from leads.models import Lead, Upload
from workspaces.models import Workspace

# Rows per INSERT: large enough to amortise round trips, small enough to keep memory flat.
INSERT_BATCH = 2000
_COLUMNS = (
    "workspace_id",
    "upload_id",
    "line",
    "name",
    "role",
    "company",
    "industry",
    "location",
    "linkedin_bio",
    "dedupe_key",
    "created_at",
)


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
        created = rejected = 0
        for item in reader:
            if isinstance(item, RowError):
                rejected += 1
                if len(errors) < MAX_ERRORS_REPORTED:
                    errors.append(item.as_dict())
                continue
            if strict and rejected:
                continue  # the upload is lost anyway; keep reading only to report errors
            batch.append(item)
            if len(batch) >= INSERT_BATCH:
                created += _insert_new(workspace.pk, upload.pk, batch)
                batch.clear()
        if batch and not (strict and rejected):
            created += _insert_new(workspace.pk, upload.pk, batch)
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


def _insert_new(workspace_id: int, upload_id: int, rows: Sequence[LeadRow]) -> int:
    """Insert the rows whose dedupe key is new to the workspace; return how many were new.

    The unique (workspace, dedupe_key) constraint decides, so duplicates within the file and
    against concurrent uploads are caught by the database, with no set held in memory.
    """
    now = timezone.now()
    params = [
        (
            workspace_id,
            upload_id,
            row.line,
            row.name,
            row.role,
            row.company,
            row.industry,
            row.location,
            row.linkedin_bio,
            row.dedupe_key,
            now,
        )
        for row in rows
    ]
    table = Lead._meta.db_table
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            sql = (
                f"INSERT INTO {table} ({columns}) VALUES %s "  # noqa: S608 - constant names
                "ON CONFLICT (workspace_id, dedupe_key) DO NOTHING"
            )
            execute_values(cursor.cursor, sql, params, page_size=len(params))
            return cursor.cursor.rowcount
        placeholders = ", ".join(["%s"] * len(_COLUMNS))
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608
            "ON CONFLICT (workspace_id, dedupe_key) DO NOTHING"
        )
        cursor.executemany(sql, params)
        return cursor.rowcount


@transaction.atomic
def lead_delete(*, lead: Lead) -> None:
    """Erase a lead and everything derived from it."""
    lead.delete()


@transaction.atomic
def upload_delete(*, upload: Upload) -> int:
    """Erase an upload with its leads and everything derived from them; return leads erased."""
    count = upload.leads.count()
    Lead.objects.filter(upload=upload).delete()
    upload.delete()
    return count
