"""Secrets stay out of error reports: the DEBUG error page and the reports mailed to admins filter them."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from posting.models import Account

pytestmark = pytest.mark.django_db

SECRETS = {
    "consumer_key": "CK-in-a-crash-report",
    "consumer_secret": "CS-in-a-crash-report",
    "access_token": "AT-in-a-crash-report",
    "access_token_secret": "ATS-in-a-crash-report",
}


def test_a_crash_while_saving_credentials_shows_none_of_them_on_the_debug_page(owner: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    # A key that cannot encrypt (start-up refuses it; here it is swapped in afterwards) makes the save crash.
    settings.CREDENTIALS_KEY = "not-a-key"
    account = Account.objects.create(name="bot", publisher=Account.Publisher.X)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    response = client.post(reverse("posting:account_credentials", args=[account.pk]), SECRETS)
    assert response.status_code == 500
    page = response.content.decode()
    assert "ImproperlyConfigured" in page and "consumer_secret" in page  # it is the technical page, listing POST
    for value in SECRETS.values():
        assert value not in page


def test_the_login_page_hides_the_password_from_error_reports(owner: User, settings) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import views

    # Django's own LoginView is decorated; this guards against a replacement that is not.
    assert getattr(views.LoginView.dispatch, "__wrapped__", None) is not None
    settings.DEBUG = True
    response = Client().post(reverse("login"), {"username": "olivia", "password": "wrong-but-secret"})
    assert "wrong-but-secret" not in response.content.decode()
