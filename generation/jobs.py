"""The lifecycle every generation job shares (finetune runs and batches): claim, heartbeat, stop, reap, errors.

A job is claimed with a conditional update (queued, or running for a worker that stopped reporting);
while it runs, a thread beside it stamps heartbeat_at; the reapers fail rows whose worker died.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from core.errors import unexpected
from generation.gpt2 import files
from generation.models import WORKING, FinetuneRun, GenerationBatch, Status

log = logging.getLogger(__name__)

# While a task runs, a thread beside it stamps heartbeat_at this often (also through slow phases:
# tokenising a big corpus, one chunk of a large model on CPU); a running row not stamped for
# STALE_AFTER belongs to a worker that died.
HEARTBEAT_EVERY = 20.0
STALE_AFTER = timedelta(minutes=2)

Job = type[FinetuneRun] | type[GenerationBatch]


@contextmanager
def heartbeat(model: Job, pk: int) -> Iterator[None]:
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_EVERY):
                model.objects.filter(pk=pk, status__in=WORKING).update(heartbeat_at=timezone.now())
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT_EVERY + 5)


class Stop(Exception):
    """The row left the running state under us (cancelled, or reaped as stale): stop without writing."""


def job_claim(model: Job, pk: int) -> bool:
    """Queued, or running for a worker that stopped reporting (a redelivery after a crash): ours now."""
    now = timezone.now()
    stale = Q(status=Status.RUNNING) & (Q(heartbeat_at__lt=now - STALE_AFTER) | Q(heartbeat_at__isnull=True))
    return bool(
        model.objects.filter(Q(pk=pk) & (Q(status=Status.QUEUED) | stale)).update(
            status=Status.RUNNING, started_at=now, heartbeat_at=now, error=""
        )
    )


def job_error(exc: BaseException, *, what: str, batch_size: int) -> str:
    """The failure in words the owner can act on; an unplanned exception's own text stays in the log."""
    name = type(exc).__name__
    if name == "ResourceExhaustedError" or isinstance(exc, MemoryError):
        return (
            f"The worker ran out of memory during the {what}. Lower the batch size (it was {batch_size}) or the length, and start it again."
        )
    if isinstance(exc, files.ModelMissing):
        return f"The checkpoint could not be loaded: {exc}"
    if name == "SoftTimeLimitExceeded":
        return f"The {what} took longer than the worker's time limit (GPU_TASK_SOFT_LIMIT) and was stopped."
    return unexpected(what)  # the caller logged the exception with its traceback


def batches_reap_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Mark batches whose worker stopped reporting as failed; none of their candidates were written."""
    cutoff = timezone.now() - older_than
    return GenerationBatch.objects.filter(status__in=WORKING, heartbeat_at__lt=cutoff).update(
        status=Status.FAILED,
        error="The worker running this batch stopped reporting (it was killed or lost). Nothing from it was saved; start it again.",
        finished_at=timezone.now(),
    )


def runs_reap_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    cutoff = timezone.now() - older_than
    return FinetuneRun.objects.filter(status__in=WORKING, heartbeat_at__lt=cutoff).update(
        status=Status.FAILED,
        error="The worker running this finetune stopped reporting (it was killed or lost). Resume continues from the last saved step.",
        finished_at=timezone.now(),
    )
