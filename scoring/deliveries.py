"""Delivery of finished runs to their callback URLs: a few quick tries in-process, or by the
workers with backoff."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F

from scoring.callbacks import CallbackRefused, post_signed
from scoring.dispatch import queue_callback
from scoring.models import ScoringRun
from scoring.serializers import RunSerializer


def callback_deliver(*, run: ScoringRun, timeout: float = 10) -> bool:
    """POST the run to its callback URL, signed; record the attempt and return whether the
    receiver accepted it (2xx). Never raises for delivery failures. A URL the service must
    not call is recorded as `refused`, which no retry can change (see callback_retry_useful)."""
    run.refresh_from_db()
    body = json.dumps(RunSerializer(run).data, separators=(",", ":")).encode()
    secret = run.callback_secret or settings.CALLBACK_SECRET
    error, outcome = "", "delivered"
    try:
        post_signed(
            run.callback_url, body, secret=secret, event=f"run.{run.status}", timeout=timeout
        )
    except CallbackRefused as exc:
        error, outcome = str(exc), "refused" if exc.permanent else "failed"
    ScoringRun.objects.filter(pk=run.pk).update(
        callback_attempts=F("callback_attempts") + 1,
        callback_status=outcome,
        callback_error=error,
    )
    run.refresh_from_db()
    return not error


def callback_after_finish(run: ScoringRun) -> None:
    """Deliver the callback of a run that has just ended, if it has one: by the workers once
    the transaction commits (background runs), else here, a few quick tries."""
    if not run.callback_url:
        return
    if run.background:
        transaction.on_commit(lambda: queue_callback(run.pk))
    else:
        # In-process runs (no broker): a few quick tries now, the outcome kept on the run.
        for delay in (0, 1, 2):
            time.sleep(delay)
            if callback_deliver(run=run) or not callback_retry_useful(run):
                break


def callback_retry_useful(run: ScoringRun) -> bool:
    """Return whether delivering the run's callback again may succeed: not once refused."""
    return run.callback_status != "refused"
