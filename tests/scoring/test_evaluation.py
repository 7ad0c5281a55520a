"""The evaluation maths (scoring/evaluation.py, scoring/resampling.py), without a database:
figures computed by hand from small tables, and an independent pairwise AUC on random data."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import roc_auc_score

from scoring.evaluation import Cell, auc, decile_table, evaluate, suggest_thresholds, top_shares
from scoring.resampling import binomial, multinomial, quantile


@pytest.mark.parametrize(
    ("positives", "negatives", "expected"),
    [
        ({2: 3}, {1: 2}, 1.0),  # every positive outscores every negative
        ({1: 1}, {2: 1}, 0.0),
        ({5: 2}, {5: 3}, 0.5),  # all tied: each pair counts half
        # pairs: (1 vs 1) half, (1 vs 0) 1, (2 vs 1) 1, (2 vs 0) 1 -> 3.5 / 4
        ({1: 1, 2: 1}, {1: 1, 0: 1}, 0.875),
        # 9.5 + 3 * (19 + 3.5) + 6 * (26 + 2) = 245 wins over 10 * 30 pairs
        ({90: 6, 50: 3, 10: 1}, {90: 4, 50: 7, 10: 19}, 245 / 300),
        ({3: 1}, {}, None),
        ({}, {3: 1}, None),
    ],
)
def test_auc_counts_the_pairs_a_positive_wins_ties_half(positives, negatives, expected):
    assert auc(positives, negatives) == (pytest.approx(expected) if expected is not None else None)


def pairwise_auc(scores: list[int], won: list[bool]) -> float:
    """AUC from its definition, pair by pair: an independent computation."""
    pos = [s for s, w in zip(scores, won, strict=True) if w]
    neg = [s for s, w in zip(scores, won, strict=True) if not w]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@pytest.mark.parametrize("seed", range(5))
def test_auc_of_the_histogram_equals_the_pairwise_definition_on_random_tied_data(seed):
    rng = random.Random(seed)
    scores = [rng.choice(range(0, 101, 10)) for _ in range(300)]
    won = [rng.random() < 0.2 + s / 200 for s in scores]
    cells = [
        Cell(s, None, None, "Low", "won" if w else "lost", 1)
        for s, w in zip(scores, won, strict=True)
    ]

    report = evaluate(cells, resamples=50)

    assert report["auc"] == pytest.approx(pairwise_auc(scores, won), abs=1e-9)
    assert report["auc"] == pytest.approx(roc_auc_score(won, scores), abs=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_auc_equals_scikit_learn_on_a_hundred_thousand_tied_scores(seed):
    rng = random.Random(seed)
    scores = [rng.randrange(0, 101) for _ in range(100_000)]
    won = [rng.random() < 0.05 + s / 300 for s in scores]
    layers = [(s // 2, s - s // 2) for s in scores]
    cells = [
        Cell(s, r, a, "Low", "won" if w else "lost", 1)
        for s, (r, a), w in zip(scores, layers, won, strict=True)
    ]

    report = evaluate(cells, resamples=10)

    assert report["auc"] == pytest.approx(roc_auc_score(won, scores), abs=1e-9)
    assert report["auc_rules"] == pytest.approx(
        roc_auc_score(won, [r for r, _ in layers]), abs=1e-9
    )
    assert report["auc_ai"] == pytest.approx(roc_auc_score(won, [a for _, a in layers]), abs=1e-9)


def cells_of(rows: list[tuple[int, str, str, int]]) -> list[Cell]:
    return [Cell(score, None, None, intent, outcome, n) for score, intent, outcome, n in rows]


# 10 High leads at 90 (6 won), 10 Medium at 50 (3 won), 20 Low at 10 (1 won) and 5 Low
# without an outcome: 40 labelled, 10 conversions, a base rate of 0.25.
TABLE = cells_of(
    [
        (90, "High", "won", 6),
        (90, "High", "lost", 4),
        (50, "Medium", "won", 3),
        (50, "Medium", "lost", 7),
        (10, "Low", "won", 1),
        (10, "Low", "lost", 19),
        (10, "Low", "", 5),
    ]
)


def test_bands_give_conversion_rate_lift_and_share_of_conversions():
    report = evaluate(TABLE)

    assert (report["leads"], report["labelled"], report["positives"]) == (45, 40, 10)
    assert report["base_rate"] == 0.25
    rows = [
        {k: band[k] for k in band if k != "conversion_rate_interval"} for band in report["bands"]
    ]
    assert rows == [
        {
            "intent": "High",
            "leads": 10,
            "labelled": 10,
            "converted": 6,
            "conversion_rate": 0.6,
            "lift": pytest.approx(2.4),
            "share_of_conversions": 0.6,
        },
        {
            "intent": "Medium",
            "leads": 10,
            "labelled": 10,
            "converted": 3,
            "conversion_rate": 0.3,
            "lift": pytest.approx(1.2),
            "share_of_conversions": 0.3,
        },
        {
            "intent": "Low",
            "leads": 25,
            "labelled": 20,
            "converted": 1,
            "conversion_rate": 0.05,
            "lift": pytest.approx(0.2),
            "share_of_conversions": 0.1,
        },
    ]
    assert report["auc"] == pytest.approx(245 / 300)
    assert report["warnings"] == []


def test_top_shares_count_leads_tied_at_the_cut_in_proportion():
    positives, negatives = {90: 6, 50: 3, 10: 1}, {90: 4, 50: 7, 10: 19}

    shares = top_shares(positives, negatives)

    # Top 10% = 4 of the 10 leads at 90 (2.4 conversions); 20% = 8 of them (4.8); 30% = all
    # 10 at 90 and 2 of the 10 at 50 (6 + 0.6).
    assert shares == [
        {"top_percent": 10, "share_of_conversions": pytest.approx(0.24)},
        {"top_percent": 20, "share_of_conversions": pytest.approx(0.48)},
        {"top_percent": 30, "share_of_conversions": pytest.approx(0.66)},
    ]


def test_deciles_give_the_conversion_rate_of_each_tenth_of_the_score_range():
    table = decile_table({95: 1, 90: 1, 50: 3}, {100: 2, 50: 7, 3: 4})

    assert [row["score_from"] for row in table] == [90, 80, 70, 60, 50, 40, 30, 20, 10, 0]
    assert table[0] == {
        "score_from": 90,
        "score_to": 100,
        "labelled": 4,
        "converted": 2,
        "conversion_rate": 0.5,
        "mean_score": (95 + 90 + 200) / 4,
    }
    assert table[4]["conversion_rate"] == 0.3
    assert table[9] == {
        "score_from": 0,
        "score_to": 9,
        "labelled": 4,
        "converted": 0,
        "conversion_rate": 0.0,
        "mean_score": 3.0,
    }
    assert table[1]["conversion_rate"] is None


@pytest.mark.parametrize(
    ("positives", "negatives", "expected"),
    [
        # High from 90 converts at 0.6 = 2.4x the base rate; from 50, 0.45 < 2x. Medium from 50
        # (0.3) >= the base rate; Medium from 10 would leave Low empty.
        ({90: 6, 50: 3, 10: 1}, {90: 4, 50: 7, 10: 19}, (90, 50)),
        # Nothing converts twice as often as the rest: no suggestion.
        ({90: 3, 50: 3, 10: 3}, {90: 7, 50: 7, 10: 7}, None),
        # A High band of 5 leads is too small to be trusted (at least 10).
        ({90: 5, 10: 5}, {10: 90}, None),
        ({}, {10: 40}, None),
    ],
)
def test_suggested_thresholds_give_each_band_a_clear_lift(positives, negatives, expected):
    assert suggest_thresholds(positives, negatives) == expected


def test_the_report_says_what_the_bands_would_hold_under_the_suggested_thresholds():
    suggested = evaluate(TABLE)["suggested_thresholds"]

    assert (suggested["high_intent_score"], suggested["medium_intent_score"]) == (90, 50)
    assert [(b["intent"], b["leads"], b["converted"]) for b in suggested["bands"]] == [
        ("High", 10, 6),
        ("Medium", 10, 3),
        ("Low", 25, 1),
    ]


@pytest.mark.parametrize(
    ("rows", "warning"),
    [
        ([(90, "High", "won", 5), (10, "Low", "lost", 5)], "Only 10 lead(s) have a known outcome"),
        ([(90, "High", "won", 40)], "No labelled lead is lost: AUC needs both outcomes."),
        ([(90, "High", "lost", 40)], "No labelled lead is won: AUC needs both outcomes."),
        ([(90, "High", "", 40)], "Only 0 lead(s) have a known outcome"),
    ],
)
def test_too_few_labels_or_one_class_give_a_warning_and_no_auc(rows, warning):
    report = evaluate(cells_of(rows))

    assert report["auc"] is None
    assert report["auc_interval"] is None
    assert any(w.startswith(warning) for w in report["warnings"]), report["warnings"]


def test_unlabelled_leads_count_in_the_bands_leads_only():
    with_unknown = evaluate([*TABLE, *cells_of([(90, "High", "", 1000)])])
    without = evaluate(TABLE)

    assert with_unknown["bands"][0]["leads"] == 1010
    for key in ("labelled", "positives", "base_rate", "auc", "auc_interval", "top_share"):
        assert with_unknown[key] == without[key]


def test_layer_aucs_measure_rule_points_and_ai_points_apart():
    # Rule points separate the outcomes perfectly; AI points (the same for all) not at all.
    cells = [
        Cell(70, 40, 30, "High", "won", 20),
        Cell(40, 10, 30, "Medium", "won", 20),
        Cell(30, 0, 30, "Low", "lost", 20),
    ]

    report = evaluate(cells)

    assert (report["auc_rules"], report["auc_ai"]) == (1.0, 0.5)


def test_bootstrap_intervals_are_reproducible_and_hold_the_estimate():
    first, again = evaluate(TABLE), evaluate(TABLE)
    low, high = first["auc_interval"]

    assert first["auc_interval"] == again["auc_interval"]
    assert [b["conversion_rate_interval"] for b in first["bands"]] == [
        b["conversion_rate_interval"] for b in again["bands"]
    ]
    assert low < first["auc"] < high
    for band in first["bands"]:
        band_low, band_high = band["conversion_rate_interval"]
        assert band_low <= band["conversion_rate"] <= band_high
    assert evaluate(TABLE, seed=12)["auc_interval"] != first["auc_interval"]


def test_intervals_narrow_as_labelled_leads_grow():
    small = evaluate(TABLE)["auc_interval"]
    large = evaluate(
        [Cell(c.score, None, None, c.intent, c.outcome, c.count * 1000) for c in TABLE]
    )
    width = large["auc_interval"][1] - large["auc_interval"][0]

    assert width < (small[1] - small[0]) / 10


@pytest.mark.parametrize(("n", "p"), [(20, 0.1), (1000, 0.3), (1_000_000, 0.02), (500, 0.9)])
def test_binomial_draws_have_the_binomial_mean_and_variance(n, p):
    rng = random.Random(3)
    draws = [binomial(rng, n, p) for _ in range(4000)]
    mean = sum(draws) / len(draws)
    variance = sum((d - mean) ** 2 for d in draws) / (len(draws) - 1)

    assert all(0 <= d <= n for d in draws)
    assert mean == pytest.approx(n * p, rel=0.02)
    assert variance == pytest.approx(n * p * (1 - p), rel=0.1)


def test_multinomial_resamples_keep_the_total_and_empty_cells_empty():
    rng = random.Random(5)
    for _ in range(200):
        drawn = multinomial(rng, [5, 0, 1000, 3])
        assert sum(drawn) == 1008
        assert drawn[1] == 0


@pytest.mark.parametrize(
    ("values", "q", "expected"), [([1, 2, 3, 4], 0.5, 2.5), ([1, 2, 3], 0.0, 1), ([7], 0.975, 7)]
)
def test_quantile_interpolates_between_ranks(values, q, expected):
    assert quantile(values, q) == expected
