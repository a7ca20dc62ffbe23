"""Settings for the test suite: production-like (DEBUG off), fast hashing, Redis broker by default."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("TESTING", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("CREDENTIALS_KEY", "n5Tl0w3kJ2rYjv2Jm8rK3p2pQ3m3wz0l3Q8m2c3Yb9A=")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
# Parallel test runs (and other projects) share the local Redis: keep our keys apart.
os.environ.setdefault("CELERY_KEY_PREFIX", f"curator-test-{os.getpid()}-")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Serve static files straight from the finders (no collectstatic needed for live-server tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
