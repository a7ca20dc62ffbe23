"""A gpu task redelivered hours after its worker died, through a real worker: it restarts nothing.

Redis gives an unacknowledged task back after the visibility timeout (GPU_TASK_SOFT_LIMIT + 1 h, 7 h by
default), too long to wait for here; a redelivery is the same task name and arguments arriving again, so the
test sends exactly that to a real worker.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from curator.models import Candidate
from generation import checkpoints, tasks
from generation.models import FinetuneRun, GenerationBatch, Status
from tests.support.generation import corpus_make
from tests.support.workers import Worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_redelivered_tasks_of_a_dead_worker_fail_their_jobs_and_leave_the_new_ones_alone(worker: Worker, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MODELS_DIR = tmp_path
    corpus = corpus_make()
    chain = checkpoints.markov_checkpoint_create(corpus=corpus, name="chain")
    hours_ago = timezone.now() - timedelta(hours=7)
    # What the dead worker left: a batch and a finetune still marked running, not stamped for 7 hours (beat was
    # down too, so no reaper ran), and a batch the owner started since, which its own task already finished.
    dead = GenerationBatch.objects.create(checkpoint=chain, corpus=corpus, backend="markov", n_candidates=40, batch_size=10)
    GenerationBatch.objects.filter(pk=dead.pk).update(status=Status.RUNNING, progress=20, heartbeat_at=hours_ago)
    run = FinetuneRun.objects.create(corpus=corpus, base_model="tiny", run_name="late", steps=10)
    FinetuneRun.objects.filter(pk=run.pk).update(status=Status.RUNNING, step=4, heartbeat_at=hours_ago)
    done = GenerationBatch.objects.create(checkpoint=chain, corpus=corpus, backend="markov", n_candidates=40, batch_size=10, seed=2)
    GenerationBatch.objects.filter(pk=done.pk).update(status=Status.SUCCEEDED, finished_at=timezone.now())

    for task, pk in ((tasks.generate, dead.pk), (tasks.finetune, run.pk), (tasks.generate, done.pk)):
        task.delay(pk)

    wait_for(lambda: GenerationBatch.objects.get(pk=dead.pk).status == Status.FAILED, timeout=60, message=f"the batch\n{worker.output}")
    wait_for(lambda: FinetuneRun.objects.get(pk=run.pk).status == Status.FAILED, timeout=60, message=f"the run\n{worker.output}")
    wait_for(lambda: worker.output.count("not queued") >= 3, timeout=60, message=f"all three tasks\n{worker.output}")
    dead.refresh_from_db()
    assert dead.generated_count == 0 and "stopped reporting" in dead.error
    run = FinetuneRun.objects.get(pk=run.pk)
    assert run.step == 4 and "Resume continues from the last saved step" in run.error
    assert GenerationBatch.objects.get(pk=done.pk).status == Status.SUCCEEDED
    assert not Candidate.objects.exists()
