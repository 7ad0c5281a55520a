"""The one error shape of the API, for DRF views and for Django's own error pages alike.

Every error answers `{"type": ..., "errors": [{"code": ..., "detail": ..., "attr": ...}]}`, the
format of drf-standardized-errors, which DRF views produce through its exception handler.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import serializers, status
from rest_framework.exceptions import APIException

from leads.labels import quoted


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class LengthRequired(APIException):
    status_code = status.HTTP_411_LENGTH_REQUIRED
    default_detail = "Send the request body with a Content-Length."
    default_code = "length_required"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request depends on is unavailable; try again later."
    default_code = "service_unavailable"


# Errors of a database that cannot be reached (down, restarting, refusing connections).
DatabaseUnavailableErrors = (OperationalError, InterfaceError)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponseSerializer(serializers.Serializer):
    """The one error shape, for the status codes the library does not document by itself."""

    type = serializers.ChoiceField(choices=["client_error", "server_error"])
    errors = ErrorSerializer(many=True)


class BadRequestErrorResponseSerializer(serializers.Serializer):
    """`validation_error`: one entry per problem, `attr` naming the field (`lead_ids.3` for an
    item of a list, `non_field_errors` or null for the request as a whole). `client_error`: a
    body that cannot be parsed."""

    # Schema only (DRF_STANDARDIZED_ERRORS["ERROR_SCHEMAS"]): the library's default 400 schema
    # enumerates each field's names and codes, narrower than what the API answers.
    type = serializers.ChoiceField(choices=["validation_error", "client_error"])
    errors = ErrorSerializer(many=True)


def error_body(*, status_code: int, code: str, detail: str, attr: str | None = None) -> dict:
    """Return an error body in the API's one shape."""
    kind = "server_error" if status_code >= 500 else "client_error"
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def _json_error(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        error_body(status_code=status_code, code=code, detail=detail), status=status_code
    )


def bad_request(request: HttpRequest, exception: Any = None) -> JsonResponse:
    return _json_error(400, "bad_request", "Bad request.")


def permission_denied(request: HttpRequest, exception: Any = None) -> JsonResponse:
    return _json_error(403, "permission_denied", "You do not have permission to do this.")


def page_not_found(request: HttpRequest, exception: Any = None) -> JsonResponse:
    return _json_error(
        404, "not_found", f"No endpoint at {quoted(request.path)}; see GET / for the index."
    )


def server_error(request: HttpRequest) -> JsonResponse:
    return _json_error(500, "error", "Internal server error; it has been logged.")


class ApiExceptionHandler(ExceptionHandler):
    """drf-standardized-errors' handler, answering 503 (not 500) while the database is down."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DatabaseUnavailableErrors):
            return ServiceUnavailable("The database is unavailable; try again shortly.")
        if isinstance(exc, RequestDataTooBig):
            return PayloadTooLarge(
                "The request body is too large: more than "
                f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes "
                "(CSV files go to POST /leads/upload/)."
            )
        return super().convert_known_exceptions(exc)
