"""JSON arrays streamed in constant memory, for lists too long to build as one response."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

# Items encoded per json.dumps call: one C-level call per batch instead of one per item,
# and a few hundred kilobytes per write.
BATCH = 1000
# As DRF's JSONRenderer writes JSON (UNICODE_JSON and COMPACT_JSON): the same bytes either way.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def json_array_chunks(items: Iterable[object], *, batch: int = BATCH) -> Iterator[bytes]:
    """Yield the UTF-8 JSON text of the array of `items`, `batch` items per chunk."""
    yield b"["
    pending: list[object] = []
    separator = b""
    for item in items:
        pending.append(item)
        if len(pending) == batch:
            yield separator + _encode(pending)[1:-1].encode()
            separator = b","
            pending.clear()
    if pending:
        yield separator + _encode(pending)[1:-1].encode()
    yield b"]"


def json_array_response(items: Iterable[object]) -> StreamingHttpResponse:
    """Return a 200 streaming the JSON array of `items`."""
    return StreamingHttpResponse(json_array_chunks(items), content_type="application/json")
