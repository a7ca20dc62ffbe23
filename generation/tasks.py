"""Tasks of the generation area (gpu queue). Thin: they take ids and call services.

acks_late: a task whose worker dies is redelivered; the services recognise the abandoned attempt
(a running row with a stale heartbeat) and take it over, or the reaper marks it failed first.
"""

from celery import shared_task
from django.conf import settings

from generation import services

SOFT, HARD = settings.GPU_TASK_SOFT_LIMIT, settings.GPU_TASK_SOFT_LIMIT + 60


@shared_task(name="generation.tasks.finetune", ignore_result=True, acks_late=True, soft_time_limit=SOFT, time_limit=HARD)
def finetune(run_id: int) -> None:
    services.finetune_run(run_id=run_id)


@shared_task(name="generation.tasks.generate", ignore_result=True, acks_late=True, soft_time_limit=SOFT, time_limit=HARD)
def generate(batch_id: int) -> None:
    services.batch_run(batch_id=batch_id)


@shared_task(name="generation.tasks.reap_stale", ignore_result=True)
def reap_stale() -> None:
    """For beat: fail batches and runs whose worker died, so the page never shows them running forever."""
    services.batches_reap_stale()
    services.runs_reap_stale()
