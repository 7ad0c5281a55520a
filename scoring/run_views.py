"""HTTP API of scoring runs: POST /score/, the runs and their cancelling. Thin views over
scoring.runs and scoring.selectors."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leadscoring.api.auth import request_workspace
from leadscoring.api.errors import Conflict, ErrorResponseSerializer, ServiceUnavailable
from leadscoring.api.pagination import PAGINATION_PARAMETERS, HeaderPagination
from scoring.chunks import ScoringFailed
from scoring.dispatch import BrokerUnavailable
from scoring.runs import (
    NoOffer,
    NothingToScore,
    RunInProgress,
    RunNotActive,
    TooManyLlmCalls,
    UnknownLeads,
    run_cancel,
    score_request,
)
from scoring.selectors import run_get, run_list
from scoring.serializers import EstimateSerializer, RunSerializer, ScoreRequestSerializer

NO_OFFER = "This workspace has no offer to score against: create one with POST /offer/ first."
# What POST /score/ answered for the 28 leads of samples/leads.csv against samples/offer.json,
# scored with the heuristic. Version labels are digests of content (scoring/versioning.py):
# these are illustrative, of the real format.
RUN_EXAMPLE = {
    "id": 1,
    "offer_id": 1,
    "scope": {"upload_id": 1},
    "status": "completed",
    "provider": "heuristic",
    "model": "heuristic-cf62fd4a39ac",
    "prompt_version": "heuristic-cf62fd4a39ac+rules-24522ed8a0a7",
    "rules_version": "24522ed8a0a7",
    "high_intent_score": 70,
    "medium_intent_score": 40,
    "total": 28,
    "scored": 28,
    "answered": 28,
    "cached": 0,
    "fallbacks": 0,
    "failed": 0,
    "warnings": [],
    "percent": 100.0,
    "eta_seconds": None,
    "error": "",
    "background": False,
    "callback_url": "",
    "callback_status": "",
    "callback_attempts": 0,
    "callback_error": "",
    "created_at": "2026-11-27T10:00:00.719143Z",
    "started_at": "2026-11-27T10:00:00.758058Z",
    "finished_at": "2026-11-27T10:00:00.821547Z",
    "duration_seconds": 0.063,
    "results_url": "/results/?run_id=1",
}
# The same run queued for the workers (CELERY_BROKER_URL set): nothing started yet.
QUEUED_RUN_EXAMPLE = {
    **RUN_EXAMPLE,
    "status": "queued",
    "scored": 0,
    "answered": 0,
    "percent": 0.0,
    "background": True,
    "started_at": None,
    "finished_at": None,
    "duration_seconds": None,
}
# That queued run, cancelled before a worker took it.
CANCELLED_RUN_EXAMPLE = {
    **QUEUED_RUN_EXAMPLE,
    "status": "cancelled",
    "finished_at": "2026-11-27T10:00:02.104377Z",
}
# POST /score/ {"dry_run": true} for those 28 leads with the OpenAI provider, nothing cached.
ESTIMATE_EXAMPLE = {
    "dry_run": True,
    "offer_id": 1,
    "provider": "openai",
    "model": "gpt-4o-mini",
    "leads": 28,
    "cached": 0,
    "llm_calls": 3,
    "estimated_tokens": 4869,
    "max_llm_calls": 10000,
}


@extend_schema_serializer(component_name="Run")
class RunSchemaSerializer(RunSerializer):
    """Schema only: a run as RunSerializer renders it."""

    # The model's URLField would document a `uri`, but a run without a callback has "".
    callback_url = serializers.CharField(
        read_only=True, help_text="Where the run is POSTed when it ends; empty for none."
    )


# What score_request raises when it refuses a request or cannot run it.
_SCORE_REFUSALS = (
    NoOffer,
    UnknownLeads,
    NothingToScore,
    RunInProgress,
    TooManyLlmCalls,
    BrokerUnavailable,
    ScoringFailed,
)


def _score_refusal(exc: Exception) -> APIException:
    """Return the API error that answers `exc`, one of _SCORE_REFUSALS."""
    if isinstance(exc, NoOffer):
        return ValidationError({"offer_id": [ErrorDetail(NO_OFFER, "no_offer")]})
    if isinstance(exc, UnknownLeads):
        shown = ", ".join(map(str, exc.lead_ids[:20]))
        return ValidationError(
            {"lead_ids": [ErrorDetail(f"Unknown lead id(s): {shown}.", "not_found")]}
        )
    if isinstance(exc, NothingToScore):
        return ValidationError(
            ErrorDetail("There are no leads to score: upload some first.", "nothing_to_score")
        )
    if isinstance(exc, RunInProgress):
        return Conflict(
            f"Run {exc.run.pk} over the same offer and leads is already {exc.run.status} "
            f"and will not notify this callback_url: follow it at /score/runs/{exc.run.pk}/, "
            'or send "rescore": true to start a run of your own that will.',
            "run_in_progress",
        )
    if isinstance(exc, TooManyLlmCalls):
        return ValidationError(
            ErrorDetail(
                f"This run would make {exc.calls} LLM requests, more than the {exc.cap} "
                "allowed per run (LEADSCORING_MAX_LLM_CALLS_PER_RUN): score fewer leads at "
                "a time.",
                "too_many_llm_calls",
            )
        )
    if isinstance(exc, BrokerUnavailable):
        return ServiceUnavailable(
            "The task queue (Redis) is unreachable, so the run cannot be queued; nothing "
            "was created. Try again shortly."
        )
    if isinstance(exc, ScoringFailed):
        return ServiceUnavailable(f"Scoring run {exc.run.pk} failed: {exc.run.error}")
    raise TypeError(f"not a refusal of score_request: {exc!r}")


class ScoreView(APIView):
    throttle_scope = "score"

    @extend_schema(
        operation_id="score",
        summary="Score leads against an offer",
        description=(
            "Scores the leads of `upload_id`, or `lead_ids`, or else every lead of the "
            "workspace, against `offer_id`, as one run. Without `offer_id` (an empty body, or "
            "`{}`), against the workspace's most recent offer; the run's `offer_id` says which "
            "(400 `no_offer` when the workspace has none). Each (lead, offer) keeps one "
            "current result: re-scoring replaces it."
        ),
        request=ScoreRequestSerializer,
        responses={
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="RunOrEstimate",
                    serializers=[RunSchemaSerializer, EstimateSerializer],
                    resource_type_field_name=None,
                ),
                description="The finished run (in-process mode, without a broker), the run "
                "already in progress for the same offer and leads, or with dry_run the estimate.",
            ),
            202: OpenApiResponse(
                RunSchemaSerializer,
                description="Queued for the workers (CELERY_BROKER_URL set); follow Location.",
            ),
            409: OpenApiResponse(
                ErrorResponseSerializer,
                description="A run over the same offer and leads is in progress and would not "
                "notify this callback_url (`run_in_progress`, naming the run).",
            ),
            503: OpenApiResponse(
                ErrorResponseSerializer,
                description="The task queue is unreachable, or the AI provider failed the whole "
                "run (e.g. a rejected API key).",
            ),
        },
        examples=[
            OpenApiExample("Every lead", value={"offer_id": 1}, request_only=True),
            OpenApiExample("Latest offer", value={}, request_only=True),
            OpenApiExample("One upload", value={"offer_id": 1, "upload_id": 2}, request_only=True),
            OpenApiExample(
                "Some leads", value={"offer_id": 1, "lead_ids": [1, 2, 3]}, request_only=True
            ),
            OpenApiExample(
                "Estimate only", value={"offer_id": 1, "dry_run": True}, request_only=True
            ),
            OpenApiExample(
                "Finished run", value=RUN_EXAMPLE, response_only=True, status_codes=[200]
            ),
            OpenApiExample(
                "Queued run", value=QUEUED_RUN_EXAMPLE, response_only=True, status_codes=[202]
            ),
            OpenApiExample(
                "No offer yet",
                value={
                    "type": "validation_error",
                    "errors": [{"code": "no_offer", "detail": NO_OFFER, "attr": "offer_id"}],
                },
                response_only=True,
                status_codes=[400],
            ),
            OpenApiExample(
                "Estimate", value=ESTIMATE_EXAMPLE, response_only=True, status_codes=[200]
            ),
        ],
        parameters=[
            OpenApiParameter(
                "Location",
                str,
                OpenApiParameter.HEADER,
                response=[202],
                description="The queued run, e.g. `/score/runs/3/`.",
            )
        ],
    )
    def post(self, request: Request) -> Response:
        workspace = request_workspace(request)
        serializer = ScoreRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            outcome = score_request(workspace=workspace, **serializer.validated_data)
        except _SCORE_REFUSALS as exc:
            raise _score_refusal(exc) from None
        if isinstance(outcome, dict):
            return Response(EstimateSerializer(outcome).data)
        body = RunSerializer(outcome).data
        if outcome.background:
            return Response(
                body,
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": f"/score/runs/{outcome.pk}/"},
            )
        return Response(body)


class RunCancelView(APIView):
    @extend_schema(
        operation_id="runs_cancel",
        summary="Cancel a queued or running run",
        description="No further chunk starts; results already stored stay.",
        request=None,
        responses={
            200: RunSchemaSerializer,
            409: OpenApiResponse(ErrorResponseSerializer, description="The run has ended."),
        },
        examples=[OpenApiExample("Cancelled", value=CANCELLED_RUN_EXAMPLE, response_only=True)],
    )
    def post(self, request: Request, run_id: int) -> Response:
        run = run_get(workspace=request_workspace(request), run_id=run_id)
        try:
            run = run_cancel(run=run)
        except RunNotActive:
            raise Conflict(f"Run {run.pk} has already ended ({run.status}).") from None
        return Response(RunSerializer(run).data)


class RunListView(APIView):
    @extend_schema(
        operation_id="runs_list",
        summary="List scoring runs, newest first",
        parameters=PAGINATION_PARAMETERS,
        responses={200: RunSchemaSerializer(many=True)},
        examples=[OpenApiExample("Runs", value=RUN_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        paginator = HeaderPagination()
        page = paginator.paginate_queryset(run_list(workspace=request_workspace(request)), request)
        return paginator.get_paginated_response(RunSerializer(page, many=True).data)


class RunDetailView(APIView):
    @extend_schema(
        operation_id="runs_retrieve",
        summary="Show a scoring run and its progress",
        responses={200: RunSchemaSerializer},
        examples=[OpenApiExample("Run", value=RUN_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get(workspace=request_workspace(request), run_id=run_id)
        return Response(RunSerializer(run).data)
