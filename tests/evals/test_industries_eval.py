"""The industry evaluation: its labelled-file scoring, its gates and its exit code."""

from __future__ import annotations

import pytest

from evals import industries as evaluation

HEADER = "text,expected_id,source\n"


def write(tmp_path, rows: str):
    path = tmp_path / "labelled.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_labelled_strings_are_scored_per_source_with_the_worst_misses_first(tmp_path):
    path = write(
        tmp_path,
        "Computer Software,4,linkedin-v1\n"
        "Widgets,4,free-text\n"  # nothing recognised
        "Retail,4,free-text\n"  # another sector
        "Investment Banking,41,free-text\n",  # the right sector, another industry
    )

    measure, per_source, misses = evaluation.labelled(path)

    assert measure.value == pytest.approx(0.25)
    assert per_source == {"linkedin-v1": (1, 1), "free-text": (0, 3)}
    assert [(miss.text, miss.severity) for miss in misses] == [
        ("Retail", 3),
        ("Widgets", 2),
        ("Investment Banking", 1),
    ]


def test_a_label_that_is_no_v2_industry_stops_the_run(tmp_path):
    with pytest.raises(SystemExit, match="99999 is no V2 industry"):
        evaluation.labelled(write(tmp_path, "Widgets,99999,free-text\n"))


@pytest.mark.parametrize(
    ("value", "bound", "ceiling", "passed"),
    [
        (0.98, 0.98, False, True),
        (0.97, 0.98, False, False),
        (0.02, 0.02, True, True),
        (0.03, 0.02, True, False),
    ],
)
def test_floors_and_ceilings_include_their_bound(value, bound, ceiling, passed):
    assert evaluation.Measure("m", value, bound, ceiling).passed is passed


def test_the_v2_names_are_all_recognised():
    measure, misses = evaluation.recognition()

    assert (measure.passed, misses) == (True, [])
