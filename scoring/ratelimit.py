"""Rate limits on LLM requests: GCRA, shared by every worker through Redis, or per process."""

from __future__ import annotations

import hashlib
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

KEY_PREFIX = "leadscoring:ratelimit:"
# One unit at a time: requests are spaced evenly (period / rate apart), never bunched. A burst
# that the minute allows can still be refused, because providers also count shorter windows
# (OpenAI enforces e.g. 600 requests/minute as 10 per second).
DEFAULT_BURST = 1.0
# A key is worth keeping only until its theoretical arrival time has passed (it then means the
# same as no key); the margin covers rounding, and idle keys still vanish within a second.
KEY_TTL_MARGIN_MS = 1000
# Short, so that a Redis that is down costs a run a second (redis-py waits forever by default).
REDIS_TIMEOUT = 1.0
# After Redis failed, calls use the local limiter this long before asking Redis again: a Redis
# host that drops packets would otherwise cost a connect timeout before every request.
REDIS_RETRY_AFTER = 5.0

# Waiters sleep up to this fraction longer than told. Callers told to wait until the same
# moment would otherwise all ask again at once, and the one the scheduler favours could win
# every time (seen: one process granted 19 times in a row while another waited two seconds).
WAIT_JITTER = 0.1

Clock = Callable[[], float]
Sleep = Callable[[float], None]


def jittered_sleep(seconds: float) -> None:
    """Sleep `seconds`, and a random part of WAIT_JITTER of them more: callers waiting for the
    same limit then ask again in random order, so each gets turns."""
    time.sleep(seconds * (1 + WAIT_JITTER * random.random()))  # noqa: S311 (not secret)


# One call spends on every key at once, or on none of them: spending on the requests key while
# waiting for tokens would let the waiting requests go out bunched. Times are microseconds on
# the Redis server's clock (TIME, allowed before writes since Redis 5), so that all machines
# agree; '%.17g' stores them without rounding (tostring keeps 14 digits: 0.1 ms lost).
# KEYS: one per limit. ARGV[1]: TTL margin (ms); then per key: interval (microseconds per
# unit), burst (units), cost (units). Returns the microseconds to wait; 0 once spent.
_GCRA_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local wait = 0
local tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[3 * i - 1])
  local burst = tonumber(ARGV[3 * i])
  local cost = tonumber(ARGV[3 * i + 1])
  local tat = tonumber(redis.call('GET', key)) or now
  if tat < now then tat = now end
  local allow_at = tat - (burst - math.min(cost, burst)) * interval
  if allow_at - now > wait then wait = allow_at - now end
  tats[i] = tat + cost * interval
end
if wait > 0 then return math.ceil(wait) end
for i, key in ipairs(KEYS) do
  local ttl = math.ceil((tats[i] - now) / 1000) + tonumber(ARGV[1])
  redis.call('SET', key, string.format('%.17g', tats[i]), 'PX', ttl)
end
return 0
"""


class RateLimitUnavailable(Exception):
    """The limiter's shared store cannot be used, so no request may be sent."""


class RateLimiter(Protocol):
    """Something that makes callers wait until they may spend."""

    def acquire(self, cost: float = 1) -> None:
        """Block until `cost` units may be spent, then spend them.

        Never raises for waiting; raises RateLimitUnavailable only if the store is unusable.
        """
        ...


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `rate` units per `period` seconds, spaced evenly, at most `burst` at once.

    A `per_call` limit spends one unit per acquire whatever its cost (a count of requests);
    the others spend the cost (tokens). A cost above `burst` passes once the limit is idle,
    and its excess is left as debt that later callers wait out: such a request is never
    refused for good, and the long-run rate still holds.
    """

    name: str
    rate: float
    period: float = 60.0
    burst: float = DEFAULT_BURST
    per_call: bool = False

    def __post_init__(self) -> None:
        if not self.rate > 0 or not self.period > 0 or not self.burst >= 1:
            raise ValueError(
                f"Limit {self.name!r} needs rate > 0, period > 0 and burst >= 1, got "
                f"rate={self.rate!r}, period={self.period!r}, burst={self.burst!r}."
            )

    @property
    def interval(self) -> float:
        """Seconds per unit."""
        return self.period / self.rate

    def cost_of(self, cost: float) -> float:
        return 1.0 if self.per_call else cost


def gcra(
    now: float, tats: Sequence[float | None], charges: Sequence[tuple[float, float, float]]
) -> tuple[float, list[float]]:
    """Return the seconds to wait before spending on every limit at once, and the new times.

    `tats` are the limits' theoretical arrival times (None: never used), `charges` their
    (interval, burst, cost). The new times are to be stored only when the wait is 0. The same
    arithmetic as the Redis script.
    """
    wait = 0.0
    new_tats = []
    for tat, (interval, burst, cost) in zip(tats, charges, strict=True):
        start = now if tat is None or tat < now else tat
        allow_at = start - (burst - min(cost, burst)) * interval
        wait = max(wait, allow_at - now)
        new_tats.append(start + cost * interval)
    return wait, new_tats


class LocalRateLimiter:
    """GCRA over `limits` in this process's memory. Thread-safe.

    For a laptop without Redis, where runs share one process anyway, and as the fallback of
    RedisRateLimiter. `acquire(cost)` spends on every limit at once (see Limit.per_call).
    """

    def __init__(
        self, *limits: Limit, clock: Clock = time.monotonic, sleep: Sleep = jittered_sleep
    ):
        if not limits:
            raise ValueError("A rate limiter needs at least one limit.")
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tats: list[float | None] = [None] * len(limits)

    def acquire(self, cost: float = 1) -> None:
        """Block until `cost` may be spent on every limit, then spend it."""
        _acquire(self.try_acquire, cost, self._sleep)

    def try_acquire(self, cost: float = 1) -> float:
        """Spend `cost` and return 0 if every limit allows it now; else spend nothing and
        return the seconds to wait before asking again."""
        charges = [(limit.interval, limit.burst, limit.cost_of(cost)) for limit in self.limits]
        with self._lock:
            wait, tats = gcra(self._clock(), self._tats, charges)
            if wait > 0:
                return wait
            self._tats = list(tats)
            return 0.0


class RedisRateLimiter:
    """GCRA over `limits` in Redis, in one atomic script: shared by every process and machine.

    Keys are `leadscoring:ratelimit:<limit name>`, expiring once idle. When Redis fails, calls
    use a LocalRateLimiter over the same limits instead (a warning is logged once per outage;
    Redis is asked again after REDIS_RETRY_AFTER seconds): the run goes on, each process then
    keeping the limits on its own, so several workers together may exceed them until Redis is
    back. With `local_fallback=False`, acquire raises RateLimitUnavailable instead.
    """

    def __init__(
        self,
        *limits: Limit,
        client: redis.Redis,
        sleep: Sleep = jittered_sleep,
        local_fallback: bool = True,
    ) -> None:
        if not limits:
            raise ValueError("A rate limiter needs at least one limit.")
        self.limits = limits
        self.keys = [KEY_PREFIX + limit.name for limit in limits]
        self._script = client.register_script(_GCRA_SCRIPT)
        self._sleep = sleep
        self._fallback = LocalRateLimiter(*limits, sleep=sleep) if local_fallback else None
        self._lock = threading.Lock()
        self._down_until: float | None = None  # monotonic time; None while Redis answers

    def acquire(self, cost: float = 1) -> None:
        """Block until `cost` may be spent on every limit, then spend it.

        Raises RateLimitUnavailable when Redis fails and there is no local fallback.
        """
        _acquire(self.try_acquire, cost, self._sleep)

    def try_acquire(self, cost: float = 1) -> float:
        """Spend `cost` and return 0 if every limit allows it now; else spend nothing and
        return the seconds to wait before asking again."""
        down_until = self._down_until
        fallback = self._fallback
        if fallback is not None and down_until is not None and time.monotonic() < down_until:
            return fallback.try_acquire(cost)
        args: list[float] = [KEY_TTL_MARGIN_MS]
        for limit in self.limits:
            args += [limit.interval * 1_000_000, limit.burst, limit.cost_of(cost)]
        try:
            wait = self._script(keys=self.keys, args=args)
        except RedisError as exc:
            if self._fallback is None:
                # Not the exception's text: it can name the server, and the URL its password.
                raise RateLimitUnavailable(
                    f"Redis failed ({type(exc).__name__}): the shared rate limits cannot be kept."
                ) from None
            self._redis_failed(exc)
            return self._fallback.try_acquire(cost)
        if down_until is not None:
            self._redis_answered()
        return int(wait) / 1_000_000

    def _redis_failed(self, exc: RedisError) -> None:
        with self._lock:
            first = self._down_until is None
            self._down_until = time.monotonic() + REDIS_RETRY_AFTER
        if first:
            logger.warning(
                "ratelimit: Redis failed (%s); keeping %s in this process only until it answers, "
                "so several workers together may exceed them",
                type(exc).__name__,
                ", ".join(limit.name for limit in self.limits),
            )

    def _redis_answered(self) -> None:
        with self._lock:
            was_down, self._down_until = self._down_until is not None, None
        if was_down:
            logger.info("ratelimit: Redis answers again; the limits are shared again")


def llm_limits(*, requests_per_minute: int, tokens_per_minute: int, scope: str) -> list[Limit]:
    """Return the limits for one LLM account: requests (one per call) and tokens (the cost).

    A rate of 0 leaves that dimension unlimited; the list is empty when both are 0.
    """
    limits = []
    if requests_per_minute:
        limits.append(Limit(f"{scope}:requests", requests_per_minute, per_call=True))
    if tokens_per_minute:
        limits.append(Limit(f"{scope}:tokens", tokens_per_minute))
    return limits


_lock = threading.Lock()
_llm_limiters: dict[tuple[int, int, str, str], RateLimiter] = {}
_redis_clients: dict[str, redis.Redis] = {}


def get_llm_rate_limiter(*, api_key: str | None = None) -> RateLimiter | None:
    """Return this process's limiter for the LLM provider, or None when no limit is set.

    Limits come from OPENAI_REQUESTS_PER_MINUTE and OPENAI_TOKENS_PER_MINUTE (0: that
    dimension unlimited). They are kept in Redis, shared by every worker, when REDIS_URL is
    set, else in this process. Providers limit per account, so the keys are those of
    `api_key` (default OPENAI_API_KEY), by digest. The same settings return the same limiter,
    so concurrent runs in one process share it. Raises ImproperlyConfigured for a limit that
    is not an integer >= 0.
    """
    requests_per_minute = _limit_setting("OPENAI_REQUESTS_PER_MINUTE")
    tokens_per_minute = _limit_setting("OPENAI_TOKENS_PER_MINUTE")
    if not requests_per_minute and not tokens_per_minute:
        return None
    if api_key is None:
        api_key = getattr(settings, "OPENAI_API_KEY", "") or ""
    redis_url = getattr(settings, "REDIS_URL", "") or ""
    # A digest, not the key: Redis key names show up in monitoring tools.
    scope = "openai:" + hashlib.sha256(api_key.encode()).hexdigest()[:16]
    config = (requests_per_minute, tokens_per_minute, redis_url, scope)
    with _lock:
        limiter = _llm_limiters.get(config)
        if limiter is None:
            limits = llm_limits(
                requests_per_minute=requests_per_minute,
                tokens_per_minute=tokens_per_minute,
                scope=scope,
            )
            if redis_url:
                limiter = RedisRateLimiter(*limits, client=_redis_client(redis_url))
            else:
                limiter = LocalRateLimiter(*limits)
            _llm_limiters[config] = limiter
    return limiter


def _redis_client(url: str) -> redis.Redis:
    # Called with _lock held. One client (and connection pool) per process and URL.
    client = _redis_clients.get(url)
    if client is None:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        _redis_clients[url] = client
    return client


def _limit_setting(name: str) -> int:
    value = getattr(settings, name, 0) or 0
    if not isinstance(value, int) or value < 0:
        raise ImproperlyConfigured(f"{name} must be an integer >= 0, got {value!r}.")
    return value


def _acquire(try_acquire: Callable[[float], float], cost: float, sleep: Sleep) -> None:
    if not (cost >= 0 and math.isfinite(cost)):
        raise ValueError(f"A rate limiter's cost must be a finite number >= 0, got {cost!r}.")
    while (wait := try_acquire(cost)) > 0:
        sleep(wait)
