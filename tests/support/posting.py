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
    creds = x_credentials(token)
    # Registered with its secrets: the fake checks every request's OAuth 1.0a signature, as X does.
    fake.user(access_token=token, username=username or name, secrets={k: v for k, v in creds.items() if k != "access_token"})
    return Account.objects.create(name=name, publisher=Account.Publisher.X, credentials_encrypted=credentials_encrypt(creds))


def due_post(account: Account, text: str, *, minutes_ago: int = 1) -> Post:
    return Post.objects.create(account=account, text=text, scheduled_at=timezone.now() - timedelta(minutes=minutes_ago))
