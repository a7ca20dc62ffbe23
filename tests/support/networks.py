"""Set-up for the Bluesky and Mastodon tests: a real local PDS behind a fault proxy, the fake Mastodon API."""

import itertools
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posting.crypto import credentials_encrypt
from posting.models import Account, Post
from testing.fakemastodon import FakeMastodonControl, FakeMastodonServer
from testing.pds import FaultProxy, PdsAccount, PdsServer, pds_installed
from tests.support.services import missing

_tokens = itertools.count(1)


@pytest.fixture(scope="session")
def pds() -> Iterator[PdsServer]:
    """One real PDS for the session (2 to 4 s to start); each test makes its own accounts."""
    if not pds_installed():
        missing("the local Bluesky PDS (npm ci --prefix testing/pds)")
    server = PdsServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def proxy(pds: PdsServer, settings: SettingsWrapper) -> Iterator[FaultProxy]:
    """The fault proxy in front of the PDS: accounts talk to it, so scripted faults hit the production path."""
    settings.X_API_TIMEOUT = 1.0
    settings.X_API_CONNECT_TIMEOUT = 1.0
    settings.POST_SETTLE_SECONDS = 0
    server = FaultProxy(pds.url).start()
    try:
        yield server
    finally:
        server.stop()


def bluesky_account(pds: PdsServer, proxy: FaultProxy, *, name: str = "sky") -> tuple[Account, PdsAccount]:
    remote = pds.account(name)
    creds = {"identifier": remote.handle, "app_password": remote.app_password}
    account = Account.objects.create(
        name=f"{name}-{remote.handle}",
        publisher=Account.Publisher.BLUESKY,
        server_url=proxy.url,
        credentials_encrypted=credentials_encrypt(creds),
    )
    return account, remote


@pytest.fixture
def mastodon_server() -> Iterator[FakeMastodonServer]:
    server = FakeMastodonServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mastodon(mastodon_server: FakeMastodonServer, settings: SettingsWrapper) -> FakeMastodonControl:
    settings.X_API_TIMEOUT = 1.0
    settings.X_API_CONNECT_TIMEOUT = 1.0
    settings.POST_SETTLE_SECONDS = 0
    return FakeMastodonControl(mastodon_server.url)


def mastodon_account(control: FakeMastodonControl, *, name: str = "toot") -> Account:
    token = f"masto-{name}-{next(_tokens)}"
    control.user(access_token=token, username=name)
    return Account.objects.create(
        name=name,
        publisher=Account.Publisher.MASTODON,
        server_url=control.url,
        credentials_encrypted=credentials_encrypt({"access_token": token}),
    )


def due_post(account: Account, text: str, *, minutes_ago: int = 1) -> Post:
    return Post.objects.create(account=account, text=text, scheduled_at=timezone.now() - timedelta(minutes=minutes_ago))


@pytest.fixture(scope="session")
def pds_appview() -> Iterator[PdsServer]:
    """The whole dev network (PDS + AppView on PostgreSQL and Redis): the AppView serves notifications."""
    import os

    import redis

    if not pds_installed():
        missing("the local Bluesky PDS (npm ci --prefix testing/pds)")
    postgres = os.environ.get("PDS_APPVIEW_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        missing(f"Redis at 127.0.0.1:6379 for the Bluesky AppView ({exc})")
    server = PdsServer(appview=True, postgres_url=postgres, redis_host="127.0.0.1:6379").start(timeout=120)
    try:
        yield server
    finally:
        server.stop()
