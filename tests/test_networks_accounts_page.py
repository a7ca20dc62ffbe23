"""The account page for Bluesky and Mastodon: each network's credentials, write-only, checked with its "who am I"."""

import pytest
from django.test import Client
from django.urls import reverse

from posting.crypto import credentials_decrypt
from posting.models import Account
from testing.fakemastodon import FakeMastodonControl
from testing.pds import FaultProxy, PdsServer
from tests.support.networks import mastodon, mastodon_server, pds, proxy

pytestmark = pytest.mark.django_db
__all__ = ["mastodon", "mastodon_server", "pds", "proxy"]


def create(owner_client: Client, name: str, publisher: str) -> Account:
    owner_client.post(reverse("posting:accounts"), {"name": name, "publisher": publisher, "timezone": "UTC", "daily_cap": 4})
    return Account.objects.get(name=name)


@pytest.mark.parametrize("htmx", [False, True])
def test_a_bluesky_account_takes_a_handle_and_app_password_never_shown_back_and_checks_them(
    owner_client: Client, pds: PdsServer, proxy: FaultProxy, htmx: bool
) -> None:
    remote = pds.account("page")
    account = create(owner_client, f"sky{int(htmx)}", "bluesky")
    page = owner_client.get(reverse("posting:account", args=[account.pk])).content.decode()
    assert "Credentials (Bluesky, app password)" in page and "App password" in page and "PDS URL" in page
    assert "Length rule: Bluesky: 300 graphemes" in page
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    values = {"identifier": remote.handle, "app_password": remote.app_password, "server_url": proxy.url}
    response = owner_client.post(reverse("posting:account_credentials", args=[account.pk]), values, follow=not htmx, **headers)
    assert remote.app_password not in response.content.decode()
    account.refresh_from_db()
    assert credentials_decrypt(account.credentials_encrypted) == {"identifier": remote.handle, "app_password": remote.app_password}
    assert remote.app_password not in account.credentials_encrypted
    assert account.server_url == proxy.url
    checked = owner_client.post(reverse("posting:account_check", args=[account.pk]), follow=not htmx, **headers).content.decode()
    assert f"The credentials work: posting as @{remote.handle}." in checked
    assert 'class="warn">Bot label: Missing' in checked
    assert remote.app_password not in checked


def test_a_wrong_app_password_is_reported_in_words(owner_client: Client, pds: PdsServer, proxy: FaultProxy) -> None:
    remote = pds.account("wrong")
    account = create(owner_client, "skywrong", "bluesky")
    values = {"identifier": remote.handle, "app_password": "aaaa-bbbb-cccc-dddd", "server_url": proxy.url}
    owner_client.post(reverse("posting:account_credentials", args=[account.pk]), values)
    checked = owner_client.post(reverse("posting:account_check", args=[account.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Check failed: Bluesky refused the credentials" in checked
    assert "Traceback" not in checked


@pytest.mark.parametrize("htmx", [False, True])
def test_a_mastodon_account_takes_an_instance_and_token_and_the_check_reads_its_limit_and_bot_flag(
    owner_client: Client, mastodon: FakeMastodonControl, htmx: bool
) -> None:
    mastodon.user(access_token="SECRET-masto-token", username="tootbot")
    mastodon.config(max_characters=800)
    account = create(owner_client, f"toot{int(htmx)}", "mastodon")
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    missing = owner_client.post(reverse("posting:account_credentials", args=[account.pk]), {"access_token": "x"}, **headers)
    assert "This field is required." in missing.content.decode()
    values = {"access_token": "SECRET-masto-token", "server_url": mastodon.url}
    response = owner_client.post(reverse("posting:account_credentials", args=[account.pk]), values, follow=not htmx, **headers)
    assert "SECRET-masto-token" not in response.content.decode()
    checked = owner_client.post(reverse("posting:account_check", args=[account.pk]), follow=not htmx, **headers).content.decode()
    assert "The credentials work: posting as @tootbot." in checked
    assert "Length rule: Mastodon: 800 characters" in checked
    assert "set its bot flag" in checked
    account.refresh_from_db()
    assert account.max_characters == 800


def test_the_x_account_page_lists_the_automated_label_as_a_step_to_do_by_hand(owner_client: Client) -> None:
    account = create(owner_client, "xbot", "x")
    page = owner_client.get(reverse("posting:account", args=[account.pk])).content.decode()
    assert "“Automated” label cannot be set through the API" in page
    assert "Credentials (X API, OAuth 1.0a user context)" in page
