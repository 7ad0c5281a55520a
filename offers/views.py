"""HTTP API of offers: thin views over offers.services and offers.selectors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leadscoring.api.auth import request_workspace
from leadscoring.api.pagination import PAGINATION_PARAMETERS, HeaderPagination
from offers.selectors import offer_get, offer_list
from offers.serializers import OfferSerializer
from offers.services import offer_create, offer_delete, offer_update

OFFER_EXAMPLE = {
    "name": "AI Outreach Automation",
    "value_props": ["24/7 outreach", "6x more meetings"],
    "ideal_use_cases": ["B2B SaaS mid-market"],
}
# What POST /offer/ answers for OFFER_EXAMPLE (samples/offer.json).
OFFER_RESPONSE_EXAMPLE = {
    "id": 1,
    **OFFER_EXAMPLE,
    "icp_industries": [],
    "adjacent_industries": [],
    "high_intent_score": None,
    "medium_intent_score": None,
    "created_at": "2026-11-27T09:58:12.190469Z",
    "updated_at": "2026-11-27T09:58:12.190511Z",
}


class OfferListCreateView(APIView):
    @extend_schema(
        operation_id="offer_create",
        summary="Create an offer",
        request=OfferSerializer,
        responses={201: OfferSerializer},
        examples=[
            OpenApiExample("The spec's offer", value=OFFER_EXAMPLE, request_only=True),
            OpenApiExample(
                "With an explicit ICP",
                value={
                    **OFFER_EXAMPLE,
                    "icp_industries": ["SaaS"],
                    "adjacent_industries": ["IT Services", "Cloud"],
                },
                request_only=True,
            ),
            OpenApiExample(
                "ICP by LinkedIn V2 id (see GET /industries/)",
                value={**OFFER_EXAMPLE, "icp_industries": [4], "adjacent_industries": [96, 6]},
                request_only=True,
            ),
            OpenApiExample("Created", value=OFFER_RESPONSE_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = OfferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer = offer_create(workspace=request_workspace(request), data=serializer.validated_data)
        return Response(OfferSerializer(offer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="offer_list",
        summary="List offers, newest first",
        responses={200: OfferSerializer(many=True)},
        parameters=PAGINATION_PARAMETERS,
        examples=[OpenApiExample("Offers", value=OFFER_RESPONSE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        paginator = HeaderPagination()
        page = paginator.paginate_queryset(
            offer_list(workspace=request_workspace(request)), request
        )
        return paginator.get_paginated_response(OfferSerializer(page, many=True).data)


class OfferDetailView(APIView):
    @extend_schema(
        operation_id="offer_retrieve",
        summary="Show an offer",
        responses={200: OfferSerializer},
        examples=[OpenApiExample("Offer", value=OFFER_RESPONSE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, offer_id: int) -> Response:
        offer = offer_get(workspace=request_workspace(request), offer_id=offer_id)
        return Response(OfferSerializer(offer).data)

    @extend_schema(
        operation_id="offer_update",
        summary="Change some fields of an offer",
        request=OfferSerializer(partial=True),
        responses={200: OfferSerializer},
        examples=[
            OpenApiExample("Rename", value={"name": "AI Outreach Pro"}, request_only=True),
            OpenApiExample(
                "Updated",
                value={
                    **OFFER_RESPONSE_EXAMPLE,
                    "name": "AI Outreach Pro",
                    "updated_at": "2026-11-28T14:03:41.288982Z",
                },
                response_only=True,
            ),
        ],
    )
    def patch(self, request: Request, offer_id: int) -> Response:
        offer = offer_get(workspace=request_workspace(request), offer_id=offer_id)
        serializer = OfferSerializer(offer, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        offer = offer_update(offer=offer, data=serializer.validated_data)
        return Response(OfferSerializer(offer).data)

    @extend_schema(
        operation_id="offer_destroy",
        summary="Delete an offer and its results",
        responses={204: None},
    )
    def delete(self, request: Request, offer_id: int) -> Response:
        offer = offer_get(workspace=request_workspace(request), offer_id=offer_id)
        offer_delete(offer=offer)
        return Response(status=status.HTTP_204_NO_CONTENT)
