"""What an OpenAI-compatible server's HTTP answers mean to the classifier: which errors are
permanent, which are worth asking again and after how long, and the parts of a completion."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import openai

from scoring.classifiers.base import ClassifierError
from scoring.classifiers.prompt import visible_text

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

# A server may ask for minutes; a run waiting that long is worse than the heuristic fallback.
RETRY_AFTER_CAP = 30.0
BACKOFF_BASE = 1.0
BACKOFF_CAP = 20.0
_TRANSIENT_STATUSES = frozenset({408, 409, 429})


class RequestFailed(Exception):
    """One request got no usable answer; `retryable` says whether asking again may help."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


def status_failure(exc: openai.APIStatusError, *, model: str) -> Exception:
    """Return what an HTTP error means: a permanent ClassifierError, or a RequestFailed."""
    status = exc.status_code
    if status == 401:
        return ClassifierError(
            "The LLM provider rejected the API key (401): check OPENAI_API_KEY.",
            permanent=True,
        )
    if status == 403:
        return ClassifierError(
            f"The LLM provider refused access to model '{model}' (403): check the API "
            "key's permissions and OPENAI_MODEL.",
            permanent=True,
        )
    if status == 404:
        return ClassifierError(
            f"The LLM provider has no model '{model}' (404): check OPENAI_MODEL, and "
            "OPENAI_BASE_URL for compatible servers.",
            permanent=True,
        )
    if status == 429 and exc.code == "insufficient_quota":
        return ClassifierError(
            "The LLM provider reports the account's quota is used up (429).", permanent=True
        )
    if status in _TRANSIENT_STATUSES or status >= 500:
        return RequestFailed(
            f"HTTP {status}", retryable=True, retry_after=retry_after(exc.response.headers)
        )
    return RequestFailed(f"HTTP {status}", retryable=False)


def read_completion(
    completion: ChatCompletion,
) -> tuple[str | None, str | None, str | None, str | None]:
    """Return (content, refusal, finish_reason, model) of a completion, None where absent.

    The model's name is stored with every answer: it comes back cleaned (`visible_text`), on
    one line.
    """
    try:
        choice = completion.choices[0]
        message = choice.message
        content, refusal, finish = message.content, message.refusal, choice.finish_reason
    except (AttributeError, IndexError, TypeError):
        content, refusal, finish = None, None, None
    model = getattr(completion, "model", None)
    model = " ".join(visible_text(model).split()) if isinstance(model, str) else None
    return content, refusal, finish, model or None


def retry_after(headers: Any) -> float | None:
    """Return the wait a 429/5xx asked for, in seconds (capped), or None when it named none."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return min(max(float(milliseconds) / 1000, 0.0), RETRY_AFTER_CAP)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def backoff(attempt: int) -> float:
    """Return the wait before retry number `attempt`: exponential, capped, with jitter."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    # Jitter spreads the retries of concurrent batches; it is not a security measure.
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311
