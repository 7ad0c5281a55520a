"""A chunk's lead ids as stored: runs of consecutive ids. Pure: no Django imports.

A chunk of an upload's leads is one run, or a few where other uploads' leads interleave, so
`[[first, last], ...]` is a few bytes where the ids themselves were a 5,000-number JSON list:
writing a 100k-lead run's chunks and reading them back cost ~100 ms on PostgreSQL (jsonb
parses every number), a few percent of scoring the run in the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def id_runs(ids: Sequence[int]) -> list[list[int]]:
    """Return `ids`, in their order, as runs `[first, last]` of consecutive ascending ids."""
    if not ids:
        return []
    if ids[-1] - ids[0] == len(ids) - 1 and list(ids) == list(range(ids[0], ids[-1] + 1)):
        return [[ids[0], ids[-1]]]  # the common case: one run
    runs = [[ids[0], ids[0]]]
    for lead_id in ids[1:]:
        if lead_id == runs[-1][1] + 1:
            runs[-1][1] = lead_id
        else:
            runs.append([lead_id, lead_id])
    return runs


def ids_of(stored: Sequence[Any]) -> list[int]:
    """Return the ids a chunk stored, in order: runs from `id_runs`, or (chunks written before
    runs were) the ids themselves."""
    if not stored or isinstance(stored[0], int):
        return list(stored)
    ids: list[int] = []
    for first, last in stored:
        ids.extend(range(first, last + 1))
    return ids


def count_of(stored: Sequence[Any]) -> int:
    """Return how many ids a chunk stored (see `ids_of`), without listing them."""
    if not stored or isinstance(stored[0], int):
        return len(stored)
    return sum(last - first + 1 for first, last in stored)
