"""A stored result's columns that follow from its score alone. Pure: no Django imports.

Both ways of scoring a chunk (in the request's process, or in scoring processes, see
scoring/parallel.py) turn scores into these same plain tuples, so that both store byte-identical
results; the run's own columns (lead, offer, run, versions, time) are added when storing.
"""

from __future__ import annotations

from collections.abc import Sequence

from scoring.classifiers.base import INTENT_TEXT
from scoring.composition import LeadScore

# Column order of a part; scoring.storage.RESULT_COLUMNS ends with these.
PART_COLUMNS = (
    "score",
    "intent",
    "rule_score",
    "role_points",
    "industry_points",
    "completeness_points",
    "ai_intent",
    "ai_points",
    "ai_provider",
    "ai_model",
    "ai_status",
    "reasoning",
    "inputs_hash",
)
AI_PROVIDER = PART_COLUMNS.index("ai_provider")
AI_STATUS = PART_COLUMNS.index("ai_status")

ResultPart = tuple[int, str, int, int, int, int, str, int, str, str, str, str, str]


def result_parts(scores: Sequence[LeadScore]) -> list[ResultPart]:
    """Return each score's columns (PART_COLUMNS order), in order."""
    # The columns of a rule score and of an AI answer, built once for each distinct object:
    # the heuristic's answers and the rule parts are shared by many leads.
    rule_columns: dict[int, tuple[int, int, int, int]] = {}
    ai_columns: dict[int, tuple[str, int, str, str, str]] = {}
    parts: list[ResultPart] = []
    append = parts.append
    for s in scores:
        rule = rule_columns.get(id(s.rule))
        if rule is None:
            rule = rule_columns[id(s.rule)] = (
                s.rule.total,
                s.rule.role_points,
                s.rule.industry_points,
                s.rule.completeness_points,
            )
        ai = ai_columns.get(id(s.ai))
        if ai is None:
            ai = ai_columns[id(s.ai)] = (
                INTENT_TEXT[s.ai.intent],
                s.ai_points,
                s.ai.provider,
                s.ai.model,
                s.ai.status,
            )
        append((s.score, INTENT_TEXT[s.intent], *rule, *ai, s.reasoning, s.inputs_hash))
    return parts


def part_counts(parts: Sequence[ResultPart]) -> dict[str, int]:
    """Return how many of `parts` were scored, read from the answer cache, and fell back."""
    statuses = [part[AI_STATUS] for part in parts]
    return {
        "scored": len(parts),
        "cached": statuses.count("cached"),
        "fallbacks": statuses.count("fallback"),
    }
