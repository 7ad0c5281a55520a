"""Write samples/leads_with_outcomes.csv: SYNTHETIC demonstration leads with outcomes.

No row describes a real person or company. Each lead is scored offline against
samples/offer.json (rules + the heuristic classifier), and its outcome is drawn at random with
a chance of winning that rises with that score: the scores predict the outcomes, imperfectly,
as they would on real data. A fifth of the leads are still open.

Usage: python samples/make_leads_with_outcomes.py [ROWS] (default 300; seed fixed)
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BIOS, COMPANIES, FIRST, INDUSTRIES, LAST, LOCATIONS, ROLES  # noqa: E402
from scoring.classifiers.heuristic import HeuristicClassifier  # noqa: E402
from scoring.composition import Thresholds, score_leads  # noqa: E402
from scoring.facts import LeadFacts, OfferFacts  # noqa: E402

OUT = ROOT / "samples" / "leads_with_outcomes.csv"
NOTE = "synthetic demonstration data"
# How CRMs spell the outcomes: the upload reads every one of these.
WON_WORDS = ["won", "Closed Won", "customer", "Converted"]
LOST_WORDS = ["lost", "Closed Lost", "Disqualified", "unqualified"]
OPEN_WORDS = ["", "Open"]


def main(rows: int = 300) -> None:
    rng = random.Random(2026)  # noqa: S311 - demonstration data, reproducible on purpose
    spec = json.loads((ROOT / "samples" / "offer.json").read_text(encoding="utf-8"))
    offer = OfferFacts(
        name=spec["name"],
        value_props=tuple(spec["value_props"]),
        ideal_use_cases=tuple(spec["ideal_use_cases"]),
    )
    leads = []
    for i in range(rows):
        company = f"{rng.choice(COMPANIES).rstrip('.')} Demo {i % 37}"
        leads.append(
            LeadFacts(
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i:03d}",
                role=rng.choice(ROLES),
                company=company,
                industry=rng.choice(INDUSTRIES),
                location=rng.choice(LOCATIONS),
                linkedin_bio=rng.choice([b for b in BIOS if not b.startswith("=")]),
            )
        )
    scores = score_leads(offer, leads, HeuristicClassifier(), Thresholds())
    with OUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["name", "role", "company", "industry", "location", "linkedin_bio", "outcome", "note"]
        )
        for lead, scored in zip(leads, scores, strict=True):
            if rng.random() < 0.2:
                outcome = rng.choice(OPEN_WORDS)
            else:
                # From about 4% at score 10 to about 60% at 100.
                chance = 0.02 + 0.58 * (scored.score / 100) ** 2
                outcome = rng.choice(WON_WORDS if rng.random() < chance else LOST_WORDS)
            writer.writerow(
                [
                    lead.name,
                    lead.role,
                    lead.company,
                    lead.industry,
                    lead.location,
                    lead.linkedin_bio,
                    outcome,
                    NOTE,
                ]
            )
    print(f"wrote {rows} synthetic rows to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
