"""scoring.export_stream: the export formatted by the database is, byte for byte, what the
reference (csv_lines over the ORM's rows) writes, on whichever database the suite runs on."""

from __future__ import annotations

import random
import sys
import threading
import unicodedata
from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection

from scoring.export_stream import EXPORT_FIELDS, export_csv, reference_csv
from scoring.models import ScoreResult, ScoringRun
from tests.factories import LeadFactory, OfferFactory, UploadFactory

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite stores any type")

FORMULA = ("=", "+", "-", "@")
BREAKS = (",", ";", "\t", "\r", "\n", "\r\n")
# Every invisible character neutralise looks past, and every one NFKC folds to a formula start.
INVISIBLE = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
FOLDED = [
    chr(c)
    for c in range(0x80, sys.maxunicode + 1)
    if unicodedata.normalize("NFKC", chr(c)).startswith(FORMULA)
]
PIECES = (
    *FORMULA,
    *BREAKS,
    *INVISIBLE,
    *FOLDED,
    *(f + "1+1" for f in FORMULA),
    '"',
    '""',
    "'",
    "\x00",
    " ",
    "\u00a0",
    "\u2028",
    "\x1b",
    "\x85",
    "\x7f",
    "\\",
    "\\.",
    "\\N",
    "É",
    "東京",
    "\U0001f469\u200d\U0001f4bb",
    "\U00010348",
    "\uffff",
    "e\u0301",
    "word",
    "HYPERLINK(x)",
)


def hostile_texts(count: int, seed: int) -> list[str]:
    """Every piece alone, at the start, after each break and behind invisible characters or
    quotes; then random mixes of them."""
    rng = random.Random(seed)

    def hiding() -> str:  # what neutralise looks past: quotes and invisible characters
        return "".join(
            rng.choice(['"', '""', rng.choice(INVISIBLE)]) for _ in range(rng.randint(1, 3))
        )

    texts = ["", "plain", "Dublin, Ireland", "a;b", "x,-2", '"=1', 'x;"=1', 'x,""\u200b+1']
    for piece in PIECES:
        texts += [piece, piece + "x", "x" + rng.choice(BREAKS) + piece + "y"]
        texts.append(rng.choice(INVISIBLE) + piece)
        texts.append("x" + rng.choice(BREAKS) + rng.choice(INVISIBLE) + piece)
        texts.append(hiding() + piece)
        texts.append("x" + rng.choice(BREAKS) + hiding() + piece)
    while len(texts) < count:
        texts.append("".join(rng.choice(PIECES) for _ in range(rng.randint(1, 8))))
    if connection.vendor == "postgresql":  # its text cannot hold a NUL
        texts = [text.replace("\x00", "") for text in texts]
    return texts


def make_results(texts: list[str]) -> None:
    """One result per 7 texts, each in a cell checked for formulas, and in other text cells."""
    offer = OfferFactory()
    upload = UploadFactory(workspace=offer.workspace)
    run = ScoringRun.objects.create(
        workspace=offer.workspace, offer=offer, scope_key="k", provider="p", rules_version="r"
    )
    rng = random.Random(1)
    results = []
    for n in range(0, len(texts), 7):
        cell = [texts[(n + i) % len(texts)] for i in range(7)]
        outcome = rng.choice(["", "won", "lost"])
        lead = LeadFactory(
            upload=upload,
            name=cell[0] or "x",
            role=cell[1],
            company=cell[2],
            industry=cell[3],
            location=cell[4],
            dedupe_key=f"k{n}",
            outcome=outcome,
            outcome_at=None if not outcome else datetime(2026, 11, 30, 9, 0, n % 2 * 7, tzinfo=UTC),
        )
        results.append(
            ScoreResult(
                workspace=offer.workspace,
                lead=lead,
                offer=offer,
                run=run,
                score=n % 101,
                intent="High",
                rule_score=50,
                role_points=20,
                industry_points=20,
                completeness_points=10,
                ai_intent="Low",
                ai_points=0,
                ai_provider=cell[6][:200],
                ai_model=cell[6][:200],
                ai_status="ok",
                reasoning=cell[5],
                rules_version="2026.11",
                prompt_version=cell[0][:100],
                inputs_hash=f"{n:032x}",
                # With and without microseconds: isoformat writes them only when not zero.
                scored_at=datetime(2026, 11, 27, 10, 0, 1, (n % 3) * 120000, tzinfo=UTC),
            )
        )
    ScoreResult.objects.bulk_create(results)


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
