"""Rows of a PostgreSQL query streamed with COPY ... TO STDOUT, in constant memory.

COPY is the fastest way out of PostgreSQL: it may run the query with parallel workers (a
server-side cursor may not), and it sends text the server already formatted. psycopg2 only
offers it as one blocking call writing into a file, so the call runs in a thread of its own
and hands batches of rows to the caller through a small queue. Batches are transformed in that
thread too: it takes the GIL for every row psycopg2 hands over, and would wait for it (up to
the interpreter's 5 ms switch interval, per row) while another thread formats.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

# Bytes of COPY output per batch handed over, and batches waiting at most: enough for the
# database to run ahead of the caller, little enough to keep memory flat.
BATCH_BYTES = 1 << 20
QUEUE_BATCHES = 4
# How often the COPY thread looks whether its reader went away while the queue is full.
_POLL_SECONDS = 0.1


class _ReaderGone(Exception):
    """The caller stopped reading: the COPY is abandoned."""


class _Sink:
    """The file psycopg2's copy_expert writes into: one call per row, batched here."""

    def __init__(
        self,
        batches: queue.Queue[bytes | BaseException | None],
        stop: threading.Event,
        transform: Callable[[bytes], bytes],
    ) -> None:
        self.batches = batches
        self.stop = stop
        self.transform = transform
        self.rows: list[bytes] = []
        self.size = 0

    def write(self, row: bytes) -> None:
        self.rows.append(row)
        self.size += len(row)
        if self.size >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.put(self.transform(b"".join(self.rows)))
            self.rows.clear()
            self.size = 0

    def put(self, item: bytes | BaseException | None) -> None:
        while True:
            if self.stop.is_set():
                raise _ReaderGone()
            try:
                self.batches.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue


def copy_out(
    connection: BaseDatabaseWrapper,
    sql: str,
    params: Sequence[Any],
    *,
    options: str = "",
    transform: Callable[[bytes], bytes] = bytes,
) -> Iterator[bytes]:
    """Yield `transform` of each batch of whole rows of `COPY (sql) TO STDOUT options`.

    `sql` is a SELECT with %s placeholders for `params` (as Django compiles a queryset); it runs
    on `connection` (PostgreSQL), in its current transaction, so it sees what the caller sees.
    Each batch holds whole rows, each ending with a line feed. Errors of the query are raised
    here. Closing the iterator early (a client that went away) abandons the COPY; the
    connection stays usable.
    """
    connection.ensure_connection()
    with connection.cursor() as cursor:
        statement = cursor.mogrify(sql, params).decode()
    raw = connection.connection
    batches: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=QUEUE_BATCHES)
    stop = threading.Event()
    sink = _Sink(batches, stop, transform)

    def run() -> None:
        try:
            with raw.cursor() as cursor:
                cursor.copy_expert(f"COPY ({statement}) TO STDOUT {options}", sink)
            sink.flush()
            sink.put(None)
        except _ReaderGone:
            pass
        except BaseException as exc:  # handed to the reader, which raises it
            with contextlib.suppress(_ReaderGone):
                sink.put(exc)

    thread = threading.Thread(target=run, name="copy-out", daemon=True)
    thread.start()
    try:
        while (batch := batches.get()) is not None:
            if isinstance(batch, BaseException):
                with connection.wrap_database_errors:  # as Django's own queries raise them
                    raise batch
            yield batch
    finally:
        # The connection is the caller's again only once the COPY thread has let go of it.
        stop.set()
        thread.join()
