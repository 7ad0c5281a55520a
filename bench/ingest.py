"""Time lead ingestion through the HTTP endpoint, against gunicorn, and report peak memory.

Usage: python bench/ingest.py --rows 100000 [--repeat 3] [--postgres] [--wsgi]
Serves with the production command's ASGI worker (--wsgi: the sync WSGI worker, to compare).
Prints rows/s (median of the repeats) and the gunicorn worker's peak RSS. Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import write  # noqa: E402

PORT = 8931
# The application and worker class of the production command (Procfile, render.yaml).
PRODUCTION_APP = ["leadscoring.asgi:application", "--worker-class", "asgi"]


@contextlib.contextmanager
def fresh_database(postgres: bool, tmp: str) -> Iterator[str]:
    """Yield the URL of an empty database, dropped afterwards."""
    if not postgres:
        yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    import psycopg2

    name = f"leadscoring_bench_{os.getpid()}"
    admin = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def server_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "bench-only-secret-key",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def post_file(path: Path, key: str) -> tuple[float, dict]:
    size = path.stat().st_size
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    start = time.perf_counter()
    with path.open("rb") as body:
        conn.request(
            "POST",
            "/leads/upload/?filename=bench.csv",
            body=body,
            headers={
                "Content-Type": "text/csv",
                "Content-Length": str(size),
                "Authorization": f"Api-Key {key}",
            },
        )
        response = conn.getresponse()
        payload = json.loads(response.read())
    elapsed = time.perf_counter() - start
    if response.status != 201:
        raise SystemExit(f"upload failed: {response.status} {payload}")
    return elapsed, payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="use a fresh database on the local PostgreSQL (127.0.0.1:5432, user postgres)",
    )
    parser.add_argument(
        "--wsgi",
        action="store_true",
        help="serve with gunicorn's sync WSGI worker instead of the production ASGI worker",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.postgres, tmp) as database_url:
        env = server_env(database_url)
        env["LEADSCORING_MAX_UPLOAD_MB"] = "500"
        env["LEADSCORING_MAX_UPLOAD_ROWS"] = str(max(args.rows, 1_000_000))
        csv_path = Path(tmp) / "leads.csv"
        write(args.rows, str(csv_path))
        mb = csv_path.stat().st_size / 1e6
        manage(env, "migrate", "-v0")
        app = ["leadscoring.wsgi"] if args.wsgi else PRODUCTION_APP
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                *app,
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
            time.sleep(2)
            timings = []
            for i in range(args.repeat):
                # A fresh workspace each time: every row is new, nothing is a duplicate.
                key = manage(env, "create_api_key", f"bench-{time.time_ns()}-{i}").split()[-1]
                elapsed, payload = post_file(csv_path, key)
                timings.append(elapsed)
                print(
                    f"run {i + 1}: {elapsed:.2f}s  {args.rows / elapsed:,.0f} rows/s  "
                    f"created={payload['created']} duplicates={payload['duplicates']} "
                    f"rejected={payload['rejected']}"
                )
            rss = max(peak_rss_mb(pid) for pid in worker_pids(server.pid))
        finally:
            server.terminate()
            server.wait(10)
    median = statistics.median(timings)
    backend = database_url.split(":", 1)[0]
    print(
        f"{backend}: {args.rows:,} rows ({mb:.1f} MB) median {median:.2f}s = "
        f"{args.rows / median:,.0f} rows/s; worker peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
