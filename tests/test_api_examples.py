"""The API's documented examples are true.

Every response example of the OpenAPI schema (and so of the Postman collection built from it)
stands for a real response of the service, produced here by the README's walk through the API:
the sample offer, the sample leads, a run with the heuristic. An example has exactly the keys
of its real response, each value the real type, and the real format where a value has one
(timestamps, version labels that are digests, the sentences of a reasoning). The README's
example responses are held to the same. Digests change with content: they are compared by
format, never by value.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError

from leadscoring.api import views as service_views
from leadscoring.api.postman import current_schema
from scoring.classifiers.heuristic import HEURISTIC_VERSION, HeuristicClassifier
from scoring.exports import EXPORT_COLUMNS
from scoring.rules import RULES_VERSION
from tests.clients import APIClient
from tests.scoring.workers import REDIS_URL, celery_publishing_to, forget_queue, redis_or_skip

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
README = ROOT / "README.md"
# What the README writes for "and so on" in an example.
ELIDED = "..."


# ---------------------------------------------------------------------------------------------
# Formats: a value reduced to what every real value of its key shares.


def _digits(text: str) -> str:
    # Timestamps (ISO 8601, microseconds, "Z"): each digit is the format.
    return re.sub(r"[0-9]", "9", text)


def _ids(text: str) -> str:
    # URLs with ids: an id is any number (PostgreSQL's sequences outlive a test's rows).
    return re.sub(r"[0-9]+", "<id>", text)


def _digests(text: str) -> str:
    # Version labels and hashes are hex digests of content: their length is the format.
    return re.sub(r"[0-9a-f]{12,}", lambda digest: f"<{len(digest[0])} hex digits>", text)


def _sentences(reasoning: str) -> str:
    # "<rule reason> (+N); ...; <rule reason> (+N). AI (<provider>): <intent>. <sentences>."
    match = re.fullmatch(
        r"(?P<rules>.+?)\. AI \((?P<provider>[a-z]+)\): (?P<intent>High|Medium|Low)\. "
        r"(?P<ai>[A-Z].*\.)",
        reasoning,
    )
    if match is None:
        return "not '<rule reasons>. AI (<provider>): <intent>. <sentences>.'"
    reasons = [
        "<reason> (+N)" if re.search(r" \(\+\d+\)$", r) else r for r in match["rules"].split("; ")
    ]
    return "; ".join(reasons) + ". AI (<provider>): <intent>. <sentences>."


FORMATS: dict[str, Callable[[str], str]] = {
    **dict.fromkeys(
        ["created_at", "updated_at", "started_at", "finished_at", "scored_at", "outcome_at"],
        _digits,
    ),
    **dict.fromkeys(
        ["model", "ai_model", "prompt_version", "rules_version", "inputs_hash"], _digests
    ),
    "results_url": _ids,
    "reasoning": _sentences,
}


# JSON's names for the types json.loads returns.
JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def mismatches(
    documented: Any, real: Any, *, elided: str | None = None, path: str = "$", key: str = ""
) -> list[str]:
    """Return how `documented` differs from `real` in keys, types and formats (empty: none).

    An item of a documented array must match some item of the real one. `elided` (the
    README's "...") stands for any value, and in an array for further items.
    """
    if elided is not None and documented == elided:
        return []
    shown, actual = JSON_TYPES[type(documented)], JSON_TYPES[type(real)]
    if shown != actual:
        return [f"{path}: {shown} {documented!r}, really {actual} {real!r}"]
    if isinstance(real, dict):
        problems = [f"{path}: no {name!r}, really there" for name in real.keys() - documented]
        problems += [f"{path}: {name!r}, really absent" for name in documented.keys() - real]
        for name in real.keys() & documented.keys():
            at = f"{path}.{name}"
            problems += mismatches(documented[name], real[name], elided=elided, path=at, key=name)
        return problems
    if isinstance(real, list):
        problems = []
        for index, item in enumerate(documented):
            at = f"{path}[{index}]"
            tries = [mismatches(item, one, elided=elided, path=at, key=key) for one in real]
            if not tries:
                problems.append(f"{at}: documented, but the real array is empty")
            elif all(tries):
                problems += min(tries, key=len)
        return problems
    if isinstance(real, str) and key in FORMATS:
        shown, actual = FORMATS[key](documented), FORMATS[key](real)
        if shown != actual:
            return [f"{path}: {documented!r} is '{shown}', really '{actual}' ({real!r})"]
    return []


def true_to(documented: Any, real: Any, *, elided: str | None = None) -> bool:
    """Assert that `documented` has the keys, types and formats of `real`; say how it differs."""
    problems = mismatches(documented, real, elided=elided)
    assert not problems, "The example differs from the real response:\n" + "\n".join(problems)
    return True


def test_version_labels_read_as_digests_of_their_length():
    assert _digests(RULES_VERSION) == f"<{len(RULES_VERSION)} hex digits>"
    assert _digests(HeuristicClassifier.model) == f"heuristic-<{len(HEURISTIC_VERSION)} hex digits>"
    assert _digests(HeuristicClassifier.prompt_version) == (
        f"heuristic-<{len(HEURISTIC_VERSION)} hex digits>+rules-<{len(RULES_VERSION)} hex digits>"
    )


@pytest.mark.parametrize(
    ("reasoning", "structure"),
    [
        (
            "Role 'CFO' is a decision maker (+20); industry 'Banking' is outside the ICP (+0); "
            "missing: location (+0). AI (heuristic): Low. Decision maker outside the ICP "
            "industries. Against it: unrelated field.",
            "<reason> (+N); <reason> (+N); <reason> (+N). AI (<provider>): <intent>. <sentences>.",
        ),
        (
            "Decision maker (+20); adjacent industry (+10). AI: High. Bio mentions funding.",
            "not '<rule reasons>. AI (<provider>): <intent>. <sentences>.'",
        ),
    ],
)
def test_a_reasoning_is_reduced_to_its_sentence_structure(reasoning, structure):
    assert _sentences(reasoning) == structure


def test_a_mismatch_names_the_key_and_the_real_type_or_format():
    real = {"id": 1, "scored_at": "2026-12-01T21:50:00.790369Z", "warnings": []}

    problems = mismatches({"id": "1", "scored_at": "2026-12-01", "extra": 0}, real)

    assert sorted(problems) == [
        "$.id: string '1', really integer 1",
        "$.scored_at: '2026-12-01' is '9999-99-99', really '9999-99-99T99:99:99.999999Z' "
        "('2026-12-01T21:50:00.790369Z')",
        "$: 'extra', really absent",
        "$: no 'warnings', really there",
    ]


# ---------------------------------------------------------------------------------------------
# The real responses.


class _DatabaseDown:
    def cursor(self) -> Any:
        raise OperationalError("could not connect to server: Connection refused")


class Walk:
    """The README's walk through the API, against the real service: each step is taken once,
    and only when an example needs it."""

    def __init__(self, api: APIClient, newcomer: APIClient, settings: Any, monkeypatch: Any):
        self.api = api
        self.newcomer = newcomer  # a workspace without offers
        self.settings = settings
        self.monkeypatch = monkeypatch
        settings.AI_PROVIDER = "heuristic"

    def _after(self, step: object) -> None:
        """Take the steps this one follows (their properties), if not taken yet."""

    def _json(self, response: Any, status: int) -> Any:
        assert response.status_code == status, response.content
        return response.json()

    def _upload(self, name: str) -> dict:
        with (SAMPLES / name).open("rb") as file:
            response = self.api.post("/leads/upload/", {"file": file}, format="multipart")
        return self._json(response, 201)

    @cached_property
    def offer(self) -> dict:
        sample = json.loads((SAMPLES / "offer.json").read_text())
        return self._json(self.api.post("/offer/", sample, format="json"), 201)

    @cached_property
    def offers(self) -> list:
        self._after(self.offer)
        return self._json(self.api.get("/offer/"), 200)

    @cached_property
    def renamed_offer(self) -> dict:
        rename = {"name": "AI Outreach Pro"}
        response = self.api.patch(f"/offer/{self.offer['id']}/", rename, format="json")
        return self._json(response, 200)

    @cached_property
    def upload(self) -> dict:
        self._after(self.offer)
        return self._upload("leads.csv")

    @cached_property
    def uploads(self) -> list:
        self._after(self.upload)
        return self._json(self.api.get("/leads/uploads/"), 200)

    @cached_property
    def leads(self) -> list:
        self._after(self.lead)
        return self._json(self.api.get(f"/leads/?upload_id={self.upload['id']}"), 200)

    @cached_property
    def lead(self) -> dict:
        """The upload's first lead, its outcome recorded (won)."""
        first = self._json(self.api.get(f"/leads/?upload_id={self.upload['id']}"), 200)[0]
        response = self.api.patch(f"/leads/{first['id']}/", {"outcome": "won"}, format="json")
        return self._json(response, 200)

    @cached_property
    def outcomes(self) -> dict:
        self._after(self.lead)
        rows = (
            "name,company,outcome\n"
            "Ava Patel,FlowMetrics,Closed Won\n"  # already won: unchanged
            "Liam O'Brien,Brightline Software,won\n"
            "Nobody,Nowhere Inc,lost\n"
        )
        response = self.api.post("/leads/outcomes/", data=rows, content_type="text/csv")
        return self._json(response, 200)

    @cached_property
    def run(self) -> dict:
        self._after(self.lead)  # scored with its outcome, which results show
        scope = {"offer_id": self.offer["id"], "upload_id": self.upload["id"]}
        return self._json(self.api.post("/score/", scope, format="json"), 200)

    @cached_property
    def runs(self) -> list:
        self._after(self.run)
        return self._json(self.api.get("/score/runs/"), 200)

    @cached_property
    def run_shown(self) -> dict:
        return self._json(self.api.get(f"/score/runs/{self.run['id']}/"), 200)

    @cached_property
    def results(self) -> list:
        return self._json(self.api.get(f"/results/?run_id={self.run['id']}"), 200)

    @cached_property
    def result(self) -> dict:
        """The result of the walk's lead."""
        (mine,) = [item for item in self.results if item["lead_id"] == self.lead["id"]]
        return self._json(self.api.get(f"/results/{mine['id']}/"), 200)

    @cached_property
    def export(self) -> str:
        response = self.api.get(f"/results/export/?run_id={self.run['id']}")
        assert response.status_code == 200
        return b"".join(response.streaming_content).decode()

    @cached_property
    def estimate(self) -> dict:
        """POST /score/ with dry_run, for the OpenAI provider (the heuristic calls no model)."""
        self.settings.AI_PROVIDER = "openai"
        self.settings.OPENAI_API_KEY = "sk-only-an-estimate"
        try:
            body = {"offer_id": self.offer["id"], "upload_id": self.upload["id"], "dry_run": True}
            return self._json(self.api.post("/score/", body, format="json"), 200)
        finally:
            self.settings.AI_PROVIDER = "heuristic"

    @cached_property
    def _background(self) -> tuple[dict, dict]:
        """A run queued on a real broker (no worker takes it), and the same run cancelled."""
        client = redis_or_skip()
        queue = f"test-{uuid.uuid4().hex}"
        self.settings.CELERY_BROKER_URL = REDIS_URL
        scope = {"offer_id": self.offer["id"], "upload_id": self.upload["id"]}
        try:
            with celery_publishing_to(REDIS_URL, queue):
                queued = self._json(self.api.post("/score/", scope, format="json"), 202)
                cancelled = self.api.post(f"/score/runs/{queued['id']}/cancel/")
                return queued, self._json(cancelled, 200)
        finally:
            forget_queue(client, queue)
            client.close()

    @cached_property
    def queued_run(self) -> dict:
        return self._background[0]

    @cached_property
    def cancelled_run(self) -> dict:
        return self._background[1]

    @cached_property
    def evaluation(self) -> dict:
        """The README's evaluation: the leads with outcomes, uploaded second and scored."""
        self._after(self.upload)
        second = self._upload("leads_with_outcomes.csv")
        scope = {"offer_id": self.offer["id"], "upload_id": second["id"]}
        self._json(self.api.post("/score/", scope, format="json"), 200)
        query = f"offer_id={self.offer['id']}&upload_id={second['id']}"
        return self._json(self.api.get(f"/results/evaluation/?{query}"), 200)

    @cached_property
    def industries(self) -> list:
        return self._json(self.api.get("/industries/?q=bank"), 200)

    @cached_property
    def index(self) -> dict:
        return self._json(self.api.get("/"), 200)

    @cached_property
    def health(self) -> dict:
        return self._json(self.api.get("/healthz/"), 200)

    @cached_property
    def health_without_database(self) -> dict:
        self.monkeypatch.setattr(service_views, "connection", _DatabaseDown())
        return self._json(self.api.get("/healthz/"), 503)

    @cached_property
    def no_offer(self) -> dict:
        return self._json(self.newcomer.post("/score/", {}, format="json"), 400)

    @cached_property
    def blank_offer_name(self) -> dict:
        offer = {**json.loads((SAMPLES / "offer.json").read_text()), "name": ""}
        return self._json(self.api.post("/offer/", offer, format="json"), 400)

    @cached_property
    def error(self) -> dict:
        return self._json(self.api.get("/results/999999999/"), 404)


@pytest.fixture
def walk(api, other_api, settings, monkeypatch) -> Walk:
    return Walk(api, other_api, settings, monkeypatch)


# ---------------------------------------------------------------------------------------------
# The documented examples.

# (operation id, status, example) -> the step of the walk whose response it documents.
REAL = {
    ("index", "200", "Index"): "index",
    ("health", "200", "Healthy"): "health",
    ("health", "503", "DatabaseDown"): "health_without_database",
    ("offer_create", "201", "Created"): "offer",
    ("offer_list", "200", "Offers"): "offers",
    ("offer_retrieve", "200", "Offer"): "offer",
    ("offer_update", "200", "Updated"): "renamed_offer",
    ("leads_upload", "201", "Imported"): "upload",
    ("uploads_list", "200", "Uploads"): "uploads",
    ("uploads_retrieve", "200", "Upload"): "upload",
    ("leads_list", "200", "Leads"): "leads",
    ("leads_retrieve", "200", "Lead"): "lead",
    ("leads_outcome", "200", "Recorded"): "lead",
    ("leads_outcomes", "200", "Recorded"): "outcomes",
    ("score", "200", "FinishedRun"): "run",
    ("score", "200", "Estimate"): "estimate",
    ("score", "202", "QueuedRun"): "queued_run",
    ("score", "400", "NoOfferYet"): "no_offer",
    ("runs_list", "200", "Runs"): "runs",
    ("runs_retrieve", "200", "Run"): "run_shown",
    ("runs_cancel", "200", "Cancelled"): "cancelled_run",
    ("results_list", "200", "Results"): "results",
    ("results_retrieve", "200", "Result"): "result",
    ("results_evaluation", "200", "Evaluation"): "evaluation",
    ("industries_list", "200", "Search?q=bank"): "industries",
}
# drf-standardized-errors documents these errors on every endpoint, in the one error shape.
LIBRARY_ERRORS = {
    "AuthenticationFailed",
    "NotAuthenticated",
    "NotFound",
    "MethodNotAllowed",
    "NotAcceptable",
    "UnsupportedMediaType",
    "Throttled",
    "APIException",
}
CSV_EXAMPLE = ("results_export", "200", "CSV")


@pytest.fixture(scope="module")
def schema() -> dict:
    return current_schema()


def response_examples(schema: dict) -> Iterator[tuple[tuple[str, str, str], Any]]:
    """Yield ((operation id, status, example), value) for every response example of `schema`."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                for content in response.get("content", {}).values():
                    for name, example in content.get("examples", {}).items():
                        yield (operation["operationId"], status, name), example["value"]


def documented(schema: dict, operation: str, status: str, name: str) -> Any:
    (value,) = [v for k, v in response_examples(schema) if k == (operation, status, name)]
    return value


def test_every_response_example_stands_for_a_real_response_checked_here(schema):
    examples = {key for key, _ in response_examples(schema)}
    library = {key for key in examples if key[2] in LIBRARY_ERRORS}

    assert examples - library == {*REAL, CSV_EXAMPLE}


@pytest.mark.parametrize("example", list(REAL), ids=" ".join)
def test_an_example_has_the_keys_types_and_formats_of_its_real_response(schema, walk, example):
    real = getattr(walk, REAL[example])

    assert true_to(documented(schema, *example), real)


def test_the_error_examples_have_the_one_error_shape_of_real_errors(schema, walk):
    errors = [value for key, value in response_examples(schema) if key[2] in LIBRARY_ERRORS]

    assert errors
    assert all(true_to(value, walk.error) for value in errors)


def _csv_cells(line: str) -> list[str]:
    # Each cell as written: quoted text, a bare number, or nothing.
    return re.findall(r'(?:^|,)("(?:[^"]|"")*"|[^,]*)', line)


def test_the_csv_example_is_the_result_example_as_the_export_writes_it(schema, walk):
    example = documented(schema, *CSV_EXAMPLE)
    item = documented(schema, "results_retrieve", "200", "Result")
    header, row, end = example.split("\r\n")
    real_header, *real_rows = walk.export.split("\r\n")[:-1]
    (real_row,) = [line for line in real_rows if _csv_cells(line)[0] == f'"{item["name"]}"']

    assert header == real_header == ",".join(EXPORT_COLUMNS)
    assert end == ""
    # Text quoted, numbers bare: as the export writes the same result.
    quoted = [cell.startswith('"') for cell in _csv_cells(row)]
    assert quoted == [cell.startswith('"') for cell in _csv_cells(real_row)]
    (cells,) = csv.DictReader(io.StringIO(example))
    points = {f"{name}_points": value for name, value in item["breakdown"].items()}
    assert cells == {column: str({**item, **points}[column]) for column in EXPORT_COLUMNS}


def test_the_result_example_is_the_real_result_of_the_lead_example(schema, walk):
    example = documented(schema, "results_retrieve", "200", "Result")
    lead = documented(schema, "leads_retrieve", "200", "Lead")
    # What follows from the content of the lead and the offer, not from ids, times or digests.
    content = [
        "name", "role", "company", "industry", "location", "intent", "score", "rule_score",
        "breakdown", "ai_intent", "ai_points", "ai_provider", "ai_status", "reasoning", "outcome",
    ]  # fmt: skip

    assert {key: example[key] for key in content} == {key: walk.result[key] for key in content}
    assert (example["lead_id"], example["upload_id"]) == (lead["id"], lead["upload_id"])
    lead_fields = ["name", "role", "company", "industry", "location", "outcome", "outcome_at"]
    assert {key: example[key] for key in lead_fields} == {key: lead[key] for key in lead_fields}
    assert walk.lead["linkedin_bio"] == lead["linkedin_bio"]


# ---------------------------------------------------------------------------------------------
# The README's example responses.


def readme_json_blocks() -> list[Any]:
    return [
        json.loads(block) for block in re.findall(r"```json\n(.*?)```", README.read_text(), re.S)
    ]


def test_the_readme_example_responses_have_the_keys_types_and_formats_of_real_ones(walk):
    upload, error, evaluation = readme_json_blocks()

    assert true_to(upload, walk.upload, elided=ELIDED)
    assert true_to(error, walk.blank_offer_name, elided=ELIDED)
    assert true_to(evaluation, walk.evaluation, elided=ELIDED)


def test_the_readme_error_example_is_what_a_blank_offer_name_answers(walk):
    _, error, _ = readme_json_blocks()

    assert error == walk.blank_offer_name


def test_the_readme_reasoning_example_is_the_real_reasoning_of_a_sample_lead(walk):
    (example,) = re.findall(
        r"`reasoning`\s+that cites its evidence, e\.g\. \*\"(.*?)\"\*", README.read_text(), re.S
    )

    assert " ".join(example.split()) in [item["reasoning"] for item in walk.results]
