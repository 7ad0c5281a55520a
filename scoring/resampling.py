"""Seeded multinomial resampling of counts, for bootstrap intervals. Pure Python, no Django.

A bootstrap resample of n leads drawn with replacement, summarised by cell (a score and an
outcome, say), is a multinomial draw of n over the cells' counts: drawing the cell counts
directly costs a few binomial draws per cell instead of n draws, so a million leads resample
as fast as a hundred.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence


def binomial(rng: random.Random, n: int, p: float) -> int:
    """Return a Binomial(n, p) variate drawn with `rng`.

    Devroye's geometric method when n*p < 10, else Hörmann's BTRS (transformed rejection
    with squeeze, 1993). Ours rather than `random.binomialvariate` (Python 3.12+), so that a
    seed gives the same intervals on every supported Python.
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial(rng, n, 1.0 - p)
    if n * p < 10.0:
        successes = trials = 0
        log_q = math.log1p(-p)
        while True:
            trials += math.floor(math.log(1.0 - rng.random()) / log_q) + 1
            if trials > n:
                return successes
            successes += 1
    spq = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = math.log(p / (1.0 - p))
    mode = math.floor((n + 1) * p)
    h = math.lgamma(mode + 1) + math.lgamma(n - mode + 1)
    while True:
        u = rng.random() - 0.5
        v = rng.random()
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v *= alpha / (a / (us * us) + b)
        if math.log(v) <= h - math.lgamma(k + 1) - math.lgamma(n - k + 1) + (k - mode) * lpq:
            return k


def multinomial(rng: random.Random, counts: Sequence[int]) -> list[int]:
    """Return a resample of sum(counts) items over the cells of `counts`, with replacement."""
    remaining, weight = sum(counts), sum(counts)
    drawn: list[int] = []
    for count in counts:
        if remaining == 0 or weight <= 0:
            drawn.append(0)
            continue
        take = binomial(rng, remaining, count / weight) if count < weight else remaining
        drawn.append(take)
        remaining -= take
        weight -= count
    return drawn


def percentile_interval(
    rng: random.Random,
    counts: Sequence[int],
    statistic: Callable[[list[int]], float | None],
    *,
    resamples: int,
    confidence: float = 0.95,
) -> tuple[float, float] | None:
    """Return the bootstrap percentile interval of `statistic` over resamples of `counts`.

    Resamples where the statistic is undefined (None) are left out; None when all are.
    """
    values = sorted(
        value
        for value in (statistic(multinomial(rng, counts)) for _ in range(resamples))
        if value is not None
    )
    if not values:
        return None
    tail = (1.0 - confidence) / 2
    return quantile(values, tail), quantile(values, 1.0 - tail)


def quantile(ordered: Sequence[float], q: float) -> float:
    """Return the `q` quantile of sorted `ordered`, interpolating linearly between ranks."""
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
