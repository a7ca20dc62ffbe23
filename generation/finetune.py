"""The finetune job (the gpu task's body): train a checkpoint on a corpus, reporting progress each step."""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from corpora.services import corpus_export_csv
from generation.checkpoints import checkpoint_register
from generation.gpt2 import files
from generation.jobs import heartbeat, job_claim, job_error, runs_reap_stale
from generation.models import Checkpoint, FinetuneRun, Status

log = logging.getLogger(__name__)

LOSS_HISTORY_POINTS = 400


def finetune_run(*, run_id: int) -> None:
    """1. claim the run; 2. export the corpus; 3. train, writing progress and checking cancel each step;
    4. register the checkpoint (or record the cancel / the error in plain words)."""
    claimed = job_claim(FinetuneRun, run_id)  # before reaping: a redelivered run is taken over (it resumes), not failed
    runs_reap_stale()
    if not claimed:
        log.info("finetune %s: not queued (already done, cancelled, or running elsewhere)", run_id)
        return
    run = FinetuneRun.objects.select_related("corpus").get(pk=run_id)
    run_path = files.run_path(run.run_name)
    run_path.mkdir(parents=True, exist_ok=True)
    dataset = run_path / "dataset.csv"
    elapsed_before = run.elapsed_seconds
    history: list[list[float]] = list(run.loss_history)
    samples: list[dict[str, Any]] = list(run.samples)
    cancelled = False

    def on_step(step: Any) -> bool:
        nonlocal cancelled
        history.append([step.step, round(step.loss, 4)])
        if len(history) > LOSS_HISTORY_POINTS:
            del history[1:-1:2]  # thin out evenly, keeping the first and the latest point
        if step.samples:
            samples.extend({"step": step.step, "text": text} for text in step.samples)
            del samples[:-10]
        FinetuneRun.objects.filter(pk=run_id).update(
            step=step.step,
            loss=step.loss,
            avg_loss=step.avg_loss,
            elapsed_seconds=elapsed_before + step.elapsed,
            loss_history=history,
            samples=samples,
            heartbeat_at=timezone.now(),
        )
        cancelled = FinetuneRun.objects.filter(pk=run_id, cancel_requested=True).exists()
        return not cancelled

    try:
        with heartbeat(FinetuneRun, run_id):
            from generation.gpt2 import training

            corpus_export_csv(corpus=run.corpus, path=dataset)
            reached = training.finetune(
                dataset=dataset,
                base_path=files.base_path(run.base_model),
                run_path=run_path,
                steps=run.steps,
                batch_size=run.batch_size,
                learning_rate=run.learning_rate,
                sample_every=run.sample_every,
                save_every=run.save_every,
                on_step=on_step,
            )
    except Exception as exc:
        log.exception("finetune %s failed", run_id)
        message = str(exc) if type(exc).__name__ == "DatasetTooSmall" else job_error(exc, what="finetune", batch_size=run.batch_size)
        FinetuneRun.objects.filter(pk=run_id).update(status=Status.FAILED, error=message, finished_at=timezone.now())
        return
    if cancelled and reached < run.steps:
        FinetuneRun.objects.filter(pk=run_id).update(status=Status.CANCELLED, finished_at=timezone.now())
        return
    with transaction.atomic():
        checkpoint = checkpoint_register(
            name=run.run_name,
            kind=Checkpoint.Kind.FINETUNED,
            path=f"checkpoint/{run.run_name}",
            base_model=run.base_model,
            corpus=run.corpus,
            hparams=files.read_hparams(run_path),
        )
        FinetuneRun.objects.filter(pk=run_id).update(
            status=Status.SUCCEEDED, checkpoint=checkpoint, cancel_requested=False, finished_at=timezone.now()
        )
