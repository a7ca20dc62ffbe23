"""The ranker's parts of the queue in a real browser: the probability, the random mark, a reason key, the choice page, Stats."""

import random
from typing import Any

import pytest

from curator.models import Candidate
from posting.models import Post
from tests.support.bots import candidate_of, make_bot
from tests.support.browser import SCREENSHOT_DIR, card_id, make_curator, press
from tests.support.queue import make_candidate
from tests.test_browser_csp import watched_page
from tests.test_ranking import bot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_curator_sees_the_probability_and_the_random_mark_and_rejects_with_a_reason(browser: Any, live_server: Any, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RANKING_RANDOM_SHARE = 0.0
    make_curator("carl")
    batch = bot("voice")
    best = make_candidate("Watered the fern at dawn and it finally unfurled a new frond", batch=batch, keep_probability=0.87)
    make_candidate("The the the cactus cactus cactus", batch=batch, keep_probability=0.04)
    make_candidate("Repotted the monstera into something bigger", batch=batch, keep_probability=0.41, picked_at_random=True)
    problems: list[str] = []
    page = watched_page(browser, problems)
    page.goto(f"{live_server.url}/login/?next=/queue/")
    page.fill("#id_username", "carl")
    page.fill("#id_password", "curator-pass-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#queue-panel[data-candidate-id]")
    assert card_id(page) == best.pk  # best first
    assert page.locator(".qcard .keep-probability").inner_text() == "keep 87%"
    assert page.locator(".queue-choice").inner_text().startswith("Best first")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "ranking-queue.png"), full_page=True)

    press(page, "1")  # reject as "dull"
    page.wait_for_selector(f'#queue-panel:not([data-candidate-id="{best.pk}"])')
    decision = Candidate.objects.get(pk=best.pk).decisions.get(action="reject")
    assert decision.data["reason"] == "dull"

    # The random share: claimed at random and marked on the card.
    random.seed(3)
    settings.RANKING_RANDOM_SHARE = 1.0
    Candidate.objects.filter(status="pending").update(claimed_by=None, claim_expires_at=None, picked_at_random=False)
    page.goto(f"{live_server.url}/queue/")
    page.wait_for_selector("#queue-panel .badge.random")
    page.screenshot(path=str(SCREENSHOT_DIR / "ranking-queue-random.png"), full_page=True)

    page.click(".queue-choice a")
    page.select_option("#id_order", "oldest")
    page.screenshot(path=str(SCREENSHOT_DIR / "ranking-choice.png"), full_page=True)
    page.click("button[type=submit].primary")
    page.wait_for_selector("#queue-panel")
    assert page.locator(".queue-choice").inner_text().startswith("Oldest first")

    page.goto(f"{live_server.url}/stats/")
    assert page.locator("text=Reject reasons").count() == 1
    page.screenshot(path=str(SCREENSHOT_DIR / "ranking-stats.png"), full_page=True)
    assert not problems, problems


def test_digits_are_reject_reasons_until_the_schedule_menu_is_opened_with_m(browser: Any, live_server: Any) -> None:
    """A card with accounts to schedule to has digits twice: reasons beside Reject, accounts in the closed menu."""
    make_curator("carl")
    alpha, beta = make_bot("alpha"), make_bot("beta")
    first = candidate_of(alpha, "The first card of alpha, a dull one")
    second = candidate_of(alpha, "The second card of alpha, for beta")
    page = watched_page(browser, [])
    page.goto(f"{live_server.url}/login/?next=/queue/%3Fc%3D{first.pk}")
    page.fill("#id_username", "carl")
    page.fill("#id_password", "curator-pass-123")
    page.click("button[type=submit]")
    page.wait_for_selector(f'#queue-panel[data-candidate-id="{first.pk}"]')
    press(page, "1")  # the menu is closed: the first reason
    page.wait_for_selector(f'#queue-panel[data-candidate-id="{second.pk}"]')
    first.refresh_from_db()
    assert first.status == Candidate.Status.REJECTED and first.decisions.get().data["reason"] == "dull"
    assert not Post.objects.exists()
    press(page, "m")
    page.wait_for_selector("#queue-panel details[open]")
    press(page, "2")  # the menu is open: the second account
    page.wait_for_selector(f'#queue-panel:not([data-candidate-id="{second.pk}"])')
    assert Post.objects.get(candidate=second).account == beta.account
