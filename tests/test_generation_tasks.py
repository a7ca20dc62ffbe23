"""Real gpt-2-simple finetune and generation through a real Celery worker process, into the test database."""

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from curator.models import Candidate
from generation import jobs, services
from generation.models import Checkpoint, FinetuneRun, GenerationBatch, Status
from tests.support.generation import corpus_make, fresh_models_dir, tiny_checkpoint
from tests.support.services import redis_url
from tests.support.workers import Worker, celery_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_models_dir(tmp_path_factory.mktemp("tasks"))


@pytest.fixture(scope="module")
def gpu_worker(django_db_setup: None, django_db_blocker, models_dir: Path) -> Iterator[Worker]:  # type: ignore[no-untyped-def]
    """One worker for the module, so TensorFlow is imported once and the model stays warm between tests."""
    with django_db_blocker.unblock():
        redis_url()
        with celery_worker(env={"MODELS_DIR": str(models_dir)}) as w:
            yield w


@pytest.fixture(autouse=True)
def _models_setting(settings, models_dir: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MODELS_DIR = models_dir


def _finished(model, pk):  # type: ignore[no-untyped-def]
    row = model.objects.get(pk=pk)
    return row if row.status in (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED) else None


def test_a_worker_finetunes_the_tiny_model_then_generates_candidates_from_it(gpu_worker: Worker, models_dir: Path) -> None:
    corpus = corpus_make()
    tiny_checkpoint()
    out = StringIO()
    args = [
        "--corpus",
        "sample",
        "--base",
        "tiny",
        "--run-name",
        "tiny-run",
        "--steps",
        "2",
        "--learning-rate",
        "0.001",
        "--sample-every",
        "1",
    ]
    call_command("finetune", *args, "--wait", "--timeout", "120", stdout=out)
    run = FinetuneRun.objects.get(run_name="tiny-run")
    assert run.status == Status.SUCCEEDED, run.error
    assert "] loss=" in out.getvalue() and "Checkpoint 'tiny-run' registered." in out.getvalue()
    assert run.step == 2
    assert [s for s, _ in run.loss_history] == [1, 2]
    assert run.loss is not None and run.avg_loss is not None and run.elapsed_seconds > 0
    assert [s["step"] for s in run.samples] == [1, 2]
    assert (models_dir / "checkpoint" / "tiny-run" / "counter").read_text().strip() == "2"
    checkpoint = Checkpoint.objects.get(name="tiny-run")
    assert checkpoint.kind == Checkpoint.Kind.FINETUNED and checkpoint.corpus == corpus and run.checkpoint == checkpoint

    batch = services.batch_start(checkpoint=checkpoint, n_candidates=8, batch_size=4, temperature=1.0, top_p=0.9, length=40, seed=7)
    batch = wait_for(lambda: _finished(GenerationBatch, batch.pk), timeout=90, message=f"the batch to end\n{gpu_worker.output[-3000:]}")
    assert batch.status == Status.SUCCEEDED, batch.error
    rows = list(Candidate.objects.filter(batch=batch))
    assert batch.generated_count == 8 and batch.progress == 8
    assert len(rows) == batch.kept_count
    assert batch.kept_count + batch.duplicate_count + batch.too_long_count + batch.empty_count == 8
    assert batch.timings["token_steps"] <= 2 * 40
    for row in rows:
        assert row.status == Candidate.Status.PENDING and row.corpus == corpus
        assert "<|startoftext|>" not in row.text and row.text.strip() == row.text
        assert 0 < row.weighted_length <= 280
        assert row.nearcopy_verdict  # whatever the near-copy check said, it was written
        # The signals the ranker reads, stored with the candidate: the sampler's mean log-probability per token too.
        assert row.logprob is not None and row.logprob < 0 and row.repetition is not None and row.distinct_1 is not None


def test_a_finetune_can_be_cancelled_and_resumed_from_its_last_save(gpu_worker: Worker, models_dir: Path) -> None:
    corpus = corpus_make()
    tiny_checkpoint()
    run = services.finetune_start(corpus=corpus, base_model="tiny", run_name="stop-go", steps=50, sample_every=0, save_every=1000)
    wait_for(lambda: FinetuneRun.objects.get(pk=run.pk).step >= 1, timeout=90, message=f"a first step\n{gpu_worker.output[-3000:]}")
    assert services.finetune_cancel(run=FinetuneRun.objects.get(pk=run.pk))
    run = wait_for(lambda: _finished(FinetuneRun, run.pk), timeout=60, message="the cancel")
    assert run.status == Status.CANCELLED
    stopped_at = int((models_dir / "checkpoint" / "stop-go" / "counter").read_text())
    assert stopped_at == run.step < 50
    assert not Checkpoint.objects.filter(name="stop-go").exists()

    FinetuneRun.objects.filter(pk=run.pk).update(steps=stopped_at + 1)
    assert services.finetune_resume(run=FinetuneRun.objects.get(pk=run.pk))
    run = wait_for(lambda: _finished(FinetuneRun, run.pk), timeout=90, message=f"the resumed run\n{gpu_worker.output[-3000:]}")
    assert run.status == Status.SUCCEEDED, run.error
    # It went on from the saved step instead of starting again from the base model.
    assert run.step == stopped_at + 1
    assert run.loss_history[-1][0] == stopped_at + 1
    assert Checkpoint.objects.filter(name="stop-go").exists()


def test_a_worker_killed_mid_batch_leaves_nothing_half_counted_and_the_batch_is_marked_failed(models_dir: Path, redis_broker: str) -> None:
    checkpoint = tiny_checkpoint()
    # Its own worker: this one gets killed.
    with celery_worker(env={"MODELS_DIR": str(models_dir)}) as w:
        batch = services.batch_start(checkpoint=checkpoint, n_candidates=400, batch_size=4, temperature=1.0, length=900)
        wait_for(lambda: GenerationBatch.objects.get(pk=batch.pk).progress >= 4, timeout=90, message=f"progress\n{w.output[-3000:]}")
        w.kill()
    batch = GenerationBatch.objects.get(pk=batch.pk)
    assert batch.status == Status.RUNNING and 0 < batch.progress < 400
    assert not Candidate.objects.filter(batch=batch).exists()
    assert (batch.generated_count, batch.kept_count, batch.duplicate_count) == (0, 0, 0)
    assert jobs.batches_reap_stale(older_than=timedelta(0)) == 1
    batch.refresh_from_db()
    assert batch.status == Status.FAILED
    assert not Candidate.objects.filter(batch=batch).exists()
    # Transactional tests flush the groups the migrations made; a superuser counts as owner.
    client = Client()
    client.force_login(User.objects.create_superuser("boss", password="x-pass-123"))
    page = client.get("/generation/").content.decode()
    assert "stopped reporting (it was killed or lost)" in page
