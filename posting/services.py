"""Writes of the posting app: scheduling approved candidates into an account's slots, and changing the schedule.

Delivery (the beat's post_due) lives in posting.delivery, accounts and slots in posting.accounts.
"""

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from curator.models import Candidate
from posting.models import Account, Post

# Posts in these states occupy their slot and count towards the daily cap.
OCCUPYING = [Post.State.QUEUED, Post.State.SENDING, Post.State.UNKNOWN, Post.State.SENT]
HORIZON_DAYS = 366


class SchedulingError(Exception):
    """Shown to the user as is."""


def next_free_slot(*, account: Account, after: datetime) -> datetime | None:
    """The first slot time after `after` not taken by another post and under the account's daily cap."""
    slots = sorted(account.slots.all(), key=lambda s: s.time_of_day)
    if not slots:
        return None
    tz = ZoneInfo(account.timezone)
    start_day = after.astimezone(tz).date()
    # Replies have their own hourly limit (posting.mentions): they take no slot and do not count towards the daily cap.
    busy = Post.objects.filter(account=account, state__in=OCCUPYING, scheduled_at__gte=after - timedelta(days=1), in_reply_to_id="")
    taken: set[datetime] = set()
    per_day: dict[date, int] = {}
    for when in busy.values_list("scheduled_at", flat=True):
        taken.add(when)
        local_day = when.astimezone(tz).date()
        per_day[local_day] = per_day.get(local_day, 0) + 1
    for offset in range(HORIZON_DAYS):
        day = start_day + timedelta(days=offset)
        if per_day.get(day, 0) >= account.daily_cap:
            continue
        for slot in slots:
            if day.isoweekday() not in slot.weekdays:
                continue
            when = datetime.combine(day, slot.time_of_day, tzinfo=tz)
            if when > after and when not in taken:
                return when
    return None


def post_schedule(*, candidate: Candidate, by: User | None, account: Account | None = None) -> Post:
    """Put an approved candidate in the next free slot of an account.

    1. Lock the account row, so two curators scheduling at once cannot take the same slot.
    2. Find the next free slot under the daily cap.
    3. Create the queued Post (one per candidate: a candidate is never posted twice).
    """
    with transaction.atomic():
        if account is None:
            account = Account.objects.filter(paused=False).order_by("id").first()
            if account is None:
                raise SchedulingError("There is no active posting account: an owner can add one on the Accounts page.")
        account = Account.objects.select_for_update().get(pk=account.pk)
        if Post.objects.filter(candidate=candidate).exclude(state=Post.State.CANCELLED).exists():
            raise SchedulingError("This candidate is already scheduled or posted.")
        when = next_free_slot(account=account, after=timezone.now())
        if when is None:
            raise SchedulingError(f"Account {account.name} has no free posting slot in the next year: add slots or raise its daily cap.")
        Post.objects.filter(candidate=candidate, state=Post.State.CANCELLED).update(candidate=None)
        return Post.objects.create(account=account, candidate=candidate, text=candidate.text, scheduled_at=when, created_by=by)


# --- The schedule page: reorder, unschedule, move, post now, retry.

MOVABLE = [Post.State.QUEUED]


def _locked_queued(post: Post) -> Post:
    """Lock the account (as post_schedule does) and re-read the post; it must still be queued."""
    Account.objects.select_for_update().get(pk=post.account_id)
    fresh = Post.objects.select_related("account").get(pk=post.pk)
    if fresh.state != Post.State.QUEUED:
        raise SchedulingError(f"This post is {fresh.get_state_display().lower()} now: it can no longer be changed.")
    return fresh


def post_swap(*, post: Post, direction: str, by: User | None) -> Post:
    """Swap the post's time with its neighbour's in the account's queue (direction "up" or "down")."""
    with transaction.atomic():
        post = _locked_queued(post)
        queued = Post.objects.filter(account_id=post.account_id, state=Post.State.QUEUED).exclude(pk=post.pk)
        if direction == "up":
            other = queued.filter(scheduled_at__lte=post.scheduled_at).order_by("-scheduled_at", "-id").first()
        elif direction == "down":
            other = queued.filter(scheduled_at__gte=post.scheduled_at).order_by("scheduled_at", "id").first()
        else:
            raise SchedulingError(f"Unknown direction {direction!r}.")
        if other is None:
            raise SchedulingError("It is already " + ("first." if direction == "up" else "last."))
        mine, theirs = post.scheduled_at, other.scheduled_at
        # Both updates are conditional on "still queued"; the account lock keeps schedulers out meanwhile.
        if Post.objects.filter(pk=post.pk, state=Post.State.QUEUED).update(scheduled_at=theirs, next_attempt_at=None) != 1:
            raise SchedulingError("This post is being sent now: it can no longer be moved.")
        if Post.objects.filter(pk=other.pk, state=Post.State.QUEUED).update(scheduled_at=mine, next_attempt_at=None) != 1:
            transaction.set_rollback(True)
            raise SchedulingError("The neighbouring post is being sent now: try again.")
        post.scheduled_at = theirs
        return post


def post_unschedule(*, post: Post, by: User | None) -> Post:
    """Take the post off the queue; its candidate stays approved and can be scheduled again."""
    with transaction.atomic():
        post = _locked_queued(post)
        Post.objects.filter(pk=post.pk, state=Post.State.QUEUED).update(state=Post.State.CANCELLED)
        post.state = Post.State.CANCELLED
        return post


def post_move(*, post: Post, when: datetime, by: User | None) -> Post:
    if when < timezone.now() - timedelta(minutes=1):
        raise SchedulingError("That time has passed: choose a time in the future, or use “Post now”.")
    with transaction.atomic():
        post = _locked_queued(post)
        Post.objects.filter(pk=post.pk, state=Post.State.QUEUED).update(scheduled_at=when, next_attempt_at=None)
        post.scheduled_at = when
        return post


def _kick_delivery() -> None:
    """Run post_due now rather than at beat's next minute; if the broker is down, beat still will."""
    from kombu.exceptions import OperationalError

    from posting.tasks import post_due

    try:
        post_due.apply_async(retry=False)
    except OperationalError:
        logging.getLogger(__name__).warning("Could not reach the broker: the post goes out with beat's next post_due run.")


def post_send_now(*, post: Post, by: User | None) -> Post:
    with transaction.atomic():
        post = _locked_queued(post)
        now = timezone.now()
        Post.objects.filter(pk=post.pk, state=Post.State.QUEUED).update(scheduled_at=now, next_attempt_at=None)
        post.scheduled_at = now
        transaction.on_commit(_kick_delivery)
        return post


def post_retry(*, post: Post, by: User | None) -> Post:
    """A failed post (it was refused, so it never went out) goes back on the queue, to be sent now."""
    with transaction.atomic():
        now = timezone.now()
        changed = Post.objects.filter(pk=post.pk, state=Post.State.FAILED).update(
            state=Post.State.QUEUED, scheduled_at=now, next_attempt_at=None, attempts=0, error="", claim_token=""
        )
        if changed != 1:
            raise SchedulingError("Only a failed post can be retried.")
        transaction.on_commit(_kick_delivery)
        post.refresh_from_db()
        return post
