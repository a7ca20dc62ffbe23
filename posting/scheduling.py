"""Scheduling approved candidates into an account's slots: the next free slot, and the Post it gets.

Kept apart from posting.services (the schedule page's changes, which enqueue post_due) so that the
tasks' own code never imports a module that imports the tasks.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from curator.models import Candidate
from posting.models import Account, Post
from posting.networks import length_rule

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


def schedule_targets() -> list[Account]:
    """Where the queue's "schedule" posts: every active account marked schedule_from_queue, else the first active one."""
    active = Account.objects.filter(paused=False).order_by("id")
    marked = list(active.filter(schedule_from_queue=True))
    if marked:
        return marked
    first = active.first()
    return [first] if first is not None else []


def post_schedule(*, candidate: Candidate, by: User | None, account: Account | None = None) -> Post:
    """Put an approved candidate in the next free slot of an account (or of each target account: the first post is returned).

    1. Lock the accounts, so two curators scheduling at once cannot take the same slot.
    2. Refuse a text that breaks any target network's length rule, saying which; nothing is created then.
    3. Find the next free slot under each account's daily cap.
    4. Create the queued Posts (one per candidate and account: a candidate never goes out twice on one account).
    """
    with transaction.atomic():
        targets = [account] if account is not None else schedule_targets()
        if not targets:
            raise SchedulingError("There is no active posting account: an owner can add one on the Accounts page.")
        locked = list(Account.objects.select_for_update().filter(pk__in=[a.pk for a in targets]).order_by("id"))
        if Post.objects.filter(candidate=candidate).exclude(state=Post.State.CANCELLED).exists():
            raise SchedulingError("This candidate is already scheduled or posted.")
        for target in locked:
            refusal = length_rule(target).refusal(candidate.text)
            if refusal:
                raise SchedulingError(f"{refusal} (account {target.name}).")
        posts = []
        for target in locked:
            when = next_free_slot(account=target, after=timezone.now())
            if when is None:
                raise SchedulingError(f"Account {target.name} has no free posting slot in the next year: add slots or raise its daily cap.")
            posts.append(Post.objects.create(account=target, candidate=candidate, text=candidate.text, scheduled_at=when, created_by=by))
        return posts[0]


def local_time(when: datetime, account: Account) -> str:
    """A time as people read it, in the account's time zone: "Wed 2 Dec 15:00 CET"."""
    local = when.astimezone(ZoneInfo(account.timezone))
    return f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname()}"
