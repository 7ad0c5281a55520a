"""JSON arrays streamed in constant memory, for lists too long to build as one response."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson
from django.http import StreamingHttpResponse

# Items encoded per call: a few hundred kilobytes per write.
BATCH = 1000
# DRF's JSONRenderer escapes these two (valid JSON, but line breaks in JavaScript source);
# orjson writes them as they are. Escaped alike, both write the same bytes.
_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


def json_array_chunks(items: Iterable[object], *, batch: int = BATCH) -> Iterator[bytes]:
    """Yield the UTF-8 JSON text of the array of `items`, `batch` items per chunk.

    The bytes are those DRF's JSONRenderer writes (compact, UTF-8 unescaped); orjson encodes
    them about ten times faster than the json module. Raises orjson.JSONEncodeError (a
    TypeError) for values JSON cannot hold.
    """
    yield b"["
    pending: list[object] = []
    separator = b""
    for item in items:
        pending.append(item)
        if len(pending) == batch:
            yield separator + _encode(pending)
            separator = b","
            pending.clear()
    if pending:
        yield separator + _encode(pending)
    yield b"]"


def _encode(items: list[object]) -> bytes:
    text = orjson.dumps(items)[1:-1]
    for raw, escaped in _LINE_SEPARATORS:
        if raw in text:
            text = text.replace(raw, escaped)
    return text


def json_array_response(items: Iterable[object]) -> StreamingHttpResponse:
    """Return a 200 streaming the JSON array of `items`."""
    return StreamingHttpResponse(json_array_chunks(items), content_type="application/json")
