"""leadscoring.api.streaming: JSON arrays written in batches."""

from __future__ import annotations

import json

import pytest

from leadscoring.api.streaming import json_array_chunks


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 7])
def test_chunks_join_into_the_json_array_of_the_items(count):
    items = [{"n": i, "text": f'é"{i}"\n'} for i in range(count)]

    chunks = list(json_array_chunks(items, batch=2))

    assert json.loads(b"".join(chunks)) == items
    assert len(chunks) == 2 + -(-count // 2)


def test_chunks_refuse_values_json_cannot_hold():
    with pytest.raises(TypeError):
        list(json_array_chunks([{"x": object()}]))
