"""Industry names: which LinkedIn V2 industries a text names, read by its head.

Names resolve onto LinkedIn Industry Codes V2 (`vocabulary.taxonomy`): the 434 V2 names, the
classic V1 names CRMs still export, CRM picklist values and synonyms, the last three data files
under `scoring/vocabularies/industries/`. Free text resolves by its head: in "Healthcare SaaS" or
"Furniture retail" the last industry named is the business, the words before it only narrow
it down within that industry's own branch of the hierarchy, never into another one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scoring.text import table
from scoring.versioning import VOCABULARY_DIR
from vocabulary import taxonomy
from vocabulary.text import fold as _fold

NAMES_DIR = VOCABULARY_DIR / "industries"
# LinkedIn's classic names, "<id> <V1 name>": LinkedIn kept each V1 id in V2.
V1_FILE = "linkedin_v1.txt"
# Other names, "<id> <V2 name>: name, name, ...". A name may name one industry only, across
# the V2 table and all these files: loading fails otherwise, naming both.
ALIAS_FILES = ("crm_picklists.txt", "synonyms.txt")
# Abbreviations that are ordinary words in running text name an industry only on their own.
WHOLE_TEXT_FILE = "whole_text.txt"
TEAM_FUNCTIONS_FILE = "team_functions.txt"

# Words after a function that make it a team ("finance teams", "HR leaders")...
_FUNCTION_FOLLOWERS = frozenset(
    table("team, department, dept, leader, function, professional, org, ops, manager, head")
)
# ...and words before it that make it someone's remit ("Heads of Marketing", "VP Finance").
_FUNCTION_LEADERS = frozenset(
    table(
        "head, vp, vps, director, manager, leader, lead, chief, officer, team, cmo, cto, cfo, chro"
    )
)
# Words that end the noun phrase naming the business: "Software for hospitals" is software.
_PREPOSITIONS = frozenset(
    table("for, in, at, to, with, from, by, on, serving, across, within, into")
)
# Words joining two names: each side of "Hospitals and clinics" is a business of its own.
_CONNECTORS = frozenset({"and", "or", "&", ",", "/", "+", ";", "|"})
# Words too generic to narrow an industry down ("Food and Beverage Services" vs "food").
_GENERIC = frozenset(table("service, product, company, business, industry, provider, other"))

_TOKEN = re.compile(r"[a-z0-9]+|[&,/+;|]")
_LINE = re.compile(r"^(\d+) ([^:]+?)(?::\s*(.*))?$")


def _singular(word: str) -> str:
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "as")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    """Folded, singular words of `text`, with "and", "&", "," and "/" kept as connectors."""
    return tuple(_singular(token) for token in _TOKEN.findall(_fold(text)))


def _key(tokens: Iterable[str]) -> tuple[str, ...]:
    return tuple(token for token in tokens if token not in _CONNECTORS)


def _read_lines(path: Path, *, v1: bool = False) -> list[tuple[int, int, str]]:
    """Return (line number, id, names) per entry of a vocabulary file.

    Checks that each id is a V2 industry and, except in the V1 file (whose name is the
    alias), that the name beside it is that industry's V2 name. Lines starting with spaces
    continue the entry above; "#" starts a comment line.
    """
    entries: list[tuple[int, int, str]] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw[0].isspace() and entries:
            line, key, text = entries[-1]
            entries[-1] = (line, key, f"{text} {raw.strip()}")
            continue
        match = _LINE.match(raw.strip())
        if not match:
            raise ValueError(f"{path.name}:{number}: expected '<id> <name>[: names]'")
        key, name, text = int(match[1]), match[2], match[3] or ""
        industry = taxonomy.INDUSTRIES.get(key)
        if industry is None or (not v1 and industry.name != name):
            raise ValueError(f"{path.name}:{number}: {key} is not the V2 industry {name!r}")
        entries.append((number, key, name if v1 else text))
    return entries


def _add(
    vocabulary: dict[tuple[str, ...], int], alias: str, key: int, where: str, errors: list[str]
) -> None:
    tokens = _key(_tokens(alias))
    if tokens and vocabulary.setdefault(tokens, key) != key:
        other = taxonomy.INDUSTRIES[vocabulary[tokens]].name
        errors.append(f"{where}: {alias.strip()!r} already names {other!r}")


def _build_vocabulary() -> dict[tuple[str, ...], int]:
    vocabulary: dict[tuple[str, ...], int] = {}
    errors: list[str] = []
    for item in taxonomy.INDUSTRIES.values():
        _add(vocabulary, item.name, item.id, "industry_codes.json", errors)
    for name in (V1_FILE, *ALIAS_FILES):
        for number, key, text in _read_lines(NAMES_DIR / name, v1=name == V1_FILE):
            for alias in text.split(","):
                _add(vocabulary, alias, key, f"{name}:{number}", errors)
    if errors:
        raise ValueError("ambiguous industry names:\n" + "\n".join(errors))
    # "health care" is also written "healthcare", "e commerce" "ecommerce".
    for tokens, key in list(vocabulary.items()):
        if len(tokens) > 1:
            vocabulary.setdefault(("".join(tokens),), key)
    return vocabulary


def _build_whole_text() -> dict[tuple[str, ...], int]:
    return {
        _key(_tokens(alias)): key
        for _, key, text in _read_lines(NAMES_DIR / WHOLE_TEXT_FILE)
        for alias in text.split(",")
    }


_VOCABULARY = _build_vocabulary()
_WHOLE_TEXT = _build_whole_text()
_TEAM_FUNCTIONS = frozenset(
    _key(_tokens(name))
    for line in (NAMES_DIR / TEAM_FUNCTIONS_FILE).read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for name in line.split(",")
    if name.strip()
)
_FUNCTION_FOLLOWERS_TUPLES = frozenset((word,) for word in _FUNCTION_FOLLOWERS)
_FUNCTION_LEADERS_TUPLES = frozenset((word,) for word in _FUNCTION_LEADERS)
# The longest name starting with each word: most words start none, and are skipped at once.
_LONGEST_FROM: dict[str, int] = {}
for _words in sorted(_VOCABULARY, key=len):
    _LONGEST_FROM[_words[0]] = len(_words)
# Each industry's name words, to narrow a head down by the words before it.
_NAME_WORDS = {
    key: frozenset(_key(_tokens(item.name))) - _GENERIC for key, item in taxonomy.INDUSTRIES.items()
}


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    key: int
    skipped: bool  # a team's function in a use case ("marketing teams"), not a target


def _spans(tokens: tuple[str, ...], *, skip_functions: bool) -> list[_Span]:
    """Return non-overlapping vocabulary matches, the longest at each position first.

    Connectors inside a name are skipped ("Oil & Gas" is "Oil and Gas"), so names are
    looked up among the words alone, then mapped back to their place in `tokens`.
    """
    places = [index for index, token in enumerate(tokens) if token not in _CONNECTORS]
    words = tuple(tokens[index] for index in places)
    spans: list[_Span] = []
    first = 0
    while first < len(words):
        longest = _LONGEST_FROM.get(words[first], 0)
        for last in range(min(len(words), first + longest), first, -1):
            key = _VOCABULARY.get(words[first:last])
            if key is None:
                continue
            start, end = places[first], places[last - 1] + 1
            before = tokens[max(0, start - 2) : start]
            skipped = (
                skip_functions
                and words[first:last] in _TEAM_FUNCTIONS
                and (
                    tokens[end : end + 1] in _FUNCTION_FOLLOWERS_TUPLES
                    or before[-1:] in _FUNCTION_LEADERS_TUPLES
                    or (before[-1:] == ("of",) and before[:1] in _FUNCTION_LEADERS_TUPLES)
                )
            )
            spans.append(_Span(start, end, key, skipped))
            first = last - 1
            break
        first += 1
    return spans


def _narrow(head: int, modifiers: list[_Span], words: set[str]) -> int:
    """Return the industry within `head`'s branch that the modifiers name, else `head`."""
    below = taxonomy.descendants(head)
    for span in reversed(modifiers):
        if span.key in below:
            return span.key
    words = words - _GENERIC
    best, best_rank = head, (0, 0)
    for key in below if words else ():
        shared = len(words & _NAME_WORDS[key])
        rank = (shared, -taxonomy.INDUSTRIES[key].depth)
        if shared and rank > best_rank:
            best, best_rank = key, rank
    return best


def _conjuncts(tokens: tuple[str, ...], covered: set[int]) -> list[list[tuple[int, int]]]:
    """Split `tokens` into phrases at prepositions, and each phrase into conjuncts (ranges)."""
    phrases: list[list[tuple[int, int]]] = [[]]
    start = 0
    for index, token in enumerate(tokens):
        if index in covered or not (token in _CONNECTORS or token in _PREPOSITIONS):
            continue
        phrases[-1].append((start, index))
        start = index + 1
        if token in _PREPOSITIONS:
            phrases.append([])
    phrases[-1].append((start, len(tokens)))
    return phrases


def _phrase_heads(
    tokens: tuple[str, ...], spans: list[_Span], conjuncts: list[tuple[int, int]]
) -> list[int]:
    """Return the head industry of each conjunct of one phrase, narrowed by its modifiers.

    "Hospitals and clinics" has two heads. In "Furniture and home furnishings retail" the
    last conjunct is a head with modifiers, so the bare names before it modify that same
    head, as in English: one retailer, not furniture makers and retailers.
    """
    parsed: list[tuple[_Span, list[_Span], set[str]] | None] = []
    for start, stop in conjuncts:
        inner = [span for span in spans if start <= span.start < stop and not span.skipped]
        if not inner:
            parsed.append(None)
            continue
        head = inner[-1]
        # "Industrial manufacturers": a modifier naming the head itself narrows nothing.
        lineage = {head.key, *taxonomy.ancestors(head.key)}
        same = {i for span in inner if span.key in lineage for i in range(span.start, span.end)}
        words = set(_key(tokens[i] for i in range(start, head.start) if i not in same))
        parsed.append((head, inner[:-1], words))
    last = parsed[-1] if parsed else None
    if last is not None and len(parsed) > 1 and (last[1] or last[2]):
        bare = [item for item in parsed[:-1] if item is not None and not item[1] and not item[2]]
        for head, _, _ in bare:
            last[1].insert(0, head)
            last[2].update(_key(tokens[head.start : head.end]))
        parsed = [item for item in parsed if item is not None and item not in bare]
    return [_narrow(head.key, modifiers, words) for head, modifiers, words in filter(None, parsed)]


def _heads(tokens: tuple[str, ...], *, use_case: bool) -> list[int]:
    """Return the industry each noun phrase of `tokens` is headed by, in reading order.

    A lead's industry is read up to the first phrase that names one ("Software for
    hospitals" is software); a use case is read whole ("Marketing teams at SaaS companies"
    is SaaS, the marketing team being a function there).
    """
    spans = _spans(tokens, skip_functions=use_case)
    covered = {index for span in spans for index in range(span.start, span.end)}
    heads: list[int] = []
    for conjuncts in _conjuncts(tokens, covered):
        heads.extend(_phrase_heads(tokens, spans, conjuncts))
        if heads and not use_case:
            break
    return list(dict.fromkeys(heads))


@lru_cache(maxsize=65536)
def industry_ids(text: str) -> tuple[int, ...]:
    """Return the V2 ids `text` names as a business, the main one first (empty if none).

    A whole name (V2, V1, CRM picklist, synonym) or a V2 id gives its industry; free text
    gives the head of each name it joins with "and", "&" or ",", read up to a preposition.
    """
    tokens = _tokens(text)
    whole = _key(tokens)
    if not whole:
        return ()
    if len(whole) == 1 and whole[0].isdigit() and int(whole[0]) in taxonomy.INDUSTRIES:
        return (int(whole[0]),)
    if whole in _VOCABULARY:
        return (_VOCABULARY[whole],)
    if whole in _WHOLE_TEXT:
        return (_WHOLE_TEXT[whole],)
    return tuple(_heads(tokens, use_case=False))


def canonical_industry(text: str) -> int | None:
    """Return the V2 id of the industry `text` names as a business, or None."""
    ids = industry_ids(text)
    return ids[0] if ids else None


def normalised(text: str) -> str:
    """Return `text` as matched when it names no known industry: folded singular words."""
    return " ".join(_key(_tokens(text)))


def use_case_industries(text: str) -> list[int]:
    """Return the industries a use case names as businesses, not as team functions."""
    return _heads(_tokens(text), use_case=True)
