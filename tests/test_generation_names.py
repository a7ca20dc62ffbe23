"""Issue 17: `make_tiny_model ../../../outside` wrote a checkpoint outside MODELS_DIR and registered it. Every
command that takes a model, run or checkpoint name checks it as the Generation page does (files.name_check)."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from generation import checkpoints
from generation.gpt2 import files
from generation.models import Checkpoint, FinetuneRun, GenerationBatch
from tests.support.generation import corpus_make

pytestmark = pytest.mark.django_db

BAD = ["../x", "../../../outside", "ABSOLUTE", "", ".", "..", ".hidden", "a/b", "x\n", "_x", "n" * 101]
IDS = ["parent", "far-outside", "absolute", "empty", "dot", "dotdot", "hidden", "slash", "newline", "underscore", "too-long"]
# The page's form strips the run name ("x\n" is "x"); the commands that take a folder name do not guess.
RUN_BAD = [(b, i) for b, i in zip(BAD, IDS, strict=True) if b != "x\n"]


@pytest.fixture
def models(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MODELS_DIR = tmp_path / "deep" / "down" / "models-dir"
    settings.MODELS_DIR.mkdir(parents=True)
    return settings.MODELS_DIR


def name_of(bad: str, tmp_path: Path) -> str:
    return str(tmp_path / "absolute") if bad == "ABSOLUTE" else bad


def everything_under(root: Path) -> set[Path]:
    return set(root.rglob("*"))


def fake_base(models: Path, name: str = "base") -> Checkpoint:
    """A folder that passes model_check (the finetune form's check of the base), without TensorFlow."""
    folder = models / "models" / name
    folder.mkdir(parents=True)
    for file in ("encoder.json", "vocab.bpe", "checkpoint", "model.ckpt.index"):
        (folder / file).write_text("")
    (folder / "hparams.json").write_text(json.dumps(files.TINY_HPARAMS))
    return Checkpoint.objects.create(name=name, kind=Checkpoint.Kind.BASE, path=f"models/{name}", base_model=name)


@pytest.mark.parametrize("bad", BAD, ids=IDS)
def test_make_tiny_model_refuses_a_name_that_is_not_one_folder(bad: str, models: Path, tmp_path: Path) -> None:
    before = everything_under(tmp_path)

    with pytest.raises(CommandError) as raised:
        call_command("make_tiny_model", name_of(bad, tmp_path))

    assert str(raised.value).startswith("Model ") and "is not a valid name: use letters, digits" in str(raised.value)
    assert "\n" not in str(raised.value).replace("\\n", "")
    assert everything_under(tmp_path) == before and not Checkpoint.objects.exists()


@pytest.mark.parametrize("bad", BAD, ids=IDS)
def test_download_model_refuses_it_before_going_online(bad: str, models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "DOWNLOAD_HOST", "http://127.0.0.1:9/gpt-2")
    before = everything_under(tmp_path)

    with pytest.raises(CommandError, match="is not a valid name: use letters, digits"):
        call_command("download_model", name_of(bad, tmp_path))

    assert everything_under(tmp_path) == before and not Checkpoint.objects.exists()


@pytest.mark.parametrize("bad", [b for b, _ in RUN_BAD], ids=[i for _, i in RUN_BAD])
def test_finetune_refuses_it_as_a_run_name_as_the_page_does(bad: str, models: Path, tmp_path: Path) -> None:
    corpus_make(name="c")
    fake_base(models)
    before = everything_under(tmp_path)

    with pytest.raises(CommandError) as raised:
        call_command("finetune", "--corpus", "c", "--base", "base", "--run-name", name_of(bad, tmp_path))

    message = str(raised.value)
    assert message.startswith("run_name: ") and "base_model" not in message
    assert ("This field is required." if not bad.strip() else "is not a valid name") in message
    assert everything_under(tmp_path) == before and not FinetuneRun.objects.exists()


@pytest.mark.parametrize("bad", BAD, ids=IDS)
def test_finetune_refuses_it_as_a_base_model(bad: str, models: Path, tmp_path: Path) -> None:
    corpus_make(name="c")
    fake_base(models)

    with pytest.raises(CommandError, match=r"^base_model: (Select a valid choice|This field is required)"):
        call_command("finetune", "--corpus", "c", "--base", name_of(bad, tmp_path), "--run-name", "fine")

    assert not FinetuneRun.objects.exists()


def test_finetune_refuses_a_base_registered_under_a_bad_name_before_names_were_checked(models: Path) -> None:
    corpus_make(name="c")
    Checkpoint.objects.create(name="../../../outside", kind=Checkpoint.Kind.BASE, path="models/../../../outside")

    with pytest.raises(CommandError, match=r"^base_model: '../../../outside' is not a valid name"):
        call_command("finetune", "--corpus", "c", "--base", "../../../outside", "--run-name", "fine")

    assert not FinetuneRun.objects.exists()


@pytest.mark.parametrize("bad", BAD, ids=IDS)
def test_generate_finds_no_checkpoint_by_such_a_name(bad: str, models: Path, tmp_path: Path) -> None:
    before = everything_under(tmp_path)

    with pytest.raises(CommandError, match=r"^No checkpoint named "):
        call_command("generate", "--checkpoint", name_of(bad, tmp_path))

    assert everything_under(tmp_path) == before and not GenerationBatch.objects.exists()


def test_the_page_refuses_a_run_name_with_the_same_words(owner_client: Client, models: Path) -> None:
    corpus = corpus_make(name="c")
    fake_base(models)
    data = {"corpus": corpus.pk, "base_model": "base", "run_name": "../../../outside", "steps": 10, "batch_size": 1}
    data |= {"learning_rate": 1e-4, "sample_every": 5, "save_every": 5}

    response = owner_client.post("/generation/finetune/", data)

    assert response.status_code == 400
    assert "&#x27;../../../outside&#x27; is not a valid name: use letters, digits" in response.content.decode()
    assert not FinetuneRun.objects.exists()


def test_paths_under_models_dir_refuse_a_bad_name_whoever_asks(models: Path) -> None:
    for path_of in (files.base_path, files.run_path):
        with pytest.raises(files.BadName):
            path_of("../../../outside")
    assert files.base_path("124M") == models / "models" / "124M"


def test_a_good_name_still_passes(models: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("124M", "tiny-demo", "run_2.v3", "markov-sample"):
        assert files.name_check(name) == name
    monkeypatch.setattr(checkpoints, "DOWNLOAD_HOST", "http://127.0.0.1:9/gpt-2")
    with pytest.raises(CommandError, match="Could not download GPT-2 124M"):  # past the name check, offline
        call_command("download_model", "124M")
