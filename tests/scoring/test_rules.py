"""The rule layer: role relevance, points, completeness, reasons and purity.

Industry resolution and fit are specified in test_industries.py.
"""

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
    RoleMatch,
    classify_role,
    icp_for_offer,
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

ROLE_CASES = [
    # C-suite, written every way.
    ("CEO", DM),
    ("ceo", DM),
    ("  CEO  ", DM),
    ("CTO", DM),
    ("CFO", DM),
    ("COO", DM),
    ("CMO", DM),
    ("CRO", DM),
    ("CIO", DM),
    ("CPO", DM),
    ("CISO", DM),
    ("CDO", DM),
    ("C.E.O.", DM),
    ("Chief Executive Officer", DM),
    ("Chief Revenue Officer", DM),
    ("Chief People Officer", DM),
    ("Co-CEO", DM),
    ("Interim CFO", DM),
    ("Fractional CMO", DM),
    # Founders, owners, presidents, partners.
    ("Founder", DM),
    ("Co-founder", DM),
    ("Cofounder & CTO", DM),
    ("CEO & Founder", DM),
    ("CTO / Co-founder", DM),
    ("Owner", DM),
    ("Small Business Owner", DM),
    ("President", DM),
    ("Partner", DM),
    ("Managing Partner", DM),
    ("Board Member", DM),
    ("Member of the Board of Directors", DM),
    ("Chairman", DM),
    ("Founder @ Stealth | ex-Google", DM),
    # VPs, heads, directors, general managers.
    ("VP Sales", DM),
    ("VP, Sales", DM),
    ("V.P. Marketing", DM),
    ("SVP Engineering", DM),
    ("EVP, Operations", DM),
    ("AVP Finance", DM),
    ("Vice President of Sales", DM),
    ("Vice-President, Customer Success", DM),
    ("Head of Sales", DM),
    ("Head of Growth | SaaS", DM),
    ("Global Head of Partnerships", DM),
    ("Head of the Sales team", DM),
    ("Director", DM),
    ("Sales Director - EMEA", DM),
    ("Director of Engineering", DM),
    ("Managing Director", DM),
    ("Senior Director, Product", DM),
    ("Executive Director", DM),
    ("Dir. of Marketing", DM),
    ("General Manager", DM),
    ("GM, North America", DM),
    ("VP and General Manager", DM),
    ("SALES DIRECTOR", DM),
    ("vp   sales", DM),
    # Influencers: managers, leads, senior, staff and principal individual contributors.
    ("Sales Manager", INF),
    ("Marketing Mgr", INF),
    ("Engineering Manager", INF),
    ("Office Manager for the Founder", INF),
    ("Partner Manager", INF),
    ("Team Lead", INF),
    ("Tech Lead", INF),
    ("Growth Lead", INF),
    ("Lead Engineer", INF),
    ("Senior Software Engineer", INF),
    ("Sr. Engineer", INF),
    ("Sr Data Analyst", INF),
    ("Staff Engineer", INF),
    ("Principal Consultant", INF),
    ("Senior Account Executive", INF),
    ("Solutions Architect", INF),
    ("Product Owner", INF),
    ("Chief of Staff to the CEO", INF),
    ("Assistant Director", INF),
    ("Associate Director of Sales", INF),
    # Nobody with a buying role.
    ("Intern", NONE),
    ("Marketing Intern", NONE),
    ("Student", NONE),
    ("MBA Student", NONE),
    ("Management Trainee", NONE),
    ("Assistant", NONE),
    ("Assistant to the CEO", NONE),
    ("Executive Assistant to the CFO", NONE),
    ("EA to the CEO & Founder", NONE),
    ("Assistant to the VP/GM", NONE),
    ("Advisor to startups & Founder of Acme", DM),
    ("CEO Assistant", NONE),
    ("Assistant Manager", NONE),
    ("Associate Product Manager", NONE),
    ("Junior Manager", NONE),
    ("Sales Coordinator", NONE),
    ("Sales Representative", NONE),
    ("Junior Developer", NONE),
    ("Software Engineer", NONE),
    ("Account Executive", NONE),
    ("Lead Generation Specialist", NONE),
    ("Leadership Coach", NONE),
    ("Doctor", NONE),
    ("Founder's Associate", NONE),
    ("Former CEO", NONE),
    ("Ex-CEO", NONE),
    ("Former VP/GM", NONE),
    ("CEO (former)", NONE),
    ("Former CEO, now Advisor", NONE),
    ("Aspiring Product Manager", NONE),
    ("Retired CEO", NONE),
    ("CFO (retired)", NONE),
    ("Unemployed", NONE),
    ("Open to work", NONE),
    ("Looking for new opportunities", NONE),
    ("Sales leader | Open to work", NONE),
    ("", NONE),
    ("   ", NONE),
    ("???", NONE),
    # French.
    ("Directeur Général", DM),
    ("PDG", DM),
    ("Président", DM),
    ("Fondateur", DM),
    ("Cofondatrice & CEO", DM),
    ("Gérant", DM),
    ("Associé", DM),
    ("Directrice Marketing", DM),
    ("Chef d'entreprise", DM),
    ("Responsable marketing", INF),
    ("Chef de projet", INF),
    ("Directeur adjoint", INF),
    ("Stagiaire", NONE),
    ("Assistante de direction", NONE),
    ("Ancien directeur commercial", NONE),
    # German.
    ("Geschäftsführer", DM),
    ("Geschaeftsfuehrerin", DM),
    ("Vorstand", DM),
    ("Inhaber", DM),
    ("Gründer", DM),
    ("Leiter Vertrieb", DM),
    ("Abteilungsleiter", DM),
    ("Bereichsleiterin Marketing", DM),
    ("Teamleiter", INF),
    ("Projektleiter", INF),
    ("Werkstudent", NONE),
    ("Praktikantin", NONE),
    ("Assistentin der Geschäftsführung", NONE),
    # "Staff" is a senior grade on technical ladders only, and a grade qualifies what follows.
    ("Staff Accountant", NONE),
    ("Senior Staff Accountant", INF),
    ("Staff Nurse", NONE),
    ("Staff Data Scientist", INF),
    ("Wait Staff", NONE),
    ("Founding Engineer", INF),
    ("Founding Partner", DM),
    ("Managing Consultant", INF),
    ("Chief Architect", DM),
    ("VPE", DM),
    # Spanish.
    ("Director de Ventas", DM),
    ("Director General", DM),
    ("Fundador", DM),
    ("Dueño", DM),
    ("CEO y Fundadora", DM),
    ("Gerente General", DM),
    ("Gerente de Marketing", INF),
    ("Jefe de Ventas", INF),
    ("Coordinador de Ventas", NONE),
    ("Becario", NONE),
    ("Pasante", NONE),
    ("Asistente del Director", NONE),
    ("Asistente del Director y Fundador", NONE),
    # Portuguese.
    ("Diretor", DM),
    ("Diretora Comercial", DM),
    ("Sócio", DM),
    ("Sócio-Fundador", DM),
    ("Gerente", INF),
    ("Analista Sênior", INF),
    ("Coordenador", NONE),
    ("Estagiário", NONE),
    ("Analista Júnior", NONE),
]


def test_role_table_covers_at_least_a_hundred_titles():
    assert len(ROLE_CASES) >= 100


@pytest.mark.parametrize(("title", "level"), ROLE_CASES)
def test_classify_role_reads_the_title_structure(title, level):
    assert classify_role(title).level == level


@pytest.mark.parametrize(
    ("title", "evidence"),
    [
        ("VP Sales", "VP"),
        ("Head of Growth", "Head of"),
        ("Assistant to the CEO", "Assistant"),
        ("Chief Revenue Officer", "Chief Revenue Officer"),
        ("Assistant Director", "Assistant Director"),
        ("Sr. Engineer", "Sr. Engineer"),
        ("Former CEO", "Former"),
        ("Ex-CEO", "Ex"),
        ("Marketing Intern", "Intern"),
        ("CEO | Open to work", "Open to work"),
        ("Geschäftsführer", "Geschäftsführer"),
        ("Directeur Général", "Directeur Général"),
        ("", ""),
    ],
)
def test_classify_role_names_the_deciding_words(title, evidence):
    assert classify_role(title).evidence == evidence


@pytest.mark.parametrize(
    "title",
    ["Doctor", "Director of Doctors", "Actor", "Procurement Specialist", "Directory Editor"],
)
def test_c_suite_abbreviations_never_match_inside_other_words(title):
    assert classify_role(title) != RoleMatch(DM, "CTO")


def test_classify_role_is_cached():
    classify_role.cache_clear()
    classify_role("VP Sales")
    classify_role("VP Sales")

    assert classify_role.cache_info().hits == 1


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


@pytest.mark.parametrize(("title", "_"), ROLE_CASES[::7])
@pytest.mark.parametrize("industry", ["SaaS", "Software", "Retail", ""])
def test_total_stays_within_zero_and_fifty(title, _, industry):
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
