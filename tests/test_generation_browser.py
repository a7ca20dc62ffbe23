"""The Generation page in a real browser: picking a Markov chain switches the GPT-2 settings off, and back."""

from typing import Any

import pytest

from generation.models import Checkpoint
from tests.support.browser import SCREENSHOT_DIR, log_in, make_owner
from tests.support.generation import tiny_checkpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache", "no_async_unsafe_leak")]

GPT2_ONLY = ("temperature", "top_k", "top_p", "length", "prefix")


def _switched_off(page: Any) -> list[bool]:
    return [page.locator(f"#batch-form [name={name}]").is_disabled() for name in GPT2_ONLY]


def test_picking_a_markov_chain_switches_the_gpt_2_settings_off(browser: Any, live_server: Any) -> None:
    tiny = tiny_checkpoint()
    markov = Checkpoint.objects.create(name="chain", kind=Checkpoint.Kind.MARKOV, path="markov/chain.json")
    make_owner()
    page = log_in(browser, live_server.url, "olivia", "owner-pass-123")
    page.goto(f"{live_server.url}/generation/")
    select = page.locator("#batch-form select[name=checkpoint]")

    select.select_option(str(tiny.pk))
    assert _switched_off(page) == [False] * 5
    assert page.locator("#batch-form [data-markov-note]").is_hidden()

    select.select_option(str(markov.pk))
    assert _switched_off(page) == [True] * 5
    assert page.locator("#batch-form label.is-off").count() == 5
    assert page.locator("#batch-form [data-markov-note]").is_visible()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "generation-markov-form.png"), full_page=True)

    select.select_option(str(tiny.pk))
    assert _switched_off(page) == [False] * 5
    assert page.locator("#batch-form label.is-off").count() == 0
