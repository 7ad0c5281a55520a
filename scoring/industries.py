"""Industry fit: which industry a lead's free text names, and how it sits against an ICP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from scoring.facts import OfferFacts
from scoring.text import clip as _clip
from scoring.text import fold as _fold
from scoring.text import table as _table

FitLevel = Literal["exact", "adjacent", "none"]


@dataclass(frozen=True, slots=True)
class Icp:
    """An offer's ideal customer profile: canonical industry keys (or normalised free text)."""

    exact: frozenset[str]
    adjacent: frozenset[str]
    label: str


@dataclass(frozen=True, slots=True)
class IndustryMatch:
    """How a lead's industry sits against an ICP; `canonical` is the key that matched."""

    level: FitLevel
    canonical: str | None


# Canonical industries, each with the names LinkedIn (classic and 2022 lists), HubSpot and
# Salesforce give it, plus common synonyms. Matching singularises words and ignores "&"/"and",
# and a multi-word synonym also matches written as one word ("health care" = "healthcare").
_INDUSTRIES: dict[str, str] = {
    "saas": "saas, software as a service, b2b saas, saas platform, saas company",
    "software": """software, computer software, software development, enterprise software,
        software company, software engineering, software publisher, program development,
        mobile app, mobile application, apps, devtools, developer tools""",
    "it_services": """information technology and services, it services, it consulting,
        it services and it consulting, managed services, managed service provider, msp,
        information technology, it solutions, systems integration, system integrator,
        it consultancy""",
    "cloud": "cloud, cloud computing, cloud infrastructure, cloud services, iaas, paas, hosting",
    "internet": """internet, online services, internet services, information services,
        technology information and internet, web services, online platform""",
    "technology": "technology, tech, high tech, hi tech",
    "ai": """artificial intelligence, ai, machine learning, generative ai, genai, deep learning,
        computer vision, conversational ai""",
    "data_analytics": """data analytics, analytics, big data, business intelligence, data science,
        data infrastructure, data and analytics, data platform, data mining""",
    "cybersecurity": """computer and network security, cybersecurity, cyber security,
        information security, network security, infosec, security software""",
    "hardware": "computer hardware, hardware, computer hardware manufacturing, computers",
    "semiconductors": "semiconductors, semiconductor manufacturing, chips",
    "telecommunications": """telecommunications, telecom, telco, wireless,
        telecommunication services, mobile network operator""",
    "computer_networking": "computer networking, networking hardware, network infrastructure",
    "electronics": """consumer electronics, electronics, electrical electronic manufacturing,
        electronics manufacturing, appliances electrical and electronics manufacturing""",
    "iot": "internet of things, iot, connected devices",
    "robotics": "robotics, drones",
    "gaming": """computer games, video games, gaming, game development, games, esports,
        mobile gaming""",
    "fintech": """fintech, financial technology, payments, payment processing, digital payments,
        neobank, regtech, embedded finance""",
    "banking": """banking, bank, retail banking, commercial banking, investment banking,
        credit union, credit unions, savings institutions, savings bank""",
    "financial_services": """financial services, finance, wealth management, lending,
        consumer lending, credit, loan brokers""",
    "investment_management": """investment management, asset management, capital markets,
        hedge fund, investment""",
    "venture_capital": """venture capital, venture capital and private equity, private equity,
        venture capital and private equity principals""",
    "insurance": "insurance, insurtech, reinsurance, health insurance, insurance carrier",
    "accounting": "accounting, accountancy, bookkeeping, audit, tax services, cpa firm",
    "crypto": "blockchain, crypto, cryptocurrency, web3, defi, digital asset",
    "real_estate": """real estate, commercial real estate, property management, proptech,
        residential real estate, real estate agent and broker, leasing real estate,
        property manager""",
    "construction": """construction, building construction, civil engineering,
        building material, building materials""",
    "architecture": "architecture and planning, architecture, interior design",
    "healthcare": """hospital and health care, hospital, healthcare, health care,
        healthcare provider, healthcare services, health care provider, medical practice,
        clinic, health system, mental health care, mental health, medical,
        hospitals and health care, veterinary, dental, home health care, dentist, dentistry""",
    "pharmaceuticals": """pharmaceuticals, pharmaceutical, pharma,
        pharmaceutical manufacturing, drug development""",
    "biotechnology": "biotechnology, biotech, life sciences, biotechnology research",
    "medical_devices": """medical devices, medical device, medical equipment,
        medical equipment manufacturing, medtech, medical technology""",
    "health_tech": """health tech, digital health, health it, health information technology,
        telehealth, telemedicine, healthcare technology, health technology,
        healthcare software""",
    "wellness": """health wellness and fitness, wellness, fitness, wellness and fitness services,
        alternative medicine, recreational facilities, gym, fitness studio, fitness center""",
    "education": """education, education management, higher education,
        primary secondary education, k 12, schools, school, university, universities, college,
        professional training and coaching, libraries""",
    "edtech": """e learning, edtech, education technology, online learning,
        e learning providers, learning management""",
    "ecommerce": """e commerce, online retail, internet retail, d2c, dtc, direct to consumer,
        online store, online shopping, online retailer, online shop, webshop""",
    "retail": "retail, retailer, supermarkets, grocery, retail stores, brick and mortar",
    "consumer_goods": """consumer goods, cpg, consumer packaged goods, fmcg,
        fast moving consumer goods, consumer products, consumer services, tobacco""",
    "marketplaces": "marketplace, online marketplace, two sided marketplace",
    "apparel": """apparel and fashion, apparel, fashion, clothing, textiles, footwear,
        retail apparel and fashion, textile manufacturing""",
    "luxury": "luxury goods and jewelry, luxury goods, jewelry, luxury",
    "cosmetics": "cosmetics, beauty, personal care, personal care product manufacturing",
    "food_beverages": """food and beverages, food production, beverages, food and beverage,
        food manufacturing, food, beverage, wine and spirits, dairy,
        food and beverage manufacturing""",
    "restaurants": "restaurants, restaurant, food service, catering, food and beverage services",
    "hospitality": "hospitality, hotels, hotel, lodging, resorts",
    "travel": """leisure travel and tourism, travel, tourism, travel arrangements,
        travel agency""",
    "airlines": "airlines aviation, airline, airlines",
    "aerospace_defense": """aviation and aerospace, aerospace, defense and space, defense,
        defence, aviation and aerospace component manufacturing, military, armed forces""",
    "transportation_logistics": """logistics and supply chain, logistics, supply chain,
        transportation trucking railroad, transportation, freight, shipping, trucking,
        package freight delivery, warehousing, maritime, transportation logistics supply chain
        and storage""",
    "automotive": "automotive, automobile, motor vehicle manufacturing, car, auto, mobility",
    "manufacturing": """manufacturing, machinery, industrial machinery manufacturing,
        mechanical or industrial engineering, industrial, plastics,
        packaging and containers, paper and forest products, glass ceramics and concrete,
        furniture, furniture and home furnishings manufacturing, printing, printing services,
        shipbuilding, railroad manufacture, manufacturer""",
    "industrial_automation": "industrial automation, automation machinery manufacturing",
    "chemicals": "chemicals, chemical manufacturing, chemical",
    "mining": "mining and metals, mining, metals, steel",
    "oil_gas": "oil and energy, oil and gas, oil gas, petroleum, oil",
    "energy": "energy, power generation",
    "utilities": "utilities, utility, electric power, water utility",
    "renewables": """renewables and environment, renewable energy, renewables, solar,
        wind energy, cleantech, clean energy, climate tech, environmental services,
        environmental, sustainability""",
    "agriculture": """farming, agriculture, agritech, agtech, ranching, fishery, forestry,
        forestry and logging""",
    "government": """government administration, government, public sector,
        public administration, public policy, government relations, judiciary,
        legislative office, law enforcement, public safety, international affairs,
        executive office""",
    "nonprofit": """non profit organization management, nonprofit, non profit, ngo, charity,
        philanthropy, civic and social organization, fund raising, not for profit,
        religious institutions, museums and institutions, political organization""",
    "legal": "legal services, law practice, legal, law firm, legaltech, legal tech",
    "consulting": """management consulting, consulting, business consulting,
        strategy consulting, business consulting and services,
        strategic management services, consultancy, management consultancy""",
    "professional_services": """professional services, business services,
        translation and localization""",
    "staffing": """staffing and recruiting, recruiting, recruitment, staffing,
        executive search, talent acquisition, employment services""",
    "hr": "human resources, hr, human resources services, hr tech, people operations, payroll",
    "marketing_advertising": """marketing and advertising, marketing, advertising,
        digital marketing, email marketing, ad tech, martech, marketing services,
        advertising services, seo, growth marketing, marketing agency, advertising agency,
        performance marketing, digital agency, creative agency""",
    "public_relations": "public relations and communications, public relations, pr agency",
    "media": """media, online media, broadcast media, media production, digital media,
        newspapers, photography, internet publishing, animation,
        animation and post production""",
    "publishing": """publishing, book and periodical publishing, book publishing,
        writing and editing""",
    "entertainment": """entertainment, music, motion pictures and film, film, movies,
        gambling and casinos, recreation, entertainment providers, performing arts""",
    "events": "events services, events, event management, conferences",
    "design": "design, graphic design, design services",
    "research": "research, research services, market research, think tanks, nanotechnology",
    "outsourcing": """outsourcing offshoring, outsourcing, bpo, business process outsourcing,
        call center, contact center""",
    "facilities_services": """facilities services, facility management, cleaning services,
        security and investigations""",
    "sports": "sports, sporting goods, sports teams and clubs, spectator sports",
    "wholesale": """wholesale, distribution, import and export, wholesale trade,
        international trade and development""",
}
# Abbreviations that are ordinary words in running text ("use it", "PR campaign"): they name
# an industry only when they are the whole text.
_WHOLE_TEXT_ONLY = {
    "it": "it_services",
    "pr": "public_relations",
    "ml": "ai",
    "health": "healthcare",
    "engineering": "manufacturing",
    "communications": "telecommunications",
}
_WHOLE_TEXT_ONLY_TOKENS: dict[tuple[str, ...], str] = {
    (word,): key for word, key in _WHOLE_TEXT_ONLY.items()
}

# Neighbouring industries, listed once; adjacency is symmetric.
_NEIGHBOURS: dict[str, str] = {
    "saas": """software, cloud, it_services, internet, technology, ai, data_analytics,
        cybersecurity""",
    "software": """it_services, cloud, internet, technology, ai, data_analytics, cybersecurity,
        gaming, health_tech, edtech""",
    "it_services": """cloud, cybersecurity, computer_networking, technology, consulting,
        outsourcing, telecommunications, hardware""",
    "cloud": "internet, data_analytics, cybersecurity, technology",
    "internet": "technology, ecommerce, media, marketplaces",
    "ai": "data_analytics, technology, robotics",
    "data_analytics": "technology",
    "cybersecurity": "computer_networking, technology",
    "hardware": "semiconductors, electronics, computer_networking, technology, iot",
    "semiconductors": "electronics",
    "telecommunications": "computer_networking, internet, iot",
    "electronics": "iot",
    "iot": "industrial_automation, robotics",
    "robotics": "industrial_automation, manufacturing",
    "fintech": "banking, financial_services, insurance, investment_management, crypto",
    "banking": "financial_services, investment_management",
    "financial_services": "insurance, investment_management, accounting, venture_capital, crypto",
    "investment_management": "venture_capital",
    "healthcare": "pharmaceuticals, biotechnology, medical_devices, health_tech, wellness",
    "pharmaceuticals": "biotechnology, medical_devices, chemicals",
    "biotechnology": "medical_devices, research",
    "health_tech": "medical_devices",
    "wellness": "sports",
    "ecommerce": "retail, consumer_goods, marketplaces, apparel",
    "retail": "consumer_goods, apparel, wholesale, luxury, cosmetics",
    "consumer_goods": "food_beverages, cosmetics, apparel, electronics, wholesale, luxury",
    "apparel": "luxury",
    "edtech": "education",
    "education": "research",
    "marketing_advertising": "media, public_relations, design, events",
    "media": "entertainment, publishing",
    "entertainment": "gaming, events, sports",
    "hospitality": "travel, restaurants, events",
    "restaurants": "food_beverages",
    "travel": "airlines",
    "airlines": "aerospace_defense, transportation_logistics",
    "aerospace_defense": "government, manufacturing",
    "transportation_logistics": "automotive, wholesale",
    "automotive": "manufacturing",
    "manufacturing": "industrial_automation, chemicals, mining, electronics",
    "oil_gas": "energy, utilities, mining, chemicals",
    "energy": "utilities, renewables",
    "renewables": "utilities",
    "real_estate": "construction, architecture",
    "construction": "architecture",
    "legal": "professional_services",
    "consulting": "professional_services, accounting",
    "accounting": "professional_services",
    "staffing": "hr, outsourcing",
    "government": "nonprofit",
    "agriculture": "food_beverages",
    "outsourcing": "professional_services",
    "facilities_services": "real_estate",
    "design": "architecture",
}

# Industries that are also a team's function: in a use case, "Marketing teams at SaaS
# companies" or "Heads of Finance at banks" target SaaS and banking, not marketing or finance.
# Only use cases are read this way; a lead's industry field names an industry by definition.
_FUNCTION_INDUSTRIES = frozenset(
    _table(
        """
        marketing_advertising, hr, financial_services, legal, design, research, data_analytics,
        cybersecurity, accounting, it_services, staffing, public_relations
        """
    )
)
# Words after a function that make it a team ("finance teams", "HR leaders")...
_FUNCTION_FOLLOWERS = frozenset(
    _table("team, department, dept, leader, function, professional, org, ops, manager, head")
)
# ...and words before it that make it someone's remit ("Heads of Marketing", "VP Finance").
_FUNCTION_LEADERS = frozenset(
    _table(
        "head, vp, vps, director, manager, leader, lead, chief, officer, team, cmo, cto, cfo, chro"
    )
)
_WORD = re.compile(r"[a-z0-9]+")


def _singular(word: str) -> str:
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "as")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=65536)
def _industry_tokens(text: str) -> tuple[str, ...]:
    return tuple(_singular(w) for w in _WORD.findall(_fold(text)) if w != "and")


def _build_industry_vocabulary() -> dict[tuple[str, ...], str]:
    vocabulary: dict[tuple[str, ...], str] = {}
    for key, synonyms in _INDUSTRIES.items():
        for synonym in _table(synonyms):
            tokens = _industry_tokens(synonym)
            if vocabulary.get(tokens, key) != key:
                raise ValueError(f"industry synonym {synonym!r} names two industries")
            vocabulary[tokens] = key
    for tokens, key in list(vocabulary.items()):
        if len(tokens) > 1:
            vocabulary.setdefault(("".join(tokens),), key)
    return vocabulary


def _build_neighbours() -> dict[str, frozenset[str]]:
    neighbours: dict[str, set[str]] = {key: set() for key in _INDUSTRIES}
    for key, others in _NEIGHBOURS.items():
        for other in _table(others):
            if other not in neighbours:
                raise ValueError(f"unknown industry {other!r} next to {key!r}")
            neighbours[key].add(other)
            neighbours[other].add(key)
    return {key: frozenset(values) for key, values in neighbours.items()}


_FUNCTION_FOLLOWER_TUPLES = frozenset((_singular(word),) for word in _FUNCTION_FOLLOWERS)
_INDUSTRY_VOCABULARY = _build_industry_vocabulary()
_LONGEST_INDUSTRY_SYNONYM = max(len(tokens) for tokens in _INDUSTRY_VOCABULARY)
_ADJACENCY = _build_neighbours()


def _industry_spans(tokens: tuple[str, ...], *, skip_functions: bool) -> list[tuple[int, str]]:
    """Return (length, key) for each non-overlapping synonym, longest at each position first."""
    if tokens in _WHOLE_TEXT_ONLY_TOKENS:
        return [(1, _WHOLE_TEXT_ONLY_TOKENS[tokens])]
    spans: list[tuple[int, str]] = []
    index = 0
    while index < len(tokens):
        for size in range(min(_LONGEST_INDUSTRY_SYNONYM, len(tokens) - index), 0, -1):
            key = _INDUSTRY_VOCABULARY.get(tokens[index : index + size])
            if key is None:
                continue
            if (
                skip_functions
                and key in _FUNCTION_INDUSTRIES
                and (
                    tokens[index + size : index + size + 1] in _FUNCTION_FOLLOWER_TUPLES
                    or any(word in _FUNCTION_LEADERS for word in tokens[max(0, index - 2) : index])
                )
            ):
                break
            spans.append((size, key))
            index += size - 1
            break
        index += 1
    return spans


@lru_cache(maxsize=65536)
def _industry_keys(text: str) -> tuple[str, ...]:
    """Every canonical industry `text` names, the longest synonym's first."""
    spans = _industry_spans(_industry_tokens(text), skip_functions=False)
    ordered = sorted(spans, key=lambda span: -span[0])  # stable: ties keep reading order
    return tuple(dict.fromkeys(key for _, key in ordered))


def canonical_industry(text: str) -> str | None:
    """Return the canonical industry key `text` names, or None.

    The longest synonym found on word boundaries wins ("Computer Software" is software, "IT
    Services and IT Consulting" IT services); case, accents, punctuation, plurals and "&"/"and"
    do not matter, and a word never matches inside another ("Retail" is not "AI").
    """
    keys = _industry_keys(text)
    return keys[0] if keys else None


def _icp_entries(phrases: tuple[str, ...]) -> set[str]:
    """Map explicit industry names to keys; unknown ones stay as their normalised text."""
    entries: set[str] = set()
    for phrase in phrases:
        keys = _industry_keys(phrase)
        if keys:
            entries.update(keys)
        elif tokens := _industry_tokens(phrase):
            entries.add(" ".join(tokens))
    return entries


@lru_cache(maxsize=256)
def icp_for_offer(offer: OfferFacts) -> Icp:
    """Return the offer's ICP.

    `offer.icp_industries`, when given, defines the exact industries (unknown names still match
    by their normalised text) and `offer.adjacent_industries`, when given, the adjacent ones;
    otherwise the exact industries are those the use cases name, and the adjacent ones their
    vocabulary neighbours. Words such as "B2B", "mid-market" or "teams" are no industry. An
    offer whose use cases name no known industry gets an empty ICP.
    """
    if offer.icp_industries:
        exact = _icp_entries(offer.icp_industries)
        label = ", ".join(" ".join(p.split()) for p in offer.icp_industries if p.strip())
    else:
        exact = set()
        naming: list[str] = []
        for use_case in offer.ideal_use_cases:
            spans = _industry_spans(_industry_tokens(use_case), skip_functions=True)
            if spans:
                exact.update(key for _, key in spans)
                naming.append(" ".join(use_case.split()))
        label = ", ".join(naming)
    if offer.adjacent_industries:
        adjacent = _icp_entries(offer.adjacent_industries)
    else:
        adjacent = set().union(*(_ADJACENCY.get(key, frozenset()) for key in exact))
    return Icp(frozenset(exact), frozenset(adjacent - exact), _clip(label))


# LinkedIn's 2022 names file makers under their product ("Food and Beverage Manufacturing",
# "Semiconductor Manufacturing"): a lead's industry that says so is manufacturing as well.
_MAKER_WORDS = frozenset({"manufacturing", "manufacture", "manufacturer"})


@lru_cache(maxsize=65536)
def industry_fit(industry: str, icp: Icp) -> IndustryMatch:
    """Return whether `industry` is the ICP's, next to it, or neither.

    Every industry the text names is tried, so "Healthcare SaaS" fits a SaaS ICP; a name
    outside the vocabulary fits when its normalised text equals one of the ICP's. A blank
    industry or an empty ICP is "none".
    """
    tokens = _industry_tokens(industry)
    if not tokens:
        return IndustryMatch("none", None)
    keys = _industry_keys(industry)
    umbrellas = ("manufacturing",) if _MAKER_WORDS.intersection(tokens) else ()
    candidates = (*keys, *umbrellas, " ".join(tokens))
    for candidate in candidates:
        if candidate in icp.exact:
            return IndustryMatch("exact", candidate)
    for candidate in candidates:
        if candidate in icp.adjacent:
            return IndustryMatch("adjacent", candidate)
    return IndustryMatch("none", keys[0] if keys else None)
