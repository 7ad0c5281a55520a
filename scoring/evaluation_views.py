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

# What GET /results/evaluation/?offer_id=1&upload_id=2 answers once samples/leads_with_outcomes.csv
# (the second upload) is scored with the heuristic against samples/offer.json, rounded to three
# decimals here (the API gives full precision); deciles shortened to the first two and the last.
EVALUATION_EXAMPLE = {
    "offer_id": 1,
    "run_id": None,
    "upload_id": 2,
    "thresholds": {"high_intent_score": 70, "medium_intent_score": 40},
    "leads": 300,
    "labelled": 238,
    "positives": 39,
    "base_rate": 0.164,
    "auc": 0.797,
    "auc_interval": [0.708, 0.869],
    "auc_rules": 0.75,
    "auc_ai": 0.788,
    "bands": [
        {
            "intent": "High",
            "leads": 62,
            "labelled": 52,
            "converted": 22,
            "conversion_rate": 0.423,
            "lift": 2.582,
            "share_of_conversions": 0.564,
            "conversion_rate_interval": [0.286, 0.557],
        },
        {
            "intent": "Medium",
            "leads": 87,
            "labelled": 69,
            "converted": 11,
            "conversion_rate": 0.159,
            "lift": 0.973,
            "share_of_conversions": 0.282,
            "conversion_rate_interval": [0.073, 0.254],
        },
        {
            "intent": "Low",
            "leads": 151,
            "labelled": 117,
            "converted": 6,
            "conversion_rate": 0.051,
            "lift": 0.313,
            "share_of_conversions": 0.154,
            "conversion_rate_interval": [0.017, 0.093],
        },
    ],
    "top_share": [
        {"top_percent": 10, "share_of_conversions": 0.365},
        {"top_percent": 20, "share_of_conversions": 0.538},
        {"top_percent": 30, "share_of_conversions": 0.688},
    ],
    "deciles": [
        {
            "score_from": 90,
            "score_to": 100,
            "labelled": 23,
            "converted": 14,
            "conversion_rate": 0.609,
            "mean_score": 98.696,
        },
        {
            "score_from": 80,
            "score_to": 89,
            "labelled": 16,
            "converted": 5,
            "conversion_rate": 0.312,
            "mean_score": 80.0,
        },
        {
            "score_from": 0,
            "score_to": 9,
            "labelled": 0,
            "converted": 0,
            "conversion_rate": None,
            "mean_score": None,
        },
    ],
    "suggested_thresholds": {
        "high_intent_score": 70,
        "medium_intent_score": 50,
        "bands": [
            {
                "intent": "High",
                "leads": 62,
                "labelled": 52,
                "converted": 22,
                "conversion_rate": 0.423,
                "lift": 2.582,
                "share_of_conversions": 0.564,
            },
            {
                "intent": "Medium",
                "leads": 50,
                "labelled": 38,
                "converted": 8,
                "conversion_rate": 0.211,
                "lift": 1.285,
                "share_of_conversions": 0.205,
            },
            {
                "intent": "Low",
                "leads": 188,
                "labelled": 148,
                "converted": 9,
                "conversion_rate": 0.061,
                "lift": 0.371,
                "share_of_conversions": 0.231,
            },
        ],
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
