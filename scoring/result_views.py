"""HTTP API of scoring results: the list, one result and the CSV export. Thin views over
scoring.selectors and scoring.export_stream."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leads.selectors import upload_get
from leadscoring.api.asgi_handler import streamed
from leadscoring.api.auth import request_workspace
from leadscoring.api.pagination import PAGINATION_PARAMETERS, HeaderPagination, wants_page
from leadscoring.api.streaming import json_array_response
from offers.selectors import offer_get
from scoring.export_stream import result_csv
from scoring.exports import EXPORT_COLUMNS, csv_lines
from scoring.result_rows import BREAKDOWN, result_items, result_json_batches
from scoring.selectors import (
    ResultFilters,
    result_count,
    result_item,
    result_list,
    run_get,
)
from scoring.serializers import ResultFilterSerializer, ResultSerializer
from workspaces.models import Workspace

# What GET /results/{id}/ answers for the first lead of samples/leads.csv (Ava Patel, the lead
# of leads.views.LEAD_EXAMPLE), scored with the heuristic against samples/offer.json. Version
# labels are digests of content (scoring/versioning.py): these are illustrative, of the real
# format.
RESULT_EXAMPLE = {
    "id": 1,
    "lead_id": 1,
    "offer_id": 1,
    "run_id": 1,
    "upload_id": 1,
    "name": "Ava Patel",
    "role": "Head of Growth",
    "company": "FlowMetrics",
    "industry": "SaaS",
    "location": "Austin, TX",
    "intent": "High",
    "score": 100,
    "rule_score": 50,
    "breakdown": {"role": 20, "industry": 20, "completeness": 10},
    "ai_intent": "High",
    "ai_points": 50,
    "ai_provider": "heuristic",
    "ai_model": "heuristic-cf62fd4a39ac",
    "ai_status": "ok",
    "reasoning": (
        "Role 'Head of Growth' is a decision maker (+20); industry 'SaaS' matches the ICP "
        "'B2B SaaS mid-market': Software Development (+20); all fields present (+10). "
        "AI (heuristic): High. Decision maker in the ICP industry; bio mentions scaling, "
        "recently raised funding and hiring. Shares the offer's term 'saas'."
    ),
    "rules_version": "24522ed8a0a7",
    "prompt_version": "heuristic-cf62fd4a39ac+rules-24522ed8a0a7",
    "inputs_hash": "4bf902e9ec185ce973ccb3092a48557b",
    "scored_at": "2026-11-27T10:00:00.790369Z",
    "outcome": "won",
    "outcome_at": "2026-12-01T09:30:00.429364Z",
}


def _export_example(item: dict) -> str:
    """Return the export of the one result `item` (an API result), as the export writes it."""
    cells = {**item, **{column: item["breakdown"][key] for key, column in BREAKDOWN.items()}}
    return "".join(csv_lines([[cells[column] for column in EXPORT_COLUMNS]]))


def _result_filters(request: Request) -> ResultFilters:
    workspace = request_workspace(request)
    serializer = ResultFilterSerializer(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    filters = serializer.filters()
    # Naming another workspace's (or an unknown) object in a filter answers 404, as its URL would.
    if filters.offer_id is not None:
        offer_get(workspace=workspace, offer_id=filters.offer_id)
    if filters.run_id is not None:
        run_get(workspace=workspace, run_id=filters.run_id)
    if filters.upload_id is not None:
        upload_get(workspace=workspace, upload_id=filters.upload_id)
    return filters


class ResultListView(APIView):
    @extend_schema(
        operation_id="results_list",
        summary="List current results, best score first",
        description=(
            "Without `page` or `page_size`, the whole filtered list as one JSON array, streamed "
            "(`X-Total-Count` gives its length). With either, one page of it, with `Link` and "
            "`X-Total-Count` headers."
        ),
        parameters=[ResultFilterSerializer, *PAGINATION_PARAMETERS],
        responses={200: ResultSerializer(many=True)},
        examples=[OpenApiExample("Results", value=RESULT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        workspace = request_workspace(request)
        filters = _result_filters(request)
        results = result_list(workspace=workspace, filters=filters)

        def count() -> int:
            return result_count(workspace=workspace, filters=filters)

        if not wants_page(request):
            # Clients of the brief read the array and never look for a next page.
            response = json_array_response(request._request, result_json_batches(results))
            response["X-Total-Count"] = str(count())
            return response
        paginator = HeaderPagination()
        ids = paginator.page_ids(results, request, count=count)
        page = list(result_items(results.filter(pk__in=ids))) if ids else []
        return paginator.get_paginated_response(page)


class ResultDetailView(APIView):
    @extend_schema(
        operation_id="results_retrieve",
        summary="Show a result",
        responses={200: ResultSerializer},
        examples=[OpenApiExample("Result", value=RESULT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, result_id: int) -> Response:
        return Response(result_item(workspace=request_workspace(request), result_id=result_id))


class CsvRenderer(BaseRenderer):
    """Lets clients send `Accept: text/csv`. The export streams its own CSV; errors are
    rendered as JSON by ResultExportView, never by this renderer."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: object, accepted_media_type: str | None = None, renderer_context: object = None
    ) -> bytes:
        raise NotImplementedError("the export streams its CSV itself")


class ResultExportView(APIView):
    renderer_classes = [JSONRenderer, CsvRenderer]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Only GET streams CSV; anything else (OPTIONS, 405s) answers JSON, even when CSV
        # was asked for.
        if request.method != "GET" and isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are the one JSON error shape, labelled as JSON even when CSV was asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="results_export",
        summary="Export results as CSV",
        description=(
            "The same filters as GET /results/, streamed as CSV: `name,role,company,intent,"
            "score,reasoning` and then the other columns, every text cell quoted. Text a "
            "spreadsheet would run as a formula gets a `'` in front: text starting with "
            "= + - @ or their full-width forms, also behind quotes or zero-width, BOM or bidi "
            'characters (`"=1` becomes `\'"=1`: a spreadsheet may drop the quotes), or '
            "with tab, CR or LF. The same after any `,` `;` tab or line break inside a cell, "
            "the `'` right after it (a spreadsheet splitting on `;` starts a cell there: "
            '`x;"=1` becomes `x;\'"=1`).'
        ),
        parameters=[ResultFilterSerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        examples=[
            OpenApiExample(
                "CSV",
                value=_export_example(RESULT_EXAMPLE),
                response_only=True,
                media_type="text/csv",
            )
        ],
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        workspace = request_workspace(request)
        filters = _result_filters(request)
        filename = _export_filename(workspace=workspace, filters=filters)
        response = StreamingHttpResponse(
            streamed(request._request, result_csv(workspace=workspace, filters=filters)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _export_filename(*, workspace: Workspace, filters: ResultFilters) -> str:
    """Return the export's file name: the offer's name as a slug (or "all-offers"), and today."""
    label = "all-offers"
    if filters.offer_id is not None:
        offer = offer_get(workspace=workspace, offer_id=filters.offer_id)
        label = slugify(offer.name)[:60] or "offer"
    return f"leadscoring-{label}-{timezone.now():%Y-%m-%d}.csv"
