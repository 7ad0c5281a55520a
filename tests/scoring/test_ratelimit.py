"""Rate limits: GCRA on a fake clock, and one limit shared through Redis by several processes."""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scoring import ratelimit
from scoring.classifiers.openai import OpenAIClassifier, build_messages, estimate_tokens
from scoring.facts import LeadFacts, OfferFacts
from scoring.ratelimit import (
    KEY_PREFIX,
    Limit,
    LocalRateLimiter,
    RateLimitUnavailable,
    RedisRateLimiter,
    get_llm_rate_limiter,
)
from tests.scoring.llm_server import DATA_CLOSE, DATA_OPEN, completion, echo_answers, serve

# The Redis tests' server; when it is unreachable they are skipped, or fail when CI=true.
REDIS_URL = os.environ.get("LEADSCORING_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Nothing listens on port 1: connections are refused at once.
DEAD_REDIS_URL = "redis://:not-a-real-password@127.0.0.1:1/0"
ROOT = Path(__file__).resolve().parents[2]
EPSILON = 1e-9

OFFER = OfferFacts(name="AI Outreach", value_props=("More meetings",), ideal_use_cases=("SaaS",))


def make_lead(number: int) -> LeadFacts:
    return LeadFacts(
        name=f"Person {number}",
        role="Head of Growth",
        company=f"Company {number}",
        industry="SaaS",
        location="Berlin",
        linkedin_bio="Runs outbound.",
    )


class FakeClock:
    """Time that passes only when a caller sleeps. Remembers, per thread, the last time read:
    after `acquire` returns, that is the moment the limiter granted it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()
        self._seen = threading.local()

    def __call__(self) -> float:
        with self._lock:
            self._seen.value = self.now
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
            self.slept.append(seconds)

    @property
    def last_read(self) -> float:
        return self._seen.value


def local(*limits: Limit, clock: FakeClock) -> LocalRateLimiter:
    return LocalRateLimiter(*limits, clock=clock, sleep=clock.sleep)


def granted_at(
    limiter: LocalRateLimiter, clock: FakeClock, count: int, cost: float = 1
) -> list[float]:
    times = []
    for _ in range(count):
        limiter.acquire(cost)
        times.append(clock.last_read - 1000.0)
    return times


def most_in_any_window(times: list[float], window: float = 1.0) -> int:
    """Return the most timestamps that any half-open window [t, t + window) holds."""
    times = sorted(times)
    most, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


# --- GCRA in process memory, on a fake clock --------------------------------------------------


def test_requests_are_spaced_evenly_from_the_first():
    clock = FakeClock()
    limiter = local(Limit("x", rate=10, period=1), clock=clock)

    assert granted_at(limiter, clock, 5) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert clock.slept == pytest.approx([0.1] * 4)


def test_the_default_burst_is_one_request_even_after_a_long_idle_time():
    clock = FakeClock()
    limiter = local(Limit("x", rate=60), clock=clock)  # one a second
    limiter.acquire()
    clock.sleep(3600)

    assert granted_at(limiter, clock, 3) == pytest.approx([3600.0, 3601.0, 3602.0])


def test_a_burst_lets_that_many_through_at_once_then_spaces_the_rest():
    clock = FakeClock()
    limiter = local(Limit("x", rate=10, period=1, burst=3), clock=clock)

    assert granted_at(limiter, clock, 5) == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


def test_a_cost_spends_that_many_units():
    clock = FakeClock()
    limiter = local(Limit("tokens", rate=100, period=1, burst=10), clock=clock)

    assert granted_at(limiter, clock, 3, cost=10) == pytest.approx([0.0, 0.1, 0.2])


def test_a_cost_above_the_burst_passes_when_idle_and_later_callers_wait_out_its_excess():
    clock = FakeClock()
    limiter = local(Limit("tokens", rate=600), clock=clock)  # 10 a second, burst 1

    assert granted_at(limiter, clock, 1, cost=5000) == [0.0]
    assert granted_at(limiter, clock, 1, cost=1) == pytest.approx([500.0])
    assert granted_at(limiter, clock, 1, cost=5000) == pytest.approx([500.1])


def test_a_per_call_limit_spends_one_unit_whatever_the_cost():
    clock = FakeClock()
    limiter = local(Limit("requests", rate=10, period=1, per_call=True), clock=clock)

    assert granted_at(limiter, clock, 3, cost=1000) == pytest.approx([0.0, 0.1, 0.2])


def test_requests_and_tokens_are_spent_together_or_not_at_all():
    clock = FakeClock()
    requests = Limit("requests", rate=10, period=1, per_call=True)
    tokens = Limit("tokens", rate=100, period=1)
    limiter = local(requests, tokens, clock=clock)

    assert limiter.try_acquire(50) == 0
    # Waiting for tokens spends no request: asking again is told the same wait.
    assert limiter.try_acquire(50) == pytest.approx(0.5)
    assert limiter.try_acquire(50) == pytest.approx(0.5)
    clock.sleep(0.5)
    assert limiter.try_acquire(1) == 0
    assert limiter.try_acquire(1) == pytest.approx(0.1)


def test_threads_together_never_exceed_the_rate():
    clock = FakeClock()
    limiter = local(Limit("x", rate=10, period=1), clock=clock)
    granted: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            limiter.acquire()
            with lock:
                granted.append(clock.last_read)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    granted.sort()
    assert len(granted) == 160
    assert min(b - a for a, b in itertools.pairwise(granted)) >= 0.1 - EPSILON
    assert most_in_any_window(granted) == 10


@pytest.mark.parametrize(
    "options",
    [{"rate": 0}, {"rate": -1}, {"rate": 1, "period": 0}, {"rate": 1, "burst": 0.5}],
)
def test_a_limit_refuses_meaningless_numbers(options):
    with pytest.raises(ValueError, match="needs rate > 0"):
        Limit("x", **options)


@pytest.mark.parametrize("cost", [-1, float("nan"), float("inf")])
def test_acquire_refuses_a_meaningless_cost(cost):
    limiter = LocalRateLimiter(Limit("x", rate=10))
    with pytest.raises(ValueError, match="finite number >= 0"):
        limiter.acquire(cost)


# --- Settings -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_limiters() -> Iterator[None]:
    """Each test builds its own limiters from its settings: none left by an earlier test."""
    ratelimit._llm_limiters.clear()
    yield
    ratelimit._llm_limiters.clear()


@override_settings(OPENAI_REQUESTS_PER_MINUTE=0, OPENAI_TOKENS_PER_MINUTE=0)
def test_no_limiter_when_no_limit_is_set():
    assert get_llm_rate_limiter() is None


@override_settings(OPENAI_REQUESTS_PER_MINUTE=600, OPENAI_TOKENS_PER_MINUTE=0, REDIS_URL="")
def test_without_redis_one_local_limiter_serves_the_whole_process():
    limiter = get_llm_rate_limiter(api_key="sk-a")

    assert isinstance(limiter, LocalRateLimiter)
    assert limiter.limits == (Limit(limiter.limits[0].name, 600, per_call=True),)
    assert limiter.limits[0].name.endswith(":requests")
    assert get_llm_rate_limiter(api_key="sk-a") is limiter
    assert get_llm_rate_limiter(api_key="sk-b") is not limiter


@override_settings(OPENAI_REQUESTS_PER_MINUTE=500, OPENAI_TOKENS_PER_MINUTE=200_000)
def test_with_redis_both_limits_live_under_the_namespace_without_the_api_key():
    with override_settings(REDIS_URL=REDIS_URL):
        limiter = get_llm_rate_limiter(api_key="sk-secret-value")

    assert isinstance(limiter, RedisRateLimiter)
    assert [(limit.rate, limit.per_call) for limit in limiter.limits] == [
        (500, True),
        (200_000, False),
    ]
    assert all(key.startswith("leadscoring:ratelimit:openai:") for key in limiter.keys)
    assert not any("secret" in key for key in limiter.keys)


@pytest.mark.parametrize("value", [-1, "10"])
def test_a_limit_setting_must_be_a_whole_number(value):
    with (
        override_settings(OPENAI_REQUESTS_PER_MINUTE=value),
        pytest.raises(ImproperlyConfigured, match="OPENAI_REQUESTS_PER_MINUTE"),
    ):
        get_llm_rate_limiter()


# --- The classifier -------------------------------------------------------------------------


class RecordingLimiter:
    def __init__(self) -> None:
        self.costs: list[float] = []

    def acquire(self, cost: float = 1) -> None:
        self.costs.append(cost)


def test_the_classifier_waits_on_the_limiter_before_every_request_retries_included(
    httpserver: HTTPServer,
):
    calls = []

    def handler(request: Request) -> Response:
        calls.append(request)
        return Response("busy", status=503) if len(calls) == 1 else echo_answers(request)

    serve(httpserver, handler)
    limiter = RecordingLimiter()
    leads = [make_lead(1), make_lead(2)]
    classifier = OpenAIClassifier(
        api_key="sk-test",
        base_url=httpserver.url_for("/v1"),
        model="gpt-test",
        sleep=lambda seconds: None,
        rate_limiter=limiter,
    )

    results = classifier.classify(OFFER, leads)

    assert [result.status for result in results] == ["ok", "ok"]
    expected = estimate_tokens(build_messages(OFFER, leads), 2)
    assert limiter.costs == [expected, expected]
    assert expected > 2 * 80


def test_an_estimate_is_what_the_limiter_is_charged_for_the_same_leads(httpserver):
    serve(httpserver, echo_answers)
    limiter = RecordingLimiter()
    leads = [make_lead(i) for i in range(5)]
    classifier = OpenAIClassifier(
        api_key="sk-test",
        base_url=httpserver.url_for("/v1"),
        model="gpt-test",
        batch_size=2,
        concurrency=1,
        sleep=lambda seconds: None,
        rate_limiter=limiter,
    )

    estimate = classifier.estimate_tokens(OFFER, leads)
    classifier.classify(OFFER, leads)

    assert len(limiter.costs) == 3  # batches of 2, 2 and 1
    assert estimate == sum(limiter.costs)


@override_settings(OPENAI_REQUESTS_PER_MINUTE=600, REDIS_URL="")
def test_the_classifier_takes_its_limiter_from_settings_by_default():
    classifier = OpenAIClassifier(api_key="sk-test", base_url="http://127.0.0.1:9/v1")

    assert classifier.rate_limiter is get_llm_rate_limiter(api_key="sk-test")


# --- Redis unreachable ----------------------------------------------------------------------


def test_an_unreachable_redis_falls_back_to_the_local_limiter_and_warns_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(ratelimit, "REDIS_RETRY_AFTER", 0.0)  # ask the dead Redis every time
    client = redis.Redis.from_url(DEAD_REDIS_URL, socket_connect_timeout=0.5)
    limiter = RedisRateLimiter(Limit("fallback", rate=20, period=1), client=client)
    caplog.set_level(logging.WARNING, logger="scoring.ratelimit")

    started = time.monotonic()
    for _ in range(4):
        limiter.acquire()
    elapsed = time.monotonic() - started

    assert elapsed >= 3 * 0.05 - 0.005  # still limited: 20 a second, evenly spaced
    assert len(caplog.records) == 1
    assert "Redis failed (ConnectionError)" in caplog.text
    assert "not-a-real-password" not in caplog.text
    assert "127.0.0.1" not in caplog.text


def test_without_a_local_fallback_an_unreachable_redis_raises():
    client = redis.Redis.from_url(DEAD_REDIS_URL, socket_connect_timeout=0.5)
    limiter = RedisRateLimiter(Limit("x", rate=10), client=client, local_fallback=False)

    with pytest.raises(RateLimitUnavailable) as caught:
        limiter.acquire()
    assert "not-a-real-password" not in str(caught.value)
    assert caught.value.__cause__ is None


# --- Redis ----------------------------------------------------------------------------------


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = f"Redis is not reachable at {REDIS_URL} ({type(exc).__name__})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must run the Redis tests, never skip them.")
        pytest.skip(reason)
    yield client
    client.close()


@pytest.fixture
def name(redis_client: redis.Redis) -> Iterator[str]:
    """A limit name of this test's own, its keys deleted afterwards."""
    unique = f"test-{uuid.uuid4().hex}"
    yield unique
    for key in redis_client.scan_iter(match=f"{KEY_PREFIX}{unique}*"):
        redis_client.delete(key)


def test_redis_spaces_requests_evenly_and_lets_idle_keys_expire(
    redis_client: redis.Redis, name: str
):
    limiter = RedisRateLimiter(Limit(name, rate=10, period=1), client=redis_client)

    assert limiter.try_acquire() == 0
    assert 0.05 < limiter.try_acquire() <= 0.1  # less the time since, on a busy machine
    assert limiter.keys == [f"leadscoring:ratelimit:{name}"]
    assert 0 < redis_client.pttl(limiter.keys[0]) <= 100 + ratelimit.KEY_TTL_MARGIN_MS


def test_redis_spends_requests_and_tokens_together_or_not_at_all(
    redis_client: redis.Redis, name: str
):
    limiter = RedisRateLimiter(
        Limit(f"{name}:requests", rate=10, period=1, per_call=True),
        Limit(f"{name}:tokens", rate=100, period=1),
        client=redis_client,
    )

    assert limiter.try_acquire(50) == 0
    stored = redis_client.mget(limiter.keys)
    assert 0.4 < limiter.try_acquire(50) <= 0.5
    assert redis_client.mget(limiter.keys) == stored


def test_redis_lets_a_cost_above_the_burst_through_and_makes_the_next_wait(
    redis_client: redis.Redis, name: str
):
    limiter = RedisRateLimiter(Limit(name, rate=10, period=1), client=redis_client)

    assert limiter.try_acquire(20) == 0
    assert 1.9 < limiter.try_acquire(1) <= 2.0


# Acquires as fast as it can from the "go" line on stdin for the given seconds, then prints
# the times it was granted.
LIMITER_PROCESS = """
import json, sys, time
import redis
from scoring.ratelimit import Limit, RedisRateLimiter

url, name, rate, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
client = redis.Redis.from_url(url)
limiter = RedisRateLimiter(Limit(name, rate=rate, period=1), client=client, local_fallback=False)
client.ping()
print("ready", flush=True)
sys.stdin.readline()
granted = []
end = time.time() + seconds
while time.time() < end:
    limiter.acquire()
    granted.append(time.time())
print(json.dumps(granted), flush=True)
"""


def run_together(scripts: list[list[str]], env: dict[str, str] | None = None) -> list[Any]:
    """Start each script as a process, let all start work at once, return what each printed."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", *script],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for script in scripts
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=30)[0] for process in processes]
    finally:
        for process in processes:
            process.kill()
    assert [process.returncode for process in processes] == [0] * len(processes)
    return [json.loads(output) for output in outputs]


def test_waiters_sleep_a_little_longer_than_told_each_by_a_different_amount(monkeypatch):
    # Two callers told to wait until the same moment then ask again in random order: neither
    # can win every time (the two-process test below checks that both get turns).
    slept: list[float] = []
    monkeypatch.setattr(ratelimit.time, "sleep", slept.append)

    for _ in range(50):
        ratelimit.jittered_sleep(0.1)

    assert all(0.1 <= seconds <= 0.1 * (1 + ratelimit.WAIT_JITTER) for seconds in slept)
    assert len(set(slept)) == 50


def test_two_processes_sharing_a_limit_never_exceed_it_together(
    redis_client: redis.Redis, name: str
):
    key, done = KEY_PREFIX + name, f"done-{name}"
    # Redis's MONITOR feed shows every grant's write: the next arrival time, one interval
    # after the grant, on Redis's clock, the clock the limit is kept by. The processes' own
    # timestamps would add their scheduling delays (milliseconds on a busy machine).
    with redis_client.monitor() as monitor:
        first, second = run_together([[LIMITER_PROCESS, REDIS_URL, name, "10", "2"]] * 2)
        redis_client.echo(done)
        written = []
        while (command := monitor.next_command()["command"]) != f"ECHO {done}":
            operation, *arguments = command.split()
            if operation == "SET" and arguments[0] == key:
                written.append(int(arguments[1]))

    granted = [microseconds - 100_000 for microseconds in written]
    assert len(granted) == len(first) + len(second)
    assert min(len(first), len(second)) >= 3  # both got turns
    assert 19 <= len(granted) <= 22
    assert most_in_any_window(granted, window=1_000_000) == 10


# --- End to end: two classifiers in two processes, one loopback LLM server --------------------


class RecordingLLM(BaseHTTPRequestHandler):
    """Answers Chat Completions like tests/scoring/llm_server.echo_answers; records when each
    request to /v1 arrived."""

    arrivals: list[float]

    def do_POST(self) -> None:
        if self.path == "/v1/chat/completions":
            self.arrivals.append(time.time())
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        user = body["messages"][1]["content"]
        block = user.split(f"\n{DATA_OPEN}\n", 1)[1].split(f"\n{DATA_CLOSE}", 1)[0]
        results = [
            {"id": lead["id"], "intent": "High", "reasoning": "The role owns outbound."}
            for lead in json.loads(block)["leads"]
        ]
        answer = json.dumps(completion(json.dumps({"results": results}))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def llm_server() -> Iterator[tuple[str, list[float]]]:
    arrivals: list[float] = []
    handler = type("Handler", (RecordingLLM,), {"arrivals": arrivals})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", arrivals
    server.shutdown()
    server.server_close()


# Classifies `leads` leads, one a request and four requests at a time, with the limiter that
# settings describe (600 requests a minute, in Redis), from the "go" line on stdin.
CLASSIFIER_PROCESS = """
import json, sys
import django
import openai

django.setup()
from django.test import override_settings
from scoring.classifiers.openai import OpenAIClassifier, build_messages
from scoring.facts import LeadFacts, OfferFacts

redis_url, base_url, api_key, leads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
offer = OfferFacts(name="AI Outreach", value_props=("More meetings",), ideal_use_cases=("SaaS",))
people = [LeadFacts(f"P{i}", "Head of Growth", "Acme", "SaaS", "Berlin", "") for i in range(leads)]
with override_settings(
    REDIS_URL=redis_url, OPENAI_REQUESTS_PER_MINUTE=600, OPENAI_TOKENS_PER_MINUTE=0
):
    classifier = OpenAIClassifier(
        api_key=api_key, base_url=base_url, model="gpt-test", batch_size=1, concurrency=4
    )
# A process's first request through the SDK takes 20-100 ms longer (lazy imports): one to a
# path the server does not count keeps that start-up cost out of the measurement.
warmup = openai.OpenAI(api_key=api_key, base_url=base_url.replace("/v1", "/warmup"))
warmup.chat.completions.create(model="gpt-test", messages=build_messages(offer, []))
print("ready", flush=True)
sys.stdin.readline()
results = classifier.classify(offer, people)
limiter = type(classifier.rate_limiter).__name__
print(json.dumps({"statuses": [result.status for result in results], "limiter": limiter}))
"""


def test_two_classifiers_in_two_processes_send_at_most_the_limit_per_second(
    redis_client: redis.Redis, llm_server: tuple[str, list[float]]
):
    base_url, arrivals = llm_server
    api_key = f"sk-test-{uuid.uuid4().hex}"  # its own Redis keys
    with override_settings(OPENAI_REQUESTS_PER_MINUTE=600, REDIS_URL=REDIS_URL):
        limiter = get_llm_rate_limiter(api_key=api_key)
    assert isinstance(limiter, RedisRateLimiter)
    script = [CLASSIFIER_PROCESS, REDIS_URL, base_url, api_key, "12"]
    try:
        outputs = run_together([script, script], env={"DJANGO_SETTINGS_MODULE": "tests.settings"})
    finally:
        redis_client.delete(*limiter.keys)

    assert outputs == [{"statuses": ["ok"] * 12, "limiter": "RedisRateLimiter"}] * 2
    assert len(arrivals) == 24
    # A request reaches the server its client's send latency after the limiter let it go,
    # which varies by a few milliseconds (tens on a busy machine), so a window's edge may catch
    # one more than the limiter's exact spacing allows (see the test above); two more would
    # take 100 ms of jitter. Limits kept per process would let about 20 through.
    assert most_in_any_window(arrivals) <= 10 + 1
