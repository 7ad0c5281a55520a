"""Helpers of the background-run tests: real Celery workers, the broker, a callback receiver."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from leadscoring.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
# The broker of these tests; a database of its own, queues named per test.
REDIS_URL = os.environ.get("LEADSCORING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Nothing listens on port 1: connections are refused at once.
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"
# Every wait of these tests gives up after this long.
WAIT_SECONDS = 60
# Worker settings: short enough that lost chunks come back within a test.
VISIBILITY_TIMEOUT = 3
CHUNK_STALE_SECONDS = 2

T = TypeVar("T")


class GaveUp(Exception):
    """A wait of a test timed out, or a worker died: the test's setting broke, not a check."""


def redis_or_skip() -> redis.Redis:
    """Return a client of REDIS_URL; skip the test when Redis is unreachable (fail on CI)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        reason = f"Redis is unreachable at {REDIS_URL} ({exc}); background runs need it."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} CI must run these tests, not skip them.")
        pytest.skip(reason)
    return client


def database_url() -> str:
    """Return the DATABASE_URL of the database the current test uses (the test database)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "127.0.0.1"
        port = db["PORT"] or 5432
        return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"
    raise NotImplementedError(f"no worker DATABASE_URL for {db['ENGINE']}")


def _forget_publishers() -> None:
    # The app keeps its connection and producer pools, and its queue routing, from the first
    # publish: drop them so the next publish uses the URL and queue configured now. (The pools
    # themselves are kombu's, shared per URL: left open for the next test on the same URL.)
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@contextmanager
def celery_publishing_to(broker_url: str, queue: str) -> Iterator[None]:
    """Make this process's Celery app publish to `broker_url`, into `queue`, meanwhile."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_default_queue
    conf.broker_url, conf.task_default_queue = broker_url, queue
    _forget_publishers()
    try:
        yield
    finally:
        conf.broker_url, conf.task_default_queue = saved
        _forget_publishers()


def forget_queue(client: redis.Redis, queue: str) -> None:
    """Delete a test queue's keys from Redis: its messages, waiting or taken by workers (whose
    keys tests/settings.py names after the queue), and its bindings."""
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)
    for key in client.scan_iter(match="_kombu.binding.*"):
        stale = [member for member in client.smembers(key) if queue.encode() in member]
        if stale:
            client.srem(key, *stale)


def queued_tasks(client: redis.Redis, queue: str) -> list[tuple[str, list[Any]]]:
    """Return (task name, args) of each message waiting in `queue`, oldest first."""
    tasks = []
    for raw in reversed(client.lrange(queue, 0, -1)):  # kombu pushes on the left
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        tasks.append((message["headers"]["task"], args))
    return tasks


class Worker:
    """A `celery worker` process (prefork, one child) consuming one queue of the test broker."""

    def __init__(self, *, broker_url: str, queue: str, log: Path, env: dict[str, str]) -> None:
        self.log = log
        self.killed = False
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),  # the test-only classifier imports from tests/
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "LEADSCORING_QUEUE": queue,
            "LEADSCORING_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "LEADSCORING_CHUNK_STALE_SECONDS": str(CHUNK_STALE_SECONDS),
            "LEADSCORING_AI_PROVIDER": "heuristic",
            **env,
        }
        # Gossip, mingle and heartbeats only slow the start and let workers of other tests
        # (same Redis) talk to each other.
        self.command = [
            CELERY,
            "-A",
            "leadscoring",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "-Q",
            queue,
            "--loglevel",
            "WARNING",
            "--hostname",
            f"{queue}-{log.stem}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with self.log.open("wb") as out:
            # A session of its own: the worker and its pool child form one process group.
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the worker and its pool child at once: a machine that lost power."""
        self.killed = True
        os.killpg(self.pid, signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the worker (SIGTERM, then SIGKILL to what is left of its process group)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        with suppress(ProcessLookupError):  # the pool child, if it outlived its parent
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def check(self) -> None:
        """Raise GaveUp, with the worker's output, if it has exited unasked."""
        if self.process is not None and not self.killed and self.process.poll() is not None:
            raise GaveUp(f"worker exited with {self.process.returncode}:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def wait_for(
    condition: Callable[[], T],
    *,
    what: str,
    workers: Sequence[Worker] = (),
    timeout: float = WAIT_SECONDS,
    interval: float = 0.05,
) -> T:
    """Poll `condition` until it returns something truthy, and return that.

    Raises GaveUp naming `what` (with the workers' output) after `timeout` seconds, or as
    soon as one of `workers` has died.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        for worker in workers:
            worker.check()
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.log.name}:\n{w.output()}" for w in workers)
            raise GaveUp(f"gave up after {timeout} s waiting for {what}\n{logs}")
        time.sleep(interval)


def assert_steady(read: Callable[[], T], *, seconds: float, interval: float = 0.05) -> T:
    """Read `read()` for `seconds` and assert it never changes; return the value."""
    first = read()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(interval)
        assert read() == first
    return first


class Receiver:
    """A loopback HTTP server that records each POST (headers, body) and answers `status`."""

    def __init__(self, *, status: int = 200) -> None:
        self.status = status
        # Headers as received (case-insensitive lookups), and the raw body.
        self.requests: list[tuple[Message, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((self.headers, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: pytest shows what matters

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/runs"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
