"""Django's ASGI handler with the request body bounded as it streams in, chunked or not."""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.http import HttpRequest

from leads.parsers import max_body_bytes, too_large_message
from leadscoring.api.errors import error_body

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyTooLarge(Exception):
    """The request body is larger than any request of the API may be."""


class BoundedASGIHandler(ASGIHandler):
    """Django's ASGIHandler, which reads a whole body before the view runs, made to refuse
    one larger than `max_body_bytes()`: with 413 at once when Content-Length says so, else as
    soon as the bytes received pass the limit (chunked bodies included). Then a request
    without Content-Length gets the length of what arrived, so Django can parse it."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        try:
            if declared > max_body_bytes():
                raise BodyTooLarge
            await super().handle(scope, receive, send)
        except BodyTooLarge:
            await _send_too_large(send)

    async def read_body(self, receive: Receive) -> Any:
        body_file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - Django closes it
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b"
        )
        size, limit = 0, max_body_bytes()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body_file.close()
                raise RequestAborted()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                body_file.close()
                raise BodyTooLarge
            body_file.write(chunk)
            if not message.get("more_body", False):
                break
        body_file.seek(0)
        return body_file

    def create_request(self, scope: Scope, body_file: Any) -> tuple[Any, Any]:
        request, error_response = super().create_request(scope, body_file)
        if request is not None and "CONTENT_LENGTH" not in request.META:
            body_file.seek(0, 2)
            request.META["CONTENT_LENGTH"] = str(body_file.tell())
            body_file.seek(0)
        return request, error_response


async def _send_too_large(send: Send) -> None:
    body = json.dumps(
        error_body(status_code=413, code="payload_too_large", detail=too_large_message())
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


_END = object()


def streamed(request: HttpRequest, iterator: Iterator[Any]) -> Iterator[Any] | AsyncIterator[Any]:
    """Return `iterator` as the server consumes it best: as is under WSGI, as an async
    iterator under ASGI (Django would otherwise read a sync one whole into memory first).

    Each step runs in the request's own thread, where its database cursor lives.
    """
    if not isinstance(request, ASGIRequest):
        return iterator

    async def steps() -> AsyncIterator[Any]:
        step = sync_to_async(next, thread_sensitive=True)
        try:
            while (item := await step(iterator, _END)) is not _END:
                yield item
        finally:
            # A client that went away: the iterator lets go of its query (and database
            # connection) now, in its own thread, rather than whenever it is collected.
            close = getattr(iterator, "close", None)
            if close is not None:
                await sync_to_async(close, thread_sensitive=True)()

    return steps()
