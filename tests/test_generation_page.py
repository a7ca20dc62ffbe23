"""The Generation page: owners only, forms that refuse bad parameters with the reason, live progress partial."""

import re

import pytest
from django.test import Client

from curator.models import Candidate
from generation.models import Checkpoint, FinetuneRun, GenerationBatch, Status
from tests.support.generation import corpus_make, tiny_checkpoint, tiny_models_dir

pytestmark = pytest.mark.django_db

URL = "/generation/"


def _markov() -> Checkpoint:
    return Checkpoint.objects.create(name="chain", kind=Checkpoint.Kind.MARKOV, path="markov/chain.json")


def _batch_post(checkpoint: Checkpoint, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "checkpoint": checkpoint.pk,
        "n_candidates": 40,
        "batch_size": 20,
        "temperature": 0.7,
        "top_k": 0,
        "top_p": 0.9,
        "length": 100,
        "prefix": "",
        "seed": "",
    }
    data.update(overrides)
    return data


def test_it_shows_the_forms_with_a_one_line_explanation_of_each_parameter(owner_client: Client) -> None:
    response = owner_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Randomness: above 0" in page and "must divide the number of candidates" in page
    assert "Start batch" in page and "Start finetune" in page
    assert 'id="generation-activity"' in page


def test_the_htmx_request_gets_only_the_activity_partial(owner_client: Client, htmx_headers: dict[str, str]) -> None:
    GenerationBatch.objects.create(checkpoint=_markov(), n_candidates=10, status=Status.RUNNING, progress=4)
    page = owner_client.get(URL, **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert page.lstrip().startswith('<section id="generation-activity"')
    assert 'hx-trigger="every 2s"' in page  # something is running: it keeps polling
    assert "4 / 10" in page and "Start batch" not in page


def test_it_stops_polling_when_nothing_runs(owner_client: Client, htmx_headers: dict[str, str]) -> None:
    GenerationBatch.objects.create(
        checkpoint=_markov(), n_candidates=10, status=Status.SUCCEEDED, progress=10, kept_count=7, generated_count=10
    )
    page = owner_client.get(URL, **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert "every 2s" not in page and "kept <strong>7</strong> of 10" in page


def test_a_curator_and_an_outsider_are_refused(curator_client: Client, outsider_client: Client) -> None:
    assert curator_client.get(URL).status_code == 403
    assert outsider_client.get(URL).status_code == 403
    assert curator_client.post("/generation/batch/", {}).status_code == 403


def test_it_requires_login() -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_queues_a_batch_with_its_parameters(owner_client: Client, owner) -> None:  # type: ignore[no-untyped-def]
    checkpoint = _markov()
    response = owner_client.post("/generation/batch/", _batch_post(checkpoint, seed=5))
    assert response.status_code == 302
    batch = GenerationBatch.objects.get()
    assert (batch.backend, batch.n_candidates, batch.batch_size, batch.top_p, batch.seed, batch.created_by) == (
        "markov",
        40,
        20,
        0.9,
        5,
        owner,
    )
    assert batch.status == Status.QUEUED


def test_a_markov_batch_needs_none_of_the_gpt_2_settings_and_ignores_them(owner_client: Client) -> None:
    checkpoint = _markov()
    # What the page sends once it has switched the GPT-2 settings off: none of them.
    data = {k: v for k, v in _batch_post(checkpoint).items() if k not in ("temperature", "top_k", "top_p", "length", "prefix")}
    assert owner_client.post("/generation/batch/", data).status_code == 302
    # Without the page's script, whatever was typed there is neither refused nor stored.
    assert owner_client.post("/generation/batch/", _batch_post(checkpoint, temperature=0, length=5000, prefix="Crooked")).status_code == 302
    stored = list(GenerationBatch.objects.values_list("backend", "temperature", "top_k", "top_p", "length", "prefix"))
    assert stored == [("markov", 0.7, 0, 0.9, 100, "")] * 2


def test_a_gpt_2_batch_needs_its_sampling_settings(owner_client: Client) -> None:
    checkpoint = tiny_checkpoint()
    data = {k: v for k, v in _batch_post(checkpoint).items() if k != "temperature"}
    response = owner_client.post("/generation/batch/", data)
    assert response.status_code == 400
    assert "This field is required for a GPT-2 model." in response.content.decode()
    assert not GenerationBatch.objects.exists()


def test_the_checkpoint_choices_say_their_kind_for_the_page_script(owner_client: Client) -> None:
    markov, tiny = _markov(), tiny_checkpoint()
    page = owner_client.get(URL).content.decode()
    assert re.search(rf'<option value="{markov.pk}"[^>]* data-kind="markov" data-account="">', page)
    assert re.search(rf'<option value="{tiny.pk}"[^>]* data-kind="base" data-account="">', page)
    assert page.count("data-gpt2-only") == 5
    assert "js/generation.js" in page


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"temperature": 0}, "Temperature must be above 0"),
        ({"batch_size": 15}, "The batch size must divide the number of candidates (40 is not a multiple of 15)."),
        ({"length": 1020}, "is over the model&#x27;s context of 1023 tokens"),
    ],
)
def test_it_refuses_a_bad_parameter_with_the_reason_and_keeps_the_input(
    owner_client: Client, overrides: dict[str, object], reason: str
) -> None:
    checkpoint = tiny_checkpoint()
    response = owner_client.post("/generation/batch/", _batch_post(checkpoint, prefix="Crooked", **overrides))
    assert response.status_code == 400
    page = response.content.decode()
    assert reason in page
    assert 'value="Crooked"' in page
    assert not GenerationBatch.objects.exists()


def test_it_queues_a_finetune_and_refuses_a_taken_run_name(owner_client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MODELS_DIR = tiny_models_dir()
    corpus = corpus_make()
    tiny_checkpoint()
    data = {
        "corpus": corpus.pk,
        "base_model": "tiny",
        "run_name": "first",
        "steps": 10,
        "batch_size": 1,
        "learning_rate": 1e-4,
        "sample_every": 5,
        "save_every": 5,
    }
    assert owner_client.post("/generation/finetune/", data).status_code == 302
    assert FinetuneRun.objects.get().run_name == "first"
    again = owner_client.post("/generation/finetune/", data)
    assert again.status_code == 400 and "There is already a run or checkpoint named" in again.content.decode()


def test_a_missing_base_model_is_refused_in_plain_words(owner_client: Client, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MODELS_DIR = tmp_path
    corpus = corpus_make()
    tiny_checkpoint()
    data = {
        "corpus": corpus.pk,
        "base_model": "tiny",
        "run_name": "x",
        "steps": 10,
        "batch_size": 1,
        "learning_rate": 1e-4,
        "sample_every": 5,
        "save_every": 5,
    }
    response = owner_client.post("/generation/finetune/", data)
    assert response.status_code == 400 and "does not exist" in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_running_finetune_can_be_cancelled_and_then_resumed(owner_client: Client, htmx_headers: dict[str, str], htmx: bool) -> None:
    run = FinetuneRun.objects.create(corpus=corpus_make(), base_model="tiny", run_name="r", steps=10, status=Status.RUNNING, step=3)
    headers = htmx_headers if htmx else {}
    response = owner_client.post(f"/generation/finetune/{run.pk}/cancel/", **headers)  # type: ignore[arg-type]
    run.refresh_from_db()
    assert run.cancel_requested and run.status == Status.CANCELLING
    if htmx:
        assert response.status_code == 200 and response.content.decode().lstrip().startswith('<section id="generation-activity"')
    else:
        assert response.status_code == 302
    FinetuneRun.objects.filter(pk=run.pk).update(status=Status.CANCELLED)
    owner_client.post(f"/generation/finetune/{run.pk}/resume/", **headers)  # type: ignore[arg-type]
    run.refresh_from_db()
    assert run.status == Status.QUEUED and not run.cancel_requested


@pytest.mark.parametrize("htmx", [False, True])
def test_a_queued_batch_can_be_cancelled(owner_client: Client, htmx_headers: dict[str, str], htmx: bool) -> None:
    batch = GenerationBatch.objects.create(checkpoint=_markov(), n_candidates=10)
    response = owner_client.post(f"/generation/batch/{batch.pk}/cancel/", **(htmx_headers if htmx else {}))  # type: ignore[arg-type]
    assert response.status_code == (200 if htmx else 302)
    batch.refresh_from_db()
    assert batch.status == Status.CANCELLED


def test_it_draws_the_loss_chart_and_shows_errors_escaped(owner_client: Client) -> None:
    FinetuneRun.objects.create(
        corpus=corpus_make(),
        base_model="tiny",
        run_name="charted",
        steps=10,
        step=3,
        status=Status.FAILED,
        loss_history=[[1, 5.5], [2, 5.0], [3, 4.2]],
        samples=[{"step": 3, "text": "<script>alert(1)</script>"}],
        error="The worker ran out of memory during the finetune.",
    )
    page = owner_client.get(URL).content.decode()
    assert "<polyline" in page and 'points="48.0,20.0 198.0,' in page
    assert "The worker ran out of memory during the finetune." in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert not Candidate.objects.exists()
