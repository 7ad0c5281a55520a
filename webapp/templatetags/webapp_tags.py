"""Template helpers of the web app's pages."""

from __future__ import annotations

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag
def query_with(query: QueryDict, **changes: object) -> str:
    """Return `query` as a query string ("?..."), with `changes` set (None or "" removes)."""
    updated = query.copy()
    for name, value in changes.items():
        if value is None or value == "":
            updated.pop(name, None)
        else:
            updated[name] = str(value)
    return "?" + updated.urlencode()


@register.filter
def duration(seconds: float | None) -> str:
    """Format a number of seconds for people: "45 s", "3 min", "1 h 20 min"."""
    if seconds is None:
        return ""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
