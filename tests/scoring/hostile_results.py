"""Hostile text, and results holding it, for the tests comparing what a database writes (the
CSV export, the streamed JSON list) with what Python writes, byte for byte."""

from __future__ import annotations

import random
import sys
import unicodedata
from datetime import UTC, datetime

from django.db import connection

from scoring.models import ScoreResult, ScoringRun
from tests.factories import LeadFactory, OfferFactory, UploadFactory

FORMULA = ("=", "+", "-", "@")
BREAKS = (",", ";", "\t", "\r", "\n", "\r\n")
# Every invisible character neutralise looks past, and every one NFKC folds to a formula start.
INVISIBLE = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
FOLDED = [
    chr(c)
    for c in range(0x80, sys.maxunicode + 1)
    if unicodedata.normalize("NFKC", chr(c)).startswith(FORMULA)
]
PIECES = (
    *FORMULA,
    *BREAKS,
    *INVISIBLE,
    *FOLDED,
    *(f + "1+1" for f in FORMULA),
    '"',
    '""',
    "'",
    "\x00",
    " ",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\x1b",
    "\x85",
    "\x7f",
    "\\",
    "\\.",
    "\\N",
    "É",
    "東京",
    "\U0001f469\u200d\U0001f4bb",
    "\U00010348",
    "\uffff",
    "e\u0301",
    "word",
    "HYPERLINK(x)",
    # Every C0 control: JSON writes five as \b \t \n \f \r, the others as \u00XX.
    *(chr(c) for c in range(0x20)),
)
# Text a model may write at length (the reasoning): every piece, over half a megabyte.
LONG_TEXT = "".join(PIECES) * 3000


def hostile_texts(count: int, seed: int) -> list[str]:
    """Every piece alone, at the start, after each break and behind invisible characters or
    quotes; then random mixes of them."""
    rng = random.Random(seed)

    def hiding() -> str:  # what neutralise looks past: quotes and invisible characters
        return "".join(
            rng.choice(['"', '""', rng.choice(INVISIBLE)]) for _ in range(rng.randint(1, 3))
        )

    texts = ["", "plain", "Dublin, Ireland", "a;b", "x,-2", '"=1', 'x;"=1', 'x,""\u200b+1']
    for piece in PIECES:
        texts += [piece, piece + "x", "x" + rng.choice(BREAKS) + piece + "y"]
        texts.append(rng.choice(INVISIBLE) + piece)
        texts.append("x" + rng.choice(BREAKS) + rng.choice(INVISIBLE) + piece)
        texts.append(hiding() + piece)
        texts.append("x" + rng.choice(BREAKS) + hiding() + piece)
    while len(texts) < count:
        texts.append("".join(rng.choice(PIECES) for _ in range(rng.randint(1, 8))))
    if connection.vendor == "postgresql":  # its text cannot hold a NUL
        texts = [text.replace("\x00", "") for text in texts]
    return texts


def make_results(texts: list[str]) -> None:
    """One result per 7 texts, each in a cell checked for formulas, and in other text cells;
    every 100th reasoning is LONG_TEXT. A third of the leads have no outcome (blank, and null
    outcome_at)."""
    offer = OfferFactory()
    upload = UploadFactory(workspace=offer.workspace)
    run = ScoringRun.objects.create(
        workspace=offer.workspace, offer=offer, scope_key="k", provider="p", rules_version="r"
    )
    rng = random.Random(1)
    long_text = LONG_TEXT
    if connection.vendor == "postgresql":  # its text cannot hold a NUL
        long_text = long_text.replace("\x00", "")
    results = []
    for n in range(0, len(texts), 7):
        cell = [texts[(n + i) % len(texts)] for i in range(7)]
        outcome = rng.choice(["", "won", "lost"])
        lead = LeadFactory(
            upload=upload,
            name=cell[0] or "x",
            role=cell[1],
            company=cell[2],
            industry=cell[3],
            location=cell[4],
            dedupe_key=f"k{n}",
            outcome=outcome,
            outcome_at=None if not outcome else datetime(2026, 11, 30, 9, 0, n % 2 * 7, tzinfo=UTC),
        )
        results.append(
            ScoreResult(
                workspace=offer.workspace,
                lead=lead,
                offer=offer,
                run=run,
                score=n % 101,
                intent="High",
                rule_score=50,
                role_points=20,
                industry_points=20,
                completeness_points=10,
                ai_intent="Low",
                ai_points=0,
                ai_provider=cell[6][:200],
                ai_model=cell[6][:200],
                ai_status="ok",
                reasoning=long_text if n % 700 == 0 else cell[5],
                rules_version="2026.11",
                prompt_version=cell[0][:100],
                inputs_hash=f"{n:032x}",
                # With and without microseconds: isoformat writes them only when not zero.
                scored_at=datetime(2026, 11, 27, 10, 0, 1, (n % 3) * 120000, tzinfo=UTC),
            )
        )
    ScoreResult.objects.bulk_create(results)
