"""The rule layer: role relevance, industry fit and completeness as points with reasons.

Title reading lives in `scoring.roles`, industry resolution in `scoring.industries`; this
module turns their verdicts into the spec's points and one reason per rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from scoring.facts import LEAD_FIELDS, LeadFacts
from scoring.industries import (
    Icp,
    IndustryMatch,
    canonical_industry,
    icp_for_offer,
    industry_fit,
    industry_label,
)
from scoring.roles import RoleMatch, classify_role
from scoring.text import clip as _clip
from scoring.versioning import (
    PROJECT_DIR,
    SCORING_DIR,
    SHARED_VOCABULARY_DIR,
    content_version,
    package_files,
    vocabulary_files,
)
from vocabulary.text import fold as _fold

__all__ = [
    "COMPLETENESS_POINTS",
    "INDUSTRY_POINTS",
    "ROLE_POINTS",
    "RULES_VERSION",
    "Icp",
    "IndustryMatch",
    "RoleMatch",
    "RuleScore",
    "canonical_industry",
    "classify_role",
    "icp_for_offer",
    "industry_fit",
    "is_complete",
    "score_lead",
]

# Stored with every score so a result can be traced to the rules that produced it: a digest of
# the rule layer's code and vocabularies, its own and the shared `vocabulary` package's, so any
# change to them changes it.
RULES_VERSION = content_version(
    [
        *(
            SCORING_DIR / name
            for name in (
                "rules.py",
                "roles.py",
                "role_words.py",
                "industries.py",
                "industry_names.py",
                "text.py",
            )
        ),
        *vocabulary_files("roles", "industries"),
        *package_files(SHARED_VOCABULARY_DIR),
    ],
    root=PROJECT_DIR,
)

# The spec's rule layer: role relevance is worth up to 20 of the 50 rule points.
ROLE_POINTS = {"decision_maker": 20, "influencer": 10, "none": 0}
# The spec's rule layer: an exact ICP industry is worth 20, a neighbouring one half of that.
INDUSTRY_POINTS = {"exact": 20, "adjacent": 10, "none": 0}
# The spec's rule layer: a fully filled-in lead is worth 10.
COMPLETENESS_POINTS = 10


@dataclass(frozen=True, slots=True)
class RuleScore:
    """A lead's rule points (0..50), the evidence behind them and one reason per rule."""

    role_points: int
    industry_points: int
    completeness_points: int
    role: RoleMatch
    industry: IndustryMatch
    reasons: tuple[str, ...]

    @property
    def total(self) -> int:
        return self.role_points + self.industry_points + self.completeness_points

    @property
    def breakdown(self) -> dict[str, int]:
        return {
            "role": self.role_points,
            "industry": self.industry_points,
            "completeness": self.completeness_points,
        }

    @property
    def reasoning(self) -> str:
        return "; ".join(self.reasons)


# ---------------------------------------------------------------------------------------------
# Completeness and the total.


def is_complete(lead: LeadFacts) -> bool:
    """Return True when all six lead fields hold more than whitespace."""
    return bool(
        lead.name.strip()
        and lead.role.strip()
        and lead.company.strip()
        and lead.industry.strip()
        and lead.location.strip()
        and lead.linkedin_bio.strip()
    )


def _role_reason(title: str, role: RoleMatch, points: int) -> str:
    if not title.strip():
        return "no role given (+0)"
    quoted = _clip(title)
    if role.level == "decision_maker":
        return f"Role '{quoted}' is a decision maker (+{points})"
    if role.level == "influencer":
        return f"Role '{quoted}' is an influencer (+{points})"
    if role.evidence and _fold(role.evidence) != _fold(title.strip()):
        return f"Role '{quoted}' holds no buying role ('{_clip(role.evidence)}') (+0)"
    return f"Role '{quoted}' holds no buying role (+0)"


def _industry_reason(industry: str, icp: Icp, fit: IndustryMatch, points: int) -> str:
    if not industry.strip():
        return "no industry given (+0)"
    if not icp.exact:
        return "the offer's use cases name no known industry (+0)"
    quoted = _clip(industry)
    # Say which industry matched and how, unless that only repeats the lead's own words.
    how = f": {fit.how}" if fit.how and _fold(fit.how) != _fold(quoted) else ""
    if fit.level == "exact":
        return f"industry '{quoted}' matches the ICP '{icp.label}'{how} (+{points})"
    if fit.level == "adjacent":
        return f"industry '{quoted}' is adjacent to the ICP '{icp.label}'{how} (+{points})"
    name = industry_label(fit.canonical) if isinstance(fit.canonical, int) else ""
    named = f" ({name})" if name and _fold(name) != _fold(quoted) else ""
    return f"industry '{quoted}'{named} is outside the ICP (+0)"


@lru_cache(maxsize=65536)
def _role_part(title: str) -> tuple[RoleMatch, int, str]:
    role = classify_role(title)
    points = ROLE_POINTS[role.level]
    return role, points, _role_reason(title, role, points)


@lru_cache(maxsize=65536)
def _industry_part(industry: str, icp: Icp) -> tuple[IndustryMatch, int, str]:
    fit = industry_fit(industry, icp)
    points = INDUSTRY_POINTS[fit.level]
    return fit, points, _industry_reason(industry, icp, fit, points)


def score_lead(lead: LeadFacts, icp: Icp) -> RuleScore:
    """Return the lead's rule points (0..50) with one short reason per rule."""
    # Titles and industries repeat across leads: their points and reasons are cached.
    role, role_points, role_reason = _role_part(lead.role)
    fit, industry_points, industry_reason = _industry_part(lead.industry, icp)
    if is_complete(lead):
        completeness_points = COMPLETENESS_POINTS
        completeness_reason = f"all fields present (+{COMPLETENESS_POINTS})"
    else:
        completeness_points = 0
        missing = [field for field in LEAD_FIELDS if not getattr(lead, field).strip()]
        completeness_reason = f"missing: {', '.join(missing)} (+0)"
    return RuleScore(
        role_points=role_points,
        industry_points=industry_points,
        completeness_points=completeness_points,
        role=role,
        industry=fit,
        reasons=(role_reason, industry_reason, completeness_reason),
    )
