"""Plain, Django-free descriptions of a lead and an offer: what the scoring layers read."""

from __future__ import annotations

from dataclasses import dataclass

LEAD_FIELDS = ("name", "role", "company", "industry", "location", "linkedin_bio")


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """One lead, as uploaded (fields already trimmed; blank means unknown)."""

    name: str
    role: str
    company: str
    industry: str
    location: str
    linkedin_bio: str


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """The offer a lead is scored against.

    `icp_industries` and `adjacent_industries`, when non-empty, take precedence over the
    industries that `ideal_use_cases` name.
    """

    name: str
    value_props: tuple[str, ...]
    ideal_use_cases: tuple[str, ...]
    icp_industries: tuple[str, ...] = ()
    adjacent_industries: tuple[str, ...] = ()
