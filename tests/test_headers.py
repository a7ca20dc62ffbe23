"""Response headers a production deployment expects: no-store on private pages, Permissions-Policy, HSTS options."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_a_logged_in_user_gets_is_never_stored(
    curator_client: Client, owner_client: Client, htmx_headers: dict[str, str]
) -> None:
    for client, name in ((curator_client, "curator:queue"), (owner_client, "posting:accounts"), (curator_client, "core:home")):
        for headers in ({}, htmx_headers):
            response = client.get(reverse(name), **headers)  # type: ignore[arg-type]
            assert response.status_code == 200
            assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], name
    # A refusal and a form error too: what matters is who asked, not how it went.
    assert "no-store" in curator_client.get(reverse("corpora:list"))["Cache-Control"]


def test_the_login_page_is_not_stored_but_anonymous_redirects_need_no_header(client: Client) -> None:
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]
    assert "Cache-Control" not in client.get(reverse("curator:queue"))


def test_every_response_forbids_device_and_sensor_apis(client: Client, curator_client: Client) -> None:
    for response in (client.get(reverse("login")), curator_client.get(reverse("curator:queue"))):
        policy = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
            assert feature in policy


def test_hsts_covers_subdomains_and_preload_only_when_asked(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_HSTS_SECONDS = 31536000
    assert settings.SECURE_HSTS_INCLUDE_SUBDOMAINS is False and settings.SECURE_HSTS_PRELOAD is False  # the defaults
    assert Client().get(reverse("login"), secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    assert Client().get(reverse("login"), secure=True)["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
