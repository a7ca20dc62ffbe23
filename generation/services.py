"""Starting and stopping generation jobs: each start creates the row and enqueues its task on commit.

The jobs themselves run in generation.finetune and generation.batches (called by generation.tasks),
so that this module imports the tasks and the tasks never import it.
"""

from functools import partial

from celery import Task
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.broker import BROKER_UNREACHABLE, task_send
from corpora.models import Corpus
from generation import tasks
from generation.models import (
    DEFAULT_LENGTH,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    DEFAULT_TOP_P,
    Checkpoint,
    FinetuneRun,
    GenerationBatch,
    Status,
)


def _send_or_fail(task: Task, model: type[FinetuneRun] | type[GenerationBatch], pk: int) -> None:
    """After commit: send the job's task, or fail the row with the reason (it would wait for nothing)."""
    if not task_send(task, pk):
        model.objects.filter(pk=pk, status=Status.QUEUED).update(status=Status.FAILED, error=BROKER_UNREACHABLE, finished_at=timezone.now())


def finetune_start(
    *,
    corpus: Corpus,
    base_model: str,
    run_name: str,
    steps: int,
    batch_size: int = 1,
    learning_rate: float = 1e-4,
    sample_every: int = 100,
    save_every: int = 500,
    by: User | None = None,
) -> FinetuneRun:
    run = FinetuneRun.objects.create(
        corpus=corpus,
        base_model=base_model,
        run_name=run_name,
        steps=steps,
        batch_size=batch_size,
        learning_rate=learning_rate,
        sample_every=sample_every,
        save_every=save_every,
        created_by=by,
    )
    transaction.on_commit(partial(_send_or_fail, tasks.finetune, FinetuneRun, run.pk))
    run.refresh_from_db()  # outside a transaction the task was just sent, or the row failed with the reason
    return run


def finetune_cancel(*, run: FinetuneRun) -> bool:
    """A queued run is cancelled at once; a running one stops after its current step (and saves)."""
    if FinetuneRun.objects.filter(pk=run.pk, status=Status.QUEUED).update(status=Status.CANCELLED, finished_at=timezone.now()):
        return True
    return bool(FinetuneRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(status=Status.CANCELLING, cancel_requested=True))


def finetune_resume(*, run: FinetuneRun) -> bool:
    """Queue a cancelled or failed run again; it continues from its last saved step."""
    changed = FinetuneRun.objects.filter(pk=run.pk, status__in=[Status.CANCELLED, Status.FAILED]).update(
        status=Status.QUEUED, cancel_requested=False, error="", finished_at=None
    )
    if changed:
        transaction.on_commit(partial(_send_or_fail, tasks.finetune, FinetuneRun, run.pk))
    return bool(changed)


def batch_start(
    *,
    checkpoint: Checkpoint,
    n_candidates: int,
    batch_size: int,
    temperature: float = DEFAULT_TEMPERATURE,
    top_k: int = DEFAULT_TOP_K,
    top_p: float = DEFAULT_TOP_P,
    length: int = DEFAULT_LENGTH,
    prefix: str = "",
    seed: int | None = None,
    max_repetition: float | None = None,
    prompt_only: bool = False,
    enqueue: bool = True,
    by: User | None = None,
    account_id: int | None = None,
) -> GenerationBatch:
    """Every batch starts here (the page, the command, the demo, a mention's replies).

    `account_id`: the posting account its candidates are for; by default the checkpoint's account
    (`Checkpoint.default_account`).

    `prompt_only`: the prefix conditions the model but is left out of the candidates (a mention being answered).
    `enqueue=False`: the caller runs it in this process with generation.batches.batch_run, after its
    transaction commits (the demo's Markov chain, which must show candidates before any worker is up).
    """
    backend = GenerationBatch.Backend.MARKOV if checkpoint.kind == Checkpoint.Kind.MARKOV else GenerationBatch.Backend.GPT2
    if account_id is None:
        default = checkpoint.default_account()
        account_id = default.pk if default is not None else None
    batch = GenerationBatch.objects.create(
        checkpoint=checkpoint,
        account_id=account_id,
        corpus=checkpoint.corpus,
        backend=backend,
        n_candidates=n_candidates,
        batch_size=batch_size,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        length=length,
        prefix=prefix,
        seed=seed,
        max_repetition=max_repetition,
        prompt_only=prompt_only,
        created_by=by,
    )
    if enqueue:
        transaction.on_commit(partial(_send_or_fail, tasks.generate, GenerationBatch, batch.pk))
        batch.refresh_from_db()  # outside a transaction the task was just sent, or the row failed with the reason
    return batch


def batch_cancel(*, batch: GenerationBatch) -> bool:
    if GenerationBatch.objects.filter(pk=batch.pk, status=Status.QUEUED).update(status=Status.CANCELLED, finished_at=timezone.now()):
        return True
    return bool(GenerationBatch.objects.filter(pk=batch.pk, status=Status.RUNNING).update(status=Status.CANCELLING))


def batches_target_set(*, checkpoint: Checkpoint, account_id: int) -> int:
    """Give the checkpoint's batches that target no account this one (a bot's account added after its first batch)."""
    return GenerationBatch.objects.filter(checkpoint=checkpoint, account__isnull=True, prompt_only=False).update(account_id=account_id)
