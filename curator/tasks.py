"""Housekeeping tasks of the curator app. Tasks stay thin: they call services."""

from celery import shared_task

from curator import services


@shared_task(name="curator.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Sent by beat to each queue; the worker that runs it records itself and beat as alive."""
    request = heartbeat.request
    queue = (request.delivery_info or {}).get("routing_key", "") if request else ""
    services.heartbeat_record(worker=request.hostname or "worker", queue=queue or "")


@shared_task(name="curator.tasks.expire_claims", ignore_result=True)
def expire_claims() -> int:
    """Every minute: claims whose lease ran out go back to the pool, so the queue never runs dry under dead locks."""
    return services.claims_expire()
