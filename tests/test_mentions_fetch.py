"""Fetching mentions from the fake X API through tweepy: what get_users_mentions returns, since_id, the poll, replies."""

import pytest
import tweepy
from django.contrib.auth.models import User
from django.utils import timezone

from curator.models import Candidate
from generation.models import Checkpoint
from posting import delivery, mentions
from posting.crypto import credentials_decrypt
from posting.models import Account, Mention, Post
from posting.publishers import X_API, _XTransport
from testing.fakex import FakeXControl, FakeXServer
from tests.support.posting import x_account

pytestmark = pytest.mark.django_db


def replying_account(fake: FakeXControl, **fields: object) -> Account:
    account = x_account(fake, username="thebot")
    Account.objects.filter(pk=account.pk).update(replies_enabled=True, **fields)
    account.refresh_from_db()
    return account


def client(server: FakeXServer, account: Account) -> tweepy.Client:
    creds = credentials_decrypt(account.credentials_encrypted)
    c = tweepy.Client(**creds)
    c.session.mount(X_API, _XTransport(base_url=server.url, timeout=(1, 2)))
    return c


def test_tweepy_reads_mentions_with_their_authors_threads_and_since_id(fake: FakeXControl, fake_server: FakeXServer) -> None:
    account = replying_account(fake)
    bot = fake.user(access_token=credentials_decrypt(account.credentials_encrypted)["access_token"])
    first = fake.mention(author="alice", text="@thebot hello there")
    second = fake.mention(author="bob", text="@TheBot and you?", in_reply_to=first["id"])
    fake.mention(author="carol", text="no mention of anyone")
    kwargs = {"expansions": ["author_id"], "tweet_fields": ["author_id", "conversation_id", "referenced_tweets"], "user_auth": True}
    response = client(fake_server, account).get_users_mentions(bot["id"], **kwargs)
    assert [t.id for t in response.data] == [int(second["id"]), int(first["id"])]
    assert {u.username for u in response.includes["users"]} == {"alice", "bob"}
    newest = response.data[0]
    assert newest.conversation_id == int(first["id"]) and newest.referenced_tweets[0].type == "replied_to"
    assert newest.author_id == next(u.id for u in response.includes["users"] if u.username == "bob")
    later = client(fake_server, account).get_users_mentions(bot["id"], since_id=second["id"], **kwargs)
    assert later.data is None and later.meta["result_count"] == 0


def test_a_poll_stores_new_mentions_and_remembers_the_newest_id(fake: FakeXControl, checkpoint: Checkpoint) -> None:
    account = replying_account(fake)
    first = fake.mention(author="alice", text="@thebot are the polls up?")
    report = mentions.mentions_poll()
    assert (report.accounts, report.stored, report.errors) == (1, 1, 0)
    stored = Mention.objects.get()
    assert (stored.remote_id, stored.author_username, stored.text) == (first["id"], "alice", "@thebot are the polls up?")
    assert stored.state == Mention.State.GENERATING and stored.batch is not None and stored.conversation_id == first["id"]
    account.refresh_from_db()
    assert account.last_mention_id == first["id"] and account.remote_user_id and account.handle == "thebot"
    assert mentions.mentions_poll().stored == 0  # nothing new since the last id
    second = fake.mention(author="bob", text="@thebot and now?")
    assert mentions.mentions_poll().stored == 1
    account.refresh_from_db()
    assert account.last_mention_id == second["id"] and Mention.objects.count() == 2


def test_a_poll_skips_the_bots_own_posts_and_retweets(fake: FakeXControl, checkpoint: Checkpoint) -> None:
    replying_account(fake)
    original = fake.mention(author="alice", text="@thebot a thought")
    fake.mention(author="thebot", text="@thebot talking to myself")
    fake.mention(author="bob", text="RT @alice: @thebot a thought", retweet_of=original["id"])
    mentions.mentions_poll()
    states = {m.author_username: (m.state, m.reason) for m in Mention.objects.all()}
    assert states["alice"][0] == Mention.State.GENERATING
    assert states["thebot"] == (Mention.State.SKIPPED, "It is the account's own post.")
    assert states["bob"] == (Mention.State.SKIPPED, "It is a retweet.")


def test_accounts_with_replies_off_or_paused_are_not_polled(fake: FakeXControl, checkpoint: Checkpoint) -> None:
    account = replying_account(fake)
    fake.mention(author="alice", text="@thebot hi")
    for change in ({"replies_enabled": False}, {"replies_enabled": True, "paused": True}):
        Account.objects.filter(pk=account.pk).update(**change)
        assert mentions.mentions_poll().accounts == 0
    assert not Mention.objects.exists()


def test_a_rate_limited_poll_is_counted_and_tried_again_next_time(fake: FakeXControl, checkpoint: Checkpoint) -> None:
    replying_account(fake, remote_user_id="")
    fake.mention(author="alice", text="@thebot hi")
    mentions.mentions_poll()  # learns the remote user id and stores the mention
    fake.mention(author="bob", text="@thebot hello")
    fake.fault("429", endpoint="users_mentions", reset_in=1)
    report = mentions.mentions_poll()
    assert (report.errors, report.stored) == (1, 0)
    assert mentions.mentions_poll().stored == 1


def test_an_approved_reply_goes_out_in_reply_to_the_mention_exactly_once(fake: FakeXControl, checkpoint: Checkpoint, curator: User) -> None:
    from curator import decisions

    account = replying_account(fake)
    tweet = fake.mention(author="alice", text="@thebot is it true?")
    mentions.mentions_poll()
    mention = Mention.objects.get()
    c = Candidate.objects.create(mention=mention, text="It is very true!", generated_text="It is very true!", text_hash="t")
    decisions.candidate_approve(candidate_id=c.pk, version=c.version, by=curator)
    Post.objects.filter(candidate=c).update(scheduled_at=timezone.now())
    delivery.posts_send_due()
    delivery.posts_send_due()
    account.refresh_from_db()
    replies = [t for t in fake.tweets() if t["author_id"] == account.remote_user_id]
    assert len(replies) == 1
    assert replies[0]["in_reply_to"] == tweet["id"] and replies[0]["referenced_tweets"] == [{"type": "replied_to", "id": tweet["id"]}]
    assert replies[0]["conversation_id"] == tweet["id"]
    assert Post.objects.get(candidate=c).remote_id == replies[0]["id"]


def test_one_accounts_bad_credentials_do_not_stop_the_poll_of_the_others(fake: FakeXControl, checkpoint: Checkpoint) -> None:
    broken = Account.objects.create(name="broken", publisher=Account.Publisher.X, replies_enabled=True, credentials_encrypted="garbage")
    keyless = Account.objects.create(name="keyless", publisher=Account.Publisher.X, replies_enabled=True)
    replying_account(fake)
    fake.mention(author="alice", text="@thebot still there?")
    report = mentions.mentions_poll()
    assert (report.accounts, report.errors, report.stored) == (3, 2, 1)
    assert not Mention.objects.filter(account__in=[broken, keyless]).exists()
