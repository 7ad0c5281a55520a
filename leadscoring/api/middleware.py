"""Request ids and one access-log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from leadscoring.api.logging import request_id

HEADER = "X-Request-ID"
# A caller's own id is kept when it is short and plain; anything else is replaced.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

access_log = logging.getLogger("leadscoring.access")


class RequestIdMiddleware:
    """Give each request an id (the caller's X-Request-ID if sane, else a new one), return it
    in the response's X-Request-ID and attach it to every log line of the request.

    The access line holds method, path (never the query string: it may hold names), status,
    duration and the workspace: no bodies, bios or keys.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        rid = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            user = getattr(request, "api_user", None)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "workspace_id": getattr(getattr(user, "workspace", None), "pk", None),
                },
            )
            return response
        finally:
            request_id.reset(token)
