"""The tests' API client: DRF's, whose `.json()` also reads streamed JSON (GET /results/)."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import test


class APIClient(test.APIClient):
    """DRF's APIClient. A streamed JSON response is read whole once: `.json()` parses it and
    `.streamed_body` holds its bytes (Django's client gives streamed responses no `.content`)."""

    def request(self, **kwargs: Any) -> Any:
        response = super().request(**kwargs)
        if response.streaming and response.get("Content-Type") == "application/json":
            body = b"".join(response.streaming_content)
            response.streamed_body = body
            response.json = lambda: json.loads(body)
        return response
