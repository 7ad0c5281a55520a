"""Per-API-key rate limits, counted in the shared cache (Redis when configured)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from leadscoring.api.auth import WorkspaceUser


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Limit each API key (or the keyless local workspace) per scope.

    A view's `throttle_scope` ("upload", "score") picks its own rate; every other view counts
    against "api". Rates come from settings (LEADSCORING_*_RATE) when a request is checked,
    so they can change without a restart of the class. Over the limit: 429 with Retry-After.
    """

    def __init__(self) -> None:
        # The scope, and so the rate, is known only once the view is (see allow_request).
        pass

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = getattr(view, "throttle_scope", "api")
        self.rate = settings.THROTTLE_RATES.get(self.scope)
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.auth is not None:
            # The key's public prefix: its id holds the stored hash, which must not be copied
            # into the cache.
            ident = f"key:{request.auth.prefix}"
        elif isinstance(request.user, WorkspaceUser):
            ident = f"workspace:{request.user.workspace.pk}"
        else:
            return None  # unauthenticated: answered 401 anyway
        return f"throttle:{self.scope}:{ident}"
