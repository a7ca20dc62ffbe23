"""Slots that fill themselves: each account with auto-fill on takes its oldest Ready candidates into its free
slots within its horizon (`Account.autofill_hours`). Beat runs it every minute (posting.tasks.autofill).

Never moves or replaces a post: it only takes slots nobody took. A paused account is not filled. The
account row is locked for the whole pass (as post_schedule locks it), so a pass, another pass and a
curator scheduling take turns; the database refuses one candidate twice on one account in any case.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from posting.backlog import backlog, live_posts
from posting.models import Account, Post
from posting.scheduling import next_free_slot

log = logging.getLogger(__name__)
# At most this many posts per account per pass: a pass holds the account's lock, so it stays short.
PER_PASS = 50


@dataclass
class FillReport:
    filled: dict[str, int]

    def __str__(self) -> str:
        return ", ".join(f"{name} {n}" for name, n in sorted(self.filled.items())) or "nothing to fill"


def account_autofill(*, account: Account, now: datetime | None = None) -> int:
    """Fill one account's free slots within its horizon from its backlog, oldest decision first. Returns how many."""
    now = now or timezone.now()
    filled = 0
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if not account.autofill or account.paused:
            return 0
        horizon = now + timedelta(hours=account.autofill_hours)
        # Read under the lock: a curator's schedule committed before it is seen, one after it waits for us.
        for candidate in backlog(account=account).order_by("decided_at", "id")[:PER_PASS]:
            when = next_free_slot(account=account, after=now)
            if when is None or when > horizon:
                break
            if live_posts().filter(candidate=candidate).exists():
                continue  # sent elsewhere since the backlog was read
            try:
                with transaction.atomic():
                    Post.objects.create(account=account, candidate=candidate, text=candidate.text, scheduled_at=when)
            except IntegrityError:
                continue  # post_one_live_per_candidate_account: somebody else scheduled it here meanwhile
            filled += 1
    if filled:
        log.info("auto-fill: %s posts for %s", filled, account.name)
    return filled


def accounts_autofill(*, now: datetime | None = None) -> FillReport:
    """One pass over every account with auto-fill on (beat, every minute)."""
    report = FillReport(filled={})
    for account in Account.objects.filter(autofill=True, paused=False).order_by("id"):
        n = account_autofill(account=account, now=now)
        if n:
            report.filled[account.name] = n
    return report
