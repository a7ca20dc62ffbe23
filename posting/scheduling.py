"""Scheduling approved candidates into an account's slots: the next free slot, and the Post it gets.

Kept apart from posting.services (the schedule page's changes, which enqueue post_due) so that the
tasks' own code never imports a module that imports the tasks.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import times
from core.times import READABLE_UNTIL
from curator.models import Candidate
from posting.backlog import live_posts, target_account
from posting.models import Account, Post
from posting.networks import length_rule

# Posts in these states occupy their slot and count towards the daily cap.
OCCUPYING = [Post.State.QUEUED, Post.State.SENDING, Post.State.UNKNOWN, Post.State.SENT]


class SchedulingError(Exception):
    """Shown to the user as is."""


def horizon_days() -> int:
    return int(settings.POST_SCHEDULE_MAX_DAYS)


def schedule_time_check(*, when: datetime, account: Account, now: datetime | None = None) -> datetime:
    """The time a person chose for a post, in UTC, or a SchedulingError saying why it cannot be used.

    Refused: a time that cannot be stored (9999-12-31 in America/Los_Angeles is the year 10000 in UTC),
    one in the past (give or take a minute: "Post now" is for that), one beyond POST_SCHEDULE_MAX_DAYS.
    """
    now = now or timezone.now()
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(account.timezone))
    try:
        utc = when.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or utc >= READABLE_UNTIL:
        raise SchedulingError("That date is too far in the future to be stored: choose a time within the next year.")
    if utc < now - timedelta(minutes=1):
        raise SchedulingError("That time has passed: choose a time in the future, or use “Post now”.")
    days = horizon_days()
    if utc > now + timedelta(days=days):
        raise SchedulingError(f"That is more than {days} days ahead: choose a time within the next {days} days.")
    return utc


def next_free_slot(*, account: Account, after: datetime) -> datetime | None:
    """The first slot time after `after` not taken by another post and under the account's daily cap."""
    slots = sorted(account.slots.all(), key=lambda s: s.time_of_day)
    if not slots:
        return None
    tz = ZoneInfo(account.timezone)
    start_day = after.astimezone(tz).date()
    # Replies have their own hourly limit (posting.mentions): they take no slot and do not count towards the daily cap.
    busy = Post.objects.readable().filter(
        account=account, state__in=OCCUPYING, scheduled_at__gte=after - timedelta(days=1), in_reply_to_id=""
    )
    taken: set[datetime] = set()
    per_day: dict[date, int] = {}
    for when in busy.values_list("scheduled_at", flat=True):
        taken.add(when)
        local_day = when.astimezone(tz).date()
        per_day[local_day] = per_day.get(local_day, 0) + 1
    limit = after + timedelta(days=horizon_days())
    for offset in range(horizon_days() + 1):
        day = start_day + timedelta(days=offset)
        if per_day.get(day, 0) >= account.daily_cap:
            continue
        for slot in slots:
            if day.isoweekday() not in slot.weekdays:
                continue
            when = datetime.combine(day, slot.time_of_day, tzinfo=tz)
            if when > limit:
                return None
            if when > after and when not in taken:
                return when
    return None


def schedule_targets(*, candidate: Candidate) -> list[Account]:
    """Where the queue's `s` posts a candidate when the curator chooses no account:
    1. the account its batch is for (the bot's voice, issue 13);
    2. else every active account marked "schedule from the queue" (one bot on several networks, issue 14);
    3. else the only account there is; else none, and the curator chooses (the card's menu).
    """
    batch = candidate.batch
    if batch is not None and batch.account_id is not None:
        return [Account.objects.get(pk=batch.account_id)]
    marked = list(Account.objects.filter(paused=False, schedule_from_queue=True).order_by("id"))
    if marked:
        return marked
    only = target_account(candidate=candidate)
    return [only] if only is not None else []


def post_schedule(*, candidate: Candidate, by: User | None, account: Account | None = None) -> Post:
    """Put an approved candidate in the next free slot of an account, or of each of its targets (the first post is returned).

    1. Lock the accounts, so two curators (or a curator and auto-fill) cannot take the same slot.
    2. Refuse a second live post of the candidate on an account (the database refuses it too), and a text
       that breaks a target network's length rule, saying which; nothing is created then.
    3. Find the next free slot under each account's daily cap, within POST_SCHEDULE_MAX_DAYS.
    4. Create the queued Posts: one per account (a candidate may go out on X, Bluesky and Mastodon, once each).
    """
    targets = [account] if account is not None else schedule_targets(candidate=candidate)
    if not targets:
        if not Account.objects.exists():
            raise SchedulingError("There is no posting account yet: an owner can add one on the Accounts page.")
        raise SchedulingError("This candidate's batch is for no account: choose one (the Schedule to… menu, or keys 1 to 9).")
    try:
        with transaction.atomic():
            locked = list(Account.objects.select_for_update().filter(pk__in=[a.pk for a in targets]).order_by("id"))
            for target in locked:
                if live_posts().filter(candidate=candidate, account=target).exists():
                    raise SchedulingError(f"This candidate is already scheduled or posted on {target.name}.")
                refusal = length_rule(target).refusal(candidate.text)
                if refusal:
                    raise SchedulingError(f"{refusal} (account {target.name}).")
            posts = []
            for target in locked:
                when = next_free_slot(account=target, after=timezone.now())
                if when is None:
                    raise SchedulingError(
                        f"Account {target.name} has no free posting slot in the next {horizon_days()} days: add slots or raise its daily cap."
                    )
                posts.append(
                    Post.objects.create(account=target, candidate=candidate, text=candidate.text, scheduled_at=when, created_by=by)
                )
            return posts[0]
    except IntegrityError as exc:
        # post_one_live_per_candidate_account: a racing scheduler got there between our check and our insert.
        raise SchedulingError("This candidate is already scheduled or posted on that account.") from exc


def local_time(when: datetime, account: Account) -> str:
    """A time as people read it, in the account's time zone: "Wed 2 Dec 2026 15:00 CET"."""
    return times.local_time(when, account.timezone)
