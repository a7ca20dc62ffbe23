"""manage.py download_model, make_tiny_model, finetune and generate."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from curator.models import Candidate
from generation import checkpoints
from generation.models import Checkpoint, FinetuneRun, GenerationBatch
from tests.support.generation import corpus_make, tiny_checkpoint
from tests.support.workers import celery_worker

pytestmark = pytest.mark.usefixtures("models_in_tmp_path")


@pytest.mark.django_db
def test_download_model_offline_fails_with_a_clear_message_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # This machine is offline anyway; a closed local port keeps the test offline on a machine that is not.
    monkeypatch.setattr(checkpoints, "DOWNLOAD_HOST", "http://127.0.0.1:9/gpt-2")
    with pytest.raises(
        CommandError,
        match=r"Could not download GPT-2 124M from 127.0.0.1:9 \(ConnectionError\)\. Is this machine online\?.*make_tiny_model",
    ):
        call_command("download_model", "124M")
    assert not (tmp_path / "models" / "124M").exists()
    assert not Checkpoint.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db
def test_make_tiny_model_writes_a_gpt_2_simple_model_and_registers_it(tmp_path: Path) -> None:
    hparams = tmp_path / "hp.json"
    hparams.write_text(json.dumps({"n_vocab": 257, "n_ctx": 1024, "n_embd": 16, "n_head": 2, "n_layer": 1}))
    out = StringIO()
    call_command("make_tiny_model", "mini", "--hparams", str(hparams), stdout=out)
    folder = tmp_path / "models" / "mini"
    assert {p.name for p in folder.iterdir()} >= {"hparams.json", "encoder.json", "vocab.bpe", "checkpoint", "model.ckpt.index"}
    assert len(json.loads((folder / "encoder.json").read_text())) == 257
    assert (folder / "vocab.bpe").read_text() == "#version: 0.2\n"
    checkpoint = Checkpoint.objects.get(name="mini")
    assert (checkpoint.kind, checkpoint.path, checkpoint.hparams["n_embd"]) == ("base", "models/mini", 16)
    assert "Wrote models/mini" in out.getvalue()


@pytest.mark.django_db
def test_make_tiny_model_refuses_a_context_other_than_1024(tmp_path: Path) -> None:
    hparams = tmp_path / "hp.json"
    hparams.write_text(json.dumps({"n_vocab": 257, "n_ctx": 128, "n_embd": 16, "n_head": 2, "n_layer": 1}))
    with pytest.raises(CommandError, match="n_ctx must be 1024"):
        call_command("make_tiny_model", "mini", "--hparams", str(hparams))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--temperature", "0"], "temperature: Temperature must be above 0"),
        (
            ["-n", "50", "--batch-size", "20"],
            "batch_size: The batch size must divide the number of candidates (50 is not a multiple of 20).",
        ),
        (["--length", "2000"], "over the model's context of 1023 tokens"),
    ],
)
def test_generate_refuses_a_bad_parameter_with_the_reason(args: list[str], reason: str) -> None:
    tiny_checkpoint()
    with pytest.raises(CommandError) as info:
        call_command("generate", "--checkpoint", "tiny", *args)
    assert reason in str(info.value)
    assert not GenerationBatch.objects.exists()


@pytest.mark.django_db
def test_finetune_refuses_an_unknown_corpus_and_a_missing_base_model() -> None:
    with pytest.raises(CommandError, match="No corpus named 'nope'"):
        call_command("finetune", "--corpus", "nope", "--run-name", "r")
    corpus_make()
    tiny_checkpoint()
    with pytest.raises(CommandError, match=r"base_model: The model folder .* does not exist"):
        call_command("finetune", "--corpus", "sample", "--base", "tiny", "--run-name", "r")
    assert not FinetuneRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_generate_wait_runs_a_batch_on_a_real_worker_and_prints_the_counts(tmp_path: Path, redis_broker: str) -> None:
    checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain")
    out = StringIO()
    with celery_worker(env={"MODELS_DIR": str(tmp_path)}):
        call_command(
            "generate", "--checkpoint", "chain", "-n", "30", "--batch-size", "10", "--seed", "4", "--wait", "--timeout", "60", stdout=out
        )
    batch = GenerationBatch.objects.get()
    assert f"Batch #{batch.pk}: generated 30, kept {batch.kept_count}," in out.getvalue()
    assert batch.kept_count > 0 and Candidate.objects.filter(batch=batch).count() == batch.kept_count


@pytest.mark.django_db
def test_finetune_queues_a_run_with_its_parameters(settings) -> None:  # type: ignore[no-untyped-def]
    from tests.support.generation import tiny_models_dir

    settings.MODELS_DIR = tiny_models_dir()
    corpus_make()
    tiny_checkpoint()
    out = StringIO()
    call_command(
        "finetune", "--corpus", "sample", "--base", "tiny", "--run-name", "cli-run", "--steps", "7", "--learning-rate", "0.001", stdout=out
    )
    run = FinetuneRun.objects.get()
    assert (run.run_name, run.base_model, run.steps, run.learning_rate, run.status) == ("cli-run", "tiny", 7, 0.001, "queued")
    assert "Queued finetune cli-run" in out.getvalue()
