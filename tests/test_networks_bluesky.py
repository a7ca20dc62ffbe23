"""Bluesky delivery, each outcome against a real local PDS (testing/pds) with the fault proxy in front of it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posting.accounts import account_check
from posting.crypto import credentials_encrypt
from posting.delivery import posts_send_due
from posting.models import Account, Attempt, Post
from posting.networks import BLUESKY_MAX_GRAPHEMES
from testing.pds import FaultProxy, PdsServer
from tests.support.networks import bluesky_account, due_post, pds, proxy

pytestmark = pytest.mark.django_db
__all__ = ["pds", "proxy"]


def outcomes(post: Post) -> list[str]:
    return list(post.log.values_list("outcome", flat=True))


def texts(pds: PdsServer, did: str) -> list[str]:
    return [r["value"]["text"] for r in pds.posts(did)]


def test_it_posts_once_with_the_record_key_it_stored_before_sending(pds: PdsServer, proxy: FaultProxy) -> None:
    account, remote = bluesky_account(pds, proxy)
    post = due_post(account, "hello from a bot on bluesky")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT, (outcomes(post), post.error)
    assert len(post.send_key) == 13
    records = pds.posts(remote.did)
    assert [r["uri"] for r in records] == [post.remote_id]
    assert post.remote_id.endswith(f"/app.bsky.feed.post/{post.send_key}")
    assert post.url.startswith("https://bsky.app/profile/")


def test_the_account_check_asks_who_am_i_and_reads_the_bot_label(pds: PdsServer, proxy: FaultProxy) -> None:
    account, remote = bluesky_account(pds, proxy)
    identity = account_check(account=account)
    account.refresh_from_db()
    assert (identity.user_id, identity.handle) == (remote.did, remote.handle)
    assert account.handle == remote.handle
    assert account.bot_label.startswith("Missing")


def test_a_429_puts_the_post_back_and_pauses_the_account_until_the_reset(pds: PdsServer, proxy: FaultProxy) -> None:
    account, remote = bluesky_account(pds, proxy)
    post = due_post(account, "rate limited on bluesky")
    proxy.fault("429", reset_in=120)
    posts_send_due()
    post.refresh_from_db()
    account.refresh_from_db()
    assert post.state == Post.State.QUEUED
    assert outcomes(post) == [Attempt.Outcome.RATE_LIMITED]
    assert account.rate_limited_until is not None and account.rate_limited_until > timezone.now() + timedelta(seconds=100)
    assert texts(pds, remote.did) == []


@pytest.mark.parametrize("kind", ["500", "500_after_store", "timeout_after_store", "drop_after_store"])
def test_an_unknown_outcome_is_settled_by_reading_the_record_key_and_posted_exactly_once(
    pds: PdsServer, proxy: FaultProxy, kind: str
) -> None:
    account, remote = bluesky_account(pds, proxy)
    post = due_post(account, f"unknown outcome: {kind}")
    proxy.fault(kind, delay=3)
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT, outcomes(post)
    assert texts(pds, remote.did) == [post.text]
    log = outcomes(post)
    assert log[0] == Attempt.Outcome.UNKNOWN
    if kind == "500":
        # Nothing was stored: the read by key says so, and the same key is sent again.
        assert log == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.NOT_FOUND, Attempt.Outcome.SENT]
    else:
        assert log == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.FOUND]
    assert post.remote_id.endswith("/" + post.send_key)


def test_a_second_create_of_a_stored_key_is_never_read_as_sent_or_resent(pds: PdsServer, proxy: FaultProxy) -> None:
    """A worker died after the PDS stored the post; the post is queued again with its key by mistake: the
    create fails (a plain 500), and only the read by key settles it."""
    account, remote = bluesky_account(pds, proxy)
    post = due_post(account, "stored before the worker died")
    posts_send_due()
    post.refresh_from_db()
    Post.objects.filter(pk=post.pk).update(state=Post.State.QUEUED, remote_id="", url="")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT
    assert outcomes(post)[-2:] == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.FOUND]
    assert texts(pds, remote.did) == [post.text]


def test_bad_credentials_pause_the_account_and_nothing_is_sent(pds: PdsServer, proxy: FaultProxy) -> None:
    account, remote = bluesky_account(pds, proxy)
    Account.objects.filter(pk=account.pk).update(
        credentials_encrypted=credentials_encrypt({"identifier": remote.handle, "app_password": "wrong-wrong-wrong-wrong"})
    )
    post = due_post(account, "never sent with bad credentials")
    posts_send_due()
    post.refresh_from_db()
    account.refresh_from_db()
    assert account.paused and "Bluesky refused the credentials" in account.paused_reason
    assert post.state == Post.State.QUEUED
    assert outcomes(post) == [Attempt.Outcome.AUTH]
    assert texts(pds, remote.did) == []


def test_a_text_over_300_graphemes_fails_before_sending_saying_which_rule(pds: PdsServer, proxy: FaultProxy) -> None:
    account, remote = bluesky_account(pds, proxy)
    # 301 graphemes, though far fewer X-weighted or Mastodon characters would be a different count.
    post = due_post(account, "é" * (BLUESKY_MAX_GRAPHEMES + 1))
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.FAILED
    assert post.error == "Too long for Bluesky: 301/300 graphemes."
    assert texts(pds, remote.did) == []


def test_a_text_the_server_refuses_fails_with_its_reason(pds: PdsServer, proxy: FaultProxy) -> None:
    account, remote = bluesky_account(pds, proxy)
    # 300 graphemes (our rule passes) but over the record's 3,000-byte limit: the PDS answers 400.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    post = due_post(account, family * 300)
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.FAILED, outcomes(post)
    assert outcomes(post) == [Attempt.Outcome.REJECTED]
    assert "Bluesky refused it" in post.error
    assert texts(pds, remote.did) == []


def test_a_reply_is_threaded_with_strong_refs_to_its_parent_and_root(pds: PdsServer, proxy: FaultProxy) -> None:
    account, remote = bluesky_account(pds, proxy)
    alice, _ = bluesky_account(pds, proxy, name="alice")
    opening = due_post(alice, "@bot what do you think?")
    posts_send_due()
    opening.refresh_from_db()
    # A second post in alice's thread: our reply's root is her opening post, its parent this one.
    follow = Post.objects.create(account=alice, text="well?", scheduled_at=opening.scheduled_at, in_reply_to_id=opening.remote_id)
    posts_send_due()
    follow.refresh_from_db()
    reply = Post.objects.create(account=account, text="I think so.", scheduled_at=opening.scheduled_at, in_reply_to_id=follow.remote_id)
    posts_send_due()
    reply.refresh_from_db()
    assert reply.state == Post.State.SENT, outcomes(reply)
    [record] = pds.posts(remote.did)
    assert record["value"]["reply"]["parent"]["uri"] == follow.remote_id
    assert record["value"]["reply"]["root"]["uri"] == opening.remote_id
    assert record["value"]["reply"]["root"]["cid"]


def test_a_create_that_uses_up_the_rate_limit_window_pauses_the_account_until_its_reset(pds: PdsServer, proxy: FaultProxy) -> None:
    account, remote = bluesky_account(pds, proxy)
    first = due_post(account, "the last points of this hour")
    second = due_post(account, "waits for the reset")
    proxy.fault("exhausted", reset_in=600)
    posts_send_due()
    first.refresh_from_db()
    second.refresh_from_db()
    account.refresh_from_db()
    assert first.state == Post.State.SENT
    assert account.rate_limited_until is not None and account.rate_limited_until > timezone.now() + timedelta(seconds=500)
    # The headers said the window is used up: the next post is not even tried.
    assert second.state == Post.State.QUEUED and outcomes(second) == []
    assert texts(pds, remote.did) == [first.text]
