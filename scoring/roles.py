"""Role relevance: how much buying power a job title carries, read word by word."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from scoring.text import fold as _fold
from scoring.text import table as _table

RoleLevel = Literal["decision_maker", "influencer", "none"]


@dataclass(frozen=True, slots=True)
class RoleMatch:
    """How much buying power a job title carries, and the words that decided it."""

    level: RoleLevel
    evidence: str


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
