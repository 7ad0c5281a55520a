"""The rule layer: industry fit, completeness, points, reasons and purity (titles: test_roles)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scoring.facts import LeadFacts, OfferFacts
from scoring.rules import (
    COMPLETENESS_POINTS,
    INDUSTRY_POINTS,
    ROLE_POINTS,
    RULES_VERSION,
    Icp,
    IndustryMatch,
    canonical_industry,
    icp_for_offer,
    industry_fit,
    is_complete,
    score_lead,
)

DM, INF, NONE = "decision_maker", "influencer", "none"
REPO_ROOT = Path(__file__).resolve().parents[2]


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

INDUSTRY_CASES = [
    # Exact: the use case's industry, through synonyms, case, plurals, "&"/"and".
    ("B2B SaaS mid-market", "SaaS", "exact"),
    ("B2B SaaS mid-market", "saas", "exact"),
    ("B2B SaaS mid-market", "Software as a Service", "exact"),
    ("B2B SaaS mid-market", "software-as-a-service", "exact"),
    ("B2B SaaS mid-market", "Healthcare SaaS", "exact"),
    ("Software as a Service companies", "SaaS", "exact"),
    ("Hospitals and clinics", "Hospital & Health Care", "exact"),
    ("Hospitals and clinics", "HOSPITAL_HEALTH_CARE", "exact"),
    ("Healthcare providers", "Health Care", "exact"),
    ("Healthcare providers", "hospitals", "exact"),
    ("Healthcare providers", "Medical Practice", "exact"),
    ("IT services firms", "Information Technology & Services", "exact"),
    ("IT services firms", "Information Technology and Services", "exact"),
    ("IT services firms", "IT Services and IT Consulting", "exact"),
    ("IT services firms", "IT", "exact"),
    ("E-commerce brands", "ecommerce", "exact"),
    ("E-commerce brands", "E-Commerce", "exact"),
    ("E-commerce brands", "Online Retail", "exact"),
    ("Fintech startups", "Financial Technology", "exact"),
    ("Fintech startups", "Payments", "exact"),
    ("Regional banks", "Banking", "exact"),
    ("Regional banks", "Banks", "exact"),
    ("Marketing agencies", "Marketing & Advertising", "exact"),
    ("Marketing agencies", "Email marketing", "exact"),
    ("Logistics companies", "Logistics and Supply Chain", "exact"),
    ("Universities", "Higher Education", "exact"),
    ("Real estate brokers", "Commercial Real Estate", "exact"),
    ("Staffing agencies", "Staffing and Recruiting", "exact"),
    ("Computer software vendors", "Software Development", "exact"),
    ("Consumer goods brands", "CPG", "exact"),
    ("Heads of Finance at banks", "Banking", "exact"),
    ("Marketing teams at SaaS companies", "SaaS", "exact"),
    ("CTOs at fintech startups", "Fintech", "exact"),
    # Adjacent: the vocabulary's neighbours of the use case's industry.
    ("B2B SaaS mid-market", "Software", "adjacent"),
    ("B2B SaaS mid-market", "Computer Software", "adjacent"),
    ("B2B SaaS mid-market", "Cloud Computing", "adjacent"),
    ("B2B SaaS mid-market", "IT Services", "adjacent"),
    ("B2B SaaS mid-market", "Internet", "adjacent"),
    ("Hospitals and clinics", "Pharmaceuticals", "adjacent"),
    ("Hospitals and clinics", "Biotech", "adjacent"),
    ("Hospitals and clinics", "Medical Devices", "adjacent"),
    ("Hospitals and clinics", "Digital Health", "adjacent"),
    ("E-commerce brands", "Retail", "adjacent"),
    ("E-commerce brands", "Consumer Goods", "adjacent"),
    ("E-commerce brands", "Online marketplaces", "adjacent"),
    ("Fintech startups", "Banking", "adjacent"),
    ("Fintech startups", "Financial Services", "adjacent"),
    ("Fintech startups", "Insurance", "adjacent"),
    ("Software vendors", "SaaS", "adjacent"),
    ("Retailers", "E-commerce", "adjacent"),
    # LinkedIn's 2022 names: a maker filed under its product is a manufacturer too.
    ("Manufacturing companies", "Food and Beverage Manufacturing", "exact"),
    ("Manufacturing companies", "Semiconductor Manufacturing", "exact"),
    ("Manufacturing companies", "Pharmaceutical Manufacturing", "exact"),
    ("Industrial manufacturers", "Furniture Manufacturer", "exact"),
    ("Pharma companies", "Pharmaceutical Manufacturing", "exact"),
    ("Pharma companies", "Textile Manufacturing", "none"),
    ("Manufacturing companies", "Railroad Manufacture", "exact"),
    ("Manufacturing companies", "Furniture", "exact"),
    ("Banks and credit unions", "Savings Institutions", "exact"),
    ("Management consultancies", "Strategic Management Services", "exact"),
    ("Online retailers", "E-Commerce", "exact"),
    ("Gyms and fitness studios", "Health, Wellness & Fitness", "exact"),
    ("Dentists", "Hospital & Health Care", "exact"),
    ("Manufacturers", "Machinery", "exact"),
    ("Digital agencies", "Marketing and Advertising", "exact"),
    # None: other industries, substrings, functions and blanks.
    ("B2B SaaS mid-market", "Retail", "none"),
    ("B2B SaaS mid-market", "Food & Beverages", "none"),
    ("B2B SaaS mid-market", "", "none"),
    ("B2B SaaS mid-market", "   ", "none"),
    ("B2B SaaS mid-market", "Saasy Snacks", "none"),
    ("AI startups", "Retail", "none"),
    ("AI startups", "Email marketing", "none"),
    ("AI startups", "Artificial Intelligence", "exact"),
    ("Hospitals and clinics", "Banking", "none"),
    ("Fintech startups", "Hospital & Health Care", "none"),
    ("Marketing teams at SaaS companies", "Marketing & Advertising", "none"),
    ("Mid-market enterprise teams", "SaaS", "none"),
    ("Companies that want more meetings", "Software", "none"),
    ("B2B SaaS mid-market", "Widgets", "none"),
]


def test_industry_table_covers_at_least_sixty_pairs():
    assert len(INDUSTRY_CASES) >= 60


@pytest.mark.parametrize(("use_case", "industry", "level"), INDUSTRY_CASES)
def test_industry_fit_follows_the_use_cases(use_case, industry, level):
    icp = icp_for_offer(make_offer(use_case))

    assert industry_fit(industry, icp).level == level


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("SaaS", "saas"),
        ("Software as a Service", "saas"),
        ("Computer Software", "software"),
        ("Hospital & Health Care", "healthcare"),
        ("Health Care", "healthcare"),
        ("Healthcare", "healthcare"),
        ("Banking & Financial Services", "financial_services"),
        ("Internet of Things", "iot"),
        ("Retail", "retail"),
        ("Retail Apparel and Fashion", "apparel"),
        ("Email marketing", "marketing_advertising"),
        ("AI", "ai"),
        ("Widgets", None),
        ("Trail running", None),
        ("", None),
    ],
)
def test_canonical_industry_takes_the_longest_synonym_on_word_boundaries(text, canonical):
    assert canonical_industry(text) == canonical


def test_use_cases_naming_no_industry_give_an_empty_icp():
    icp = icp_for_offer(make_offer("Mid-market enterprise teams", "B2B companies"))

    assert icp == Icp(exact=frozenset(), adjacent=frozenset(), label="")


def test_icp_label_quotes_the_use_cases_that_name_an_industry():
    icp = icp_for_offer(make_offer("B2B SaaS mid-market", "Teams that book meetings"))

    assert icp.label == "B2B SaaS mid-market"


def test_icp_industries_take_precedence_over_use_cases():
    icp = icp_for_offer(make_offer("B2B SaaS mid-market", icp=("Hospital & Health Care",)))

    assert industry_fit("Healthcare", icp) == IndustryMatch("exact", "healthcare")
    assert industry_fit("SaaS", icp).level == "none"
    assert industry_fit("Pharmaceuticals", icp).level == "adjacent"
    assert icp.label == "Hospital & Health Care"


def test_adjacent_industries_take_precedence_over_the_vocabulary():
    icp = icp_for_offer(make_offer("B2B SaaS mid-market", adjacent=("Retail",)))

    assert industry_fit("SaaS", icp).level == "exact"
    assert industry_fit("Retail", icp).level == "adjacent"
    assert industry_fit("Software", icp).level == "none"


def test_unknown_icp_industries_match_by_normalised_text():
    icp = icp_for_offer(make_offer(icp=("Widget makers",), adjacent=("Gadget shops",)))

    assert industry_fit("widget-makers", icp) == IndustryMatch("exact", "widget maker")
    assert industry_fit("Gadget Shop", icp).level == "adjacent"
    assert industry_fit("Widgets", icp).level == "none"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("SaaS", "Software"),
        ("Hospital & Health Care", "Pharmaceuticals"),
        ("E-commerce", "Retail"),
        ("Fintech", "Banking"),
        ("Fintech", "Insurance"),
        ("Oil & Energy", "Utilities"),
    ],
)
def test_adjacency_is_symmetric(first, second):
    forward = industry_fit(second, icp_for_offer(make_offer(icp=(first,))))
    backward = industry_fit(first, icp_for_offer(make_offer(icp=(second,))))

    assert (forward.level, backward.level) == ("adjacent", "adjacent")


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
                "industry 'SaaS' matches the ICP 'B2B SaaS mid-market' (+20)",
                "all fields present (+10)",
            ),
        ),
        (
            {"role": "Sales Manager", "industry": "Software", "location": "", "linkedin_bio": ""},
            {"role": 10, "industry": 10, "completeness": 0},
            (
                "Role 'Sales Manager' is an influencer (+10)",
                "industry 'Software' is adjacent to the ICP 'B2B SaaS mid-market' (+10)",
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


def test_rules_module_imports_no_django():
    check = (
        "import sys, scoring.rules; "
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(leaked); sys.exit(1 if leaked else 0)"
    )

    result = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
