"""scoring.copy_stream: COPY output streamed from a thread, on PostgreSQL (closing early and
failing are covered with the export, in test_export_stream.py)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from scoring.copy_stream import copy_rows

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]
SERIES = "SELECT n, repeat('x', 100) FROM generate_series(1, %s) AS n"


def test_batches_hold_every_row_in_order_each_batch_transformed():
    batches = list(copy_rows(SERIES, [30_000], options="FORMAT text", transform=b"".join))

    rows = b"".join(batches).splitlines()
    assert len(batches) > 1
    assert rows[0] == b"1\t" + b"x" * 100
    assert [int(row.split(b"\t")[0]) for row in rows] == list(range(1, 30_001))


def test_the_copy_sees_the_callers_transaction():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE seen (n int) ON COMMIT DROP")
        cursor.execute("INSERT INTO seen VALUES (7)")

        assert list(copy_rows("SELECT n FROM seen", options="FORMAT text")) == [[b"7\n"]]
