"""Query and representation of GET /results/evaluation/."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from scoring.serializers import _id_field


def _rate(help_text: str = "") -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, min_value=0.0, help_text=help_text)


def _interval(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text=f"95% bootstrap percentile interval [low, high] of {help_text}.",
    )


class EvaluationQuerySerializer(serializers.Serializer):
    offer_id = _id_field(required=False, help_text="The offer whose results are evaluated.")
    run_id = _id_field(required=False, help_text="Only the current results of this run.")
    upload_id = _id_field(required=False, help_text="Only the results of this upload's leads.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "offer_id" not in attrs and "run_id" not in attrs:
            raise serializers.ValidationError(
                {"offer_id": ["Give offer_id (or run_id): scores are evaluated per offer."]}
            )
        return attrs


class BandSerializer(serializers.Serializer):
    intent = serializers.CharField()
    leads = serializers.IntegerField(help_text="Current results in the band, labelled or not.")
    labelled = serializers.IntegerField(help_text="Of them, leads with a known outcome.")
    converted = serializers.IntegerField(help_text="Of them, won.")
    conversion_rate = _rate("converted / labelled.")
    lift = _rate("conversion_rate / base_rate.")
    share_of_conversions = _rate("converted / positives: the band's part of all conversions.")


class BandWithIntervalSerializer(BandSerializer):
    conversion_rate_interval = _interval("the conversion rate")


class TopShareSerializer(serializers.Serializer):
    top_percent = serializers.IntegerField()
    share_of_conversions = _rate(
        "Share of the conversions held by this top share of labelled leads."
    )


class DecileSerializer(serializers.Serializer):
    score_from = serializers.IntegerField()
    score_to = serializers.IntegerField()
    labelled = serializers.IntegerField()
    converted = serializers.IntegerField()
    conversion_rate = _rate()
    mean_score = serializers.FloatField(allow_null=True)


class SuggestedThresholdsSerializer(serializers.Serializer):
    high_intent_score = serializers.IntegerField()
    medium_intent_score = serializers.IntegerField()
    bands = BandSerializer(many=True, help_text="What the bands would hold under them.")


class ThresholdsSerializer(serializers.Serializer):
    high_intent_score = serializers.IntegerField()
    medium_intent_score = serializers.IntegerField()


class BootstrapSerializer(serializers.Serializer):
    resamples = serializers.IntegerField()
    seed = serializers.IntegerField()
    confidence = serializers.FloatField()


class EvaluationSerializer(serializers.Serializer):
    offer_id = serializers.IntegerField()
    run_id = serializers.IntegerField(allow_null=True)
    upload_id = serializers.IntegerField(allow_null=True)
    thresholds = ThresholdsSerializer(help_text="The offer's intent thresholds in force now.")
    leads = serializers.IntegerField(help_text="Current results selected, labelled or not.")
    labelled = serializers.IntegerField(help_text="Of them, leads with a known outcome.")
    positives = serializers.IntegerField(help_text="Of them, won.")
    base_rate = _rate("positives / labelled.")
    auc = _rate(
        "ROC AUC of the score (ties half): the chance a won lead outscores a lost "
        "one. Null under 30 labelled leads or without both outcomes.",
    )
    auc_interval = _interval("the AUC")
    auc_rules = _rate("AUC of the rule points alone.")
    auc_ai = _rate("AUC of the AI points alone.")
    bands = BandWithIntervalSerializer(many=True)
    top_share = TopShareSerializer(many=True)
    deciles = DecileSerializer(many=True, help_text="Calibration by tenth of the score range.")
    suggested_thresholds = SuggestedThresholdsSerializer(allow_null=True)
    bootstrap = BootstrapSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
