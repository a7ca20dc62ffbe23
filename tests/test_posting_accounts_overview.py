"""The Accounts list: counts that are right, the next post, the backlog size, and "needs attention" in plain words."""

from datetime import time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from curator.models import Candidate
from posting.models import Account, Post, Slot
from posting.selectors import accounts_overview
from tests.support.bots import candidate_of, make_bot
from tests.support.posting import x_credentials

pytestmark = pytest.mark.django_db


def test_counts_are_not_multiplied_by_the_slots(owner_client: Client) -> None:
    account = Account.objects.create(name="busy", timezone="Europe/Berlin")
    for hour in (9, 12, 15, 18, 21):
        Slot.objects.create(account=account, time_of_day=time(hour, 0), weekdays=list(range(1, 8)))
    now = timezone.now()
    for i in range(9):
        Post.objects.create(account=account, text=f"q{i}", scheduled_at=now + timedelta(hours=i + 1))
    for i in range(4):
        Post.objects.create(account=account, text=f"s{i}", scheduled_at=now - timedelta(hours=i + 1), state=Post.State.SENT)
    Post.objects.create(account=account, text="f", scheduled_at=now - timedelta(hours=9), state=Post.State.FAILED)
    row = accounts_overview()[0]
    assert (row.slot_count, row.queued, row.sent, row.failed) == (5, 9, 4, 1)
    html = owner_client.get(reverse("posting:accounts")).content.decode()
    assert "<td>5</td>" in html and "<td>9</td>" in html and "<td>4</td>" in html and "<td>1</td>" in html
    assert "<td>45</td>" not in html


def test_it_shows_the_next_post_in_the_account_time_zone_and_the_backlog_size(owner_client: Client) -> None:
    bot = make_bot("alpha", tz="America/Los_Angeles")
    make_bot("beta")
    for i in range(3):
        candidate_of(bot, f"ready {i}", status=Candidate.Status.APPROVED)
    when = timezone.now() + timedelta(days=2)
    Post.objects.create(account=bot.account, text="next", scheduled_at=when)
    rows = {r.account.name: r for r in accounts_overview()}
    assert rows["alpha"].backlog == 3 and rows["beta"].backlog == 0
    assert rows["alpha"].next_post.endswith(("PST", "PDT")) and rows["beta"].next_post == ""
    html = owner_client.get(reverse("posting:accounts")).content.decode()
    assert rows["alpha"].next_post in html


def test_a_failed_check_marks_the_account_in_plain_words(owner_client: Client, settings: SettingsWrapper) -> None:
    # Nothing listens on port 9: the client raises ConnectionError("HTTPConnectionPool(host=..., port=9): Max retries ...").
    settings.X_API_BASE_URL = "http://127.0.0.1:9"
    settings.X_API_CONNECT_TIMEOUT = 0.5
    from posting.crypto import credentials_encrypt

    account = Account.objects.create(
        name="unreachable", publisher=Account.Publisher.X, credentials_encrypted=credentials_encrypt(x_credentials("t"))
    )
    page = owner_client.post(reverse("posting:account_check", args=[account.pk]), follow=True).content.decode()
    assert "X could not be reached" in page
    listing = owner_client.get(reverse("posting:accounts")).content.decode()
    assert "needs attention" in listing and "X could not be reached" in listing
    for html in (page, listing):
        assert "ConnectionPool" not in html and "Max retries" not in html and "Errno" not in html
    account.refresh_from_db()
    assert account.attention_reason


def test_a_post_that_could_not_be_sent_says_so_in_plain_words(curator_client: Client, settings: SettingsWrapper) -> None:
    settings.X_API_BASE_URL = "http://127.0.0.1:9"
    settings.X_API_CONNECT_TIMEOUT = 0.5
    from posting.crypto import credentials_encrypt
    from posting.delivery import posts_send_due

    account = Account.objects.create(
        name="offline", publisher=Account.Publisher.X, credentials_encrypted=credentials_encrypt(x_credentials("t")), remote_user_id="42"
    )
    post = Post.objects.create(account=account, text="cannot leave", scheduled_at=timezone.now() - timedelta(minutes=1))
    posts_send_due(max_seconds=5)
    post.refresh_from_db()
    assert post.error == "X could not be reached: nothing was sent; it is tried again later."
    assert "ConnectionPool" in post.log.get().detail  # the details stay in the delivery history
    html = curator_client.get(reverse("posting:schedule")).content.decode()
    assert "X could not be reached" in html and "ConnectionPool" not in html and "Max retries" not in html
