"""Text helpers of the rule layer: vocabulary lists, and quotes clipped for reasons."""

from __future__ import annotations

from vocabulary.text import fold

# Reasons are shown to users next to each lead; long free text would drown the verdict.
REASON_QUOTE_CHARS = 60


def table(text: str) -> tuple[str, ...]:
    """Split a comma-separated vocabulary string into folded entries."""
    return tuple(fold(" ".join(entry.split())) for entry in text.split(",") if entry.strip())


def clip(text: str) -> str:
    """Collapse whitespace and cut `text` to REASON_QUOTE_CHARS, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= REASON_QUOTE_CHARS:
        return text
    return text[: REASON_QUOTE_CHARS - 1].rstrip() + "…"
