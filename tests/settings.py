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

# Pages link their static files by name; the manifest exists only after `collectstatic`.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# People sign in in many tests: a fast hash there (production keeps Django's PBKDF2).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
