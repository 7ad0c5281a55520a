"""Time scoring, the CSV export, the results listing and the OpenAI classifier, in-process.

Usage: python bench/score.py [--heuristic] [--export] [--results-page] [--openai] [--all]
                             [--postgres] [--sqlite] [--rows 100000] [--repeat 3] [--profile]

Sub-benchmarks (each in its own fresh database, dropped afterwards; Django runs in-process with
tests.settings, in a child process per database so that DATABASE_URL is set before setup):

  --heuristic     import --rows leads (bench/generate.py file, every bio distinct) with
                  leads_import_csv, then time POST /score/ in the request (Django's test Client,
                  no broker, HeuristicClassifier) --repeat times (the first run inserts results,
                  later runs update them) -> leads/s scored and persisted, how many scoring
                  processes scored (0: in the request's process; see
                  LEADSCORING_SCORING_PROCESSES), CPU per lead of this process, of its scoring
                  processes and of the rest of the machine (the database server; on a shared
                  machine, other work too), and on PostgreSQL the share of HOT updates among
                  the results' updates; also the pure scoring rate (score_leads, one process,
                  no database). --profile adds a cProfile of one more run, top 15 by tottime,
                  timed in CPU seconds of this process (wall time counts the waits for its
                  scoring processes; CPU time counts its other threads, which send chunks to
                  them and write results, within whatever call the profiled thread is in);
                  on PostgreSQL also EXPLAIN ANALYZE of one of its result upserts.
  --export        GET /results/export/ through Django's test Client on --rows and on
                  --export-small results -> rows/s, and peak RSS growth / tracemalloc peak
                  during the export (each size measured in a fresh process).
  --results-page  build --results results with SQL (leads x --offers offers), then time
                  GET /results/ (default, ?offer_id, ?intent=High, ?min_score=80, ?page=500),
                  --requests requests each -> median ms, with the SQL time per query; on
                  PostgreSQL also EXPLAIN ANALYZE of the COUNT and the page SELECT of the
                  default listing (of every listing with --explain-all).
  --openai        a loopback OpenAI-compatible server (bench/background.py's, in a process of
                  its own) answering after --latency seconds; time OpenAIClassifier.classify of
                  --openai-leads leads (batch 10, concurrency 16) against the ideal and against
                  whole waves of requests, then leads_score with it (cold cache, then all
                  cached).

Databases: --postgres (fresh database on 127.0.0.1:5432, user postgres) and/or --sqlite. With
neither, every sub-benchmark runs on SQLite except --results-page, which runs on PostgreSQL.
Prints figures (medians of the repeats). Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.background import llm_server, llm_stats  # noqa: E402
from bench.generate import (  # noqa: E402
    BIOS,
    COMPANIES,
    FIRST,
    INDUSTRIES,
    LAST,
    LOCATIONS,
    ROLES,
    write,
)
from bench.ingest import fresh_database  # noqa: E402

OFFER = json.loads((ROOT / "samples" / "offer.json").read_text())
# Offers of the SQL-built results: several, as a workspace has.
OFFERS = [
    OFFER,
    {
        "name": "Payments Reconciliation",
        "value_props": ["close the books in a day"],
        "ideal_use_cases": ["Fintech and e-commerce finance teams"],
    },
    {
        "name": "Clinic Scheduling",
        "value_props": ["fewer no-shows"],
        "ideal_use_cases": ["Hospital & Health Care operations"],
    },
    {
        "name": "Retail Demand Forecasting",
        "value_props": ["less stock-outs"],
        "ideal_use_cases": ["Retail and e-commerce planners"],
    },
]
# Reasonings the rule layer and the heuristic write, for the SQL-built results.
REASONINGS = [
    "Role 'VP Sales' is a decision maker (+20); industry 'SaaS' matches the ICP 'B2B SaaS "
    "mid-market' (+20); all fields present (+10). AI (heuristic): High. Decision maker in the "
    "ICP industry; bio mentions recently raised funding. Shares the offer's terms 'outreach'.",
    "Role 'Head of Growth' is an influencer (+10); industry 'Computer Software' is adjacent to "
    "the ICP (+10); all fields present (+10). AI (heuristic): Medium. Influencer in an adjacent "
    "industry. No buying signals in the profile.",
    "Role 'Intern' is no buying role (+0); industry 'Education' is outside the ICP (+0); "
    "location missing (+0). AI (heuristic): Low. No buying role outside the ICP industries. "
    "Against it: open to work, unrelated industry.",
    "Role 'CEO' is a decision maker (+20); no industry given (+0); industry missing (+0). "
    "AI (openai): Medium. Founder-level role at a company of unknown industry; the bio mentions "
    "hiring SDRs, a sign of outbound investment.",
    "Role 'Software Engineer' is no buying role (+0); industry 'IT Services' is adjacent to the "
    "ICP (+10); all fields present (+10). AI (heuristic): Low. No buying role in an adjacent "
    "industry. No buying signals in the profile.",
]
EXPORT_WARMUP_ROWS = 200


# --- orchestration (parent process: no Django) ----------------------------------------------


def backends_for(bench: str, args: argparse.Namespace) -> list[str]:
    chosen = [name for name in ("sqlite", "postgres") if getattr(args, name)]
    if chosen:
        return chosen
    return ["postgres"] if bench == "results-page" else ["sqlite"]


def steps_for(bench: str, args: argparse.Namespace) -> list[str]:
    if bench == "export":
        # Each size measured in a process of its own: peak RSS is not shared between them.
        return [
            "export-prepare",
            f"export-measure:{args.export_small}",
            f"export-measure:{args.rows}",
        ]
    return [bench]


def child_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "LEADSCORING_AI_PROVIDER": "heuristic",
        "OPENAI_API_KEY": "",
        "PYTHONUNBUFFERED": "1",
    }


def each_database(script: str, args: argparse.Namespace, title: str) -> None:
    """Run `script` again with this process's arguments and `--child --tmp DIR`, once per
    database chosen by args.sqlite / args.postgres (both when neither), each in a fresh one."""
    chosen = [name for name in ("sqlite", "postgres") if getattr(args, name)]
    for backend in chosen or ["sqlite", "postgres"]:
        with (
            tempfile.TemporaryDirectory() as tmp,
            fresh_database(backend == "postgres", tmp) as database_url,
        ):
            print(f"\n=== {title} on {backend} ===", flush=True)
            subprocess.run(
                [sys.executable, script, *sys.argv[1:], "--child", "--tmp", tmp],
                cwd=ROOT,
                env=child_env(database_url),
                check=True,
            )


def orchestrate(args: argparse.Namespace, argv: list[str]) -> None:
    benches = [
        name
        for name in ("heuristic", "export", "results-page", "openai")
        if args.all or getattr(args, name.replace("-", "_"))
    ]
    if not benches:
        raise SystemExit(
            "choose at least one of --heuristic --export --results-page --openai --all"
        )
    for bench in benches:
        for backend in backends_for(bench, args):
            with (
                tempfile.TemporaryDirectory() as tmp,
                fresh_database(backend == "postgres", tmp) as database_url,
            ):
                print(f"\n=== {bench} on {backend} ===", flush=True)
                for step in steps_for(bench, args):
                    subprocess.run(
                        [sys.executable, __file__, *argv, "--child", step, "--tmp", tmp],
                        cwd=ROOT,
                        env=child_env(database_url),
                        check=True,
                    )


# --- helpers (child process: Django set up) -------------------------------------------------


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def backend_name() -> str:
    from django.db import connection

    return connection.vendor


class SqlLog:
    """A connection.execute_wrapper that counts queries and the time spent in them."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep
        self.queries = 0
        self.seconds = 0.0
        self.entries: list[tuple[str, Any, float]] = []
        self.by_statement: dict[str, float] = {}

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            self.queries += 1
            self.seconds += elapsed
            head = " ".join(sql[:200].split()[:3])[:45]  # a statement may be 50 KB
            self.by_statement[head] = self.by_statement.get(head, 0.0) + elapsed
            if self.keep:
                self.entries.append((sql, params, elapsed))


@contextlib.contextmanager
def sql_log(keep: bool = False) -> Iterator[SqlLog]:
    from django.db import connection

    log = SqlLog(keep)
    with connection.execute_wrapper(log):
        yield log


def make_workspace(name: str, offer: dict | None = None):  # type: ignore[no-untyped-def]
    from offers.services import offer_create
    from workspaces.models import Workspace

    workspace = Workspace.objects.create(name=name)
    return workspace, offer_create(workspace=workspace, data=offer or OFFER)


def workspace_offer(name: str):  # type: ignore[no-untyped-def]
    from offers.models import Offer
    from workspaces.models import Workspace

    workspace = Workspace.objects.get(name=name)
    return workspace, Offer.objects.filter(workspace=workspace).order_by("pk").first()


def api_key(workspace) -> str:  # type: ignore[no-untyped-def]
    from workspaces.services import api_key_create

    return api_key_create(workspace_name=workspace.name)[1]


def import_leads(workspace, rows: int, tmp: str) -> float:  # type: ignore[no-untyped-def]
    from leads.services import leads_import_csv

    path = Path(tmp) / f"leads-{rows}.csv"
    if not path.exists():
        write(rows, str(path))
    start = time.perf_counter()
    with path.open("rb") as file:
        upload = leads_import_csv(
            workspace=workspace,
            file=file,
            filename=path.name,
            size_bytes=path.stat().st_size,
            max_rows=max(rows, 1_000_000),
        )
    elapsed = time.perf_counter() - start
    if upload.created != rows:
        print(f"  warning: import created {upload.created} of {rows} leads")
    return elapsed


def proc_status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> bool:
    """Reset VmHWM (Linux >= 4.0), so that it measures from now; False when not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def print_profile(profiler: cProfile.Profile, top: int = 15) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(top)
    text = out.getvalue()
    # Drop pstats' preamble up to the column titles.
    print(text[text.find("   ncalls") :].rstrip())


# --- heuristic --------------------------------------------------------------------------------


def bench_heuristic(args: argparse.Namespace) -> None:
    from django.conf import settings

    from leads.models import Lead
    from scoring import parallel
    from scoring.classifiers.heuristic import HeuristicClassifier
    from scoring.composition import score_leads
    from scoring.facts import LEAD_FIELDS, LeadFacts
    from scoring.models import ScoreResult
    from scoring.offer_inputs import offer_facts, thresholds
    from scoring.runs import leads_score

    backend = backend_name()
    workspace, offer = make_workspace("bench-heuristic")
    elapsed = import_leads(workspace, args.rows, args.tmp)
    print(
        f"{backend}: imported {args.rows:,} leads in {elapsed:.1f}s ({args.rows / elapsed:,.0f}/s)"
    )

    from django.test import Client

    client = Client()
    headers = {"authorization": f"Api-Key {api_key(workspace)}"}
    timings = []
    for i in range(args.repeat):
        hot_before = update_counts()
        cpu_before = cpu_by_process()
        with sql_log() as log:
            start = time.perf_counter()
            # In the request, as `make run` serves it (no broker): 200 with the finished run.
            response = client.post(
                "/score/", {"offer_id": offer.pk}, content_type="application/json", headers=headers
            )
            elapsed = time.perf_counter() - start
        cpu_after = cpu_by_process()
        if response.status_code != 200:
            raise SystemExit(f"POST /score/ answered {response.status_code}: {response.content!r}")
        scored = response.json()["scored"]
        timings.append(elapsed)
        processes = parallel.running()
        stored = ScoreResult.objects.filter(workspace=workspace, offer=offer).count()
        hot = update_note(hot_before, update_counts())
        print(
            f"run {i + 1} ({'insert' if i == 0 else 'update'}): {elapsed:.2f}s "
            f"{scored / elapsed:,.0f} leads/s  scored={scored} stored={stored}  "
            f"processes={processes}  "
            f"SQL {log.seconds:.2f}s in {log.queries} queries ({100 * log.seconds / elapsed:.0f}%)"
            f"{hot}"
        )
        top = sorted(log.by_statement.items(), key=lambda item: -item[1])[:3]
        print("    SQL by statement: " + "; ".join(f"{head} {sec:.2f}s" for head, sec in top))
        print(cpu_note(cpu_before, cpu_after, scored))
    median = statistics.median(timings)
    print(
        f"{backend}: POST /score/ heuristic, {args.rows:,} leads (distinct bios): median "
        f"{median:.2f}s = {args.rows / median:,.0f} leads/s, scored by "
        f"{parallel.running() or 'no'} scoring processes (LEADSCORING_SCORING_PROCESSES="
        f"{settings.SCORING_PROCESSES}, MIN_LEADS={settings.SCORING_PROCESSES_MIN_LEADS}, "
        f"{len(os.sched_getaffinity(0))} usable CPUs)"
    )

    # The same scoring without the database: what the Python side alone allows.
    rows = list(Lead.objects.filter(workspace=workspace).order_by("pk").values_list(*LEAD_FIELDS))
    leads = [LeadFacts(*row) for row in rows]
    facts = offer_facts(offer)
    classifier = HeuristicClassifier()
    start = time.perf_counter()
    for at in range(0, len(leads), 1000):
        score_leads(facts, leads[at : at + 1000], classifier, thresholds())
    pure = time.perf_counter() - start
    print(f"{backend}: score_leads only (no DB): {pure:.2f}s = {len(leads) / pure:,.0f} leads/s")
    del rows, leads

    if args.profile:
        profiler = cProfile.Profile(time.process_time)
        with sql_log(keep=True) as log:
            profiler.enable()
            leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())
            profiler.disable()
        print(f"{backend}: cProfile of one re-scoring run, top 15 by tottime:")
        print_profile(profiler)
        upserts = [e for e in log.entries if e[0].startswith('INSERT INTO "scoring_scoreresult"')]
        del log
        if upserts and backend == "postgresql":
            explain_upsert(*upserts[0][:2])


def cpu_by_process() -> dict[str, float]:
    """Return CPU seconds used so far by this process (all its threads), by its scoring
    processes, and by the whole machine (/proc/stat: busy time of every core)."""
    from scoring import parallel

    tick = os.sysconf("SC_CLK_TCK")

    def cpu(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    executor = parallel._POOL.executor
    scorers = list(executor._processes or ()) if executor is not None else []  # type: ignore[attr-defined]
    # user, nice, system, idle, iowait, irq, softirq, steal
    times = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    busy = sum(times) - times[3] - times[4]
    return {
        "this process": time.process_time(),
        "scoring processes": sum(map(cpu, scorers)),
        "machine": busy / tick,
    }


def cpu_note(before: dict[str, float], after: dict[str, float], leads: int) -> str:
    """CPU per lead of this process, its scoring processes and the rest of the machine (the
    database server's backends; on a shared machine, other work too)."""
    used = {name: 1e6 * (after[name] - before.get(name, 0.0)) / leads for name in after}
    ours, scorers, machine = used["this process"], used["scoring processes"], used["machine"]
    return (
        f"    CPU per lead (us): this process {ours:.0f}, scoring processes {scorers:.0f}, "
        f"rest of the machine {machine - ours - scorers:.0f}; all {machine:.0f}"
    )


def update_counts() -> tuple[int, int] | None:
    """Return (updates, HOT updates) of the results table so far (PostgreSQL), else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    time.sleep(0.6)  # statistics of other backends (the result writer) are flushed within 0.5 s
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
            "WHERE relname = 'scoring_scoreresult'"
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, 0)


def update_note(before: tuple[int, int] | None, after: tuple[int, int] | None) -> str:
    if before is None or after is None or after[0] == before[0]:
        return ""
    updates, hot = after[0] - before[0], after[1] - before[1]
    return f"  HOT updates {hot:,}/{updates:,} ({100 * hot / updates:.0f}%)"


def explain_upsert(sql: str, params: Any) -> None:
    """Print where PostgreSQL spends one result upsert's time (run, then rolled back)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        lines = [line for (line,) in cursor.fetchall()]
        transaction.set_rollback(True)
    print("postgresql: EXPLAIN ANALYZE of the run's first result upsert (deferred FK checks run at")
    print("COMMIT, so they are not in it):")
    for line in lines:
        print("  " + line)


# --- export -----------------------------------------------------------------------------------


def bench_export_prepare(args: argparse.Namespace) -> None:
    from scoring.classifiers.heuristic import HeuristicClassifier
    from scoring.runs import leads_score

    for rows in (EXPORT_WARMUP_ROWS, args.export_small, args.rows):
        workspace, offer = make_workspace(f"bench-export-{rows}")
        imported = import_leads(workspace, rows, args.tmp)
        start = time.perf_counter()
        run = leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())
        scored = time.perf_counter() - start
        if rows != EXPORT_WARMUP_ROWS:
            print(
                f"prepared {run.scored:,} results (import {imported:.1f}s, scoring {scored:.1f}s)"
            )


def export_once(client, key: str) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    response = client.get("/results/export/", headers={"authorization": f"Api-Key {key}"})
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    response.close()
    return time.perf_counter() - start, lines - 1, size


def bench_export_measure(args: argparse.Namespace, rows: int) -> None:
    from django.test import Client

    backend = backend_name()
    client = Client()
    warm_workspace, _ = workspace_offer(f"bench-export-{EXPORT_WARMUP_ROWS}")
    export_once(client, api_key(warm_workspace))  # imports and first-request costs
    workspace, _ = workspace_offer(f"bench-export-{rows}")
    key = api_key(workspace)

    # Memory first, in a process that has exported nothing bigger yet.
    rss_before = proc_status_kb("VmRSS")
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reset = reset_peak_rss()
    elapsed, count, size = export_once(client, key)
    if reset:
        growth = (proc_status_kb("VmHWM") - rss_before) / 1024
        how = "VmHWM after - VmRSS before"
    else:
        growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_before) / 1024
        how = "ru_maxrss growth"
    print(
        f"{backend}: {count:,} rows, {size / 1e6:.1f} MB: first export {elapsed:.2f}s; "
        f"peak RSS growth {growth:.1f} MB ({how}; RSS before {rss_before / 1024:.0f} MB)"
    )

    timings = []
    for i in range(args.repeat):
        elapsed, count, size = export_once(client, key)
        timings.append(elapsed)
        print(f"  run {i + 1}: {elapsed:.2f}s {count / elapsed:,.0f} rows/s")
    median = statistics.median(timings)

    tracemalloc.start()
    export_once(client, key)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{backend}: export {count:,} rows: median {median:.2f}s = {count / median:,.0f} rows/s "
        f"({size / 1e6 / median:.1f} MB/s); Python heap peak (tracemalloc) {peak / 1e6:.1f} MB"
    )


# --- results page ---------------------------------------------------------------------------


def _literal(text: str) -> str:
    # SQL string literal, with % doubled for the %s-style parameters of the same statement.
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _hash(expr: str, salt: int) -> str:
    # A deterministic pseudo-random integer in [0, 65536) from an integer expression: the high
    # half of a 32-bit multiplicative hash (its low bits would follow `expr` modulo small n).
    # Modulo is written %% in these statements, which also take %s parameters.
    return f"((({expr}) + {salt}) * 2654435761 %% 4294967296 / 65536)"


def _pick(values: list[str], expr: str, salt: int) -> str:
    cases = " ".join(f"WHEN {i} THEN {_literal(v)}" for i, v in enumerate(values))
    return f"(CASE {_hash(expr, salt)} %% {len(values)} {cases} END)"


def _series(postgres: bool, count: int) -> tuple[str, str]:
    """Return (prefix, FROM source) giving integers x = 1..count."""
    if postgres:
        return "", f"generate_series(1, {count}) AS g(x)"
    return (
        f"WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {count}) ",  # noqa: S608
        "g",
    )


def build_results(total: int, offers: int) -> tuple[Any, list[Any]]:
    """Store `total` results: total/offers leads, each scored against every offer."""
    from django.db import connection
    from django.utils import timezone

    from leads.models import Upload
    from offers.services import offer_create
    from scoring import rules
    from scoring.classifiers.heuristic import HeuristicClassifier
    from scoring.models import ScoringRun
    from workspaces.models import Workspace

    postgres = connection.vendor == "postgresql"
    per_offer = total // offers
    workspace = Workspace.objects.create(name="bench-results")
    offer_rows = [
        offer_create(
            workspace=workspace,
            data=OFFERS[i % len(OFFERS)] | {"name": f"{OFFERS[i % len(OFFERS)]['name']} {i + 1}"},
        )
        for i in range(offers)
    ]
    upload = Upload.objects.create(
        workspace=workspace, filename="bench.csv", rows_total=per_offer, created=per_offer
    )
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    prefix, source = _series(postgres, per_offer)
    bios = [bio * 2 for bio in BIOS]
    start = time.perf_counter()
    with connection.cursor() as cursor:
        # Statements built from this module's constants only.
        cursor.execute(
            f"{prefix}INSERT INTO leads_lead (workspace_id, upload_id, line, name, role, company, "  # noqa: S608
            "industry, location, linkedin_bio, dedupe_key, created_at) "
            f"SELECT %s, %s, x + 1, {_pick(FIRST, 'x', 1)} || ' ' || {_pick(LAST, 'x', 2)} "
            f"|| ' ' || x, {_pick(ROLES, 'x', 3)}, {_pick(COMPANIES, 'x', 4)}, "
            f"{_pick(INDUSTRIES, 'x', 5)}, {_pick(LOCATIONS, 'x', 6)}, {_pick(bios, 'x', 7)}, "
            f"'k' || x, %s FROM {source}",
            [workspace.pk, upload.pk, stamp],
        )
        cursor.execute("SELECT MIN(id) FROM leads_lead WHERE workspace_id = %s", [workspace.pk])
        first_lead = cursor.fetchone()[0]
        hex32 = "lpad(to_hex({}), 32, '0')" if postgres else "printf('%%032x', {})"
        for n, offer in enumerate(offer_rows):
            classifier = HeuristicClassifier()
            run = ScoringRun.objects.create(
                workspace=workspace,
                offer=offer,
                status=ScoringRun.Status.COMPLETED,
                provider=classifier.name,
                model=classifier.model,
                prompt_version=classifier.prompt_version,
                rules_version=rules.RULES_VERSION,
                total=per_offer,
                scored=per_offer,
                started_at=now,
                finished_at=now,
            )
            # The app's own point scale: role 0/10/20, industry 0/10/20, completeness 0/10 and
            # AI 10/30/50, so scores run 10-100 in steps of 10, with many ties.
            salt = 100 * (n + 1)
            role = f"({_hash('x', salt + 1)} %% 3 * 10)"
            industry = f"({_hash('x', salt + 2)} %% 3 * 10)"
            completeness = f"({_hash('x', salt + 3)} %% 2 * 10)"
            ai = f"({_hash('x', salt + 4)} %% 3 * 20 + 10)"
            cursor.execute(
                f"{prefix}INSERT INTO scoring_scoreresult (workspace_id, lead_id, offer_id, "  # noqa: S608
                "run_id, score, intent, rule_score, role_points, industry_points, "
                "completeness_points, ai_intent, ai_points, ai_provider, ai_model, ai_status, "
                "reasoning, rules_version, prompt_version, inputs_hash, scored_at) "
                "SELECT %s, %s + x - 1, %s, %s, r + c + i + a, CASE WHEN r + c + i + a >= 70 "
                "THEN 'High' WHEN r + c + i + a >= 40 THEN 'Medium' ELSE 'Low' END, r + c + i, "
                "r, i, c, CASE a WHEN 50 THEN 'High' WHEN 30 THEN 'Medium' ELSE 'Low' END, a, "
                f"%s, %s, 'ok', {_pick(REASONINGS, 'x', salt + 5)}, %s, %s, "
                f"{hex32.format(_hash('x', salt + 6) + ' * 4294967296 + x')}, %s "
                f"FROM (SELECT x, {role} AS r, {industry} AS i, {completeness} AS c, {ai} AS a "
                f"FROM {source}) AS t",
                [
                    workspace.pk,
                    first_lead,
                    offer.pk,
                    run.pk,
                    classifier.name,
                    classifier.model,
                    rules.RULES_VERSION,
                    classifier.prompt_version,
                    stamp,
                ],
            )
        # The steady state autovacuum reaches soon after a bulk load: statistics and the
        # visibility map (which index-only scans need) up to date.
        cursor.execute("VACUUM ANALYZE" if postgres else "ANALYZE")
    print(
        f"built {per_offer:,} leads and {per_offer * offers:,} results ({offers} offers) "
        f"in {time.perf_counter() - start:.1f}s"
    )
    return workspace, offer_rows


def _query_kind(sql: str) -> str:
    if "scoring_scoreresult" not in sql:
        return "other"
    return "count" if sql.lstrip().upper().startswith("SELECT COUNT(") else "page"


def bench_results_page(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client

    backend = backend_name()
    workspace, offers = build_results(args.results, args.offers)
    headers = {"authorization": f"Api-Key {api_key(workspace)}"}
    client = Client()
    cases = [
        ("default", "/results/?page_size=100"),
        ("offer_id", f"/results/?page_size=100&offer_id={offers[0].pk}"),
        ("intent=High", "/results/?page_size=100&intent=High"),
        ("min_score=80", "/results/?page_size=100&min_score=80"),
        ("page=500", "/results/?page_size=100&page=500"),
        ("baseline /score/runs/", "/score/runs/"),
    ]
    explained: dict[str, list[tuple[str, Any, float]]] = {}
    print(
        f"{backend}: GET, {args.requests} requests each (after one warm-up), "
        "server time in-process:"
    )
    for label, url in cases:
        client.get(url, headers=headers)
        totals: list[float] = []
        kinds: dict[str, list[float]] = {"count": [], "page": [], "other": []}
        response = None
        for _ in range(args.requests):
            with sql_log(keep=True) as log:
                start = time.perf_counter()
                response = client.get(url, headers=headers)
                totals.append(1000 * (time.perf_counter() - start))
            per_kind = {"count": 0.0, "page": 0.0, "other": 0.0}
            for text, _, seconds in log.entries:
                per_kind[_query_kind(text)] += 1000 * seconds
            for kind, value in per_kind.items():
                kinds[kind].append(value)
            if label == "default" or args.explain_all:
                explained[label] = log.entries
        assert response is not None
        items = len(json.loads(response.content))
        print(
            f"  {label:22} {statistics.median(totals):7.1f} ms  (SQL: COUNT "
            f"{statistics.median(kinds['count']):6.1f}, "
            f"page {statistics.median(kinds['page']):6.1f}, "
            f"other {statistics.median(kinds['other']):5.1f} ms)  status {response.status_code}, "
            f"{items} items, X-Total-Count {response.headers.get('X-Total-Count')}"
        )

    if connection.vendor != "postgresql":
        return
    for label, entries in explained.items():
        for text, params, _ in entries:
            kind = _query_kind(text)
            if kind == "other":
                continue
            with connection.cursor() as cursor:
                print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the {label} listing's {kind.upper()}:")
                print("  " + cursor.mogrify(text, params).decode()[:400])
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text, params)
                for (line,) in cursor.fetchall():
                    print("  " + line)


# --- openai -----------------------------------------------------------------------------------


def ratio(measured: float, ideal: float) -> str:
    return f"{measured / ideal:.2f}x" if ideal else "n/a x"


def bench_openai(args: argparse.Namespace) -> None:
    from leads.models import Lead
    from scoring.classifiers.openai import OpenAIClassifier
    from scoring.facts import LEAD_FIELDS, LeadFacts
    from scoring.models import LLMAnswer
    from scoring.offer_inputs import offer_facts
    from scoring.runs import leads_score

    backend = backend_name()
    # The fake server runs in a process of its own, as a real provider does: here it would
    # compete with the classifier for the GIL.
    with llm_server(args.latency) as (base, _):
        base_url = f"{base}/v1"
        workspace, offer = make_workspace("bench-openai")
        import_leads(workspace, args.openai_leads, args.tmp)
        leads = [
            LeadFacts(*row)
            for row in Lead.objects.filter(workspace=workspace)
            .order_by("pk")
            .values_list(*LEAD_FIELDS)
        ]
        facts = offer_facts(offer)
        batch, concurrency = args.batch_size, args.concurrency
        requests = -(-len(leads) // batch)
        ideal = requests / concurrency * args.latency
        # Requests go in whole waves of `concurrency`: 100 requests need 7 waves of 16.
        floor = -(-requests // concurrency) * args.latency

        def classifier() -> OpenAIClassifier:
            return OpenAIClassifier(
                api_key="sk-bench",
                base_url=base_url,
                batch_size=batch,
                concurrency=concurrency,
                timeout=30,
            )

        def timed(action: Callable[[], Any]) -> tuple[float, int, int]:
            llm_stats(base, reset=True)
            start = time.perf_counter()
            action()
            stats = llm_stats(base)
            return time.perf_counter() - start, stats["requests"], stats["max_in_flight"]

        print(
            f"{backend}: {len(leads):,} leads, batch {batch}, concurrency {concurrency}, latency "
            f"{args.latency * 1000:.0f} ms: ideal {requests} requests / {concurrency} x "
            f"{args.latency} s = {ideal:.2f}s; in whole waves {floor:.2f}s"
        )
        classifier().classify(facts, leads[: 2 * batch])  # warm-up: lazy imports, first connect
        timings = []
        for i in range(args.repeat):
            elapsed, made, widest = timed(lambda: classifier().classify(facts, leads))
            timings.append(elapsed)
            print(
                f"  classify run {i + 1}: {elapsed:.2f}s, {made} requests, max {widest} in flight"
            )
        median = statistics.median(timings)
        print(
            f"{backend}: classify median {median:.2f}s = {len(leads) / median:,.0f} leads/s; "
            f"{ratio(median, ideal)} ideal, {ratio(median, floor)} the whole-waves floor"
        )

        timings = []
        for i in range(args.repeat):
            LLMAnswer.objects.filter(workspace=workspace).delete()  # cold: nothing cached
            elapsed, made, widest = timed(
                lambda: leads_score(workspace=workspace, offer=offer, classifier=classifier())
            )
            timings.append(elapsed)
            print(
                f"  leads_score cold run {i + 1}: {elapsed:.2f}s, {made} requests, "
                f"max {widest} in flight"
            )
        median = statistics.median(timings)
        warm, made, _ = timed(
            lambda: leads_score(workspace=workspace, offer=offer, classifier=classifier())
        )
        print(
            f"{backend}: leads_score (openai, persisted) cold median {median:.2f}s = "
            f"{len(leads) / median:,.0f} leads/s, {ratio(median, ideal)} ideal; all cached: "
            f"{warm:.2f}s, {made} requests"
        )


# --- main -------------------------------------------------------------------------------------


def run_child(args: argparse.Namespace) -> None:
    setup_django()
    step = args.child
    if step == "heuristic":
        bench_heuristic(args)
    elif step == "export-prepare":
        bench_export_prepare(args)
    elif step.startswith("export-measure:"):
        bench_export_measure(args, int(step.split(":", 1)[1]))
    elif step == "results-page":
        bench_results_page(args)
    elif step == "openai":
        bench_openai(args)
    else:
        raise SystemExit(f"unknown step {step!r}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--heuristic", action="store_true", help="leads_score with the heuristic")
    parser.add_argument("--export", action="store_true", help="GET /results/export/")
    parser.add_argument("--results-page", action="store_true", help="GET /results/ on 1M results")
    parser.add_argument("--openai", action="store_true", help="OpenAIClassifier on a local server")
    parser.add_argument("--all", action="store_true", help="all four")
    parser.add_argument(
        "--postgres", action="store_true", help="run on a fresh PostgreSQL database"
    )
    parser.add_argument("--sqlite", action="store_true", help="run on a fresh SQLite database")
    parser.add_argument(
        "--rows", type=int, default=100_000, help="leads of --heuristic and --export"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one heuristic run")
    parser.add_argument("--export-small", type=int, default=20_000)
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--offers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--explain-all", action="store_true", help="EXPLAIN every listing, not only the default"
    )
    parser.add_argument("--openai-leads", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per completion")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
    else:
        orchestrate(args, sys.argv[1:])


if __name__ == "__main__":
    main()
