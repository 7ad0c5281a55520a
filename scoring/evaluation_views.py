"""HTTP API of the evaluation: how well an offer's scores predict the leads' outcomes."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leads.selectors import upload_get
from leadscoring.api.auth import request_workspace
from offers.selectors import offer_get
from scoring.evaluation_serializers import EvaluationQuerySerializer, EvaluationSerializer
from scoring.offer_inputs import offer_thresholds
from scoring.selectors import ResultFilters, result_evaluation, run_get

BAND = {
    "leads": 120,
    "labelled": 40,
    "converted": 14,
    "conversion_rate": 0.35,
    "lift": 2.1,
    "share_of_conversions": 0.56,
}
EVALUATION_EXAMPLE = {
    "offer_id": 1,
    "run_id": None,
    "upload_id": None,
    "thresholds": {"high_intent_score": 70, "medium_intent_score": 40},
    "leads": 400,
    "labelled": 150,
    "positives": 25,
    "base_rate": 0.1667,
    "auc": 0.78,
    "auc_interval": [0.69, 0.86],
    "auc_rules": 0.71,
    "auc_ai": 0.74,
    "bands": [{"intent": "High", **BAND, "conversion_rate_interval": [0.2, 0.5]}],
    "top_share": [{"top_percent": 10, "share_of_conversions": 0.32}],
    "deciles": [
        {
            "score_from": 90,
            "score_to": 100,
            "labelled": 12,
            "converted": 6,
            "conversion_rate": 0.5,
            "mean_score": 96.7,
        }
    ],
    "suggested_thresholds": {
        "high_intent_score": 80,
        "medium_intent_score": 50,
        "bands": [{"intent": "High", **BAND}],
    },
    "bootstrap": {"resamples": 1000, "seed": 11, "confidence": 0.95},
    "warnings": [],
}


class ResultEvaluationView(APIView):
    @extend_schema(
        operation_id="results_evaluation",
        summary="Measure how well the scores predict outcomes",
        description=(
            "Over the current results of an offer (optionally of one run or upload) whose "
            "leads have a known outcome (won or lost): AUC of the score and of each layer, "
            "conversion rate and lift by intent, the share of conversions held by the top "
            "10/20/30%, a calibration table by score decile, 95% bootstrap intervals (fixed "
            "seed) and suggested thresholds. Leads without an outcome count only in the "
            "bands' `leads`."
        ),
        parameters=[EvaluationQuerySerializer],
        responses={200: EvaluationSerializer},
        examples=[OpenApiExample("Evaluation", value=EVALUATION_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        workspace = request_workspace(request)
        query = EvaluationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = ResultFilters(**query.validated_data)
        # Another workspace's (or an unknown) object answers 404, as its URL would.
        if filters.offer_id is not None:
            offer = offer_get(workspace=workspace, offer_id=filters.offer_id)
            if filters.run_id is not None:
                run_get(workspace=workspace, run_id=filters.run_id)
        else:  # the query names a run instead, which names its offer
            offer = run_get(workspace=workspace, run_id=filters.run_id or 0).offer
        if filters.upload_id is not None:
            upload_get(workspace=workspace, upload_id=filters.upload_id)
        cuts = offer_thresholds(offer)
        report = {
            "offer_id": offer.pk,
            "run_id": filters.run_id,
            "upload_id": filters.upload_id,
            "thresholds": {"high_intent_score": cuts.high, "medium_intent_score": cuts.medium},
            **result_evaluation(workspace=workspace, filters=filters),
        }
        return Response(EvaluationSerializer(report).data)
