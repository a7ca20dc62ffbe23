"""The week calendar: per account, each day's slots and posts in the account's time zone (read only)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from posting.models import Account, Post, Slot

SHOWN = [Post.State.QUEUED, Post.State.SENDING, Post.State.UNKNOWN, Post.State.SENT, Post.State.FAILED]


@dataclass
class Entry:
    when: datetime
    post: Post | None = None
    slot: bool = False  # on one of the account's slots
    past: bool = False

    @property
    def free(self) -> bool:
        """A slot nobody took, still ahead: a drop target."""
        return self.post is None and not self.past


@dataclass
class Day:
    day: date
    entries: list[Entry] = field(default_factory=list)


@dataclass
class AccountWeek:
    account: Account
    days: list[Day]
    free_slots: list[datetime]


def week_start(value: str | None, *, today: date) -> date:
    """The Monday of the week holding `value` (YYYY-MM-DD), or of today's week; a bad value means today."""
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    if not date(2000, 1, 10) <= day <= date(9998, 12, 20):
        day = today
    return day - timedelta(days=day.isoweekday() - 1)


def account_week(*, account: Account, monday: date, now: datetime | None = None) -> AccountWeek:
    now = now or timezone.now()
    tz = ZoneInfo(account.timezone)
    start = datetime.combine(monday, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=7)
    posts = list(
        Post.objects.readable()
        .filter(account=account, state__in=SHOWN, scheduled_at__gte=start, scheduled_at__lt=end)
        .select_related("candidate")
        .order_by("scheduled_at", "id")
    )
    slots = list(Slot.objects.filter(account=account))
    days = [Day(day=monday + timedelta(days=i)) for i in range(7)]
    by_time: dict[datetime, Entry] = {}
    for d in days:
        for slot in slots:
            if d.day.isoweekday() in slot.weekdays:
                when = datetime.combine(d.day, slot.time_of_day, tzinfo=tz)
                by_time[when] = Entry(when=when, slot=True, past=when <= now)
    extra: list[Entry] = []
    for post in posts:
        when = post.scheduled_at.astimezone(tz)
        entry = by_time.get(when)
        if entry is not None and entry.post is None and not post.in_reply_to_id:
            entry.post = post
        else:
            extra.append(Entry(when=when, post=post, past=when <= now))
    for entry in [*by_time.values(), *extra]:
        days[(entry.when.date() - monday).days].entries.append(entry)
    for d in days:
        d.entries.sort(key=lambda e: (e.when, e.post.pk if e.post else 0))
    free = sorted(e.when for e in by_time.values() if e.free)
    return AccountWeek(account=account, days=days, free_slots=free)
