"""Done when: in chromium, an owner adds a Bluesky and a Mastodon account, a curator schedules one candidate to X,
Bluesky and Mastodon at once, and post_due in a real Celery worker posts it to each test server exactly once."""

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from posting.models import Account, Post
from posting.tasks import post_due
from testing.fakemastodon import FakeMastodonControl
from testing.fakex import FakeXControl, FakeXServer
from testing.pds import FaultProxy, PdsServer
from tests.support.browser import press
from tests.support.networks import mastodon, mastodon_server, pds, proxy
from tests.support.posting import x_account
from tests.support.queue import make_candidate
from tests.support.workers import celery_worker, wait_for
from tests.test_browser_queue import wait_for_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["mastodon", "mastodon_server", "pds", "proxy"]
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))
PASSWORD = "owner-pass-123"


def owner_and_curator() -> User:
    user = User.objects.create_user("olga", password=PASSWORD)
    for name in ("owner", "curator"):
        group, _ = Group.objects.get_or_create(name=name)
        user.groups.add(group)
    return user


def add_account(page: Any, base_url: str, *, name: str, publisher: str, credentials: dict[str, str]) -> None:
    """Through the pages, as an owner would: create, enter credentials, check them, add a slot."""
    page.goto(f"{base_url}/accounts/")
    page.fill("#id_name", name)
    page.select_option("#id_publisher", publisher)
    page.check("#id_schedule_from_queue")
    page.click("text=Add account")
    page.wait_for_selector("#credentials")
    for field, value in credentials.items():
        page.fill(f"#credentials #id_{field}", value)
    page.click("text=Save credentials")
    page.wait_for_selector("#credentials .ok")
    page.click("text=Check credentials")
    page.wait_for_selector("#state [role=status]")
    assert "The credentials work" in page.locator("#state [role=status]").inner_text()
    page.fill("#id_time_of_day", "09:00")
    page.click("text=Add slot")
    page.wait_for_selector("#slots td:has-text('09:00')")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"account-{publisher}.png"), full_page=True)


def test_one_candidate_goes_out_on_x_bluesky_and_mastodon_exactly_once(
    browser: Any,
    live_server: Any,
    redis_broker: str,
    fake: FakeXControl,
    fake_server: FakeXServer,
    pds: PdsServer,
    proxy: FaultProxy,
    mastodon: FakeMastodonControl,
) -> None:
    owner_and_curator()
    x = x_account(fake, name="x-bot", username="xbot")
    Account.objects.filter(pk=x.pk).update(schedule_from_queue=True)
    x.slots.create(time_of_day="09:00", weekdays=[1, 2, 3, 4, 5, 6, 7])
    sky = pds.account("sky")
    mastodon.user(access_token="toot-token-browser", username="tootbot")
    candidate = make_candidate("One bot, three networks, posted exactly once each")

    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/?next=/accounts/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/")
    add_account(
        page,
        live_server.url,
        name="sky-bot",
        publisher="bluesky",
        credentials={"identifier": sky.handle, "app_password": sky.app_password, "server_url": proxy.url},
    )
    add_account(
        page,
        live_server.url,
        name="toot-bot",
        publisher="mastodon",
        credentials={"access_token": "toot-token-browser", "server_url": mastodon.url},
    )

    page.goto(f"{live_server.url}/queue/")
    wait_for_card(page, candidate.pk)
    checks = page.locator(".length-checks").inner_text()
    assert "sky-bot (Bluesky)" in checks and "toot-bot (Mastodon)" in checks and "x-bot (X)" in checks
    page.screenshot(path=str(SCREENSHOT_DIR / "queue-three-networks.png"), full_page=True)
    press(page, "s")
    page.wait_for_selector(".feedback")
    posts = Post.objects.filter(candidate=candidate)
    assert sorted(posts.values_list("account__name", flat=True)) == ["sky-bot", "toot-bot", "x-bot"]

    # Time passes to the slot; beat enqueues post_due and a real worker runs it.
    posts.update(scheduled_at=timezone.now() - timedelta(minutes=1))
    env = {"X_API_BASE_URL": fake_server.url, "X_API_TIMEOUT": "2", "X_API_CONNECT_TIMEOUT": "2", "POST_SETTLE_SECONDS": "0"}
    with celery_worker(queues="default", env=env) as w:
        post_due.delay()
        wait_for(lambda: posts.filter(state=Post.State.SENT).count() == 3, timeout=60, message=f"three sent posts\n{w.output}")
        post_due.delay()  # a second run finds nothing to send
        time.sleep(2)
    assert [t["text"] for t in fake.tweets()] == [candidate.text]
    assert [r["value"]["text"] for r in pds.posts(sky.did)] == [candidate.text]
    assert [s["text"] for s in mastodon.statuses()] == [candidate.text]
    context.close()
