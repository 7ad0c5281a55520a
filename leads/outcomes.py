"""What became of a lead (won, lost or not known yet), read from the words CRMs use for it.
Pure: no Django imports; shared by the CSV import, the outcomes API and `evaluate_csv`."""

from __future__ import annotations

import re

WON = "won"
LOST = "lost"
UNKNOWN = ""  # stored blank, shown as null: not decided yet, or never recorded
KNOWN = (WON, LOST)

# Column names that carry an outcome, by precedence: `outcome` itself, then what CRM exports
# call it (HubSpot "Lead Status", Salesforce "Status"/"Converted", pipelines' "Deal Stage").
OUTCOME_COLUMNS = ("outcome", "converted", "status", "deal stage", "lead status")

# Values as they are compared: casefolded, without spaces, `_` or `-` ("Closed-Won" = "closedwon").
_VOCABULARY = {
    **dict.fromkeys(("won", "closedwon", "converted", "customer", "true", "yes", "1"), WON),
    **dict.fromkeys(
        ("lost", "closedlost", "disqualified", "unqualified", "false", "no", "0"), LOST
    ),
    **dict.fromkeys(("", "open"), UNKNOWN),
}
_SPACING = re.compile(r"[\s_\-]+")
ACCEPTED = (
    "won, closed won, converted, customer, true, yes, 1 (won); lost, closed lost, "
    "disqualified, unqualified, false, no, 0 (lost); blank or open (not known yet)"
)


class OutcomeError(ValueError):
    """A value that names no outcome; the message says which values are understood."""


def parse_outcome(value: str | None) -> str:
    """Return WON, LOST or UNKNOWN for `value`, ignoring case and spacing.

    None and blank mean UNKNOWN. Raises OutcomeError for any other word.
    """
    key = _SPACING.sub("", (value or "").casefold())
    try:
        return _VOCABULARY[key]
    except KeyError:
        shown = value if len(value or "") <= 40 else f"{(value or '')[:40]}..."
        raise OutcomeError(f"outcome {shown!r} is not understood; use {ACCEPTED}.") from None
