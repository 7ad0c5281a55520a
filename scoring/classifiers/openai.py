"""Intent classification by an OpenAI-compatible chat model, falling back to the heuristic."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

import openai
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from scoring.classifiers.base import Classification, Classifier, ClassifierError
from scoring.classifiers.heuristic import HeuristicClassifier
from scoring.classifiers.llm_http import (
    RequestFailed,
    backoff,
    read_completion,
    status_failure,
)
from scoring.classifiers.output_modes import (
    Negotiation,
    OutputMode,
    parse_output_mode,
    refuses_format,
    response_format,
    schema_in_prompt,
)
from scoring.classifiers.prompt import (
    PROMPT_VERSION,
    build_messages,
    estimate_tokens,
    lead_payload,
    max_output_tokens,
    offer_payload,
    parse_answers,
)
from scoring.facts import LeadFacts, OfferFacts
from scoring.ratelimit import RateLimiter, RateLimitUnavailable, get_llm_rate_limiter

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

logger = logging.getLogger(__name__)
# (base URL, model, key digest) that answered once in this process, with the output mode that
# worked: a worker's later runs need not send their first batch alone to find out whether the
# key and model work, nor negotiate the mode again.
_VERIFIED_ENDPOINTS: dict[tuple[str, str, str], OutputMode] = {}

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_BATCH_SIZE = 10
DEFAULT_CONCURRENCY = 4
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 3

# Consecutive failed batches before this instance stops calling the provider: a dead provider
# would otherwise cost retries x batches x timeout before the run could finish.
BREAKER_THRESHOLD = 5
# Longest model name kept in provenance (ScoreResult.ai_model holds 200 characters).
MODEL_NAME_MAX_CHARS = 200

Sleep = Callable[[float], None]


class OpenAIClassifier:
    """Classify leads with a chat model behind any OpenAI-compatible endpoint.

    Leads travel `batch_size` to a request, `concurrency` requests at a time. The structured-
    output mode is negotiated per endpoint (see output_modes) unless `output_mode` forces one.
    A batch whose answer is rejected as a whole is split in halves and asked again; answers
    still missing or invalid are asked for again, and leads unanswered after `max_retries` fall
    back to the heuristic classifier, flagged `status="fallback"`. Counters and the circuit
    breaker live on the instance, so use one instance per run. Thread-safe.
    """

    name = "openai"
    prompt_version = PROMPT_VERSION

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        batch_size: int | None = None,
        concurrency: int | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        output_mode: str | None = None,
        fold_system_prompt: bool | None = None,
        breaker_threshold: int = BREAKER_THRESHOLD,
        fallback: Classifier | None = None,
        sleep: Sleep = time.sleep,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        """Configure from the keyword arguments, each defaulting to its OPENAI_* setting.

        `rate_limiter` is waited on before every request; by default the one that settings
        describe (`get_llm_rate_limiter`), none when no limit is set. Raises
        ImproperlyConfigured when no API key is set or a value is out of range.
        """
        api_key = api_key if api_key is not None else getattr(settings, "OPENAI_API_KEY", "")
        if not api_key:
            raise ImproperlyConfigured(
                "OPENAI_API_KEY must be set to use the openai classifier "
                "(any non-empty value for servers that need no key, such as Ollama)."
            )
        self.model: str = model or getattr(settings, "OPENAI_MODEL", None) or DEFAULT_MODEL
        self.batch_size = _setting(batch_size, "OPENAI_BATCH_SIZE", DEFAULT_BATCH_SIZE, minimum=1)
        self.concurrency = _setting(
            concurrency, "OPENAI_CONCURRENCY", DEFAULT_CONCURRENCY, minimum=1
        )
        self.max_retries = _setting(
            max_retries, "OPENAI_MAX_RETRIES", DEFAULT_MAX_RETRIES, minimum=0
        )
        self.timeout = float(
            timeout if timeout is not None else getattr(settings, "OPENAI_TIMEOUT", DEFAULT_TIMEOUT)
        )
        if self.timeout <= 0:
            raise ImproperlyConfigured("OPENAI_TIMEOUT must be a positive number of seconds.")
        self.fold_system_prompt = bool(
            fold_system_prompt
            if fold_system_prompt is not None
            else getattr(settings, "OPENAI_FOLD_SYSTEM_PROMPT", False)
        )
        self.breaker_threshold = breaker_threshold
        self.sleep = sleep
        self.rate_limiter = (
            rate_limiter if rate_limiter is not None else get_llm_rate_limiter(api_key=api_key)
        )
        self._fallback = fallback
        # The SDK's own retries are off: ours honour Retry-After with a cap, count retries for
        # the run summary and re-ask only for the leads that got no valid answer.
        self._client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url or getattr(settings, "OPENAI_BASE_URL", None) or None,
            timeout=self.timeout,
            max_retries=0,
        )
        self._lock = threading.Lock()
        self._endpoint = (
            str(self._client.base_url),
            self.model,
            hashlib.sha256(api_key.encode()).hexdigest(),
        )
        forced = parse_output_mode(
            output_mode if output_mode is not None else getattr(settings, "OPENAI_OUTPUT_MODE", "")
        )
        remembered = _VERIFIED_ENDPOINTS.get(self._endpoint)
        self._verified = remembered is not None
        self.negotiation = Negotiation(forced=forced, remembered=remembered)
        self._failed_batches = 0
        self.requests_made = 0
        self.retries = 0
        self.splits = 0
        self.answered = 0
        self.fallbacks = 0
        self.cut_at_bound = 0  # answers that stopped at max_tokens
        self.over_bound = 0  # answers longer than max_tokens: a server ignoring it
        self.reported_models: set[str] = set()

    def classify(self, offer: OfferFacts, leads: Sequence[LeadFacts]) -> list[Classification]:
        """Return one Classification per lead, in order.

        Raises ClassifierError(permanent=True), once for the whole call, when the provider
        rejects the key (401/403), does not know the model (404) or reports no quota left.
        """
        if not leads:
            return []
        started = time.monotonic()
        size = self.batch_size
        batches = [list(leads[i : i + size]) for i in range(0, len(leads), size)]
        abort = threading.Event()
        results: list[list[Classification]] = []
        # Until one request has succeeded, the first batch goes alone: a bad key, an unknown
        # model or an output mode to negotiate costs one request instead of `concurrency`.
        if not self._verified:
            results.append(self._classify_batch(offer, batches.pop(0), abort))
        if batches:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
                futures = [pool.submit(self._classify_batch, offer, b, abort) for b in batches]
                try:
                    results.extend(future.result() for future in futures)
                except ClassifierError:
                    abort.set()
                    for future in futures:
                        future.cancel()
                    raise
        answers = [classification for batch in results for classification in batch]
        answered = sum(answer.status == "ok" for answer in answers)
        logger.info(
            "openai classify: %d leads, %d answered by the model, %d fell back; %d requests, "
            "%d retries, %d splits, %d cut at max_tokens, %d over it, mode %s, model %s in %.2fs",
            len(leads),
            answered,
            len(leads) - answered,
            self.requests_made,
            self.retries,
            self.splits,
            self.cut_at_bound,
            self.over_bound,
            self.negotiation.mode.value,
            ",".join(sorted(self.reported_models)) or "-",
            time.monotonic() - started,
        )
        return answers

    def classify_one(self, offer: OfferFacts, lead: LeadFacts) -> Classification:
        """Return the Classification of a single lead (see `classify`)."""
        return self.classify(offer, [lead])[0]

    def cache_key(self, offer: OfferFacts, lead: LeadFacts) -> str:
        """Return a sha256 hex digest of everything that decides this lead's answer."""
        material = {
            "model": self.model,
            "prompt_version": PROMPT_VERSION,
            "offer": offer_payload(offer),
            "lead": lead_payload(lead),
        }
        canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def _classify_batch(
        self, offer: OfferFacts, batch: list[LeadFacts], abort: threading.Event
    ) -> list[Classification]:
        answers: dict[int, Classification] = {}
        reasons: dict[int, str] = {}
        given_up: list[int] = []
        # Groups of lead indices still to ask for: (indices, retries used, wait before asking).
        queue: deque[tuple[list[int], int, float]] = deque([(list(range(len(batch))), 0, 0.0)])
        provider_answered: bool | None = None  # outcome of the last request, for the breaker
        while queue:
            if abort.is_set():
                return []  # the call raises; nobody reads this batch
            pending, retries, delay = queue.popleft()
            if self._breaker_open():
                reasons.update(dict.fromkeys(pending, "provider unavailable"))
                given_up += pending
                continue
            if delay:
                self.sleep(delay)
            try:
                got, problems = self._request(offer, [batch[i] for i in pending])
            except ClassifierError:
                abort.set()
                raise
            except RequestFailed as exc:
                provider_answered = False
                reasons.update(dict.fromkeys(pending, exc.reason))
                if exc.retryable and retries < self.max_retries:
                    self._add(retries=1)
                    wait = exc.retry_after if exc.retry_after is not None else backoff(retries + 1)
                    queue.appendleft((pending, retries + 1, wait))
                else:
                    given_up += pending
                continue
            provider_answered = True
            missing = []
            for local_id, index in enumerate(pending):
                if local_id in got:
                    answers[index] = got[local_id]
                else:
                    reasons[index] = problems.get(local_id, "no answer for this lead")
                    missing.append(index)
            if len(missing) == len(pending) > 1:
                # The whole answer was rejected (invented or repeated ids, an empty list, a cut
                # answer): a smaller batch is easier for the model to keep track of.
                self._add(splits=1)
                half = (len(pending) + 1) // 2
                queue.extendleft([(pending[half:], retries, 0.0), (pending[:half], retries, 0.0)])
            elif missing and retries < self.max_retries:
                # The server is fine, the answer was not: ask again at once.
                self._add(retries=1)
                queue.appendleft((missing, retries + 1, 0.0))
            else:
                given_up += missing
        if provider_answered is not None:
            self._record_batch(ok=provider_answered)
        if given_up:
            given_up.sort()
            fallen = self._fall_back(
                offer, [batch[i] for i in given_up], [reasons[i] for i in given_up]
            )
            answers.update(zip(given_up, fallen, strict=True))
        self._add(answered=len(batch) - len(given_up))
        return [answers[i] for i in range(len(batch))]

    def estimate_tokens(self, offer: OfferFacts, leads: Sequence[LeadFacts]) -> int:
        """Return the tokens asking about `leads` would use, in this classifier's batches,
        prompts and answers: what the rate limiter counts (a dry run reports it)."""
        mode, size = self.negotiation.mode, self.batch_size
        batches = [list(leads[i : i + size]) for i in range(0, len(leads), size)]
        return sum(
            estimate_tokens(self._messages(offer, batch, mode), len(batch)) for batch in batches
        )

    def _messages(
        self, offer: OfferFacts, leads: list[LeadFacts], mode: OutputMode
    ) -> list[ChatCompletionMessageParam]:
        return build_messages(
            offer,
            leads,
            schema_in_prompt=schema_in_prompt(mode),
            fold_system=self.fold_system_prompt,
        )

    def _request(
        self, offer: OfferFacts, leads: list[LeadFacts]
    ) -> tuple[dict[int, Classification], dict[int, str]]:
        """Ask once for `leads`; return valid answers and per-lead problems, by id in `leads`.

        While the output mode is being negotiated, a refusal of the mode or an unreadable
        answer moves to the next mode and asks again at once.
        """
        mode = self.negotiation.mode
        messages = self._messages(offer, leads, mode)
        if self.rate_limiter is not None:
            try:
                self.rate_limiter.acquire(estimate_tokens(messages, len(leads)))
            except RateLimitUnavailable as exc:
                raise RequestFailed("rate limiter unavailable", retryable=True) from exc
        self._add(requests_made=1)
        bound = max_output_tokens(len(leads))
        started = time.monotonic()
        try:
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                response_format=response_format(mode, len(leads)),  # type: ignore[call-overload]
                max_tokens=bound,
            )
        except openai.APIStatusError as exc:
            logger.warning(
                "openai request failed: status=%d mode=%s leads=%d duration=%.2fs",
                exc.status_code,
                mode.value,
                len(leads),
                time.monotonic() - started,
            )
            said = f"{exc.message} {exc.param or ''} {exc.body!r}"
            if refuses_format(exc.status_code, said) and self.negotiation.refused(mode):
                return self._request(offer, leads)
            if exc.status_code in (401, 403, 404):
                # A key revoked or a model withdrawn since: probe with one batch again next time.
                _VERIFIED_ENDPOINTS.pop(self._endpoint, None)
            # Not chained: the provider's message may quote part of the key.
            raise status_failure(exc, model=self.model) from None
        except openai.APITimeoutError as exc:
            logger.warning("openai request timed out after %.2fs", time.monotonic() - started)
            raise RequestFailed("timeout", retryable=True) from exc
        except openai.APIConnectionError as exc:
            logger.warning("openai connection error after %.2fs", time.monotonic() - started)
            raise RequestFailed("connection error", retryable=True) from exc
        except openai.OpenAIError as exc:
            raise RequestFailed("unreadable response", retryable=True) from exc
        content, refusal, finish_reason, reported = read_completion(completion)
        used = getattr(getattr(completion, "usage", None), "completion_tokens", None)
        logger.debug(
            "openai request ok: leads=%d mode=%s duration=%.2fs finish=%s tokens=%s/%d",
            len(leads),
            mode.value,
            time.monotonic() - started,
            finish_reason,
            used,
            bound,
        )
        if finish_reason == "length":
            self._add(cut_at_bound=1)
        if isinstance(used, int) and used > bound:
            self._add(over_bound=1)
            logger.warning("openai: the server ignored max_tokens (%d > %d)", used, bound)
        if refusal:
            self._settle(mode)
            return {}, dict.fromkeys(range(len(leads)), "model refused")
        parsed, problems = parse_answers(content, len(leads))
        unreadable = not parsed and set(problems.values()) <= _UNREADABLE
        if finish_reason == "length" and unreadable:
            problems = dict.fromkeys(range(len(leads)), "answer cut at its token limit")
        elif unreadable and self.negotiation.refused(mode):
            return self._request(offer, leads)
        self._settle(mode)
        model = (reported or self.model)[:MODEL_NAME_MAX_CHARS]
        if parsed:
            with self._lock:
                self.reported_models.add(model)
        return {
            local_id: Classification(
                intent=intent, reasoning=reasoning, status="ok", provider=self.name, model=model
            )
            for local_id, (intent, reasoning) in parsed.items()
        }, problems

    def _settle(self, mode: OutputMode) -> None:
        self.negotiation.worked(mode)
        self._verified = True
        _VERIFIED_ENDPOINTS[self._endpoint] = mode

    def _fall_back(
        self, offer: OfferFacts, leads: list[LeadFacts], reasons: list[str]
    ) -> list[Classification]:
        if self._fallback is None:
            self._fallback = HeuristicClassifier()
        self._add(fallbacks=len(leads))
        return [
            replace(
                answer,
                status="fallback",
                provider=answer.provider,
                reasoning=f"LLM unavailable ({reason}); heuristic: {answer.reasoning}",
            )
            for answer, reason in zip(self._fallback.classify(offer, leads), reasons, strict=True)
        ]

    def _breaker_open(self) -> bool:
        with self._lock:
            return self._failed_batches >= self.breaker_threshold

    def _record_batch(self, *, ok: bool) -> None:
        with self._lock:
            self._failed_batches = 0 if ok else self._failed_batches + 1
            opened = self._failed_batches == self.breaker_threshold
        if opened:
            logger.warning(
                "openai: %d consecutive batches failed, falling back for the rest of the run",
                self.breaker_threshold,
            )

    def _add(self, **counts: int) -> None:
        with self._lock:
            for name, count in counts.items():
                setattr(self, name, getattr(self, name) + count)


# Problems that mean the answer could not be read at all, as opposed to read and found wrong.
_UNREADABLE = frozenset({"invalid JSON", "answer not in the expected shape"})


def _setting(value: int | None, name: str, default: int, *, minimum: int) -> int:
    if value is None:
        value = getattr(settings, name, default)
    if not isinstance(value, int) or value < minimum:
        raise ImproperlyConfigured(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return value
