"""HTTP API of the industry taxonomy: GET /industries/ lists and searches LinkedIn V2."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leadscoring.api.pagination import PAGINATION_PARAMETERS, HeaderPagination
from offers.serializers import no_control_characters
from scoring.selectors import industry_list
from vocabulary.taxonomy import MAX_QUERY_CHARS

INDUSTRY_EXAMPLE = {
    "id": 41,
    "name": "Banking",
    "parent": 1673,
    "sector": 43,
    "path": ["Financial Services", "Credit Intermediation", "Banking"],
}


class IndustryQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_QUERY_CHARS,
        validators=[no_control_characters],
        help_text="Words that each start a word of the industry's name or of its path "
        '("fin serv"); case, accents and "&"/"and" do not matter. Blank: every industry.',
    )


class IndustrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The LinkedIn Industry Codes V2 id.")
    name = serializers.CharField()
    # DRF's metaclass takes declared fields off the class, so this never shadows the
    # serializer's own `parent` attribute at run time; mypy only sees the names clash.
    parent = serializers.IntegerField(  # type: ignore[assignment]
        allow_null=True, help_text="The id of the industry above it; null for a sector."
    )
    sector = serializers.IntegerField(help_text="The id of its top-level sector (its own, if one).")
    path = serializers.ListField(
        child=serializers.CharField(), help_text="Names from the sector down to the industry."
    )


class IndustryListView(APIView):
    @extend_schema(
        operation_id="industries_list",
        summary="List or search the LinkedIn Industry Codes V2 taxonomy",
        description="The industries offers may name in `icp_industries` and "
        "`adjacent_industries`, by name or id, for a picker. Matches on the name come before "
        "matches on the path only, then shallower, then alphabetical.",
        parameters=[IndustryQuerySerializer, *PAGINATION_PARAMETERS],
        responses={200: IndustrySerializer(many=True)},
        examples=[
            OpenApiExample("Search ?q=bank", value=INDUSTRY_EXAMPLE, response_only=True),
        ],
    )
    def get(self, request: Request) -> Response:
        query = IndustryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data: dict[str, Any] = query.validated_data
        paginator = HeaderPagination()
        page = paginator.paginate_sequence(industry_list(q=data.get("q", "")), request)
        return paginator.get_paginated_response(IndustrySerializer(page, many=True).data)
