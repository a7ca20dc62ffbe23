"""Times that cannot break pages: refused when past, too far ahead or unstorable; pages survive a bad stored row."""

from datetime import time, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from curator.models import Candidate
from posting.delivery import posts_send_due
from posting.models import Account, Attempt, Post, Slot
from posting.scheduling import post_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> Account:
    account = Account.objects.create(name="la-bot", timezone="America/Los_Angeles", daily_cap=5)
    Slot.objects.create(account=account, time_of_day=time(9, 0), weekdays=list(range(1, 8)))
    return account


def queued(account: Account, text: str, hours: int = 2) -> Post:
    return Post.objects.create(account=account, text=text, scheduled_at=timezone.now() + timedelta(hours=hours))


def move(client: Client, post: Post, when: str, htmx: bool = True):  # type: ignore[no-untyped-def]
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("posting:schedule_action", args=[post.pk, "move"]), {"when": when}, **headers)  # type: ignore[arg-type]


def bad_row(account: Account) -> int:
    """A post stored as the year 10000, as an older version wrote 9999-12-31 in America/Los_Angeles."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO posting_post (account_id, text, scheduled_at, state, attempts, claim_token, in_reply_to_id, remote_id, url,"
            " error, send_key, created_at) VALUES (%s, 'from the year 10000', %s, 'queued', 0, '', '', '', '', '', '', %s)",
            [account.pk, "10000-01-01 04:00:00+00" if connection.vendor == "postgresql" else "10000-01-01 04:00:00", timezone.now()],
        )
    return Post.objects.unreadable().values_list("pk", flat=True).get()


def test_it_refuses_to_move_a_post_to_a_time_that_cannot_be_stored(curator_client: Client, account: Account) -> None:
    post = queued(account, "a")
    html = move(curator_client, post, "9999-12-31T20:00").content.decode()
    assert "too far in the future to be stored" in html
    assert Post.objects.get(pk=post.pk).scheduled_at == post.scheduled_at
    assert curator_client.get(reverse("posting:schedule")).status_code == 200


def test_it_refuses_a_time_in_the_past_and_one_beyond_the_limit(
    curator_client: Client, account: Account, settings: SettingsWrapper
) -> None:
    post = queued(account, "a")
    assert "That time has passed" in move(curator_client, post, "2020-01-01T09:00").content.decode()
    next_year = timezone.now().year + 2
    assert "more than 365 days ahead" in move(curator_client, post, f"{next_year}-01-01T09:00").content.decode()
    settings.POST_SCHEDULE_MAX_DAYS = 30
    far = (timezone.now() + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    assert "more than 30 days ahead" in move(curator_client, post, far).content.decode()
    assert Post.objects.get(pk=post.pk).scheduled_at == post.scheduled_at


def test_a_refused_move_without_htmx_redirects_with_the_message(curator_client: Client, account: Account) -> None:
    post = queued(account, "a")
    response = move(curator_client, post, "9999-12-31T20:00", htmx=False)
    assert response.status_code == 302
    assert "too far in the future" in curator_client.get(response["Location"]).content.decode()


def test_pages_and_services_still_work_with_an_unreadable_row(
    curator_client: Client, owner_client: Client, account: Account, admin_user: User, curator: User
) -> None:
    other = queued(account, "a readable post")
    bad = bad_row(account)
    html = curator_client.get(reverse("posting:schedule")).content.decode()
    assert "a readable post" in html and f"Post {bad} on la-bot has a stored time that cannot be shown" in html
    # Scheduling onto the account, unscheduling another post, history, and the beat still work.
    candidate = Candidate.objects.create(text="fresh", generated_text="fresh", text_hash="x", status=Candidate.Status.APPROVED)
    assert post_schedule(candidate=candidate, by=curator, account=account).pk
    response = curator_client.post(reverse("posting:schedule_action", args=[other.pk, "unschedule"]))
    assert response.status_code == 302 and Post.objects.get(pk=other.pk).state == Post.State.CANCELLED
    assert curator_client.get(reverse("posting:post_history")).status_code == 200
    posts_send_due(max_seconds=5)
    for name in ("posting:account_pause", "posting:account_resume"):
        assert owner_client.post(reverse(name, args=[account.pk])).status_code == 302
    for name in ("posting:accounts", "posting:calendar", "posting:ready"):
        assert (owner_client if name == "posting:accounts" else curator_client).get(reverse(name)).status_code == 200
    # The admin's post and attempt pages render.
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get(reverse("admin:posting_post_changelist")).status_code == 200
    assert admin.get(reverse("admin:posting_post_change", args=[other.pk])).status_code == 200
    assert admin.get(reverse("admin:posting_attempt_changelist")).status_code == 200
    # The warning's button cancels the bad row without reading its time.
    response = curator_client.post(reverse("posting:schedule_unreadable", args=[bad]), HTTP_HX_REQUEST="true")
    assert f"Post {bad} was unscheduled" in response.content.decode()
    assert Post.objects.unreadable().filter(state=Post.State.QUEUED).count() == 0
    assert Attempt.objects.filter(post_id=bad, outcome=Attempt.Outcome.UNSCHEDULED).exists()
    assert admin.get(reverse("admin:posting_attempt_changelist")).status_code == 200
    assert "cannot be shown" not in curator_client.get(reverse("posting:schedule")).content.decode()
