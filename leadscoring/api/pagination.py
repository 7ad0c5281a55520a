"""Page-number pagination whose body stays a plain JSON array; links and totals go in headers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def _positive_int(request: Request, name: str, default: int, maximum: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"Must be an integer, not {raw[:50]!r}."]}) from None
    if value < 1 or (maximum is not None and value > maximum):
        limit = f"between 1 and {maximum}" if maximum else "at least 1"
        raise ValidationError({name: [f"Must be {limit}, not {value}."]})
    return value


def _select_related(queryset: QuerySet) -> list[str]:
    related = queryset.query.select_related
    return list(related) if isinstance(related, dict) else []


class HeaderPagination(BasePagination):
    """`?page=N&page_size=M` (default 100, max 1000); `Link` and `X-Total-Count` headers.

    A page past the end answers an empty array, so clients can stop on an empty page or on the
    absence of a `rel="next"` link.
    """

    def paginate_queryset(
        self,
        queryset: QuerySet,
        request: Request,
        view: Any = None,
        *,
        count: Callable[[], int] | None = None,
    ) -> list:
        """Return the objects of the requested page.

        `count` (default: `queryset.count`) lets a caller supply a cheaper, cached total. The
        page is found by primary key first, and only its rows are then read in full: deep
        pages no longer join every skipped row.
        """
        ids = self.page_ids(queryset, request, count=count)
        if not ids:
            return []
        rows = queryset.model._default_manager.filter(pk__in=ids)
        if queryset.query.select_related:
            rows = rows.select_related(*_select_related(queryset))
        by_id = {row.pk: row for row in rows}
        return [by_id[pk] for pk in ids if pk in by_id]

    def page_ids(
        self, queryset: QuerySet, request: Request, *, count: Callable[[], int] | None = None
    ) -> list:
        """Return the primary keys of the requested page, in the queryset's order."""
        offset = self._read_page(request)
        self.count = (count or queryset.count)()
        if offset >= self.count:
            return []
        return list(queryset.values_list("pk", flat=True)[offset : offset + self.page_size])

    def paginate_sequence(self, items: Sequence[Any], request: Request) -> list:
        """Return the requested page of an in-memory sequence (a fixed taxonomy, say)."""
        offset = self._read_page(request)
        self.count = len(items)
        return list(items[offset : offset + self.page_size])

    def _read_page(self, request: Request) -> int:
        """Read ?page and ?page_size (400 when invalid) and return the page's offset."""
        self.request = request
        self.page = _positive_int(request, "page", 1, None)
        self.page_size = _positive_int(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        return (self.page - 1) * self.page_size

    def _link(self, page: int, rel: str) -> str:
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, "page", page)
        return f'<{url}>; rel="{rel}"'

    def get_paginated_response(self, data: Any) -> Response:
        last = max(1, -(-self.count // self.page_size))
        links = [self._link(1, "first"), self._link(last, "last")]
        if self.page > 1:
            links.append(self._link(min(self.page - 1, last), "prev"))
        if self.page < last:
            links.append(self._link(self.page + 1, "next"))
        return Response(data, headers={"Link": ", ".join(links), "X-Total-Count": str(self.count)})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return schema


PAGINATION_PARAMETERS = [
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1},
        description="Page number, from 1. A page past the end is an empty array.",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"Items per page, 1-{MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
    ),
    # Response headers of the page (the body is a bare array).
    OpenApiParameter(
        "Link",
        str,
        OpenApiParameter.HEADER,
        response=[200],
        description="RFC 8288 links to the `first`, `last`, `prev` and `next` pages, e.g. "
        '`<https://host/offer/?page=2>; rel="next"`.',
    ),
    OpenApiParameter(
        "X-Total-Count",
        int,
        OpenApiParameter.HEADER,
        response=[200],
        description="How many items there are across all pages.",
    ),
]


def wants_page(request: Request) -> bool:
    """Tell whether the request names a page or a page size (sent empty, they count as absent)."""
    return bool(request.query_params.get("page") or request.query_params.get("page_size"))
