"""Tasks of the generation area (gpu queue). Thin: they take ids and run the job (generation.finetune, .batches).

acks_late: a task whose worker dies is redelivered; the services recognise the abandoned attempt
(a running row with a stale heartbeat) and take it over, or the reaper marks it failed first.
"""

from celery import shared_task
from django.conf import settings

from generation import batches, jobs
from generation import finetune as finetune_job

SOFT, HARD = settings.GPU_TASK_SOFT_LIMIT, settings.GPU_TASK_SOFT_LIMIT + 60


@shared_task(name="generation.tasks.finetune", ignore_result=True, acks_late=True, soft_time_limit=SOFT, time_limit=HARD)
def finetune(run_id: int) -> None:
    finetune_job.finetune_run(run_id=run_id)


@shared_task(name="generation.tasks.generate", ignore_result=True, acks_late=True, soft_time_limit=SOFT, time_limit=HARD)
def generate(batch_id: int) -> None:
    batches.batch_run(batch_id=batch_id)


@shared_task(name="generation.tasks.reap_stale", ignore_result=True)
def reap_stale() -> None:
    """For beat: fail batches and runs whose worker died, so the page never shows them running forever."""
    jobs.batches_reap_stale()
    jobs.runs_reap_stale()
