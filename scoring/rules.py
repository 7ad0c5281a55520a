"""The rule layer: role relevance, industry fit and completeness as points with reasons."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from scoring.facts import LEAD_FIELDS, LeadFacts, OfferFacts

# Stored with every score so a result can be traced to the rules that produced it; bump it
# whenever a point value, vocabulary entry or structural rule below changes.
RULES_VERSION = "2026.11.2"

# The spec's rule layer: role relevance is worth up to 20 of the 50 rule points.
ROLE_POINTS = {"decision_maker": 20, "influencer": 10, "none": 0}
# The spec's rule layer: an exact ICP industry is worth 20, a neighbouring one half of that.
INDUSTRY_POINTS = {"exact": 20, "adjacent": 10, "none": 0}
# The spec's rule layer: a fully filled-in lead is worth 10.
COMPLETENESS_POINTS = 10

# Reasons are shown to users next to each lead; long free text would drown the verdict.
REASON_QUOTE_CHARS = 60

RoleLevel = Literal["decision_maker", "influencer", "none"]
FitLevel = Literal["exact", "adjacent", "none"]


@dataclass(frozen=True, slots=True)
class RoleMatch:
    """How much buying power a job title carries, and the words that decided it."""

    level: RoleLevel
    evidence: str


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
# Text helpers shared by both vocabularies.


def _fold(text: str) -> str:
    """Lower-case `text` and drop accents, so "Geschäftsführer" and "Gerant" meet their tables."""
    # casefold before NFKD: "ß" only becomes "ss" through casefold, NFKD alone would drop it.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _table(text: str) -> tuple[str, ...]:
    """Split a comma-separated vocabulary string into folded entries."""
    return tuple(_fold(" ".join(entry.split())) for entry in text.split(",") if entry.strip())


def _clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= REASON_QUOTE_CHARS:
        return text
    return text[: REASON_QUOTE_CHARS - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------
# Role relevance.
#
# A title is cut into clauses at strong separators ("|", ",", " - ", brackets) and each clause
# into segments at weak ones ("&", "/", "and"): "CEO & Founder | Board Member" holds three roles
# and the strongest wins. Inside a segment the head is the last role word before the first
# complement word ("of", "to", "for", "at", "de"...): English puts the head last ("Sales
# Director", "CEO Assistant") and every language puts the people a role serves after a
# complement ("Assistant to the CEO", "Office Manager for the Founder", "Asistente del Director").

_DM, _INF, _IC, _SUPPORT = 2, 1, 0, -1
_LEVEL_NAMES: dict[int, RoleLevel] = {_DM: "decision_maker", _INF: "influencer", _IC: "none"}

# Modifier kinds a vocabulary entry can carry besides (or instead of) a head level.
_SENIOR = "senior"  # lifts an individual contributor to influencer: "Staff Engineer"
_DEMOTE = "demote"  # lowers the head one level: "Assistant Director" -> influencer
_HARD = "hard"  # in training, not in a role: the segment counts as none whatever follows
_PAST = "past"  # not a current role: "Former CEO", "Aspiring PM"
_NOW = "now"  # ends a _PAST run: "Former CEO, now Advisor"
_CHIEF = "chief"  # "Chief <anything> Officer": swallows the individual-contributor words after it
_CLOSES = "closes"  # "Head of": what follows is the function, never a second head

# Buying authority: C-suite, founders and owners, presidents, partners, VPs, heads, directors,
# general managers, and their French, German, Spanish and Portuguese equivalents.
_DECISION_MAKERS = _table(
    """
    ceo, cto, cfo, coo, cmo, cro, cio, cpo, ciso, cdo, cso, cco, chro, cxo, cao, clo, cgo, cbo,
    cno, cpto, founder, cofounder, co founder, owner, business owner, owner operator, proprietor,
    entrepreneur, president, chairman, chairwoman, chairperson, chair, board member,
    member of the board, partner, managing partner, general partner, vp, svp, evp, avp, sevp, vpe,
    vice president, vicepresident, assistant vice president, associate vice president,
    director, dir, directors, gm, general manager, managing director, general counsel,
    editor in chief,
    pdg, dg, directeur, directrice, directeur general, directrice generale,
    president directeur general, fondateur, fondatrice,
    cofondateur, cofondatrice, gerant, gerante, associe, associee, proprietaire,
    chef d entreprise, chef de entreprise,
    geschaftsfuhrer, geschaftsfuhrerin, geschaeftsfuehrer, geschaeftsfuehrerin, vorstand,
    vorstands, vorstandsvorsitzender, vorstandsvorsitzende, vorsitzender, vorsitzende,
    inhaber, inhaberin, firmeninhaber, eigentumer, grunder, grunderin, gruender, gruenderin,
    mitgrunder, mitgrunderin, mitgruender, unternehmer, unternehmerin, gesellschafter,
    gesellschafterin, direktor, direktorin, prasident, prasidentin, leiter, leiterin,
    aufsichtsrat,
    director general, directora, presidente, presidenta, vicepresidente, fundador, fundadora,
    cofundador, cofundadora, dueno, duena, propietario, propietaria, socio, socia, empresario,
    empresaria, gerente general, consejero delegado,
    diretor, diretora, gerente geral, proprietario, proprietaria, dono, empresaria
    """
)
# Heads that act on a purchase without owning the budget: managers, leads, senior ICs' bosses.
_INFLUENCERS = _table(
    """
    manager, managers, mgr, mngr, managerin, lead, leader, team lead, tech lead, teamlead,
    techlead, supervisor, supervisora, architect, chief of staff, product owner, process owner,
    service owner, data owner, system owner, account owner, controller, comptroller, treasurer,
    principal, head chef, managing consultant,
    responsable, chef, chef de projet, chef de produit, chef d equipe,
    teamleiter, teamleiterin, projektleiter, projektleiterin, gruppenleiter, gruppenleiterin,
    prokurist, prokuristin,
    gerente, jefe, jefa, encargado, encargada, subdirector, subdirectora, gestor, gestora
    """
)
# Individual contributors: no buying role alone, but "Senior"/"Staff"/"Principal" lift them,
# and naming them lets a head word used as a modifier lose ("CEO Coach", "Founder Associate").
# "Staff" is a senior grade on technical ladders only: a Staff Accountant is an entry grade.
_CONTRIBUTORS = _table(
    """
    engineer, developer, programmer, consultant, analyst, specialist, representative, rep,
    agent, associate, executive, exec, officer, advisor, adviser, coach, trainer, designer,
    scientist, researcher, accountant, recruiter, administrator, admin, technician, writer,
    editor, marketer, strategist, planner, buyer, seller, salesperson, teacher, professor,
    lecturer, nurse, physician, doctor, lawyer, attorney, counsel, paralegal, auditor,
    generalist, expert, evangelist, advocate, ambassador, freelancer, contractor, employee,
    member, volunteer, business partner, sdr, bdr, operator,
    staff accountant, staff auditor, staff attorney, staff nurse, staff pharmacist,
    staff writer, staff member, staff consultant,
    ingenieur, ingeniero, ingeniera, engenheiro, engenheira, consultor, consultora, analista,
    vendedor, vendedora, berater, beraterin, entwickler, entwicklerin, mitarbeiter,
    mitarbeiterin, referent, referentin, sachbearbeiter, sachbearbeiterin, ejecutivo, ejecutiva,
    executivo, executiva, commercial, commerciale, charge, chargee, desarrollador,
    desenvolvedor
    """
)
# Support roles keep no buying role even when senior ("Senior Executive Assistant").
_SUPPORT_ROLES = _table(
    """
    secretary, receptionist, coordinator, clerk, ea, pa, office assistant, secretaire,
    sekretar, sekretarin, coordinateur, coordinatrice, koordinator, koordinatorin, coordinador,
    coordinadora, coordenador, coordenadora, auxiliar, recepcionista
    """
)
# Assistant and associate words both name a support role and lower the role they modify.
_DEMOTING_ROLES = _table(
    """
    assistant, asst, assistante, assistent, assistentin, assistente, asistente
    """
)
_DEMOTERS = _table("junior, jr, adjoint, adjointe, sub")
# Senior individual contributors influence tooling choices; "head" as a modifier ("Head
# Engineer") reads the same way, and so do a startup's first hires ("Founding Engineer").
_SENIORITY = _table("senior, sr, snr, staff, principal, lead, head, founding")
# People in training or study: whatever they are called, they hold no buying role yet.
_IN_TRAINING = _table(
    """
    intern, internship, student, studentin, werkstudent, werkstudentin, working student,
    trainee, apprentice, apprenticeship, graduate, undergraduate, undergrad, phd candidate,
    mba candidate, doctoral candidate, estudiante, estudante, etudiant, etudiante, stagiaire,
    alternant, alternante, apprenti, apprentie, estagiario, estagiaria, becario, becaria,
    pasante, practicante, praktikant, praktikantin, azubi, auszubildender, auszubildende
    """
)
# Past or future roles do not buy today.
_NOT_CURRENT = _table(
    """
    former, formerly, ex, previously, previous, past, prior, ehemalig, ehemaliger, ehemalige,
    ancien, ancienne, antiguo, antigua, aspiring, future, wannabe, prospective, angehender,
    angehende
    """
)
_CURRENT = _table("now, currently, current, actualmente, atualmente, actuellement, derzeit")
# "Lead" as the object of the work ("Lead Generation Specialist") is no leading role.
_LEAD_AS_OBJECT = _table(
    """
    lead generation, lead gen, lead qualification, lead nurturing, lead management,
    lead scoring, lead research, lead sourcing, lead routing
    """
)
# Complements: what follows one names the function, the employer or the person served.
_COMPLEMENT_WORDS = frozenset(
    _table(
        """
        of, to, for, at, de, del, della, d, du, des, da, do, das, dos, der, den, fur, bei,
        chez, para, pour, in, with, within, en, from
        """
    )
)
# After these, "&" and "and" join the people served, not a second role of one's own: "Assistant
# to the CEO & Founder", "Asistente del Director y Fundador".
_SERVED_COMPLEMENTS = frozenset(_table("to, for, fur, para, pour"))
_OWNER_COMPLEMENTS = frozenset(_table("of, de, del, della, d, du, des, da, do, das, dos, der"))
# Conjunctions join two roles exactly like "&" does.
_CONJUNCTIONS = frozenset(_table("and, und, et, y, e"))
# Compound German titles end in "-leiter"; team-level ones lead people, not a function.
_TEAM_LEITER_PREFIXES = ("team", "projekt", "gruppen", "schicht", "bau", "kolonnen")


def _build_role_vocabulary() -> dict[tuple[str, ...], tuple[int | None, str | None]]:
    vocabulary: dict[tuple[str, ...], tuple[int | None, str | None]] = {}

    def add(entries: tuple[str, ...], level: int | None, mod: str | None) -> None:
        for entry in entries:
            vocabulary[tuple(entry.split())] = (level, mod)

    add(_CONTRIBUTORS, _IC, None)
    add(_SENIORITY, None, _SENIOR)
    add(_INFLUENCERS, _INF, None)
    add(_DECISION_MAKERS, _DM, None)
    add(_SUPPORT_ROLES, _SUPPORT, None)
    add(_DEMOTING_ROLES, _SUPPORT, _DEMOTE)
    add(_DEMOTERS, None, _DEMOTE)
    add(_IN_TRAINING, None, _HARD)
    add(_NOT_CURRENT, None, _PAST)
    add(_CURRENT, None, _NOW)
    add(_LEAD_AS_OBJECT, None, None)
    # Words that are both a head and a modifier; the later entry must not lose either half.
    vocabulary[("associate",)] = (_IC, _DEMOTE)
    vocabulary[("lead",)] = (_INF, _SENIOR)
    vocabulary[("principal",)] = (_INF, _SENIOR)
    vocabulary[("head",)] = (_DM, _SENIOR)
    vocabulary[("head", "of")] = (_DM, _CLOSES)
    vocabulary[("chief",)] = (_DM, _CHIEF)
    return vocabulary


_ROLE_VOCABULARY = _build_role_vocabulary()
_LONGEST_ROLE_PHRASE = max(len(key) for key in _ROLE_VOCABULARY)

# Job-seeking and retirement describe the person, not one of several roles: the whole title
# counts as none ("CEO | Open to work", "Retired CFO").
_JOB_STATUS = re.compile(
    r"\b(?:retired|retiree|pensioner|pensionad[oa]|pensionista|jubilad[oa]|aposentad[oa]"
    r"|retraitee?|rentner(?:in)?|unemployed|arbeitslos|arbeitssuchend|desemplead[oa]"
    r"|desempregad[oa]|chomeur|chomeuse|jobsuche|job (?:seeker|seeking|hunting|hunter|search)"
    r"|open to (?:new )?(?:work|opportunit(?:y|ies)|roles?|positions?)"
    r"|(?:looking|seeking|searching|exploring) (?:for )?(?:a |an |my )?(?:new |next )?"
    r"(?:opportunit(?:y|ies)|roles?|positions?|jobs?|employment|work)"
    r"|between (?:jobs|roles|positions)|career break|en recherche d emploi"
    r"|buscando (?:empleo|trabajo|oportunidades)|em busca de (?:oportunidades|emprego))\b"
)
# "V.P." and "C.E.O." would otherwise fall apart into single letters.
_DOTTED_ABBREVIATION = re.compile(r"\b[A-Za-z](?:\.[A-Za-z])+\b\.?")
_TITLE_TOKEN = re.compile(
    r"(?P<word>[^\W_]+)"
    r"|(?P<strong>[|,;:()\[\]{}·•–—]|\s-+(?=\s|\w)|(?<=\w)-+\s)"
    r"|(?P<weak>[&/+])"
    r"|(?P<at>@)"
)


@dataclass(frozen=True, slots=True)
class _Unit:
    kind: str  # "word", "complement", "strong", "weak"
    level: int | None
    mod: str | None
    start: int
    end: int


def _word_entry(word: str) -> tuple[int | None, str | None]:
    entry = _ROLE_VOCABULARY.get((word,))
    if entry is not None:
        return entry
    # German compounds ("Vertriebsleiter", "Teamleiterin"); "Begleiter" is a companion.
    if word.endswith(("leiter", "leiterin")) and not word.endswith(("gleiter", "gleiterin")):
        return (_INF if word.startswith(_TEAM_LEITER_PREFIXES) else _DM), None
    return None, None


def _units(text: str) -> tuple[list[_Unit], list[tuple[str, int, int]]]:
    """Tokenise `text` into vocabulary units; also return the folded words with their spans."""
    tokens: list[tuple[str, str, int, int]] = []
    for match in _TITLE_TOKEN.finditer(text):
        kind = match.lastgroup or ""
        if kind == "word":
            folded = _fold(match.group())
            if not folded:
                continue
            tokens.append(("word", folded, match.start(), match.end()))
        else:
            tokens.append((kind, "", match.start(), match.end()))
    words = [(value, start, end) for kind, value, start, end in tokens if kind == "word"]

    units: list[_Unit] = []
    index = 0
    while index < len(tokens):
        kind, value, start, end = tokens[index]
        if kind != "word":
            units.append(_Unit("complement" if kind == "at" else kind, None, None, start, end))
            index += 1
            continue
        run_end = index
        while run_end < len(tokens) and tokens[run_end][0] == "word":
            run_end += 1
        for size in range(min(_LONGEST_ROLE_PHRASE, run_end - index), 1, -1):
            phrase = tuple(token[1] for token in tokens[index : index + size])
            entry = _ROLE_VOCABULARY.get(phrase)
            if entry is not None:
                level, mod = entry
                units.append(_Unit("word", level, mod, start, tokens[index + size - 1][3]))
                index += size
                break
        else:
            if value in _CONJUNCTIONS:
                units.append(_Unit("weak", None, None, start, end))
            elif value in _COMPLEMENT_WORDS:
                units.append(_Unit("complement", None, None, start, end))
            else:
                level, mod = _word_entry(value)
                units.append(_Unit("word", level, mod, start, end))
            index += 1
    return units, words


@dataclass(frozen=True, slots=True)
class _Verdict:
    level: int
    evidence: str


def _segment_verdict(segment: list[_Unit], text: str) -> _Verdict | None:
    head_part: list[_Unit] = []
    for unit in segment:
        if unit.kind == "complement":
            break
        head_part.append(unit)
        if unit.mod == _CLOSES:
            break
    if not head_part:
        return None

    for unit in head_part:
        if unit.mod == _HARD:
            return _Verdict(_IC, text[unit.start : unit.end])

    head: _Unit | None = None
    head_end = 0
    for unit in head_part:
        if unit.level is None:
            continue
        if head is not None and head.mod == _CHIEF and unit.level in (_IC, _INF):
            # "Chief Executive Officer", "Chief Architect": the words after "Chief" belong to it.
            head_end = unit.end
            continue
        head, head_end = unit, unit.end

    seniors = [u for u in head_part if u.mod == _SENIOR and u is not head]
    demoters = [u for u in head_part if u.mod == _DEMOTE and u is not head]
    if head is None:
        # A grade qualifies what follows it ("Senior Sales"); last, it is a noun ("Wait Staff").
        leading = [u for u in seniors if u is not head_part[-1]]
        if leading:
            return _Verdict(_INF, text[leading[0].start : leading[0].end])
        if seniors and _fold(text[seniors[0].start : seniors[0].end]) in ("senior", "sr", "snr"):
            return _Verdict(_INF, text[seniors[0].start : seniors[0].end])
        return None

    level = max(head.level or _IC, _IC)
    used = [head]
    if head.level == _IC and seniors and not demoters:
        level = _INF
        used.append(seniors[0])
    if demoters:
        level = max(level - 1, _IC)
        used.append(demoters[0])
    start = min(unit.start for unit in used)
    end = max(head_end, *(unit.end for unit in used))
    return _Verdict(level, text[start:end])


def _status_evidence(words: list[tuple[str, int, int]], text: str) -> str | None:
    joined = " ".join(word for word, _, _ in words)
    match = _JOB_STATUS.search(joined)
    if match is None:
        return None
    offsets: list[int] = []
    position = 0
    for word, _, _ in words:
        offsets.append(position)
        position += len(word) + 1
    first = max(i for i, offset in enumerate(offsets) if offset <= match.start())
    last = max(i for i, offset in enumerate(offsets) if offset < match.end())
    return text[words[first][1] : words[last][2]]


@lru_cache(maxsize=65536)
def classify_role(title: str) -> RoleMatch:
    """Return how much buying power `title` carries: decision maker, influencer or none.

    Words match whole ("CTO" never inside "Director"), in English, French, German, Spanish and
    Portuguese. The evidence is the title's deciding words ("VP", "Head of", "Assistant"), empty
    for a blank or unrecognised title. Decisions worth knowing: a modifier ("Assistant",
    "Associate", "Junior", "adjoint") lowers the role it modifies one level ("Assistant Director"
    is an influencer, "Assistant Manager" none); a past or aspiring marker ("Former", "Ex-",
    "Aspiring") cancels the roles after it in its clause; retirement and job-seeking make the
    whole title none; people served come after a complement and never count ("Assistant to the
    CEO & Founder" is none, "Chief of Staff to the CEO" an influencer); "AVP" and "Assistant
    Vice President" stay decision makers, as the spec lists AVPs among VPs.
    """
    text = _DOTTED_ABBREVIATION.sub(lambda m: m.group().replace(".", ""), title.strip())
    units, words = _units(text)
    if not words:
        return RoleMatch("none", "")
    status = _status_evidence(words, text)
    if status is not None:
        return RoleMatch("none", status)

    verdicts: list[_Verdict] = []
    clause: list[list[_Unit]] = [[]]
    served_from: int | None = None  # where the complement naming whom a role serves starts
    for unit in [*units, _Unit("strong", None, None, len(text), len(text))]:
        if unit.kind == "strong":
            _add_clause_verdicts(clause, text, verdicts)
            clause, served_from = [[]], None
        elif unit.kind == "weak":
            # "to the CEO & Founder" names two people served; "to startups & Founder" a new role.
            served = clause[-1][served_from:] if served_from is not None else []
            if not any(u.level is not None for u in served):
                clause.append([])
                served_from = None
        else:
            if (
                unit.kind == "complement"
                and served_from is None
                and _serves(clause[-1], _fold(text[unit.start : unit.end]))
            ):
                served_from = len(clause[-1])
            clause[-1].append(unit)

    best: _Verdict | None = None
    for verdict in verdicts:
        if best is None or verdict.level > best.level:
            best = verdict
    if best is None:
        return RoleMatch("none", "")
    return RoleMatch(_LEVEL_NAMES[best.level], best.evidence)


def _serves(segment: list[_Unit], complement: str) -> bool:
    """Whether the complement starting now names the people the segment's role works for."""
    if complement in _SERVED_COMPLEMENTS:
        return True
    heads = [unit.level for unit in segment if unit.level is not None and unit.kind == "word"]
    return complement in _OWNER_COMPLEMENTS and bool(heads) and heads[-1] == _SUPPORT


def _add_clause_verdicts(clause: list[list[_Unit]], text: str, verdicts: list[_Verdict]) -> None:
    past: _Unit | None = None
    for segment in clause:
        if not segment:
            continue
        if any(unit.mod == _NOW for unit in segment):
            past = None
        markers = [unit for unit in segment if unit.mod == _PAST]
        if markers:
            past = markers[0]
            if verdicts and all(unit.mod in (_PAST, _NOW) for unit in segment):
                # A trailing "(former)" or "- ex" marks the role just before it.
                verdicts[-1] = _Verdict(_IC, text[past.start : past.end])
        if past is not None:
            verdicts.append(_Verdict(_IC, text[past.start : past.end]))
            continue
        verdict = _segment_verdict(segment, text)
        if verdict is not None:
            verdicts.append(verdict)


# ---------------------------------------------------------------------------------------------
# Industry fit.

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
    if fit.level == "exact":
        return f"industry '{quoted}' matches the ICP '{icp.label}' (+{points})"
    if fit.level == "adjacent":
        return f"industry '{quoted}' is adjacent to the ICP '{icp.label}' (+{points})"
    return f"industry '{quoted}' is outside the ICP (+0)"


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
