"""Posting tasks. Thin: they call posting.delivery, which holds the rules."""

import logging

from celery import shared_task

from posting import delivery

log = logging.getLogger(__name__)


@shared_task(name="posting.tasks.post_due", ignore_result=True)
def post_due() -> str:
    """Sent by beat every minute (and at once by "post now"). Safe to run many at once: claims are exclusive."""
    report = delivery.posts_send_due()
    log.info("post_due: %s", report)
    return str(report)
