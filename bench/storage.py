"""Time the storing of results alone: `upsert_results`, as a run's chunks call it.

Usage: python bench/storage.py [--postgres] [--sqlite] [--rows 100000] [--passes 5]

Each database is fresh (dropped afterwards) and Django runs in a child process with
tests.settings. It imports --rows leads, then stores one result per lead in chunks of 5,000, one
transaction each, as chunk_commit does: --passes times as new results (the table emptied before
each pass: a first scoring), then --passes times over the existing ones (scoring again).

Prints the CPU per result of this process plus, on PostgreSQL, of its server process (read from
/proc: CPU, not wall time, so other work on a shared machine counts less), median of the passes.
Asserts nothing. With neither --postgres nor --sqlite, both run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.score import each_database, import_leads, make_workspace, setup_django  # noqa: E402

CHUNK = 5000
REASONING = (
    "Role 'VP Sales' is a decision maker (+20); industry 'SaaS' matches the ICP 'B2B SaaS "
    "mid-market' (+20); all fields present (+10). AI (heuristic): High. Decision maker in the "
    "ICP industry; bio mentions recently raised funding."
)


def server_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL server process (0 on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(args: argparse.Namespace) -> None:
    setup_django()
    from django.db import connection, transaction
    from django.utils import timezone

    from leads.models import Lead
    from scoring.models import ScoreResult, ScoringRun
    from scoring.storage import upsert_results

    workspace, offer = make_workspace("storage")
    import_leads(workspace, args.rows, args.tmp)
    run = ScoringRun.objects.create(
        workspace=workspace, offer=offer, provider="heuristic", rules_version="bench", total=1
    )
    ids = list(Lead.objects.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True))
    # ROW_COLUMNS: lead, prompt version, then the result's parts (scoring.result_parts).
    rows = [
        (pk, "", pk % 101, "High", 40, 20, 10, 10, "High", 50, "heuristic", "", "ok",
         f"{REASONING} {pk}", f"{pk:032x}")
        for pk in ids
    ]  # fmt: skip

    def one_pass() -> float:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        shared = (workspace.pk, offer.pk, run.pk, "bench", now)  # SHARED_COLUMNS
        cpu = time.process_time() + server_cpu()
        for at in range(0, len(rows), CHUNK):
            with transaction.atomic():
                upsert_results(shared=shared, rows=rows[at : at + CHUNK])
        return (time.process_time() + server_cpu() - cpu) / len(rows) * 1e6

    fresh = []
    for _ in range(args.passes):
        ScoreResult.objects.all().delete()
        fresh.append(one_pass())
    again = [one_pass() for _ in range(args.passes)]
    print(
        f"{connection.vendor}: CPU per result (us, this process + database server), median of "
        f"{args.passes}: new {statistics.median(fresh):.1f} {[round(t, 1) for t in fresh]}, "
        f"existing {statistics.median(again):.1f} {[round(t, 1) for t in again]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args)
        return
    each_database(__file__, args, f"storing {args.rows:,} results")


if __name__ == "__main__":
    main()
