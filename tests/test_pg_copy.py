"""leadscoring.api.pg_copy: COPY output streamed from a thread, on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from leadscoring.api.pg_copy import copy_out

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]
SERIES = "SELECT n, repeat('x', 100) FROM generate_series(1, %s) AS n"


def _copy_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "copy-out"]


def test_batches_hold_every_row_in_order_each_transformed():
    batches = list(copy_out(connection, SERIES, [30_000], transform=bytes.upper))

    rows = b"".join(batches).splitlines()
    assert len(batches) > 1
    assert rows[0] == b"1\t" + b"X" * 100
    assert [int(row.split(b"\t")[0]) for row in rows] == list(range(1, 30_001))


def test_the_copy_sees_the_callers_transaction():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE seen (n int) ON COMMIT DROP")
        cursor.execute("INSERT INTO seen VALUES (7)")

        assert b"".join(copy_out(connection, "SELECT n FROM seen", [])) == b"7\n"


def test_closing_early_ends_the_copy_and_leaves_the_connection_usable():
    batches = copy_out(connection, SERIES, [2_000_000])
    next(batches)

    batches.close()

    assert _copy_threads() == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_failing_query_raises_in_the_reader():
    with pytest.raises(DatabaseError), transaction.atomic():
        list(copy_out(connection, "SELECT 1 / (n - 3) FROM generate_series(1, 5) AS n", []))
    assert _copy_threads() == []
