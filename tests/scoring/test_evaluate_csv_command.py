"""`manage.py evaluate_csv`: the evaluation report from a scored CSV, without a database."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from scoring.evaluation import Cell, evaluate

REPO_ROOT = Path(__file__).resolve().parents[2]


def run(path: Path, *args: str) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate_csv", str(path), *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_the_report_is_the_evaluation_of_the_rows_scores_and_outcomes(tmp_path):
    rows = [(90, "High", "Closed Won")] * 6 + [(90, "High", "lost")] * 4
    rows += [(50, "Medium", "won")] * 3 + [(50, "Medium", "Disqualified")] * 7
    rows += [(10, "Low", "1")] + [(10, "Low", "0")] * 19 + [(10, "Low", "open")] * 5
    lines = ["name,Score,Intent,Deal Stage"] + [
        f"P{i},{s},{t},{o}" for i, (s, t, o) in enumerate(rows)
    ]
    path = tmp_path / "scored.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report, err = run(path)

    outcome = {"Closed Won": "won", "won": "won", "1": "won", "open": ""}
    expected = evaluate(Cell(s, None, None, t, outcome.get(o, "lost"), 1) for s, t, o in rows)
    assert report == json.loads(json.dumps(expected))
    assert (report["labelled"], report["positives"], report["auc_rules"]) == (40, 10, None)
    assert err.strip() == "45 row(s) read, 40 with a known outcome, 0 rejected."


def test_rows_without_an_intent_take_it_from_the_thresholds_and_bad_rows_are_named(tmp_path):
    path = tmp_path / "scored.csv"
    path.write_text(
        "score;outcome;rule_score;ai_points\n80;won;50;30\n30;lost;0;30\n101;won;50;50\n"
        "x;lost;0;10\n40;maybe;10;30\n",
        encoding="utf-8",
    )

    report, err = run(path, "--high", "75", "--medium", "35")

    assert [(b["intent"], b["leads"]) for b in report["bands"]] == [
        ("High", 1),
        ("Medium", 0),
        ("Low", 1),
    ]
    assert report["auc_rules"] is None  # too few labelled leads for any AUC
    assert err.splitlines() == [
        "line 4: score '101' is not a number from 0 to 100.",
        "line 5: score 'x' is not a number from 0 to 100.",
        "line 6: outcome 'maybe' is not understood; use won, closed won, converted, "
        "customer, true, yes, 1 (won); lost, closed lost, disqualified, unqualified, false, "
        "no, 0 (lost); blank or open (not known yet).",
        "2 row(s) read, 2 with a known outcome, 3 rejected.",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,outcome\nAva,won\n", "The CSV needs a score column and an outcome column"),
        ("score,intent\n80,High\n", "The CSV needs a score column and an outcome column"),
        ("score,outcome\n", "no usable rows"),
    ],
)
def test_a_csv_without_scores_or_outcomes_is_refused(tmp_path, text, message):
    path = tmp_path / "scored.csv"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        run(path)


def test_the_synthetic_sample_scores_and_evaluates_end_to_end(tmp_path, settings):
    settings.AI_PROVIDER = "heuristic"
    scored = tmp_path / "scored.csv"
    call_command(
        "score_csv",
        str(REPO_ROOT / "samples" / "leads_with_outcomes.csv"),
        offer=str(REPO_ROOT / "samples" / "offer.json"),
        out=str(scored),
        stderr=io.StringIO(),
    )

    report, _ = run(scored)

    assert report["leads"] == 300
    assert report["labelled"] >= 200
    assert report["auc"] > 0.7
    assert report["bands"][0]["lift"] > 2
    assert report["suggested_thresholds"] is not None
