"""Login throttling (django-axes): wrong passwords are limited per account and per address."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _login(username: str, password: str, *, ip: str, forwarded: str = "") -> tuple[Client, int, str]:
    client = Client()
    extra = {"REMOTE_ADDR": ip} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    response = client.post(reverse("login"), {"username": username, "password": password}, **extra)  # type: ignore[arg-type]
    return client, response.status_code, response.content.decode()


def _logged_in(client: Client) -> bool:
    return client.get(reverse("core:home")).status_code == 200


def test_five_wrong_passwords_lock_the_account_from_every_address(owner: User, settings) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login("olivia", "guess", ip="10.0.0.1")[1] == 200  # the form again, with its error
    _, status, page = _login("olivia", "guess", ip="10.0.0.1")
    assert status == 429 and "Too many failed log-ins" in page and "paused for 15 minutes" in page
    client, status, page = _login("olivia", "owner-pass-123", ip="10.9.9.9")  # right password, other address
    assert status == 429 and not _logged_in(client)


def test_five_wrong_passwords_from_one_address_lock_that_address_for_every_account(owner: User, curator: User, settings) -> None:  # type: ignore[no-untyped-def]
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(f"someone{n}", "guess", ip="10.0.0.2")
    client, status, _ = _login("carl", "curator-pass-123", ip="10.0.0.2")
    assert status == 429 and not _logged_in(client)
    client, status, _ = _login("carl", "curator-pass-123", ip="10.0.0.3")
    assert status == 302 and _logged_in(client)


def test_a_right_password_before_the_limit_logs_in_and_starts_the_count_again(owner: User, settings) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login("olivia", "guess", ip="10.0.0.4")
    client, status, _ = _login("olivia", "owner-pass-123", ip="10.0.0.4")
    assert status == 302 and _logged_in(client)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login("olivia", "guess", ip="10.0.0.4")[1] == 200


def test_behind_the_tls_proxy_the_address_is_the_one_the_proxy_appended(owner: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client forges a different first entry each time; the proxy's own (last) entry is what counts.
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(f"someone{n}", "guess", ip="172.18.0.2", forwarded=f"1.2.3.{n}, 203.0.113.7")
    assert _login("olivia", "owner-pass-123", ip="172.18.0.2", forwarded="9.9.9.9, 203.0.113.7")[1] == 429
    assert _login("olivia", "owner-pass-123", ip="172.18.0.2", forwarded="203.0.113.8")[1] == 302
