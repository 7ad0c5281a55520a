"""Pick the intent classifier that settings name, the way Django's mail `get_connection` does."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from scoring.classifiers.base import Classifier

# Short names for the built-in providers; anything with a dot is a class's import path.
PROVIDERS = {
    "heuristic": "scoring.classifiers.heuristic.HeuristicClassifier",
    "openai": "scoring.classifiers.openai.OpenAIClassifier",
}


def default_provider() -> str:
    """Return settings.AI_PROVIDER, else "openai" if OPENAI_API_KEY is set, else "heuristic"."""
    configured = getattr(settings, "AI_PROVIDER", None)
    if configured:
        return str(configured)
    return "openai" if getattr(settings, "OPENAI_API_KEY", None) else "heuristic"


def get_classifier(provider: str | None = None, **options: Any) -> Classifier:
    """Return a new classifier for `provider` (default: `default_provider()`).

    `provider` is "heuristic", "openai" or the dotted path of a class; `options` go to its
    constructor. Each call builds a new instance, and counters and circuit breakers live on the
    instance, so take one per run. Raises ImproperlyConfigured for an unknown name or a path that
    does not import.
    """
    name = (provider or default_provider()).strip()
    if "." in name:
        path = name
    elif name.lower() in PROVIDERS:
        path = PROVIDERS[name.lower()]
    else:
        raise ImproperlyConfigured(
            f"Unknown AI provider {name!r}: use one of {', '.join(sorted(PROVIDERS))}, or the "
            "dotted path of a classifier class (LEADSCORING_AI_PROVIDER)."
        )
    try:
        classifier_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"Cannot import the AI provider {path!r}: {exc}") from exc
    return classifier_class(**options)
