"""Helpers for the browser tests (Debian's chromium through Playwright); the `browser` fixture is in tests/conftest.py."""

import os
import re
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))


def make_curator(username: str, password: str = "curator-pass-123") -> User:
    # Transactional tests start from empty tables: the groups of the data migration may be gone.
    group, _ = Group.objects.get_or_create(name="curator")
    user = User.objects.create_user(username, password=password)
    user.groups.add(group)
    return user


def make_owner(username: str = "olivia", password: str = "owner-pass-123") -> User:
    """An owner who also reviews (owner and curator groups): the pages of the whole flow are theirs."""
    user = make_curator(username, password)
    user.groups.add(Group.objects.get_or_create(name="owner")[0])
    return user


def log_in(browser: Any, base_url: str, username: str, password: str = "curator-pass-123") -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base_url}/login/?next=/queue/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue/.*"))
    return page


def press(page: Any, key: str) -> None:
    """Like a curator: press the next key once the previous card has settled (queue.js drops keys before)."""
    page.wait_for_selector("html:not([data-queue-busy])", state="attached")
    page.keyboard.press(key)


def card_id(page: Any) -> int:
    return int(page.get_attribute("#queue-panel", "data-candidate-id"))
