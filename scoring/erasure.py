"""A workspace's runs, results and cached LLM answers, erased with it."""

from __future__ import annotations

from typing import Any

from scoring.models import LLMAnswer, ScoreResult, ScoringChunk, ScoringRun
from workspaces.erasure import delete_rows
from workspaces.models import Workspace


def workspace_scoring_erase(*, workspace: Workspace, **kwargs: Any) -> dict[str, int]:
    """Delete the workspace's results, cached answers, chunks and runs; return the counts
    (a receiver of `workspace_erasing`)."""
    runs = f"SELECT id FROM {ScoringRun._meta.db_table} WHERE workspace_id = %s"  # noqa: S608
    return {
        "results": delete_rows(ScoreResult, "workspace_id = %s", workspace.pk),
        "cached LLM answers": delete_rows(LLMAnswer, "workspace_id = %s", workspace.pk),
        "run chunks": delete_rows(ScoringChunk, f"run_id IN ({runs})", workspace.pk),
        "runs": delete_rows(ScoringRun, "workspace_id = %s", workspace.pk),
    }
