"""Time background scoring runs on Celery workers (PostgreSQL + Redis), against in-process runs.

Usage: python bench/background.py [--llm] [--overhead] [--progress] [--all]
                                  [--repeat 3] [--redis-db 11] [--chunk-size N]

Each sub-benchmark runs in a fresh PostgreSQL database (127.0.0.1:5432, user postgres; dropped
afterwards), in a child process with DJANGO_SETTINGS_MODULE=leadscoring.settings, and starts its
own workers: `celery -A leadscoring worker --concurrency 1 -Q <queue>` subprocesses (plus -n, a
unique node name, and --without-mingle/--without-gossip), each in its own process group, killed in
`finally` blocks. Tasks go through a dedicated Redis database (--redis-db, must be empty; flushed
afterwards) and a queue of their own (LEADSCORING_QUEUE=bench-background-<pid>).

  --llm       a loopback OpenAI-compatible server in a separate process (ThreadingHTTPServer;
              every completion answered after --latency s with a valid answer per lead id);
              --llm-leads leads imported; then with 1 worker and with 2 workers (provider
              openai, OPENAI_BATCH_SIZE=--batch-size, OPENAI_CONCURRENCY=--concurrency),
              --repeat background runs over every lead, each against a new offer (answers are
              cached per (model, prompt, offer, lead), so nothing is served from the cache;
              the output shows cached=0) -> leads/s, median, and the 2-worker/1-worker ratio.
              The creating process sets scoring.runs.CHUNK_SIZE to --chunk-size (default
              250) so that both workers get chunks.
  --overhead  --overhead-leads leads (bench/generate.py), heuristic provider: in-process
              leads_score, the worker's code path in-process (chunk_score chunk by chunk, no
              Celery), and background runs (run_create + run_enqueue until the run is
              completed) with 1 and with 2 workers, --repeat rounds, interleaved, each against
              a new offer (results deleted and the table vacuumed in between) -> seconds,
              leads/s and background/in-process ratios. Chunks: the application's
              (runs.chunk_size from CHUNK_SIZE, unless --chunk-size sets CHUNK_SIZE).
  --progress  a --progress-leads background run (fake LLM server, 1 worker): the run's percent
              and eta_seconds (RunSerializer, as GET /score/runs/<id>/ shows them) every 0.5 s;
              at --kill-at percent the worker's process group gets SIGKILL, a new worker is
              started at once, and the run must complete with exactly --progress-leads results
              (count and distinct leads); prints how long recovery took. Workers run with
              LEADSCORING_VISIBILITY_TIMEOUT / LEADSCORING_CHUNK_STALE_SECONDS set to
              --visibility-timeout / --stale-seconds (default: the app's, 900 and 10 s).

Reports CPU too: seconds used by the workers (main + pool process), the LLM server and the
driver, and how busy the machine's cores were (/proc/stat). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import write  # noqa: E402
from bench.ingest import fresh_database  # noqa: E402

OFFER = json.loads((ROOT / "samples" / "offer.json").read_text())
# The orchestrator picks it; its child processes and their workers inherit it.
QUEUE = os.environ.get("LEADSCORING_QUEUE") or f"bench-background-{os.getpid()}"
CLK_TCK = os.sysconf("SC_CLK_TCK")
RUN_TIMEOUT = 900.0


# --- the fake LLM server (a process of its own) ---------------------------------------------


class FakeLLM(BaseHTTPRequestHandler):
    """Chat completions answered after `latency` s, one valid answer per lead id; GET /stats."""

    protocol_version = "HTTP/1.1"  # keep-alive, as real providers
    # Headers and body go out in two writes: with Nagle on, the body waits for the client's
    # delayed ACK, 40 ms a request that no real provider adds.
    disable_nagle_algorithm = True
    latency = 0.2
    lock = threading.Lock()
    in_flight = max_in_flight = requests = leads = 0

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            stats = {
                "requests": cls.requests,
                "leads": cls.leads,
                "max_in_flight": cls.max_in_flight,
            }
            if self.path.startswith("/reset"):
                cls.requests = cls.leads = cls.max_in_flight = 0
        self._send(json.dumps(stats).encode())

    def do_POST(self) -> None:
        from scoring.classifiers.prompt import DATA_CLOSE, DATA_OPEN

        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.requests += 1
            cls.max_in_flight = max(cls.max_in_flight, cls.in_flight)
        try:
            time.sleep(cls.latency)
            user = next(m["content"] for m in body["messages"] if m["role"] == "user")
            leads = json.loads(user.split(DATA_OPEN, 1)[1].split(DATA_CLOSE, 1)[0])["leads"]
            with cls.lock:
                cls.leads += len(leads)
            answer = {
                "results": [
                    {
                        "id": lead["id"],
                        "intent": ("High", "Medium", "Low")[len(lead["role"]) % 3],
                        "reasoning": f"The role '{lead['role'][:40]}' at {lead['company'][:40]} "
                        "fits the offer's buyers. The bio shows no blocker.",
                    }
                    for lead in leads
                ]
            }
            completion = {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "gpt-4o-mini"),
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": json.dumps(answer),
                            "refusal": None,
                        },
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
            self._send(json.dumps(completion).encode())
        finally:
            with cls.lock:
                cls.in_flight -= 1

    def _send(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 16 clients connecting at once must not hit a SYN retry

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A killed worker's connections break mid-answer: expected, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve_llm(latency: float) -> None:
    """Run the fake server in this process, printing its port first."""
    FakeLLM.latency = latency
    server = _Server(("127.0.0.1", 0), FakeLLM)
    print(server.server_address[1], flush=True)
    server.serve_forever()


@contextlib.contextmanager
def llm_server(latency: float) -> Iterator[tuple[str, int]]:
    """Yield (base URL, pid) of a fake LLM server in a child process, stopped afterwards."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-llm", "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def llm_stats(base: str, reset: bool = False) -> dict[str, int]:
    import urllib.request

    with urllib.request.urlopen(f"{base}/{'reset' if reset else 'stats'}", timeout=10) as r:  # noqa: S310
        return json.loads(r.read())


# --- CPU accounting -------------------------------------------------------------------------


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of `pid` and its live children; 0 once it is gone."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, IndexError, ValueError):
        return total
    return total + sum(proc_cpu(int(child)) for child in children)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) - idle, sum(values[:8])


class CpuMeter:
    """CPU used between start() and stop(): per named pid, by this process, and machine-wide."""

    def __init__(self, pids: dict[str, list[int]]) -> None:
        self.pids = pids

    def start(self) -> CpuMeter:
        self.before = {name: sum(proc_cpu(p) for p in pids) for name, pids in self.pids.items()}
        self.self_before = time.process_time()
        self.machine_before = machine_cpu()
        self.wall_before = time.perf_counter()
        return self

    def stop(self) -> str:
        wall = time.perf_counter() - self.wall_before
        parts = [
            f"{name} {sum(proc_cpu(p) for p in pids) - self.before[name]:.1f}s"
            for name, pids in self.pids.items()
        ]
        parts.append(f"driver {time.process_time() - self.self_before:.1f}s")
        busy0, total0 = self.machine_before
        busy1, total1 = machine_cpu()
        cores = os.cpu_count() or 1
        share = (busy1 - busy0) / max(total1 - total0, 1)
        parts.append(f"machine {share * cores:.2f}/{cores} cores busy over {wall:.1f}s")
        return "CPU: " + ", ".join(parts)


# --- workers --------------------------------------------------------------------------------


class Workers:
    """Celery worker subprocesses, each the leader of its own process group."""

    def __init__(self, env: dict[str, str], logdir: str) -> None:
        self.env = env
        self.logdir = logdir
        self.procs: dict[str, subprocess.Popen] = {}
        self.started = 0

    def start(self, count: int, extra_env: dict[str, str] | None = None) -> float:
        """Start `count` workers; return seconds until all answered a ping."""
        begin = time.perf_counter()
        names = []
        for _ in range(count):
            self.started += 1
            name = f"bench{self.started}-{os.getpid()}@%h"
            log = open(Path(self.logdir) / f"worker{self.started}.log", "wb")  # noqa: SIM115
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "leadscoring",
                    "worker",
                    "--concurrency",
                    "1",
                    "-Q",
                    QUEUE,
                    "-n",
                    name,
                    "--without-mingle",
                    "--without-gossip",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env={**self.env, **(extra_env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            self.procs[name] = proc
            names.append(name)
        self.wait_ready(names)
        return time.perf_counter() - begin

    def wait_ready(self, names: list[str], timeout: float = 120) -> None:
        from leadscoring.celery import app

        wanted = {name.replace("%h", socket.gethostname()) for name in names}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name in names:
                if self.procs[name].poll() is not None:
                    raise SystemExit(f"worker {name} exited: see {self.logdir}")
            replies = app.control.ping(destination=sorted(wanted), timeout=0.25) or []
            if {key for reply in replies for key in reply} >= wanted:
                return
        raise SystemExit(f"workers {sorted(wanted)} not ready after {timeout}s")

    def pids(self) -> list[int]:
        return [proc.pid for proc in self.procs.values() if proc.poll() is None]

    def kill(self, name: str) -> None:
        """SIGKILL the worker's whole process group (main process and pool process)."""
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(20)
            # The group goes too: a pool process orphaned by its main process must not linger.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self.procs.clear()

    def log_text(self, index: int) -> str:
        path = Path(self.logdir) / f"worker{index}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def workers(env: dict[str, str], logdir: str) -> Iterator[Workers]:
    pool = Workers(env, logdir)
    try:
        yield pool
    finally:
        pool.stop_all()


# --- Django helpers (child process) ---------------------------------------------------------


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_workspace(name: str):  # type: ignore[no-untyped-def]
    from workspaces.models import Workspace

    return Workspace.objects.create(name=name)


def make_offer(workspace, name: str):  # type: ignore[no-untyped-def]
    from offers.services import offer_create

    return offer_create(workspace=workspace, data={**OFFER, "name": name})


def import_leads(workspace, rows: int, tmp: str) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    from leads.services import leads_import_csv

    path = Path(tmp) / f"leads-{rows}.csv"
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"imported {upload.created:,} leads in {time.perf_counter() - start:.1f}s "
        f"(rejected {upload.rejected}, duplicates {upload.duplicates})",
        flush=True,
    )


def run_row(pk: int) -> dict[str, Any]:
    from scoring.models import ScoringRun

    return ScoringRun.objects.filter(pk=pk).values().get()


def wait_run(
    pk: int, interval: float = 0.05, tick: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Poll the run until it ends; return its row."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        row = run_row(pk)
        if row["status"] not in ("queued", "running"):
            return row
        if tick is not None:
            tick()
        time.sleep(interval)
    raise SystemExit(f"run {pk} did not end within {RUN_TIMEOUT}s: {run_row(pk)}")


def chunk_note(run, workers: int) -> str:  # type: ignore[no-untyped-def]
    """Where the workers' time went, from the chunks' rows: in chunks (taken -> done) or between.

    A chunk's time runs from its take (heartbeat_at) to finished_at (in the transaction that
    stores it, before its COMMIT); what is left of workers x span, per chunk, is the cost
    between two chunks: the COMMIT (deferred foreign key checks run there), the completion
    check and, on a worker, the ack, the next message, the task start, the chunk and run fetch.
    Negative when chunks overlap (in-process, results are written while the next is scored).
    """
    rows = list(run.chunks.values_list("heartbeat_at", "finished_at"))
    if not rows or any(None in row for row in rows):
        return "chunks: no timings"
    inside = [(done - taken).total_seconds() for taken, done in rows]
    span = (max(done for _, done in rows) - min(taken for taken, _ in rows)).total_seconds()
    between = (workers * span - sum(inside)) / len(rows)
    return (
        f"chunks: median {1000 * statistics.median(inside):.0f} ms taken->done, "
        f"{100 * sum(inside) / (workers * span):.0f}% of {workers} worker(s) x {span:.2f}s; "
        f"{1000 * between:.0f} ms per chunk outside taken->done"
    )


def background_run(workspace, offer, classifier, lead_ids=None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Create and enqueue a background run, wait for it; return timings and the run row."""
    from scoring.runs import run_create, run_enqueue

    start = time.perf_counter()
    run, created = run_create(
        workspace=workspace,
        offer=offer,
        lead_ids=lead_ids,
        classifier=classifier,
        background=True,
    )
    assert created
    created_at = time.perf_counter()
    run_enqueue(run=run)
    enqueued_at = time.perf_counter()
    row = wait_run(run.pk)
    end = time.perf_counter()
    return {
        "wall": end - start,
        "create": created_at - start,
        "enqueue": enqueued_at - created_at,
        "chunks": run.chunks.count(),
        "row": row,
        "run": run,
    }


def describe(row: dict[str, Any]) -> str:
    queued = (row["started_at"] - row["created_at"]).total_seconds()
    busy = (row["finished_at"] - row["started_at"]).total_seconds()
    return (
        f"{row['status']} scored={row['scored']} cached={row['cached']} "
        f"fallbacks={row['fallbacks']} failed={row['failed']}; queued {queued:.2f}s, "
        f"started->finished {busy:.2f}s"
    )


def set_chunk_size(size: int | None) -> int:
    from scoring import runs

    if size:
        runs.CHUNK_SIZE = size
    return runs.CHUNK_SIZE


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # Django's cache and the rate limiter stay local
    return env


# --- --llm ----------------------------------------------------------------------------------


def bench_llm(args: argparse.Namespace) -> None:
    with llm_server(args.latency) as (base, server_pid):
        env = base_env() | {
            "LEADSCORING_AI_PROVIDER": "openai",
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": f"{base}/v1",
            "OPENAI_BATCH_SIZE": str(args.batch_size),
            "OPENAI_CONCURRENCY": str(args.concurrency),
        }
        os.environ.update(env)
        setup_django()
        from scoring.classifiers.factory import get_classifier

        chunk = set_chunk_size(args.chunk_size or 250)
        workspace = make_workspace("bench-llm")
        import_leads(workspace, args.llm_leads, args.tmp)
        lead_ids = sorted(workspace.leads.values_list("pk", flat=True))

        def classifier():  # type: ignore[no-untyped-def]
            return get_classifier(
                "openai",
                api_key="sk-bench",
                base_url=f"{base}/v1",
                batch_size=args.batch_size,
                concurrency=args.concurrency,
            )

        chunks = -(-args.llm_leads // chunk)
        requests = -(-chunk // args.batch_size)
        waves = -(-requests // args.concurrency)
        print(
            f"{args.llm_leads:,} leads, CHUNK_SIZE set to {chunk} in the creating process "
            f"({chunks} chunks; the app's default is 1000), batch {args.batch_size}, "
            f"concurrency {args.concurrency} per worker, latency {args.latency * 1000:.0f} ms; "
            f"a chunk needs {waves} waves of requests = {waves * args.latency:.2f}s at least",
            flush=True,
        )
        medians: dict[int, float] = {}
        with workers(env, args.tmp) as pool:
            for count in (1, 2):
                ready = pool.start(count)
                print(f"\n{count} worker(s): ready in {ready:.1f}s", flush=True)
                # Warm-up: imports, first connections, the endpoint check (a lone first batch).
                warm = make_offer(workspace, f"warm-up {count}")
                background_run(workspace, warm, classifier(), lead_ids[: 2 * count * chunk])
                floor = -(-chunks // count) * waves * args.latency
                timings = []
                for i in range(args.repeat):
                    offer = make_offer(workspace, f"LLM bench {count}w run {i + 1}")
                    llm_stats(base, reset=True)
                    meter = CpuMeter({"workers": pool.pids(), "llm-server": [server_pid]}).start()
                    result = background_run(workspace, offer, classifier())
                    cpu = meter.stop()
                    stats = llm_stats(base)
                    timings.append(result["wall"])
                    print(
                        f"  run {i + 1}: {result['wall']:.2f}s = "
                        f"{args.llm_leads / result['wall']:,.0f} leads/s "
                        f"(create {result['create']:.2f}s, enqueue {result['enqueue']:.3f}s, "
                        f"{result['chunks']} chunks); {describe(result['row'])}\n"
                        f"      LLM: {stats['requests']} requests, {stats['leads']} leads, "
                        f"max {stats['max_in_flight']} in flight; {cpu}\n"
                        f"      {chunk_note(result['run'], count)}",
                        flush=True,
                    )
                medians[count] = statistics.median(timings)
                print(
                    f"{count} worker(s): median {medians[count]:.2f}s = "
                    f"{args.llm_leads / medians[count]:,.0f} leads/s; floor (chunks one after "
                    f"another, {waves} waves each) {floor:.2f}s -> "
                    f"{medians[count] / floor:.2f}x the floor",
                    flush=True,
                )
                pool.stop_all()
        print(
            f"\nLLM background runs: 1 worker {args.llm_leads / medians[1]:,.0f} leads/s, "
            f"2 workers {args.llm_leads / medians[2]:,.0f} leads/s -> 2-worker/1-worker ratio "
            f"{medians[1] / medians[2]:.2f}x (target >= 1.8x)"
        )


# --- --overhead -----------------------------------------------------------------------------


def drop_results(offer) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM scoring_scoreresult WHERE offer_id = %s", [offer.pk])
        cursor.execute("VACUUM ANALYZE scoring_scoreresult")


def bench_overhead(args: argparse.Namespace) -> None:
    env = base_env() | {"LEADSCORING_AI_PROVIDER": "heuristic", "OPENAI_API_KEY": ""}
    os.environ.update(env)
    setup_django()
    from scoring import runs
    from scoring.chunks import chunk_score
    from scoring.classifiers.heuristic import HeuristicClassifier
    from scoring.models import ScoreResult
    from scoring.runs import leads_score, run_create

    chunk = set_chunk_size(args.chunk_size)
    workspace = make_workspace("bench-overhead")
    import_leads(workspace, args.overhead_leads, args.tmp)
    lead_ids = sorted(workspace.leads.values_list("pk", flat=True))
    n = len(lead_ids)
    size = runs.chunk_size(n, HeuristicClassifier())
    print(
        f"{n:,} leads, heuristic, CHUNK_SIZE {chunk}: chunks of {size} ({-(-n // size)} chunks)",
        flush=True,
    )

    def inprocess(offer):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        run = leads_score(workspace=workspace, offer=offer, classifier=HeuristicClassifier())
        return time.perf_counter() - start, run

    def chunk_by_chunk(offer):  # type: ignore[no-untyped-def]
        # What a worker does, without Celery: one chunk after another, a new classifier each.
        start = time.perf_counter()
        run, _ = run_create(
            workspace=workspace, offer=offer, classifier=HeuristicClassifier(), background=True
        )
        for item in run.chunks.order_by("index"):
            chunk_score(chunk=item, classifier=HeuristicClassifier())
        return time.perf_counter() - start, run

    warm = make_offer(workspace, "warm-up in-process")
    leads_score(
        workspace=workspace,
        offer=warm,
        lead_ids=lead_ids[: 2 * chunk],
        classifier=HeuristicClassifier(),
    )
    drop_results(warm)
    modes = [
        "in-process",
        "in-process chunk by chunk",
        "background 1 worker",
        "background 2 workers",
    ]
    timings: dict[str, list[float]] = {mode: [] for mode in modes}
    with workers(env, args.tmp) as pool:
        for i in range(args.repeat):
            print(f"\nround {i + 1}:", flush=True)
            for mode in modes:
                offer = make_offer(workspace, f"overhead {mode} {i + 1}")
                note = ""
                if mode.startswith("background"):
                    count = int(mode.split()[1])
                    ready = pool.start(count)
                    warm = make_offer(workspace, f"warm-up {count}w {i + 1}")
                    background_run(
                        workspace, warm, HeuristicClassifier(), lead_ids[: 2 * count * chunk]
                    )
                    drop_results(warm)
                    meter = CpuMeter({"workers": pool.pids()}).start()
                    result = background_run(workspace, offer, HeuristicClassifier())
                    elapsed = result["wall"]
                    note = (
                        f" (workers ready in {ready:.1f}s; create {result['create']:.2f}s, "
                        f"enqueue {result['enqueue']:.2f}s; {describe(result['row'])})\n"
                        f"      {meter.stop()}\n      {chunk_note(result['run'], count)}"
                    )
                    pool.stop_all()
                else:
                    meter = CpuMeter({}).start()
                    elapsed, run = (inprocess if mode == "in-process" else chunk_by_chunk)(offer)
                    note = f"\n      {meter.stop()}\n      {chunk_note(run, 1)}"
                stored = ScoreResult.objects.filter(offer=offer).count()
                timings[mode].append(elapsed)
                print(
                    f"  {mode:26} {elapsed:6.2f}s {n / elapsed:8,.0f} leads/s "
                    f"stored={stored:,}{note}",
                    flush=True,
                )
                drop_results(offer)
    base = statistics.median(timings["in-process"])
    print(f"\nheuristic, {n:,} leads, PostgreSQL, medians of {args.repeat}:")
    for mode in modes:
        median = statistics.median(timings[mode])
        print(
            f"  {mode:26} {median:6.2f}s {n / median:8,.0f} leads/s  "
            f"{median / base:.2f}x in-process"
        )
    print("  (targets: background 1 worker within 1.2x of in-process; 2 workers >= 1.8x 1 worker)")
    one, two = (statistics.median(timings[f"background {n} worker{'s' * (n > 1)}"]) for n in (1, 2))
    print(f"  2 workers / 1 worker speed-up: {one / two:.2f}x")


# --- --progress -----------------------------------------------------------------------------


def bench_progress(args: argparse.Namespace) -> None:
    import redis

    recovery_env = {
        "LEADSCORING_VISIBILITY_TIMEOUT": str(args.visibility_timeout),
        "LEADSCORING_CHUNK_STALE_SECONDS": str(args.stale_seconds),
    }
    with llm_server(args.latency) as (base, _):
        env = base_env() | {
            "LEADSCORING_AI_PROVIDER": "openai",
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": f"{base}/v1",
            "OPENAI_BATCH_SIZE": str(args.batch_size),
            "OPENAI_CONCURRENCY": str(args.concurrency),
        }
        os.environ.update(env)
        setup_django()
        from django.utils import timezone

        from scoring.classifiers.factory import get_classifier
        from scoring.models import ScoreResult, ScoringChunk
        from scoring.runs import run_create, run_enqueue
        from scoring.serializers import RunSerializer

        chunk = set_chunk_size(args.chunk_size or 250)
        broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
        workspace = make_workspace("bench-progress")
        import_leads(workspace, args.progress_leads, args.tmp)
        offer = make_offer(workspace, "progress bench")
        classifier = get_classifier(
            "openai",
            api_key="sk-bench",
            base_url=f"{base}/v1",
            batch_size=args.batch_size,
            concurrency=args.concurrency,
        )
        print(
            f"{args.progress_leads:,} leads, CHUNK_SIZE {chunk} (set in the creating process), "
            f"fake LLM {args.latency * 1000:.0f} ms, batch {args.batch_size}, concurrency "
            f"{args.concurrency}; workers with LEADSCORING_VISIBILITY_TIMEOUT="
            f"{args.visibility_timeout} LEADSCORING_CHUNK_STALE_SECONDS={args.stale_seconds}",
            flush=True,
        )
        with workers(env | recovery_env, args.tmp) as pool:
            ready = pool.start(1)
            print(f"worker ready in {ready:.1f}s", flush=True)
            start = time.perf_counter()
            run, _ = run_create(
                workspace=workspace, offer=offer, classifier=classifier, background=True
            )
            run_enqueue(run=run)
            killed_at: float | None = None
            kill_wall = None
            killed_chunks: list[int] = []
            rate_before = 0.0
            replacement_ready = 0.0
            first_progress_after: float | None = None
            done_at_kill = 0
            queue_at_kill = queue_after_ready = 0
            while True:
                run.refresh_from_db()
                data = RunSerializer(run).data
                now = time.perf_counter() - start
                queued = broker.llen(QUEUE)
                print(
                    f"  t={now:5.1f}s {data['status']:9} {data['percent']:5.1f}%  "
                    f"eta {data['eta_seconds'] if data['eta_seconds'] is not None else '-':>5}s  "
                    f"scored {run.scored:,}/{run.total:,}  queue {queued}",
                    flush=True,
                )
                if run.status not in ("queued", "running"):
                    break
                if now > RUN_TIMEOUT:
                    raise SystemExit("run did not end in time")
                done = run.scored + run.failed
                if killed_at is None and data["percent"] >= args.kill_at:
                    killed_chunks = list(
                        run.chunks.filter(status=ScoringChunk.Status.RUNNING).values_list(
                            "index", flat=True
                        )
                    )
                    name = next(iter(pool.procs))
                    pool.kill(name)
                    killed_at = time.perf_counter() - start
                    kill_wall = timezone.now()
                    done_at_kill = done
                    queue_at_kill = queued
                    rate_before = done / (
                        killed_at - (run.started_at - run.created_at).total_seconds()
                    )
                    print(
                        f"  t={killed_at:5.1f}s SIGKILL to the worker's process group "
                        f"(chunk(s) {killed_chunks} in progress); starting a new worker",
                        flush=True,
                    )
                    replacement_ready = pool.start(1)
                    queue_after_ready = broker.llen(QUEUE)
                    print(
                        f"  t={time.perf_counter() - start:5.1f}s new worker ready "
                        f"({replacement_ready:.1f}s after the kill); queue {queue_after_ready}",
                        flush=True,
                    )
                    continue
                if killed_at is not None and first_progress_after is None and done > done_at_kill:
                    first_progress_after = time.perf_counter() - start - killed_at
                time.sleep(0.5)
            total = time.perf_counter() - start
            worker_logs = "".join(pool.log_text(i) for i in range(1, pool.started + 1))

        results = ScoreResult.objects.filter(offer=offer)
        count = results.count()
        distinct = results.values("lead_id").distinct().count()
        attempts = {
            row["index"]: row["attempts"]
            for row in run.chunks.filter(attempts__gt=1).values("index", "attempts")
        }
        print(
            f"\nrun {run.status}: {count:,} results, {distinct:,} distinct leads "
            f"(expected {args.progress_leads:,}); scored={run.scored} failed={run.failed} "
            f"fallbacks={run.fallbacks} cached={run.cached}; chunks taken more than once: "
            f"{attempts or 'none'}",
        )
        if killed_at is None or kill_wall is None:
            print(f"the run ended before {args.kill_at}% was seen: nothing was killed")
            return
        redone = [
            (item.index, (item.finished_at - kill_wall).total_seconds())
            for item in run.chunks.filter(index__in=killed_chunks)
            if item.finished_at
        ]
        projected = (
            run.started_at - run.created_at
        ).total_seconds() + args.progress_leads / rate_before
        requeued = [line for line in worker_logs.splitlines() if "requeued" in line]
        print(
            f"kill at t={killed_at:.1f}s ({100 * done_at_kill / args.progress_leads:.0f}% done, "
            f"queue {queue_at_kill}): new worker ready {replacement_ready:.1f}s later (queue then "
            f"{queue_after_ready}); first progress {first_progress_after or float('nan'):.1f}s "
            f"after the kill; killed chunk(s) done again "
            + ", ".join(f"#{index} {sec:.1f}s" for index, sec in redone)
            + f" after the kill; run completed {total - killed_at:.1f}s after the kill"
        )
        print(
            f"run took {total:.1f}s vs {projected:.1f}s projected at the pace before the kill "
            f"({rate_before:,.0f} leads/s): recovery cost {total - projected:.1f}s"
        )
        print("worker log lines about requeued chunks: " + ("; ".join(requeued) or "none"))


# --- orchestration --------------------------------------------------------------------------


def orchestrate(args: argparse.Namespace, argv: list[str]) -> None:
    import redis

    benches = [name for name in ("llm", "overhead", "progress") if args.all or getattr(args, name)]
    if not benches:
        raise SystemExit("choose at least one of --llm --overhead --progress --all")
    broker_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    broker = redis.Redis.from_url(broker_url)
    if broker.dbsize():
        raise SystemExit(f"Redis db {args.redis_db} is not empty: choose another --redis-db")
    try:
        for bench in benches:
            with (
                tempfile.TemporaryDirectory() as tmp,
                fresh_database(True, tmp) as database_url,
            ):
                print(f"\n=== {bench} (queue {QUEUE}, Redis db {args.redis_db}) ===", flush=True)
                env = {
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "leadscoring.settings",
                    "DJANGO_SECRET_KEY": "bench-only-secret-key",
                    "DJANGO_DEBUG": "false",
                    "DJANGO_SECURE_SSL_REDIRECT": "false",
                    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                    "DATABASE_URL": database_url,
                    "CELERY_BROKER_URL": broker_url,
                    "LEADSCORING_QUEUE": QUEUE,
                    "LOG_LEVEL": "WARNING",
                    "PYTHONUNBUFFERED": "1",
                }
                subprocess.run(
                    [sys.executable, __file__, *argv, "--child", bench, "--tmp", tmp],
                    cwd=ROOT,
                    env=env,
                    check=True,
                )
    finally:
        broker.flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--llm", action="store_true", help="1 vs 2 workers, fake LLM")
    parser.add_argument("--overhead", action="store_true", help="background vs in-process")
    parser.add_argument("--progress", action="store_true", help="progress, kill, recovery")
    parser.add_argument("--all", action="store_true", help="all three")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--redis-db", type=int, default=11, help="an empty Redis database")
    parser.add_argument("--chunk-size", type=int, help="CHUNK_SIZE in the creating process")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per completion")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--llm-leads", type=int, default=5000)
    parser.add_argument("--overhead-leads", type=int, default=100_000)
    parser.add_argument("--progress-leads", type=int, default=10_000)
    parser.add_argument("--kill-at", type=float, default=40.0, help="percent")
    parser.add_argument("--visibility-timeout", type=int, default=900)
    parser.add_argument("--stale-seconds", type=int, default=10)
    parser.add_argument("--serve-llm", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_llm:
        serve_llm(args.latency)
    elif args.child:
        {"llm": bench_llm, "overhead": bench_overhead, "progress": bench_progress}[args.child](args)
    else:
        orchestrate(args, sys.argv[1:])


if __name__ == "__main__":
    main()
