"""Parse a raw CSV body (`Content-Type: text/csv`): spooled to disk, never held whole."""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict
from rest_framework.parsers import BaseParser, DataAndFiles

from leadscoring.api.errors import PayloadTooLarge

SPOOL_IN_MEMORY = 2 * 1024 * 1024
CHUNK = 256 * 1024


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
