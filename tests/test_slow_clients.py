"""The production server, started as the Procfile says, on loopback: slow clients cannot
starve it, and it takes chunked uploads within the upload limit."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, suppress
from pathlib import Path

import pytest
import yaml

from scoring.runs import leads_score
from tests.factories import LeadFactory, OfferFactory, UploadFactory
from tests.scoring.workers import database_url
from workspaces.services import api_key_create

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
# Slow clients held open while the others are served.
SLOW_UPLOADS = 4
SLOW_HEADERS = 2
# What "answers at once" means here; a sync worker held by a slow client never answers.
FAST_SECONDS = 1.0
# Beyond this a request has not answered at all.
GIVE_UP_SECONDS = 10.0
CSV = b"name,role,company,industry,location,linkedin_bio\nAva Patel,CEO,FlowMetrics,SaaS,Austin,\n"

pytestmark = pytest.mark.django_db(transaction=True)


def web_command() -> str:
    """Return the Procfile's `web` command: the production server."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("the Procfile has no web process")


def test_render_and_the_readme_start_the_api_as_the_procfile_does():
    command = web_command()
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    web = next(s for s in blueprint["services"] if s["type"] == "web")
    assert web["startCommand"] == command
    assert command in (ROOT / "README.md").read_text()


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path) -> Iterator[int]:
    """Start the production command on a loopback port; yield the port."""
    port = _free_port()
    # Loopback only; no control socket, whose one default path servers started side by side
    # (other test processes) would share.
    command = web_command().replace("0.0.0.0:", "127.0.0.1:") + " --no-control-socket"
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LEADSCORING_MAX_UPLOAD_MB": "1",
        "PATH": f"{Path(GUNICORN).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S602 - the Procfile's own shell command
            command,
            shell=True,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the server exited:\n{log.read_text()}")
            with suppress(OSError):
                if _get(port, "/healthz/", timeout=2)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=15)


def _get(port: int, path: str, *, key: str = "", timeout: float) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Authorization": f"Api-Key {key}"} if key else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class SlowClient(threading.Thread):
    """Send `head` whole, then `trickle` one byte every 0.2 s until stopped."""

    def __init__(self, port: int, head: bytes, trickle: bytes) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.head, self.trickle = head, trickle
        self.stop = threading.Event()
        self.sent = 0
        self.error: OSError | None = None

    def run(self) -> None:
        try:
            self.sock.sendall(self.head)
            for byte in self.trickle:
                if self.stop.wait(0.2):
                    return
                self.sock.sendall(bytes([byte]))
                self.sent += 1
        except OSError as exc:
            self.error = exc

    def still_waiting(self) -> bool:
        """Whether the server is still reading this request: it has answered nothing."""
        self.sock.setblocking(False)
        try:
            self.sock.recv(1)  # an answer, or the end of the connection
        except BlockingIOError:
            return self.error is None
        finally:
            self.sock.setblocking(True)
        return False

    def close(self) -> None:
        self.stop.set()
        self.join(timeout=5)
        self.sock.close()


def _slow_upload(port: int, key: str) -> SlowClient:
    body = CSV * 100
    head = (
        "POST /leads/upload/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
        f"Authorization: Api-Key {key}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return SlowClient(port, head, body)


def _slow_headers(port: int) -> SlowClient:
    return SlowClient(port, b"GET /healthz/ HTTP/1.1\r\n", b"X-Slow: " + b"a" * 1000)


def _latencies(port: int, path: str, key: str, tries: int = 5) -> list[float]:
    seconds = []
    for _ in range(tries):
        started = time.monotonic()
        status, _body = _get(port, path, key=key, timeout=GIVE_UP_SECONDS)
        assert status == 200
        seconds.append(time.monotonic() - started)
    return seconds


def test_slow_uploads_and_slow_headers_do_not_hold_up_other_requests(server):
    _, key = api_key_create(workspace_name="acme-sales")
    slow = [_slow_upload(server, key) for _ in range(SLOW_UPLOADS)]
    slow += [_slow_headers(server) for _ in range(SLOW_HEADERS)]
    try:
        for client in slow:
            client.start()
        time.sleep(1)  # every slow request has begun
        health = _latencies(server, "/healthz/", key)
        results = _latencies(server, "/results/", key)
        assert all(client.sent > 0 and client.still_waiting() for client in slow)
    finally:
        for client in slow:
            client.close()
    # Medians: one request delayed by a busy CI machine is not the server being starved.
    assert statistics.median(health) < FAST_SECONDS, health
    assert statistics.median(results) < FAST_SECONDS, results


def _post_chunked(port: int, key: str, parts: Iterator[bytes]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GIVE_UP_SECONDS)
    try:
        # A 413 may come before the body ends and break the pipe: its answer is still there.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request(
                "POST",
                "/leads/upload/",
                body=parts,
                headers={"Authorization": f"Api-Key {key}", "Content-Type": "text/csv"},
                encode_chunked=True,
            )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_a_chunked_upload_is_imported(server):
    _, key = api_key_create(workspace_name="acme-sales")
    status, body = _post_chunked(server, key, iter([CSV[:30], CSV[30:]]))
    assert status == 201, body
    assert re.search(rb'"created":\s*1', body)


def test_a_chunked_upload_over_the_limit_is_refused_as_it_streams(server):
    _, key = api_key_create(workspace_name="acme-sales")
    # 1 MB limit (LEADSCORING_MAX_UPLOAD_MB): 2 MB in 64 KB chunks, no Content-Length.
    status, body = _post_chunked(server, key, iter([b"x" * 65536] * 32))
    assert status == 413, body
    assert b"upload limit" in body


def test_the_export_streams_under_the_production_server(server):
    _, key = api_key_create(workspace_name="acme-sales")
    status, body = _get(server, "/results/export/", key=key, timeout=GIVE_UP_SECONDS)
    assert status == 200
    assert body.startswith(b"name,role,company,intent,score,reasoning,")


def test_lists_stream_under_the_production_server_without_being_read_whole_first(server, tmp_path):
    stored, key = api_key_create(workspace_name="acme-sales")
    workspace = stored.workspace
    offer = OfferFactory(workspace=workspace)
    LeadFactory.create_batch(30, upload=UploadFactory(workspace=workspace))
    leads_score(workspace=workspace, offer=offer)

    listed = _get(server, "/results/", key=key, timeout=GIVE_UP_SECONDS)
    exported = _get(server, "/results/export/", key=key, timeout=GIVE_UP_SECONDS)

    assert listed[0] == exported[0] == 200
    assert len(json.loads(listed[1])) == 30
    assert exported[1].count(b"\r\n") == 31
    # Under ASGI, Django reads a synchronous iterator whole into memory first, and warns.
    assert "consume synchronous iterators" not in (tmp_path / "gunicorn.log").read_text()
