"""All settings of the service, read from the environment (see .env.example and README)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    """Return the variable stripped of surrounding spaces, or `default` when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_bool(name: str, default: bool = False) -> bool:
    """Return a boolean variable; raise ImproperlyConfigured on anything but true/false words."""
    value = env_str(name).lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Return an integer variable of at least `minimum`; raise ImproperlyConfigured otherwise."""
    value = env_str(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated variable as a list of non-blank items."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    # Only ever used with DEBUG on, on a developer's laptop.
    SECRET_KEY = "insecure-local-development-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
RENDER_EXTERNAL_HOSTNAME = env_str("RENDER_EXTERNAL_HOSTNAME")
if RENDER_EXTERNAL_HOSTNAME:
    ALLOWED_HOSTS.append(RENDER_EXTERNAL_HOSTNAME)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
if RENDER_EXTERNAL_HOSTNAME:
    CSRF_TRUSTED_ORIGINS.append(f"https://{RENDER_EXTERNAL_HOSTNAME}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_standardized_errors",
    "workspaces",
    "offers",
    "leads",
    "scoring",
    "webapp",
]

MIDDLEWARE = [
    "leadscoring.api.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "leadscoring.urls"
WSGI_APPLICATION = "leadscoring.wsgi.application"
# Every API path answers with and without its trailing slash (see leadscoring/api/routes.py);
# a redirect would lose the body of a POST.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE avoids lock upgrades failing
    # with "database is locked" when two requests write at once.
    DATABASES["default"]["OPTIONS"] = {
        # mmap_size: pages are read from the file's mapping rather than copied in by a read()
        # each, which the small page cache makes of nearly every row a long list reads in
        # score order (a third of the CPU time of streaming a million results, measured).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=2147418112;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis for the shared cache (rate limits, throttling, cached counts). Default: the Celery
# broker's URL when that is Redis, so that every worker and web process shares one count.
_BROKER_URL = env_str("CELERY_BROKER_URL")
REDIS_URL = env_str("REDIS_URL") or (
    _BROKER_URL if _BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and a laptop run without `collectstatic`; production serves the manifest.
WHITENOISE_USE_FINDERS = DEBUG

# Behind Render's proxy, which terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Render's health check calls the service over plain HTTP from inside its network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# The web app (/app/): Django's session sign-in; the API keeps its keys.
LOGIN_URL = "/app/login/"
LOGIN_REDIRECT_URL = "/app/"
LOGOUT_REDIRECT_URL = "/app/login/"
CSRF_FAILURE_VIEW = "webapp.views.account.csrf_failure"

# Uploads larger than this are written to a temporary file instead of memory, so that
# memory does not grow with the size of a CSV.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["leadscoring.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["leadscoring.api.auth.HasWorkspace"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["leadscoring.api.parsers.SafeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "leadscoring.api.pagination.HeaderPagination",
    "DEFAULT_THROTTLE_CLASSES": ["leadscoring.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "leadscoring.api.errors.ApiExceptionHandler",
    # Documented on every endpoint; 409 and 413 are declared by the endpoints that raise them
    # (see leadscoring/api/errors.py).
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "404", "405", "406", "415", "429", "500", "503"],
    # Schema only. One 400 shape for every endpoint: the library's default enumerates each
    # field's names and codes, narrower than what the API answers (list items, unknown fields,
    # codes such as not_found or invalid_csv). 503: any endpoint while the database is down.
    "ERROR_SCHEMAS": {
        "400": "leadscoring.api.errors.BadRequestErrorResponseSerializer",
        "503": "leadscoring.api.errors.ErrorResponseSerializer",
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "leadscoring API",
    "DESCRIPTION": (
        "Score sales leads' buying intent against a product offer. Authenticate with "
        "`Authorization: Api-Key <key>`. Every error has the same shape: "
        '`{"type": "validation_error|client_error|server_error", "errors": '
        '[{"code": ..., "detail": ..., "attr": ...}]}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        **{
            name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
            for name in ("ValidationErrorEnum", "ClientErrorEnum", "ServerErrorEnum")
        },
        "IntentEnum": "scoring.models.Intent",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "leadscoring.api.schema.document_input_rules",
    ],
    "PREPROCESSING_HOOKS": ["leadscoring.api.routes.strip_optional_slash"],
}

# --- leadscoring ---------------------------------------------------------------------------
# Lets requests without a key act in this workspace. For a laptop only: off by default.
ANONYMOUS_WORKSPACE = env_str("LEADSCORING_ANONYMOUS_WORKSPACE")
MAX_UPLOAD_BYTES = env_int("LEADSCORING_MAX_UPLOAD_MB", 50, minimum=1) * 1024 * 1024
MAX_UPLOAD_ROWS = env_int("LEADSCORING_MAX_UPLOAD_ROWS", 1_000_000, minimum=1)
# Requests per API key, per scope ("N/second|minute|hour|day"; empty: unlimited). Counted in
# the cache: shared by every process when REDIS_URL is set.
THROTTLE_RATES = {
    # Set but empty means unlimited, so os.environ.get rather than env_str.
    "api": os.environ.get("LEADSCORING_API_RATE", "600/minute").strip(),
    "upload": os.environ.get("LEADSCORING_UPLOAD_RATE", "30/minute").strip(),
    "score": os.environ.get("LEADSCORING_SCORE_RATE", "30/minute").strip(),
}

# Failed web sign-ins allowed per email in 15 minutes; then even the right password waits.
SIGNIN_ATTEMPTS = env_int("LEADSCORING_SIGNIN_ATTEMPTS", 10, minimum=1)

# Final score (0-100) from which a lead's intent is High, and Medium.
HIGH_INTENT_SCORE = env_int("LEADSCORING_HIGH_INTENT_SCORE", 70, minimum=1)
MEDIUM_INTENT_SCORE = env_int("LEADSCORING_MEDIUM_INTENT_SCORE", 40, minimum=1)
if MEDIUM_INTENT_SCORE >= HIGH_INTENT_SCORE:
    raise ImproperlyConfigured(
        "LEADSCORING_MEDIUM_INTENT_SCORE must be below LEADSCORING_HIGH_INTENT_SCORE."
    )

# The AI layer: "heuristic" (offline, deterministic), "openai" (any OpenAI-compatible
# server) or the dotted path of a classifier class. Default: openai when a key is set.
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
AI_PROVIDER = env_str("LEADSCORING_AI_PROVIDER", "openai" if OPENAI_API_KEY else "heuristic")
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL") or None
OPENAI_MODEL = env_str("OPENAI_MODEL", "gpt-4o-mini")
OPENAI_BATCH_SIZE = env_int("OPENAI_BATCH_SIZE", 10, minimum=1)
OPENAI_CONCURRENCY = env_int("OPENAI_CONCURRENCY", 4, minimum=1)
OPENAI_TIMEOUT = env_int("OPENAI_TIMEOUT", 30, minimum=1)
OPENAI_MAX_RETRIES = env_int("OPENAI_MAX_RETRIES", 3, minimum=0)
# How answers are constrained to the JSON schema: "auto" tries json_schema, then llama.cpp's
# json_object with a schema, then plain JSON mode, and keeps what works (checked on use).
OPENAI_OUTPUT_MODE = env_str("OPENAI_OUTPUT_MODE", "auto")
# Send the instructions at the head of the user turn, for chat templates without a system role.
OPENAI_FOLD_SYSTEM_PROMPT = env_bool("OPENAI_FOLD_SYSTEM_PROMPT", False)
# The provider's limits, shared by every process through REDIS_URL (0: no limit). Set them a
# little under the provider's own: a request reaches it a few milliseconds after release.
OPENAI_REQUESTS_PER_MINUTE = env_int("OPENAI_REQUESTS_PER_MINUTE", 0, minimum=0)
OPENAI_TOKENS_PER_MINUTE = env_int("OPENAI_TOKENS_PER_MINUTE", 0, minimum=0)

# --- Background runs (Celery) ---------------------------------------------------------------
# With a broker, POST /score/ queues the run for workers (202); without one (a laptop), runs
# execute in the request as before.
CELERY_BROKER_URL = _BROKER_URL
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# A chunk is acknowledged only once done; a worker that dies mid-chunk gives it back to the
# queue (reject on worker lost) and prefetches nothing it could take down with it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Seconds before Redis hands an unacknowledged chunk to another worker: longer than any chunk
# takes (1,000 leads; minutes at worst with a slow LLM).
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": env_int("LEADSCORING_VISIBILITY_TIMEOUT", 900, minimum=1)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_DEFAULT_QUEUE = env_str("LEADSCORING_QUEUE", "leadscoring")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A chunk's lease: a worker renews it five times per period while it holds the chunk; a chunk
# whose lease is older than this lost its worker and is queued again (seconds).
CHUNK_STALE_SECONDS = env_int("LEADSCORING_CHUNK_STALE_SECONDS", 10, minimum=1)
# How often every worker sweeps for chunks whose lease ran out (seconds).
SWEEP_SECONDS = env_int("LEADSCORING_SWEEP_SECONDS", 2, minimum=1)
# Most LLM requests one run may make; a larger run is refused (400) before any spending.
MAX_LLM_CALLS_PER_RUN = env_int("LEADSCORING_MAX_LLM_CALLS_PER_RUN", 10_000, minimum=1)
# Processes that score an in-process run (POST /score/ without a broker) with a classifier whose
# work is pure CPU (the heuristic): one core scores ~40k leads/s and cannot also store them at
# that pace, so large runs are scored by a pool of processes while the request's process reads
# and writes. Default: the CPUs this process may use; 0 or 1: score in the request's process.
SCORING_PROCESSES = env_int(
    "LEADSCORING_SCORING_PROCESSES",
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
)
# Fewest leads a run needs for those processes: smaller runs take well under a second in the
# request's process, not worth handing over (nor starting processes for).
SCORING_PROCESSES_MIN_LEADS = env_int("LEADSCORING_SCORING_PROCESSES_MIN_LEADS", 5000, minimum=1)
# Signs the notifications POSTed to a run's callback_url (X-Leadscoring-Signature) when the
# request gives no callback_secret of its own. Default: none (callback_secret is then required).
CALLBACK_SECRET = env_str("LEADSCORING_CALLBACK_SECRET")
# Callbacks to private, loopback or link-local addresses are refused unless allowed (SSRF).
CALLBACK_ALLOW_PRIVATE = env_bool("LEADSCORING_CALLBACK_ALLOW_PRIVATE", False)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "leadscoring.api.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_str("LOG_FORMAT", "json"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The access line of leadscoring.api.middleware replaces runserver's own.
        "django.server": {"level": "WARNING"},
    },
}
