"""Title evaluation: how often the rule layer's reading of real job titles matches hand labels.

Run `python -m evals.titles` from the repository root. It prints the accuracy overall, per
labelled class and per source, the confusion matrix and the worst misses, and exits 1 when the
accuracy falls below the floor (so CI can fail the build). The labelled file and its sources
are described in evals/SOURCES.md.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from scoring.roles import classify_role

TITLES_FILE = Path(__file__).resolve().parent / "titles.csv"
LEVELS = ("decision_maker", "influencer", "none")
# Below this share of agreeing titles the run fails: the held-out target (issue 9), under the
# measured 98.1%, so a regressed family of titles (a few dozen rows) fails CI and one relabelled
# row does not.
ACCURACY_FLOOR = 0.97


@dataclass(frozen=True, slots=True)
class Labelled:
    title: str
    label: str
    source: str


@dataclass(frozen=True, slots=True)
class Outcome:
    item: Labelled
    predicted: str
    evidence: str

    @property
    def correct(self) -> bool:
        return self.predicted == self.item.label

    @property
    def distance(self) -> int:
        """How many classes apart the verdict is: a decision maker read as none is 2."""
        return abs(LEVELS.index(self.predicted) - LEVELS.index(self.item.label))


def load(path: Path) -> list[Labelled]:
    """Read the labelled titles; raise ValueError naming the first row with an unknown label."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    items = []
    for number, row in enumerate(rows, start=2):
        if row["label"] not in LEVELS:
            raise ValueError(f"{path.name} line {number}: unknown label {row['label']!r}")
        items.append(Labelled(row["title"], row["label"], row["source"]))
    return items


def evaluate(items: list[Labelled]) -> list[Outcome]:
    """Classify every labelled title."""
    outcomes = []
    for item in items:
        match = classify_role(item.title)
        outcomes.append(Outcome(item, match.level, match.evidence))
    return outcomes


def _share(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "     -"


def report(outcomes: list[Outcome], *, misses: int) -> str:
    """Return the printed report: accuracy, per class, per source, confusion and worst misses."""
    lines: list[str] = []
    correct = sum(outcome.correct for outcome in outcomes)
    lines.append(
        f"titles: {len(outcomes)}  correct: {correct}  accuracy: {_share(correct, len(outcomes))}"
    )

    lines.append("\nper labelled class (recall, precision):")
    for level in LEVELS:
        labelled = [o for o in outcomes if o.item.label == level]
        predicted = [o for o in outcomes if o.predicted == level]
        hits = sum(o.correct for o in labelled)
        lines.append(
            f"  {level:15} {len(labelled):5}  recall {_share(hits, len(labelled))}"
            f"  precision {_share(hits, len(predicted))}"
        )

    lines.append("\nper source:")
    for source in sorted({o.item.source for o in outcomes}):
        rows = [o for o in outcomes if o.item.source == source]
        hits = sum(o.correct for o in rows)
        lines.append(f"  {source:22} {len(rows):5}  accuracy {_share(hits, len(rows))}")

    confusion = Counter((o.item.label, o.predicted) for o in outcomes)
    lines.append("\nconfusion (rows: label, columns: verdict):")
    lines.append("  " + " " * 15 + "".join(f"{level:>16}" for level in LEVELS))
    for label in LEVELS:
        cells = "".join(f"{confusion[(label, predicted)]:>16}" for predicted in LEVELS)
        lines.append(f"  {label:15}{cells}")

    wrong = sorted(
        (o for o in outcomes if not o.correct),
        key=lambda o: (-o.distance, o.item.label, o.item.title.casefold()),
    )
    lines.append(f"\nworst misses ({min(misses, len(wrong))} of {len(wrong)}, furthest first):")
    for outcome in wrong[:misses]:
        lines.append(
            f"  {outcome.item.label:>14} read as {outcome.predicted:14} "
            f"{outcome.item.title!r}  (evidence {outcome.evidence!r})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.titles", description=__doc__)
    parser.add_argument("--file", type=Path, default=TITLES_FILE, help="labelled CSV to score")
    parser.add_argument("--floor", type=float, default=ACCURACY_FLOOR, help="minimum accuracy")
    parser.add_argument("--misses", type=int, default=40, help="how many misses to list")
    args = parser.parse_args(argv)

    outcomes = evaluate(load(args.file))
    print(report(outcomes, misses=args.misses))
    accuracy = sum(o.correct for o in outcomes) / len(outcomes) if outcomes else 0.0
    if accuracy < args.floor:
        print(f"\nFAIL: accuracy {accuracy:.1%} is below the floor {args.floor:.1%}")
        return 1
    print(f"\nOK: accuracy {accuracy:.1%} is at or above the floor {args.floor:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
