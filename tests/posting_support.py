"""Shared set-up for the posting tests: the fake X server, accounts with credentials, due posts."""

import itertools
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posting.crypto import credentials_encrypt
from posting.models import Account, Post
from testing.fakex import FakeXControl, FakeXServer

_tokens = itertools.count(1)


def x_credentials(token: str) -> dict[str, str]:
    return {"consumer_key": "ck-test", "consumer_secret": "cs-test-SECRET", "access_token": token, "access_token_secret": "ats-SECRET"}


def x_account(fake: FakeXControl, *, name: str = "bot", username: str = "") -> Account:
    token = f"token-{name}-{next(_tokens)}"
    fake.user(access_token=token, username=username or name)
    return Account.objects.create(name=name, publisher=Account.Publisher.X, credentials_encrypted=credentials_encrypt(x_credentials(token)))


def due_post(account: Account, text: str, *, minutes_ago: int = 1) -> Post:
    return Post.objects.create(account=account, text=text, scheduled_at=timezone.now() - timedelta(minutes=minutes_ago))


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
    return FakeXControl(fake_server.url)
