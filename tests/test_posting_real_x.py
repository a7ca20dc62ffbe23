"""What real X answers and the fake now answers too, through the production publisher and delivery.

Each test drives posting.delivery against the fake X server over HTTP; the fake's answers are checked against
recorded real ones in tests/test_fake_x_fidelity.py.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from core.tweets import timeline_key
from posting.accounts import CheckFailed, account_check
from posting.crypto import credentials_encrypt
from posting.delivery import posts_send_due, posts_settle_due
from posting.models import Account, Attempt, Post
from posting.publishers import AuthFailed
from testing.fakex import REPLY_DELETED, REPLY_NOT_MENTIONED, FakeXControl, shown
from tests.support.posting import due_post, x_account, x_credentials

pytestmark = pytest.mark.django_db


def outcomes(post: Post) -> list[str]:
    return list(post.log.order_by("at", "pk").values_list("outcome", flat=True))


# --- Credentials: the fake checks OAuth 1.0a signatures against the registered secrets.


@pytest.mark.parametrize("wrong", ["consumer_secret", "access_token_secret", "consumer_key"])
def test_a_wrongly_wired_secret_fails_the_credentials_check_as_on_x(fake: FakeXControl, wrong: str) -> None:
    account = x_account(fake)
    assert account_check(account=account).handle == "bot"  # right secrets: the signature verifies
    from posting.crypto import credentials_decrypt

    creds = credentials_decrypt(account.credentials_encrypted) | {wrong: "not-the-registered-one"}
    Account.objects.filter(pk=account.pk).update(credentials_encrypted=credentials_encrypt(creds))
    account.refresh_from_db()
    # The page gets plain words (issue 13); X's own answer is the cause, kept for the log.
    with pytest.raises(CheckFailed, match="X refused the credentials") as refused:
        account_check(account=account)
    assert isinstance(refused.value.__cause__, AuthFailed) and "401" in str(refused.value.__cause__)


def test_a_post_signed_with_a_wrong_secret_is_not_stored(fake: FakeXControl) -> None:
    token = "token-wired-wrong"
    creds = x_credentials(token)
    fake.user(access_token=token, username="bot", secrets={k: v for k, v in creds.items() if k != "access_token"})
    swapped = creds | {"consumer_secret": creds["access_token_secret"], "access_token_secret": creds["consumer_secret"]}
    account = Account.objects.create(name="bot", publisher=Account.Publisher.X, credentials_encrypted=credentials_encrypt(swapped))
    post = due_post(account, "signed with the secrets swapped")
    posts_send_due()
    post.refresh_from_db()
    account.refresh_from_db()
    assert fake.tweets() == [] and post.state == Post.State.QUEUED and account.paused


# --- Reply refusals fail that reply alone; 402 pauses with "out of credit"; the 24-hour cap waits for its reset.


@pytest.mark.parametrize(("fault", "words"), [("403_reply_deleted", REPLY_DELETED), ("403_reply_not_mentioned", REPLY_NOT_MENTIONED)])
def test_a_refused_reply_fails_alone_and_the_account_keeps_posting(fake: FakeXControl, fault: str, words: str) -> None:
    account = x_account(fake)
    reply = Post.objects.create(account=account, text="a reply", in_reply_to_id="123", scheduled_at=timezone.now() - timedelta(minutes=2))
    plain = due_post(account, "and the next post")
    fake.fault(fault)
    posts_send_due()
    reply.refresh_from_db()
    plain.refresh_from_db()
    account.refresh_from_db()
    assert reply.state == Post.State.FAILED and reply.error == f"X refused the reply: 403 {words}"
    assert not account.paused and plain.state == Post.State.SENT
    assert [t["text"] for t in fake.tweets()] == ["and the next post"]


def test_a_402_pauses_the_account_as_out_of_credit_and_keeps_its_posts_queued(fake: FakeXControl) -> None:
    account = x_account(fake)
    first, second = due_post(account, "first", minutes_ago=2), due_post(account, "second")
    fake.fault("402")
    posts_send_due()
    account.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert account.paused and "out of credit" in account.paused_reason
    assert first.state == second.state == Post.State.QUEUED and first.attempts == 0
    assert outcomes(first) == [Attempt.Outcome.AUTH] and fake.tweets() == []


@pytest.mark.parametrize("fault", ["429_user_24h", "429_app_24h"])
def test_the_24_hour_cap_makes_the_account_wait_until_its_reset(fake: FakeXControl, fault: str) -> None:
    account = x_account(fake)
    post = due_post(account, "over the daily cap")
    fake.fault(fault, reset_in=20 * 3600)
    posts_send_due()
    post.refresh_from_db()
    account.refresh_from_db()
    assert post.state == Post.State.QUEUED and "24-hour posting cap" in post.error
    wait = account.rate_limited_until - timezone.now()
    assert timedelta(hours=19, minutes=59) < wait <= timedelta(hours=20), wait  # not the 15-minute window
    assert post.next_attempt_at == account.rate_limited_until


# --- The exactly-once lookup against X's rewritings, its delay and its short pages.

REWRITTEN = [
    "see example.com now",
    "Fish & chips <3 > all",
    "read https://example.org/a?b=1&c=2 today",
    "two: example.com and www.test.org, &amp; more",
    "links.io/x at the start",
]


@pytest.mark.parametrize("text", REWRITTEN)
def test_an_unknown_outcome_is_found_on_the_timeline_as_x_rewrote_it(fake: FakeXControl, text: str) -> None:
    fake.config(rewrite=True)
    account = x_account(fake)
    post = due_post(account, text)
    fake.fault("timeout_after_store", delay=2)
    posts_send_due()  # the send times out (unknown), and the same run looks it up (settle time 0 here)
    post.refresh_from_db()
    assert fake.tweets()[0]["text"] == shown(text) != text  # X's version differs from ours
    assert outcomes(post) == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.FOUND]
    assert post.state == Post.State.SENT and post.remote_id == fake.tweets()[0]["id"]
    assert len(fake.tweets()) == 1  # a miss would have queued it to be sent a second time


def test_the_timeline_key_matches_each_rewriting() -> None:
    for text in REWRITTEN:
        assert timeline_key(text) == timeline_key(shown(text), as_shown=True), text
    assert timeline_key("see example.com now") != timeline_key("see example now", as_shown=True)


def test_a_post_not_yet_visible_is_looked_up_again_not_sent_again(fake: FakeXControl, settings: SettingsWrapper) -> None:
    settings.POST_VISIBLE_WITHIN_SECONDS = 60
    fake.config(visible_after=60)
    account = x_account(fake)
    post = due_post(account, "slow to show")
    fake.fault("timeout_after_store", delay=2)
    posts_send_due()
    # The first lookup comes at once (settle 0) and finds nothing: too early to call it lost.
    post.refresh_from_db()
    assert post.state == Post.State.UNKNOWN and outcomes(post) == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.NOT_YET]
    posts_settle_due()
    assert outcomes(post)[-1] == Attempt.Outcome.NOT_YET
    fake.config(visible_after=0)  # X shows it now
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT and outcomes(post)[-1] == Attempt.Outcome.FOUND and len(fake.tweets()) == 1


def test_a_post_still_missing_after_the_window_is_queued_again(fake: FakeXControl, settings: SettingsWrapper) -> None:
    settings.POST_VISIBLE_WITHIN_SECONDS = 1
    account = x_account(fake)
    post = due_post(account, "never stored")
    fake.fault("500")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.UNKNOWN and outcomes(post) == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.NOT_YET]
    time.sleep(1.1)
    posts_settle_due()
    post.refresh_from_db()
    assert post.state == Post.State.QUEUED and outcomes(post)[-1] == Attempt.Outcome.NOT_FOUND


def test_the_lookup_reads_on_through_short_pages(fake: FakeXControl, settings: SettingsWrapper) -> None:
    account = x_account(fake)
    post = due_post(account, "the one to find")
    fake.config(visible_after=60)  # so that the first run cannot settle it yet
    settings.POST_VISIBLE_WITHIN_SECONDS = 60
    fake.fault("timeout_after_store", delay=2)
    posts_send_due()
    fake.config(reject_duplicates=True)
    for n in range(7):  # newer posts push ours down the timeline
        fake.mention(author="bot", text=f"newer post {n}")
    fake.config(visible_after=0, page_cap=2)  # pages of 2, each with a next_token: ours is on the fourth
    posts_settle_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT and outcomes(post)[-1] == Attempt.Outcome.FOUND and len(fake.tweets()) == 8
