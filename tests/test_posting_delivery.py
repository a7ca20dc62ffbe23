"""Each delivery outcome, through the production publisher talking to the fake X server over HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posting.crypto import credentials_encrypt
from posting.delivery import posts_send_due
from posting.models import Account, Attempt, DryRunTweet, Post
from testing.fakex import FakeXControl
from tests.support.posting import due_post, x_account, x_credentials

pytestmark = pytest.mark.django_db


def texts(fake: FakeXControl) -> list[str]:
    return [t["text"] for t in fake.tweets()]


def outcomes(post: Post) -> list[str]:
    return list(post.log.values_list("outcome", flat=True))


def test_it_posts_a_due_post_and_records_the_remote_id_url_and_time(fake: FakeXControl) -> None:
    account = x_account(fake, name="bot", username="gpt2bot")
    post = due_post(account, "Hello from the fake X server")
    posts_send_due()
    post.refresh_from_db()
    stored = fake.tweets()
    assert [t["text"] for t in stored] == ["Hello from the fake X server"]
    assert post.state == Post.State.SENT
    assert post.remote_id == stored[0]["id"]
    assert post.url.endswith(f"/gpt2bot/status/{post.remote_id}")
    assert post.sent_at is not None and abs(post.sent_at - timezone.now()) < timedelta(seconds=30)
    account.refresh_from_db()
    assert account.handle == "gpt2bot" and account.remote_user_id


def test_it_leaves_posts_that_are_not_due_yet(fake: FakeXControl) -> None:
    account = x_account(fake)
    later = Post.objects.create(account=account, text="later", scheduled_at=timezone.now() + timedelta(minutes=5))
    posts_send_due()
    later.refresh_from_db()
    assert later.state == Post.State.QUEUED and texts(fake) == []


def test_a_429_puts_the_post_back_until_the_reset_time_the_api_gave(fake: FakeXControl) -> None:
    account = x_account(fake)
    post = due_post(account, "rate limited")
    fake.fault("429", reset_in=120)
    posts_send_due()
    post.refresh_from_db()
    account.refresh_from_db()
    assert post.state == Post.State.QUEUED
    assert post.next_attempt_at is not None
    assert timedelta(seconds=100) < post.next_attempt_at - timezone.now() <= timedelta(seconds=121)
    assert account.rate_limited_until == post.next_attempt_at
    assert post.attempts == 0 and "Rate limited" in post.error
    # Not before the reset time...
    posts_send_due()
    assert texts(fake) == []
    # ...and at it, exactly once.
    Post.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now())
    Account.objects.filter(pk=account.pk).update(rate_limited_until=None)
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT and texts(fake) == ["rate limited"]


def test_a_500_that_stored_nothing_is_looked_up_then_sent_once(fake: FakeXControl) -> None:
    post = due_post(x_account(fake), "server error, nothing stored")
    fake.fault("500")
    posts_send_due()
    # The first run sent, got 500 (unknown), looked it up (not found → queued) and sent it again.
    post.refresh_from_db()
    assert outcomes(post) == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.NOT_FOUND, Attempt.Outcome.SENT]
    assert post.state == Post.State.SENT and texts(fake) == ["server error, nothing stored"]


def test_a_5xx_after_the_post_was_stored_is_settled_as_sent_without_sending_again(fake: FakeXControl) -> None:
    post = due_post(x_account(fake), "stored, then 503")
    fake.fault("500_after_store")
    posts_send_due()
    post.refresh_from_db()
    assert outcomes(post) == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.FOUND]
    assert post.state == Post.State.SENT and post.remote_id == fake.tweets()[0]["id"]
    assert texts(fake) == ["stored, then 503"]


def test_a_timeout_after_the_post_was_stored_is_settled_by_lookup_not_resent(fake: FakeXControl, settings: SettingsWrapper) -> None:
    settings.POST_SETTLE_SECONDS = 60
    post = due_post(x_account(fake), "stored, then silence")
    fake.fault("timeout_after_store", delay=2.5)
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.UNKNOWN and "did not answer in time" in post.error
    # Before the settle delay nothing happens: in particular, nothing is sent again.
    posts_send_due()
    assert texts(fake) == ["stored, then silence"]
    Post.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now())
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT and post.remote_id == fake.tweets()[0]["id"]
    assert texts(fake) == ["stored, then silence"]


def test_a_connection_dropped_after_the_post_was_stored_is_settled_as_sent(fake: FakeXControl) -> None:
    post = due_post(x_account(fake), "stored, then the connection dropped")
    fake.fault("drop_after_store")
    posts_send_due()
    post.refresh_from_db()
    assert outcomes(post) == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.FOUND]
    assert post.state == Post.State.SENT and len(fake.tweets()) == 1


def test_a_failed_lookup_leaves_the_post_unknown_and_never_resends_it(fake: FakeXControl) -> None:
    post = due_post(x_account(fake), "lookup fails")
    fake.fault("500_after_store")
    fake.fault("500", endpoint="users_tweets")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.UNKNOWN
    assert outcomes(post) == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.LOOKUP_FAILED]
    Post.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now())
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT and len(fake.tweets()) == 1


def test_a_403_duplicate_fails_with_the_reason_shown(fake: FakeXControl) -> None:
    post = due_post(x_account(fake), "said before")
    fake.fault("403_duplicate")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.FAILED
    assert "duplicate content" in post.error
    assert texts(fake) == []


def test_a_401_pauses_the_account_and_its_posts_wait(fake: FakeXControl) -> None:
    account = x_account(fake)
    first, second = due_post(account, "one"), due_post(account, "two")
    fake.fault("401")
    posts_send_due()
    account.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert account.paused and "refused the credentials" in account.paused_reason
    assert first.state == second.state == Post.State.QUEUED
    posts_send_due()
    assert texts(fake) == []
    Account.objects.filter(pk=account.pk).update(paused=False)
    posts_send_due()
    assert sorted(texts(fake)) == ["one", "two"]


def test_a_403_permission_refusal_pauses_the_account(fake: FakeXControl) -> None:
    account = x_account(fake)
    post = due_post(account, "no write permission")
    fake.fault("403_forbidden")
    posts_send_due()
    account.refresh_from_db()
    post.refresh_from_db()
    assert account.paused and "permissions" in account.paused_reason
    assert post.state == Post.State.QUEUED


def test_a_too_long_post_fails_before_anything_is_sent(fake: FakeXControl) -> None:
    post = due_post(x_account(fake), "🙂" * 141)  # emoji weigh 2: 282 > 280
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.FAILED and "282/280" in post.error
    assert fake.stats().get("create_tweet", 0) == 0


def test_a_post_left_sending_by_a_dead_worker_is_settled_by_lookup_not_resent(fake: FakeXControl) -> None:
    account = x_account(fake)
    post = due_post(account, "the worker died after this went out")
    # What a worker killed between the API call and the database write leaves behind.
    from posting.publishers import publisher_for

    published = publisher_for(account).create(text=post.text)
    Post.objects.filter(pk=post.pk).update(
        state=Post.State.SENDING,
        claim_token="dead",
        claimed_at=timezone.now() - timedelta(hours=1),
        attempts=1,
        first_attempt_at=timezone.now() - timedelta(minutes=1),
    )
    posts_send_due()
    post.refresh_from_db()
    assert outcomes(post) == [Attempt.Outcome.ABANDONED, Attempt.Outcome.FOUND]
    assert post.state == Post.State.SENT and post.remote_id == published.remote_id
    assert len(fake.tweets()) == 1


def test_a_post_left_sending_that_never_went_out_is_sent_once_after_the_lookup(fake: FakeXControl) -> None:
    post = due_post(x_account(fake), "the worker died before the call")
    Post.objects.filter(pk=post.pk).update(
        state=Post.State.SENDING, claim_token="dead", claimed_at=datetime(2020, 1, 1, tzinfo=UTC), attempts=1
    )
    posts_send_due()
    post.refresh_from_db()
    assert outcomes(post) == [Attempt.Outcome.ABANDONED, Attempt.Outcome.NOT_FOUND, Attempt.Outcome.SENT]
    assert texts(fake) == ["the worker died before the call"]


def test_a_refused_connection_is_retried_later_without_a_lookup(fake: FakeXControl, settings: SettingsWrapper) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        settings.X_API_BASE_URL = f"http://127.0.0.1:{s.getsockname()[1]}"  # bound, not listening: refused
        account = x_account(fake)
        Account.objects.filter(pk=account.pk).update(remote_user_id="42")
        post = due_post(account, "nobody listening")
        posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.QUEUED and post.next_attempt_at and post.next_attempt_at > timezone.now()
    assert outcomes(post) == [Attempt.Outcome.NOT_SENT]


def test_it_gives_up_after_the_attempt_limit(fake: FakeXControl, settings: SettingsWrapper) -> None:
    settings.POST_MAX_ATTEMPTS = 2
    post = due_post(x_account(fake), "always 500")
    fake.fault("500")
    fake.fault("500")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.FAILED and "Gave up after 2 attempts" in post.error
    assert texts(fake) == []


def test_unreadable_credentials_pause_the_account(fake: FakeXControl, settings: SettingsWrapper) -> None:
    from cryptography.fernet import Fernet

    account = x_account(fake)
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    post = due_post(account, "key rotated away")
    posts_send_due()
    account.refresh_from_db()
    post.refresh_from_db()
    assert account.paused and "CREDENTIALS_KEY" in account.paused_reason
    assert post.state == Post.State.QUEUED


def test_the_dry_run_publisher_records_what_it_would_post() -> None:
    account = Account.objects.create(name="dry", publisher=Account.Publisher.DRYRUN)
    post = due_post(account, "would post this")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT
    assert list(DryRunTweet.objects.values_list("text", flat=True)) == ["would post this"]
    assert post.remote_id == f"dry-{DryRunTweet.objects.get().pk}"


def test_credentials_are_encrypted_at_rest() -> None:
    token = credentials_encrypt(x_credentials("secret-token"))
    assert "secret-token" not in token and "SECRET" not in token
