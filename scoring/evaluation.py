"""Measure how well scores predict outcomes: AUC, lift by band, top shares, calibration and
suggested thresholds. Pure Python, no Django imports.

The input is a histogram: counts of results by (score, rule score, AI points, intent,
outcome). Scores are small integers, so a million results make a few hundred cells, and
every figure here is exact arithmetic on them, in memory that does not grow with the leads.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scoring.resampling import multinomial, percentile_interval, quantile

WON, LOST = "won", "lost"
INTENTS = ("High", "Medium", "Low")
# Fewer labelled leads than this and an AUC says more about chance than about the scores.
MIN_LABELLED = 30
# Bootstrap: enough resamples for stable 95% percentile intervals; a fixed seed so that the
# same data always give the same interval.
RESAMPLES = 1000
SEED = 11
CONFIDENCE = 0.95
TOP_PERCENTS = (10, 20, 30)
# Suggested thresholds: High must convert at least twice as often as the labelled leads as a
# whole, Medium at least as often; each band, Low included, must hold at least this many
# labelled leads (and this share of them), so that a band's rate is not a handful of leads.
HIGH_LIFT = 2.0
MEDIUM_LIFT = 1.0
MIN_BAND_LEADS = 10
MIN_BAND_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class Cell:
    """`count` results with the same score, layers' points, intent and outcome.

    `rule_score` and `ai_points` may be None when unknown (a CSV without them); `outcome` is
    "won", "lost" or "" (not known: left out of every figure but the bands' `leads`).
    """

    score: int
    rule_score: int | None
    ai_points: int | None
    intent: str
    outcome: str
    count: int


def auc(positives: dict[int, int], negatives: dict[int, int]) -> float | None:
    """Return the ROC AUC of a score from its histograms by class, ties counted half.

    The probability that a random positive outscores a random negative (Mann-Whitney U over
    P*N). None when a class is empty.
    """
    n_pos, n_neg = sum(positives.values()), sum(negatives.values())
    if not n_pos or not n_neg:
        return None
    below = 0
    wins = 0.0
    for score in sorted(positives.keys() | negatives.keys()):
        pos, neg = positives.get(score, 0), negatives.get(score, 0)
        wins += pos * (below + neg / 2)
        below += neg
    return wins / (n_pos * n_neg)


def evaluate(
    cells: Iterable[Cell],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict[str, Any]:
    """Return the evaluation report of `cells` (see the README's table of its fields)."""
    cells = _merged(cells)
    labelled_cells = [cell for cell in cells if cell.outcome in (WON, LOST)]
    labelled = sum(cell.count for cell in labelled_cells)
    positives = sum(cell.count for cell in labelled_cells if cell.outcome == WON)
    base_rate = positives / labelled if labelled else None
    warnings: list[str] = []
    if labelled < MIN_LABELLED:
        warnings.append(
            f"Only {labelled} lead(s) have a known outcome; AUC needs at least {MIN_LABELLED}."
        )
    if labelled and positives in (0, labelled):
        missing = "won" if positives == 0 else "lost"
        warnings.append(f"No labelled lead is {missing}: AUC needs both outcomes.")
    measurable = labelled >= MIN_LABELLED and 0 < positives < labelled
    rng = random.Random(seed)  # noqa: S311 - statistics, reproducible on purpose

    by_score = _histograms(labelled_cells, lambda cell: cell.score)
    report: dict[str, Any] = {
        "leads": sum(cell.count for cell in cells),
        "labelled": labelled,
        "positives": positives,
        "base_rate": base_rate,
        "auc": auc(*by_score) if measurable else None,
        "auc_interval": _auc_interval(rng, by_score, resamples) if measurable else None,
        "auc_rules": _layer_auc(labelled_cells, "rule_score") if measurable else None,
        "auc_ai": _layer_auc(labelled_cells, "ai_points") if measurable else None,
        "bands": band_table(cells, lambda cell: cell.intent, base_rate, positives),
        "top_share": top_shares(*by_score),
        "deciles": decile_table(*by_score),
        "suggested_thresholds": None,
        "bootstrap": {"resamples": resamples, "seed": seed, "confidence": CONFIDENCE},
        "warnings": warnings,
    }
    _add_band_intervals(rng, report["bands"], labelled_cells, resamples)
    suggestion = suggest_thresholds(*by_score)
    if suggestion is None:
        if base_rate:
            warnings.append(
                f"No thresholds give High a lift of {HIGH_LIFT:g} and Medium of "
                f"{MEDIUM_LIFT:g} with at least {MIN_BAND_LEADS} labelled leads in each band."
            )
    else:
        high, medium = suggestion
        report["suggested_thresholds"] = {
            "high_intent_score": high,
            "medium_intent_score": medium,
            "bands": band_table(
                cells, lambda cell: _intent(cell.score, high, medium), base_rate, positives
            ),
        }
    return report


def _merged(cells: Iterable[Cell]) -> list[Cell]:
    """Return `cells` with equal keys added up and empty ones left out: every figure below
    then loops over distinct cells only, however the input was counted."""
    counts: dict[tuple[int, int | None, int | None, str, str], int] = defaultdict(int)
    for cell in cells:
        if cell.count > 0:
            counts[(cell.score, cell.rule_score, cell.ai_points, cell.intent, cell.outcome)] += (
                cell.count
            )
    return [
        Cell(score, rule, ai, intent, outcome, count)
        for (score, rule, ai, intent, outcome), count in counts.items()
    ]


def _histograms(cells: Iterable[Cell], key: Any) -> tuple[dict[int, int], dict[int, int]]:
    positives: dict[int, int] = defaultdict(int)
    negatives: dict[int, int] = defaultdict(int)
    for cell in cells:
        (positives if cell.outcome == WON else negatives)[key(cell)] += cell.count
    return dict(positives), dict(negatives)


def _layer_auc(cells: list[Cell], layer: str) -> float | None:
    if any(getattr(cell, layer) is None for cell in cells):
        return None
    return auc(*_histograms(cells, lambda cell: getattr(cell, layer)))


def _auc_interval(
    rng: random.Random, by_score: tuple[dict[int, int], dict[int, int]], resamples: int
) -> list[float] | None:
    positives, negatives = by_score
    scores = sorted(positives.keys() | negatives.keys())
    counts = [positives.get(s, 0) for s in scores] + [negatives.get(s, 0) for s in scores]
    width = len(scores)

    def resampled_auc(drawn: list[int]) -> float | None:
        return auc(
            dict(zip(scores, drawn[:width], strict=True)),
            dict(zip(scores, drawn[width:], strict=True)),
        )

    interval = percentile_interval(
        rng, counts, resampled_auc, resamples=resamples, confidence=CONFIDENCE
    )
    return list(interval) if interval else None


def _add_band_intervals(
    rng: random.Random, bands: list[dict[str, Any]], cells: list[Cell], resamples: int
) -> None:
    """Give each band the bootstrap interval of its conversion rate (None without labels).

    The bands share their resamples: one draw of the labelled leads gives every band's rate.
    """
    keys = [(band["intent"], outcome) for band in bands for outcome in (WON, LOST)]
    counts = [sum(c.count for c in cells if (c.intent, c.outcome) == key) for key in keys]
    rates: list[list[float]] = [[] for _ in bands]
    for _ in range(resamples if any(band["labelled"] for band in bands) else 0):
        drawn = multinomial(rng, counts)
        for index, rate in enumerate(rates):
            won, lost = drawn[2 * index], drawn[2 * index + 1]
            if won + lost:
                rate.append(won / (won + lost))
    tail = (1.0 - CONFIDENCE) / 2
    for band, rate in zip(bands, rates, strict=True):
        rate.sort()
        band["conversion_rate_interval"] = (
            [quantile(rate, tail), quantile(rate, 1.0 - tail)]
            if band["labelled"] and rate
            else None
        )


def band_table(
    cells: Sequence[Cell], intent_of: Any, base_rate: float | None, positives: int
) -> list[dict[str, Any]]:
    """Return one row per intent: leads (all), labelled, converted, conversion_rate, lift
    against `base_rate` and share_of_conversions."""
    rows = {intent: {"leads": 0, "labelled": 0, "converted": 0} for intent in INTENTS}
    for cell in cells:
        row = rows.setdefault(intent_of(cell), {"leads": 0, "labelled": 0, "converted": 0})
        row["leads"] += cell.count
        if cell.outcome in (WON, LOST):
            row["labelled"] += cell.count
            row["converted"] += cell.count if cell.outcome == WON else 0
    table = []
    for intent, row in rows.items():
        rate = row["converted"] / row["labelled"] if row["labelled"] else None
        table.append(
            {
                "intent": intent,
                **row,
                "conversion_rate": rate,
                "lift": rate / base_rate if rate is not None and base_rate else None,
                "share_of_conversions": row["converted"] / positives if positives else None,
            }
        )
    return table


def top_shares(positives: dict[int, int], negatives: dict[int, int]) -> list[dict[str, Any]]:
    """Return, for the top 10, 20 and 30% of labelled leads by score, their share of the
    conversions. Leads tied at the cut count in proportion (the expectation over any order
    among ties)."""
    total = sum(positives.values()) + sum(negatives.values())
    won = sum(positives.values())
    shares = []
    for percent in TOP_PERCENTS:
        room = total * percent / 100
        held = 0.0
        for score in sorted(positives.keys() | negatives.keys(), reverse=True):
            if room <= 0:
                break
            here = positives.get(score, 0) + negatives.get(score, 0)
            taken = min(here, room)
            held += positives.get(score, 0) * taken / here
            room -= taken
        shares.append({"top_percent": percent, "share_of_conversions": held / won if won else None})
    return shares


def decile_table(positives: dict[int, int], negatives: dict[int, int]) -> list[dict[str, Any]]:
    """Return the calibration table: labelled leads by score decile (90-100 first), with
    their conversion rate beside their mean score."""
    table = []
    for decile in range(9, -1, -1):
        low, high = decile * 10, 100 if decile == 9 else decile * 10 + 9
        won = sum(n for s, n in positives.items() if low <= s <= high)
        lost = sum(n for s, n in negatives.items() if low <= s <= high)
        total_score = sum(
            s * n
            for histogram in (positives, negatives)
            for s, n in histogram.items()
            if low <= s <= high
        )
        labelled = won + lost
        table.append(
            {
                "score_from": low,
                "score_to": high,
                "labelled": labelled,
                "converted": won,
                "conversion_rate": won / labelled if labelled else None,
                "mean_score": total_score / labelled if labelled else None,
            }
        )
    return table


def suggest_thresholds(
    positives: dict[int, int], negatives: dict[int, int]
) -> tuple[int, int] | None:
    """Return (high, medium) thresholds under which each band has a clear lift, or None.

    High is the lowest score from which the labelled leads convert at HIGH_LIFT times the
    base rate; Medium the lowest score below it from which the leads up to High convert at
    least at MEDIUM_LIFT times it. Every band (Low too) must hold MIN_BAND_LEADS labelled
    leads and MIN_BAND_SHARE of them. The lowest qualifying cut makes each band as large as
    its lift allows.
    """
    total = sum(positives.values()) + sum(negatives.values())
    won = sum(positives.values())
    if not total or not won:
        return None
    base_rate = won / total
    least = max(MIN_BAND_LEADS, MIN_BAND_SHARE * total)
    scores = sorted(positives.keys() | negatives.keys())

    def above(cut: int, below: int = 101) -> tuple[int, int]:
        won_ = sum(n for s, n in positives.items() if cut <= s < below)
        lost_ = sum(n for s, n in negatives.items() if cut <= s < below)
        return won_, won_ + lost_

    for high in scores:
        high_won, high_n = above(high)
        if (
            high_n < least
            or total - high_n < 2 * least
            or high_won < HIGH_LIFT * base_rate * high_n
        ):
            continue
        for medium in scores:
            if medium >= high:
                break
            medium_won, medium_n = above(medium, high)
            low_n = total - high_n - medium_n
            if (
                medium_n >= least
                and low_n >= least
                and medium_won >= MEDIUM_LIFT * base_rate * medium_n
            ):
                return high, medium
    return None


def _intent(score: int, high: int, medium: int) -> str:
    if score >= high:
        return "High"
    return "Medium" if score >= medium else "Low"
