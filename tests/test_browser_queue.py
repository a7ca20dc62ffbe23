"""The queue in a real browser: Debian's chromium through Playwright against a live server."""

from typing import Any

import pytest

from curator.models import Candidate, Decision
from posting.models import Post
from tests.support.browser import SCREENSHOT_DIR, card_id, log_in, make_curator, press
from tests.support.queue import make_account, make_batch, make_candidate, make_candidates, make_near_copy, make_siblings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache")]


def claimed_ids(page: Any) -> set[int]:
    return {int(pk) for pk in page.eval_on_selector_all("[data-claim]", "els => els.map(e => e.dataset.claim)")}


def wait_for_card(page: Any, pk: int) -> None:
    page.wait_for_selector(f'#queue-panel[data-candidate-id="{pk}"]')


def test_a_curator_works_the_queue_with_the_keyboard(browser: Any, live_server: Any) -> None:
    carl = make_curator("carl")
    account = make_account()
    batch = make_batch(temperature=0.8)
    first, second, third, fourth = make_candidates(4, batch=batch, prefix="Great tweet")
    page = log_in(browser, live_server.url, "carl")
    assert card_id(page) == first.pk
    assert page.locator(".qcard-text").inner_text() == first.text

    # a: approve, and the next card slides in.
    press(page, "a")
    wait_for_card(page, second.pk)
    assert Candidate.objects.get(pk=first.pk).status == Candidate.Status.APPROVED
    assert "Approved #" in page.locator(".feedback").inner_text()

    # e: edit inline, Ctrl+Enter saves and re-checks; the card stays for a decision.
    press(page, "e")
    area = page.locator("#queue-panel textarea")
    area.wait_for()
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    area.fill("Edited by hand, much better")
    press(page, "Control+Enter")
    page.wait_for_selector('#queue-panel[data-version="2"]')
    assert Candidate.objects.get(pk=second.pk).text == "Edited by hand, much better"
    assert "Saved #" in page.locator(".feedback").inner_text()
    assert page.locator(".qcard-length").inner_text().startswith("27/280") or "27/280" in page.locator(".qcard-length").inner_text()

    # u: undo the edit; the original text is back.
    press(page, "u")
    page.wait_for_selector('#queue-panel[data-version="3"]')
    assert Candidate.objects.get(pk=second.pk).text == second.text
    assert page.locator(".qcard-text").inner_text() == second.text

    # r, then u: the rejected card comes back to the front.
    press(page, "r")
    wait_for_card(page, third.pk)
    press(page, "u")
    wait_for_card(page, second.pk)
    assert Candidate.objects.get(pk=second.pk).status == Candidate.Status.PENDING

    # j / k and arrows move between the curator's own candidates.
    press(page, "j")
    wait_for_card(page, third.pk)
    press(page, "ArrowUp")
    wait_for_card(page, second.pk)

    # s: approve and schedule into the dry-run account's next slot.
    press(page, "s")
    wait_for_card(page, third.pk)
    post = Post.objects.get(candidate_id=second.pk)
    assert post.account == account and post.state == Post.State.QUEUED
    assert Decision.objects.filter(user=carl, action="schedule").count() == 1

    # ?: the help lists the keys.
    press(page, "?")
    assert page.locator("#queue-help").is_visible()
    press(page, "Escape")
    assert not page.locator("#queue-help").is_visible()
    assert fourth.pk in claimed_ids(page)


def test_a_near_copy_needs_the_override_key(browser: Any, live_server: Any) -> None:
    make_curator("carl")
    near = make_near_copy()
    page = log_in(browser, live_server.url, "carl")
    assert page.locator(".qcard.qcard-near").is_visible()
    assert page.locator(".qcard-text mark").inner_text() == "The fake news media is working overtime"
    press(page, "a")
    page.wait_for_selector(".feedback.error")
    assert "override" in page.locator(".feedback").inner_text()
    assert Candidate.objects.get(pk=near.pk).status == Candidate.Status.PENDING
    press(page, "Shift+A")
    page.wait_for_selector("text=Nothing to review")
    assert Candidate.objects.get(pk=near.pk).status == Candidate.Status.APPROVED
    assert Decision.objects.filter(candidate=near, action="override").exists()


def test_shift_r_rejects_a_card_with_its_similar_candidates_and_u_takes_them_back(browser: Any, live_server: Any) -> None:
    make_curator("carl")
    batch = make_batch(temperature=1.1)
    group = make_siblings(
        [
            "The fake news media is working overtime to hide our great ratings tonight",
            "The fake news media is working overtime to hide our tremendous ratings tonight!",
            "The fake news media is working so hard to hide our great ratings tonight",
            "The fake news media is working overtime to hide our record ratings, sad!",
        ],
        batch=batch,
    )
    alone = make_candidate("Houseplants deserve a long weekend too, water them on Friday", batch=batch)
    page = log_in(browser, live_server.url, "carl")
    assert card_id(page) == group[0].pk
    assert page.locator(".badge.similar").inner_text() == "3 similar"
    page.locator(".similar summary").click()
    assert page.locator(".similar li").count() == 3
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "queue-similar.png"))

    # Shift+R: the card and its three similar candidates are rejected; the next card comes.
    press(page, "Shift+R")
    wait_for_card(page, alone.pk)
    assert f"Rejected #{group[0].pk} and 3 similar." in page.locator(".feedback").inner_text()
    assert set(Candidate.objects.filter(pk__in=[c.pk for c in group]).values_list("status", flat=True)) == {"rejected"}
    assert Decision.objects.filter(action="reject").count() == 4

    # On a card with nothing similar, Shift+R does nothing and says why.
    press(page, "Shift+R")
    page.wait_for_selector('[data-hint-for="R"]:not([hidden])')
    assert "no similar candidates pending" in page.locator('[data-hint-for="R"]').inner_text()
    assert Candidate.objects.get(pk=alone.pk).status == Candidate.Status.PENDING

    # u: the whole group is back, the card first.
    press(page, "u")
    wait_for_card(page, group[0].pk)
    assert set(Candidate.objects.filter(pk__in=[c.pk for c in group]).values_list("status", flat=True)) == {"pending"}
    assert page.locator(".badge.similar").inner_text() == "3 similar"


def test_two_curators_never_see_the_same_candidate(browser: Any, live_server: Any) -> None:
    make_curator("carl")
    make_curator("cora", "curator-pass-456")
    make_candidates(14)
    carl = log_in(browser, live_server.url, "carl")
    cora = log_in(browser, live_server.url, "cora", "curator-pass-456")
    seen_carl, seen_cora = set(), set()
    for _ in range(4):
        carl.reload()
        cora.reload()
        mine, theirs = claimed_ids(carl), claimed_ids(cora)
        assert mine and theirs and not mine & theirs
        assert card_id(carl) != card_id(cora)
        seen_carl |= mine
        seen_cora |= theirs
        for page, key in ((carl, "r"), (cora, "a")):
            before = card_id(page)
            press(page, key)
            # A selector, not wait_for_function: the page's CSP refuses the eval that Playwright's string predicates need.
            page.wait_for_selector(f'#queue-panel:not([data-candidate-id="{before}"])')
    decided = Decision.objects.values_list("candidate_id", flat=True)
    assert len(decided) == len(set(decided)) == 8
    # Nobody was shown a card the other decided.
    rejected = set(Candidate.objects.filter(status="rejected").values_list("id", flat=True))
    approved = set(Candidate.objects.filter(status="approved").values_list("id", flat=True))
    assert rejected <= seen_carl and approved <= seen_cora and not rejected & seen_cora and not approved & seen_carl


def test_a_script_candidate_renders_as_text(browser: Any, live_server: Any) -> None:
    make_curator("carl")
    text = '<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true"> hello'
    make_candidate(text)
    page = log_in(browser, live_server.url, "carl")
    assert page.locator(".qcard-text").inner_text() == text
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".qcard-text img").count() == 0


def test_the_queue_page_looks_right(browser: Any, live_server: Any) -> None:
    """A screenshot for a human (and the report) to look at; the layout facts are asserted."""
    make_curator("carl")
    batch = make_batch(temperature=0.9)
    make_near_copy(batch=batch)
    make_candidate("Our country is doing great, jobs are coming back like never before! #MAGA", batch=batch)
    make_candidates(3, batch=batch, prefix="Another one")
    page = log_in(browser, live_server.url, "carl")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "queue.png"), full_page=True)
    card = page.locator(".qcard").bounding_box()
    claims = page.locator(".claims").bounding_box()
    assert card and claims and claims["x"] > card["x"] + card["width"] - 1  # the claims sit beside the card
    assert page.locator(".qcard-actions button").count() >= 5
    press(page, "j")
    page.wait_for_selector(".qcard:not(.qcard-near)")
    page.screenshot(path=str(SCREENSHOT_DIR / "queue-card.png"))
    press(page, "e")
    page.locator("#queue-panel textarea").wait_for()
    page.screenshot(path=str(SCREENSHOT_DIR / "queue-edit.png"))
    press(page, "Escape")
    page.wait_for_selector("#queue-panel .qcard-text")
    press(page, "r")
    page.wait_for_selector(".feedback.success")
    page.goto(f"{live_server.url}/candidates/")
    page.screenshot(path=str(SCREENSHOT_DIR / "candidates.png"), full_page=True)
    page.goto(f"{live_server.url}/stats/")
    assert page.locator("svg.chart").count() == 1
    page.screenshot(path=str(SCREENSHOT_DIR / "stats.png"), full_page=True)
