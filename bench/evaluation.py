"""Time GET /results/evaluation/ over many labelled results.

Usage: python bench/evaluation.py [--results 100000] [--labelled 1.0] [--repeat 5]
                                  [--sqlite] [--postgres]

Builds --results results of one offer with SQL (bench/score.py's build_results: the app's
point scale, scores 10-100 in steps of 10 with many ties), gives --labelled of their leads an
outcome whose chance of being won rises with the score, then times, --repeat times each:
  - the aggregate query alone (result_outcome_cells),
  - the evaluation maths alone (scoring.evaluation.evaluate, bootstrap included),
  - the whole request, GET /results/evaluation/?offer_id= through Django's test client,
and the Python heap's peak (tracemalloc) during one whole request. Each database is fresh
(SQLite file, or a PostgreSQL database on 127.0.0.1:5432, user postgres) and dropped
afterwards. Prints medians. Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.score import (  # noqa: E402
    _hash,
    api_key,
    build_results,
    each_database,
    setup_django,
)


def label_outcomes(workspace_id: int, offer_id: int, labelled: float) -> None:
    """Give `labelled` of the leads an outcome: won with a chance of (score / 100)^2 / 2."""
    from django.db import connection

    cut = int(labelled * 65536)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_lead SET outcome = (SELECT CASE "  # noqa: S608
            f"WHEN {_hash('leads_lead.id', 7)} >= %s THEN '' "
            f"WHEN {_hash('leads_lead.id', 8)} %% 20000 < r.score * r.score "
            "THEN 'won' ELSE 'lost' END FROM scoring_scoreresult r "
            "WHERE r.lead_id = leads_lead.id AND r.offer_id = %s) WHERE workspace_id = %s",
            [cut, offer_id, workspace_id],
        )
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE leads_lead")


def median_seconds(function, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(args: argparse.Namespace) -> None:
    from django.db import connection
    from rest_framework.test import APIClient

    from scoring.evaluation import evaluate
    from scoring.selectors import ResultFilters, result_outcome_cells

    workspace, (offer,) = build_results(args.results, 1)
    start = time.perf_counter()
    label_outcomes(workspace.pk, offer.pk, args.labelled)
    print(f"labelled the leads in {time.perf_counter() - start:.1f}s")
    filters = ResultFilters(offer_id=offer.pk)
    cells = result_outcome_cells(workspace=workspace, filters=filters)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key(workspace)}")
    path = f"/results/evaluation/?offer_id={offer.pk}"
    report = client.get(path).json()
    print(
        f"{connection.vendor}: {report['leads']:,} results, {report['labelled']:,} labelled, "
        f"{len(cells)} cells; auc {report['auc']:.4f}, base rate {report['base_rate']:.3f}"
    )
    query = median_seconds(
        lambda: result_outcome_cells(workspace=workspace, filters=filters), args.repeat
    )
    maths = median_seconds(lambda: evaluate(cells), args.repeat)
    whole = median_seconds(lambda: client.get(path), args.repeat)
    tracemalloc.start()
    client.get(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"median of {args.repeat}: aggregate query {query * 1000:.0f} ms, maths "
        f"{maths * 1000:.0f} ms, whole request {whole * 1000:.0f} ms; "
        f"Python heap peak during a request {peak / 1024:.0f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--labelled", type=float, default=1.0, help="share of leads labelled")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django()
        measure(args)
        return
    each_database(__file__, args, f"evaluation of {args.results:,} results")


if __name__ == "__main__":
    main()
