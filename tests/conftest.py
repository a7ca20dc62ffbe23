"""The fixtures more than one test module uses. Plain helpers live in tests/support/<topic>.py."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db import connections
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from generation.models import Checkpoint
from testing.fakex import FakeXControl, FakeXServer
from tests.support import services, workers
from tests.support.browser import CHROMIUM_ARGS
from tests.support.workers import Worker, celery_worker

# --- Users: an owner, a curator (and a second one), an outsider without a group, each with a logged-in client.


@pytest.fixture
def owner(db: None) -> User:
    user = User.objects.create_user("olivia", password="owner-pass-123")
    user.groups.add(Group.objects.get_or_create(name="owner")[0])
    return user


@pytest.fixture
def curator(db: None) -> User:
    user = User.objects.create_user("carl", password="curator-pass-123")
    user.groups.add(Group.objects.get_or_create(name="curator")[0])
    return user


@pytest.fixture
def curator2(db: None) -> User:
    user = User.objects.create_user("cora", password="curator-pass-456")
    user.groups.add(Group.objects.get_or_create(name="curator")[0])
    return user


@pytest.fixture
def outsider(db: None) -> User:
    return User.objects.create_user("otto", password="outsider-pass-123")


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner: User) -> Client:
    return _client_for(owner)


@pytest.fixture
def curator_client(curator: User) -> Client:
    return _client_for(curator)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return _client_for(outsider)


@pytest.fixture
def htmx_headers() -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def fresh_cache() -> None:
    # The pending count is cached for a few seconds per process: start each test without it.
    cache.clear()


# --- Redis and a real Celery worker.


@pytest.fixture
def redis_broker() -> str:
    return services.redis_url()


@pytest.fixture
def worker(transactional_db: None, redis_broker: str) -> Iterator[Worker]:
    """A real Celery worker process on the real Redis broker, consuming both queues."""
    with celery_worker() as w:
        yield w


# --- The fake X API (testing/fakex.py).


@pytest.fixture
def fake_server() -> Iterator[FakeXServer]:
    """A real HTTP server on a free loopback port, in a thread. Duplicates are stored, so a double post would show."""
    server = FakeXServer(reject_duplicates=False).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake(fake_server: FakeXServer, settings: SettingsWrapper) -> FakeXControl:
    settings.X_API_BASE_URL = fake_server.url
    settings.X_API_TIMEOUT = 1.0
    settings.X_API_CONNECT_TIMEOUT = 1.0
    settings.POST_SETTLE_SECONDS = 0
    # The fake shows a post at once unless a test sets its visible_after: one lookup settles it.
    settings.POST_VISIBLE_WITHIN_SECONDS = 0
    return FakeXControl(fake_server.url)


# --- A real browser.


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    # Set for this test only: a leaked flag would reach subprocesses (and `check --deploy` refuses it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    path = services.chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
            # The ORM calls made while Playwright's loop runs get their own connection (asgiref keeps
            # connections per context): close it, or PostgreSQL cannot drop the test database at the end.
            connections.close_all()


@pytest.fixture
def no_async_unsafe_leak() -> Iterator[None]:
    """The shared browser fixture allows async-unsafe ORM calls process-wide; later subprocesses must not inherit that."""
    yield
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


# --- Generation.


@pytest.fixture
def models_in_tmp_path(settings: SettingsWrapper, tmp_path: Path) -> None:
    """MODELS_DIR is this test's empty tmp_path."""
    settings.MODELS_DIR = tmp_path


@pytest.fixture
def checkpoint() -> Checkpoint:
    return Checkpoint.objects.create(name="tiny", kind=Checkpoint.Kind.BASE, path="models/tiny")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A test that fails while a real worker runs shows the end of the worker's output (its traceback, if any):
    the page and the command only say "details in the worker's log"."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call" and report.failed:
        for w in workers.LIVE:
            report.sections.append((f"worker {w.name}: last 80 lines", "".join(w.lines[-80:])))
