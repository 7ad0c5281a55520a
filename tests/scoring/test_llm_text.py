"""Text an LLM provider sends back is cleaned once, when its answer is parsed: whatever the
model writes, a run completes, and what it stores, caches and serves is text every database
holds and every reader sees as it reads. The heuristic's reasoning needs no cleaning: it
quotes the offer only in plain words."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.classifiers.prompt import parse_answers
from scoring.facts import LeadFacts, OfferFacts
from scoring.models import LLMAnswer, ScoreResult
from scoring.runs import leads_score
from tests.factories import LeadFactory
from tests.scoring.llm_server import answering, serve

AI_PART = "AI (openai): High. "


@pytest.fixture(autouse=True)
def openai_provider(settings, httpserver):
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_MODEL = "gpt-test"


@pytest.fixture
def lead(upload):
    return LeadFactory(upload=upload, role="VP Sales", industry="SaaS")


def stored_reasoning() -> tuple[str, str]:
    """Return the model's part of the one result's reasoning, and the one cached answer's."""
    result = ScoreResult.objects.get()
    assert AI_PART in result.reasoning, result.reasoning
    return result.reasoning.split(AI_PART, 1)[1], LLMAnswer.objects.get().reasoning


def test_a_nul_in_the_reasoning_is_dropped_and_the_run_completes(
    workspace, offer, lead, httpserver
):
    serve(httpserver, answering("VP Sales\x00 in SaaS\x00, the offer's buyer."))

    run = leads_score(workspace=workspace, offer=offer)

    assert (run.status, run.scored, run.fallbacks, run.failed) == ("completed", 1, 0, 0)
    assert stored_reasoning() == ("VP Sales in SaaS, the offer's buyer.",) * 2


def test_a_lone_surrogate_in_the_reasoning_is_stored_as_a_replacement_character(
    workspace, offer, lead, httpserver
):
    serve(httpserver, answering("VP Sales \ud800in SaaS\udfff, the offer's buyer."))

    run = leads_score(workspace=workspace, offer=offer)

    assert (run.status, run.scored, run.fallbacks, run.failed) == ("completed", 1, 0, 0)
    assert stored_reasoning() == ("VP Sales \ufffdin SaaS\ufffd, the offer's buyer.",) * 2


def test_escape_sequences_and_other_controls_in_the_reasoning_are_not_stored(
    workspace, offer, lead, httpserver
):
    serve(httpserver, answering("\x1b[31mVP Sales\x1b[0m\x07 in SaaS\x7f\x9b, the\x08 buyer."))

    leads_score(workspace=workspace, offer=offer)

    assert stored_reasoning() == ("[31mVP Sales[0m in SaaS, the buyer.",) * 2


def test_invisible_formatting_in_the_reasoning_is_not_stored_but_joiners_are(
    workspace, offer, lead, httpserver
):
    # Bidi override and isolate, zero-width space, BOM, soft hyphen, a tag character.
    hidden = "VP\u200b Sales in \u202eSaaS\u202c\u2066,\u2069 a \ufeffbuy\u00ader\U000e0041."
    serve(httpserver, answering(f"{hidden} Dev \U0001f469\u200d\U0001f4bb team."))

    leads_score(workspace=workspace, offer=offer)

    expected = "VP Sales in SaaS, a buyer. Dev \U0001f469\u200d\U0001f4bb team."
    assert stored_reasoning() == (expected, expected)


def test_a_cached_answer_is_read_back_as_cleaned(workspace, offer, lead, httpserver):
    serve(httpserver, answering("VP Sales\x00 in \u202eSaaS\ud800, the\x1b buyer."))
    leads_score(workspace=workspace, offer=offer)

    again = leads_score(workspace=workspace, offer=offer)

    assert (again.status, again.cached) == ("completed", 1)
    assert ScoreResult.objects.get().ai_status == "cached"
    assert stored_reasoning() == ("VP Sales in SaaS\ufffd, the buyer.",) * 2


def test_a_model_name_with_controls_is_stored_cleaned(workspace, offer, lead, httpserver):
    serve(httpserver, answering("VP Sales in SaaS, the buyer.", model="\x1bgpt\x00-\ud800mini\n"))

    run = leads_score(workspace=workspace, offer=offer)

    assert (run.status, run.scored) == ("completed", 1)
    assert ScoreResult.objects.get().ai_model == "gpt-\ufffdmini"
    assert LLMAnswer.objects.get().model == "gpt-\ufffdmini"


def test_scoring_answers_200_and_serves_the_cleaned_reasoning(api, offer, lead, httpserver):
    serve(httpserver, answering("VP Sales\x00 in SaaS\ud800, the\x1b buyer."))
    api.raise_request_exception = False  # a 500 is an answer to check, not a crash

    scored = api.post("/score/", {"offer_id": offer.id}, format="json")
    listed = api.get("/results/")
    exported = api.get("/results/export/")

    assert (scored.status_code, listed.status_code, exported.status_code) == (200, 200, 200)
    expected = "VP Sales in SaaS\ufffd, the buyer."
    (item,) = listed.json()
    assert item["reasoning"].endswith(AI_PART + expected)
    text = b"".join(exported.streaming_content).decode()
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["reasoning"].endswith(AI_PART + expected)


def model_answer(reasoning: str) -> str:
    return json.dumps({"results": [{"id": 0, "intent": "High", "reasoning": reasoning}]})


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        pytest.param("A\x00 buyer in SaaS.", "A buyer in SaaS.", id="nul"),
        pytest.param("A \x01\x1b\x7f\x80\x9b\x9fbuyer in SaaS.", "A buyer in SaaS.", id="controls"),
        pytest.param(
            "A\tbuyer\r\nin\x0bSaaS\x0c\x1c\x85\u2028\u2029\u00a0now.",
            "A buyer in SaaS now.",
            id="whitespace-collapses",
        ),
        pytest.param("A \ud83d buyer \udc00in SaaS.", "A \ufffd buyer \ufffdin SaaS.", id="lone"),
        pytest.param("A buyer in SaaS \ud83d\ude00.", "A buyer in SaaS \U0001f600.", id="pair"),
        pytest.param("A \u202ebuyer\u202c \u200bin \u2067SaaS\u2069.", "A buyer in SaaS.", id="Cf"),
        pytest.param("A buyer in SaaS\u200c\u200d.", "A buyer in SaaS\u200c\u200d.", id="joiners"),
        pytest.param(
            "Un acheteur é\u0301 東京 \ue000 \U00010348.",
            "Un acheteur é\u0301 東京 \ue000 \U00010348.",
            id="letters-marks-private-use",
        ),
    ],
)
def test_parsing_cleans_the_reasoning_the_model_wrote(written, kept):
    answers, problems = parse_answers(model_answer(written), 1)

    assert (answers[0][1], problems) == (kept, {})


def test_a_reasoning_of_controls_only_is_no_reasoning():
    answers, problems = parse_answers(model_answer("\x00\x1b\u202e \x7f\u200b"), 1)

    assert (answers, problems) == ({}, {0: "no reasoning"})


def test_the_heuristic_quotes_an_offer_only_in_plain_words():
    # Offer inputs refuse controls; were one to slip through, the reasoning still quotes only
    # the [a-z0-9] words the heuristic matched.
    hostile = "\x00nul \x1b[31mansi \ud800lone \u202eover\u202c \u200bzws\ufeff caf\u00e9"
    offer = OfferFacts(name="x", value_props=(hostile,), ideal_use_cases=(f"{hostile} SaaS",))
    bio = f"{hostile} nul ansi lone over zws cafe"
    lead = LeadFacts(
        name="a", role="VP Sales", company="c", industry="SaaS", location="", linkedin_bio=bio
    )

    (answer,) = HeuristicClassifier().classify(offer, [lead])

    shared = re.search(r"the offer's terms? (.+?)\.", answer.reasoning)
    assert shared is not None, answer.reasoning
    assert re.fullmatch(r"'[a-z0-9]+'(, '[a-z0-9]+')*", shared[1]), shared[1]
    assert answer.reasoning.isascii()
    assert answer.reasoning.isprintable()
