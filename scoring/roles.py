"""Role relevance: how much buying power a job title carries, read word by word."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from scoring.role_words import (
    ADJECTIVE,
    ADVISORY,
    BODY,
    CHIEF,
    CLOSES,
    COMPLEMENT_WORDS,
    CONJUNCTIONS,
    DEMOTE,
    DM,
    HARD,
    IC,
    INF,
    LONGEST_ROLE_PHRASE,
    MEMBER,
    NOW,
    OWNER_COMPLEMENTS,
    PARTNER,
    PAST,
    PHRASE_STARTS,
    ROLE_VOCABULARY,
    SENIOR,
    SERVED_COMPLEMENTS,
    SUPPORT,
    fold_word,
    word_entry,
)
from vocabulary.text import fold as _fold

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
# What each word means (vocabulary files, compounds, typos) is scoring.role_words's concern.

_LEVEL_NAMES: dict[int, RoleLevel] = {DM: "decision_maker", INF: "influencer", IC: "none"}

# Job-seeking and retirement describe the person, not one of several roles: the whole title
# counts as none ("CEO | Open to work", "Retired CFO").
_JOB_STATUS = re.compile(
    r"\b(?:retired|retiree|pensioner|pensionad[oa]|pensionista|jubilad[oa]|aposentad[oa]"
    r"|retraitee?|rentner(?:in)?|ruhestand|pensionaer|pensionar|gepensioneerd|in pensione"
    r"|unemployed|arbeitslos|arbeitssuchend|werkzoekend|desemplead[oa]|desempregad[oa]"
    r"|disoccupat[oa]|chomeur|chomeuse|jobsuche|job (?:seeker|seeking|hunting|hunter|search)"
    r"|open to (?:new )?(?:work|opportunit(?:y|ies)|roles?|positions?)"
    r"|(?:looking|seeking|searching|exploring) (?:for )?(?:a |an |my )?(?:new |next )?"
    r"(?:opportunit(?:y|ies)|roles?|positions?|jobs?|employment|work)"
    r"|between (?:jobs|roles|positions)|career break|en recherche d emploi"
    r"|buscando (?:empleo|trabajo|oportunidades)|em busca de (?:oportunidades|emprego))\b"
)
# German marks a retired title "a.D." (außer Dienst): "Direktor a.D." holds no role today.
_GERMAN_RETIRED = re.compile(r"\ba\.\s?D\.")
# "Geschäfts- und Betriebsleitung", "Import- en exportmanager": the first word shares the
# second's head, so only the second is read.
_SHARED_HEAD = re.compile(r"\b[^\W\d_]+-\s*(?:(?i:und|oder|and|or|en|et|y|e|u)\s|[&/]\s*)(?=\w)")
# "V.P." and "C.E.O." would otherwise fall apart into single letters.
_DOTTED_ABBREVIATION = re.compile(r"\b[A-Za-z](?:\.[A-Za-z])+\b\.?")
# A word keeps a gender ending written with a mark ("Leiter:in", "Manager*in", "Leiter(in)",
# "Trainer_in", "Berater/-in"), and short letters joined by "&" stay one name ("R&D", "P&L").
_TITLE_TOKEN = re.compile(
    r"(?P<word>\b[^\W\d_]{1,3}&[^\W\d_]{1,3}\b"
    r"|[^\W_]+(?:(?:[:*_]|/-?)in(?:nen)?\b|\(-?in\))?)"
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


def _units(text: str) -> tuple[list[_Unit], list[tuple[str, int, int]]]:
    """Tokenise `text` into vocabulary units; also return the folded words with their spans."""
    tokens: list[tuple[str, str, int, int]] = []
    for match in _TITLE_TOKEN.finditer(text):
        kind = match.lastgroup or ""
        if kind == "word":
            folded = fold_word(match.group())
            if folded:
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
        longest = min(LONGEST_ROLE_PHRASE, run_end - index) if value in PHRASE_STARTS else 1
        for size in range(longest, 1, -1):
            phrase = tuple(token[1] for token in tokens[index : index + size])
            entry = ROLE_VOCABULARY.get(phrase)
            if entry is not None:
                level, mod = entry
                units.append(_Unit("word", level, mod, start, tokens[index + size - 1][3]))
                index += size
                break
        else:
            if value in CONJUNCTIONS:
                units.append(_Unit("weak", None, None, start, end))
            elif value in COMPLEMENT_WORDS:
                units.append(_Unit("complement", None, None, start, end))
            else:
                level, mod = word_entry(value)
                units.append(_Unit("word", level, mod, start, end))
            index += 1
    return units, words


@dataclass(frozen=True, slots=True)
class _Verdict:
    level: int
    evidence: str


def _board_verdict(segment: list[_Unit], text: str) -> _Verdict | None:
    """A member of a governing body decides, wherever the body is named in the segment."""
    members = [unit for unit in segment if unit.mod == MEMBER]
    if not members:
        return None
    after = segment[segment.index(members[0]) + 1 :]
    if any(unit.level is not None and unit.mod not in (BODY, MEMBER) for unit in after):
        return None  # "Member Management Specialist": the member is the function
    bodies = [unit for unit in segment if unit.mod == BODY]
    if not bodies or any(unit.mod == ADVISORY for unit in segment):
        return None
    start = min(members[0].start, bodies[0].start)
    end = max(members[0].end, bodies[0].end)
    return _Verdict(DM, text[start:end])


def _segment_verdict(segment: list[_Unit], text: str) -> _Verdict | None:
    head_part: list[_Unit] = []
    for unit in segment:
        if unit.kind == "complement":
            break
        head_part.append(unit)
        if unit.mod == CLOSES:
            break
    if not head_part:
        return None

    for unit in head_part:
        if unit.mod == HARD:
            return _Verdict(IC, text[unit.start : unit.end])
    board = _board_verdict(segment, text)
    if board is not None:
        return board

    head: _Unit | None = None
    head_end = 0
    for unit in head_part:
        if unit.level is None:
            continue
        if head is not None and head.mod == CHIEF and unit.level in (IC, INF):
            # "Chief Executive Officer", "Chief Architect": the words after "Chief" belong to it.
            head_end = unit.end
            continue
        if head is not None and unit.mod == ADJECTIVE and (head.level or IC) >= INF:
            continue  # "Director Commercial Operations": the function, not a second head
        head, head_end = unit, unit.end
    if head is not None and head.mod == PARTNER and not _owning_partner(head, head_part):
        head = _Unit(head.kind, IC, None, head.start, head.end)

    seniors = [u for u in head_part if u.mod == SENIOR and u is not head]
    demoters = [u for u in head_part if u.mod == DEMOTE and u is not head]
    if head is None:
        # A grade qualifies what follows it ("Senior Sales"); last, it is a noun ("Wait Staff").
        leading = [u for u in seniors if u is not head_part[-1]]
        if leading:
            return _Verdict(INF, text[leading[0].start : leading[0].end])
        if seniors and _fold(text[seniors[0].start : seniors[0].end]) in ("senior", "sr", "snr"):
            return _Verdict(INF, text[seniors[0].start : seniors[0].end])
        return None

    level = max(head.level or IC, IC)
    used = [head]
    if head.level == IC and seniors and not demoters:
        level = INF
        used.append(seniors[0])
    if demoters:
        level = max(level - 1, IC)
        used.append(demoters[0])
    start = min(unit.start for unit in used)
    end = max(head_end, *(unit.end for unit in used))
    return _Verdict(level, text[start:end])


def _owning_partner(partner: _Unit, head_part: list[_Unit]) -> bool:
    """Whether "Partner" names an owner: last in its segment, with no function word before it."""
    position = head_part.index(partner)
    if position + 1 < len(head_part):
        return False  # "Partner Management", "Partner Sales"
    before = head_part[position - 1] if position else None
    return before is None or before.level is not None or before.mod is not None


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

    Words match whole ("CTO" never inside "Director"), in English, German, French, Spanish,
    Portuguese, Dutch and Italian; German and Dutch compounds are read by their head
    ("Vertriebsleiter", "Qualitätsmanager", "Afdelingshoofd"), gender endings and one typo in a
    long role word are forgiven. The evidence is the title's deciding words ("VP", "Head of",
    "Assistant"), empty for a blank or unrecognised title. Decisions worth knowing: a modifier
    ("Assistant", "Associate", "Junior", "Deputy", "adjoint") lowers the role it modifies one
    level ("Assistant Director" is an influencer, "Assistant Manager" none), also across "&"
    ("Junior Content & CRM Manager"); a member of a governing body decides ("Member of the
    Board", "Mitglied der Geschäftsleitung"), of an advisory one not; a past or aspiring marker
    ("Former", "Ex-", "Aspiring") cancels the roles after it in its clause; retirement and
    job-seeking make the whole title none; people served come after a complement and never
    count ("Assistant to the CEO & Founder" is none, "Chief of Staff to the CEO" an influencer);
    "AVP" and "Assistant Vice President" stay decision makers, as the spec lists AVPs among VPs.
    """
    text = _DOTTED_ABBREVIATION.sub(lambda m: m.group().replace(".", ""), title.strip())
    if "-" in text:
        text = _SHARED_HEAD.sub(lambda m: " " * len(m.group()), text)
    units, words = _units(text)
    if not words:
        return RoleMatch("none", "")
    status = _status_evidence(words, text)
    if status is not None:
        return RoleMatch("none", status)
    retired = _GERMAN_RETIRED.search(title) if "D." in title else None
    if retired is not None:
        return RoleMatch("none", retired.group())

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
    if complement in SERVED_COMPLEMENTS:
        return True
    heads = [unit.level for unit in segment if unit.level is not None and unit.kind == "word"]
    return complement in OWNER_COMPLEMENTS and bool(heads) and heads[-1] == SUPPORT


def _add_clause_verdicts(clause: list[list[_Unit]], text: str, verdicts: list[_Verdict]) -> None:
    past: _Unit | None = None
    carried: list[_Unit] = []  # a grade with no role of its own qualifies the next segment
    for segment in clause:
        if not segment:
            continue
        if any(unit.mod == NOW for unit in segment):
            past = None
        markers = [unit for unit in segment if unit.mod == PAST]
        if markers:
            past = markers[0]
            if verdicts and all(unit.mod in (PAST, NOW) for unit in segment):
                # A trailing "(former)" or "- ex" marks the role just before it.
                verdicts[-1] = _Verdict(IC, text[past.start : past.end])
        if past is not None:
            verdicts.append(_Verdict(IC, text[past.start : past.end]))
            continue
        verdict = _segment_verdict([*carried, *segment], text)
        if verdict is not None:
            verdicts.append(verdict)
            carried = []
        elif all(unit.level is None for unit in segment):
            # "Junior Content & CRM Manager": the grade before "&" applies across it.
            carried = [unit for unit in segment if unit.mod == DEMOTE]
