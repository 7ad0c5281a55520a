"""Suggestions for the offer form's industry picker, from one place: the LinkedIn Industry
Codes V2 taxonomy (vocabulary/taxonomy.py), searched as `GET /industries/?q=` searches it."""

from __future__ import annotations

from scoring.selectors import industry_list

# Suggestions shown at once: a short list to pick from while typing.
MAX_SUGGESTIONS = 10


def industry_suggestions(*, query: str) -> list[str]:
    """Return up to MAX_SUGGESTIONS industry names matching `query`, best first; none for a
    blank query."""
    if not query.strip():
        return []
    return [industry.name for industry in industry_list(q=query)[:MAX_SUGGESTIONS]]
