"""leads_score and run_score_chunk: runs, the LLM answer cache, fallbacks, idempotence."""

from __future__ import annotations

import time

import pytest

from leads.services import lead_delete
from scoring import runs
from scoring.chunks import ScoringFailed, chunk_score
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.classifiers.openai import PROMPT_VERSION, OpenAIClassifier
from scoring.models import LLMAnswer, ScoreResult, ScoringRun
from scoring.rules import RULES_VERSION
from scoring.runs import NothingToScore, leads_score, run_create, run_estimate
from tests.factories import LeadFactory, OfferFactory, UploadFactory
from tests.scoring.llm_server import (
    MODEL,
    echo_answers,
    failing,
    leads_asked,
    model_reasoning,
    requests_seen,
    serve,
)


@pytest.fixture
def leads(workspace):
    upload = UploadFactory(workspace=workspace)
    return [
        LeadFactory(upload=upload, role=role)
        for role in ("VP Sales", "Marketing Manager", "Intern")
    ]


@pytest.fixture
def openai_classifier(httpserver):
    def make() -> OpenAIClassifier:
        return OpenAIClassifier(
            api_key="sk-test",
            base_url=httpserver.url_for("/v1"),
            model=MODEL,
            batch_size=10,
            concurrency=2,
            timeout=5.0,
            sleep=lambda seconds: None,
        )

    return make


def roles_asked(httpserver) -> list[list[str]]:
    return [[lead["role"] for lead in leads_asked(r)] for r in requests_seen(httpserver)]


def results_by_lead(run: ScoringRun) -> dict[int, ScoreResult]:
    return {r.lead_id: r for r in ScoreResult.objects.filter(offer=run.offer)}


def test_first_openai_run_asks_the_server_and_remembers_its_answers(
    workspace, offer, leads, httpserver, openai_classifier
):
    serve(httpserver, echo_answers)

    run = leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())

    assert roles_asked(httpserver) == [["VP Sales", "Marketing Manager", "Intern"]]
    assert (run.status, run.provider, run.model, run.prompt_version) == (
        "completed", "openai", MODEL, PROMPT_VERSION,
    )  # fmt: skip
    assert (run.total, run.scored, run.cached, run.fallbacks, run.failed) == (3, 3, 0, 0, 0)
    results = results_by_lead(run)
    for lead in leads:
        result = results[lead.id]
        assert (result.ai_status, result.ai_provider, result.ai_model) == ("ok", "openai", MODEL)
        assert (result.ai_intent, result.ai_points, result.prompt_version) == (
            "High", 50, PROMPT_VERSION,
        )  # fmt: skip
        assert result.reasoning.endswith(
            f"AI (openai): High. {model_reasoning({'role': lead.role})}"
        )
        assert result.score == result.rule_score + 50
        assert result.run_id == run.id
    answers = LLMAnswer.objects.order_by("lead_id")
    assert [(a.lead_id, a.model, a.prompt_version, a.intent) for a in answers] == [
        (lead.id, MODEL, PROMPT_VERSION, "High") for lead in leads
    ]
    assert {a.workspace_id for a in answers} == {workspace.id}


def test_a_second_run_over_unchanged_leads_makes_no_request(
    workspace, offer, leads, httpserver, openai_classifier
):
    serve(httpserver, echo_answers)
    first = leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())
    before = results_by_lead(first)

    second = leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())

    assert len(requests_seen(httpserver)) == 1
    assert (second.status, second.scored, second.cached, second.fallbacks) == (
        "completed", 3, 3, 0,
    )  # fmt: skip
    after = results_by_lead(second)
    for lead in leads:
        assert (after[lead.id].ai_status, after[lead.id].ai_provider) == ("cached", "openai")
        assert after[lead.id].run_id == second.id
        assert (after[lead.id].score, after[lead.id].reasoning, after[lead.id].inputs_hash) == (
            before[lead.id].score, before[lead.id].reasoning, before[lead.id].inputs_hash,
        )  # fmt: skip
    assert LLMAnswer.objects.count() == 3


def test_changing_a_lead_bio_asks_again_for_that_lead_only(
    workspace, offer, leads, httpserver, openai_classifier
):
    serve(httpserver, echo_answers)
    first = leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())
    old_hash = results_by_lead(first)[leads[1].id].inputs_hash
    leads[1].linkedin_bio = "Now evaluating outreach tools for the team."
    leads[1].save()

    run = leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())

    assert roles_asked(httpserver)[1:] == [["Marketing Manager"]]
    assert (run.scored, run.cached) == (3, 2)
    results = results_by_lead(run)
    assert [results[lead.id].ai_status for lead in leads] == ["cached", "ok", "cached"]
    assert results[leads[1].id].inputs_hash != old_hash
    assert LLMAnswer.objects.filter(lead=leads[1]).count() == 2  # old and new content


def test_changing_the_offer_asks_again_for_every_lead(
    workspace, offer, leads, httpserver, openai_classifier
):
    serve(httpserver, echo_answers)
    leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())
    offer.value_props = [*offer.value_props, "CRM sync"]
    offer.save()

    run = leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())

    assert len(requests_seen(httpserver)) == 2
    assert (run.scored, run.cached) == (3, 0)
    assert {r.ai_status for r in results_by_lead(run).values()} == {"ok"}


def test_a_failing_server_falls_back_to_the_heuristic_for_every_lead(
    workspace, offer, leads, httpserver, openai_classifier
):
    serve(httpserver, failing(500))

    run = leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())

    assert requests_seen(httpserver)
    assert run.status == "completed"
    assert (run.total, run.scored, run.fallbacks, run.cached, run.failed) == (3, 3, 3, 0, 0)
    for result in results_by_lead(run).values():
        assert (result.ai_status, result.ai_provider) == ("fallback", "heuristic")
        assert result.ai_model == HeuristicClassifier.model
        assert result.prompt_version == ""  # the run's prompt did not produce this answer
        assert "AI (heuristic): " in result.reasoning
        assert "LLM unavailable (HTTP 500)" in result.reasoning
    assert not LLMAnswer.objects.exists()


def test_fallback_answers_are_not_reused_once_the_server_recovers(
    workspace, offer, leads, httpserver, openai_classifier
):
    serve(httpserver, failing(500))
    leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())
    httpserver.clear()
    serve(httpserver, echo_answers)

    run = leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())

    assert len(requests_seen(httpserver)) == 1
    assert (run.scored, run.cached, run.fallbacks) == (3, 0, 0)
    assert {r.ai_status for r in results_by_lead(run).values()} == {"ok"}


def test_deleting_a_lead_deletes_its_llm_answers(
    workspace, offer, leads, httpserver, openai_classifier
):
    serve(httpserver, echo_answers)
    leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())

    lead_delete(lead=leads[0])

    assert sorted(LLMAnswer.objects.values_list("lead_id", flat=True)) == sorted(
        [leads[1].id, leads[2].id]
    )
    assert not ScoreResult.objects.filter(lead_id=leads[0].id).exists()


def test_cached_answers_are_never_shared_across_workspaces(
    workspace, other_workspace, offer, httpserver, openai_classifier
):
    serve(httpserver, echo_answers)
    mine = LeadFactory(upload=UploadFactory(workspace=workspace), name="Same Person")
    theirs = LeadFactory(upload=UploadFactory(workspace=other_workspace), name="Same Person")
    leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())
    their_offer = OfferFactory(workspace=other_workspace)

    run = leads_score(workspace=other_workspace, offer=their_offer, classifier=openai_classifier())

    assert len(requests_seen(httpserver)) == 2
    assert run.cached == 0
    assert sorted(LLMAnswer.objects.values_list("workspace_id", "lead_id")) == sorted(
        [(workspace.id, mine.id), (other_workspace.id, theirs.id)]
    )


def test_heuristic_is_the_default_provider_when_settings_say_so(workspace, offer, leads, settings):
    settings.AI_PROVIDER = "heuristic"

    run = leads_score(workspace=workspace, offer=offer)

    assert (run.status, run.provider, run.model) == (
        "completed", "heuristic", HeuristicClassifier.model,
    )  # fmt: skip
    assert (run.prompt_version, run.rules_version) == (
        HeuristicClassifier.prompt_version, RULES_VERSION,
    )  # fmt: skip
    assert (run.total, run.scored, run.cached, run.fallbacks, run.failed) == (3, 3, 0, 0, 0)
    assert run.started_at <= run.finished_at
    assert run.scope == {}
    results = results_by_lead(run)
    assert sorted(results) == [lead.id for lead in leads]
    assert {(r.ai_status, r.ai_provider, r.prompt_version) for r in results.values()} == {
        ("ok", "heuristic", HeuristicClassifier.prompt_version)
    }
    assert not LLMAnswer.objects.exists()


def test_the_run_records_its_scope(workspace, offer, leads, settings):
    settings.AI_PROVIDER = "heuristic"

    by_upload = leads_score(workspace=workspace, offer=offer, upload=leads[0].upload)
    by_ids = leads_score(workspace=workspace, offer=offer, lead_ids=[leads[2].id])

    assert (by_upload.scope, by_upload.total) == ({"upload_id": leads[0].upload_id}, 3)
    assert (by_ids.scope, by_ids.total) == ({"lead_ids": [leads[2].id]}, 1)


def test_nothing_to_score_creates_no_run(workspace, other_workspace, offer, settings):
    settings.AI_PROVIDER = "heuristic"
    LeadFactory(upload=UploadFactory(workspace=other_workspace))

    with pytest.raises(NothingToScore):
        leads_score(workspace=workspace, offer=offer)
    with pytest.raises(NothingToScore):
        leads_score(workspace=workspace, offer=offer, upload=UploadFactory(workspace=workspace))

    assert not ScoringRun.objects.exists()


def test_a_chunk_scored_twice_leaves_one_result_per_lead_and_counts_once(
    workspace, offer, leads, monkeypatch
):
    monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
    classifier = HeuristicClassifier()
    run, _ = run_create(workspace=workspace, offer=offer, classifier=classifier)
    first_chunk, last_chunk = run.chunks.order_by("index")

    assert chunk_score(chunk=first_chunk, classifier=classifier) is True
    first = sorted(ScoreResult.objects.values_list("lead_id", "score", "reasoning"))
    # A redelivered task: the chunk as the worker loaded it before the first try.
    assert chunk_score(chunk=first_chunk, classifier=classifier) is True
    assert sorted(ScoreResult.objects.values_list("lead_id", "score", "reasoning")) == first
    run.refresh_from_db()
    assert (run.status, run.scored) == ("running", 2)

    assert chunk_score(chunk=last_chunk, classifier=classifier) is True
    # Once the run is over, a late redelivery leaves everything alone.
    assert chunk_score(chunk=first_chunk, classifier=classifier) is False

    assert ScoreResult.objects.count() == 3
    assert set(ScoreResult.objects.values_list("run_id", flat=True)) == {run.id}
    run.refresh_from_db()
    assert (run.status, run.scored, run.failed) == ("completed", 3, 0)


def test_chunks_store_their_leads_as_runs_of_consecutive_ids(workspace, offer, leads):
    run, _ = run_create(workspace=workspace, offer=offer, classifier=HeuristicClassifier())

    chunk = run.chunks.get()
    assert chunk.lead_ids == [[leads[0].id, leads[-1].id]]
    assert (chunk.ids(), chunk.size) == ([lead.id for lead in leads], 3)


def test_a_chunk_stored_as_a_list_of_ids_before_runs_is_still_scored(workspace, offer, leads):
    # Chunks queued by the code before an upgrade hold the ids themselves.
    classifier = HeuristicClassifier()
    run, _ = run_create(workspace=workspace, offer=offer, classifier=classifier)
    run.chunks.update(lead_ids=[lead.id for lead in leads])

    assert chunk_score(chunk=run.chunks.get(), classifier=classifier) is True

    run.refresh_from_db()
    assert (run.status, run.scored, run.failed) == ("completed", 3, 0)
    scored = sorted(ScoreResult.objects.values_list("lead_id", flat=True))
    assert scored == [lead.id for lead in leads]


def test_a_chunk_of_a_cancelled_run_is_left_alone(workspace, offer, leads):
    classifier = HeuristicClassifier()
    run, _ = run_create(workspace=workspace, offer=offer, classifier=classifier)
    ScoringRun.objects.filter(pk=run.pk).update(status="cancelled")

    assert chunk_score(chunk=run.chunks.get(), classifier=classifier) is False

    assert not ScoreResult.objects.exists()
    assert run.chunks.get().status == "pending"


class DeletingClassifier(HeuristicClassifier):
    """Erases `victim` while the first chunk is being classified, as a concurrent user might."""

    def __init__(self, victim) -> None:
        self.victim = victim
        self.calls = 0

    def classify(self, offer, leads):
        self.calls += 1
        if self.calls == 1:
            lead_delete(lead=self.victim)
        return super().classify(offer, leads)


def test_a_lead_deleted_before_its_chunk_counts_as_failed(workspace, offer, leads, monkeypatch):
    monkeypatch.setattr(runs, "CHUNK_SIZE", 1)
    classifier = DeletingClassifier(victim=leads[2])

    run = leads_score(workspace=workspace, offer=offer, classifier=classifier)

    assert run.status == "completed"
    assert (run.total, run.scored, run.failed) == (3, 2, 1)
    assert sorted(ScoreResult.objects.values_list("lead_id", flat=True)) == [
        leads[0].id, leads[1].id,
    ]  # fmt: skip


def test_a_rejected_key_fails_the_run_and_stores_nothing(
    workspace, offer, leads, httpserver, openai_classifier
):
    serve(httpserver, failing(401))

    with pytest.raises(ScoringFailed) as caught:
        leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())

    run = ScoringRun.objects.get()
    assert caught.value.run.id == run.id
    assert (run.status, run.scored, run.failed) == ("failed", 0, 0)
    assert run.error == "The LLM provider rejected the API key (401): check OPENAI_API_KEY."
    assert run.finished_at is not None
    assert not ScoreResult.objects.exists()
    assert not LLMAnswer.objects.exists()


class MiscountingClassifier(HeuristicClassifier):
    def classify(self, offer, leads):
        return super().classify(offer, leads)[:-1]


def test_an_unexpected_error_fails_the_run_and_propagates(workspace, offer, leads):
    with pytest.raises(RuntimeError, match="answered 2 times for 3 leads"):
        leads_score(workspace=workspace, offer=offer, classifier=MiscountingClassifier())

    run = ScoringRun.objects.get()
    assert (run.status, run.error) == ("failed", "Internal error while scoring; logged.")
    assert not ScoreResult.objects.exists()


def test_leads_differing_only_by_name_share_one_cached_answer(
    workspace, offer, httpserver, openai_classifier
):
    serve(httpserver, echo_answers)
    upload = UploadFactory(workspace=workspace)
    twins = [LeadFactory(upload=upload, name=name, company="Same Co") for name in ("Ann", "Bo")]

    first = leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())
    second = leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())

    assert len(requests_seen(httpserver)) == 1
    assert (first.scored, first.cached, second.scored, second.cached) == (2, 0, 2, 2)
    assert LLMAnswer.objects.count() == 1
    assert {r.ai_status for r in results_by_lead(second).values()} == {"cached"}
    assert ScoreResult.objects.filter(lead__in=twins).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_run_outside_a_transaction_scores_every_chunk_once(monkeypatch):
    # Outside a transaction on PostgreSQL, chunks are written by a second thread while the
    # next is scored; the outcome must be the same as one chunk at a time.
    monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
    upload = UploadFactory()
    leads = LeadFactory.create_batch(5, upload=upload)
    offer = OfferFactory(workspace=upload.workspace)

    run = leads_score(workspace=upload.workspace, offer=offer, classifier=HeuristicClassifier())

    assert (run.status, run.total, run.scored, run.failed) == ("completed", 5, 5, 0)
    assert sorted(ScoreResult.objects.values_list("lead_id", flat=True)) == [
        lead.id for lead in leads
    ]
    assert list(run.chunks.values_list("status", "scored")) == [
        ("done", 2),
        ("done", 2),
        ("done", 1),
    ]


class SlowClassifier(HeuristicClassifier):
    """Takes its time, as a slow LLM does, and notes the chunk's heartbeat meanwhile."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def classify(self, offer, leads):
        time.sleep(self.seconds)
        return super().classify(offer, leads)


@pytest.mark.django_db(transaction=True)
def test_a_worker_renews_the_heartbeat_of_a_chunk_while_scoring_it(settings):
    settings.CHUNK_STALE_SECONDS = 1  # renewed every second at least
    upload = UploadFactory()
    LeadFactory.create_batch(2, upload=upload)
    offer = OfferFactory(workspace=upload.workspace)
    run, _ = run_create(workspace=upload.workspace, offer=offer, classifier=HeuristicClassifier())
    chunk = run.chunks.get()

    assert chunk_score(chunk=chunk, classifier=SlowClassifier(2.5)) is True

    chunk.refresh_from_db()
    started = run.__class__.objects.get(pk=run.pk).started_at
    # Taken at `started`, then renewed at least twice while the classifier slept.
    assert (chunk.heartbeat_at - started).total_seconds() >= 1.5


def test_a_run_goes_with_the_results_it_scored_last(workspace, offer, leads):
    # No database constraint keeps a result's run (see ScoreResult.run): the ORM's cascade
    # does, when a run or its offer is deleted.
    first = leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())
    second = leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())
    other_offer = OfferFactory(workspace=workspace)
    leads_score(workspace=workspace, offer=other_offer, classifier=HeuristicClassifier())

    first.delete()  # it scored last none of the results: they stay
    assert ScoreResult.objects.filter(offer=offer).count() == len(leads)
    second.delete()
    assert not ScoreResult.objects.filter(offer=offer).exists()
    other_offer.delete()

    assert not ScoreResult.objects.exists()
    assert not ScoringRun.objects.exists()


def test_an_estimate_counts_the_answers_cached_and_the_calls_left(
    workspace, other_workspace, offer, leads, httpserver, openai_classifier
):
    serve(httpserver, echo_answers)
    leads_score(workspace=workspace, offer=offer, classifier=openai_classifier())
    leads[0].linkedin_bio = "Now evaluating new tools."  # asked again
    leads[0].save()
    LeadFactory(upload=UploadFactory(workspace=other_workspace))  # never counted here

    estimate = run_estimate(workspace=workspace, offer=offer, classifier=openai_classifier())

    assert (estimate["leads"], estimate["cached"], estimate["llm_calls"]) == (3, 2, 1)
    assert estimate["estimated_tokens"] > 0
    assert len(requests_seen(httpserver)) == 1  # the estimate asked nothing
