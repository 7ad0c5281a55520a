"""An endpoint that answered once is trusted for the rest of the process, until it refuses."""

from __future__ import annotations

import pytest

from scoring.classifiers import openai as openai_classifier
from scoring.classifiers.base import ClassifierError
from scoring.classifiers.openai import OpenAIClassifier
from scoring.facts import LeadFacts, OfferFacts
from tests.scoring.llm_server import MODEL, echo_answers, failing, serve

OFFER = OfferFacts("Outreach", ("More meetings",), ("B2B SaaS",))
LEAD = LeadFacts("Ava", "VP Sales", "Acme", "SaaS", "Austin", "Hiring SDRs.")


def classifier(httpserver, key: str = "sk-test") -> OpenAIClassifier:
    return OpenAIClassifier(
        api_key=key, base_url=httpserver.url_for("/v1"), model=MODEL, sleep=lambda s: None
    )


def test_a_later_classifier_for_the_same_endpoint_skips_the_lone_first_batch(httpserver):
    serve(httpserver, echo_answers)

    classifier(httpserver).classify(OFFER, [LEAD])

    assert classifier(httpserver)._verified is True
    assert classifier(httpserver, key="sk-other")._verified is False


def test_a_refused_key_is_forgotten(httpserver):
    serve(httpserver, echo_answers)
    classifier(httpserver).classify(OFFER, [LEAD])
    httpserver.clear_all_handlers()
    serve(httpserver, failing(401))

    with pytest.raises(ClassifierError) as failure:
        classifier(httpserver).classify(OFFER, [LEAD])

    assert failure.value.permanent
    assert not openai_classifier._VERIFIED_ENDPOINTS
    assert classifier(httpserver)._verified is False
