"""Industry fit: which V2 industry a lead's free text names, and how it sits against an ICP.

Names resolve onto LinkedIn Industry Codes V2 (`scoring.taxonomy`): the 434 V2 names, the
classic V1 names CRMs still export, CRM picklist values and synonyms, all data files under
`scoring/vocabularies/industries/`. Free text resolves by its head: in "Healthcare SaaS" or
"Furniture retail" the last industry named is the business, the words before it only narrow
it down within that industry's own branch of the hierarchy, never into another one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from scoring import taxonomy
from scoring.facts import OfferFacts
from scoring.text import clip as _clip
from scoring.text import fold as _fold
from scoring.text import table

FitLevel = Literal["exact", "adjacent", "none"]
# How a match was found: the ICP's own industry, one inside it, or adjacent through a link.
LinkKind = Literal["same", "within", "parent", "sibling", "cross-link", "offer", "text"]
# A V2 id, or the normalised text of a name outside the vocabulary (matched as text).
IndustryKey = int | str

# Alias files in order of authority: a name in an earlier file cannot be redefined later.
ALIAS_FILES = ("linkedin_v1.txt", "crm_picklists.txt", "synonyms.txt")
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


@dataclass(frozen=True, slots=True)
class Link:
    """Why `key` is adjacent to the ICP industry `via` (with a curated link's reason).

    A link with `branch` covers everything below `key` too; otherwise only `key` itself.
    """

    key: IndustryKey
    kind: LinkKind
    via: IndustryKey
    reason: str = ""
    branch: bool = True


@dataclass(frozen=True, slots=True)
class Icp:
    """An offer's ideal customer profile: target industries and the links next to them."""

    exact: frozenset[IndustryKey]
    adjacent: frozenset[Link]
    label: str


@dataclass(frozen=True, slots=True)
class IndustryMatch:
    """How a lead's industry sits against an ICP.

    `canonical` is the lead's industry (a V2 id, or normalised text outside the vocabulary);
    `link` says how it matched, `via` the ICP industry it matched through and `how` the whole
    path in words ("Banking, within Credit Intermediation, a sibling of Capital Markets").
    """

    level: FitLevel
    canonical: IndustryKey | None
    link: LinkKind | None = None
    via: IndustryKey | None = None
    how: str = ""


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


def _read_lines(path: Path) -> list[tuple[int, int, str]]:
    """Return (line number, id, synonyms) per entry; checks each id names its V2 industry."""
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
            raise ValueError(f"{path.name}:{number}: expected '<id> <name>[: synonyms]'")
        key, name, text = int(match[1]), match[2], match[3] or ""
        if path.name != ALIAS_FILES[0] and (
            key not in taxonomy.INDUSTRIES or taxonomy.INDUSTRIES[key].name != name
        ):
            raise ValueError(f"{path.name}:{number}: {key} is not the V2 industry {name!r}")
        if path.name == ALIAS_FILES[0]:
            if key not in taxonomy.INDUSTRIES:
                raise ValueError(f"{path.name}:{number}: {key} is no V2 industry")
            text = name  # "<id> <V1 name>": the V1 name is the alias of the same V2 id
        entries.append((number, key, text))
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
    for name in ALIAS_FILES:
        for number, key, text in _read_lines(taxonomy.DATA_DIR / name):
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
        for _, key, text in _read_lines(taxonomy.DATA_DIR / WHOLE_TEXT_FILE)
        for alias in text.split(",")
    }


_VOCABULARY = _build_vocabulary()
_WHOLE_TEXT = _build_whole_text()
_TEAM_FUNCTIONS = frozenset(
    _key(_tokens(name))
    for line in (taxonomy.DATA_DIR / TEAM_FUNCTIONS_FILE).read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for name in line.split(",")
    if name.strip()
)
_FUNCTION_FOLLOWERS_TUPLES = frozenset((word,) for word in _FUNCTION_FOLLOWERS)
_FUNCTION_LEADERS_TUPLES = frozenset((word,) for word in _FUNCTION_LEADERS)
_LONGEST = max(len(tokens) for tokens in _VOCABULARY)
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
    """Return non-overlapping vocabulary matches, the longest at each position first."""
    spans: list[_Span] = []
    index = 0
    while index < len(tokens):
        if tokens[index] in _CONNECTORS:
            index += 1
            continue
        for end in range(min(len(tokens), index + 2 * _LONGEST), index, -1):
            if tokens[end - 1] in _CONNECTORS:
                continue
            key = _VOCABULARY.get(_key(tokens[index:end]))
            if key is None:
                continue
            before = tokens[max(0, index - 2) : index]
            skipped = (
                skip_functions
                and _key(tokens[index:end]) in _TEAM_FUNCTIONS
                and (
                    tokens[end : end + 1] in _FUNCTION_FOLLOWERS_TUPLES
                    or before[-1:] in _FUNCTION_LEADERS_TUPLES
                    or (before[-1:] == ("of",) and before[:1] in _FUNCTION_LEADERS_TUPLES)
                )
            )
            spans.append(_Span(index, end, key, skipped))
            index = end - 1
            break
        index += 1
    return spans


def _narrow(head: int, modifiers: list[_Span], words: set[str]) -> int:
    """Return the industry within `head`'s branch that the modifiers name, else `head`."""
    for span in reversed(modifiers):
        if head in taxonomy.ancestors(span.key):
            return span.key
    words = words - _GENERIC
    best, best_rank = head, (0, 0)
    for key, name_words in _NAME_WORDS.items():
        shared = len(words & name_words)
        if shared and head in taxonomy.ancestors(key):
            rank = (shared, -taxonomy.INDUSTRIES[key].depth)
            if rank > best_rank:
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
        inner = [span for span in spans if start <= span.start < stop]
        if not inner or inner[-1].skipped:
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


def industry_label(key: IndustryKey | None) -> str:
    """Return the V2 name of an id, or the text key itself."""
    if isinstance(key, int):
        return taxonomy.INDUSTRIES[key].name
    return key or ""


def _text_key(text: str) -> str:
    return " ".join(_key(_tokens(text)))


def _icp_keys(names: tuple[str, ...]) -> list[IndustryKey]:
    """Map offer-given names or V2 ids onto keys; unknown names stay as their normalised text."""
    keys: list[IndustryKey] = []
    for name in names:
        tokens = _tokens(name)
        whole = _key(tokens)
        ids = industry_ids(name) or tuple(_heads(tokens, use_case=True))
        if ids:
            keys.extend(ids)
        elif whole:
            keys.append(" ".join(whole))
    return list(dict.fromkeys(keys))


def _hierarchy_links(exact: Iterable[IndustryKey]) -> set[Link]:
    """Return the links of the ICP's V2 industries: the hierarchy's and the curated ones.

    Siblings are adjacent with everything below them; so, for symmetry, are the siblings of
    each ancestor, but only themselves (Capital Markets is next to Banking, whose parent,
    Credit Intermediation, is its sibling). Parents are adjacent, only themselves: a broader
    name that may or may not cover the ICP. Curated links of the industry or of an ancestor
    join the two branches.
    """
    links: set[Link] = set()
    for key in exact:
        if not isinstance(key, int):
            continue
        links.update(Link(sibling, "sibling", key) for sibling in taxonomy.siblings(key))
        for ancestor in taxonomy.ancestors(key):
            links.add(Link(ancestor, "parent", key, branch=False))
            links.update(
                Link(aunt, "sibling", ancestor, branch=False)
                for aunt in taxonomy.siblings(ancestor)
            )
        for node in (key, *taxonomy.ancestors(key)):
            links.update(
                Link(other, "cross-link", node, why) for other, why in taxonomy.cross_links(node)
            )
    return links


@lru_cache(maxsize=256)
def icp_for_offer(offer: OfferFacts) -> Icp:
    """Return the offer's ICP.

    `offer.icp_industries`, when given, are the exact industries (V2 names, ids, other names
    or free text; unknown names still match by their normalised text); otherwise the
    industries the use cases name as businesses. `offer.adjacent_industries`, when given,
    are the adjacent ones; otherwise each exact industry's parents, siblings and curated
    cross-links. An offer whose use cases name no known industry gets an empty ICP.
    """
    if offer.icp_industries:
        exact = _icp_keys(offer.icp_industries)
        label = ", ".join(" ".join(p.split()) for p in offer.icp_industries if p.strip())
    else:
        exact = []
        naming: list[str] = []
        for use_case in offer.ideal_use_cases:
            heads = _heads(_tokens(use_case), use_case=True)
            if heads:
                exact.extend(heads)
                naming.append(" ".join(use_case.split()))
        exact = list(dict.fromkeys(exact))
        label = ", ".join(naming)
    if offer.adjacent_industries:
        via = exact[0] if exact else ""
        links = {Link(key, "offer", via) for key in _icp_keys(offer.adjacent_industries)}
    else:
        links = _hierarchy_links(exact)
    links = {link for link in links if link.key not in exact}
    return Icp(frozenset(exact), frozenset(links), _clip(label))


# Which link explains an adjacency best when several do: the offer's word, then the curated
# reason, then the closest relative.
_LINK_ORDER: dict[LinkKind, int] = {"offer": 0, "cross-link": 1, "sibling": 2, "parent": 3}


def _exact(key: IndustryKey, via: IndustryKey, link: LinkKind) -> IndustryMatch:
    how = industry_label(key)
    if link == "within":
        how += f", within {industry_label(via)}"
    return IndustryMatch("exact", key, link, via, how)


def _adjacent(key: IndustryKey, link: Link) -> IndustryMatch:
    how = industry_label(key)
    if link.key != key:
        how += f", within {industry_label(link.key)}"
    how += {
        "parent": f", which contains {industry_label(link.via)}",
        "sibling": f", a sibling of {industry_label(link.via)}",
        "cross-link": f", linked to {industry_label(link.via)} ({link.reason})",
        "offer": ", named adjacent by the offer",
    }.get(link.kind, "")
    return IndustryMatch("adjacent", key, link.kind, link.via, how)


@lru_cache(maxsize=65536)
def industry_fit(industry: str, icp: Icp) -> IndustryMatch:
    """Return whether `industry` is the ICP's, inside it, next to it, or neither.

    Exact: the lead names an ICP industry or one below it in the hierarchy. Adjacent: it
    names one of the ICP's links (or, for a branch link, one below it). A name outside the
    vocabulary fits when its normalised text equals an ICP entry. A blank industry or an
    empty ICP is "none".
    """
    ids = industry_ids(industry)
    text = _text_key(industry)
    if not text:
        return IndustryMatch("none", None)
    for key in ids:
        if key in icp.exact:
            return _exact(key, key, "same")
        for ancestor in taxonomy.ancestors(key):
            if ancestor in icp.exact:
                return _exact(key, ancestor, "within")
    if text in icp.exact:
        return _exact(text, text, "text")
    for key in ids:
        lineage = {key, *taxonomy.ancestors(key)}
        best: Link | None = None
        for link in icp.adjacent:
            fits = link.key in lineage if link.branch else link.key == key
            if fits and (best is None or _LINK_ORDER[link.kind] < _LINK_ORDER[best.kind]):
                best = link
        if best is not None:
            return _adjacent(key, best)
    for link in icp.adjacent:
        if link.key == text:
            return _adjacent(text, link)
    return IndustryMatch("none", ids[0] if ids else None)
