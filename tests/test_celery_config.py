"""Where a worker started from the checkout (as the README says) writes its files."""

from __future__ import annotations

from pathlib import Path

from leadscoring.celery import app

ROOT = Path(__file__).resolve().parents[1]


def test_celery_beat_keeps_its_schedule_outside_the_checkout():
    schedule = Path(app.conf.beat_schedule_filename).resolve()

    assert schedule.is_absolute()
    assert ROOT not in schedule.parents
