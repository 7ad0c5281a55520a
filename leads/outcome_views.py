"""HTTP API of outcomes: a CSV of what became of leads. Thin views over services."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leads.csv_import import CsvFormatError
from leads.parsers import (
    ApplicationCsvBodyParser,
    CsvBodyParser,
    refuse_oversized_body,
    too_large_message,
)
from leads.serializers import OutcomeImportSerializer
from leads.services import leads_record_outcomes
from leadscoring.api.auth import request_workspace
from leadscoring.api.errors import ErrorResponseSerializer, PayloadTooLarge

OUTCOMES_EXAMPLE = {
    "rows_total": 4,
    "updated": 2,
    "unchanged": 1,
    "rejected": 1,
    "errors": [
        {
            "line": 5,
            "field": "name",
            "message": "No lead of this workspace has this name and company.",
        }
    ],
    "warnings": [],
    "encoding": "utf-8",
    "delimiter": ",",
}


class OutcomeImportView(APIView):
    throttle_scope = "upload"
    parser_classes = [MultiPartParser, CsvBodyParser, ApplicationCsvBodyParser]

    @extend_schema(
        operation_id="leads_outcomes",
        summary="Record outcomes of leads from a CSV",
        description=(
            "A CSV of `lead_id,outcome`, or of `name,company,outcome` (matched as duplicates "
            "are: ignoring case, accents' composition, punctuation and spacing), as the "
            "multipart field `file` or a raw `text/csv` body. Outcomes: won, closed won, "
            "converted, customer, true, yes, 1; lost, closed lost, disqualified, unqualified, "
            "false, no, 0; blank or open for not known. Each row updates a lead, leaves it "
            "unchanged, or is rejected with its line and reason: `updated + unchanged + "
            "rejected == rows_total`. A later row for the same lead wins."
        ),
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
            "text/csv": {"type": "string", "format": "binary"},
            "application/csv": {"type": "string", "format": "binary"},
        },
        responses={
            200: OutcomeImportSerializer,
            413: OpenApiResponse(
                ErrorResponseSerializer,
                description="Larger than LEADSCORING_MAX_UPLOAD_MB, or more rows than allowed.",
            ),
        },
        examples=[
            OpenApiExample(
                "By name and company",
                value="name,company,outcome\nAva Patel,FlowMetrics,Closed Won\n",
                request_only=True,
                media_type="text/csv",
            ),
            OpenApiExample("Recorded", value=OUTCOMES_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        refuse_oversized_body(request)
        file = request.FILES.get("file")
        if file is None:
            raise ValidationError(
                {"file": [ErrorDetail("Send the CSV as the multipart field 'file'.", "required")]}
            )
        if file.size is not None and file.size > settings.MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(too_large_message())
        try:
            account = leads_record_outcomes(
                workspace=request_workspace(request),
                file=file.file,
                max_rows=settings.MAX_UPLOAD_ROWS,
            )
        except CsvFormatError as exc:
            if exc.too_large:
                raise PayloadTooLarge(exc.message) from None
            raise ValidationError({"file": [ErrorDetail(exc.message, "invalid_csv")]}) from None
        finally:
            file.close()
        return Response(OutcomeImportSerializer(account).data)
