"""LinkedIn Industry Codes V2: the 434 industries, their hierarchy and curated cross-links."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vocabulary.text import fold

DATA_DIR = Path(__file__).resolve().parent / "industries"
# The published table (ids, names, descriptions, hierarchy), shipped unmodified with its
# LICENSE (MIT) and SOURCE.md beside it.
CODES_FILE = DATA_DIR / "industry_codes.json"
# Curated cross-sector links: "<id> <name> ~ <id> <name>: <one-line reason>".
LINKS_FILE = DATA_DIR / "links.txt"
# The picker's search: at most this many characters of the query are read.
MAX_QUERY_CHARS = 100

_LINK_LINE = re.compile(r"^(\d+) (.+?) ~ (\d+) (.+?): (.+)$")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Industry:
    """One V2 industry: `sector` is its top-level ancestor (itself at the top level)."""

    id: int
    name: str
    parent: int | None
    sector: int
    path: tuple[str, ...]
    description: str

    @property
    def depth(self) -> int:
        return len(self.path)


@dataclass(frozen=True, slots=True)
class CrossLink:
    """A curated link between two industries the hierarchy keeps apart, and why."""

    first: int
    second: int
    reason: str


def _path_key(name: str) -> str:
    # The published hierarchy writes a few parents differently from their own label
    # ("Media and Telecommunications" for "Media & Telecommunications").
    return " ".join(_WORD.findall(fold(name).replace("&", " and ")))


def _load_industries(path: Path) -> dict[int, Industry]:
    rows = json.loads(path.read_text(encoding="utf-8"))["industries"]
    by_name = {_path_key(row["label"]): row["industry_id"] for row in rows}
    labels = {row["industry_id"]: row["label"] for row in rows}
    industries: dict[int, Industry] = {}
    for row in rows:
        # The path is the truth, read past the scrape's flaws: separators without spaces
        # ("Advertising Services> Market Research"), an empty level (Breweries, Distilleries
        # and Wineries sit under Food and Beverage Manufacturing, as their depth says), a
        # parent spelt unlike its label ("Media and Telecommunications") and a last level
        # spelt unlike the row's ("Climate Technology Products Manufacturing").
        names = [part.strip() for part in row["hierarchy"].split(">") if part.strip()]
        parents = [by_name.get(_path_key(name)) for name in names[:-1]]
        if None in parents:
            raise ValueError(f"industry {row['industry_id']}: unreadable hierarchy")
        ids = [key for key in parents if key is not None] + [row["industry_id"]]
        industries[row["industry_id"]] = Industry(
            id=row["industry_id"],
            name=row["label"],
            parent=ids[-2] if len(ids) > 1 else None,
            sector=ids[0],
            path=tuple(labels[key] for key in ids if key is not None),
            description=row["description"],
        )
    return industries


INDUSTRIES: dict[int, Industry] = _load_industries(CODES_FILE)


def _children(industries: dict[int, Industry]) -> dict[int, tuple[int, ...]]:
    children: dict[int, list[int]] = {key: [] for key in industries}
    for industry in industries.values():
        if industry.parent is not None:
            children[industry.parent].append(industry.id)
    return {key: tuple(sorted(values)) for key, values in children.items()}


_CHILDREN = _children(INDUSTRIES)


def industry(industry_id: int) -> Industry | None:
    """Return the V2 industry with this id, or None."""
    return INDUSTRIES.get(industry_id)


def ancestors(industry_id: int) -> Iterator[int]:
    """Yield the industry's parent, its parent's parent, ... up to its sector."""
    parent = INDUSTRIES[industry_id].parent
    while parent is not None:
        yield parent
        parent = INDUSTRIES[parent].parent


def children(industry_id: int) -> tuple[int, ...]:
    """Return the ids directly below the industry."""
    return _CHILDREN[industry_id]


@lru_cache(maxsize=1024)
def descendants(industry_id: int) -> frozenset[int]:
    """Return every id below the industry, at any depth."""
    below = set(_CHILDREN[industry_id])
    for child in _CHILDREN[industry_id]:
        below |= descendants(child)
    return frozenset(below)


def siblings(industry_id: int) -> tuple[int, ...]:
    """Return the other children of the industry's parent (none for a top-level sector)."""
    parent = INDUSTRIES[industry_id].parent
    if parent is None:
        return ()
    return tuple(key for key in _CHILDREN[parent] if key != industry_id)


def _load_links(path: Path) -> tuple[CrossLink, ...]:
    links: list[CrossLink] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINK_LINE.match(line)
        if not match:
            raise ValueError(f"{path.name}:{number}: expected '<id> <name> ~ <id> <name>: why'")
        first, first_name, second, second_name, reason = match.groups()
        for key, name in ((int(first), first_name), (int(second), second_name)):
            if key not in INDUSTRIES or INDUSTRIES[key].name != name:
                raise ValueError(f"{path.name}:{number}: {key} is not {name!r}")
        links.append(CrossLink(int(first), int(second), reason))
    return tuple(links)


CROSS_LINKS: tuple[CrossLink, ...] = _load_links(LINKS_FILE)


def cross_links(industry_id: int) -> Iterator[tuple[int, str]]:
    """Yield (other industry, reason) for each curated link of the industry; links are mutual."""
    for link in CROSS_LINKS:
        if link.first == industry_id:
            yield link.second, link.reason
        elif link.second == industry_id:
            yield link.first, link.reason


@lru_cache(maxsize=1024)
def search(query: str) -> tuple[Industry, ...]:
    """Return the industries whose name or path holds every word of `query`, best first.

    Case, accents and "&"/"and" do not matter; a word matches the start of a name's word
    ("fin" finds "Financial Services"). Names that hold the words come before those that only
    sit below them; then shallower, then alphabetical. An empty query lists everything in
    hierarchy order.
    """
    words = _WORD.findall(fold(query[:MAX_QUERY_CHARS]).replace("&", " and "))
    if not words:
        return tuple(sorted(INDUSTRIES.values(), key=lambda item: item.path))
    ranked: list[tuple[int, int, str, Industry]] = []
    for item in INDUSTRIES.values():
        name_words = _WORD.findall(_path_key(item.name))
        path_words = _WORD.findall(_path_key(" ".join(item.path)))
        if all(any(word.startswith(w) for word in name_words) for w in words):
            ranked.append((0, item.depth, item.name, item))
        elif all(any(word.startswith(w) for word in path_words) for w in words):
            ranked.append((1, item.depth, item.name, item))
    return tuple(item for *_, item in sorted(ranked, key=lambda row: row[:3]))
