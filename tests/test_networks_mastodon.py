"""Mastodon delivery, each outcome through Mastodon.py against the fake Mastodon API over HTTP."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posting.accounts import account_check
from posting.crypto import credentials_encrypt
from posting.delivery import posts_send_due
from posting.models import Account, Attempt, Post
from testing.fakemastodon import FakeMastodonControl
from tests.support.networks import due_post, mastodon, mastodon_account, mastodon_server

pytestmark = pytest.mark.django_db
__all__ = ["mastodon", "mastodon_server"]


def outcomes(post: Post) -> list[str]:
    return list(post.log.values_list("outcome", flat=True))


def texts(control: FakeMastodonControl) -> list[str]:
    return [s["text"] for s in control.statuses()]


def test_it_posts_once_with_the_idempotency_key_it_stored_before_sending(mastodon: FakeMastodonControl) -> None:
    account = mastodon_account(mastodon)
    post = due_post(account, "hello from a bot on mastodon")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT, outcomes(post)
    assert len(post.send_key) == 32
    statuses = mastodon.statuses()
    assert [(s["id"], s["text"]) for s in statuses] == [(post.remote_id, post.text)]
    assert post.url.endswith(f"/@toot/{post.remote_id}")


def test_the_account_check_reads_the_instance_limit_and_sets_the_bot_flag(mastodon: FakeMastodonControl) -> None:
    account = mastodon_account(mastodon)
    mastodon.config(max_characters=1000)
    identity = account_check(account=account)
    account.refresh_from_db()
    assert identity.handle == "toot"
    assert account.max_characters == 1000
    assert account.bot_label.startswith("Set now")
    assert account_check(account=account) and Account.objects.get(pk=account.pk).bot_label.startswith("Set:")


def test_a_429_puts_the_post_back_and_pauses_the_account_until_the_reset(mastodon: FakeMastodonControl) -> None:
    account = mastodon_account(mastodon)
    post = due_post(account, "rate limited on mastodon")
    mastodon.fault("429", reset_in=120)
    posts_send_due()
    post.refresh_from_db()
    account.refresh_from_db()
    assert post.state == Post.State.QUEUED
    assert outcomes(post) == [Attempt.Outcome.RATE_LIMITED]
    assert account.rate_limited_until is not None and account.rate_limited_until > timezone.now() + timedelta(seconds=100)
    assert texts(mastodon) == []


def test_an_exhausted_rate_limit_window_pauses_the_account_after_a_successful_post(mastodon: FakeMastodonControl) -> None:
    account = mastodon_account(mastodon)
    mastodon.config(rate_limit=1)  # every answer says X-RateLimit-Remaining: 0
    post = due_post(account, "the last one this window")
    posts_send_due()
    post.refresh_from_db()
    account.refresh_from_db()
    assert post.state == Post.State.SENT
    assert account.rate_limited_until is not None and account.rate_limited_until > timezone.now()


@pytest.mark.parametrize("kind", ["500", "500_after_store", "timeout_after_store", "drop_after_store"])
def test_an_unknown_outcome_is_sent_again_with_the_same_key_and_posted_exactly_once(mastodon: FakeMastodonControl, kind: str) -> None:
    account = mastodon_account(mastodon)
    post = due_post(account, f"unknown outcome: {kind}")
    mastodon.fault(kind, delay=3)
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT, outcomes(post)
    assert texts(mastodon) == [post.text]
    # Within the server's idempotency window the same key is sent again; the server answers the stored status.
    assert outcomes(post) == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.NOT_FOUND, Attempt.Outcome.SENT]
    assert post.remote_id == mastodon.statuses()[0]["id"]


@pytest.mark.parametrize("kind", ["500", "drop_after_store"])
def test_past_the_idempotency_window_an_unknown_outcome_is_settled_by_reading_the_statuses(
    mastodon: FakeMastodonControl, kind: str
) -> None:
    account = mastodon_account(mastodon)
    post = due_post(account, f"settled by the timeline: {kind}")
    mastodon.fault(kind)
    posts_send_due(limit=1)
    post.refresh_from_db()
    assert post.state == Post.State.UNKNOWN
    # The server forgot the key (its window passed): only the timeline can tell.
    mastodon.config(idempotency_window=0)
    # Two hours pass: the send (and its log line) is that old, past the window and past X-style late visibility.
    Post.objects.filter(pk=post.pk).update(first_attempt_at=timezone.now() - timedelta(hours=2))
    Attempt.objects.filter(post=post).update(at=timezone.now() - timedelta(hours=2))
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT, outcomes(post)
    assert texts(mastodon) == [post.text]
    expected = [Attempt.Outcome.NOT_FOUND, Attempt.Outcome.SENT] if kind == "500" else [Attempt.Outcome.FOUND]
    assert outcomes(post)[1:] == expected


def test_bad_credentials_pause_the_account_and_nothing_is_sent(mastodon: FakeMastodonControl) -> None:
    account = mastodon_account(mastodon)
    Account.objects.filter(pk=account.pk).update(credentials_encrypted=credentials_encrypt({"access_token": "not-a-token"}))
    post = due_post(account, "never sent with a bad token")
    posts_send_due()
    post.refresh_from_db()
    account.refresh_from_db()
    assert account.paused and "Mastodon refused the access token" in account.paused_reason
    assert post.state == Post.State.QUEUED
    assert texts(mastodon) == []


def test_a_text_the_server_refuses_fails_with_its_reason(mastodon: FakeMastodonControl) -> None:
    account = mastodon_account(mastodon)
    post = due_post(account, "refused by the instance")
    mastodon.fault("422")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.FAILED
    assert outcomes(post) == [Attempt.Outcome.REJECTED]
    assert "character limit" in post.error
    assert texts(mastodon) == []


def test_the_instance_limit_read_at_the_check_refuses_longer_texts_before_sending(mastodon: FakeMastodonControl) -> None:
    account = mastodon_account(mastodon)
    mastodon.config(max_characters=100)
    account_check(account=account)
    account.refresh_from_db()
    fits = due_post(account, "x" * 76 + " https://example.com/a/very/long/link/that/counts/as/twenty/three")
    too_long = due_post(account, "y" * 101)
    posts_send_due()
    fits.refresh_from_db()
    too_long.refresh_from_db()
    assert fits.state == Post.State.SENT, outcomes(fits)
    assert too_long.state == Post.State.FAILED
    assert too_long.error == "Too long for Mastodon: 101/100 characters."
    assert texts(mastodon) == [fits.text]
