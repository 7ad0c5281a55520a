"""Routes that answer with and without their trailing slash, as the spec's clients expect."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, re_path


def route(pattern: str, view: Any, name: str) -> URLPattern:
    """Route `pattern` (a regex without slashes at either end) with an optional trailing slash.

    Django's APPEND_SLASH cannot redirect a POST without losing its body, so `POST /offer` and
    `POST /offer/` must both reach the view.
    """
    return re_path(rf"^{pattern}/?$", view, name=name)


def strip_optional_slash(endpoints: list[tuple[str, str, str, Any]]) -> list:
    """drf-spectacular hook: document each route once, with its canonical trailing slash."""
    return [
        (path.removesuffix("/?") + "/" if path.endswith("/?") else path, *rest)
        for path, *rest in endpoints
    ]
