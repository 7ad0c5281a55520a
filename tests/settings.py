"""The service's settings, with the environment a test run needs filled in where unset."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

from leadscoring.settings import *  # noqa: F403

# Serve static files from the apps, as DEBUG does: tests run without `collectstatic`.
WHITENOISE_AUTOREFRESH = True
