"""Text folding shared by the title and industry vocabularies: accents, case and lists."""

from __future__ import annotations

import unicodedata

# Reasons are shown to users next to each lead; long free text would drown the verdict.
REASON_QUOTE_CHARS = 60


def fold(text: str) -> str:
    """Lower-case `text` and drop accents, so "Geschäftsführer" and "Gerant" meet their tables."""
    # casefold before NFKD: "ß" only becomes "ss" through casefold, NFKD alone would drop it.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return decomposed.encode("ascii", "ignore").decode("ascii")


def table(text: str) -> tuple[str, ...]:
    """Split a comma-separated vocabulary string into folded entries."""
    return tuple(fold(" ".join(entry.split())) for entry in text.split(",") if entry.strip())


def clip(text: str) -> str:
    """Collapse whitespace and cut `text` to REASON_QUOTE_CHARS, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= REASON_QUOTE_CHARS:
        return text
    return text[: REASON_QUOTE_CHARS - 1].rstrip() + "…"
