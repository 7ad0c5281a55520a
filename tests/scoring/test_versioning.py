"""Version labels are digests of what they label: any change to rules or heuristic moves them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scoring.classifiers.heuristic import HEURISTIC_VERSION, HeuristicClassifier
from scoring.rules import RULES_VERSION
from scoring.versioning import SCORING_DIR, SHARED_VOCABULARY_DIR, content_version

PRINT_VERSIONS = (
    "import scoring.rules as r, scoring.classifiers.heuristic as h; "
    "print(r.RULES_VERSION, h.HEURISTIC_VERSION)"
)


def versions_of_copy(tree: Path) -> tuple[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_VERSIONS], cwd=tree, capture_output=True, text=True, check=True
    )
    rules_version, heuristic_version = result.stdout.split()
    return rules_version, heuristic_version


@pytest.fixture
def scoring_copy(tmp_path: Path) -> Path:
    for package in (SCORING_DIR, SHARED_VOCABULARY_DIR):
        shutil.copytree(
            package, tmp_path / package.name, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tmp_path


def test_an_unchanged_copy_derives_the_same_versions(scoring_copy):
    assert versions_of_copy(scoring_copy) == (RULES_VERSION, HEURISTIC_VERSION)


@pytest.mark.parametrize(
    "module",
    [
        "scoring/rules.py",
        "scoring/roles.py",
        "scoring/role_words.py",
        "scoring/industries.py",
        "scoring/industry_names.py",
        "scoring/text.py",
        "vocabulary/taxonomy.py",
        "vocabulary/text.py",
    ],
)
def test_any_change_to_the_rule_layer_changes_the_rules_version(scoring_copy, module):
    with (scoring_copy / module).open("a") as source:
        source.write("\n# a changed rule\n")

    rules_version, heuristic_version = versions_of_copy(scoring_copy)

    assert rules_version != RULES_VERSION
    assert heuristic_version == HEURISTIC_VERSION


@pytest.mark.parametrize(
    "directory",
    ["scoring/vocabularies/roles", "scoring/vocabularies/industries", "vocabulary/industries"],
)
def test_any_change_to_a_vocabulary_file_changes_the_rules_version(scoring_copy, directory):
    (scoring_copy / directory).mkdir(parents=True, exist_ok=True)
    with (scoring_copy / directory / "added.txt").open("a") as data:
        data.write("a new entry\n")

    rules_version, _ = versions_of_copy(scoring_copy)

    assert rules_version != RULES_VERSION


def test_a_change_to_the_heuristic_changes_its_version_and_model_label(scoring_copy):
    with (scoring_copy / "scoring" / "classifiers" / "heuristic.py").open("a") as source:
        source.write("\n# a changed weight\n")

    rules_version, heuristic_version = versions_of_copy(scoring_copy)

    assert heuristic_version != HEURISTIC_VERSION
    assert rules_version == RULES_VERSION


def test_the_heuristic_labels_carry_both_versions():
    assert HeuristicClassifier.model == f"heuristic-{HEURISTIC_VERSION}"
    assert (
        HeuristicClassifier.prompt_version == f"heuristic-{HEURISTIC_VERSION}+rules-{RULES_VERSION}"
    )


def test_content_version_ignores_order_and_line_endings(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"one\ntwo\n")
    (tmp_path / "b.txt").write_bytes(b"three\n")
    unix = content_version([tmp_path / "a.txt", tmp_path / "b.txt"], root=tmp_path)

    (tmp_path / "a.txt").write_bytes(b"one\r\ntwo\r\n")

    assert content_version([tmp_path / "b.txt", tmp_path / "a.txt"], root=tmp_path) == unix


def test_content_version_tells_a_renamed_file_apart(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"same\n")
    before = content_version([tmp_path / "a.txt"], root=tmp_path)
    (tmp_path / "a.txt").rename(tmp_path / "b.txt")

    assert content_version([tmp_path / "b.txt"], root=tmp_path) != before
