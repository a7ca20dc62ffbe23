"""Issue 16, the Django side: pages and services a new operator tripped on."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from core import tweets
from corpora.models import Corpus
from generation import checkpoints
from generation.forms import run_name_suggest
from generation.models import Checkpoint, FinetuneRun
from tests.support.generation import corpus_make, tiny_checkpoint, tiny_models_dir

pytestmark = pytest.mark.django_db


def test_the_length_endpoint_counts_by_the_save_rules(curator_client: Client) -> None:
    url = reverse("curator:queue_length")
    for text in ["hello", "東京で会いましょう", "family 👨‍👩‍👧‍👦", "  spaced\r\nout  ", "x" * 300]:
        data = curator_client.post(url, {"text": text}).json()
        expected = tweets.weighted_length(text.replace("\r\n", "\n").strip())
        assert data == {"length": expected, "max": 280, "over": expected > 280}


def test_the_length_endpoint_is_for_curators_only(outsider_client: Client, client: Client) -> None:
    url = reverse("curator:queue_length")
    assert outsider_client.post(url, {"text": "x"}).status_code == 403
    assert client.post(url, {"text": "x"}).status_code == 302


# --- Point 6: a Markov chain from any corpus; checkpoints validated wherever they are created -----------


@pytest.fixture
def models_dir(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MODELS_DIR = str(tmp_path / "models")
    return tmp_path / "models"


def test_an_owner_builds_a_markov_chain_of_any_corpus_on_the_generation_page(owner_client: Client, models_dir: Path) -> None:
    corpus_make("trump", n=20)
    proverbs = corpus_make("proverbs", n=50, seed=2)
    response = owner_client.post(reverse("generation:markov_create"), {"corpus": proverbs.pk, "name": ""})
    assert response.status_code == 302
    checkpoint = Checkpoint.objects.get(name="markov-proverbs-1")
    assert checkpoint.kind == Checkpoint.Kind.MARKOV and checkpoint.corpus == proverbs and checkpoint.hparams["texts"] == 50
    assert (models_dir / "markov" / "markov-proverbs-1.json").is_file()
    page = owner_client.get(reverse("generation:generation")).content.decode()
    assert "Markov chain markov-proverbs-1 built from 50 texts of proverbs" in page
    # The batch form offers it.
    assert re.search(rf'<option value="{checkpoint.pk}"( selected)? data-kind="markov" data-account="">markov-proverbs-1</option>', page)


def test_the_markov_form_refuses_a_taken_name_and_an_empty_corpus(owner_client: Client, models_dir: Path) -> None:
    corpus = corpus_make("proverbs", n=5)
    empty = Corpus.objects.create(name="empty", format=Corpus.Format.LINES)
    Checkpoint.objects.create(name="taken", kind=Checkpoint.Kind.MARKOV, path="markov/taken.json")
    page = owner_client.post(reverse("generation:markov_create"), {"corpus": corpus.pk, "name": "taken"}).content.decode()
    assert "There is already a checkpoint named" in page
    page = owner_client.post(reverse("generation:markov_create"), {"corpus": empty.pk, "name": ""}).content.decode()
    assert "empty has no texts to learn from" in page
    assert Checkpoint.objects.count() == 1


def test_the_markov_page_is_for_owners(curator_client: Client) -> None:
    assert curator_client.post(reverse("generation:markov_create"), {}).status_code == 403


def test_the_build_markov_command_builds_from_any_corpus(models_dir: Path) -> None:
    corpus_make("proverbs", n=30)
    out = StringIO()
    call_command("build_markov", "proverbs", stdout=out)
    assert "Built Markov chain 'markov-proverbs-1' from 30 texts of 'proverbs'" in out.getvalue()
    assert Checkpoint.objects.get(name="markov-proverbs-1").kind == Checkpoint.Kind.MARKOV
    with pytest.raises(CommandError, match="No corpus named 'nope'"):
        call_command("build_markov", "nope")


@pytest.mark.parametrize(
    "path, words",
    [
        ("", "must name a file or folder inside MODELS_DIR"),
        ("markov", "is not a Markov chain file"),  # the folder itself: IsADirectoryError at generation time, before
        ("markov/absent.json", "is not a Markov chain file"),
        ("markov/bad.json", "not readable JSON"),
        ("../outside.json", "must name a file or folder inside MODELS_DIR"),
    ],
)
def test_the_admin_refuses_a_checkpoint_that_is_not_a_model(owner: User, client: Client, models_dir: Path, path: str, words: str) -> None:
    (models_dir / "markov").mkdir(parents=True)
    (models_dir / "markov" / "bad.json").write_text("{not json")
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    response = client.post(reverse("admin:generation_checkpoint_add"), {"name": "broken", "kind": "markov", "path": path, "hparams": "{}"})
    page = response.content.decode()
    assert response.status_code == 200 and words in page
    assert "Errno" not in page and "IsADirectoryError" not in page
    assert not Checkpoint.objects.filter(name="broken").exists()


def test_the_admin_accepts_a_real_markov_chain(owner: User, client: Client, models_dir: Path) -> None:
    corpus = corpus_make("proverbs", n=10)
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    built = checkpoints.markov_checkpoint_create(corpus=corpus, name="chain")
    built.delete()
    response = client.post(
        reverse("admin:generation_checkpoint_add"), {"name": "chain", "kind": "markov", "path": "markov/chain.json", "hparams": "{}"}
    )
    assert response.status_code == 302 and Checkpoint.objects.filter(name="chain").exists()


# --- Point 5: the finetune's run name follows the chosen corpus ---------------------------------------


def test_the_run_name_follows_the_chosen_corpus(owner_client: Client) -> None:
    corpus_make("trump", n=5)
    proverbs = corpus_make("proverbs", n=5, seed=2)
    page = owner_client.get(reverse("generation:generation")).content.decode()
    # Each corpus option says the name its run would get; generation.js puts it in the field on change.
    assert re.search(rf'<option value="{proverbs.pk}"( selected)? data-run-name="proverbs-1">proverbs</option>', page)
    FinetuneRun.objects.create(corpus=proverbs, base_model="x", run_name="proverbs-1", steps=1)
    assert run_name_suggest(proverbs) == "proverbs-2"


# --- Point 7: untrained base models, readable samples, a loss chart with axes ------------------------


def _run(**fields: object) -> FinetuneRun:
    defaults: dict[str, object] = {"corpus": corpus_make(), "base_model": "tiny", "run_name": "r", "steps": 300, "step": 300}
    return FinetuneRun.objects.create(**{**defaults, **fields})


def test_the_latest_sample_is_shown_as_readable_texts(owner_client: Client) -> None:
    noise = "\ufffd\x01\x02\ufffd\ufffd"
    _run(
        samples=[
            {"step": 100, "text": "old"},
            {"step": 200, "text": f"{noise}Hello there friends{noise}<|endoftext|>{noise}<|startoftext|>A second one, with words"},
        ]
    )
    page = owner_client.get(reverse("generation:generation")).content.decode()
    assert "Latest sample (step 200)" in page
    assert "<li>Hello there friends</li>" in page and "<li>A second one, with words</li>" in page
    assert "\ufffd" not in page and "&lt;|endoftext|&gt;" not in page


def test_a_sample_of_pure_noise_says_so(owner_client: Client) -> None:
    _run(samples=[{"step": 10, "text": "\ufffd\x03\ufffd#\ufffd\x7f!"}])
    page = owner_client.get(reverse("generation:generation")).content.decode()
    assert "No readable text yet: the model still writes noise" in page and "\ufffd" not in page


def test_the_loss_chart_has_axes_with_steps_and_values(owner_client: Client) -> None:
    _run(loss_history=[[0, 5.5], [150, 4.0], [300, 2.5]])
    page = owner_client.get(reverse("generation:generation")).content.decode()
    x_labels = re.findall(r'<text class="x-tick"[^>]*>([^<]*)</text>', page)
    y_labels = re.findall(r'<text class="y-tick"[^>]*>([^<]*)</text>', page)
    assert x_labels == ["0", "150", "300"] and y_labels == ["5.50", "4.00", "2.50"]
    assert ">step</text>" in page and ">loss</text>" in page


def test_generating_from_an_untrained_base_model_is_warned_about(owner_client: Client, settings: SettingsWrapper) -> None:
    settings.MODELS_DIR = str(tiny_models_dir())
    base = tiny_checkpoint()
    page = owner_client.get(reverse("generation:generation")).content.decode()
    # The only model is a base model: the warning shows before anything is started (also without JavaScript).
    assert re.search(r'<p class="warn" data-base-note>This is an untrained base model', page)
    response = owner_client.post(
        reverse("generation:batch_start"),
        {"checkpoint": base.pk, "n_candidates": 2, "batch_size": 2, "temperature": 0.7, "top_k": 0, "top_p": 0.9, "length": 20},
        follow=True,
    )
    assert "an untrained base model: expect noise" in response.content.decode()
    # With a Markov chain there too, the batch form no longer starts on the base model.
    Checkpoint.objects.create(name="chain", kind=Checkpoint.Kind.MARKOV, path="markov/chain.json")
    page = owner_client.get(reverse("generation:generation")).content.decode()
    assert re.search(r'<option value="\d+" selected data-kind="markov" data-account="">chain</option>', page)
    assert re.search(r'<p class="warn" data-base-note hidden>', page)


# --- Point 12: logging out says so; the favicon exists -------------------------------------------------


def test_logging_out_says_so(curator_client: Client) -> None:
    response = curator_client.post(reverse("logout"), follow=True)
    assert "You are logged out." in response.content.decode()
    assert "You are logged out." not in Client().get(reverse("login")).content.decode()


def test_the_favicon_exists_without_logging_in(client: Client) -> None:
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("/static/img/favicon.svg")
    found = finders.find("img/favicon.svg")
    assert found and Path(str(found)).read_text().startswith("<svg")
    assert 'rel="icon" href="/static/img/favicon.svg"' in client.get(reverse("login")).content.decode()


def test_no_template_comment_leaks_into_a_page(owner_client: Client) -> None:
    """Django's {# #} is one line only: a comment spread over two lines is printed on every page."""
    for name in ["core:home", "curator:queue", "generation:generation", "core:people"]:
        assert "{#" not in owner_client.get(reverse(name)).content.decode(), name


# --- Point 1 without a browser: a link to a card this curator no longer holds says so -------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_a_stale_link_to_a_card_names_it_and_who_took_it(curator_client: Client, curator: User, curator2: User, htmx: bool) -> None:
    from curator import claims, decisions
    from tests.support.queue import make_candidates

    first, _second = make_candidates(2)
    curator_client.get(reverse("curator:queue"))
    claims.claims_release(user=curator)
    claims.queue_claim(user=curator2)
    decisions.candidate_reject(candidate_id=first.pk, version=1, by=curator2)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    html = curator_client.get(reverse("curator:queue") + f"?c={first.pk}", **headers).content.decode()  # type: ignore[arg-type]
    assert f"#{first.pk} \u201c{first.text}\u201d: cora rejected this candidate" in html and "no longer yours" in html
    # The editor for it does not open on another card either.
    html = curator_client.get(reverse("curator:queue_edit", args=[first.pk]), **headers).content.decode()  # type: ignore[arg-type]
    assert "not opened for editing" in html and "<textarea" not in html


def test_a_link_to_a_free_card_opens_it_and_holds_it_for_this_curator(
    curator_client: Client, curator: User, curator2: User, settings
) -> None:  # type: ignore[no-untyped-def]
    """A number shared by another curator (or typed into the address bar) opens that card when nobody holds it."""
    from curator import claims, decisions
    from tests.support.queue import make_candidates

    settings.QUEUE_CLAIM_SIZE = 2
    cards = make_candidates(6)
    asked, held_by_cora, skipped = cards[4], cards[5], cards[3]
    claims.claim_asked(user=curator2, candidate_id=held_by_cora.pk)
    curator_client.get(reverse("curator:queue"))  # holds the two oldest
    html = curator_client.get(reverse("curator:queue") + f"?c={asked.pk}").content.decode()
    assert f'data-candidate-id="{asked.pk}"' in html and "no longer yours" not in html
    asked.refresh_from_db()
    assert asked.claimed_by == curator
    # Held by another curator: not taken from them, and the page says who has it.
    html = curator_client.get(reverse("curator:queue") + f"?c={held_by_cora.pk}").content.decode()
    assert "cora is reviewing this candidate right now" in html
    held_by_cora.refresh_from_db()
    assert held_by_cora.claimed_by == curator2
    # Skipped by this curator: left for the others, as the skip meant.
    assert claims.claim_asked(user=curator, candidate_id=skipped.pk)
    decisions.candidate_skip(candidate_id=skipped.pk, by=curator)
    html = curator_client.get(reverse("curator:queue") + f"?c={skipped.pk}").content.decode()
    assert "You skipped this candidate" in html
