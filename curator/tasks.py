"""Housekeeping tasks of the curator app. Tasks stay thin: they call services."""

from celery import shared_task

from curator import claims


@shared_task(name="curator.tasks.expire_claims", ignore_result=True)
def expire_claims() -> int:
    """Every minute: claims whose lease ran out go back to the pool, so the queue never runs dry under dead locks."""
    return claims.claims_expire()
