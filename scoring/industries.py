"""Industry fit: how a lead's industry sits against an offer's ICP on LinkedIn V2.

`scoring.industry_names` reads a text as V2 industries; this module builds the offer's ICP
and its adjacency from the V2 hierarchy (`vocabulary.taxonomy`) and the curated links, and says
which industry matched and through which link.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from scoring.facts import OfferFacts
from scoring.industry_names import (
    canonical_industry,
    industry_ids,
    normalised,
    use_case_industries,
)
from scoring.text import clip as _clip
from vocabulary import taxonomy

__all__ = [
    "Icp",
    "IndustryKey",
    "IndustryMatch",
    "Link",
    "canonical_industry",
    "icp_for_offer",
    "industry_fit",
    "industry_ids",
    "industry_label",
    "offer_industry_name",
]

FitLevel = Literal["exact", "adjacent", "none"]
# How a match was found: the ICP's own industry, one inside it, or adjacent through a link.
LinkKind = Literal["same", "within", "parent", "sibling", "cross-link", "offer", "text"]
# A V2 id, or the normalised text of a name outside the vocabulary (matched as text).
IndustryKey = int | str


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


def industry_label(key: IndustryKey | None) -> str:
    """Return the V2 name of an id, or the text key itself."""
    if isinstance(key, int):
        return taxonomy.INDUSTRIES[key].name
    return key or ""


def offer_industry_name(name: str) -> str:
    """Return an offer-given industry as people read it: a V2 id by its V2 name."""
    name = " ".join(name.split())
    if name.isascii() and name.isdigit() and int(name) in taxonomy.INDUSTRIES:
        return taxonomy.INDUSTRIES[int(name)].name
    return name


def _icp_keys(names: tuple[str, ...]) -> list[IndustryKey]:
    """Map offer-given names or V2 ids onto keys; unknown names stay as their normalised text."""
    keys: list[IndustryKey] = []
    for name in names:
        ids = industry_ids(name) or tuple(use_case_industries(name))
        if ids:
            keys.extend(ids)
        elif text := normalised(name):
            keys.append(text)
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
        label = ", ".join(
            offer_industry_name(name) for name in offer.icp_industries if name.strip()
        )
    else:
        exact = []
        naming: list[str] = []
        for use_case in offer.ideal_use_cases:
            heads = use_case_industries(use_case)
            if heads:
                exact.extend(heads)
                naming.append(" ".join(use_case.split()))
        exact = list(dict.fromkeys(exact))
        label = ", ".join(naming)
    if not exact:
        # Adjacent means next to a target: without one, nothing is (nor worth points).
        links: set[Link] = set()
    elif offer.adjacent_industries:
        links = {Link(key, "offer", exact[0]) for key in _icp_keys(offer.adjacent_industries)}
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
    text = normalised(industry)
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
