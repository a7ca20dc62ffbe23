"""A reply in a real browser: the mention above its candidates, `a` makes one the reply and sets the others aside."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from pytest_django.fixtures import Settings as SettingsWrapper

from curator.models import Candidate
from posting.models import Mention, Post
from tests.support.browser import SCREENSHOT_DIR, card_id, log_in, make_curator, press
from tests.support.mentions import dry_account, markov_checkpoint, mention_with_candidates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache", "no_async_unsafe_leak")]


def test_a_curator_answers_a_mention_with_one_key(browser: Any, live_server: Any) -> None:
    make_curator("carl")
    account = dry_account()
    mention, (first, second, _third) = mention_with_candidates(account, 3)
    page = log_in(browser, live_server.url, "carl")
    assert card_id(page) == first.pk
    quote = page.locator("blockquote.mention").inner_text()
    assert "@alice" in quote and mention.text in quote
    assert page.locator(".claims-group").inner_text() == "Replies to @alice"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "mentions-queue-reply.png"), full_page=True)

    press(page, "j")
    page.wait_for_selector(f'#queue-panel[data-candidate-id="{second.pk}"]')
    press(page, "a")
    page.wait_for_selector(".feedback")
    assert f"Approved #{second.pk}." in page.locator(".feedback").inner_text()
    post = Post.objects.get()
    assert (post.candidate_id, post.in_reply_to_id) == (second.pk, mention.remote_id)
    assert set(Candidate.objects.filter(mention=mention).values_list("status", flat=True)) == {"approved", "set_aside"}
    assert Mention.objects.get().state == Mention.State.ANSWERED
    # The set-aside candidates left this curator's claims.
    page.wait_for_selector("text=Nothing to review")


def test_an_owner_simulates_a_mention_and_its_reply_candidates_reach_the_queue(
    browser: Any, live_server: Any, settings: SettingsWrapper, tmp_path: Path
) -> None:
    settings.MODELS_DIR = tmp_path
    markov_checkpoint()
    owner = User.objects.create_user("olivia", password="owner-pass-123")
    owner.groups.add(Group.objects.get_or_create(name="owner")[0], Group.objects.get_or_create(name="curator")[0])
    account = dry_account(name="demo-bot", handle="demo-bot", replies_enabled=False)
    page = log_in(browser, live_server.url, "olivia", "owner-pass-123")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.fill("#replies textarea[name=text]", "@demo-bot what about the jobs numbers?")
    page.click("#replies button:has-text('Simulate a mention')")
    page.wait_for_selector("#replies [role=status]")
    assert "its reply candidates are in the queue" in page.locator("#replies [role=status]").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "mentions-account-replies.png"), full_page=True)
    page.click("#replies a:has-text('Review in the queue')")
    page.wait_for_url(re.compile(r".*/queue/.*"))
    assert "@demo_fan" in page.locator("blockquote.mention").inner_text()
    assert card_id(page) in set(Candidate.objects.filter(mention__account=account).values_list("pk", flat=True))
