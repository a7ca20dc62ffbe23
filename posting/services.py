"""Changing the schedule (the Schedule and History pages): reorder, unschedule, move, post now, retry.

Scheduling itself lives in posting.scheduling, delivery (the beat's post_due) in posting.delivery,
accounts and slots in posting.accounts. Each change is logged on the post with who made it.
"""

import logging
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from posting.delivery import post_log
from posting.models import Account, Attempt, Post
from posting.scheduling import OCCUPYING, SchedulingError, local_time, schedule_time_check

# --- The schedule page: reorder, unschedule, move, post now, retry.

MOVABLE = [Post.State.QUEUED]


def _locked_queued(post: Post) -> Post:
    """Lock the account (as post_schedule does) and re-read the post; it must still be queued."""
    Account.objects.select_for_update().get(pk=post.account_id)
    fresh = Post.objects.readable().select_related("account").filter(pk=post.pk).first()
    if fresh is None:
        raise SchedulingError("This post's time cannot be read: unschedule it from the warning at the top of the Schedule page.")
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
        post_log(post, Attempt.Outcome.MOVED, f"swapped with post {other.pk}", by=by)
        post_log(other, Attempt.Outcome.MOVED, f"swapped with post {post.pk}", by=by)
        return post


def post_unschedule(*, post: Post, by: User | None) -> Post:
    """Take the post off the queue; its candidate stays approved and is back in its account's backlog (Ready)."""
    with transaction.atomic():
        post = _locked_queued(post)
        Post.objects.filter(pk=post.pk, state=Post.State.QUEUED).update(state=Post.State.CANCELLED)
        post.state = Post.State.CANCELLED
        post_log(post, Attempt.Outcome.UNSCHEDULED, by=by)
        return post


def post_unschedule_unreadable(*, post_id: int, by: User | None) -> int:
    """Cancel a queued post whose stored time cannot be read (see posting.models.READABLE_FROM): an update
    that never loads the time, so the page that offers it cannot fail on it. Returns how many (0 or 1)."""
    with transaction.atomic():
        changed = Post.objects.unreadable().filter(pk=post_id, state=Post.State.QUEUED).update(state=Post.State.CANCELLED)
        if changed:
            Attempt.objects.create(post_id=post_id, outcome=Attempt.Outcome.UNSCHEDULED, detail="its time could not be read", by=by)
        return changed


def post_move(*, post: Post, when: datetime, by: User | None) -> Post:
    when = schedule_time_check(when=when, account=post.account)
    with transaction.atomic():
        post = _locked_queued(post)
        taken = Post.objects.readable().filter(account_id=post.account_id, scheduled_at=when, state__in=OCCUPYING, in_reply_to_id="")
        if not post.in_reply_to_id and taken.exclude(pk=post.pk).exists():
            raise SchedulingError(f"{local_time(when, post.account)} is taken by another post: choose a free slot or another time.")
        Post.objects.filter(pk=post.pk, state=Post.State.QUEUED).update(scheduled_at=when, next_attempt_at=None)
        post.scheduled_at = when
        post_log(post, Attempt.Outcome.MOVED, f"to {local_time(when, post.account)}", by=by)
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
        post_log(post, Attempt.Outcome.POST_NOW, by=by)
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
        post_log(post, Attempt.Outcome.RETRIED, by=by)
        transaction.on_commit(_kick_delivery)
        post.refresh_from_db()
        return post
