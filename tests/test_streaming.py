"""leadscoring.api.streaming: JSON arrays written from batches of encoded items."""

from __future__ import annotations

import json

import pytest
from rest_framework.renderers import JSONRenderer

from leadscoring.api.streaming import json_array_chunks


def _batches(items: list[dict], size: int) -> list[bytes]:
    return [
        b",".join(
            json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()
            for item in items[start : start + size]
        )
        for start in range(0, len(items), size)
    ]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 7])
def test_batches_join_into_the_array_the_json_renderer_writes(count):
    # Batches with neither separator, with one or both, and with their first byte alone (—).
    texts = ["plain", "dash \u2014", 'é"\n\u2028', "\u2029 and \u2028"]
    items = [{"n": i, "text": texts[i % len(texts)]} for i in range(count)]

    chunks = list(json_array_chunks(_batches(items, 2)))

    assert b"".join(chunks) == JSONRenderer().render(items)
    assert len(chunks) == 2 + -(-count // 2)


def test_empty_batches_add_no_separator():
    chunks = json_array_chunks([b"", b'{"n":1}', b"", b'{"n":2},{"n":3}', b""])

    assert json.loads(b"".join(chunks)) == [{"n": 1}, {"n": 2}, {"n": 3}]


def test_closing_the_array_early_closes_the_batches():
    closed = []

    def batches():
        try:
            yield b'{"n":1}'
            yield b'{"n":2}'
        finally:
            closed.append(True)

    chunks = json_array_chunks(batches())
    assert next(chunks) == b"["
    assert next(chunks) == b'{"n":1}'
    chunks.close()

    assert closed == [True]
