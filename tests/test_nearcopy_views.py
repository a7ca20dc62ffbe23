"""The corpus page's near-copy panel and its "try a text" form (owners only), with and without htmx."""

from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from corpora.models import Corpus, TrainingText
from corpora.nearcopy import services as nc

pytestmark = pytest.mark.django_db

TEXT = "We will build a great wall on the southern border and Mexico will pay for it, believe me"


@pytest.fixture
def corpus(settings, tmp_path: Path) -> Corpus:  # type: ignore[no-untyped-def]
    settings.NEARCOPY_DIR = tmp_path / "nearcopy"
    nc._cache.clear()
    corpus = Corpus.objects.create(name="trump", format=Corpus.Format.LINES)
    TrainingText.objects.create(corpus=corpus, position=0, text=TEXT, original=TEXT)
    return corpus


def test_it_shows_the_thresholds_and_the_index_state_as_a_page(owner_client: Client, corpus: Corpus) -> None:
    response = owner_client.get(reverse("corpora:nearcopy_panel", args=[corpus.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and "Near-copy check" in html
    assert "edit similarity ≥ 80 " in html and "≥ 8 words" in html and "≥ 6 words" in html
    assert "not built yet" in html


def test_it_renders_only_the_panel_for_htmx(owner_client: Client, corpus: Corpus, htmx_headers: dict[str, str]) -> None:
    nc.nearcopy_index_build(corpus_id=corpus.pk)
    html = owner_client.get(reverse("corpora:nearcopy_panel", args=[corpus.pk]), **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert "<html" not in html and html.strip().startswith('<section class="card nearcopy-panel"')
    assert "built" in html and "1 text, 18 words" in html


def test_the_included_panel_loads_itself_with_only_the_corpus_in_context(corpus: Corpus) -> None:
    html = render_to_string("corpora/nearcopy_panel.html", {"corpus": corpus})
    assert f'hx-get="/corpora/{corpus.pk}/nearcopy/"' in html and 'hx-trigger="load"' in html


def test_trying_a_text_shows_the_verdict_with_highlights(owner_client: Client, corpus: Corpus, htmx_headers: dict[str, str]) -> None:
    text = "We will build a great wall on the northern border and <b>Mexico</b> will pay for it, believe me"
    response = owner_client.post(reverse("corpora:nearcopy_try", args=[corpus.pk]), {"text": text}, **htmx_headers)  # type: ignore[arg-type]
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Near copy" in html and "edited copy" in html
    assert "<mark>We will build a great wall on the</mark>" in html
    assert "&lt;b&gt;<mark>Mexico</mark>&lt;/b&gt;" in html and "<b>" not in html
    assert f"Closest training text #{corpus.texts.get().pk}" in html


def test_trying_a_text_without_htmx_renders_the_whole_page(owner_client: Client, corpus: Corpus) -> None:
    response = owner_client.post(reverse("corpora:nearcopy_try", args=[corpus.pk]), {"text": "A new text about golf courses in Scotland"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Original" in html and "A new text about golf courses in Scotland" in html


def test_an_empty_text_gets_one_clear_message(owner_client: Client, corpus: Corpus, htmx_headers: dict[str, str]) -> None:
    html = owner_client.post(reverse("corpora:nearcopy_try", args=[corpus.pk]), {"text": "  "}, **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert html.count("Enter a text to check.") == 1


def test_a_too_long_text_is_refused_and_kept(owner_client: Client, corpus: Corpus) -> None:
    text = "word " * 500
    html = owner_client.post(reverse("corpora:nearcopy_try", args=[corpus.pk]), {"text": text}).content.decode()
    assert "Keep the text under 2000 characters." in html
    assert text.strip() in html


@pytest.mark.parametrize("client_name", ["curator_client", "outsider_client"])
def test_it_refuses_anyone_but_an_owner(request: pytest.FixtureRequest, client_name: str, corpus: Corpus) -> None:
    client: Client = request.getfixturevalue(client_name)
    assert client.get(reverse("corpora:nearcopy_panel", args=[corpus.pk])).status_code == 403
    assert client.post(reverse("corpora:nearcopy_try", args=[corpus.pk]), {"text": TEXT}).status_code == 403


def test_it_requires_login_and_a_post_for_trying(client: Client, owner_client: Client, corpus: Corpus) -> None:
    assert client.get(reverse("corpora:nearcopy_panel", args=[corpus.pk])).status_code == 302
    assert owner_client.get(reverse("corpora:nearcopy_try", args=[corpus.pk])).status_code == 405
    assert owner_client.get(reverse("corpora:nearcopy_panel", args=[corpus.pk + 99])).status_code == 404


def test_the_form_carries_csrf_protection(corpus: Corpus, owner) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(reverse("corpora:nearcopy_try", args=[corpus.pk]), {"text": TEXT}).status_code == 403
    assert 'name="csrfmiddlewaretoken"' in client.get(reverse("corpora:nearcopy_panel", args=[corpus.pk])).content.decode()
