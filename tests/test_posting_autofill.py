"""Slots that fill themselves from the backlog: within the horizon, oldest first, never over a curator's
post, not while paused; racing passes and a curator never put two posts in a slot or a candidate twice."""

import contextlib
import threading
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from curator.models import Candidate
from posting.autofill import accounts_autofill
from posting.models import Account, Post, Slot
from posting.scheduling import SchedulingError, post_schedule
from tests.support.bots import Bot, candidate_of, make_bot


def approved(bot: Bot, n: int, prefix: str = "ready") -> list[Candidate]:
    out = []
    start = timezone.now() - timedelta(days=1)
    for i in range(n):
        c = candidate_of(bot, f"{prefix} {i}", status=Candidate.Status.APPROVED)
        Candidate.objects.filter(pk=c.pk).update(decided_at=start + timedelta(minutes=i))
        out.append(c)
    return out


def slots_within(account: Account, now: datetime, hours: int) -> list[datetime]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(account.timezone)
    out = []
    for offset in range(-1, hours // 24 + 2):
        day = (now + timedelta(days=offset)).astimezone(tz).date()
        for slot in account.slots.all():
            when = datetime.combine(day, slot.time_of_day, tzinfo=tz)
            if now < when <= now + timedelta(hours=hours):
                out.append(when)
    return sorted(out)


@pytest.mark.django_db
def test_it_fills_free_slots_within_the_horizon_oldest_first_and_keeps_curators_posts() -> None:
    bot = make_bot("filler", hours=(9, 15, 21))
    Account.objects.filter(pk=bot.account.pk).update(autofill=True, autofill_hours=48)
    candidates = approved(bot, 10)
    now = timezone.now()
    free = slots_within(bot.account, now, 48)
    mine = post_schedule(candidate=candidates[-1], by=None, account=bot.account)  # a curator's choice, the first free slot
    report = accounts_autofill()
    posts = list(Post.objects.filter(account=bot.account).exclude(pk=mine.pk).order_by("scheduled_at"))
    assert Post.objects.get(pk=mine.pk).scheduled_at == free[0] and Post.objects.get(pk=mine.pk).candidate == candidates[-1]
    assert [p.scheduled_at for p in posts] == free[1:]
    assert [p.candidate for p in posts] == candidates[: len(free) - 1]  # oldest decision first
    assert str(report) == f"filler {len(free) - 1}"
    assert accounts_autofill().filled == {}  # nothing left within the horizon


@pytest.mark.django_db
def test_it_does_not_fill_a_paused_account_or_one_without_auto_fill() -> None:
    on, off = make_bot("paused-one"), make_bot("manual")
    Account.objects.filter(pk=on.account.pk).update(autofill=True, paused=True)
    approved(on, 3, "p"), approved(off, 3, "m")
    assert accounts_autofill().filled == {} and not Post.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_racing_auto_fill_runs_and_a_curator_never_double_book(curator: User) -> None:
    bot = make_bot("race", hours=tuple(range(24)))
    Account.objects.filter(pk=bot.account.pk).update(autofill=True, autofill_hours=30, daily_cap=24)
    candidates = approved(bot, 60)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def fill() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                accounts_autofill()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def curate() -> None:
        try:
            barrier.wait()
            for c in candidates[:15]:  # the oldest: the ones auto-fill wants first too
                # Refused when auto-fill scheduled it first, as it must be.
                with contextlib.suppress(SchedulingError):
                    post_schedule(candidate=c, by=curator, account=Account.objects.get(pk=bot.account.pk))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=fill), threading.Thread(target=fill), threading.Thread(target=curate)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    live = Post.objects.filter(account=bot.account).exclude(state=Post.State.CANCELLED)
    slots = Counter(live.values_list("scheduled_at", flat=True))
    assert [when for when, n in slots.items() if n > 1] == [], "a slot taken twice"
    per_candidate = Counter(live.values_list("candidate_id", flat=True))
    assert [c for c, n in per_candidate.items() if n > 1] == [], "a candidate scheduled twice on one account"
    assert len(slots) >= 29  # the horizon's 29 or 30 hourly slots are all taken
    assert set(Slot.objects.filter(account=bot.account).values_list("time_of_day", flat=True)) >= {time(0, 0)}


@pytest.mark.django_db(transaction=True)
def test_beat_sends_autofill_every_minute_and_a_real_worker_fills_the_slots(redis_broker: str) -> None:
    from django.conf import settings

    from posting.tasks import autofill_slots
    from tests.support.workers import celery_worker, wait_for

    assert settings.CELERY_BEAT_SCHEDULE["autofill"] == {"task": "posting.tasks.autofill", "schedule": 60.0}
    bot = make_bot("worker-fill", hours=(6, 18))
    Account.objects.filter(pk=bot.account.pk).update(autofill=True, autofill_hours=48)
    approved(bot, 6)
    with celery_worker(queues="default") as w:
        autofill_slots.delay()
        wait_for(lambda: Post.objects.filter(account=bot.account).count() >= 3, timeout=60, message=f"filled slots\n{w.output}")
