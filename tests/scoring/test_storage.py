"""upsert_results: raw bulk upsert of results, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from scoring import storage
from scoring.models import ScoreResult, ScoringRun
from scoring.storage import RESULT_COLUMNS, SHARED_COLUMNS, upsert_results
from tests.factories import LeadFactory, OfferFactory


@pytest.fixture
def run(workspace):
    return ScoringRun.objects.create(
        workspace=workspace,
        offer=OfferFactory(workspace=workspace),
        provider="heuristic",
        rules_version="test",
        total=1,
    )


def row(run, lead, *, score=70, reasoning="Because."):
    values = {
        "workspace_id": run.workspace_id,
        "lead_id": lead.id,
        "offer_id": run.offer_id,
        "run_id": run.id,
        "score": score,
        "intent": "High",
        "rule_score": score - 50,
        "role_points": 10,
        "industry_points": 10,
        "completeness_points": 0,
        "ai_intent": "High",
        "ai_points": 50,
        "ai_provider": "heuristic",
        "ai_model": "heuristic-v1",
        "ai_status": "ok",
        "reasoning": reasoning,
        "rules_version": "test",
        "prompt_version": "p1",
        "inputs_hash": "0" * 32,
        "scored_at": connection.ops.adapt_datetimefield_value(timezone.now()),
    }
    return tuple(values[column] for column in RESULT_COLUMNS)


def upsert(rows):
    """Upsert whole rows (RESULT_COLUMNS order) of one run, as upsert_results takes them."""
    shared = len(SHARED_COLUMNS)
    upsert_results(shared=rows[0][:shared], rows=[row[shared:] for row in rows])


@pytest.mark.parametrize(
    "reasoning",
    [
        "plain",
        "tab\there",
        "new\nline",
        "carriage\rreturn",
        "back\\slash \\N \\t",
        "quote \" and ' and , and ;",
        "ünïcödé — 漢字 🙂",
        "",
    ],
)
def test_upsert_stores_any_reasoning_text_exactly(run, workspace, reasoning):
    lead = LeadFactory(upload__workspace=workspace)

    upsert([row(run, lead, reasoning=reasoning)])

    assert ScoreResult.objects.get().reasoning == reasoning


def test_a_chunk_mixing_plain_and_escaped_reasoning_stores_each_exactly(run, workspace):
    # PostgreSQL checks a chunk's COPY text for characters to escape as a whole, then escapes
    # row by row: every row keeps its own text either way.
    hostile = ["plain", "tab\there", "new\nline", "back\\slash \\N", "carriage\rreturn", "ok"]
    leads = LeadFactory.create_batch(len(hostile), upload__workspace=workspace)

    upsert([row(run, lead, reasoning=text) for lead, text in zip(leads, hostile, strict=True)])

    assert list(ScoreResult.objects.order_by("lead_id").values_list("reasoning", flat=True)) == (
        hostile
    )


def test_upsert_replaces_the_result_of_the_same_lead_and_offer(run, workspace):
    first, second = LeadFactory.create_batch(2, upload__workspace=workspace)
    upsert([row(run, first, score=60), row(run, second, score=80)])

    upsert([row(run, first, score=90, reasoning="Rescored.")])

    assert sorted(ScoreResult.objects.values_list("lead_id", "score", "reasoning")) == [
        (first.id, 90, "Rescored."),
        (second.id, 80, "Because."),
    ]


def test_upsert_of_nothing_does_nothing(db):
    upsert_results(shared=(), rows=[])

    assert not ScoreResult.objects.exists()


def test_upsert_stores_the_shared_values_in_each_row(run, workspace):
    other = ScoringRun.objects.create(
        workspace=workspace,
        offer=run.offer,
        scope_key="another",
        provider="heuristic",
        rules_version="test",
        total=1,
    )
    first, second, third = LeadFactory.create_batch(3, upload__workspace=workspace)

    upsert([row(run, first), row(run, third)])
    upsert([row(other, second)])

    stored = ScoreResult.objects.values_list("lead_id", "run_id", "rules_version", "offer_id")
    assert sorted(stored) == [
        (first.id, run.id, "test", run.offer_id),
        (second.id, other.id, "test", run.offer_id),
        (third.id, run.id, "test", run.offer_id),
    ]


def test_upsert_sets_changed_scores_and_keeps_unchanged_ones(run, workspace):
    first, second, third = LeadFactory.create_batch(3, upload__workspace=workspace)
    upsert([row(run, first, score=60), row(run, second, score=80)])

    upsert([row(run, first, score=60), row(run, second, score=70), row(run, third, score=100)])

    assert sorted(ScoreResult.objects.values_list("lead_id", "score")) == [
        (first.id, 60),
        (second.id, 70),
        (third.id, 100),
    ]


def test_the_shared_values_are_stored_exactly_whatever_their_characters(run, workspace):
    # New results go to PostgreSQL by COPY with the shared values on every line.
    version = "rules\tv1 100% \\N back\\slash"
    lead = LeadFactory(upload__workspace=workspace)
    shared_row = row(run, lead)
    at = RESULT_COLUMNS.index("rules_version")

    upsert([(*shared_row[:at], version, *shared_row[at + 1 :])])

    assert ScoreResult.objects.get().rules_version == version


def test_a_result_of_a_lead_between_the_first_and_the_last_is_replaced(run, workspace):
    # Rows whose first and last leads have no result yet are inserted, not upserted; a result
    # of a lead in between makes the insert fail and the rows be upserted instead.
    first, middle, last = LeadFactory.create_batch(3, upload__workspace=workspace)
    upsert([row(run, middle, score=60)])

    upsert([row(run, lead, score=90, reasoning="Rescored.") for lead in (first, middle, last)])

    assert sorted(ScoreResult.objects.values_list("lead_id", "score", "reasoning")) == [
        (lead.id, 90, "Rescored.") for lead in (first, middle, last)
    ]


def test_results_another_run_wrote_since_they_were_looked_for_are_replaced(
    run, workspace, monkeypatch
):
    # A concurrent run's results, written after the look for existing ones and before the
    # insert, make it fail and the rows be upserted instead.
    first, second = LeadFactory.create_batch(2, upload__workspace=workspace)
    upsert([row(run, first, score=60)])
    monkeypatch.setattr(storage, "_any_result", lambda *args: False)

    upsert([row(run, first, score=90, reasoning="Rescored."), row(run, second, score=80)])

    assert sorted(ScoreResult.objects.values_list("lead_id", "score", "reasoning")) == [
        (first.id, 90, "Rescored."),
        (second.id, 80, "Because."),
    ]


@pytest.fixture
def few_sqlite_parameters(db):
    """Let a statement bind 40 parameters at most: SQLite's upsert then takes 2 rows each."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's limit on parameters")
    connection.ensure_connection()
    limit = sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
    before = connection.connection.setlimit(limit, 40)
    yield
    connection.connection.setlimit(limit, before)


def test_upsert_stores_more_rows_than_one_statement_takes(run, workspace, few_sqlite_parameters):
    leads = LeadFactory.create_batch(5, upload__workspace=workspace)
    upsert([row(run, lead, score=50) for lead in leads])

    upsert([row(run, lead, score=50 + i) for i, lead in enumerate(leads)])

    assert sorted(ScoreResult.objects.values_list("lead_id", "score")) == [
        (lead.id, 50 + i) for i, lead in enumerate(leads)
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite before 3.33")
def test_upsert_without_update_from_sets_every_column(run, workspace, monkeypatch):
    monkeypatch.setattr(storage, "_SQLITE_UPDATE_FROM", False)
    first, second = LeadFactory.create_batch(2, upload__workspace=workspace)
    upsert([row(run, first, score=60), row(run, second, score=80)])

    upsert([row(run, first, score=90, reasoning="Rescored."), row(run, second, score=80)])

    assert sorted(ScoreResult.objects.values_list("lead_id", "score", "reasoning")) == [
        (first.id, 90, "Rescored."),
        (second.id, 80, "Because."),
    ]


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the composite foreign key is PostgreSQL's"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_result_of_a_lead_of_another_workspace_is_refused_by_the_database(run, other_workspace):
    elsewhere = LeadFactory(upload__workspace=other_workspace)

    with pytest.raises(IntegrityError, match="result_lead_workspace_fk"), transaction.atomic():
        upsert([row(run, elsewhere)])

    assert not ScoreResult.objects.exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_lead_cannot_go_while_its_results_remain(run, workspace):
    # As Django's own foreign keys: checked when the transaction commits, so a workspace's
    # erasure may delete leads before results (see workspaces.erasure).
    lead = LeadFactory(upload__workspace=workspace)
    with transaction.atomic():
        upsert([row(run, lead)])

    with (
        pytest.raises(IntegrityError, match="result_lead_workspace_fk"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM leads_lead WHERE id = %s", [lead.id])

    assert ScoreResult.objects.filter(lead_id=lead.id).exists()
