"""The service's settings, with the environment a test run needs filled in where unset."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

from leadscoring.settings import *  # noqa: F403

# Serve static files from the apps, as DEBUG does: tests run without `collectstatic`.
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: Celery worker processes started by the tests must see the test
    # database (pytest-django adds an xdist suffix to the name).
    import tempfile
    from pathlib import Path

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"leadscoring-test-{os.getpid()}.sqlite3")
    }

# Workers started by the tests consume a queue of their test's own (LEADSCORING_QUEUE), and keep
# their unacknowledged messages under keys of that queue too. kombu's defaults are one index per
# Redis database, from which every consumer, when it starts and every ~100 s, hands back to
# their queues all messages older than its own visibility timeout, whoever took them: a worker
# of a concurrent test (pytest -n 2, another checkout on the same Redis) with the tests' 3 s
# would redeliver a killed worker's chunk that a test expects back only when its lease runs out.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "unacked_key": f"unacked.{CELERY_TASK_DEFAULT_QUEUE}",  # noqa: F405
    "unacked_index_key": f"unacked_index.{CELERY_TASK_DEFAULT_QUEUE}",  # noqa: F405
    "unacked_mutex_key": f"unacked_mutex.{CELERY_TASK_DEFAULT_QUEUE}",  # noqa: F405
}

# Pages link their static files by name; the manifest exists only after `collectstatic`.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# People sign in in many tests: a fast hash there (production keeps Django's PBKDF2).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
