"""Scoring runs and results (built in the scoring-engine issue)."""
