"""Write a deterministic, messy lead CSV of N rows (the shape real CRM exports have).

Usage: python bench/generate.py ROWS OUT.csv [--seed N]
"""

from __future__ import annotations

import argparse
import csv
import random

FIRST = [
    "Ava",
    "Liam",
    "Noah",
    "Emma",
    "Sofía",
    "Jürgen",
    "Chloé",
    "Mateo",
    "Priya",
    "Wei",
    "Olivia",
    "Lucas",
    "Amélie",
    "João",
    "Zoë",
    "Hiroshi",
    "Fatima",
    "Oscar",
    "Ingrid",
    "Ravi",
]
LAST = [
    "Patel",
    "Smith",
    "Müller",
    "García",
    "Rossi",
    "Dubois",
    "Silva",
    "Chen",
    "O'Brien",
    "Kowalski",
    "Nguyen",
    "Johansson",
    "Costa",
    "Yamamoto",
    "Schmidt",
    "López",
    "Khan",
]
ROLES = [
    "CEO",
    "Head of Growth",
    "VP Sales",
    "Sales Manager",
    "Software Engineer",
    "Marketing Coordinator",
    "Co-Founder & CTO",
    "Director of Operations",
    "Sr. Account Executive",
    "Intern",
    "Geschäftsführer",
    "Directeur Général",
    "Assistant to the CEO",
    "Lead Generation Specialist",
    "Head of RevOps",
    "",
]
COMPANIES = [
    "FlowMetrics",
    "Acme, Inc.",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Retail",
    "Wayne Fintech",
    "Hooli",
    "Pied Piper",
    "Vandelay Imports",
    "Soylent Foods",
]
INDUSTRIES = [
    "SaaS",
    "Software",
    "Computer Software",
    "Hospital & Health Care",
    "Retail",
    "Financial Services",
    "E-commerce",
    "IT Services",
    "Manufacturing",
    "Education",
    "",
]
LOCATIONS = ["Austin, TX", "Berlin", "São Paulo", "London, UK", "Paris", "Remote", ""]
BIOS = [
    "Scaling outbound at a Series B SaaS company; we're hiring SDRs and evaluating tools.",
    'Operator. Ex-consultant.\nLoves "data-driven" growth, hates spreadsheets.',
    "Student of life; currently open to work.",
    "Leading a 40-person sales org across EMEA, recently raised our Series C.",
    "Building payments infrastructure for marketplaces, expanding to LATAM.",
    '=HYPERLINK("http://example.invalid","click") bios can start with formulas',
    "",
]


# Sentences real bios are made of: buying signals, blockers, plain background. `{n}` takes a
# number, so that with the row's own detail every bio differs, as in a real export.
SENTENCES = [
    "Scaling outbound at a Series B SaaS company.",
    "We're hiring {n} SDRs this quarter.",
    "Evaluating tools for pipeline analytics.",
    "Recently raised ${n}M to grow the team.",
    "Expanding to LATAM and opening new offices.",
    "Migrating our CRM off a legacy system.",
    "Looking for a better way to run outreach.",
    "Budget approved for {n} new seats.",
    "Operator. Ex-consultant at a firm of {n} people.",
    'Loves "data-driven" growth, hates spreadsheets.',
    "Student of life; currently open to work.",
    "Leading a {n}-person sales org across EMEA.",
    "Building payments infrastructure for marketplaces.",
    "Not hiring right now, no sales pitches please.",
    "Retired after {n} years in logistics.",
    "MBA student at a business school, class of 2027.",
    "Passionate about customer success and mentoring.",
    "Former founder (exit in 20{n2}), now advising startups.",
    "Speaker, podcast host, coffee enthusiast.",
    "Runs a team of {n} engineers shipping weekly.",
    "Helping mid-market retailers cut stock-outs by {n}%.",
    "Über-pragmatic Geschäftsführer, based in München.",
    "Ancien directeur commercial, très orienté résultats.",
    '=HYPERLINK("http://example.invalid","click") bios can start with formulas',
]


def bio_for(rng: random.Random, row: int) -> str:
    """Return a bio of 2-6 sentences, different from every other row's (it names `row`)."""
    picked = rng.sample(SENTENCES, rng.randint(2, 6))
    text = " ".join(
        s.format(n=rng.randint(2, 400), n2=rng.randint(10, 25)) if "{n" in s else s for s in picked
    )
    sep = "\n" if rng.random() < 0.2 else " "
    return f"{text}{sep}Member #{row} of the {rng.choice(COMPANIES)} alumni network."


def write(rows: int, path: str, seed: int = 42) -> None:
    """Write `rows` leads to `path`; every bio is distinct (memoising by content finds nothing)."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            ["Name", "Role", "Company", "Industry", "Location", "LinkedIn Bio", "Email"]
        )
        for i in range(rows):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
            bio = bio_for(rng, i)
            writer.writerow(
                [
                    f"  {name} " if i % 7 == 0 else name,
                    rng.choice(ROLES),
                    rng.choice(COMPANIES),
                    rng.choice(INDUSTRIES),
                    rng.choice(LOCATIONS),
                    bio,
                    f"lead{i}@example.invalid",
                ]
            )
            if i % 1000 == 999:
                writer.writerow([])  # blank lines, as hand-edited exports have


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rows", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    write(args.rows, args.out, args.seed)


if __name__ == "__main__":
    main()
