"""The rule layer: points, completeness, reasons and purity.

Titles are specified in test_roles.py, industries in test_industries.py.
"""

from __future__ import annotations

import pytest

from scoring.facts import LeadFacts, OfferFacts
from scoring.rules import (
    COMPLETENESS_POINTS,
    INDUSTRY_POINTS,
    ROLE_POINTS,
    RULES_VERSION,
    icp_for_offer,
    is_complete,
    score_lead,
)

DM, INF, NONE = "decision_maker", "influencer", "none"


def make_offer(*use_cases: str, icp: tuple[str, ...] = (), adjacent: tuple[str, ...] = ()):
    return OfferFacts(
        name="AI Outreach Automation",
        value_props=("24/7 outreach", "6x more meetings"),
        ideal_use_cases=use_cases,
        icp_industries=icp,
        adjacent_industries=adjacent,
    )


def make_lead(**fields: str) -> LeadFacts:
    values = {
        "name": "Ava Patel",
        "role": "Head of Growth",
        "company": "FlowMetrics",
        "industry": "SaaS",
        "location": "Berlin",
        "linkedin_bio": "Growth leader at a B2B SaaS company.",
    }
    values.update(fields)
    return LeadFacts(**values)


SAAS_ICP = icp_for_offer(make_offer("B2B SaaS mid-market"))


@pytest.mark.parametrize(
    ("fields", "complete"),
    [
        ({}, True),
        ({"name": ""}, False),
        ({"role": "   "}, False),
        ({"company": "\t"}, False),
        ({"industry": ""}, False),
        ({"location": " "}, False),
        ({"linkedin_bio": ""}, False),
    ],
)
def test_is_complete_needs_all_six_fields_non_blank(fields, complete):
    assert is_complete(make_lead(**fields)) is complete


@pytest.mark.parametrize(
    ("fields", "points", "reasons"),
    [
        (
            {"role": "VP Sales"},
            {"role": 20, "industry": 20, "completeness": 10},
            (
                "Role 'VP Sales' is a decision maker (+20)",
                "industry 'SaaS' matches the ICP 'B2B SaaS mid-market': Software Development (+20)",
                "all fields present (+10)",
            ),
        ),
        (
            {"role": "Sales Manager", "industry": "IT", "location": "", "linkedin_bio": ""},
            {"role": 10, "industry": 10, "completeness": 0},
            (
                "Role 'Sales Manager' is an influencer (+10)",
                "industry 'IT' is adjacent to the ICP 'B2B SaaS mid-market': IT Services and IT "
                "Consulting, linked to Software Development (IT firms build, integrate and resell "
                "software) (+10)",
                "missing: location, linkedin_bio (+0)",
            ),
        ),
        (
            {"role": "Assistant to the CEO", "industry": "Retail"},
            {"role": 0, "industry": 0, "completeness": 10},
            (
                "Role 'Assistant to the CEO' holds no buying role ('Assistant') (+0)",
                "industry 'Retail' is outside the ICP (+0)",
                "all fields present (+10)",
            ),
        ),
        (
            {"role": "", "industry": ""},
            {"role": 0, "industry": 0, "completeness": 0},
            ("no role given (+0)", "no industry given (+0)", "missing: role, industry (+0)"),
        ),
    ],
)
def test_score_lead_gives_points_with_reasons_citing_evidence(fields, points, reasons):
    score = score_lead(make_lead(**fields), SAAS_ICP)

    assert score.breakdown == points
    assert score.total == sum(points.values())
    assert score.reasons == reasons
    assert score.reasoning == "; ".join(reasons)


def test_score_lead_names_the_industry_a_lead_outside_the_icp_was_read_as():
    score = score_lead(make_lead(industry="Food & Beverages"), SAAS_ICP)

    assert score.reasons[1] == (
        "industry 'Food & Beverages' (Food and Beverage Services) is outside the ICP (+0)"
    )


def test_score_lead_explains_an_offer_without_known_industries():
    icp = icp_for_offer(make_offer("Teams that want more meetings"))

    score = score_lead(make_lead(), icp)

    assert score.industry_points == 0
    assert score.reasons[1] == "the offer's use cases name no known industry (+0)"


def test_reasons_quote_long_text_shortly():
    score = score_lead(make_lead(role="VP " + "Very Long Title " * 20), SAAS_ICP)

    assert len(score.reasons[0]) < 100
    assert "…" in score.reasons[0]


@pytest.mark.parametrize("title", ["CEO", "Sales Manager", "Intern", "Former CEO", "", "???"])
@pytest.mark.parametrize("industry", ["SaaS", "Software", "Retail", ""])
def test_total_stays_within_zero_and_fifty(title, industry):
    score = score_lead(make_lead(role=title, industry=industry), SAAS_ICP)

    assert 0 <= score.total <= 50
    assert score.total == (score.role_points + score.industry_points + score.completeness_points)


def test_point_tables_match_the_spec():
    assert ROLE_POINTS == {"decision_maker": 20, "influencer": 10, "none": 0}
    assert INDUSTRY_POINTS == {"exact": 20, "adjacent": 10, "none": 0}
    assert COMPLETENESS_POINTS == 10
    assert max(ROLE_POINTS.values()) + max(INDUSTRY_POINTS.values()) + COMPLETENESS_POINTS == 50
    assert RULES_VERSION
