"""Stream what PostgreSQL's `COPY (query) TO STDOUT` writes, without holding it in memory.

COPY is the fastest way out of PostgreSQL: the server formats the rows (and may plan the
query in parallel, which a server-side cursor may not), the client only moves bytes. psycopg2's
copy_expert blocks until the COPY ends, so it runs in a thread that hands batches of rows to
the caller's generator through a small bounded queue.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Generator, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

# Rows are handed over in batches of about this many bytes: few queue hand-offs (each costs
# thread switches) while at most QUEUE_BATCHES + 2 batches are ever held.
BATCH_BYTES = 256 * 1024
QUEUE_BATCHES = 4
# How often a copy blocked on a full queue looks whether its reader went away.
_POLL_SECONDS = 0.1
_DONE = object()


def _rows(rows: list[bytes]) -> list[bytes]:
    return rows


class _Stopped(Exception):
    """The reader went away: the COPY is abandoned."""


def copy_rows(
    sql: str,
    params: Sequence[Any] = (),
    *,
    options: str = "FORMAT csv",
    using: str = DEFAULT_DB_ALIAS,
    batch_bytes: int = BATCH_BYTES,
    transform: Callable[[list[bytes]], Any] = _rows,
) -> Generator[Any, None, None]:
    """Yield the rows of `COPY (sql) TO STDOUT WITH (options)`, in batches of about
    `batch_bytes`: lists of rows, each as the server sent it (a CSV row ends with "\\n"), or
    what `transform` makes of each list.

    `transform` runs in the COPY's thread. Work that turns rows into what the caller sends
    belongs there: that thread needs the GIL for every row psycopg2 hands it, and waits for it
    (up to the interpreter's 5 ms switch interval, each time) while another thread computes.

    `sql` and `params` are a query as Django compiles it (`query.sql_with_params()`). The
    COPY runs when the first batch is asked for, in a thread of its own but on the
    connection `using` (so it sees the caller's transaction), which nothing else may use until
    the generator is exhausted or closed. Closing it early (a client that went away) cancels
    the COPY and waits for the thread to end; inside a transaction the COPY runs in a
    savepoint, so a cancelled one leaves the transaction usable. Database errors are raised
    from the generator, as Django's exceptions.
    """
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        query = cursor.mogrify(sql, params).decode()
    statement = f"COPY ({query}) TO STDOUT WITH ({options})"
    handoff: queue.Queue[Any] = queue.Queue(QUEUE_BATCHES)
    stop = threading.Event()

    def put(item: Any) -> None:
        while True:
            if stop.is_set():
                raise _Stopped
            try:
                handoff.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue

    class Writer:
        """What copy_expert writes to: one call per row."""

        def __init__(self) -> None:
            self.rows: list[bytes] = []
            self.size = 0

        def write(self, row: bytes) -> None:
            self.rows.append(row)
            self.size += len(row)
            if self.size >= batch_bytes:
                put(transform(self.rows))
                self.rows, self.size = [], 0

    def run() -> None:
        writer = Writer()
        try:
            with raw.cursor() as cursor, connection.wrap_database_errors:
                _copy_in_savepoint(cursor, statement, writer, savepoint=not raw.autocommit)
            if writer.rows:
                put(transform(writer.rows))
            put(_DONE)
        except _Stopped:
            pass
        except BaseException as error:  # raised again by the reader
            with contextlib.suppress(_Stopped):
                put(error)

    thread = threading.Thread(target=run, name="copy_rows", daemon=True)
    thread.start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                thread.join()
                raise item
            yield item
        thread.join()
    finally:
        if thread.is_alive():
            stop.set()
            raw.cancel()  # a COPY still computing its first row would not notice `stop`
            while thread.is_alive():
                try:
                    handoff.get_nowait()
                except queue.Empty:
                    thread.join(_POLL_SECONDS)


def _copy_in_savepoint(cursor: Any, statement: str, writer: Any, *, savepoint: bool) -> None:
    if not savepoint:
        cursor.copy_expert(statement, writer)
        return
    cursor.execute("SAVEPOINT copy_rows")
    done = False
    try:
        cursor.copy_expert(statement, writer)
        done = True
    finally:
        if not done:
            cursor.execute("ROLLBACK TO SAVEPOINT copy_rows")
        cursor.execute("RELEASE SAVEPOINT copy_rows")
