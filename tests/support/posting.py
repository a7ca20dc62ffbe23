"""Helpers for the posting tests: accounts with credentials on the fake X server, due posts (its fixtures are in tests/conftest.py)."""

import itertools
from datetime import timedelta

from django.utils import timezone

from posting.crypto import credentials_encrypt
from posting.models import Account, Post
from testing.fakex import FakeXControl

_tokens = itertools.count(1)


def x_credentials(token: str) -> dict[str, str]:
    return {"consumer_key": "ck-test", "consumer_secret": "cs-test-SECRET", "access_token": token, "access_token_secret": "ats-SECRET"}


def x_account(fake: FakeXControl, *, name: str = "bot", username: str = "") -> Account:
    token = f"token-{name}-{next(_tokens)}"
    fake.user(access_token=token, username=username or name)
    return Account.objects.create(name=name, publisher=Account.Publisher.X, credentials_encrypted=credentials_encrypt(x_credentials(token)))


def due_post(account: Account, text: str, *, minutes_ago: int = 1) -> Post:
    return Post.objects.create(account=account, text=text, scheduled_at=timezone.now() - timedelta(minutes=minutes_ago))
