"""scoring.result_rows: the whole list written by the database (json_object() on SQLite, COPY
on PostgreSQL) is, byte for byte, what DRF's renderer writes for `result_items` (the Python
path pages use), on whichever database the suite runs on."""

from __future__ import annotations

import itertools
import sqlite3

import pytest
from django.db import DataError, connection, transaction
from rest_framework.renderers import JSONRenderer

from leadscoring.api.streaming import json_array_chunks
from scoring.models import ScoreResult
from scoring.result_rows import result_items, result_json_batches
from tests.scoring.hostile_results import hostile_texts, make_results


def streamed(results) -> bytes:
    return b"".join(json_array_chunks(result_json_batches(results)))


def reference(results) -> bytes:
    return JSONRenderer().render(list(result_items(results)))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ordering", [("-score", "id"), ("-lead__name", "-id"), ("scored_at", "id")]
)
def test_the_whole_list_is_byte_for_byte_the_reference_on_hostile_text(ordering):
    make_results(hostile_texts(2000, seed=7))
    results = ScoreResult.objects.select_related("lead").order_by(*ordering)

    assert streamed(results) == reference(results)


@pytest.mark.django_db
def test_the_whole_list_applies_the_querysets_filters_and_order():
    make_results(hostile_texts(300, seed=3))
    results = (
        ScoreResult.objects.select_related("lead").filter(score__gte=40).order_by("score", "id")
    )

    assert streamed(results) == reference(results)
    assert len(reference(results)) < len(reference(ScoreResult.objects.all()))


@pytest.mark.django_db
def test_an_empty_list_is_the_reference():
    assert streamed(ScoreResult.objects.all()) == reference(ScoreResult.objects.all()) == b"[]"


@pytest.mark.django_db
def test_text_no_database_can_hold_is_refused_before_it_is_stored():
    # A lone surrogate is not Unicode text: neither driver encodes it, so no path ever
    # reads one back. (SQLite keeps a NUL; PostgreSQL refuses it, and hostile_texts drops it.)
    make_results(["x"])
    result = ScoreResult.objects.get()
    result.reasoning = "a\ud800b"

    with pytest.raises((UnicodeEncodeError, DataError)), transaction.atomic():
        result.save()
    assert ScoreResult.objects.get().reasoning != result.reasoning
    if connection.vendor == "postgresql":
        result.reasoning = "a\x00b"
        with pytest.raises(ValueError, match="NUL"), transaction.atomic():
            result.save()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's single writer lock")
def test_a_list_being_streamed_on_sqlite_leaves_the_database_free_for_writers():
    # A slow client reads the list for as long as it likes: the stream holds a read
    # snapshot, never the write lock that scoring runs and uploads need.
    make_results(hostile_texts(5000, seed=5))
    stream = result_json_batches(ScoreResult.objects.order_by("-score", "id"))
    first = next(stream)
    writer = sqlite3.connect(connection.settings_dict["NAME"], timeout=0.1)
    try:
        writer.execute("BEGIN IMMEDIATE")  # raises "database is locked" while a writer holds it
        writer.execute("ROLLBACK")
    finally:
        writer.close()

    whole = json_array_chunks(itertools.chain([first], stream))
    assert b"".join(whole) == reference(ScoreResult.objects.order_by("-score", "id"))
