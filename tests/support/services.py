"""Availability of outside services. Locally a missing service skips loudly; in CI it fails.

CI sets REQUIRE_SERVICES=1, which turns every "service missing" skip into an error,
because a skipped test is a failing test there.
"""

import os
import shutil

import pytest

REQUIRED = os.environ.get("REQUIRE_SERVICES", "") == "1" or os.environ.get("CI", "") == "true"


def missing(what: str) -> None:
    message = f"{what} is not available"
    if REQUIRED:
        pytest.fail(f"{message}, and CI requires it (REQUIRE_SERVICES=1).", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {message}.")


def redis_url() -> str:
    from django.conf import settings

    url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        missing(f"Redis at {url} ({exc})")
    return url


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        missing("Debian's chromium (apt-get install chromium)")
    return path


def shared_data(relative: str) -> str:
    """A file under ../shared/data (never committed to the project)."""
    from django.conf import settings

    path = os.environ.get("SHARED_DATA_DIR") or str(settings.BASE_DIR.parent / "shared" / "data")
    full = os.path.join(path, relative)
    if not os.path.exists(full):
        missing(f"shared data file {full}")
    return full
