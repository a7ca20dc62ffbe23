"""Project settings, read strictly from the environment (see config/env.py).

Defaults give the embedded, no-service set-up that `make run` uses: SQLite and
a filesystem broker under var/. DATABASE_URL and REDIS_URL switch to
PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list, env_str, env_timezone, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")) or "")
# Runtime state (SQLite file, embedded broker, demo password) lives here, never in git.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
_DEV_KEY = "django-insecure-dev-only-key-never-use-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "csp",
    "template_partials",
    # In the order of the flow of data; ready() runs in this order, so demo steps do too.
    "core",
    "corpora",
    "generation",
    "curator",
    "posting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files are not documents and need no policy.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.nul_in_query_refused",
    "core.middleware.private_pages_not_stored",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.roles",
                "core.context_processors.csp_nonce",
            ],
        },
    },
]

# --- Database: SQLite by default, anything dj-database-url understands via DATABASE_URL.
DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    schemes=("sqlite", "postgres", "postgresql", "pgsql"),
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL or "", conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Workers, beat and web share one file: wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    # Tests must use a file, not :memory:, so that a real worker process sees the same rows.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one user name, or from one
# address, that name or address is refused for LOGIN_COOLOFF_MINUTES (the right password included).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account and per address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "core.access.client_ip"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "/login/?logged_out=1"  # the login page then says so

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Security for production (manage.py check --deploy passes with DEBUG off and HTTPS on).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
# Both bind more than this site (every subdomain; the browsers' built-in preload list, slow to leave): opt in.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# check --deploy warns when those two are off; off is the decision above, not an oversight.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Permissions-Policy (django-permissions-policy): the pages use no device or sensor API, so none is allowed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen", "geolocation",
        "gyroscope", "magnetometer", "microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}  # fmt: skip
# Error reports (the DEBUG page too) leave out what sensitive_post_parameters/sensitive_variables mark.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.errors.SecretsAlwaysHidden"
# A strict Content-Security-Policy on every page: scripts and styles only from our own static files
# (no inline handlers, <style> or style=); htmx's script tag also carries the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Product settings.
MODELS_DIR = Path(env_str("MODELS_DIR", str(BASE_DIR / "models")) or "")
CORPUS_MAX_UPLOAD_BYTES = env_int("CORPUS_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1)
# Longer texts are dropped at import (the too_long rule, counted in the report). GPT-2 sees 1,024 tokens at a
# time, about 4,000 characters of English; a tweet is 280, a long post or a proverb collection entry fits.
CORPUS_MAX_TEXT_CHARS = env_int("CORPUS_MAX_TEXT_CHARS", 4000, minimum=280)
# Fernet key (urlsafe base64, 32 bytes) for posting credentials at rest. Required in production.
CREDENTIALS_KEY = env_str("CREDENTIALS_KEY")
if not CREDENTIALS_KEY and not DEBUG and not env_bool("TESTING", False):
    raise ImproperlyConfigured(
        "CREDENTIALS_KEY must be set when DEBUG is off (generate one with `python manage.py generate_credentials_key`)."
    )
for _n, _key in enumerate((CREDENTIALS_KEY or "").split(",") if CREDENTIALS_KEY else [], start=1):
    # Checked here, not at the first post: a typo must stop start-up, not fail every credential save later.
    # The message never shows the value (it is a secret).
    try:
        Fernet(_key.strip())
    except ValueError:
        raise ImproperlyConfigured(
            f"CREDENTIALS_KEY: key {_n} is not a Fernet key (32 url-safe base64-encoded bytes; "
            "generate one with `python manage.py generate_credentials_key`)."
        ) from None
QUEUE_CLAIM_SIZE = env_int("QUEUE_CLAIM_SIZE", 5, minimum=1)
QUEUE_CLAIM_SECONDS = env_int("QUEUE_CLAIM_SECONDS", 300, minimum=10)
# The ranker (curator/ranking): a bot's queue goes best first once its ranker has trained on this many decisions.
RANKING_MIN_DECISIONS = env_int("RANKING_MIN_DECISIONS", 200, minimum=2)
# Share of the cards claimed at random in best-first order (marked), so the ranker learns from what it would not show.
RANKING_RANDOM_SHARE = env_float("RANKING_RANDOM_SHARE", 0.1, minimum=0, maximum=1)
# A bot's ranker retrains on the default worker after this many new decisions (and on beat, every RANKING_BEAT_SECONDS).
RANKING_RETRAIN_EVERY = env_int("RANKING_RETRAIN_EVERY", 50, minimum=1)
RANKING_BEAT_SECONDS = env_int("RANKING_BEAT_SECONDS", 3600, minimum=60)
# Reasons a reject can carry, one key each (1 to 9) on the queue's card; the owner's own list replaces these.
REJECT_REASONS = env_list("REJECT_REASONS", ["dull", "incoherent", "offensive", "near copy"])
if len(REJECT_REASONS) > 9 or any(len(r) > 40 for r in REJECT_REASONS):
    raise ImproperlyConfigured("REJECT_REASONS takes at most 9 reasons (keys 1 to 9) of at most 40 characters each.")
NEARCOPY_EDIT_RATIO = env_float("NEARCOPY_EDIT_RATIO", 80.0, minimum=0, maximum=100)
NEARCOPY_SPAN_WORDS = env_int("NEARCOPY_SPAN_WORDS", 8, minimum=2)
# Edited copies, short copied spans and stitched pieces need at least this many words (so "thank you" is never one).
NEARCOPY_MIN_WORDS = env_int("NEARCOPY_MIN_WORDS", 6, minimum=2)
# A run shorter than NEARCOPY_SPAN_WORDS still counts when it is this share of the shorter text.
NEARCOPY_SPAN_SHARE = env_float("NEARCOPY_SPAN_SHARE", 0.8, minimum=0.1, maximum=1)
# Stitched: two training texts' runs cover this share of the candidate's words.
NEARCOPY_STITCH_SHARE = env_float("NEARCOPY_STITCH_SHARE", 0.8, minimum=0.1, maximum=1)
# Persisted near-copy indexes, one directory per corpus version; shared by every worker and web process.
NEARCOPY_DIR = Path(env_str("NEARCOPY_DIR", str(VAR_DIR / "nearcopy")) or "")
X_API_BASE_URL = env_url("X_API_BASE_URL", None, schemes=("http", "https"))
# Posting (see posting/delivery.py). Seconds throughout.
X_API_CONNECT_TIMEOUT = env_float("X_API_CONNECT_TIMEOUT", 5.0, minimum=0.1)
X_API_TIMEOUT = env_float("X_API_TIMEOUT", 30.0, minimum=0.1)
# An unknown outcome is looked up only this long after the send began, so the API's timeline has caught up.
POST_SETTLE_SECONDS = env_int("POST_SETTLE_SECONDS", 60, minimum=0)
# A post still "sending" after this lost its worker between the API call and the database write.
POST_SENDING_STALE_SECONDS = env_int("POST_SENDING_STALE_SECONDS", 300, minimum=1)
if POST_SENDING_STALE_SECONDS <= X_API_CONNECT_TIMEOUT + X_API_TIMEOUT:
    raise ImproperlyConfigured("POST_SENDING_STALE_SECONDS must exceed X_API_CONNECT_TIMEOUT + X_API_TIMEOUT, or live sends look dead.")
POST_MAX_ATTEMPTS = env_int("POST_MAX_ATTEMPTS", 5, minimum=1)
# X may show a new post on the timeline only a while after creating it: a lookup that does not find the text this
# soon after the send looks again later instead of queueing the post to be sent again.
POST_VISIBLE_WITHIN_SECONDS = env_int("POST_VISIBLE_WITHIN_SECONDS", 300, minimum=0)
# X's pay-per-use prices (US dollars) for the cost meter on each X account (posting/costs.py); defaults as of 2026.
X_COST_POST = env_float("X_COST_POST", 0.015, minimum=0)
X_COST_POST_WITH_LINK = env_float("X_COST_POST_WITH_LINK", 0.20, minimum=0)
X_COST_REPLY = env_float("X_COST_REPLY", 0.010, minimum=0)
X_COST_READ = env_float("X_COST_READ", 0.001, minimum=0)
# One post_due run stops claiming new posts after this, so beat's minute-by-minute runs do not pile up.
POST_RUN_SECONDS = env_int("POST_RUN_SECONDS", 50, minimum=1)
# A post cannot be scheduled or moved further ahead than this (days); slots are looked for up to it too.
POST_SCHEDULE_MAX_DAYS = env_int("POST_SCHEDULE_MAX_DAYS", 365, minimum=1)
if POST_SCHEDULE_MAX_DAYS > 3650:
    raise ImproperlyConfigured("POST_SCHEDULE_MAX_DAYS is at most 3650 (ten years).")

# --- Celery. Embedded default: kombu's filesystem transport under var/broker (no service needed).
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss"))
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", REDIS_URL or "filesystem://", schemes=("redis", "rediss", "filesystem", "sqla+sqlite", "sqla+postgresql", "amqp")
)
GPU_TASK_SOFT_LIMIT = env_int("GPU_TASK_SOFT_LIMIT", 6 * 3600, minimum=60)
DEFAULT_TASK_SOFT_LIMIT = env_int("DEFAULT_TASK_SOFT_LIMIT", 15 * 60, minimum=10)
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
    for _folder in ("queue", "control", "processed"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    # Unacknowledged gpu tasks are redelivered after this; it must outlast the longest task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": GPU_TASK_SOFT_LIMIT + 3600}
    if prefix := env_str("CELERY_KEY_PREFIX"):
        # Lets parallel test runs share one Redis without stealing each other's tasks.
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = prefix
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "generation.tasks.finetune": {"queue": "gpu"},
    "generation.tasks.generate": {"queue": "gpu"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = DEFAULT_TASK_SOFT_LIMIT
CELERY_TASK_TIME_LIMIT = DEFAULT_TASK_SOFT_LIMIT + 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The one place where periodic work is defined.
CELERY_BEAT_SCHEDULE = {
    # One heartbeat per queue, so the status page shows each worker and beat alive.
    "heartbeat-default": {"task": "core.tasks.heartbeat", "schedule": 15.0, "options": {"queue": "default", "expires": 14}},
    "heartbeat-gpu": {"task": "core.tasks.heartbeat", "schedule": 15.0, "options": {"queue": "gpu", "expires": 14}},
    "post-due": {"task": "posting.tasks.post_due", "schedule": 60.0},
    # Accounts with auto-fill on take Ready candidates into their free slots (posting.autofill).
    "autofill": {"task": "posting.tasks.autofill", "schedule": 60.0},
    # New mentions of accounts with replies switched on (X allows 180 mention reads per 15 minutes per user).
    "poll-mentions": {"task": "posting.tasks.poll_mentions", "schedule": 60.0},
    # Marks finetune runs and batches whose worker died (no heartbeat for 2 minutes) as failed.
    "reap-stale-generation": {"task": "generation.tasks.reap_stale", "schedule": 60.0},
    # Queue claims whose lease ran out return to the pool (claiming also takes expired ones).
    "expire-claims": {"task": "curator.tasks.expire_claims", "schedule": 60.0},
    # Retrains every bot's ranker that has new decisions since its last version (after-N-decisions is enqueued by the queue).
    "rankers-train": {"task": "curator.ranking.tasks.rankers_train", "schedule": float(RANKING_BEAT_SECONDS)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # At DEBUG these log the OAuth consumer key, access token and signature base string: never below INFO.
        "oauthlib": {"level": "INFO"},
        "requests_oauthlib": {"level": "INFO"},
    },
}
