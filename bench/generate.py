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


def write(rows: int, path: str, seed: int = 42) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            ["Name", "Role", "Company", "Industry", "Location", "LinkedIn Bio", "Email"]
        )
        for i in range(rows):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
            bio = rng.choice(BIOS) * rng.randint(2, 4)
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
