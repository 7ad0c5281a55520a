"""The results page (ranked, filtered, sorted, paged, with the intent chart) and its export."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from scoring.result_views import ResultExportView
from scoring.selectors import ResultFilters, result_intent_counts, result_page
from webapp.access import SessionWorkspaceAuthentication, workspace_page
from webapp.forms import SORTS, ResultFilterForm
from webapp.outcomes import band_outcomes
from workspaces.models import Workspace

PAGE_SIZE = 50


@workspace_page
def result_index(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    form = ResultFilterForm(request.GET or None, workspace=workspace)
    if form.is_bound and not form.is_valid():
        return render(request, "webapp/results.html", {"form": form}, status=400)
    filters = form.filters() if form.is_bound else ResultFilters()
    # Every result has an intent: the chart's counts add up to the total (one query, not two).
    intents = result_intent_counts(workspace=workspace, filters=filters)
    total = sum(intents.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min((form.cleaned_data.get("page") if form.is_bound else None) or 1, pages)
    offset = (page - 1) * PAGE_SIZE
    rows = result_page(workspace=workspace, filters=filters, offset=offset, limit=PAGE_SIZE)
    context = {
        "form": form,
        "filters": filters,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "first_rank": offset + 1,
        "last_rank": offset + len(rows),
        "sort_label": SORTS[filters.ordering],
        # The column headers sort by their column, the second click reversing it.
        "sort_by_name": "-name" if filters.ordering == "name" else "name",
        "sort_by_score": "score" if filters.ordering == "-score" else "-score",
        "intents": _bars(intents),
        "outcomes": band_outcomes(workspace=workspace, filters=filters),
        "export_url": "/app/results/export/?" + urlencode(_export_query(filters)),
    }
    return render(request, "webapp/results.html", context)


def _bars(counts: dict[str, int]) -> list[dict]:
    """The chart's bars: each intent's count and its share of the largest, in percent."""
    largest = max(counts.values(), default=0) or 1
    total = sum(counts.values()) or 1
    return [
        {
            "intent": intent,
            "count": count,
            "width": round(100 * count / largest, 1),
            "share": round(100 * count / total),
        }
        for intent, count in counts.items()
    ]


def _export_query(filters: ResultFilters) -> dict[str, object]:
    # The API export's parameter names (GET /results/export/).
    query = {
        "offer_id": filters.offer_id,
        "upload_id": filters.upload_id,
        "intent": filters.intent,
        "min_score": filters.min_score,
        "q": filters.q,
        "ordering": filters.ordering,
    }
    return {name: value for name, value in query.items() if value is not None}


class PageExportView(ResultExportView):
    """The API's export, unchanged, answering for the signed-in person's workspace."""

    authentication_classes = [SessionWorkspaceAuthentication]
    schema = None  # a page, not an endpoint of the API's schema


result_export = PageExportView.as_view()
