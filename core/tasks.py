"""Tasks every deployment runs: the heartbeat that proves beat and each worker alive."""

from celery import shared_task

from core.status import heartbeat_record


@shared_task(name="core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Sent by beat to each queue; the worker that runs it records itself and beat as alive."""
    request = heartbeat.request
    queue = (request.delivery_info or {}).get("routing_key", "") if request else ""
    heartbeat_record(worker=request.hostname or "worker", queue=queue or "")
