"""JSON arrays streamed in constant memory, for lists too long to build as one response."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.http import HttpRequest, StreamingHttpResponse

from leadscoring.api.asgi_handler import streamed

# DRF's JSONRenderer escapes these two (valid JSON, but line breaks in JavaScript source);
# json.dumps and the databases write them as they are. Escaped alike, all write the
# same bytes.
_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))
# Their first byte in UTF-8: a one-byte search is a memchr, many times faster than looking for
# either, and most batches hold none (about 1 s of CPU a million results, measured).
_LINE_SEPARATOR_LEAD = b"\xe2"


def json_array_chunks(batches: Iterable[bytes]) -> Iterator[bytes]:
    """Yield the UTF-8 JSON text of an array from `batches` of encoded items, each a run of
    whole items joined by commas (as `scoring.result_rows.result_json_batches` yields them).

    The bytes are those DRF's JSONRenderer writes for the same items (compact, UTF-8
    unescaped, U+2028 and U+2029 escaped).
    """
    yield b"["
    separator = b""
    try:
        for batch in batches:
            if not batch:
                continue
            if _LINE_SEPARATOR_LEAD in batch:
                for raw, escaped in _LINE_SEPARATORS:
                    if raw in batch:
                        batch = batch.replace(raw, escaped)
            yield separator + batch
            separator = b","
    finally:
        # A response closed early closes `batches` (and its query) with it.
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    yield b"]"


def json_array_response(request: HttpRequest, batches: Iterable[bytes]) -> StreamingHttpResponse:
    """Return a 200 streaming the JSON array of the items in `batches` (see
    json_array_chunks), read as the server consumes it (see asgi_handler.streamed)."""
    return StreamingHttpResponse(
        streamed(request, json_array_chunks(batches)), content_type="application/json"
    )
