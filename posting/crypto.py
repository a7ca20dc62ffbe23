"""Posting credentials at rest: Fernet with settings.CREDENTIALS_KEY.

CREDENTIALS_KEY may hold several comma-separated keys (MultiFernet): the first encrypts, all decrypt,
so a key can be rotated without losing stored credentials. In DEBUG without a key, one is derived
from SECRET_KEY so the embedded demo needs no set-up; production refuses to start without one.
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

CREDENTIAL_FIELDS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


class CredentialsUnreadable(Exception):
    """Stored credentials cannot be decrypted with the current key(s)."""


def _fernet() -> MultiFernet:
    raw = settings.CREDENTIALS_KEY
    if not raw:
        if not settings.DEBUG:
            raise ImproperlyConfigured("CREDENTIALS_KEY is not set (generate one with `python manage.py generate_credentials_key`).")
        digest = hashlib.sha256(b"posting-credentials:" + settings.SECRET_KEY.encode()).digest()
        raw = base64.urlsafe_b64encode(digest).decode()
    keys = []
    for part in str(raw).split(","):
        try:
            keys.append(Fernet(part.strip()))
        except ValueError:
            raise ImproperlyConfigured("CREDENTIALS_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes).") from None
    return MultiFernet(keys)


@sensitive_variables()  # an error report never shows the plain values held here
def credentials_encrypt(values: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


@sensitive_variables()
def credentials_decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        data = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsUnreadable(
            "The stored credentials cannot be decrypted with the current CREDENTIALS_KEY: enter them again."
        ) from None
    return {k: str(v) for k, v in data.items()}
