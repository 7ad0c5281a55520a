"""Template helpers of the web app's pages."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from scoring.models import ScoreResult

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
    """Format a number of seconds for people: "under 1 s", "45 s", "3 min", "1 h 20 min"."""
    if seconds is None:
        return ""
    if seconds < 1:
        return "under 1 s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


# One result as rows of the results table: the lead, expanding to its reasons. Rendered in
# Python, not with template tags: 50 rows through the template engine cost ~100 ms a page.
_RESULT_ROW = (
    '<tbody class="result"><tr><td>{}</td>'
    '<td><details><summary><strong>{}</strong><span class="sub">{}{}</span></summary>'
    '<div class="why"><p><strong>Why:</strong> {}</p><ul class="breakdown">'
    "<li>Role: +{}</li><li>Industry: +{}</li><li>Complete profile: +{}</li>"
    "<li>AI ({}): +{}</li></ul>"
    '<p class="help">{} · {} · scored by {}{}</p></div></details></td>'
    '<td class="wide-only">{}</td>'
    '<td><span class="badge badge-{}">{}</span></td><td class="num">{}</td></tr></tbody>\n'
)


@register.simple_tag
def result_rows(results: Sequence[ScoreResult], first_rank: int) -> SafeString:
    """Return the table body of `results`, ranked from `first_rank`."""
    return format_html_join(
        "", _RESULT_ROW, (_row(r, first_rank + i) for i, r in enumerate(results))
    )


def _row(result: ScoreResult, rank: int) -> tuple:
    lead = result.lead
    return (
        rank,
        lead.name,
        lead.role,
        format_html('<span class="narrow-only"> · {}</span>', lead.company) if lead.company else "",
        result.reasoning,
        result.role_points,
        result.industry_points,
        result.completeness_points,
        result.ai_intent,
        result.ai_points,
        lead.industry or "No industry",
        lead.location or "no location",
        result.ai_provider,
        f" ({result.ai_status})" if result.ai_status != "ok" else "",
        lead.company,
        result.intent.lower(),
        result.intent,
        result.score,
    )
