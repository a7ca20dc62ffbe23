import pytest
from django.test import Client
from django.urls import reverse

from posting.crypto import credentials_decrypt
from posting.models import Account, Slot
from testing.fakex import FakeXControl
from tests.support.posting import x_account

pytestmark = pytest.mark.django_db

SECRETS = {
    "consumer_key": "CK-visible-never",
    "consumer_secret": "CS-visible-never",
    "access_token": "AT-visible-never",
    "access_token_secret": "ATS-visible-never",
}


def assert_no_secret(content: bytes) -> None:
    html = content.decode()
    for value in SECRETS.values():
        assert value not in html


@pytest.fixture
def account() -> Account:
    return Account.objects.create(name="bot", publisher=Account.Publisher.X)


def test_curators_and_outsiders_cannot_reach_the_accounts_pages(curator_client: Client, outsider_client: Client, account: Account) -> None:
    for client in (curator_client, outsider_client):
        assert client.get(reverse("posting:accounts")).status_code == 403
        assert client.get(reverse("posting:account", args=[account.pk])).status_code == 403
        assert client.post(reverse("posting:account_credentials", args=[account.pk]), SECRETS).status_code == 403
        assert client.post(reverse("posting:account_pause", args=[account.pk])).status_code == 403
        assert client.post(reverse("posting:slot_add", args=[account.pk]), {"time_of_day": "10:00", "weekdays": [1]}).status_code == 403
    account.refresh_from_db()
    assert account.credentials_encrypted == "" and not account.paused and not account.slots.exists()


def test_an_owner_creates_an_account(owner_client: Client) -> None:
    response = owner_client.post(
        reverse("posting:accounts"), {"name": "newbot", "publisher": "x", "timezone": "Europe/Berlin", "daily_cap": 4}
    )
    created = Account.objects.get(name="newbot")
    assert response.status_code == 302 and response["Location"] == reverse("posting:account", args=[created.pk])
    assert (created.timezone, created.daily_cap) == ("Europe/Berlin", 4)


def test_it_refuses_an_unknown_time_zone_and_keeps_the_input(owner_client: Client) -> None:
    html = owner_client.post(
        reverse("posting:accounts"), {"name": "newbot", "publisher": "x", "timezone": "Mars/Olympus", "daily_cap": 4}
    ).content.decode()
    assert "Select a valid choice" in html and 'value="newbot"' in html
    assert not Account.objects.filter(name="newbot").exists()


def test_it_edits_settings_with_and_without_htmx(owner_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    data = {"name": "bot", "publisher": "x", "timezone": "UTC", "daily_cap": 3}
    html = owner_client.post(reverse("posting:account", args=[account.pk]), data, **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert "Saved." in html and "<html" not in html
    response = owner_client.post(reverse("posting:account", args=[account.pk]), data | {"daily_cap": 2})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.daily_cap == 2


def test_credentials_are_stored_encrypted_and_never_shown_back(
    owner_client: Client, account: Account, htmx_headers: dict[str, str]
) -> None:
    response = owner_client.post(reverse("posting:account_credentials", args=[account.pk]), SECRETS, **htmx_headers)  # type: ignore[arg-type]
    assert "Credentials saved" in response.content.decode()
    assert_no_secret(response.content)
    account.refresh_from_db()
    assert credentials_decrypt(account.credentials_encrypted) == SECRETS
    assert all(v not in account.credentials_encrypted for v in SECRETS.values())
    for name in ("posting:account", "posting:accounts"):
        url = reverse(name, args=[account.pk]) if name == "posting:account" else reverse(name)
        page = owner_client.get(url)
        assert page.status_code == 200
        assert_no_secret(page.content)
    assert_no_secret(owner_client.post(reverse("posting:account_credentials", args=[account.pk]), SECRETS, follow=True).content)


def test_incomplete_credentials_are_refused_and_nothing_is_echoed(owner_client: Client, account: Account) -> None:
    response = owner_client.post(reverse("posting:account_credentials", args=[account.pk]), {**SECRETS, "access_token_secret": ""})
    assert "This field is required" in response.content.decode()
    assert_no_secret(response.content)
    account.refresh_from_db()
    assert account.credentials_encrypted == ""


def test_check_credentials_calls_the_api_and_shows_the_handle(
    owner_client: Client, fake: FakeXControl, htmx_headers: dict[str, str]
) -> None:
    account = x_account(fake, name="checked", username="checked_bot")
    html = owner_client.post(reverse("posting:account_check", args=[account.pk]), **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert "posting as @checked_bot" in html
    account.refresh_from_db()
    assert account.handle == "checked_bot" and account.credentials_checked_at is not None


def test_check_credentials_shows_why_it_failed(owner_client: Client, fake: FakeXControl) -> None:
    account = x_account(fake, name="refused")
    fake.fault("401", endpoint="get_me")
    html = owner_client.post(reverse("posting:account_check", args=[account.pk]), follow=True).content.decode()
    assert "Check failed: X refused the credentials" in html


def test_check_credentials_without_any_stored_says_so(owner_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    html = owner_client.post(reverse("posting:account_check", args=[account.pk]), **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert "has no credentials yet" in html


def test_pause_and_resume(owner_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    html = owner_client.post(reverse("posting:account_pause", args=[account.pk]), **htmx_headers).content.decode()  # type: ignore[arg-type]
    account.refresh_from_db()
    assert account.paused and "Paused by olivia" in html
    response = owner_client.post(reverse("posting:account_resume", args=[account.pk]))
    account.refresh_from_db()
    assert response.status_code == 302 and not account.paused and account.paused_reason == ""


def test_resuming_moves_overdue_posts_to_the_next_free_slots(owner_client: Client, account: Account) -> None:
    from datetime import time, timedelta

    from django.utils import timezone

    from posting.models import Post

    Slot.objects.create(account=account, time_of_day=time(9, 0), weekdays=list(range(1, 8)))
    Slot.objects.create(account=account, time_of_day=time(17, 0), weekdays=list(range(1, 8)))
    Account.objects.filter(pk=account.pk).update(paused=True, paused_reason="401")
    overdue = [
        Post.objects.create(account=account, text=t, scheduled_at=timezone.now() - timedelta(hours=h)) for t, h in (("a", 5), ("b", 3))
    ]
    owner_client.post(reverse("posting:account_resume", args=[account.pk]))
    times = [Post.objects.get(pk=p.pk).scheduled_at for p in overdue]
    assert all(t > timezone.now() for t in times) and times[0] < times[1]


def test_the_slots_editor_adds_and_removes_slots(owner_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    html = owner_client.post(
        reverse("posting:slot_add", args=[account.pk]), {"time_of_day": "08:15", "weekdays": [1, 3]}, **htmx_headers
    ).content.decode()  # type: ignore[arg-type]
    assert "08:15" in html and "Mon, Wed" in html and "<html" not in html
    slot = Slot.objects.get(account=account)
    assert slot.weekdays == [1, 3]
    response = owner_client.post(reverse("posting:slot_delete", args=[account.pk, slot.pk]))
    assert response.status_code == 302 and not Slot.objects.exists()


def test_a_slot_without_days_is_refused_with_a_clear_message(owner_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    html = owner_client.post(reverse("posting:slot_add", args=[account.pk]), {"time_of_day": "08:15"}, **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert "Pick at least one day." in html
    assert not Slot.objects.exists()


def test_the_demo_step_ensures_a_dry_run_account_with_daily_slots() -> None:
    from core.demo import DEMO_STEPS
    from posting.demo import demo_account_ensure

    assert demo_account_ensure in DEMO_STEPS
    demo_account_ensure()
    line = demo_account_ensure()
    account = Account.objects.get(name="demo-bot")
    assert account.publisher == Account.Publisher.DRYRUN and account.slots.count() == 5
    assert "demo-bot" in line
