"""Structured output as OpenAI-compatible servers spell it, and how to tell that one was refused.

Servers agree on Chat Completions but not on how to constrain an answer to a JSON schema:
OpenAI, Azure, Gemini, vLLM and Ollama take `response_format` of type `json_schema`; llama.cpp's
server (and llama-cpp-python's) takes `{"type": "json_object", "schema": ...}` and answers a
`json_schema` with an error; some servers know only plain JSON mode. The classifier tries the
modes in NEGOTIATION_ORDER and keeps the first that works, unless OPENAI_OUTPUT_MODE names one.
"""

from __future__ import annotations

import copy
import logging
import threading
from enum import StrEnum
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from scoring.classifiers.prompt import ANSWER_SCHEMA

logger = logging.getLogger(__name__)

AUTO = "auto"


class OutputMode(StrEnum):
    JSON_SCHEMA = "json_schema"  # response_format json_schema, strict
    JSON_OBJECT_SCHEMA = "json_object_schema"  # llama.cpp: json_object with a "schema" key
    JSON_OBJECT = "json_object"  # plain JSON mode; the schema travels in the prompt


NEGOTIATION_ORDER = (OutputMode.JSON_SCHEMA, OutputMode.JSON_OBJECT_SCHEMA, OutputMode.JSON_OBJECT)

# Statuses with which servers refuse a request shape: 400 (OpenAI), 422 (FastAPI validation,
# e.g. vLLM), 500 (llama-cpp-python's server reports validation errors so).
_REFUSAL_STATUSES = frozenset({400, 422, 500})
# A refusal of the output format names it; any other 400/500 is about something else.
_FORMAT_WORDS = ("response_format", "json_schema", "json_object", "schema", "grammar")


def parse_output_mode(value: str | None) -> OutputMode | None:
    """Return the mode that OPENAI_OUTPUT_MODE forces, or None for "auto" (negotiate).

    Raises ImproperlyConfigured for any other value.
    """
    value = (value or AUTO).strip().lower()
    if value == AUTO:
        return None
    try:
        return OutputMode(value)
    except ValueError:
        names = ", ".join([AUTO, *(mode.value for mode in OutputMode)])
        raise ImproperlyConfigured(
            f"OPENAI_OUTPUT_MODE must be one of {names}, not {value!r}."
        ) from None


def next_mode(mode: OutputMode) -> OutputMode | None:
    """Return the mode to try after `mode` is refused, or None when none is left."""
    index = NEGOTIATION_ORDER.index(mode)
    return NEGOTIATION_ORDER[index + 1] if index + 1 < len(NEGOTIATION_ORDER) else None


def response_format(mode: OutputMode, leads: int) -> dict[str, Any]:
    """Return the `response_format` that asks, in `mode`, for the answer about `leads` leads."""
    if mode is OutputMode.JSON_SCHEMA:
        return {
            "type": "json_schema",
            "json_schema": {"name": "lead_intents", "strict": True, "schema": ANSWER_SCHEMA},
        }
    if mode is OutputMode.JSON_OBJECT_SCHEMA:
        return {"type": "json_object", "schema": grammar_schema(leads)}
    return {"type": "json_object"}


def grammar_schema(leads: int) -> dict[str, Any]:
    """Return ANSWER_SCHEMA narrowed for a grammar-constrained server and `leads` leads.

    llama.cpp compiles the schema into a grammar that also enforces item counts and integer
    enums, which strict mode elsewhere rejects: the model can then neither invent an id, nor
    stop early, nor ramble on past the last lead. No maxLength on the reasoning: a 300-character
    bound compiles into 300 nested optional rules, and sampling slowed to about a token a
    second on llama-cpp-python 0.3.36 (measured); the bound is enforced on our side instead.
    """
    schema = copy.deepcopy(ANSWER_SCHEMA)
    results = schema["properties"]["results"]
    results["minItems"] = results["maxItems"] = leads
    results["items"]["properties"]["id"]["enum"] = list(range(leads))
    return schema


def schema_in_prompt(mode: OutputMode) -> bool:
    """Return whether `mode` leaves the schema to the prompt (nothing on the server enforces it)."""
    return mode is OutputMode.JSON_OBJECT


def refuses_format(status: int, said: str) -> bool:
    """Return whether an error (status, and the text of its body) refuses the output format."""
    said = said.lower()
    return status in _REFUSAL_STATUSES and any(word in said for word in _FORMAT_WORDS)


class Negotiation:
    """The output mode of one endpoint: forced by settings, remembered from an earlier run, or
    being found out. A forced mode never changes; a negotiated one until a request in it
    worked. Thread-safe."""

    def __init__(self, *, forced: OutputMode | None, remembered: OutputMode | None) -> None:
        self.mode: OutputMode = forced or remembered or NEGOTIATION_ORDER[0]
        self.settled = forced is not None or remembered is not None
        self._lock = threading.Lock()

    def refused(self, mode: OutputMode) -> bool:
        """Note that the server refused `mode`; return whether another mode is worth a try."""
        with self._lock:
            if self.settled:
                return False
            if self.mode is not mode:
                return True  # a concurrent request moved on already
            following = next_mode(mode)
            if following is None:
                return False
            self.mode = following
        logger.info("openai: output mode %s refused, trying %s", mode.value, following.value)
        return True

    def worked(self, mode: OutputMode) -> None:
        """Note that the server answered a request in `mode`: keep it from now on."""
        with self._lock:
            if self.mode is mode:
                self.settled = True
