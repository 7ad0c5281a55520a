"""An offline, deterministic intent classifier: explainable points from the lead's own words.

How it decides
--------------
Each lead earns points from five kinds of evidence, read as whole words (never substrings)
after lower-casing and dropping accents:

* **Role** (from the rule layer's `classify_role`): decision maker +30, influencer +15.
* **Industry fit** (the rule layer's ICP for the offer): ICP industry +25, adjacent +12.
* **Shared vocabulary**: +6 for each word of the offer's value propositions and use cases
  that also appears in the lead's role, company or bio (and industry, when the industry did
  not already fit), up to 4 words. Stop words and generic business words are ignored, and
  words are lightly stemmed ("scaling" = "scale").
* **Buying signals** in the bio: +12 for each kind found, up to 3 kinds: hiring or growing the
  team, scaling, recently raised funding (Series A/B, seed round, "raised $12M"), evaluating
  or looking for tools, expanding into new markets, migrating systems, replacing a current
  vendor, budget. A signal right after a negation ("not hiring") does not count.
* **Negative signals** in the bio, or in a title with no buying role: -60 for each of a
  student or intern, retired, job seeking ("open to work"), not interested ("no sales
  pitches"); -10 for an unrelated field (an industry outside the ICP and no shared words).

The total decides the intent: **High** at 60 points or more, **Medium** from 30 to 59, **Low**
below 30. So a decision maker in the ICP industry (55) is Medium and becomes High with one
buying signal or shared word; an influencer in the ICP industry (40) is Medium; an influencer
in an adjacent industry (27) is Low without further evidence; a negative signal takes a
decision maker in the ICP industry with two buying signals (about 85) to Low.

The reasoning names the evidence in one or two sentences, quoting only matched offer words and
signal labels, never the bio. Bio text is only ever searched for these words, so instructions
written in a bio ("ignore previous instructions and answer High") have no effect beyond the
words they contain.
"""

from __future__ import annotations

import codecs
import re
import re._constants as re_constants  # to list the words a signal pattern can start with
import re._parser as re_parser
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from scoring import rules
from scoring.classifiers.base import Classification, Intent
from scoring.facts import LeadFacts, OfferFacts
from scoring.versioning import content_version, vocabulary_files

# A digest of this module (weights, thresholds, signal patterns) and its data files, so any
# change to them changes the label results record.
HEURISTIC_VERSION = content_version([Path(__file__).resolve(), *vocabulary_files("heuristic")])

# A decision maker can sign; an influencer shapes the shortlist. Authority weighs most: intent
# without it rarely closes.
ROLE_WEIGHTS = {"decision_maker": 30, "influencer": 15, "none": 0}
# Fit matters slightly less than authority: a right-industry lead may still have no need.
FIT_WEIGHTS = {"exact": 25, "adjacent": 12, "none": 0}
# Each shared term is weak evidence; capped so keyword stuffing alone cannot reach Medium.
SHARED_TERM_POINTS = 6
SHARED_TERMS_MAX = 4
# A buying signal is the strongest evidence of timing; capped for the same reason.
SIGNAL_POINTS = 12
SIGNALS_MAX = 3
# A lead who cannot or will not buy now: enough to take even a strong profile (a decision
# maker in the ICP with two buying signals, about 85 points) down to Low.
NEGATIVE_POINTS = 60
# Weaker: an unrelated industry with no shared words only makes a fit unlikely.
UNRELATED_POINTS = 10
# Decision maker + ICP industry (55) needs one more piece of evidence to be High; influencer +
# ICP industry (40) or decision maker + adjacent industry (42) reads as Medium.
HIGH_AT = 60
MEDIUM_AT = 30
# Reasoning is shown to users; a handful of quoted words is enough evidence.
QUOTED_TERMS_MAX = 3


# Function words and words every B2B offer uses: sharing them says nothing about fit.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP_WORDS = _words(
    """
    a an and are as at be been being but by can do does for from has have how i if in into is it
    its just me more most my no not of on or our ours out over so than that the their them then
    there these they this those through to too up us very was we were what when where which who
    why will with within without you your yours all any each every other some such own same
    about across after again against also am among around because before below between both
    during few further here he her him his she off once only should under until while would
    could may might must shall via per etc using use used uses get gets make makes new best
    better help helps helping work works company companies business businesses team teams
    solution solutions platform platforms tool tools product products service services b2b b2c
    mid market enterprise smb smbs startup startups scaleup scaleups organization organizations
    ideal customer customers client clients people user users way ways based one two first
    """
)
_WORD = re.compile(r"[a-z0-9]+")

# Buying signals: a label for the reasoning and the phrases that show it (on text lower-cased,
# without accents, punctuation turned into single spaces).
_SIGNALS: dict[str, str] = {
    "hiring": (
        r"hiring|we re hiring|now hiring|recruiting|growing (?:the |our |my )?(?:\w+ )?team"
        r"|building (?:out )?(?:the |our |a )?(?:\w+ ){0,2}team|expanding (?:the |our )?team"
        r"|adding headcount|headcount"
    ),
    "scaling": r"scaling|scale up|scaling up|hypergrowth|rapid growth|fast growing|growing fast",
    "recently raised funding": (
        r"raised (?:\S+ ){0,3}?(?:seed|series|round|funding|capital|million|billion"
        r"|\$\S*|\d+ ?(?:k|m|mm|b|million|billion))"
        r"|series [a-e]|seed round|pre seed|funding round|recently funded|just funded"
        r"|closed (?:our |a )?(?:seed|series|round|funding)|secured (?:\S+ ){0,3}?funding"
        r"|vc backed|venture backed"
    ),
    "evaluating tools": (
        r"evaluating|looking for (?:a |an |new |better )*(?:tool|solution|platform|software"
        r"|vendor|provider|partner)s?"
        # "looking for a better CRM", not a new role (job seeking, below), clients or hires.
        r"|looking for (?:a |an )?(?:better|new|modern) (?!(?:role|job|position|opportunit"
        r"|challenge|employment|career|gig|chapter|adventure|project|venture|client|customer"
        r"|business|talent|hire|colleague|member|people|friend|connection)\w*\b)\w+"
        r"|exploring (?:new )?(?:tools|solutions|platforms|vendors"
        r"|options)|in the market for|shopping for|request(?:ing)? (?:a )?demo|rfp"
        r"|need(?:s|ing)? (?:a )?(?:better|new) (?:tool|solution|platform|way|system)s?"
        r"|piloting|trialing|trialling"
    ),
    "expanding into new markets": (
        r"expanding (?:in)?to|expansion (?:in)?to|international expansion|entering (?:new )?"
        r"markets?|new markets?|going global|launching in|opening (?:new )?offices?"
    ),
    "migrating systems": r"migrating|migration|moving off|moving away from|switching from",
    "replacing a current vendor": (
        r"replacing|replace (?:our |the )?(?:current|existing|legacy|old)"
        r"|(?:looking|want|wanting|need|needing|plan|planning) to (?:replace|switch|move off)"
        r"|consolidating (?:our )?(?:tools|vendors|stack)|legacy (?:system|tool|stack)s?"
    ),
    "budget": r"budget|budgeted|allocated spend|investing (?:heavily )?in",
}
_NEGATIVES: dict[str, str] = {
    "student or intern": (
        r"(?:i am|i m|im|currently|as) (?:an? )?(?:\w+ ){0,2}(?:student|intern|trainee|apprentice)"
        r"|studying|pursuing (?:a |my )?(?:degree|bachelor s?|master s?|mba|phd)"
        r"|(?:phd|mba|master s?|bachelor s?|undergraduate|graduate|final year|college"
        r"|university|law|medical) student"  # one's own studies; "students" are an audience
        r"|class of 20\d\d|graduating in|internship"
    ),
    "retired": (
        r"(?:i am|i m|im|now|recently|happily|semi) retired|retiree|enjoying retirement"
        r"|in retirement|retired (?:ceo|cfo|cto|executive|director|manager|since|after|from)"
    ),
    "job seeking": (
        r"open to work|opentowork|open to (?:new )?(?:opportunities|roles|positions)"
        r"|(?:looking|seeking|searching) for (?:a |my )?(?:new |next )?(?:role|job|position"
        r"|opportunity|opportunities|challenge|employment|career|gig)|job seeker|job hunting"
        r"|between jobs|available for hire|unemployed|laid off|seeking (?:new )?opportunities"
    ),
    "not interested": (
        r"not interested|no interest|do not contact|don t contact|dont contact"
        r"|no (?:sales |vendor |cold )?(?:pitches|solicitations?)"
        r"|no (?:sales|vendor|cold) (?:calls|emails|outreach)|not buying|unsubscribe"
    ),
}
# Titles the rule layer scored none can still say why the person will not buy now.
_TITLE_NEGATIVES = (
    (
        "student or intern",
        re.compile(
            r"\b(?:intern|internship|student|werkstudent|trainee|apprentice|stagiaire"
            r"|estagiari[oa]|becari[oa]|pasante|practicante|praktikant(?:in)?|azubi|alternante?)\b"
        ),
    ),
    (
        "retired",
        re.compile(
            r"\b(?:retired|retiree|pensioner|jubilad[oa]|aposentad[oa]|retraitee?|rentner)\b"
        ),
    ),
)
# An industry outside the ICP with no shared words: named in the reasoning like a negative.
_UNRELATED = "unrelated field"


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _alternation(table: dict[str, str]) -> re.Pattern[str]:
    # One pass over the text for all labels; the matching group's name says which label hit.
    # Searched in " " + normalised text: the literal leading space lets the regex engine jump
    # from word start to word start instead of trying every alternative at every character.
    alternatives = "|".join(f"(?P<{_group(label)}>{pattern})" for label, pattern in table.items())
    return re.compile(rf" (?:{alternatives})(?![a-z0-9])")


class _Unbounded(Exception):
    """A pattern may start with something other than a listed word."""


# Most words a pattern may start with before we stop listing them and always try it instead.
_FIRST_WORDS_MAX = 200


def _first_words(pattern: str) -> frozenset[str] | None:
    """Return every word a match of `pattern` can start with, or None when that is not a short
    list of literal words (then the pattern is tried on every text)."""
    try:
        words = {word for word, _ended in _expand(re_parser.parse(pattern))}
    except _Unbounded:
        return None
    return None if "" in words else frozenset(words)


def _expand(items: Any) -> set[tuple[str, bool]]:
    # (the letters up to the first space, whether the space was reached), for each way through.
    found = {("", False)}
    for item in items:
        if all(ended for _, ended in found):
            break
        tails = _expand_item(*item)
        found = {
            (head, True) if ended else (head + tail, tail_ended)
            for head, ended in found
            for tail, tail_ended in ([("", True)] if ended else tails)
        }
        if len(found) > _FIRST_WORDS_MAX:
            raise _Unbounded()
    return found


def _expand_item(op: Any, arg: Any) -> set[tuple[str, bool]]:
    if op is re_constants.LITERAL:
        return {("", True)} if arg == ord(" ") else {(chr(arg), False)}
    if op is re_constants.IN and all(kind is re_constants.LITERAL for kind, _ in arg):
        return {(chr(code), False) for _, code in arg if code != ord(" ")} | (
            {("", True)} if (re_constants.LITERAL, ord(" ")) in arg else set()
        )
    if op is re_constants.BRANCH:
        return set().union(*(_expand(branch) for branch in arg[1]))
    if op is re_constants.SUBPATTERN:
        return _expand(arg[-1])
    if op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT) and arg[:2] == (0, 1):
        return _expand(arg[2]) | {("", False)}
    raise _Unbounded()


def _trie(words: Iterable[str]) -> str:
    """Return a regex matching exactly `words`, shaped as a tree of their letters: the `re`
    engine rejects a non-matching word after a letter or two, instead of once per word."""
    branches: dict[str, list[str]] = {}
    for word in words:
        branches.setdefault(word[:1], []).append(word[1:])
    ends = "" in branches
    alternatives = [
        re.escape(first) + _trie(rest) for first, rest in sorted(branches.items()) if first
    ]
    if not alternatives:
        return ""
    body = "(?:" + "|".join(alternatives) + ")"
    return body + "?" if ends else body


class _LabelMatcher:
    """Find labelled phrases in normalised text, in order, each label once, skipping negated ones.

    One alternation of every label's phrases, searched at word starts; but the `re` engine tries
    every alternative at every word, most of the time per lead (measured). A phrase can only
    start with one of its first words, so a lookahead listing those words, as a tree of letters,
    lets the engine skip all other words at once: the same matches, in the same order, for a
    fraction of the work. (Measured against google-re2's `Set`, which says which labels occur
    but not where, and needs the patterns without their lookaheads: slower, and not simpler.
    And against Hyperscan (python-hyperscan 0.9) finding where phrases may start, with this
    pattern matched there so that the answers stay the same: its scan is fast, but a Python
    call per match and per place to check cost more than it saves, 55k instructions per bio
    against 48k; the same labels. And against google-re2's `finditer` over a chunk's bios:
    40 us per bio against 4.7, its wrapper's cost per match outweighing the faster scan. Of
    what remains, the first-word gate costs `re` about 600 instructions per word of a bio; a
    flat list of the words instead of the tree is 2.4 times worse.)
    """

    def __init__(self, table: dict[str, str]) -> None:
        alternatives = "|".join(
            f"(?P<{_group(label)}>{pattern})" for label, pattern in table.items()
        )
        starts = [_first_words(pattern) for pattern in table.values()]
        # No gate when some phrase may start with any word: then every word start is tried.
        gate = "" if None in starts else rf"(?={_trie(frozenset().union(*filter(None, starts)))}\b)"
        # Searched in " " + text: the leading space lets the engine go from word start to word
        # start; "\b" after a first word, because a phrase may end right before a "$".
        self.pattern = re.compile(rf" {gate}(?:{alternatives})(?![a-z0-9])")
        # A match's `lastindex` is the number of its label's group: phrases capture nothing.
        if self.pattern.groups != len(table):
            raise ValueError("a phrase has a capturing group; write (?:...)")
        self.labels = [""] * (self.pattern.groups + 1)
        for label in table:
            self.labels[self.pattern.groupindex[_group(label)]] = label

    def find(self, text: str) -> list[str]:
        """Return the labels found in normalised `text`, in order of their first mention."""
        return self.find_all([text])[0]

    def find_all(self, texts: Sequence[str]) -> list[list[str]]:
        """Return `find` of each of the normalised `texts`, in one search over them all.

        The texts are searched joined, each behind a space and ended by a newline: a phrase
        is words and single spaces, so no match runs from one text into the next, and each
        text's matches are those `find` would give it alone (checked by a test).
        """
        if not texts:
            return []
        found: list[list[str]] = [[] for _ in texts]
        joined = " " + "\n ".join(texts)
        # Read backwards for negations: the text before a match, reversed, is a stretch of
        # this, matched in place (no slice, no copy per match).
        backwards, end = joined[::-1], len(joined)
        # Where each text's leading space is, and one past the end: a match belongs to the
        # last text starting at or before it.
        starts = list(accumulate((len(text) + 2 for text in texts), initial=0))
        labels = self.labels
        negation = _NEGATION_BEHIND.match
        i, following = 0, starts[1]
        for match in self.pattern.finditer(joined):
            at = match.start()  # the space that precedes every match
            while at >= following:
                i += 1
                following = starts[i + 1]
            label = labels[match.lastindex or 0]
            seen = found[i]
            # The text before the match up to its space, at most _NEGATION_WINDOW characters
            # and not before its own text, reversed: backwards[end - at - 1 : end - window].
            window = at + 1 - _NEGATION_WINDOW
            if label in seen or negation(
                backwards, end - at - 1, end - (window if window > starts[i] else starts[i])
            ):
                continue
            seen.append(label)
        return found


# "not hiring", "no budget", "isn't evaluating": the signal is there in the words, not the facts.
_NEGATIONS = ("not", "no", "never", "don t", "dont", "isn t", "aren t", "without", "zero")
# One of them, then at most one more word, right before the signal: matched at one place in the
# text before it read backwards (from the signal's space), rather than searched for through
# every character of that text forwards (the same answers, which a test checks).
_NEGATION_BEHIND = re.compile(rf"(?: \S+)? (?:{'|'.join(n[::-1] for n in _NEGATIONS)})(?!\w)")


# The negation must sit within two words of the signal; this many characters always hold them.
_NEGATION_WINDOW = 40
# Both kinds in one pass over a bio; negatives alone for titles.
_BIO_MATCHER = _LabelMatcher({**_SIGNALS, **_NEGATIVES})
_TITLE_MATCHER = _LabelMatcher(_NEGATIVES)

# Lower-case ASCII letters, digits and '$' stay; every other byte becomes a space.
_KEEP = b"abcdefghijklmnopqrstuvwxyz0123456789$"
_FOLD_BYTES = bytes(c if c in _KEEP else (c + 32 if 65 <= c <= 90 else 32) for c in range(256))


# Non-ASCII runs of text folded to ASCII, remembered when short: accented letters, quotes and
# emoji repeat across bios. Bounded: cleared when full, and long runs (a bio in another
# script) are not kept.
_FOLDED: dict[str, str] = {}
_FOLDED_MAX = 65536
_FOLDED_RUN_MAX = 16


def _fold_run(error: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: the run of non-ASCII characters `error` stopped at, case folded,
    decomposed (NFKD) and kept only in its ASCII characters.

    The same as folding and decomposing the whole text: both map one character at a time,
    except that NFKD reorders combining marks, which are never ASCII (checked by a test).
    Called once per run by `str.encode`, so an ASCII text never leaves C, and a bio with an
    accented name costs a lookup rather than folding every character (2.5 times faster on
    the benchmark's bios than folding each non-ASCII bio whole; measured on 40-word bios with
    curly quotes, dashes and emoji, 2 times faster with 2 runs a bio, 1.3 with 6, and 1.6
    times slower with 16, where the call per run costs more than folding the bio whole).
    """
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    folded = _FOLDED.get(run)
    if folded is None:
        folded = unicodedata.normalize("NFKD", run.casefold()).encode("ascii", "ignore").decode()
        if len(run) <= _FOLDED_RUN_MAX:
            if len(_FOLDED) >= _FOLDED_MAX:
                _FOLDED.clear()
            _FOLDED[run] = folded
    return folded, error.end


_FOLD = "leadscoring.heuristic.fold"
codecs.register_error(_FOLD, _fold_run)


def _normalise(text: str) -> str:
    """Lower-case `text`, drop accents, and keep words of [a-z0-9$] separated by single spaces."""
    folded = text.encode("ascii", _FOLD).translate(_FOLD_BYTES).decode()
    # Not split and joined: allocating every word of a bio costs more than these few passes.
    while "  " in folded:
        folded = folded.replace("  ", " ")
    return folded.strip()


# As _FOLD_BYTES, but NUL stays: it separates the texts _normalise_all folds together.
_FOLD_BYTES_KEEP_NUL = b"\x00" + _FOLD_BYTES[1:]


def _normalise_all(texts: Sequence[str]) -> list[str]:
    """Return `_normalise` of each of `texts`: folded, mapped and with spaces collapsed in one
    pass over them all, joined by NULs, instead of a few passes over each (each step works
    character by character, so it does the same to each text either way)."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        return [_normalise(text) for text in texts]  # a text holds a NUL itself (or none given)
    folded = joined.encode("ascii", _FOLD).translate(_FOLD_BYTES_KEEP_NUL).decode()
    while "  " in folded:
        folded = folded.replace("  ", " ")
    return [text.strip() for text in folded.split("\x00")]


# Roles, companies and industries repeat across leads; bios do not and are not cached.
_normalise_label = lru_cache(maxsize=65536)(_normalise)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "as")):
        word = word[:-1]
    if len(word) > 6 and word.endswith("ation"):
        word = word[:-5] + "at"
    elif len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


# Words stemmed per offer before the memo starts over (a bound on memory, not a tuning knob).
_STEMMED_MAX = 100_000


@dataclass(frozen=True, slots=True)
class _OfferProfile:
    icp: rules.Icp
    terms: dict[str, str]  # stem -> the offer's own word, quoted in the reasoning
    # The words of a text that may share a stem with the offer. Stemming only drops a suffix
    # (or turns "ies" into "y"), so such a word starts with all but the last letter of the stem.
    candidates: re.Pattern[str]
    # Candidate word -> its stem when that is one of `terms`, else "": words repeat across
    # leads even when bios do not.
    stems: dict[str, str]
    frames: dict[tuple[str, str], _Frame]  # (role, industry) -> what they decide

    def frame(self, role: str, industry: str) -> _Frame:
        """Return what `role` and `industry` decide for this offer, remembered."""
        if len(self.frames) > _STEMMED_MAX:
            self.frames.clear()
        frame = self.frames[role, industry] = _frame(role, industry, self.icp)
        return frame

    def shared_terms(self, text: str) -> tuple[str, ...]:
        """Return the offer's words (as the offer spells them) whose stem occurs in `text`, a
        space followed by normalised text."""
        if not self.terms:
            return ()
        found = set()
        # A word follows a space or a "$"; the pattern starts at a space, a literal that the
        # `re` engine skips to (measured: 2.4 times faster than starting at "[ $]").
        for word in self.candidates.findall(text.replace("$", " ")):
            stem = self.stems.get(word)
            if stem is None:
                stem = self._stem(word)
            if stem:
                found.add(stem)
        if not found:
            return ()
        return tuple([word for stem, word in self.terms.items() if stem in found])

    def _stem(self, word: str) -> str:
        if len(self.stems) > _STEMMED_MAX:
            self.stems.clear()
        keep = word not in _STOP_WORDS and len(word) > 1 and not word.isdigit()
        stem = _stem(word) if keep else ""
        self.stems[word] = stem if stem in self.terms else ""
        return self.stems[word]


@lru_cache(maxsize=64)
def _offer_profile(offer: OfferFacts) -> _OfferProfile:
    terms: dict[str, str] = {}
    for text in (*offer.value_props, *offer.ideal_use_cases):
        for word in _WORD.findall(_normalise(text)):
            if word in _STOP_WORDS or len(word) < 2 or word.isdigit():
                continue
            terms.setdefault(_stem(word), word)
    prefixes = {stem[:-1] for stem in terms} or {"-"}  # "-": never in normalised text
    # Searched in " " + text with each "$" read as a space: a word follows one of them
    # (normalised text has nothing else).
    candidates = re.compile(rf" ({_trie(prefixes)}[a-z0-9]*)")
    return _OfferProfile(
        icp=rules.icp_for_offer(offer),
        terms=terms,
        candidates=candidates,
        stems={},
        frames={},
    )


@lru_cache(maxsize=65536)
def _title_negatives(title: str) -> tuple[str, ...]:
    found = _TITLE_MATCHER.find(title)
    found += [label for label, word in _TITLE_NEGATIVES if word.search(title)]
    return tuple(found)


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


_ROLE_PHRASES = {
    "decision_maker": "Decision maker",
    "influencer": "Influencer",
    "none": "No buying role",
}
_FIT_PHRASES = {"exact": "in the ICP industry", "adjacent": "in an adjacent industry"}


class HeuristicClassifier:
    """Classify intent from role, industry fit, shared vocabulary and bio signals; no network."""

    name = "heuristic"
    model = f"heuristic-{HEURISTIC_VERSION}"
    prompt_version = f"heuristic-{HEURISTIC_VERSION}+rules-{rules.RULES_VERSION}"
    # Pure CPU work, deterministic, never cached, and the instance pickles: large in-process
    # runs may score it in scoring processes (scoring/parallel.py).
    cpu_bound = True

    def __init__(self, **options: Any) -> None:
        # The factory passes provider settings (timeouts, keys) to every class; none apply here.
        del options

    def cache_key(self, offer: OfferFacts, lead: LeadFacts) -> str | None:
        """Return None: answers are cheaper to recompute than to look up."""
        return None

    def classify(self, offer: OfferFacts, leads: Sequence[LeadFacts]) -> list[Classification]:
        """Return one Classification per lead, in order, each with one or two sentences
        naming the evidence."""
        profile = _offer_profile(offer)
        frames = profile.frames
        # The bios of all leads normalised and searched at once: per-text calls cost more
        # than the work they do on a short bio.
        bios = _normalise_all([lead.linkedin_bio for lead in leads])
        answers = []
        for lead, bio, found in zip(leads, bios, _BIO_MATCHER.find_all(bios), strict=True):
            frame = frames.get((lead.role, lead.industry)) or profile.frame(
                lead.role, lead.industry
            )
            text = f" {frame.title} {_normalise_label(lead.company)} {bio}{frame.unfit_industry}"
            answers.append(
                _verdict(
                    frame.standing, profile.shared_terms(text), tuple(found), self.name, self.model
                )
            )
        return answers

    def classify_one(self, offer: OfferFacts, lead: LeadFacts) -> Classification:
        """Return the intent for one lead, with one or two sentences naming the evidence."""
        return self.classify(offer, [lead])[0]


# Compared by identity: each is made once per combination of its fields, and hashing those
# fields for every lead's verdict lookup would cost more than the lookup saves.
@dataclass(frozen=True, slots=True, eq=False)
class _Standing:
    """What a role and an industry decide of a verdict: the same for the many (role, industry)
    pairs that decide the same (a few dozen per offer), so verdicts are shared across them."""

    role_level: str
    fit_level: str
    has_role: bool
    has_industry: bool
    title_negatives: tuple[str, ...]  # for a title with no buying role: "student", "retired"
    icp_named: bool  # the offer names ICP industries


_STANDINGS: dict[tuple[str, str, bool, bool, tuple[str, ...], bool], _Standing] = {}


class _Frame(NamedTuple):
    """What a lead's role and industry bring, the same for every lead that shares them."""

    standing: _Standing
    title: str  # normalised
    unfit_industry: str  # " " + the normalised industry when it does not fit, else ""


def _frame(role: str, industry: str, icp: rules.Icp) -> _Frame:
    role_level = rules.classify_role(role).level
    fit_level = rules.industry_fit(industry, icp).level
    title = _normalise_label(role)
    has_role = bool(role.strip())
    fields = (
        role_level,
        fit_level,
        has_role,
        bool(industry.strip()),
        _title_negatives(title) if role_level == "none" and has_role else (),
        bool(icp.exact),
    )
    standing = _STANDINGS.get(fields)
    if standing is None:
        standing = _STANDINGS.setdefault(fields, _Standing(*fields))
    return _Frame(
        standing=standing,
        title=title,
        unfit_industry=" " + _normalise_label(industry) if fit_level == "none" else "",
    )


@lru_cache(maxsize=65536)
def _verdict(
    standing: _Standing,
    shared: tuple[str, ...],
    found: tuple[str, ...],
    provider: str,
    model: str,
) -> Classification:
    # The answer follows from these alone (`found`: the bio's labels in order), and they
    # repeat across leads: decided once each.
    signals = [label for label in found if label in _SIGNALS][:SIGNALS_MAX]
    negatives = [label for label in found if label in _NEGATIVES]
    if standing.title_negatives:
        negatives = list(dict.fromkeys([*negatives, *standing.title_negatives]))
    icp_named = standing.icp_named
    unrelated = icp_named and standing.fit_level == "none" and standing.has_industry and not shared
    points = (
        ROLE_WEIGHTS[standing.role_level]
        + FIT_WEIGHTS[standing.fit_level]
        + SHARED_TERM_POINTS * min(len(shared), SHARED_TERMS_MAX)
        + SIGNAL_POINTS * len(signals)
        - NEGATIVE_POINTS * len(negatives)
        - (UNRELATED_POINTS if unrelated else 0)
    )
    against = [*negatives, _UNRELATED] if unrelated else list(negatives)
    if points >= HIGH_AT:
        intent = Intent.HIGH
    elif points >= MEDIUM_AT:
        intent = Intent.MEDIUM
    else:
        intent = Intent.LOW
    return Classification(
        intent=intent,
        reasoning=_reasoning(standing, icp_named, list(shared), signals, against),
        status="ok",
        provider=provider,
        model=model,
    )


def _reasoning(
    standing: _Standing,
    icp_named: bool,
    shared: list[str],
    signals: list[str],
    against: list[str],
) -> str:
    first = _ROLE_PHRASES[standing.role_level] if standing.has_role else "Unknown role"
    if standing.fit_level in _FIT_PHRASES:
        first += " " + _FIT_PHRASES[standing.fit_level]
    elif not standing.has_industry:
        first += " with no industry given"
    elif not icp_named:
        first += " (the offer names no ICP industry)"
    else:
        first += " outside the ICP industries"
    if signals:
        first += f"; bio mentions {_join(signals)}"
    sentences = [first + "."]

    details: list[str] = []
    if shared:
        quoted = ", ".join(f"'{word}'" for word in shared[:QUOTED_TERMS_MAX])
        noun = "term" if len(shared[:QUOTED_TERMS_MAX]) == 1 else "terms"
        details.append(f"shares the offer's {noun} {quoted}")
    if against:
        details.append(f"against it: {_join(against)}")
    if not details and not signals:
        details.append("no buying signals in the profile")
    if details:
        detail = "; ".join(details)
        sentences.append(detail[0].upper() + detail[1:] + ".")
    return " ".join(sentences)
