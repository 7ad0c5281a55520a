"""Bulk insertion of imported leads, overlapped with parsing.

The CSV is parsed in Python while the database inserts the previous batch: the database
driver releases the GIL while it works, so on two cores an import takes about as long as
the slower of the two instead of their sum. Memory stays at two batches.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection
from django.utils import timezone
from psycopg2.errors import UniqueViolation

from leads.csv_import import LeadRow
from leads.models import Lead

COLUMNS = (
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
    "outcome",
    "created_at",
    "outcome_at",
)
# Rows are sent as (workspace_id, upload_id, *LeadRow, created_at, outcome_at): fail at
# import rather than store fields in the wrong columns.
if COLUMNS[2:-2] != LeadRow._fields:
    raise ImportError("leads.writer.COLUMNS is out of step with LeadRow")

# COPY's text format: only these characters need escaping. Short fields cannot hold the
# control characters (the CSV reader rejects them), so only backslashes can occur there.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# psycopg2 reads COPY data in chunks of this size, taking the GIL for each: small chunks
# would make the writer thread queue behind the parsing thread thousands of times.
_COPY_CHUNK = 64 * 1024 * 1024


class LeadWriter:
    """Insert batches of rows for one upload, skipping leads the workspace already has.

    Use it inside the import's transaction and `finish` it before that transaction ends;
    in between, the caller must leave the database connection to the writer's thread.
    `finish` returns how many leads were created.
    """

    def __init__(self, *, workspace_id: int, upload_id: int) -> None:
        connection.ensure_connection()
        self._raw = connection.connection
        self._postgresql = connection.vendor == "postgresql"
        self._table = Lead._meta.db_table
        self._workspace_id = workspace_id
        self._upload_id = upload_id
        now = timezone.now()
        # Formatted once: formatting a datetime per row is a measurable share of an import.
        self._now = (
            now.isoformat()
            if self._postgresql
            else str(connection.ops.adapt_datetimefield_value(now))
        )
        # Look up existing keys before each COPY only when duplicates are likely: the
        # workspace had leads already, or a batch has met one (see _copy_postgresql).
        self._probe = Lead.objects.filter(workspace_id=workspace_id).exists()
        if self._postgresql:
            # Check the foreign key row by row during COPY, in the thread that overlaps with
            # parsing, rather than all at once in the final COMMIT.
            with self._raw.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS lead_upload_workspace_fk IMMEDIATE")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lead-writer")
        self._pending: Future[int] | None = None
        self.created = 0

    def submit(self, rows: Sequence[LeadRow]) -> None:
        """Queue `rows` for insertion, once the previous batch is in."""
        self._collect()
        insert = self._copy_postgresql if self._postgresql else self._insert_sqlite
        self._pending = self._executor.submit(insert, rows)

    def finish(self) -> int:
        """Wait for the last batch, release the thread and return the leads created."""
        try:
            self._collect()
        finally:
            self._executor.shutdown(wait=True)
        return self.created

    def _collect(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.created += pending.result()

    def _insert_sqlite(self, rows: Sequence[LeadRow]) -> int:
        fixed = (self._workspace_id, self._upload_id)
        # An outcome read from the file is recorded as of the upload.
        known, unknown = (self._now, self._now), (self._now, None)
        cursor = self._raw.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {self._table} ({', '.join(COLUMNS)}) "  # noqa: S608
                f"VALUES ({', '.join('?' * len(COLUMNS))}) "
                "ON CONFLICT (workspace_id, dedupe_key) DO NOTHING",
                [fixed + row + (known if row[-1] else unknown) for row in rows],
            )
            return cursor.rowcount
        finally:
            cursor.close()

    def _copy_postgresql(self, rows: Sequence[LeadRow]) -> int:
        # COPY straight into the table is the fastest way in, but it cannot skip duplicates.
        # Drop the batch's own repeats, and, when duplicates are likely, the keys the
        # workspace already has (earlier batches included: same transaction). Should a
        # duplicate still reach COPY (or a concurrent upload insert one of the keys), the
        # batch is redone through a staging table with ON CONFLICT DO NOTHING.
        unique: dict[str, LeadRow] = {}
        for row in rows:
            unique.setdefault(row.dedupe_key, row)
        with self._raw.cursor() as cursor:
            if self._probe:
                cursor.execute(
                    f"SELECT dedupe_key FROM {self._table} "  # noqa: S608
                    "WHERE workspace_id = %s AND dedupe_key = ANY(%s)",
                    (self._workspace_id, list(unique)),
                )
                for (key,) in cursor.fetchall():
                    del unique[key]
            if not unique:
                return 0
            data = self._copy_data(unique.values())
            cursor.execute("SAVEPOINT lead_copy")
            try:
                cursor.copy_expert(
                    f"COPY {self._table} ({', '.join(COLUMNS)}) FROM STDIN",
                    data,
                    size=_COPY_CHUNK,
                )
            except UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT lead_copy")
                self._probe = True
                return self._insert_new_postgresql(cursor, self._copy_data(unique.values()))
            cursor.execute("RELEASE SAVEPOINT lead_copy")
            return len(unique)

    def _insert_new_postgresql(self, cursor: object, data: io.StringIO) -> int:
        columns = ", ".join(COLUMNS)
        cursor.execute(  # type: ignore[attr-defined]
            "CREATE TEMP TABLE IF NOT EXISTS lead_import_stage ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns} FROM {self._table} WITH NO DATA"
        )
        cursor.execute("TRUNCATE lead_import_stage")  # type: ignore[attr-defined]
        cursor.copy_expert(  # type: ignore[attr-defined]
            f"COPY lead_import_stage ({columns}) FROM STDIN", data, size=_COPY_CHUNK
        )
        cursor.execute(  # type: ignore[attr-defined]
            f"INSERT INTO {self._table} ({columns}) "  # noqa: S608
            f"SELECT {columns} FROM lead_import_stage "
            "ON CONFLICT (workspace_id, dedupe_key) DO NOTHING"
        )
        return cursor.rowcount  # type: ignore[attr-defined]

    def _copy_data(self, rows: Iterable[LeadRow]) -> io.StringIO:
        # COPY text format, built by hand: about twice as fast as csv.writer here.
        head = f"{self._workspace_id}\t{self._upload_id}\t"
        tails = {"": f"\t\t{self._now}\t\\N\n"}
        lines = []
        for line, name, role, company, industry, location, bio, key, outcome in rows:
            tail = tails.get(outcome) or tails.setdefault(
                outcome, f"\t{outcome}\t{self._now}\t{self._now}\n"
            )
            text = f"{head}{line}\t{name}\t{role}\t{company}\t{industry}\t{location}\t"
            if "\\" in text:
                text = (
                    head
                    + "\t".join(
                        v.translate(_COPY_ESCAPES)
                        for v in (str(line), name, role, company, industry, location)
                    )
                    + "\t"
                )
            if "\\" in bio or "\n" in bio or "\r" in bio or "\t" in bio:
                bio = bio.translate(_COPY_ESCAPES)
            lines.append(f"{text}{bio}\t{key}{tail}")
        return io.StringIO("".join(lines))
