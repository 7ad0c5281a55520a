"""HTTP API of leads: CSV upload, uploads and leads. Thin views over services and selectors."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leads.csv_import import CsvFormatError
from leads.labels import quoted_list
from leads.parsers import (
    ApplicationCsvBodyParser,
    CsvBodyParser,
    refuse_oversized_body,
    too_large_message,
)
from leads.selectors import lead_get, lead_list, upload_get, upload_list
from leads.serializers import (
    LeadFilterSerializer,
    LeadOutcomeSerializer,
    LeadSerializer,
    UploadQuerySerializer,
    UploadSerializer,
)
from leads.services import (
    StrictModeRejected,
    lead_delete,
    lead_set_outcome,
    leads_import_csv,
    upload_delete,
)
from leadscoring.api.auth import request_workspace
from leadscoring.api.errors import ErrorResponseSerializer, PayloadTooLarge
from leadscoring.api.pagination import PAGINATION_PARAMETERS, HeaderPagination


def safe_filename(name: str) -> str:
    """Return the base name of an uploaded file's name, without control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable()).strip()[:255]


# What POST /leads/upload/ answers for samples/leads.csv.
UPLOAD_RESPONSE_EXAMPLE = {
    "id": 1,
    "upload_id": 1,
    "filename": "leads.csv",
    "size_bytes": 3717,
    "encoding": "utf-8",
    "delimiter": ",",
    "rows_total": 30,
    "created": 28,
    "duplicates": 1,
    "rejected": 1,
    "errors": [{"line": 24, "field": "name", "message": "name is required."}],
    "warnings": ["Ignored extra column(s): 'Email'."],
    "created_at": "2026-11-27T09:59:03.318466Z",
}
# The first lead of that upload, once its outcome is recorded.
LEAD_EXAMPLE = {
    "id": 1,
    "upload_id": 1,
    "line": 2,
    "name": "Ava Patel",
    "role": "Head of Growth",
    "company": "FlowMetrics",
    "industry": "SaaS",
    "location": "Austin, TX",
    "linkedin_bio": (
        "Scaling outbound at a Series B SaaS company. We're hiring SDRs and evaluating sales "
        "engagement tools."
    ),
    "created_at": "2026-11-27T09:59:03.318874Z",
    "outcome": "won",
    "outcome_at": "2026-12-01T09:30:00.429364Z",
}


class LeadUploadView(APIView):
    throttle_scope = "upload"
    parser_classes = [MultiPartParser, CsvBodyParser, ApplicationCsvBodyParser]

    @extend_schema(
        operation_id="leads_upload",
        summary="Upload leads as CSV",
        description=(
            "A CSV with the columns `name,role,company,industry,location,linkedin_bio` (any "
            "order and case; extra columns ignored), as a multipart file part (named `file`, or "
            "any other name: the request's one file is read; several files are a 400) or as a "
            "raw `text/csv` body. Encodings UTF-8 (with or without BOM), UTF-16 and "
            "Windows-1252; delimiters `,` `;` or tab. Only `name` is required in a row. Each row "
            "is created, counted as a duplicate (same name and company as an existing lead) or "
            "rejected with its line and reason (a row repeating the header is rejected and "
            "named in `warnings`); `created + duplicates + rejected == rows_total`."
        ),
        parameters=[UploadQuerySerializer],
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
            201: UploadSerializer,
            413: OpenApiResponse(
                ErrorResponseSerializer,
                description="Larger than LEADSCORING_MAX_UPLOAD_MB, or more rows than allowed.",
            ),
        },
        examples=[
            OpenApiExample(
                "CSV file",
                value=(
                    "name,role,company,industry,location,linkedin_bio\n"
                    'Ava Patel,Head of Growth,FlowMetrics,SaaS,"Austin, TX",Scaling outbound.\n'
                ),
                request_only=True,
                media_type="text/csv",
            ),
            OpenApiExample(
                "CSV file",
                value=(
                    "name,role,company,industry,location,linkedin_bio\n"
                    'Ava Patel,Head of Growth,FlowMetrics,SaaS,"Austin, TX",Scaling outbound.\n'
                ),
                request_only=True,
                media_type="application/csv",
            ),
            OpenApiExample("Imported", value=UPLOAD_RESPONSE_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        refuse_oversized_body(request)
        query = UploadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        file = _single_file(request)
        if file.size is not None and file.size > settings.MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(too_large_message())
        try:
            upload = leads_import_csv(
                workspace=request_workspace(request),
                file=file.file,
                filename=safe_filename(query.validated_data.get("filename") or file.name or ""),
                size_bytes=file.size or 0,
                strict=query.validated_data["strict"],
                max_rows=settings.MAX_UPLOAD_ROWS,
            )
        except CsvFormatError as exc:
            if exc.too_large:
                raise PayloadTooLarge(exc.message) from None
            raise ValidationError({"file": [ErrorDetail(exc.message, "invalid_csv")]}) from None
        except StrictModeRejected as exc:
            raise ValidationError(
                {
                    "file": [
                        ErrorDetail(f"Line {e['line']}: {e['message']}", "invalid_row")
                        for e in exc.upload.errors
                    ]
                }
            ) from None
        finally:
            file.close()
        return Response(UploadSerializer(upload).data, status=status.HTTP_201_CREATED)


def _single_file(request: Request) -> UploadedFile:
    """Return the request's one file part, whatever its field name (`file`, `csv`, `leads`...).

    Clients of the brief name the part as they please; only several files are ambiguous.
    """
    parts = [(name, file) for name, files in request.FILES.lists() for file in files]
    if not parts:
        raise ValidationError(
            {"file": [ErrorDetail("Send the CSV as the multipart field 'file'.", "required")]}
        )
    if len(parts) > 1:
        for _, extra in parts:
            extra.close()
        raise ValidationError(
            {
                "file": [
                    ErrorDetail(
                        f"Send one CSV file per upload; this request has {len(parts)} file "
                        f"parts: {quoted_list([name for name, _ in parts])}.",
                        "multiple_files",
                    )
                ]
            }
        )
    return parts[0][1]


class UploadListView(APIView):
    @extend_schema(
        operation_id="uploads_list",
        summary="List uploads, newest first",
        parameters=PAGINATION_PARAMETERS,
        responses={200: UploadSerializer(many=True)},
        examples=[OpenApiExample("Uploads", value=UPLOAD_RESPONSE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        paginator = HeaderPagination()
        page = paginator.paginate_queryset(
            upload_list(workspace=request_workspace(request)), request
        )
        return paginator.get_paginated_response(UploadSerializer(page, many=True).data)


class UploadDetailView(APIView):
    @extend_schema(
        operation_id="uploads_retrieve",
        summary="Show an upload and what became of its rows",
        responses={200: UploadSerializer},
        examples=[OpenApiExample("Upload", value=UPLOAD_RESPONSE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, upload_id: int) -> Response:
        upload = upload_get(workspace=request_workspace(request), upload_id=upload_id)
        return Response(UploadSerializer(upload).data)

    @extend_schema(
        operation_id="uploads_destroy",
        summary="Erase an upload with its leads and their results",
        responses={204: None},
    )
    def delete(self, request: Request, upload_id: int) -> Response:
        upload = upload_get(workspace=request_workspace(request), upload_id=upload_id)
        upload_delete(upload=upload)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LeadListView(APIView):
    @extend_schema(
        operation_id="leads_list",
        summary="List leads in upload order",
        parameters=[LeadFilterSerializer, *PAGINATION_PARAMETERS],
        responses={200: LeadSerializer(many=True)},
        examples=[OpenApiExample("Leads", value=LEAD_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        workspace = request_workspace(request)
        filters = LeadFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        upload_id = filters.validated_data.get("upload_id")
        upload = upload_get(workspace=workspace, upload_id=upload_id) if upload_id else None
        paginator = HeaderPagination()
        page = paginator.paginate_queryset(lead_list(workspace=workspace, upload=upload), request)
        return paginator.get_paginated_response(LeadSerializer(page, many=True).data)


class LeadDetailView(APIView):
    @extend_schema(
        operation_id="leads_retrieve",
        summary="Show a lead",
        responses={200: LeadSerializer},
        examples=[OpenApiExample("Lead", value=LEAD_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, lead_id: int) -> Response:
        lead = lead_get(workspace=request_workspace(request), lead_id=lead_id)
        return Response(LeadSerializer(lead).data)

    @extend_schema(
        operation_id="leads_outcome",
        summary="Record what became of a lead",
        request=LeadOutcomeSerializer,
        responses={200: LeadSerializer},
        examples=[
            OpenApiExample("Won", value={"outcome": "won"}, request_only=True),
            OpenApiExample("Not known (again)", value={"outcome": None}, request_only=True),
            OpenApiExample("Recorded", value=LEAD_EXAMPLE, response_only=True),
        ],
    )
    def patch(self, request: Request, lead_id: int) -> Response:
        lead = lead_get(workspace=request_workspace(request), lead_id=lead_id)
        serializer = LeadOutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = lead_set_outcome(lead=lead, outcome=serializer.validated_data["outcome"])
        return Response(LeadSerializer(lead).data)

    @extend_schema(
        operation_id="leads_destroy",
        summary="Erase a lead and its results",
        responses={204: None},
    )
    def delete(self, request: Request, lead_id: int) -> Response:
        lead = lead_get(workspace=request_workspace(request), lead_id=lead_id)
        lead_delete(lead=lead)
        return Response(status=status.HTTP_204_NO_CONTENT)
