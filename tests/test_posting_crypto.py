import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from posting.crypto import CredentialsUnreadable, credentials_decrypt, credentials_encrypt

VALUES = {"consumer_key": "ck", "consumer_secret": "cs-secret", "access_token": "at", "access_token_secret": "ats-secret"}


def test_it_round_trips_and_hides_the_values(settings) -> None:  # type: ignore[no-untyped-def]
    token = credentials_encrypt(VALUES)
    assert "cs-secret" not in token and "ats-secret" not in token
    assert credentials_decrypt(token) == VALUES


def test_in_debug_without_a_key_it_derives_one_from_the_secret_key(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CREDENTIALS_KEY = None
    settings.DEBUG = True
    assert credentials_decrypt(credentials_encrypt(VALUES)) == VALUES


def test_without_debug_a_missing_key_is_a_clear_configuration_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CREDENTIALS_KEY = None
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="CREDENTIALS_KEY is not set"):
        credentials_encrypt(VALUES)


def test_a_malformed_key_is_a_clear_configuration_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CREDENTIALS_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured, match="not a valid Fernet key"):
        credentials_encrypt(VALUES)


def test_keys_rotate_new_key_first_old_key_still_decrypts(settings) -> None:  # type: ignore[no-untyped-def]
    old = Fernet.generate_key().decode()
    settings.CREDENTIALS_KEY = old
    token = credentials_encrypt(VALUES)
    settings.CREDENTIALS_KEY = f"{Fernet.generate_key().decode()},{old}"
    assert credentials_decrypt(token) == VALUES
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    with pytest.raises(CredentialsUnreadable, match="enter them again"):
        credentials_decrypt(token)
