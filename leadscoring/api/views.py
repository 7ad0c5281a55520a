"""Service-level endpoints: the index at `/` and the health check."""

from __future__ import annotations

from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

ENDPOINTS = {
    "create_offer": "POST /offer/",
    "offers": "GET /offer/",
    "upload_leads": "POST /leads/upload/",
    "uploads": "GET /leads/uploads/",
    "leads": "GET /leads/",
    "record_outcomes": "POST /leads/outcomes/",
    "score": "POST /score/",
    "runs": "GET /score/runs/",
    "cancel_run": "POST /score/runs/{id}/cancel/",
    "results": "GET /results/",
    "export": "GET /results/export/",
    "evaluation": "GET /results/evaluation/",
    "health": "GET /healthz/",
}


class IndexView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="index",
        summary="Index of the API",
        auth=[],
        responses={
            200: inline_serializer(
                "Index",
                {
                    "service": serializers.CharField(),
                    "docs": serializers.CharField(),
                    "schema": serializers.CharField(),
                    "auth": serializers.CharField(),
                    "endpoints": serializers.DictField(child=serializers.CharField()),
                },
            )
        },
        examples=[
            OpenApiExample(
                "Index",
                value={
                    "service": "leadscoring",
                    "docs": "http://127.0.0.1:8000/api/docs/",
                    "schema": "http://127.0.0.1:8000/api/schema/",
                    "auth": "Authorization: Api-Key <key>",
                    "endpoints": ENDPOINTS,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "service": "leadscoring",
                "docs": request.build_absolute_uri("/api/docs/"),
                "schema": request.build_absolute_uri("/api/schema/"),
                "auth": "Authorization: Api-Key <key>",
                "endpoints": ENDPOINTS,
            }
        )


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="health",
        summary="Health check: 200 when the database answers, 503 when it does not",
        auth=[],
        responses={
            200: inline_serializer(
                "Health",
                {"status": serializers.CharField(), "database": serializers.CharField()},
            ),
            503: inline_serializer(
                "Unhealthy",
                {"status": serializers.CharField(), "database": serializers.CharField()},
            ),
        },
        examples=[
            OpenApiExample("Healthy", value={"status": "ok", "database": "ok"}, status_codes=[200]),
            OpenApiExample(
                "Database down",
                value={"status": "unavailable", "database": "unreachable"},
                status_codes=[503],
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return Response({"status": "unavailable", "database": "unreachable"}, status=503)
        return Response({"status": "ok", "database": "ok"})
