"""Every page in a real browser under the Content-Security-Policy: not one violation, and the pages still look and work right."""

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import SCREENSHOT_DIR, card_id, press
from tests.support.pages import OWNER_PASSWORD, Site, site_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache", "no_async_unsafe_leak")]

CSP = re.compile(r"Content[ -]Security[ -]Policy", re.IGNORECASE)
# Runs before any script of the page (Playwright adds it through the DevTools protocol, which the CSP does not
# govern), so it also hears violations raised while the HTML is parsed.
LISTEN = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content Security Policy violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " in " + e.sourceFile + ":" + e.lineNumber + " " + (e.sample || ""));
});
"""


@pytest.fixture
def site(transactional_db: None, tmp_path: Path) -> Site:
    return site_make(tmp_path)


def watched_page(browser: Any, problems: list[str]) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: problems.append(f"{page.url}: {msg.text}") if CSP.search(msg.text) else None)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: script error {error}"))
    return page


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    # htmx loads some parts after the page (the near-copy panel): let them arrive before moving on.
    page.wait_for_load_state("networkidle")


def test_no_page_breaks_the_content_security_policy(browser: Any, live_server: Any, site: Site) -> None:
    problems: list[str] = []
    page = watched_page(browser, problems)
    open_page(page, f"{live_server.url}/login/")
    page.fill("#id_username", site.owner.get_username())
    page.fill("#id_password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    navigation = page.eval_on_selector_all("header nav a", "links => links.map(a => a.getAttribute('href'))")
    assert navigation and set(navigation) <= set(site.pages.values())  # the walk below covers every menu entry
    for url in site.pages.values():
        open_page(page, live_server.url + url)
        if page.locator("style").count():  # htmx injects one unless told not to (base.html's htmx-config)
            problems.append(f"{url}: a <style> element")
    # Content htmx swaps in counts too: a new card, the editor, the help dialog (opened by app.js, not onclick).
    open_page(page, f"{live_server.url}/queue/")
    before = card_id(page)
    press(page, "j")
    page.wait_for_selector(f'#queue-panel:not([data-candidate-id="{before}"])')
    press(page, "e")
    page.locator("#queue-panel textarea").wait_for()
    page.click("[data-show-dialog=queue-help]")
    assert page.locator("#queue-help").is_visible()
    assert problems == []


def test_the_pages_still_look_and_work_right_without_inline_code(browser: Any, live_server: Any, site: Site) -> None:
    """Styles moved to app.css still apply, handlers moved to app.js still act; screenshots for a human to look at."""
    problems: list[str] = []
    page = watched_page(browser, problems)
    open_page(page, f"{live_server.url}/login/")
    page.fill("#id_username", site.owner.get_username())
    page.fill("#id_password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    open_page(page, f"{live_server.url}/queue/")
    fill = page.eval_on_selector(".qcard-length .bar rect", "r => [getComputedStyle(r).fill, r.getBBox().width]")
    assert fill[0] == "rgb(29, 111, 214)" and 0 < fill[1] < 100  # the length bar: accent colour, part of the way
    page.screenshot(path=str(SCREENSHOT_DIR / "csp-queue.png"), full_page=True)

    open_page(page, f"{live_server.url}/generation/")
    assert page.eval_on_selector(".grid-2", "e => getComputedStyle(e).display") == "grid"
    assert page.eval_on_selector(".sample-texts li", "e => getComputedStyle(e).overflowWrap") == "anywhere"
    page.screenshot(path=str(SCREENSHOT_DIR / "csp-generation.png"), full_page=True)

    open_page(page, f"{live_server.url}/schedule/")
    assert page.eval_on_selector("form.inline", "e => getComputedStyle(e).display") == "inline"

    open_page(page, f"{live_server.url}/candidates/")
    boxes = page.locator("tbody input[type=checkbox]:not([disabled])")
    assert boxes.count() >= 3
    page.click("[data-select-all]")
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    assert page.locator("tbody input[type=checkbox][disabled]:checked").count() == 0
    page.click("[data-select-all]")
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))

    open_page(page, f"{live_server.url}/corpora/upload/")
    assert page.eval_on_selector("#corpus-upload fieldset label", "e => getComputedStyle(e).display") == "flex"
    assert page.eval_on_selector("#corpus-upload .htmx-indicator", "e => getComputedStyle(e).visibility") == "hidden"
    page.screenshot(path=str(SCREENSHOT_DIR / "csp-corpus-upload.png"), full_page=True)
    assert problems == []
