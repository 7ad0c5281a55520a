"""Labels taken from input (CSV headers, hosts, paths), quoted for a message with a bound on
their length and on how many are named: a message never echoes megabytes back."""

from __future__ import annotations

from collections.abc import Sequence

# Long enough for any real column name or host; the rest of a longer label is elided.
MAX_LABEL_CHARS = 100
# A message names this many labels at most, then counts the rest.
MAX_LABELS_NAMED = 20
ELLIPSIS = "…"


def quoted(label: str) -> str:
    """Return `label` quoted as Python would (`'Email'`), cut to MAX_LABEL_CHARS characters
    with an ellipsis when longer."""
    if len(label) > MAX_LABEL_CHARS:
        label = label[: MAX_LABEL_CHARS - 1] + ELLIPSIS
    return repr(label)


def quoted_list(labels: Sequence[str], *, limit: int = MAX_LABELS_NAMED) -> str:
    """Return the first `limit` labels quoted and comma-separated, then `and N more`."""
    shown = ", ".join(quoted(label) for label in labels[:limit])
    rest = len(labels) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
