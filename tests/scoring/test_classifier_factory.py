"""get_classifier: which classifier the settings (or a caller) name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from scoring.classifiers.factory import get_classifier
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.classifiers.openai import OpenAIClassifier


class RecordingClassifier:
    """A stand-in reached by dotted path; it only records its options."""

    name = "recording"
    model = ""
    prompt_version = "1"

    def __init__(self, **options: object) -> None:
        self.options = options


@pytest.fixture
def no_provider_setting(settings):
    # AI_PROVIDER is derived from the environment when settings load; deleting it exercises the
    # factory's own default, which follows the same rule.
    del settings.AI_PROVIDER
    return settings


def test_default_is_heuristic_without_an_api_key(no_provider_setting):
    no_provider_setting.OPENAI_API_KEY = ""

    assert isinstance(get_classifier(), HeuristicClassifier)


def test_default_is_openai_with_an_api_key(no_provider_setting):
    no_provider_setting.OPENAI_API_KEY = "sk-test"

    classifier = get_classifier()

    assert isinstance(classifier, OpenAIClassifier)
    assert classifier.name == "openai"


def test_default_follows_the_ai_provider_setting(settings):
    settings.OPENAI_API_KEY = "sk-test"
    settings.AI_PROVIDER = "heuristic"

    assert isinstance(get_classifier(), HeuristicClassifier)


@pytest.mark.parametrize("name", ["openai", "OpenAI", " openai "])
def test_names_are_matched_loosely(settings, name):
    settings.OPENAI_API_KEY = "sk-test"

    assert isinstance(get_classifier(name), OpenAIClassifier)


def test_openai_reads_settings_and_options_override_them(settings):
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_MODEL = "gpt-from-settings"
    settings.OPENAI_BATCH_SIZE = 7

    classifier = get_classifier("openai", batch_size=3)

    assert (classifier.model, classifier.batch_size) == ("gpt-from-settings", 3)


def test_openai_without_an_api_key_is_a_configuration_error(settings):
    settings.OPENAI_API_KEY = ""

    with pytest.raises(ImproperlyConfigured, match="OPENAI_API_KEY"):
        get_classifier("openai")


def test_dotted_path_builds_that_class_with_the_options():
    classifier = get_classifier(f"{__name__}.RecordingClassifier", model="x")

    assert isinstance(classifier, RecordingClassifier)
    assert classifier.options == {"model": "x"}


def test_dotted_path_that_does_not_import_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match=r"scoring\.classifiers\.nope\.Missing"):
        get_classifier("scoring.classifiers.nope.Missing")


def test_unknown_name_is_a_configuration_error(settings):
    settings.AI_PROVIDER = "anthropic"

    with pytest.raises(ImproperlyConfigured, match="Unknown AI provider 'anthropic'"):
        get_classifier()
