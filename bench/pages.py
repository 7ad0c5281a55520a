"""Time the web app's pages with 100,000 results stored, in-process (Django's test client).

Usage: python bench/pages.py [--rows 100000] [--repeat 20] [--postgres]
Imports --rows leads (bench/generate.py file), scores them with the heuristic classifier,
then requests each page --repeat times as a signed-in person, and prints the first request
(counts not yet cached) and the median of the others, in milliseconds. Asserts nothing.
Runs with tests.settings (DEBUG off), in a child process whose DATABASE_URL is set first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import write  # noqa: E402
from bench.ingest import fresh_database  # noqa: E402

PAGES = [
    ("start page", "/app/"),
    ("offers", "/app/offers/"),
    ("upload", "/app/upload/"),
    ("score", "/app/score/"),
    ("run", "/app/runs/{run}/"),
    ("run progress (htmx)", "/app/runs/{run}/"),
    ("results", "/app/results/"),
    ("results, one offer and upload", "/app/results/?offer={offer}&upload={upload}"),
    ("results, High only", "/app/results/?intent=High"),
    ("results, min score 70, by name", "/app/results/?min_score=70&ordering=name"),
    ("results, search 'smith'", "/app/results/?q=smith"),
    ("results, page 1000", "/app/results/?page=1000"),
    ("API keys", "/app/keys/"),
]


def child(rows: int, repeat: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from leads.services import leads_import_csv
    from scoring.classifiers.heuristic import HeuristicClassifier
    from scoring.runs import leads_score
    from tests.factories import OfferFactory
    from workspaces.services import user_create

    call_command("migrate", verbosity=0)
    user = user_create(
        workspace_name="bench",
        email="bench@example.invalid",
        password="bench-pw-1",  # noqa: S106
    )
    workspace = user.membership.workspace
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "leads.csv"
        write(rows, str(path))
        with path.open("rb") as file:
            upload = leads_import_csv(workspace=workspace, file=file, max_rows=rows + 1)
    offer = OfferFactory(workspace=workspace, icp_industries=["SaaS"])
    start = time.perf_counter()
    run = leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())
    print(f"  {run.scored:,} results stored (scoring took {time.perf_counter() - start:.1f} s)")
    # Fresh statistics, as autovacuum (PostgreSQL) would have gathered after the bulk load.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(user)
    ids = {"run": run.pk, "offer": offer.pk, "upload": upload.pk}
    for label, template in PAGES:
        path = template.format(**ids)
        headers = {"HTTP_HX_REQUEST": "true"} if "htmx" in label else {}
        timings = []
        for _ in range(repeat + 1):
            began = time.perf_counter()
            response = client.get(path, **headers)
            timings.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        median = statistics.median(timings[1:])
        print(f"  {label:<34} first {timings[0]:7.1f} ms   median {median:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.rows, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.postgres, tmp) as url:
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"{backend}: pages with {args.rows:,} leads scored, {args.repeat} requests each")
        command = [sys.executable, __file__, "--child", f"--rows={args.rows}"]
        command.append(f"--repeat={args.repeat}")
        subprocess.run(command, check=True, env={**os.environ, "DATABASE_URL": url})


if __name__ == "__main__":
    main()
