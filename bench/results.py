"""Time GET /results/ streaming every result, against gunicorn, and watch the worker's memory.

Usage: python bench/results.py --rows 1000000 [--repeat 3] [--postgres] [--export | --export-only]
Seeds one workspace with ROWS leads and as many results (SQL, not the scoring path), then
reads the whole unpaged list (with --export-only: the CSV export) REPEAT times. Prints rows/s
(median, and per second of the worker's CPU: the figure that holds on a machine shared with
other work), the worker's resident memory before the first request and its peak while
streaming, sampled through each response: all of it, and the anonymous part alone (the
rest is the database file as SQLite maps it, page cache the kernel may take back).
Asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import fresh_database, manage, server_env, worker_pids  # noqa: E402

# Another free port when taken (benchmarks of other worktrees may run at the same time).
PORT = 8932
READ = 1024 * 1024
# One result per lead, with text of the length real ones have (the reasoning ~200 chars).
SEED = """
from django.db import connection, transaction
from django.utils import timezone
from leads.models import Lead, Upload
from offers.models import Offer
from scoring.models import ScoreResult, ScoringRun
from workspaces.models import Workspace

rows = {rows}
workspace = Workspace.objects.get(name={workspace!r})
now = timezone.now()
stamp = connection.ops.adapt_datetimefield_value(now)
upload = Upload.objects.create(workspace=workspace, filename="bench.csv", rows_total=rows,
                               created=rows)
offer = Offer.objects.create(workspace=workspace, name="AI Outreach Automation",
                             value_props=["24/7 outreach"], ideal_use_cases=["B2B SaaS"])
run = ScoringRun.objects.create(workspace=workspace, offer=offer, scope_key="bench",
                                status="completed", provider="heuristic", rules_version="bench",
                                total=rows, scored=rows)
if connection.vendor == "postgresql":
    series = "SELECT generate_series(1, %s) AS g"
else:
    series = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < %s) "
    series += "SELECT g FROM s"
lead, result = Lead._meta.db_table, ScoreResult._meta.db_table
postgresql = connection.vendor == "postgresql"
with transaction.atomic(), connection.cursor() as cursor:
    if postgresql:
        # The rows are consistent by construction: skip the foreign-key triggers, which
        # would check a million rows one by one at COMMIT.
        cursor.execute(f"ALTER TABLE {{lead}} DISABLE TRIGGER ALL")
        cursor.execute(f"ALTER TABLE {{result}} DISABLE TRIGGER ALL")
    cursor.execute(
        f"INSERT INTO {{lead}} (workspace_id, upload_id, line, name, role, company, industry, "
        "location, linkedin_bio, dedupe_key, created_at) "
        f"SELECT %s, %s, g + 1, 'Person ' || g, 'VP Sales', 'Company ' || g, 'SaaS', "
        f"'Austin, TX', 'Scaling outbound; hiring SDRs.', 'k' || g, %s FROM ({{series}}) t",
        [workspace.pk, upload.pk, stamp, rows],
    )
    cursor.execute(
        f"INSERT INTO {{result}} (workspace_id, lead_id, offer_id, run_id, score, intent, "
        "rule_score, role_points, industry_points, completeness_points, ai_intent, ai_points, "
        "ai_provider, ai_model, ai_status, reasoning, rules_version, prompt_version, "
        "inputs_hash, scored_at) "
        "SELECT workspace_id, id, %s, %s, (id * 37) %% 101, 'High', 50, 20, 20, 10, 'High', 50, "
        "'heuristic', 'heuristic-v1', 'ok', "
        "'Role ''VP Sales'' is a decision maker (+20); industry ''SaaS'' matches the ICP "
        "''B2B SaaS mid-market'' (+20); all fields present (+10). AI (heuristic): High. "
        "Decision maker in the ICP industry; bio mentions hiring.', "
        f"'bench', 'heuristic-2+bench', 'k' || id, %s FROM {{lead}} WHERE upload_id = %s",
        [offer.pk, run.pk, stamp, upload.pk],
    )
    if postgresql:
        cursor.execute(f"ALTER TABLE {{lead}} ENABLE TRIGGER ALL")
        cursor.execute(f"ALTER TABLE {{result}} ENABLE TRIGGER ALL")
if postgresql:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {{lead}}")
        cursor.execute(f"ANALYZE {{result}}")
"""


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU time `pid` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Return `pid`'s resident memory in MB: all of it, or `field` of /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class RssSampler(threading.Thread):
    """Sample a process's resident memory every 20 ms until stopped; keep the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = self.anon_peak = 0.0
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self.anon_peak = max(self.anon_peak, rss_mb(self.pid, "RssAnon"))
            self.samples += 1
            time.sleep(0.02)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.peak


def wait_for_worker(master: int, timeout: float = 120) -> int:
    """Return the pid of gunicorn's one worker once it answers HTTP."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            workers = worker_pids(master)
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            conn.request("GET", "/healthz/")
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            time.sleep(0.5)
            continue
        if workers:
            return workers[0]
    raise SystemExit("gunicorn did not start")


def get_all(key: str, path: str = "/results/") -> tuple[float, int, int, int]:
    """GET `path` and read it whole; return (seconds, bytes, items, X-Total-Count or -1).

    Items are counted as JSON objects, or for the CSV export as lines after the header.
    """
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    start = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Api-Key {key}"})
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"GET {path} failed: {response.status} {response.read()[:500]!r}")
    total = int(response.getheader("X-Total-Count") or -1)
    size = items = 0
    tail = b""
    csv = path.startswith("/results/export/")
    marker = b"\r\n" if csv else b'{"id":'
    while chunk := response.read(READ):
        size += len(chunk)
        # Count items as they pass, without holding the body (a marker may straddle reads).
        joined = tail + chunk
        items += joined.count(marker)
        tail = joined[-(len(marker) - 1) :]
        items -= tail.count(marker)
    items += tail.count(marker) - (1 if csv else 0)
    return time.perf_counter() - start, size, items, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--export",
        action="store_true",
        help="also time GET /results/export/ (the CSV stream) once, for comparison",
    )
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="time GET /results/export/ REPEAT times instead of the list",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="use a fresh database on the local PostgreSQL (127.0.0.1:5432, user postgres)",
    )
    args = parser.parse_args()
    _pick_port()

    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.postgres, tmp) as database_url:
        env = server_env(database_url)
        manage(env, "migrate", "-v0")
        workspace = f"bench-{time.time_ns()}"
        key = manage(env, "create_api_key", workspace).split()[-1]
        start = time.perf_counter()
        manage(env, "shell", "-c", SEED.format(rows=args.rows, workspace=workspace))
        print(f"seeded {args.rows:,} leads and results in {time.perf_counter() - start:.1f}s")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "leadscoring.asgi:application",
                "--worker-class",
                "asgi",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--timeout",
                "600",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            worker = wait_for_worker(server.pid)
            # One small page first: the worker has imported and connected before measuring.
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            conn.request(
                "GET", "/results/?page_size=1", headers={"Authorization": f"Api-Key {key}"}
            )
            conn.getresponse().read()
            before, anon_before = rss_mb(worker), rss_mb(worker, "RssAnon")
            timings, peaks, anon_peaks, cpus = [], [], [], []
            for i in range(args.repeat):
                sampler = RssSampler(worker)
                sampler.start()
                cpu = cpu_seconds(worker)
                elapsed, size, items, total = get_all(
                    key, "/results/export/" if args.export_only else "/results/"
                )
                cpus.append(cpu_seconds(worker) - cpu)
                peaks.append(sampler.stop())
                anon_peaks.append(sampler.anon_peak)
                timings.append(elapsed)
                print(
                    f"run {i + 1}: {elapsed:.2f}s  {items / elapsed:,.0f} rows/s  "
                    f"worker CPU {cpus[-1]:.2f}s ({items / cpus[-1]:,.0f} rows/CPU-s)  "
                    f"{size / 1e6:.0f} MB  items={items:,} X-Total-Count={total:,}  "
                    f"worker RSS peak {peaks[-1]:.0f} MB, anonymous {anon_peaks[-1]:.0f} MB "
                    f"({sampler.samples} samples)"
                )
            if args.export and not args.export_only:
                cpu = cpu_seconds(worker)
                elapsed, size, items, _ = get_all(key, "/results/export/")
                used = cpu_seconds(worker) - cpu
                print(
                    f"export (CSV): {elapsed:.2f}s  {items / elapsed:,.0f} rows/s  worker CPU "
                    f"{used:.2f}s ({items / used:,.0f} rows/CPU-s)  {size / 1e6:.0f} MB  "
                    f"rows={items:,}"
                )
        finally:
            server.terminate()
            server.wait(10)
    median = statistics.median(timings)
    cpu = statistics.median(cpus)
    backend = database_url.split(":", 1)[0]
    what = "export (CSV)" if args.export_only else "list"
    print(
        f"{backend} {what}: {args.rows:,} results, median {median:.2f}s = "
        f"{args.rows / median:,.0f} rows/s (worker CPU {args.rows / cpu:,.0f} rows/CPU-s); "
        f"worker RSS {before:.0f} MB before, peak {max(peaks):.0f} MB while streaming "
        f"(anonymous: {anon_before:.0f} MB, peak {max(anon_peaks):.0f} MB)"
    )


def _pick_port() -> None:
    global PORT
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", PORT))
        except OSError:
            probe.bind(("127.0.0.1", 0))
            PORT = probe.getsockname()[1]


if __name__ == "__main__":
    main()
