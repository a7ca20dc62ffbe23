from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posting.models import Account, Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts() -> dict[str, Post]:
    x = Account.objects.create(name="xbot", publisher=Account.Publisher.X, handle="xbot")
    dry = Account.objects.create(name="drybot")
    now = timezone.now()
    return {
        "sent": Post.objects.create(
            account=x,
            text="went out",
            scheduled_at=now,
            state=Post.State.SENT,
            sent_at=now,
            remote_id="123",
            url="https://x.com/xbot/status/123",
        ),
        "dry": Post.objects.create(
            account=dry, text="dry run post", scheduled_at=now, state=Post.State.SENT, sent_at=now, remote_id="dry-1"
        ),
        "failed": Post.objects.create(
            account=x, text="refused", scheduled_at=now, state=Post.State.FAILED, error="X refused it as duplicate content: 403"
        ),
        "queued": Post.objects.create(account=x, text="still waiting", scheduled_at=now + timedelta(hours=1)),
    }


def test_it_lists_what_went_out_with_links_and_failures_with_reasons(curator_client: Client, posts: dict[str, Post]) -> None:
    html = curator_client.get(reverse("posting:post_history")).content.decode()
    assert 'href="https://x.com/xbot/status/123"' in html
    assert "dry run (dry-1)" in html
    assert "X refused it as duplicate content" in html
    assert "still waiting" not in html
    assert html.count("Retry</button>") == 1


def test_it_filters_by_state_and_account_for_htmx(curator_client: Client, posts: dict[str, Post], htmx_headers: dict[str, str]) -> None:
    url = reverse("posting:post_history") + f"?state=sent&account={posts['sent'].account_id}"
    html = curator_client.get(url, **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert 'id="history"' in html and "<html" not in html
    assert "went out" in html and "dry run post" not in html and "refused" not in html


def test_it_ignores_a_garbled_filter(curator_client: Client, posts: dict[str, Post]) -> None:
    response = curator_client.get(reverse("posting:post_history") + "?state=nope&account=abc")
    assert response.status_code == 200 and "went out" in response.content.decode()


def test_retry_queues_a_failed_post_again(curator_client: Client, posts: dict[str, Post], htmx_headers: dict[str, str]) -> None:
    failed = posts["failed"]
    html = curator_client.post(reverse("posting:history_retry", args=[failed.pk]), **htmx_headers).content.decode()  # type: ignore[arg-type]
    failed.refresh_from_db()
    assert failed.state == Post.State.QUEUED and failed.error == "" and failed.scheduled_at <= timezone.now()
    assert "queued again" in html and "<html" not in html


def test_retry_without_htmx_redirects(curator_client: Client, posts: dict[str, Post]) -> None:
    response = curator_client.post(reverse("posting:history_retry", args=[posts["failed"].pk]))
    assert response.status_code == 302 and response["Location"] == reverse("posting:post_history")


def test_retry_refuses_a_post_that_went_out(curator_client: Client, posts: dict[str, Post]) -> None:
    response = curator_client.post(reverse("posting:history_retry", args=[posts["sent"].pk]), follow=True)
    assert "Only a failed post can be retried" in response.content.decode()
    assert Post.objects.get(pk=posts["sent"].pk).state == Post.State.SENT


def test_outsiders_cannot_see_history(outsider_client: Client, posts: dict[str, Post]) -> None:
    assert outsider_client.get(reverse("posting:post_history")).status_code == 403
    assert outsider_client.post(reverse("posting:history_retry", args=[posts["failed"].pk])).status_code == 403


def test_it_shows_the_delivery_log_of_a_post_that_needed_a_lookup(curator_client: Client, posts: dict[str, Post]) -> None:
    from posting.models import Attempt

    sent = posts["sent"]
    Attempt.objects.create(post=sent, outcome=Attempt.Outcome.UNKNOWN, detail="X did not answer in time")
    Attempt.objects.create(post=sent, outcome=Attempt.Outcome.FOUND, detail="123")
    html = curator_client.get(reverse("posting:post_history")).content.decode()
    assert "log (2)" in html
    assert "Outcome unknown: X did not answer in time" in html and "Lookup: found, settled as sent: 123" in html
