"""A long-lived pool of scoring processes, for classifiers whose work is pure CPU.

No Django imports: the processes import only this module, the rule layer and the classifier.
They are forked by a fork server (multiprocessing's "forkserver"), never from the web process
itself, which runs threads (gunicorn, the result writer) that a fork would copy mid-flight.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scoring.classifiers.base import Classifier
from scoring.composition import Thresholds, score_leads
from scoring.facts import LeadFacts, OfferFacts
from scoring.result_parts import ResultPart, result_parts

logger = logging.getLogger(__name__)

# Where a process cannot be watched for its exit (no pidfd), how often scoring processes check
# that the process that started them is still there (seconds).
PARENT_POLL_SECONDS = 5
# Seconds the processes may take to start (the fork server imports the rule layer once).
START_TIMEOUT = 60


def score_parts(
    offer: OfferFacts,
    thresholds: Thresholds,
    classifier: Classifier,
    values: Sequence[tuple[str, ...]],
) -> list[ResultPart]:
    """Score leads (`values`: LeadFacts' arguments, one tuple per lead) and return their
    result parts, in order: what a scoring process does with a chunk.

    Raises what the classifier raises (ClassifierError when it fails permanently).
    """
    # Built as plain tuples of the class, as namedtuple's _make does, without a Python-level
    # call per lead: each row holds exactly LeadFacts' fields (scoring.chunks.chunk_leads).
    new = tuple.__new__
    leads = [new(LeadFacts, row) for row in values]
    return result_parts(score_leads(offer, leads, classifier, thresholds))


def may_have_children() -> bool:
    """Return whether this process may start processes: not a daemonic one (a Celery prefork
    pool's child, whose children would outlive it)."""
    return not multiprocessing.current_process().daemon


class _Pool:
    """The pool of this process, created on first use and kept until the process exits."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executor: ProcessPoolExecutor | None = None
        self.size = 0
        self.unavailable = False  # could not start here: not tried again in this process

    def get(self, processes: int, preload: Sequence[str]) -> ProcessPoolExecutor | None:
        with self.lock:
            if self.unavailable:
                return None
            if self.executor is not None and self.size == processes:
                return self.executor
            self._shutdown()
            try:
                self.executor = _start(processes, preload)
            except (OSError, ValueError, RuntimeError, TimeoutError) as exc:
                # A restricted environment (no /dev/shm, no fork, a process limit): scoring
                # stays in-process, as before; said once, not on every run.
                logger.warning("scoring processes cannot start (%r); scoring in-process", exc)
                self.unavailable = True
                return None
            self.size = processes
            return self.executor

    def discard(self, executor: ProcessPoolExecutor) -> None:
        with self.lock:
            if self.executor is executor:
                self._shutdown()

    def shutdown(self) -> None:
        with self.lock:
            self._shutdown()
            self.unavailable = False

    def _shutdown(self) -> None:
        executor, self.executor, self.size = self.executor, None, 0
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def _start(processes: int, preload: Sequence[str]) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    # Imported once by the fork server, not by every process it forks.
    context.set_forkserver_preload([__name__, *preload])
    executor = ProcessPoolExecutor(
        max_workers=processes,
        mp_context=context,
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        # Processes start on demand, one per submission while none is idle: start them all
        # now, so that a failure to start shows here rather than in the middle of a run.
        for future in [executor.submit(_ready) for _ in range(processes)]:
            future.result(timeout=START_TIMEOUT)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    return executor


def _exit_with_parent(parent: int) -> None:
    """Make this scoring process exit when `parent`, the process that started it, does.

    A parent that exits normally shuts its pool down; one killed outright (SIGKILL, out of
    memory) cannot, and its scoring processes (and the fork server) would wait for work forever.
    """
    threading.Thread(target=_await_exit, args=(parent,), name="parent-watch", daemon=True).start()


def _await_exit(parent: int) -> None:
    try:
        pidfd = os.pidfd_open(parent)  # Linux 5.3+: readable once the process has exited
    except (AttributeError, OSError):
        while _alive(parent):
            time.sleep(PARENT_POLL_SECONDS)
    else:
        select.select([pidfd], [], [])
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ready() -> None:
    """Do nothing: a first task, which makes a process start."""


_POOL = _Pool()
atexit.register(_POOL.shutdown)


def pool(processes: int, *, preload: Sequence[str] = ()) -> ProcessPoolExecutor | None:
    """Return this process's pool of `processes` scoring processes, started on first use (with
    the modules `preload` imported beforehand), or None when processes cannot start here (then
    logged once, and None for the rest of this process's life).

    A pool of another size is replaced. The pool is shut down when the process exits.
    """
    return _POOL.get(processes, preload)


def submit(
    executor: ProcessPoolExecutor,
    offer: OfferFacts,
    thresholds: Thresholds,
    classifier: Classifier,
    values: Sequence[tuple[str, ...]],
) -> Future[list[ResultPart]] | None:
    """Queue `score_parts` of a chunk in `executor`; return its future, or None when the pool
    is broken (a process died), which is then discarded: score the chunk in-process."""
    try:
        return executor.submit(score_parts, offer, thresholds, classifier, values)
    except (BrokenProcessPool, RuntimeError):  # RuntimeError: shut down meanwhile
        discard(executor)
        return None


def running() -> int:
    """Return how many scoring processes this process has running (0: none started)."""
    return _POOL.size


def discard(executor: ProcessPoolExecutor) -> None:
    """Forget a broken pool: the next `pool()` starts a new one."""
    _POOL.discard(executor)


def shutdown() -> None:
    """Stop this process's scoring processes (a new pool starts on next use), and try again
    to start processes where they could not start."""
    _POOL.shutdown()
