"""Suggestions for the offer form's industry picker, from one place.

Today they come from the industries the workspace's own leads and offers name. When the
industry taxonomy (scoring/industries.py, `GET /industries/?q=`) is merged, point
`industry_suggestions` at its search: the picker and its page need no other change.
"""

from __future__ import annotations

from leads.models import Lead
from offers.models import Offer
from workspaces.models import Workspace

# Suggestions shown at once: a short list to pick from while typing.
MAX_SUGGESTIONS = 10
# Leads scanned for distinct industries: bounds the query on large workspaces.
SCAN_LEADS = 20_000


def industry_suggestions(*, workspace: Workspace, query: str) -> list[str]:
    """Return up to MAX_SUGGESTIONS industry names containing `query` (ignoring case), those
    the workspace's offers already use first, then those its leads name, alphabetically."""
    needle = query.strip().casefold()
    if not needle:
        return []
    found: dict[str, str] = {}
    for offer in Offer.objects.filter(workspace=workspace).values_list(
        "icp_industries", "adjacent_industries"
    )[:200]:
        for name in [*offer[0], *offer[1]]:
            if needle in name.casefold():
                found.setdefault(name.casefold(), name)
    lead_industries = (
        Lead.objects.filter(workspace=workspace, industry__icontains=needle)
        .order_by()
        .values_list("industry", flat=True)
        .distinct()[:SCAN_LEADS]
    )
    for name in sorted({name.strip() for name in lead_industries if name.strip()}):
        found.setdefault(name.casefold(), name)
        if len(found) >= MAX_SUGGESTIONS:
            break
    return list(found.values())[:MAX_SUGGESTIONS]
