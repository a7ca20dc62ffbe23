"""Mentions from Mastodon (notifications of type mention) feed the same curated replies as X's."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from curator import decisions
from curator.models import Candidate
from curator.publishing import DecisionError
from generation.models import Checkpoint
from posting import delivery, mentions
from posting.crypto import credentials_encrypt
from posting.models import Account, Mention, Post
from testing.fakemastodon import FakeMastodonControl
from testing.pds import PdsServer
from tests.support.networks import mastodon, mastodon_account, mastodon_server, pds_appview
from tests.support.workers import wait_for

pytestmark = pytest.mark.django_db
__all__ = ["mastodon", "mastodon_server", "pds_appview"]


@pytest.fixture
def checkpoint() -> Checkpoint:
    return Checkpoint.objects.create(name="tiny", kind=Checkpoint.Kind.BASE, path="models/tiny")


def replying(control: FakeMastodonControl, **fields: object) -> Account:
    account = mastodon_account(control, name="tootbot")
    Account.objects.filter(pk=account.pk).update(replies_enabled=True, **fields)
    account.refresh_from_db()
    return account


def test_a_poll_stores_mastodon_mentions_once_by_the_same_rules(mastodon: FakeMastodonControl, checkpoint: Checkpoint) -> None:
    replying(mastodon, ignore_users="troll")
    first = mastodon.mention(author="alice", text="@tootbot what do you think?")
    mastodon.mention(author="troll", text="@tootbot answer me")
    mastodon.mention(author="carol", text="nobody mentioned here")
    report = mentions.mentions_poll()
    assert (report.accounts, report.stored, report.errors) == (1, 2, 0)
    states = {m.author_username: (m.state, m.reason, m.remote_id, m.text) for m in Mention.objects.all()}
    assert states["alice"] == (Mention.State.GENERATING, "", first["id"], "@tootbot what do you think?")
    assert states["troll"][:2] == (Mention.State.SKIPPED, "@troll is on the account's ignore list.")
    assert mentions.mentions_poll().stored == 0  # once per mention
    mastodon.mention(author="bob", text="@tootbot and now?")
    assert mentions.mentions_poll().stored == 1


def test_the_hourly_budget_holds_for_mastodon_mentions(mastodon: FakeMastodonControl, checkpoint: Checkpoint) -> None:
    replying(mastodon, replies_per_hour=1)
    mastodon.mention(author="alice", text="@tootbot one")
    mastodon.mention(author="bob", text="@tootbot two")
    mentions.mentions_poll()
    reasons = sorted(Mention.objects.values_list("reason", flat=True))
    assert reasons == ["", "Over the account's limit of 1 replies an hour."]


def test_an_approved_reply_goes_out_in_the_thread_exactly_once(
    mastodon: FakeMastodonControl, checkpoint: Checkpoint, curator: User
) -> None:
    account = replying(mastodon)
    status = mastodon.mention(author="alice", text="@tootbot is it true?")
    mentions.mentions_poll()
    mention = Mention.objects.get()
    c = Candidate.objects.create(mention=mention, text="@alice It is very true!", generated_text="It is very true!", text_hash="t")
    decisions.candidate_approve(candidate_id=c.pk, version=c.version, by=curator)
    Post.objects.filter(candidate=c).update(scheduled_at=timezone.now())
    delivery.posts_send_due()
    delivery.posts_send_due()
    replies = [s for s in mastodon.statuses() if s["account"] == "tootbot"]
    assert len(replies) == 1
    assert replies[0]["in_reply_to_id"] == status["id"]
    post = Post.objects.get(candidate=c)
    assert (post.state, post.remote_id, post.account_id) == (Post.State.SENT, replies[0]["id"], account.pk)


def test_bluesky_mentions_from_the_appview_are_answered_in_the_thread_exactly_once(
    pds_appview: PdsServer, checkpoint: Checkpoint, curator: User, settings: SettingsWrapper
) -> None:
    settings.POST_SETTLE_SECONDS = 0
    bot = pds_appview.account("bot")
    alice = pds_appview.account("alice")
    creds = credentials_encrypt({"identifier": bot.handle, "app_password": bot.app_password})
    account = Account.objects.create(
        name="skybot", publisher=Account.Publisher.BLUESKY, server_url=pds_appview.url, credentials_encrypted=creds, replies_enabled=True
    )
    mention_ref = pds_appview.post_as(alice, f"@{bot.handle} what do you think?")
    pds_appview.post_as(alice, "not naming anyone")
    # The AppView indexes the PDS's firehose on its own time.
    wait_for(lambda: mentions.mentions_poll().stored or Mention.objects.exists(), timeout=30, message="the mention on the AppView")
    mention = Mention.objects.get()
    assert (mention.remote_id, mention.author_username, mention.author_id) == (mention_ref["uri"], alice.handle, alice.did)
    assert mention.state == Mention.State.GENERATING
    assert mentions.mentions_poll().stored == 0  # once per mention
    c = Candidate.objects.create(mention=mention, text="I think so.", generated_text="I think so.", text_hash="t")
    decisions.candidate_approve(candidate_id=c.pk, version=c.version, by=curator)
    Post.objects.filter(candidate=c).update(scheduled_at=timezone.now())
    delivery.posts_send_due()
    delivery.posts_send_due()
    [reply] = pds_appview.posts(bot.did)
    parent = reply["value"]["reply"]["parent"]
    assert (parent["uri"], parent["cid"]) == (mention_ref["uri"], mention_ref["cid"])
    assert reply["value"]["reply"]["root"]["uri"] == mention_ref["uri"]
    assert Post.objects.get(candidate=c).remote_id == reply["uri"]
    assert account.pk == Post.objects.get(candidate=c).account_id


def test_a_mastodon_reply_names_its_author_first_once(mastodon: FakeMastodonControl, checkpoint: Checkpoint, curator: User) -> None:
    """A Mastodon reply reaches its author only through a mention; one already in the text is not doubled."""
    replying(mastodon)
    mastodon.mention(author="alice", text="@tootbot is it true?")
    mastodon.mention(author="bob", text="@tootbot and you?")
    mentions.mentions_poll()
    alice, bob = Mention.objects.get(author_username="alice"), Mention.objects.get(author_username="bob")
    plain = Candidate.objects.create(mention=alice, text="It is very true!", generated_text="It is very true!", text_hash="a")
    named = Candidate.objects.create(mention=bob, text="Yes, @Bob, me too.", generated_text="Yes, @Bob, me too.", text_hash="b")
    for c in (plain, named):
        decisions.candidate_approve(candidate_id=c.pk, version=c.version, by=curator)
    Post.objects.update(scheduled_at=timezone.now())
    delivery.posts_send_due()
    sent = {s["in_reply_to_id"]: s["text"] for s in mastodon.statuses() if s["account"] == "tootbot"}
    assert sent == {alice.remote_id: "@alice It is very true!", bob.remote_id: "Yes, @Bob, me too."}


def test_a_mastodon_reply_too_long_once_it_names_its_author_is_refused_in_words(
    mastodon: FakeMastodonControl, checkpoint: Checkpoint, curator: User
) -> None:
    account = replying(mastodon)
    mastodon.mention(author="alice", text="@tootbot hi")
    mentions.mentions_poll()
    Account.objects.filter(pk=account.pk).update(max_characters=20)  # an instance with short posts
    text = "x" * 15  # fits alone, not after "@alice "
    c = Candidate.objects.create(mention=Mention.objects.get(), text=text, generated_text=text, text_hash="t")
    with pytest.raises(DecisionError, match=r"Too long for Mastodon: 22/20 characters \(the reply names @alice first\)\."):
        decisions.candidate_approve(candidate_id=c.pk, version=c.version, by=curator)
    assert not Post.objects.filter(account=account).exists()
