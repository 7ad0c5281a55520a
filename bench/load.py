"""Load test: concurrent clients mixing reads, exports, uploads and scoring against gunicorn,
PostgreSQL, Redis and a Celery worker, then a check that nothing was lost or duplicated.

Usage: python bench/load.py [--clients 50] [--seconds 60] [--keys 5]

Starts everything on loopback (a fresh PostgreSQL database, Redis db 13 with its own queue),
runs the clients, waits for the scoring runs to finish, and prints per endpoint: requests,
errors (5xx or no answer), throughput and p50/p99 latency; then the integrity checks. Prints
figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import write  # noqa: E402
from bench.ingest import PRODUCTION_APP, fresh_database, manage, server_env  # noqa: E402

PORT = 8932
REDIS_DB = 13
# Weights of what a client does next: mostly reading, as a sales team's tools do.
MIX = {"results": 45, "run": 15, "export": 10, "upload": 15, "score": 15}


def env_for(database_url: str, queue: str) -> dict[str, str]:
    return {
        **server_env(database_url),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "LEADSCORING_QUEUE": queue,
        "LEADSCORING_AI_PROVIDER": "heuristic",
        # Measure the service, not its throttles.
        "LEADSCORING_API_RATE": "",
        "LEADSCORING_UPLOAD_RATE": "",
        "LEADSCORING_SCORE_RATE": "",
    }


class Client:
    """One simulated user: an API key, its offer, and a keep-alive connection."""

    def __init__(self, key: str, offer_id: int, csv_dir: Path, rng: random.Random) -> None:
        self.key = key
        self.offer_id = offer_id
        self.csv_dir = csv_dir
        self.rng = rng
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        self.uploads = 0

    def request(self, method: str, path: str, body: bytes | None, ctype: str) -> tuple[int, bytes]:
        headers = {"Authorization": f"Api-Key {self.key}"}
        if body is not None:
            headers["Content-Type"] = ctype
        # A kept-alive connection the server closed meanwhile fails at once: like a real
        # client, retry once on a new connection before counting an error.
        for _attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        return 0, b""

    def act(self, action: str) -> tuple[int, bytes]:
        if action == "results":
            page = self.rng.randint(1, 5)
            return self.request("GET", f"/results/?page={page}&page_size=100", None, "")
        if action == "run":
            return self.request("GET", "/score/runs/?page_size=5", None, "")
        if action == "export":
            return self.request("GET", f"/results/export/?offer_id={self.offer_id}", None, "")
        if action == "upload":
            self.uploads += 1
            path = self.csv_dir / f"{self.rng.randrange(1_000_000_000)}.csv"
            write(1000, str(path), seed=self.rng.randrange(1_000_000_000))
            body = path.read_bytes()
            path.unlink()
            return self.request("POST", "/leads/upload/?filename=load.csv", body, "text/csv")
        payload = json.dumps({"offer_id": self.offer_id}).encode()
        return self.request("POST", "/score/", payload, "application/json")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--keys", type=int, default=5)
    args = parser.parse_args()

    queue = f"bench-load-{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp, fresh_database(True, tmp) as database_url:
        env = env_for(database_url, queue)
        manage(env, "migrate", "-v0")
        keys = [manage(env, "create_api_key", f"load-{i}").split()[-1] for i in range(args.keys)]
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *PRODUCTION_APP, "--workers", "2",
             "--bind", f"127.0.0.1:{PORT}", "--timeout", "30", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "leadscoring", "worker", "-Q", queue,
             "--concurrency", "1", "--loglevel", "WARNING", "--without-mingle",
             "--without-gossip"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        try:
            time.sleep(3)
            offers = []
            seeder = Client(keys[0], 0, Path(tmp), random.Random(0))
            for key in keys:
                seeder.key = key
                _status, body = seeder.request(
                    "POST",
                    "/offer/",
                    json.dumps(
                        {
                            "name": "AI Outreach Automation",
                            "value_props": ["24/7 outreach", "6x more meetings"],
                            "ideal_use_cases": ["B2B SaaS mid-market"],
                        }
                    ).encode(),
                    "application/json",
                )
                offers.append(json.loads(body)["id"])
                seeder.act("upload")
            latencies: dict[str, list[float]] = defaultdict(list)
            errors: dict[str, int] = defaultdict(int)
            statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
            lock = threading.Lock()
            deadline = time.monotonic() + args.seconds

            def client_loop(index: int) -> None:
                rng = random.Random(index)
                client = Client(keys[index % len(keys)], offers[index % len(keys)], Path(tmp), rng)
                actions, weights = zip(*MIX.items(), strict=True)
                while time.monotonic() < deadline:
                    action = rng.choices(actions, weights)[0]
                    started = time.monotonic()
                    status, _ = client.act(action)
                    elapsed = time.monotonic() - started
                    with lock:
                        latencies[action].append(elapsed)
                        statuses[action][status] += 1
                        if status == 0 or status >= 500:
                            errors[action] += 1

            threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(args.clients)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.monotonic() - started

            print(f"{args.clients} clients for {wall:.0f}s, {len(keys)} API keys, PostgreSQL")
            print(f"{'endpoint':10} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>8} "
                  f"{'p99 ms':>8}  statuses")  # fmt: skip
            for action in MIX:
                values = latencies[action]
                if not values:
                    continue
                print(
                    f"{action:10} {len(values):8d} {errors[action]:6d} {len(values) / wall:7.1f} "
                    f"{percentile(values, 0.5) * 1000:8.0f} {percentile(values, 0.99) * 1000:8.0f}"
                    f"  {dict(statuses[action])}"
                )
            check(env, keys, offers)
        finally:
            for process in (server, worker):
                with_group_signal(process, signal.SIGTERM)
            for process in (server, worker):
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    with_group_signal(process, signal.SIGKILL)
            subprocess.run(
                ["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], capture_output=True, check=False
            )


def with_group_signal(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def check(env: dict[str, str], keys: list[str], offers: list[int]) -> None:
    """Wait for every run to end, score once more, and count what was lost or duplicated."""
    script = """
import time
from django.db.models import Count, Sum
from leads.models import Lead, Upload
from scoring.models import ScoreResult, ScoringRun
deadline = time.monotonic() + 600
while ScoringRun.objects.filter(status__in=["queued", "running"]).exists():
    if time.monotonic() > deadline:
        break
    time.sleep(1)
uploads = Upload.objects.aggregate(rows=Sum("rows_total"), created=Sum("created"),
                                   dup=Sum("duplicates"), rejected=Sum("rejected"))
leads = Lead.objects.count()
unaccounted = Upload.objects.exclude(rows_total=0).extra(
    where=["rows_total <> created + duplicates + rejected"]).count()
dup_results = (ScoreResult.objects.values("lead_id", "offer_id").annotate(n=Count("id"))
               .filter(n__gt=1).count())
runs = dict(ScoringRun.objects.values_list("status").annotate(n=Count("id")))
print(f"uploads: {Upload.objects.count()}, rows {uploads['rows']}, created {uploads['created']},"
      f" duplicates {uploads['dup']}, rejected {uploads['rejected']}; leads stored {leads}")
print(f"uploads whose rows are not all accounted for: {unaccounted}")
print(f"leads created vs stored: {uploads['created'] - leads} missing")
print(f"runs by status: {runs}")
print(f"(lead, offer) pairs with more than one result: {dup_results}")
"""
    print(manage(env, "shell", "-c", script), end="")


if __name__ == "__main__":
    main()
