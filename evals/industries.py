"""Evaluate industry resolution and fit against LinkedIn V2 and labelled real-world strings.

Run `python -m evals.industries` from the repository root. It prints each measure with its
floor (or ceiling) and exits 1 when one is not met, so CI can gate on it:

* recognition: share of the 434 V2 names that resolve to their own id;
* siblings: share of ordered pairs of V2 industries with the same parent that score +10 or
  +20 when one is the offer's ICP and the other the lead's industry;
* distant sectors: share of ordered pairs from different top-level sectors, other than pairs
  a curated link names, that score above 0;
* labelled strings: accuracy on `evals/data/industries.csv` (V1 names, HubSpot and
  Salesforce picklists, NAICS sectors, free text; sources in evals/SOURCES.md), per source,
  with the worst misses.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scoring.facts import OfferFacts
from scoring.industries import canonical_industry, icp_for_offer, industry_fit, industry_label
from scoring.rules import INDUSTRY_POINTS
from vocabulary import taxonomy

LABELLED_FILE = Path(__file__).resolve().parent / "data" / "industries.csv"
# The bar for "done": recognise nearly every V2 name, treat nearly every sibling as
# a neighbour, and almost never give points across unrelated sectors.
RECOGNITION_FLOOR = 0.98
SIBLING_FLOOR = 0.90
DISTANT_CEILING = 0.02
# Labelled real-world strings: below this, a vocabulary change broke something people use.
LABELLED_FLOOR = 0.90
WORST_MISSES = 25


@dataclass(frozen=True)
class Measure:
    name: str
    value: float
    bound: float
    ceiling: bool = False

    @property
    def passed(self) -> bool:
        return self.value <= self.bound if self.ceiling else self.value >= self.bound

    def line(self) -> str:
        sign = "<=" if self.ceiling else ">="
        verdict = "ok" if self.passed else "FAIL"
        return f"{self.name:<44} {self.value:7.2%}  ({sign} {self.bound:.0%})  {verdict}"


def _points(lead_industry: str, icp_name: str) -> int:
    offer = OfferFacts(name="eval", value_props=(), ideal_use_cases=(), icp_industries=(icp_name,))
    return INDUSTRY_POINTS[industry_fit(lead_industry, icp_for_offer(offer)).level]


def recognition() -> tuple[Measure, list[str]]:
    industries = taxonomy.INDUSTRIES.values()
    misses = [item.name for item in industries if canonical_industry(item.name) != item.id]
    share = 1 - len(misses) / len(taxonomy.INDUSTRIES)
    return Measure("V2 names recognised", share, RECOGNITION_FLOOR), misses


def _pairs_scoring(pairs: Iterable[tuple[int, int]], wanted: bool) -> tuple[int, int, list]:
    names = {key: item.name for key, item in taxonomy.INDUSTRIES.items()}
    total = hits = 0
    odd: list[tuple[str, str]] = []
    for icp, lead in pairs:
        total += 1
        if (_points(names[lead], names[icp]) > 0) == wanted:
            hits += 1
        else:
            odd.append((names[icp], names[lead]))
    return hits, total, odd


def siblings() -> tuple[Measure, list]:
    pairs = [
        pair
        for parent in taxonomy.INDUSTRIES
        for pair in itertools.permutations(taxonomy.children(parent), 2)
    ]
    hits, total, misses = _pairs_scoring(pairs, wanted=True)
    return Measure(
        f"sibling pairs scoring +10/+20 (of {total})", hits / total, SIBLING_FLOOR
    ), misses


def distant() -> tuple[Measure, list]:
    industries = taxonomy.INDUSTRIES
    curated = {frozenset((link.first, link.second)) for link in taxonomy.CROSS_LINKS}
    pairs = [
        (icp, lead)
        for icp, lead in itertools.permutations(industries, 2)
        if industries[icp].sector != industries[lead].sector
        and frozenset((icp, lead)) not in curated
    ]
    scoring, total, _ = _pairs_scoring(pairs, wanted=True)
    # Which curated links reach furthest (they join whole branches, below both names).
    reached: Counter[tuple[str, str]] = Counter()
    for icp, lead in pairs:
        fit = industry_fit(industries[lead].name, _icp(industries[icp].name))
        if fit.level != "none":
            reached[(industry_label(fit.via), fit.link or "")] += 1
    measure = Measure(
        f"distant-sector pairs scoring > 0 (of {total})",
        scoring / total,
        DISTANT_CEILING,
        ceiling=True,
    )
    return measure, reached.most_common(5)


def _icp(name: str):
    offer = OfferFacts(name="eval", value_props=(), ideal_use_cases=(), icp_industries=(name,))
    return icp_for_offer(offer)


@dataclass(frozen=True)
class Miss:
    text: str
    source: str
    expected: int
    got: int | None

    @property
    def severity(self) -> int:
        """3: another sector; 2: nothing recognised; 1: the right sector, another industry."""
        if self.got is None:
            return 2
        industries = taxonomy.INDUSTRIES
        return 3 if industries[self.got].sector != industries[self.expected].sector else 1

    def line(self) -> str:
        got = industry_label(self.got) if self.got is not None else "(nothing)"
        return f"[{self.source}] {self.text!r}: expected {industry_label(self.expected)}, got {got}"


def labelled(path: Path = LABELLED_FILE) -> tuple[Measure, dict[str, tuple[int, int]], list]:
    per_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[Miss] = []
    with path.open(newline="", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            expected = int(row["expected_id"])
            if expected not in taxonomy.INDUSTRIES:
                raise SystemExit(f"{path.name}: {expected} is no V2 industry ({row['text']!r})")
            got = canonical_industry(row["text"])
            per_source[row["source"]][1] += 1
            if got == expected:
                per_source[row["source"]][0] += 1
            else:
                misses.append(Miss(row["text"], row["source"], expected, got))
    right = sum(hits for hits, _ in per_source.values())
    total = sum(count for _, count in per_source.values())
    misses.sort(key=lambda miss: (-miss.severity, miss.source, miss.text))
    measure = Measure(f"labelled strings resolved (of {total})", right / total, LABELLED_FLOOR)
    return measure, {source: (h, n) for source, (h, n) in per_source.items()}, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, default=LABELLED_FILE)
    args = parser.parse_args(argv)

    recognised, unrecognised = recognition()
    sibling, sibling_misses = siblings()
    far, reach = distant()
    accuracy, per_source, misses = labelled(args.labelled)
    measures = [recognised, sibling, far, accuracy]

    print("Industries: LinkedIn Industry Codes V2 and labelled real-world strings\n")
    for measure in measures:
        print(measure.line())
    print("\nLabelled strings per source:")
    for source, (hits, total) in sorted(per_source.items()):
        print(f"  {source:<20} {hits:4}/{total:<4} {hits / total:7.2%}")
    if unrecognised:
        print("\nV2 names not recognised:", ", ".join(unrecognised))
    if sibling_misses:
        print(f"\nSibling pairs scoring 0 (first {WORST_MISSES}):")
        for icp, lead in sibling_misses[:WORST_MISSES]:
            print(f"  ICP {icp!r}, lead {lead!r}")
    if reach:
        print("\nDistant pairs scoring > 0, by the ICP industry and link that gave the points:")
        for (via, link), count in reach:
            print(f"  {count:5}  {link} through {via}")
    if misses:
        print(f"\nWorst misses (another sector first; {len(misses)} in all):")
        for miss in misses[:WORST_MISSES]:
            print("  " + miss.line())
    failed = [measure.name for measure in measures if not measure.passed]
    print("\n" + ("FAILED: " + "; ".join(failed) if failed else "All floors met."))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
