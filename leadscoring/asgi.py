"""ASGI entry point of the production server (gunicorn's asgi worker; see the Procfile).

An event loop reads requests: a slow client holds a socket and a coroutine, never a worker
or a thread, so slow uploads or slow headers cannot starve the service. Each view runs in a
thread of its own once its request has fully arrived.
"""

from __future__ import annotations

import os

# A database connection belongs to a thread, and under ASGI each request has a thread of its
# own: a connection kept for reuse would never be reused.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadscoring.settings")

import django

django.setup(set_prefix=False)

from leadscoring.api.asgi_handler import BoundedASGIHandler  # noqa: E402

application = BoundedASGIHandler()
