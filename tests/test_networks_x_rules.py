"""X's 2026 rules in the product: made_with_ai, the cost meter, the link warning, whom a reply may answer."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from curator import claims
from posting.costs import x_cost_meter
from posting.delivery import posts_send_due
from posting.mentions import skip_reason
from posting.models import Account, Attempt, Mention, Post
from posting.publishers import RemoteMention
from testing.fakex import FakeXControl
from tests.support.posting import due_post, x_account
from tests.support.queue import make_candidate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("flag", [True, False])
def test_an_account_marked_made_with_ai_sends_the_field_through_tweepys_signed_client(fake: FakeXControl, flag: bool) -> None:
    account = x_account(fake, name="aibot")
    Account.objects.filter(pk=account.pk).update(made_with_ai=flag)
    post = due_post(account, f"made with ai: {flag}")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT
    [tweet] = fake.tweets()
    assert tweet["made_with_ai"] is flag
    assert tweet["id"] == post.remote_id


def test_made_with_ai_posts_keep_the_same_failure_rules(fake: FakeXControl) -> None:
    account = x_account(fake, name="aibot")
    Account.objects.filter(pk=account.pk).update(made_with_ai=True)
    post = due_post(account, "stored, then the answer was lost")
    fake.fault("500_after_store")
    posts_send_due()
    post.refresh_from_db()
    assert post.state == Post.State.SENT
    assert list(post.log.values_list("outcome", flat=True)) == [Attempt.Outcome.UNKNOWN, Attempt.Outcome.FOUND]
    assert len(fake.tweets()) == 1


def sent(account: Account, text: str, *, reply_to: str = "") -> Post:
    return Post.objects.create(
        account=account, text=text, scheduled_at=timezone.now(), state=Post.State.SENT, sent_at=timezone.now(), in_reply_to_id=reply_to
    )


def test_the_cost_meter_prices_this_months_posts_replies_and_reads(settings: SettingsWrapper) -> None:
    account = Account.objects.create(name="meter", publisher=Account.Publisher.X)
    for i in range(3):
        sent(account, f"plain post {i}")
    linked = sent(account, "read this https://example.com/x")
    sent(account, "@fan thanks", reply_to="123")
    old = sent(account, "last month")
    Post.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=40))
    Attempt.objects.create(post=linked, outcome=Attempt.Outcome.FOUND)
    Mention.objects.create(account=account, remote_id="m1", text="@meter hi")
    Mention.objects.create(account=account, remote_id="m2", text="@meter simulated", simulated=True)
    meter = x_cost_meter(account=account)
    assert (meter.posts, meter.posts_with_link, meter.replies, meter.reads) == (3, 1, 1, 2)
    assert meter.total == pytest.approx(3 * 0.015 + 0.20 + 0.010 + 2 * 0.001)
    settings.X_COST_POST = 0.5
    assert x_cost_meter(account=account).total == pytest.approx(3 * 0.5 + 0.20 + 0.010 + 2 * 0.001)


def test_the_x_account_page_shows_the_meter_and_the_reply_rules(owner_client: Client) -> None:
    account = Account.objects.create(name="meter", publisher=Account.Publisher.X)
    sent(account, "a post with https://example.com")
    page = owner_client.get(reverse("posting:account", args=[account.pk])).content.decode()
    assert "X costs this month" in page and "$0.200" in page
    assert "X asks for its prior approval of apps that post AI-written replies" in page
    assert "Mark posts as made with AI" in page
    mastodon = Account.objects.create(name="toot", publisher=Account.Publisher.MASTODON)
    assert "X costs this month" not in owner_client.get(reverse("posting:account", args=[mastodon.pk])).content.decode()


def test_the_queue_warns_before_scheduling_a_link_on_x(curator_client: Client, curator) -> None:  # type: ignore[no-untyped-def]
    Account.objects.create(name="xbot", publisher=Account.Publisher.X)
    candidate = make_candidate("look at https://example.com/thing")
    claims.queue_claim_cards(user=curator)
    page = curator_client.get(reverse("curator:queue") + f"?c={candidate.pk}").content.decode()
    assert "Contains a link: on X a post with a link costs $0.200 instead of $0.015." in page


def mention(text: str, *, referenced: list[dict[str, str]] | None = None) -> RemoteMention:
    return RemoteMention(
        remote_id="1", text=text, author_id="9", author_username="fan", created_at=None, conversation_id="1", referenced=referenced or []
    )


def test_on_x_only_posts_that_mention_or_quote_the_bot_are_answered() -> None:
    x = Account(name="xbot", publisher=Account.Publisher.X, handle="XBot")
    assert skip_reason(account=x, remote=mention("hey @xbot what now?")) == ""
    assert skip_reason(account=x, remote=mention("so true", referenced=[{"type": "quoted", "id": "5"}])) == ""
    refused = "X allows replies only to posts that @mention the bot or quote one of its posts."
    assert skip_reason(account=x, remote=mention("talking about xbot without tagging it")) == refused
    assert skip_reason(account=x, remote=mention("hey @xbot_fan")) == refused
    toot = Account(name="toot", publisher=Account.Publisher.MASTODON, handle="toot")
    assert skip_reason(account=toot, remote=mention("a reply in a thread")) == ""


def test_the_made_with_ai_option_is_offered_on_x_accounts_only(owner_client: Client) -> None:
    x = Account.objects.create(name="xbot", publisher=Account.Publisher.X)
    toot = Account.objects.create(name="toot", publisher=Account.Publisher.MASTODON)
    assert "Mark posts as made with AI" in owner_client.get(reverse("posting:account", args=[x.pk])).content.decode()
    assert "Mark posts as made with AI" not in owner_client.get(reverse("posting:account", args=[toot.pk])).content.decode()
    owner_client.post(
        reverse("posting:account", args=[x.pk]), {"name": "xbot", "publisher": "x", "timezone": "UTC", "daily_cap": 3, "made_with_ai": "on"}
    )
    x.refresh_from_db()
    assert x.made_with_ai and x.daily_cap == 3
