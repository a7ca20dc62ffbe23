"""Posting tasks. Thin: they call posting.delivery, which holds the rules."""

import logging

from celery import shared_task
from django.conf import settings

from posting import delivery

log = logging.getLogger(__name__)


@shared_task(name="posting.tasks.post_due", ignore_result=True)
def post_due() -> str:
    """Sent by beat every minute (and at once by "post now"). Safe to run many at once: claims are exclusive."""
    report = delivery.posts_send_due()
    log.info("post_due: %s", report)
    return str(report)


@shared_task(name="posting.tasks.poll_mentions", ignore_result=True)
def poll_mentions() -> str:
    """Sent by beat every minute: new mentions of each account with replies switched on (posting.mentions)."""
    from posting import mentions

    report = mentions.mentions_poll()
    log.info("poll_mentions: %s", report)
    return str(report)


@shared_task(
    name="posting.tasks.generate_replies",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=settings.GPU_TASK_SOFT_LIMIT,
    time_limit=settings.GPU_TASK_SOFT_LIMIT + 60,
)
def generate_replies(mention_id: int) -> None:
    """On the gpu queue (see CELERY_TASK_ROUTES): reply candidates for one mention. Idempotent."""
    from posting import mentions

    mentions.replies_generate(mention_id=mention_id)
