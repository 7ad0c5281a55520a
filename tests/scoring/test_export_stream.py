"""scoring.export_stream: the export formatted by the database is, byte for byte, what the
reference (csv_lines over the ORM's rows) writes, on whichever database the suite runs on."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection

from scoring.export_stream import EXPORT_FIELDS, export_csv, reference_csv
from scoring.models import ScoreResult
from tests.scoring.hostile_results import hostile_texts, make_results

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite stores any type")


def exported(results) -> bytes:
    return b"".join(
        chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in export_csv(results)
    )


def reference(results) -> bytes:
    return "".join(reference_csv(results)).encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ordering", [("-score", "id"), ("-lead__name", "-id"), ("scored_at", "id")]
)
def test_export_is_byte_for_byte_the_reference_on_hostile_text(ordering):
    make_results(hostile_texts(2000, seed=7))
    results = ScoreResult.objects.select_related("lead").order_by(*ordering)

    assert exported(results) == reference(results)


@pytest.mark.django_db
def test_export_of_no_results_is_the_reference_header():
    assert exported(ScoreResult.objects.all()) == reference(ScoreResult.objects.all())


@pytest.mark.django_db
def test_export_applies_the_querysets_filters_and_order():
    make_results(hostile_texts(300, seed=3))
    results = ScoreResult.objects.filter(score__gte=40).order_by("score", "id")

    assert exported(results) == reference(results)
    assert exported(results).count(b"\r\n") < exported(ScoreResult.objects.all()).count(b"\r\n")


@sqlite_only
@pytest.mark.django_db
def test_export_of_values_stored_otherwise_than_django_stores_them_is_the_reference():
    make_results(hostile_texts(70, seed=5))
    result, other, third = ScoreResult.objects.order_by("id")[:3]
    with connection.cursor() as cursor:
        # Milliseconds, a "T", zero microseconds written out: SQLite keeps what it is given.
        cursor.execute(
            "UPDATE scoring_scoreresult SET scored_at = %s WHERE id = %s",
            ["2026-11-27 10:00:01.120", result.pk],
        )
        cursor.execute(
            "UPDATE scoring_scoreresult SET scored_at = %s WHERE id = %s",
            ["2026-11-27T10:00:01", other.pk],
        )
        cursor.execute(
            "UPDATE leads_lead SET outcome = 'won', outcome_at = %s WHERE id = %s",
            ["2026-11-27 10:00:01.000000", third.lead_id],
        )
    results = ScoreResult.objects.order_by("id")

    assert exported(results) == reference(results)


@postgresql_only
@pytest.mark.django_db
def test_a_closed_copy_stops_and_leaves_the_connection_usable():
    from scoring.copy_stream import copy_rows

    rows = copy_rows("SELECT g FROM generate_series(1, %s) g", [10_000_000], batch_bytes=1000)
    first = next(rows)
    rows.close()

    assert first[:2] == [b"1\n", b"2\n"]
    assert not [t for t in threading.enumerate() if t.name == "copy_rows"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@postgresql_only
@pytest.mark.django_db
def test_a_failing_copy_raises_and_leaves_the_transaction_usable():
    from scoring.copy_stream import copy_rows

    with pytest.raises(DatabaseError):
        list(copy_rows("SELECT 1 / (g - 3) FROM generate_series(1, 5) g"))

    assert not [t for t in threading.enumerate() if t.name == "copy_rows"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_export_fields_are_the_columns_of_results_and_their_leads():
    assert EXPORT_FIELDS[:6] == (
        "lead__name",
        "lead__role",
        "lead__company",
        "intent",
        "score",
        "reasoning",
    )
