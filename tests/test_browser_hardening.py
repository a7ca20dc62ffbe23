"""Issue 17's pages in chromium, as a user meets them: no role yet, too many failed log-ins, an invisible edit."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import User

from curator.models import Candidate
from tests.support.browser import SCREENSHOT_DIR, log_in, make_curator, press
from tests.support.queue import make_candidate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache")]


def _login_page(browser: Any, url: str, username: str, password: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_a_user_with_no_role_sees_only_that_they_have_none(browser: Any, live_server: Any) -> None:
    User.objects.create_user("nora", password="nora-pass-123")
    page = _login_page(browser, live_server.url, "nora", "nora-pass-123")
    assert "your account has no role yet" in page.inner_text("main")
    assert page.locator("nav a").count() == 0
    page.screenshot(path=str(SCREENSHOT_DIR / "no-role-home.png"), full_page=True)
    page.goto(f"{live_server.url}/status/")
    assert "your account has no role yet" in page.inner_text("main") and "Worker" not in page.content()


def test_the_sixth_log_in_after_five_wrong_passwords_is_paused(browser: Any, live_server: Any) -> None:
    make_curator("carl")
    for _ in range(4):
        page = _login_page(browser, live_server.url, "carl", "wrong")
        assert "didn't match" in page.inner_text("main")
        page.context.close()
    page = _login_page(browser, live_server.url, "carl", "wrong")
    assert "Too many failed log-ins" in page.inner_text("main")
    page = _login_page(browser, live_server.url, "carl", "curator-pass-123")
    assert "paused for 15 minutes" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOT_DIR / "login-locked-out.png"), full_page=True)


def test_an_edit_of_zero_width_spaces_is_refused_on_the_card(browser: Any, live_server: Any) -> None:
    make_curator("carl")
    candidate = make_candidate("Visible words on the card")
    page = log_in(browser, live_server.url, "carl")
    press(page, "e")
    area = page.locator("#queue-panel textarea")
    area.fill("\u200b\u200b")
    press(page, "Control+Enter")
    page.wait_for_selector("text=The text shows nothing")
    page.screenshot(path=str(SCREENSHOT_DIR / "queue-invisible-edit.png"), full_page=True)
    assert Candidate.objects.get(pk=candidate.pk).text == "Visible words on the card"
    assert re.search(r"invisible characters", page.inner_text("#queue-panel"))
