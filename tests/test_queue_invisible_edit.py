"""Edits of invisible text: a text that shows nothing is refused like an empty one; a NUL gets its own words."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from core.tweets import visible
from curator import decisions
from curator.errors import DecisionError
from tests.support.queue import make_candidate

pytestmark = pytest.mark.django_db

INVISIBLE = [
    "\u200b\u200b",  # zero-width spaces: the probe's 2/280 "original"
    "\u200d\u2060\ufeff",  # joiner, word joiner, BOM
    " \u200e\u200f\n\u00a0",  # bidi marks between blanks
    "\u3164\u2800",  # Hangul filler, blank Braille pattern
]


def _edit(client: Client, pk: int, text: str, *, htmx: bool) -> str:
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(reverse("curator:queue_edit", args=[pk]), {"version": 1, "text": text}, **headers)  # type: ignore[arg-type]
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("text", INVISIBLE)
def test_an_edit_of_only_invisible_characters_is_refused(curator_client: Client, text: str, htmx: bool) -> None:
    a = make_candidate()
    html = _edit(curator_client, a.pk, text, htmx=htmx)
    a.refresh_from_db()
    assert a.text == "Make the queue great again" and a.version == 1
    assert "The text shows nothing: it holds only invisible characters" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_a_nul_in_an_edit_is_named_and_the_rest_of_the_text_is_kept(curator_client: Client, htmx: bool) -> None:
    a = make_candidate()
    html = _edit(curator_client, a.pk, "Half a\x00 tweet", htmx=htmx)
    a.refresh_from_db()
    assert a.text == "Make the queue great again"
    assert "NUL character" in html and "The text is empty" not in html
    assert "Half a tweet" in html and "<textarea" in html


def test_the_service_refuses_them_for_every_caller(curator: User) -> None:
    a = make_candidate()
    for text in [*INVISIBLE, "a\x00b"]:
        with pytest.raises(DecisionError):
            decisions.candidate_edit(candidate_id=a.pk, version=1, by=curator, text=text)


def test_visible_text_with_invisible_characters_in_it_is_saved(curator_client: Client) -> None:
    a = make_candidate()
    _edit(curator_client, a.pk, "\u200bfamily: 👩\u200d👩\u200d👧", htmx=True)
    a.refresh_from_db()
    assert a.text == "\u200bfamily: 👩\u200d👩\u200d👧"


def test_what_counts_as_visible() -> None:
    assert all(not visible(t) for t in INVISIBLE)
    assert visible("🔥") and visible(".") and visible("é") and visible("\u200bx")
