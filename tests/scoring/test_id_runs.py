"""A chunk's lead ids are stored as runs of consecutive ids, and read back as they were."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.id_runs import count_of, id_runs, ids_of


def test_a_chunk_of_consecutive_ids_is_one_run():
    assert id_runs(list(range(1000, 6000))) == [[1000, 5999]]


def test_gaps_start_new_runs():
    assert id_runs([1, 2, 3, 7, 8, 10]) == [[1, 3], [7, 8], [10, 10]]


def test_ids_out_of_order_keep_their_order():
    assert ids_of(id_runs([5, 3, 4, 9, 1])) == [5, 3, 4, 9, 1]


def test_no_ids_are_no_runs():
    assert id_runs([]) == []
    assert ids_of([]) == []
    assert count_of([]) == 0


@pytest.mark.parametrize("stored", [[4, 5, 6, 9], [12]])
def test_chunks_stored_before_runs_hold_the_ids_themselves(stored):
    assert ids_of(stored) == stored
    assert count_of(stored) == len(stored)


@given(st.lists(st.integers(min_value=1, max_value=60), unique=True))
def test_runs_give_back_the_ids_and_their_count(ids):
    runs = id_runs(ids)

    assert ids_of(runs) == ids
    assert count_of(runs) == len(ids)
    assert all(first <= last for first, last in runs)
