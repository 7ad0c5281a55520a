"""Industry fit on LinkedIn Industry Codes V2: names, free text, hierarchy and curated links."""

from __future__ import annotations

import itertools

import pytest

from scoring.facts import OfferFacts
from scoring.industries import (
    Icp,
    IndustryMatch,
    canonical_industry,
    icp_for_offer,
    industry_fit,
    industry_ids,
)
from scoring.industry_names import NAMES_DIR, V1_FILE, _read_lines
from vocabulary import taxonomy

V2 = taxonomy.INDUSTRIES
SIBLING_PAIRS = [
    (first, second)
    for parent in V2
    for first, second in itertools.permutations(taxonomy.children(parent), 2)
]


def v1_names() -> list[tuple[int, str]]:
    lines = (NAMES_DIR / V1_FILE).read_text(encoding="utf-8").splitlines()
    return [
        (int(key), name)
        for key, name in (line.split(" ", 1) for line in lines if line and line[0].isdigit())
    ]


def offer(*use_cases: str, icp: tuple[str, ...] = (), adjacent: tuple[str, ...] = ()):
    return OfferFacts(
        name="AI Outreach Automation",
        value_props=("24/7 outreach",),
        ideal_use_cases=use_cases,
        icp_industries=icp,
        adjacent_industries=adjacent,
    )


def level(lead_industry: str, *use_cases: str, icp: tuple[str, ...] = ()) -> str:
    return industry_fit(lead_industry, icp_for_offer(offer(*use_cases, icp=icp))).level


# ---------------------------------------------------------------------------------------------
# The taxonomy.


def test_the_taxonomy_holds_the_434_v2_industries_in_20_sectors():
    sectors = {industry.sector for industry in V2.values()}

    assert len(V2) == 434
    assert len(sectors) == 20
    assert all(V2[sector].parent is None for sector in sectors)


@pytest.mark.parametrize(
    ("industry_id", "parent", "sector"),
    [
        (41, 1673, 43),  # Banking < Credit Intermediation < Financial Services
        (3125, 3132, 1594),  # Blogs: the path's separator lacks its space
        (8, 3133, 1594),  # Telecommunications: its parent is spelt "Media and ..."
        (562, 23, 25),  # Breweries: the path has an empty level
        (43, None, 43),  # a sector is its own sector
    ],
)
def test_each_industry_knows_its_parent_and_sector(industry_id, parent, sector):
    assert (V2[industry_id].parent, V2[industry_id].sector) == (parent, sector)


def test_every_parent_is_an_industry_whose_path_ends_one_level_up():
    for industry in V2.values():
        if industry.parent is not None:
            assert V2[industry.parent].path == industry.path[:-1], industry.name


# ---------------------------------------------------------------------------------------------
# Names: V2, V1, CRM picklists and synonyms.


def test_every_v2_name_resolves_to_its_own_id():
    misses = [item.name for item in V2.values() if industry_ids(item.name) != (item.id,)]

    assert misses == []


@pytest.mark.parametrize(
    "spelling",
    [str.upper, str.lower, "{} companies".format, "B2B {}".format, "{} startups".format],
    ids=["upper", "lower", "companies", "b2b", "startups"],
)
def test_v2_names_however_written_resolve_to_their_id(spelling):
    misses = [
        item.name for item in V2.values() if canonical_industry(spelling(item.name)) != item.id
    ]

    assert misses == []


def test_every_legacy_v1_name_maps_onto_the_v2_industry_that_kept_its_id():
    misses = [(key, name) for key, name in v1_names() if industry_ids(name) != (key,)]

    assert len(v1_names()) == 147
    assert misses == []


def test_hubspot_enums_of_v1_names_resolve_like_the_names():
    # HubSpot stores "Hospital & Health Care" as HOSPITAL_HEALTH_CARE.
    def enum(name: str) -> str:
        return "_".join("".join(c if c.isalnum() else " " for c in name).upper().split())

    misses = [name for key, name in v1_names() if canonical_industry(enum(name)) != key]

    assert misses == []


@pytest.mark.parametrize(
    ("text", "industry_id"),
    [
        # Case, accents, punctuation, plurals, "&"/"and", one word or two.
        ("Hospital & Health Care", 14),
        ("hospital and health care", 14),
        ("Health Care", 14),
        ("Healthcare", 14),
        ("E-Commerce", 1445),
        ("ecommerce", 1445),
        ("Software-as-a-Service", 4),
        ("Information Technology & Services", 96),
        ("IT", 96),
        ("Banks", 41),
        # Salesforce's Account picklist.
        ("Technology", 6),
        ("Not For Profit", 100),
        ("Shipping", 87),
        # A V2 id, as some exports write it.
        ("4", 4),
        ("1309", 1309),
    ],
)
def test_names_resolve_whatever_their_spelling(text, industry_id):
    assert canonical_industry(text) == industry_id


@pytest.mark.parametrize("text", ["", "   ", "Widgets", "Saasy Snacks", "Trail running", "99999"])
def test_text_naming_no_industry_resolves_to_nothing(text):
    assert industry_ids(text) == ()


@pytest.mark.parametrize(
    "line",
    [
        "4 Software: saas",  # not the V2 name of 4
        "99999 Widgets: widget",  # no V2 industry
        "Software Development: saas",  # no id
    ],
)
def test_a_vocabulary_line_that_misnames_its_industry_is_refused(tmp_path, line):
    path = tmp_path / "synonyms.txt"
    path.write_text(f"# a comment\n{line}\n", encoding="utf-8")

    with pytest.raises(ValueError, match=r"synonyms\.txt:2"):
        _read_lines(path)


def test_vocabulary_lines_continue_on_indented_lines(tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("4 Software Development: saas,\n  devtools\n41 Banking: bank\n")

    assert _read_lines(path) == [(1, 4, "saas, devtools"), (3, 41, "bank")]


# ---------------------------------------------------------------------------------------------
# Free text: the head names the business; modifiers only narrow it within its branch.


@pytest.mark.parametrize(
    ("text", "industry_id"),
    [
        # The head decides; a modifier from another sector is ignored.
        ("Healthcare SaaS", 4),
        ("B2B SaaS mid-market", 4),
        ("Fintech startups", 43),
        ("Healthcare staffing", 104),
        ("Software for hospitals", 4),
        ("Industrial manufacturers", 25),
        # A modifier narrows the head within its own branch.
        ("Furniture retail", 1309),
        ("Fashion retail", 19),
        ("Food and beverage retail", 1339),
        ("Food distribution", 1231),
        ("Furniture and home furnishings retail", 1309),
        ("Electric vehicle manufacturing", 3253),
        ("Furniture manufacturer", 26),
    ],
)
def test_free_text_resolves_by_its_head(text, industry_id):
    assert canonical_industry(text) == industry_id


def test_joined_names_each_name_a_business():
    assert industry_ids("Hospitals and clinics") == (2081, 13)
    assert industry_ids("Banking & Financial Services") == (41, 43)


@pytest.mark.parametrize(
    ("lead_industry", "icp"),
    [
        ("Retail Furniture and Home Furnishings", "Defense and Space Manufacturing"),
        ("Retail Furniture and Home Furnishings", "Furniture and Home Furnishings Manufacturing"),
        ("Broadcast Media Production and Distribution", "Retail"),
        ("Broadcast Media Production and Distribution", "Wholesale"),
        ("Wholesale Computer Equipment", "Computer Hardware Manufacturing"),
        ("Retail Pharmacies", "Pharmaceutical Manufacturing"),
    ],
)
def test_a_modifier_never_drags_a_lead_into_another_sector(lead_industry, icp):
    assert level(lead_industry, icp=(icp,)) == "none"
    assert level(icp, icp=(lead_industry,)) == "none"


# ---------------------------------------------------------------------------------------------
# Fit: exact within the ICP's branch, adjacent through the hierarchy and curated links.


def test_every_sibling_pair_of_the_hierarchy_is_adjacent_both_ways():
    misses = [
        (V2[icp].name, V2[lead].name)
        for icp, lead in SIBLING_PAIRS
        if level(V2[lead].name, icp=(V2[icp].name,)) != "adjacent"
    ]

    assert len(SIBLING_PAIRS) > 1000
    assert misses == []


def test_every_industry_below_the_icp_is_exact():
    for item in V2.values():
        for ancestor in taxonomy.ancestors(item.id):
            assert level(item.name, icp=(V2[ancestor].name,)) == "exact", item.name


def test_sectors_are_apart_unless_a_curated_link_joins_them():
    sectors = sorted({item.sector for item in V2.values()})
    linked = {
        frozenset((V2[link.first].sector, V2[link.second].sector)) for link in taxonomy.CROSS_LINKS
    }

    for icp, lead in itertools.permutations(sectors, 2):
        expected = "adjacent" if frozenset((icp, lead)) in linked else "none"
        if expected == "none":
            assert level(V2[lead].name, icp=(V2[icp].name,)) == "none", (icp, lead)


@pytest.mark.parametrize(
    ("use_case", "lead_industry", "expected"),
    [
        # The same industry, under any of its names.
        (
            "B2B SaaS mid-market",
            "SaaS",
            IndustryMatch("exact", 4, "same", 4, "Software Development"),
        ),
        (
            "B2B SaaS mid-market",
            "Computer Software",
            IndustryMatch("exact", 4, "same", 4, "Software Development"),
        ),
        # Below the ICP's industry.
        (
            "Manufacturing companies",
            "Breweries",
            IndustryMatch("exact", 562, "within", 25, "Breweries, within Manufacturing"),
        ),
        # A sibling, and the sibling of a parent (Banking sits in Credit Intermediation).
        (
            "IT System Operations and Maintenance",
            "IT System Testing and Evaluation",
            IndustryMatch(
                "adjacent",
                3107,
                "sibling",
                3103,
                "IT System Testing and Evaluation, a sibling of IT System Operations and "
                "Maintenance",
            ),
        ),
        (
            "Banks",
            "Capital Markets",
            IndustryMatch(
                "adjacent",
                129,
                "sibling",
                1673,
                "Capital Markets, a sibling of Credit Intermediation",
            ),
        ),
        (
            "Capital Markets firms",
            "Banking",
            IndustryMatch(
                "adjacent",
                41,
                "sibling",
                129,
                "Banking, within Credit Intermediation, a sibling of Capital Markets",
            ),
        ),
        # A broader name that may cover the ICP.
        (
            "Regional banks",
            "Financial Services",
            IndustryMatch(
                "adjacent", 43, "parent", 41, "Financial Services, which contains Banking"
            ),
        ),
        # A curated link across sectors, with its reason.
        (
            "B2B SaaS mid-market",
            "IT Services",
            IndustryMatch(
                "adjacent",
                96,
                "cross-link",
                4,
                "IT Services and IT Consulting, linked to Software Development (IT firms build, "
                "integrate and resell software)",
            ),
        ),
        ("B2B SaaS mid-market", "Retail", IndustryMatch("none", 27)),
        ("B2B SaaS mid-market", "Widgets", IndustryMatch("none", None)),
        ("B2B SaaS mid-market", "  ", IndustryMatch("none", None)),
    ],
)
def test_the_match_says_which_industry_matched_and_through_which_link(
    use_case, lead_industry, expected
):
    assert industry_fit(lead_industry, icp_for_offer(offer(use_case))) == expected


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("IT Services and IT Consulting", "Software Development"),
        ("Hospitals and Health Care", "Pharmaceutical Manufacturing"),
        ("Online and Mail Order Retail", "Internet Marketplace Platforms"),
        ("Oil and Gas", "Utilities"),
        ("Banking", "Capital Markets"),
        ("Hospitals", "Medical Practices"),
    ],
)
def test_adjacency_is_mutual(first, second):
    assert (level(second, icp=(first,)), level(first, icp=(second,))) == ("adjacent", "adjacent")


@pytest.mark.parametrize(
    ("use_case", "lead_industry", "fit"),
    [
        # Exact: the use case's industry through any of its names, or an industry below it.
        ("B2B SaaS mid-market", "Software as a Service", "exact"),
        ("B2B SaaS mid-market", "Healthcare SaaS", "exact"),
        ("Hospitals and clinics", "Medical Practice", "exact"),
        ("Healthcare providers", "hospitals", "exact"),
        ("Healthcare providers", "Dentists", "exact"),
        ("IT services firms", "IT System Operations and Maintenance", "exact"),
        ("E-commerce brands", "Online Retail", "exact"),
        ("Retailers", "E-commerce", "exact"),
        ("Fintech startups", "Payments", "exact"),
        ("Banks and credit unions", "Savings Institutions", "exact"),
        ("Marketing agencies", "Marketing & Advertising", "exact"),
        ("Universities", "Higher Education", "exact"),
        ("Manufacturing companies", "Food and Beverage Manufacturing", "exact"),
        ("Gyms and fitness studios", "Health, Wellness & Fitness", "exact"),
        # Adjacent: siblings, parents and curated links.
        ("Hospitals and clinics", "Nursing Homes and Residential Care Facilities", "adjacent"),
        ("Hospitals and clinics", "Hospital & Health Care", "adjacent"),
        ("Hospitals and clinics", "Biotech", "adjacent"),
        ("E-commerce brands", "Retail", "adjacent"),
        ("E-commerce brands", "Online marketplaces", "adjacent"),
        ("Marketing agencies", "Marketing Services", "adjacent"),
        # None: other branches and sectors.
        ("B2B SaaS mid-market", "Food & Beverages", "none"),
        ("AI startups", "Email marketing", "none"),
        ("Hospitals and clinics", "Banking", "none"),
        ("Fintech startups", "Hospital & Health Care", "none"),
        ("Regional banks", "Investment Banking", "none"),
        ("Pharma companies", "Retail Apparel and Fashion", "none"),
    ],
)
def test_use_cases_name_the_target_industries(use_case, lead_industry, fit):
    assert level(lead_industry, use_case) == fit


# ---------------------------------------------------------------------------------------------
# The ICP.


@pytest.mark.parametrize(
    ("use_case", "exact"),
    [
        ("Marketing teams at SaaS companies", {4}),
        ("SaaS marketing teams", {4}),
        ("Heads of Finance at banks", {41}),
        ("CTOs at fintech startups", {43}),
        ("HR leaders in healthcare", {14}),
        ("Marketing agencies", {80}),
        ("Hospitals and clinics", {2081, 13}),
        ("Mid-market enterprise teams", set()),
    ],
)
def test_a_team_function_in_a_use_case_is_not_its_target(use_case, exact):
    assert icp_for_offer(offer(use_case)).exact == exact


def test_use_cases_naming_no_industry_give_an_empty_icp():
    icp = icp_for_offer(offer("Mid-market enterprise teams", "B2B companies"))

    assert icp == Icp(exact=frozenset(), adjacent=frozenset(), label="")


def test_icp_label_quotes_the_use_cases_that_name_an_industry():
    icp = icp_for_offer(offer("B2B SaaS mid-market", "Teams that book meetings"))

    assert icp.label == "B2B SaaS mid-market"


def test_icp_industries_take_precedence_over_use_cases():
    icp = icp_for_offer(offer("B2B SaaS mid-market", icp=("Hospital & Health Care",)))

    assert industry_fit("Healthcare", icp).level == "exact"
    assert industry_fit("SaaS", icp).level == "none"
    assert industry_fit("Pharmaceuticals", icp).level == "adjacent"
    assert icp.label == "Hospital & Health Care"


def test_icp_industries_may_be_v2_ids():
    by_id = icp_for_offer(offer("Retailers", icp=("4",), adjacent=("96",)))

    assert by_id.exact == {4}
    assert by_id.label == "Software Development"
    assert industry_fit("Computer Software", by_id).level == "exact"
    assert industry_fit("IT System Testing and Evaluation", by_id).level == "adjacent"


def test_adjacent_industries_take_precedence_over_the_hierarchy():
    icp = icp_for_offer(offer("B2B SaaS mid-market", adjacent=("Retail",)))

    assert industry_fit("SaaS", icp).level == "exact"
    assert industry_fit("Retail Groceries", icp) == IndustryMatch(
        "adjacent", 22, "offer", 4, "Retail Groceries, within Retail, named adjacent by the offer"
    )
    assert industry_fit("IT Services", icp).level == "none"


def test_adjacent_industries_without_a_target_score_nothing():
    icp = icp_for_offer(offer("Teams that book meetings", adjacent=("Retail",)))

    assert icp == Icp(exact=frozenset(), adjacent=frozenset(), label="")
    assert industry_fit("Retail", icp).level == "none"


def test_unknown_icp_industries_match_by_normalised_text():
    icp = icp_for_offer(offer(icp=("Widget makers",), adjacent=("Gadget shops",)))

    assert industry_fit("widget-makers", icp) == IndustryMatch(
        "exact", "widget maker", "text", "widget maker", "widget maker"
    )
    assert industry_fit("Gadget Shop", icp).level == "adjacent"
    assert industry_fit("Widgets", icp).level == "none"


def test_industry_fit_is_cached():
    icp = icp_for_offer(offer("B2B SaaS mid-market"))
    industry_fit.cache_clear()

    industry_fit("Computer Software", icp)
    industry_fit("Computer Software", icp)

    assert industry_fit.cache_info().hits == 1
