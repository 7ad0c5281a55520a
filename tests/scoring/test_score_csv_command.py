"""`manage.py score_csv`: a CSV scored end to end without a database or a server.

No test here asks for `db`: pytest-django refuses database access, so any query fails them.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.classifiers.openai import PROMPT_VERSION
from scoring.composition import inputs_hash
from scoring.facts import LeadFacts, OfferFacts
from scoring.management.commands.score_csv import COLUMNS
from scoring.rules import RULES_VERSION
from tests.scoring.llm_server import MODEL, echo_answers, failing, serve

SPEC_OFFER = {
    "name": "AI Outreach Automation",
    "value_props": ["24/7 outreach", "6x more meetings"],
    "ideal_use_cases": ["B2B SaaS mid-market"],
}
OFFER_FACTS = OfferFacts(
    name=SPEC_OFFER["name"],
    value_props=tuple(SPEC_OFFER["value_props"]),
    ideal_use_cases=tuple(SPEC_OFFER["ideal_use_cases"]),
)
HEADER = "name,role,company,industry,location,linkedin_bio\n"
LEADS_CSV = (
    HEADER
    + 'Ava Patel,VP Sales,FlowMetrics,SaaS,"Austin, TX",'
    + "Scaling outbound at a Series B SaaS company.\n"
    + ",CEO,Nameless Inc,SaaS,Oslo,No name on this row.\n"
    + "AVA PATEL,VP Sales,flowmetrics,SaaS,Austin,The same person again.\n"
    + "Cara Lim,Student,State University,Education,Boston,I am a student.\n"
)


@pytest.fixture(autouse=True)
def heuristic_provider(settings):
    settings.AI_PROVIDER = "heuristic"


@pytest.fixture
def files(tmp_path):
    def write(leads: str = LEADS_CSV, offer: object = SPEC_OFFER) -> tuple[str, str, str]:
        leads_path = tmp_path / "leads.csv"
        offer_path = tmp_path / "offer.json"
        leads_path.write_text(leads, encoding="utf-8")
        offer_path.write_text(offer if isinstance(offer, str) else json.dumps(offer), "utf-8")
        return str(leads_path), str(offer_path), str(tmp_path / "scored.csv")

    return write


def run(csv_path: str, offer_path: str, **options: object) -> tuple[str, str]:
    """Run the command; return what it wrote on its stdout and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("score_csv", csv_path, offer=offer_path, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def read_rows(path: str) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def test_writes_a_header_and_one_row_per_valid_distinct_lead(files):
    leads, offer, out = files()
    ava = LeadFacts(
        "Ava Patel", "VP Sales", "FlowMetrics", "SaaS", "Austin, TX",
        "Scaling outbound at a Series B SaaS company.",
    )  # fmt: skip
    ai_words = HeuristicClassifier().classify_one(OFFER_FACTS, ava).reasoning

    run(leads, offer, out=out)

    header, *rows = read_rows(out)
    assert header == list(COLUMNS)
    assert ",".join(header).startswith("name,role,company,intent,score,reasoning,")
    assert [row[0] for row in rows] == ["Ava Patel", "Cara Lim"]
    assert dict(zip(header, rows[0], strict=True)) == {
        "name": "Ava Patel",
        "role": "VP Sales",
        "company": "FlowMetrics",
        "intent": "High",
        "score": "100",
        "reasoning": (
            "Role 'VP Sales' is a decision maker (+20); industry 'SaaS' matches the ICP "
            "'B2B SaaS mid-market': Software Development (+20); all fields present (+10). "
            "AI (heuristic): High. "
            f"{ai_words}"
        ),
        "industry": "SaaS",
        "location": "Austin, TX",
        "rule_score": "50",
        "role_points": "20",
        "industry_points": "20",
        "completeness_points": "10",
        "ai_intent": "High",
        "ai_points": "50",
        "ai_provider": "heuristic",
        "ai_model": HeuristicClassifier.model,
        "ai_status": "ok",
        "line": "2",
        "rules_version": RULES_VERSION,
        "prompt_version": HeuristicClassifier.prompt_version,
        "inputs_hash": inputs_hash(OFFER_FACTS, ava),
        "outcome": "",
    }
    cara = dict(zip(header, rows[1], strict=True))
    assert (cara["intent"], cara["score"], cara["line"]) == ("Low", "20", "5")


def test_output_lines_end_with_crlf(files):
    leads, offer, out = files()

    run(leads, offer, out=out)

    with open(out, "rb") as file:
        lines = file.read().split(b"\r\n")
    assert lines[-1] == b""
    assert len(lines) == 4  # header, two rows, and the end


def test_reports_rejected_rows_and_counts_on_stderr(files):
    leads, offer, out = files()

    stdout, stderr = run(leads, offer, out=out)

    assert stdout == ""
    assert stderr.splitlines() == [
        "line 3: name is required.",
        f"2 lead(s) scored with heuristic (model: {HeuristicClassifier.model}): 2 answered by "
        "heuristic, 0 from the cache, 0 fell back to the heuristic; 1 duplicate(s) skipped, "
        "1 row(s) rejected.",
    ]


def test_writes_the_results_to_standard_output_without_out(files):
    leads, offer, _ = files()

    stdout, stderr = run(leads, offer)

    rows = list(csv.reader(io.StringIO(stdout, newline="")))
    assert rows[0] == list(COLUMNS)
    assert [row[0] for row in rows[1:]] == ["Ava Patel", "Cara Lim"]
    assert "2 lead(s) scored" in stderr


def test_provider_option_overrides_the_settings(files, settings):
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_API_KEY = ""
    leads, offer, out = files()

    _, stderr = run(leads, offer, out=out, provider="heuristic")

    assert "scored with heuristic" in stderr
    assert {row[COLUMNS.index("ai_provider")] for row in read_rows(out)[1:]} == {"heuristic"}


def test_openai_provider_scores_through_the_configured_server(files, settings, httpserver):
    serve(httpserver, echo_answers)
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_MODEL = MODEL
    leads, offer, out = files()

    _, stderr = run(leads, offer, out=out, provider="openai")

    _, *rows = read_rows(out)
    columns = [COLUMNS.index(c) for c in ("ai_provider", "ai_model", "ai_status", "prompt_version")]
    assert {tuple(row[i] for i in columns) for row in rows} == {
        ("openai", MODEL, "ok", PROMPT_VERSION)
    }
    assert len(httpserver.log) == 1
    assert (
        f"2 lead(s) scored with openai (model: {MODEL}): 2 answered by openai, 0 from the "
        "cache, 0 fell back to the heuristic;"
    ) in stderr


@pytest.fixture
def unreachable_model(settings, httpserver):
    serve(httpserver, failing(500))
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_MAX_RETRIES = 0


def test_a_run_that_never_reached_the_model_writes_its_results_and_fails(files, unreachable_model):
    leads, offer, out = files()

    with pytest.raises(CommandError) as failure:
        run(leads, offer, out=out, provider="openai")

    assert str(failure.value) == (
        "degraded: 2 of 2 leads fell back to the heuristic classifier (0 answered by the "
        "model, 0 from the cache, 2 fell back to the heuristic); check the LLM server and the "
        "logs. Pass --allow-fallback to accept such a run."
    )
    _, *rows = read_rows(out)
    status, provider = COLUMNS.index("ai_status"), COLUMNS.index("ai_provider")
    assert [(row[status], row[provider]) for row in rows] == [("fallback", "heuristic")] * 2


def test_allow_fallback_accepts_a_degraded_run_and_says_so(files, unreachable_model):
    leads, offer, out = files()

    _, stderr = run(leads, offer, out=out, provider="openai", allow_fallback=True)

    assert (
        "2 lead(s) scored with openai (model: none): 0 answered by openai, 0 from the cache, "
        "2 fell back to the heuristic;"
    ) in stderr
    assert len(read_rows(out)) == 3


def test_a_rejected_api_key_is_a_command_error(files, settings, httpserver):
    serve(httpserver, failing(401))
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    leads, offer, out = files()

    with pytest.raises(CommandError, match=r"rejected the API key \(401\)"):
        run(leads, offer, out=out, provider="openai")


def test_formula_like_cells_are_neutralised(files):
    leads, offer, out = files(
        HEADER
        + '"=HYPERLINK(""http://x"")",+Director,@Acme,-Retail,=Paris,"=1+1, a bio"\n'
        + "Ann Ok,CEO,Acme,SaaS,Oslo,Plain.\n"
    )

    run(leads, offer, out=out)

    header, formula, plain = read_rows(out)
    cells = dict(zip(header, formula, strict=True))
    assert (cells["name"], cells["role"], cells["company"]) == (
        "'=HYPERLINK(\"http://x\")", "'+Director", "'@Acme",
    )  # fmt: skip
    assert (cells["industry"], cells["location"]) == ("'-Retail", "'=Paris")
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in formula)
    assert plain[:3] == ["Ann Ok", "CEO", "Acme"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing csv", r"^Cannot read .*nowhere\.csv: No such file or directory\.$"),
        ("missing offer", r"^Cannot read the offer .*nowhere\.json: No such file or directory\.$"),
        ("offer not json", r"^The offer .*offer\.json is not valid JSON: "),
        ("offer a list", r"^Invalid offer in .*offer\.json: non_field_errors: "),
        (
            "offer missing fields",
            r"^Invalid offer in .*offer\.json: value_props: This field is required\.; "
            r"ideal_use_cases: This field is required\.$",
        ),
        ("offer unknown field", r"^Invalid offer in .*offer\.json: colour: Unknown field\.$"),
        ("csv missing columns", r"leads\.csv: Missing required column\(s\): industry, location"),
        ("csv without rows", r"leads\.csv: The file has a header but no data rows\.$"),
        ("csv unterminated quote", r"leads\.csv: Unterminated quoted field starting on line 2"),
        ("unknown provider", r"^Unknown AI provider 'gemini': use one of heuristic, openai"),
        ("openai without key", r"^OPENAI_API_KEY must be set"),
    ],
)
def test_errors_are_command_errors_with_a_clear_message(files, settings, tmp_path, case, message):
    leads, offer, out = files(
        leads={
            "csv missing columns": "name,role,company,linkedin_bio\nAva,CEO,Acme,Bio\n",
            "csv without rows": HEADER,
            "csv unterminated quote": HEADER + 'Ava,"CEO,Acme,SaaS,Oslo,Bio\n',
        }.get(case, LEADS_CSV),
        offer={
            "offer not json": "{not json",
            "offer a list": [SPEC_OFFER],
            "offer missing fields": {"name": "Outreach"},
            "offer unknown field": {**SPEC_OFFER, "colour": "red"},
        }.get(case, SPEC_OFFER),
    )
    if case == "missing csv":
        leads = str(tmp_path / "nowhere.csv")
    if case == "missing offer":
        offer = str(tmp_path / "nowhere.json")
    options: dict[str, object] = {"out": out}
    if case == "unknown provider":
        options["provider"] = "gemini"
    if case == "openai without key":
        settings.OPENAI_API_KEY = ""
        options["provider"] = "openai"

    with pytest.raises(CommandError, match=message):
        run(leads, offer, **options)


def test_a_failed_run_leaves_an_existing_out_file_untouched(files, tmp_path):
    _, offer, out = files()
    with open(out, "w", encoding="utf-8") as file:
        file.write("earlier results\n")

    with pytest.raises(CommandError):
        run(str(tmp_path / "typo.csv"), offer, out=out)

    with open(out, encoding="utf-8") as file:
        assert file.read() == "earlier results\n"
