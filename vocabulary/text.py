"""Text folding shared by every vocabulary: accents and case."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case `text` and drop accents, so "Geschäftsführer" and "Gerant" meet their tables."""
    # casefold before NFKD: "ß" only becomes "ss" through casefold, NFKD alone would drop it.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return decomposed.encode("ascii", "ignore").decode("ascii")
