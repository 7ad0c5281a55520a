"""The hook through which the results page shows lift and conversion per intent band.

Outcomes (won, lost...) and their evaluation are being added by another change (issue 11).
Until then no workspace has outcomes and the page shows no such table. Once merged, make
`band_outcomes` call that evaluation and map its figures to BandOutcome: the template
(webapp/_band_outcomes.html) and the page need no other change.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.selectors import ResultFilters
from workspaces.models import Workspace


@dataclass(frozen=True)
class BandOutcome:
    """How the leads of one intent band turned out."""

    band: str  # High, Medium or Low
    leads: int  # leads of the band with a recorded outcome
    converted: int
    conversion: float  # converted / leads, 0-1
    lift: float  # conversion over the conversion of every band together


def band_outcomes(*, workspace: Workspace, filters: ResultFilters) -> list[BandOutcome]:
    """Return lift and conversion per intent band for the filtered results; empty while no
    outcomes are recorded (today: always, until issue 11's outcomes are merged)."""
    return []
