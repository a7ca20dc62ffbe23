from datetime import time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posting.models import Account, Post, Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> Account:
    account = Account.objects.create(name="bot", timezone="UTC", daily_cap=5)
    Slot.objects.create(account=account, time_of_day=time(9, 0), weekdays=list(range(1, 8)))
    return account


def queued(account: Account, text: str, hours: int) -> Post:
    return Post.objects.create(account=account, text=text, scheduled_at=timezone.now() + timedelta(hours=hours))


def act(client: Client, post: Post, action: str, headers: dict[str, str] | None = None, **data: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("posting:schedule_action", args=[post.pk, action]), data, **(headers or {}))


def test_it_lists_upcoming_posts_per_account(curator_client: Client, account: Account) -> None:
    other = Account.objects.create(name="second")
    queued(account, "first <b>text</b>", 1)
    queued(other, "other account's post", 2)
    Post.objects.create(account=account, text="already out", scheduled_at=timezone.now(), state=Post.State.SENT)
    html = curator_client.get(reverse("posting:schedule")).content.decode()
    assert "first &lt;b&gt;text&lt;/b&gt;" in html
    assert "other account&#x27;s post" in html
    assert "already out" not in html
    assert html.index("bot") < html.index("second")


def test_it_returns_only_the_partial_to_htmx(curator_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    queued(account, "a post", 1)
    html = curator_client.get(reverse("posting:schedule"), **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert 'id="queues"' in html and "<html" not in html


def test_it_swaps_a_post_with_the_one_before(curator_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    a, b = queued(account, "a", 1), queued(account, "b", 2)
    response = act(curator_client, b, "up", htmx_headers)
    assert response.status_code == 200 and "Swapped" in response.content.decode()
    a2, b2 = Post.objects.get(pk=a.pk), Post.objects.get(pk=b.pk)
    assert (a2.scheduled_at, b2.scheduled_at) == (b.scheduled_at, a.scheduled_at)


def test_it_swaps_without_htmx_and_redirects(curator_client: Client, account: Account) -> None:
    a, b = queued(account, "a", 1), queued(account, "b", 2)
    response = act(curator_client, a, "down")
    assert response.status_code == 302 and response["Location"] == reverse("posting:schedule")
    assert Post.objects.get(pk=a.pk).scheduled_at == b.scheduled_at


def test_it_says_when_a_post_is_already_first(curator_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    a = queued(account, "a", 1)
    assert "already first" in act(curator_client, a, "up", htmx_headers).content.decode()


def test_it_unschedules_a_post(curator_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    a = queued(account, "a", 1)
    act(curator_client, a, "unschedule", htmx_headers)
    assert Post.objects.get(pk=a.pk).state == Post.State.CANCELLED


def test_it_moves_a_post_to_a_chosen_time_in_the_account_time_zone(curator_client: Client, account: Account) -> None:
    account.timezone = "Europe/Berlin"
    account.save()
    a = queued(account, "a", 1)
    year = timezone.now().year + 1
    act(curator_client, a, "move", when=f"{year}-07-01T12:30")
    moved = Post.objects.get(pk=a.pk).scheduled_at
    assert (moved.year, moved.month, moved.day, moved.hour, moved.minute) == (year, 7, 1, 10, 30)  # 12:30 CEST is 10:30 UTC


def test_it_refuses_to_move_a_post_into_the_past_and_keeps_its_time(
    curator_client: Client, account: Account, htmx_headers: dict[str, str]
) -> None:
    a = queued(account, "a", 1)
    html = act(curator_client, a, "move", htmx_headers, when="2020-01-01T10:00").content.decode()
    assert "That time has passed" in html
    assert Post.objects.get(pk=a.pk).scheduled_at == a.scheduled_at


def test_it_refuses_a_garbled_time_with_one_clear_message(curator_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    a = queued(account, "a", 1)
    html = act(curator_client, a, "move", htmx_headers, when="next tuesday").content.decode()
    assert "Enter a valid date/time" in html


def test_post_now_makes_it_due_at_once(curator_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    a = queued(account, "a", 5)
    html = act(curator_client, a, "now", htmx_headers).content.decode()
    assert "Posting now" in html
    assert Post.objects.get(pk=a.pk).scheduled_at <= timezone.now()


def test_it_does_not_touch_a_post_that_is_being_sent(curator_client: Client, account: Account, htmx_headers: dict[str, str]) -> None:
    a = queued(account, "a", 1)
    Post.objects.filter(pk=a.pk).update(state=Post.State.SENDING)
    html = act(curator_client, a, "unschedule", htmx_headers).content.decode()
    assert "can no longer be changed" in html
    assert Post.objects.get(pk=a.pk).state == Post.State.SENDING


def test_it_shows_why_an_account_is_paused(curator_client: Client, account: Account) -> None:
    Account.objects.filter(pk=account.pk).update(paused=True, paused_reason="X refused the credentials: 401 Unauthorized")
    assert "X refused the credentials" in curator_client.get(reverse("posting:schedule")).content.decode()


def test_outsiders_cannot_see_or_change_the_schedule(outsider_client: Client, account: Account) -> None:
    a = queued(account, "a", 1)
    assert outsider_client.get(reverse("posting:schedule")).status_code == 403
    assert act(outsider_client, a, "unschedule").status_code == 403
    assert Post.objects.get(pk=a.pk).state == Post.State.QUEUED


def test_it_requires_login(client: Client) -> None:
    assert client.get(reverse("posting:schedule")).status_code == 302


def test_each_change_is_logged_on_the_post_with_who_made_it(curator_client: Client, curator, account: Account) -> None:  # type: ignore[no-untyped-def]
    from posting.models import Attempt

    a, b = queued(account, "a", 1), queued(account, "b", 2)
    act(curator_client, b, "up")
    act(curator_client, a, "unschedule")
    moved = Attempt.objects.get(post=b)
    assert (moved.outcome, moved.by, moved.detail) == (Attempt.Outcome.MOVED, curator, f"swapped with post {a.pk}")
    assert list(Attempt.objects.filter(post=a).values_list("outcome", "by")) == [
        (Attempt.Outcome.MOVED, curator.pk),
        (Attempt.Outcome.UNSCHEDULED, curator.pk),
    ]
    Post.objects.filter(pk=a.pk).update(state=Post.State.FAILED)  # History lists it, with its whole log
    html = curator_client.get(reverse("posting:post_history")).content.decode()
    assert f"Moved by carl: swapped with post {b.pk}" in html and "Unscheduled by carl" in html


def test_an_unknown_action_is_refused_as_plain_text_never_echoed_as_html(curator_client: Client, account: Account) -> None:
    post = queued(account, "a", 1)
    response = act(curator_client, post, "<b>bold")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
