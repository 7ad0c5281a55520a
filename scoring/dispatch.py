"""The task broker: messages to the workers, sent by task name (the task module, which
imports the services that send them, registers the tasks under these names), and whether the
broker answers."""

from __future__ import annotations

from collections.abc import Iterable

from amqp.exceptions import ChannelError
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from leadscoring.celery import app as celery_app

# Names of the tasks of scoring/tasks.py: stable, since queued messages carry them.
SCORE_CHUNK = "scoring.tasks.score_chunk"
DELIVER_CALLBACK = "scoring.tasks.deliver_callback"


class BrokerUnavailable(Exception):
    """The task broker (Redis) cannot be reached: background runs cannot be queued."""


def queue_chunks(chunk_ids: Iterable[int]) -> None:
    """Queue a message to score each chunk, on one connection, without retrying.

    Raises BrokerUnavailable when the broker cannot be reached.
    """
    try:
        with celery_app.producer_or_acquire() as producer:
            for chunk_id in chunk_ids:
                celery_app.send_task(SCORE_CHUNK, args=[chunk_id], producer=producer, retry=False)
    except (KombuOperationalError, OSError, RedisError) as exc:
        raise BrokerUnavailable() from exc


def queue_chunk(chunk_id: int) -> None:
    """Queue a message to score the chunk (retried by Celery's policy while the broker is down)."""
    celery_app.send_task(SCORE_CHUNK, args=[chunk_id])


def queue_callback(run_id: int) -> None:
    """Queue a message to deliver the run's callback."""
    celery_app.send_task(DELIVER_CALLBACK, args=[run_id])


def broker_check() -> None:
    """Raise BrokerUnavailable unless the broker answers now."""
    try:
        with celery_app.connection_for_write() as connection_:
            connection_.ensure_connection(max_retries=1, timeout=3)
    except (KombuOperationalError, OSError, RedisError) as exc:
        raise BrokerUnavailable() from exc


def queue_empty() -> bool:
    """Return whether the broker's queue of chunks holds no message (False when unknown)."""
    try:
        with celery_app.connection_for_read() as connection_:
            queue = celery_app.conf.task_default_queue
            declared = connection_.default_channel.queue_declare(queue=queue, passive=True)
    except ChannelError:  # no such queue: nothing was ever queued there
        return True
    except (KombuOperationalError, OSError, RedisError):
        return False  # the broker is down: its messages may well be there
    return declared.message_count == 0
