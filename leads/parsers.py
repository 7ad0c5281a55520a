"""Parse a raw CSV body (`Content-Type: text/csv`): spooled to disk, never held whole."""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict
from rest_framework.parsers import BaseParser, DataAndFiles
from rest_framework.request import Request

from leadscoring.api.errors import LengthRequired, PayloadTooLarge

SPOOL_IN_MEMORY = 2 * 1024 * 1024
CHUNK = 256 * 1024
# Room for a multipart body's boundaries and part headers around a file of the largest size.
MULTIPART_ENVELOPE_BYTES = 64 * 1024


class CsvBodyParser(BaseParser):
    """Expose a raw CSV body as the upload's `file`, whatever its size, in constant memory."""

    media_type = "text/csv"

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> DataAndFiles:
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        size = 0
        limit = settings.MAX_UPLOAD_BYTES
        while stream is not None and (chunk := stream.read(CHUNK)):
            size += len(chunk)
            if size > limit:
                spool.close()
                raise PayloadTooLarge(_too_large_message(limit))
            spool.write(chunk)
        spool.seek(0)
        file = UploadedFile(spool, name="upload.csv", size=size)
        return DataAndFiles({}, MultiValueDict({"file": [file]}))


class ApplicationCsvBodyParser(CsvBodyParser):
    media_type = "application/csv"


def _too_large_message(limit: int) -> str:
    return f"The file is larger than the {limit // (1024 * 1024)} MB upload limit."


def too_large_message() -> str:
    """Return the message of a 413 for the configured upload limit."""
    return _too_large_message(settings.MAX_UPLOAD_BYTES)


def max_body_bytes() -> int:
    """Return the largest request body an upload may have: the file and its multipart
    envelope. No request of the API needs more."""
    return settings.MAX_UPLOAD_BYTES + MULTIPART_ENVELOPE_BYTES


def refuse_oversized_body(request: Request) -> None:
    """Raise PayloadTooLarge when the declared body is over max_body_bytes(), before it is
    read, and LengthRequired for a chunked body that reached a server unable to read it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # The multipart envelope (boundaries, part headers) comes on top of the file itself,
    # whose own size is checked once parsed.
    if declared > max_body_bytes():
        raise PayloadTooLarge(too_large_message())
    if not declared and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        # Only a WSGI server gets here: it hands Django no chunked body (the production
        # server, leadscoring.asgi, reads one and gives it a length).
        raise LengthRequired(
            "A chunked body reached a server that cannot read it: send the CSV with a "
            "Content-Length."
        )
