"""Lift and conversion per intent band for the results page, from the leads' recorded outcomes
(the evaluation of GET /results/evaluation/, without its bootstrap intervals)."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.evaluation import LOST, WON, band_table
from scoring.selectors import ResultFilters, result_outcome_cells
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
    """Return lift and conversion per intent band of the filtered results; empty unless one
    offer is selected (scores are evaluated per offer, as by the API) and some of its leads
    have a recorded outcome. One aggregate query."""
    if filters.offer_id is None:
        return []
    cells = result_outcome_cells(workspace=workspace, filters=filters)
    labelled = [cell for cell in cells if cell.outcome in (WON, LOST)]
    total = sum(cell.count for cell in labelled)
    if not total:
        return []
    positives = sum(cell.count for cell in labelled if cell.outcome == WON)
    rows = band_table(cells, lambda cell: cell.intent, positives / total, positives)
    return [
        BandOutcome(
            band=row["intent"],
            leads=row["labelled"],
            converted=row["converted"],
            conversion=row["conversion_rate"] or 0.0,
            lift=row["lift"] or 0.0,
        )
        for row in rows
        if row["labelled"]
    ]
