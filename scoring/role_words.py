"""What one title word means: the role vocabulary files, compounds, gender endings, one typo.

`scoring.roles` reads a title's structure; this module answers for each word its class (decision
maker, influencer, individual contributor, support) and the modifier it carries. The words are
data: one file per kind under vocabularies/roles/, each saying why it exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from scoring.versioning import VOCABULARY_DIR
from vocabulary.text import fold as _fold

DM, INF, IC, SUPPORT = 2, 1, 0, -1

# Modifier kinds a vocabulary entry can carry besides (or instead of) a head level.
SENIOR = "senior"  # lifts an individual contributor to influencer: "Staff Engineer"
DEMOTE = "demote"  # lowers the head one level: "Assistant Director" -> influencer
HARD = "hard"  # in training, not in a role: the segment counts as none whatever follows
PAST = "past"  # not a current role: "Former CEO", "Aspiring PM"
NOW = "now"  # ends a PAST run: "Former CEO, now Advisor"
CHIEF = "chief"  # "Chief <anything> Officer": swallows the individual-contributor words after it
CLOSES = "closes"  # "Head of": what follows is the function, never a second head
ADJECTIVE = "adjective"  # after a head it names the function: "Directeur Commercial"
MEMBER = "member"  # decides as a member of a governing body: "Member of the Board"
BODY = "body"  # a governing body: "Vorstand", "Board of Directors"
ADVISORY = "advisory"  # the body only advises: "Advisory Board"
PARTNER = "partner"  # an owner, unless a function names it: "Finance Partner", "Gold Partner"

_ROLES_DIR = VOCABULARY_DIR / "roles"


def _entries(name: str) -> tuple[str, ...]:
    """Read one vocabulary file: one folded entry per line, "#" starts a comment."""
    text = (_ROLES_DIR / f"{name}.txt").read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return tuple(_fold(" ".join(line.split())) for line in lines if line.strip())


def _build_role_vocabulary() -> dict[tuple[str, ...], tuple[int | None, str | None]]:
    vocabulary: dict[tuple[str, ...], tuple[int | None, str | None]] = {}

    def add(name: str, level: int | None, mod: str | None) -> None:
        for entry in _entries(name):
            vocabulary[tuple(entry.split())] = (level, mod)

    def mark(name: str, mod: str) -> None:
        # Keeps the level an entry already has: "Vorstand" is both a head and a body.
        for entry in _entries(name):
            key = tuple(entry.split())
            vocabulary[key] = (vocabulary.get(key, (None, None))[0], mod)

    add("contributors", IC, None)
    add("seniority", None, SENIOR)
    add("influencers", INF, None)
    add("decision_makers", DM, None)
    add("support_roles", SUPPORT, None)
    add("assistants", SUPPORT, DEMOTE)
    add("assistants_of", SUPPORT, CLOSES)
    add("demoters", None, DEMOTE)
    add("in_training", None, HARD)
    add("not_current", None, PAST)
    add("current", None, NOW)
    add("lead_as_object", None, None)
    mark("postposed_adjectives", ADJECTIVE)
    mark("governing_bodies", BODY)
    mark("advisory", ADVISORY)
    for entry in _entries("members"):
        vocabulary[(entry,)] = (IC, MEMBER)
    # Words that are both a head and a modifier; the later entry must not lose either half.
    vocabulary[("associate",)] = (IC, DEMOTE)
    vocabulary[("lead",)] = (INF, SENIOR)
    vocabulary[("principal",)] = (INF, SENIOR)
    vocabulary[("head",)] = (DM, SENIOR)
    vocabulary[("head", "of")] = (DM, CLOSES)
    vocabulary[("hoofd", "van")] = (DM, CLOSES)
    vocabulary[("chief",)] = (DM, CHIEF)
    vocabulary[("partner",)] = (DM, PARTNER)
    return vocabulary


ROLE_VOCABULARY = _build_role_vocabulary()
LONGEST_ROLE_PHRASE = max(len(key) for key in ROLE_VOCABULARY)
# Only words that start a phrase entry are tried as phrases: most title words start none.
PHRASE_STARTS = frozenset(key[0] for key in ROLE_VOCABULARY if len(key) > 1)
COMPLEMENT_WORDS = frozenset(_entries("complements"))
SERVED_COMPLEMENTS = frozenset(_entries("served_complements"))
OWNER_COMPLEMENTS = frozenset(_entries("owner_complements"))
CONJUNCTIONS = frozenset(_entries("conjunctions"))
_NOT_ROLES = frozenset(_entries("not_roles"))
# Long enough that a compound ending in it is the same ordinary word ("...begeleider").
_NOT_ROLE_ENDINGS = tuple(word for word in _NOT_ROLES if len(word) >= 10)
_TEAM_PREFIXES = _entries("team_prefixes")
_LEVEL_WORDS = {"decision_maker": DM, "influencer": INF, "none": IC}


@dataclass(frozen=True, slots=True)
class _CompoundHead:
    word: str
    level: int | None  # None: the word's own class
    team: bool  # a team prefix makes it an influencer: "Teamleiter"


def _compound_heads() -> tuple[_CompoundHead, ...]:
    heads = []
    for line in _entries("compound_heads"):
        word, *flags = line.split()
        level = next((_LEVEL_WORDS[flag] for flag in flags if flag in _LEVEL_WORDS), None)
        heads.append(_CompoundHead(word, level, "team" in flags))
    # Longest first, so "projektleiter" is read before "leiter".
    return tuple(sorted(heads, key=lambda head: len(head.word), reverse=True))


_COMPOUND_HEADS = _compound_heads()
_missing_heads = [h.word for h in _COMPOUND_HEADS if (h.word,) not in ROLE_VOCABULARY]
if _missing_heads:  # a data error: fail at import, not with a silent misreading
    raise ValueError(f"compound heads missing from the role vocabulary: {_missing_heads}")
# A compound needs a real function before its head: "Exmanager" is not read, "Bauleiter" is.
_MIN_COMPOUND_PREFIX = 3

# One typo in a long role word is forgiven ("Gescäftsführer", "Dircector"); short words are too
# close to ordinary ones. The index maps every one-letter deletion of a long single-word entry
# to the entries and positions it came from, so a lookup costs a few dict probes per word.
_TYPO_MIN_TARGET = 8
_TYPO_TARGETS = frozenset(
    key[0]
    for key, (level, mod) in ROLE_VOCABULARY.items()
    if len(key) == 1 and len(key[0]) >= _TYPO_MIN_TARGET and (level is not None or mod == PAST)
)


def _typo_deletions() -> dict[str, set[tuple[str, int]]]:
    deletions: dict[str, set[tuple[str, int]]] = {}
    for target in _TYPO_TARGETS:
        for position in range(len(target)):
            deleted = target[:position] + target[position + 1 :]
            deletions.setdefault(deleted, set()).add((target, position))
    return deletions


_TYPO_DELETIONS = _typo_deletions()

_GENDER_ENDING = re.compile(r"(?:[:*_]|/-?)in(?:nen)?$|\(-?in\)$")
# Letters that Unicode does not decompose into a base letter: "Direktør", "Ægare", "Œuvre".
_UNDECOMPOSED = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"})


@lru_cache(maxsize=16384)
def word_entry(word: str) -> tuple[int | None, str | None]:
    """Return the (level, modifier) of one folded word: whole, as a compound, or misspelt."""
    entry = ROLE_VOCABULARY.get((word,))
    if entry is not None:
        return entry
    if word in _NOT_ROLES or word.endswith(_NOT_ROLE_ENDINGS):
        return None, None
    compound = _compound_entry(word)
    if compound is None and word.endswith("in") and len(word) > 5:
        # German feminine forms read through the masculine: "Prokuristin", "Vertriebsleiterin".
        stem = word[:-2]
        compound = ROLE_VOCABULARY.get((stem,)) or _compound_entry(stem)
    if compound is not None:
        return compound
    return _misspelt_entry(word)


def _compound_entry(word: str) -> tuple[int | None, str | None] | None:
    for head in _COMPOUND_HEADS:
        if word.endswith(head.word) and len(word) - len(head.word) >= _MIN_COMPOUND_PREFIX:
            level, mod = ROLE_VOCABULARY[(head.word,)]
            if head.level is not None:
                level = head.level
            if head.team and word.startswith(_TEAM_PREFIXES):
                level = INF
            return level, mod
    return None


def _misspelt_entry(word: str) -> tuple[int | None, str | None]:
    """Return the entry of the one long vocabulary word `word` is a single typo away from."""
    if len(word) < _TYPO_MIN_TARGET - 1:
        return None, None
    near: set[str] = {target for target, _ in _TYPO_DELETIONS.get(word, ())}  # a letter lost
    for position in range(len(word)):
        deleted = word[:position] + word[position + 1 :]
        if deleted in _TYPO_TARGETS:  # a letter too many
            near.add(deleted)
        near.update(  # a letter changed
            target for target, at in _TYPO_DELETIONS.get(deleted, ()) if at == position
        )
        if position + 1 < len(word):  # two letters swapped
            swapped = word[:position] + word[position + 1] + word[position] + word[position + 2 :]
            if swapped in _TYPO_TARGETS:
                near.add(swapped)
    # Plurals, derivations and stems are words of their own: "Directory" is no misspelt
    # "Director", "Programme" no misspelt "Programmer".
    near = {t for t in near if not word.startswith(t) and not t.startswith(word)}
    entries = {ROLE_VOCABULARY[(target,)] for target in near}
    return entries.pop() if len(entries) == 1 else (None, None)


@lru_cache(maxsize=16384)
def fold_word(word: str) -> str:
    """Return a title word folded for the vocabulary, without a written gender ending."""
    if word[-1] in ":*_)n":  # only then can it carry a gender ending
        word = _GENDER_ENDING.sub("", word)
    return _fold(word.translate(_UNDECOMPOSED))
