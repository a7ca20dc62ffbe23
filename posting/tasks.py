"""Posting tasks. Thin: they call posting.delivery, which holds the rules."""

import logging

from celery import shared_task

from posting import autofill, delivery, mentions

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
    report = mentions.mentions_poll()
    log.info("poll_mentions: %s", report)
    return str(report)


@shared_task(name="posting.tasks.autofill", ignore_result=True)
def autofill_slots() -> str:
    """Sent by beat every minute: accounts with auto-fill on take Ready candidates into their free slots."""
    report = autofill.accounts_autofill()
    log.info("autofill: %s", report)
    return str(report)
