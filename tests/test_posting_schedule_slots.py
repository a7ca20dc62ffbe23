from datetime import UTC, datetime, time

import pytest

from curator.models import Candidate
from posting.models import Account, Post, Slot
from posting.scheduling import SchedulingError, next_free_slot, post_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> Account:
    account = Account.objects.create(name="bot", timezone="Europe/Berlin", daily_cap=2)
    Slot.objects.create(account=account, time_of_day=time(9, 0), weekdays=[1, 2, 3, 4, 5])
    Slot.objects.create(account=account, time_of_day=time(18, 30), weekdays=[1, 2, 3, 4, 5, 6, 7])
    return account


def candidate(text: str = "hello") -> Candidate:
    return Candidate.objects.create(text=text, generated_text=text, text_hash=text, status=Candidate.Status.APPROVED)


def test_it_picks_the_next_slot_in_the_account_time_zone(account: Account) -> None:
    # Monday 2026-11-23 07:00 UTC is 08:00 in Berlin: the 09:00 slot is next.
    when = next_free_slot(account=account, after=datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    assert when == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_it_skips_weekdays_the_slot_does_not_run_on(account: Account) -> None:
    # Saturday 2026-11-28 06:00 UTC: the weekday-only 09:00 slot is skipped, 18:30 Berlin = 17:30 UTC.
    when = next_free_slot(account=account, after=datetime(2026, 11, 28, 6, 0, tzinfo=UTC))
    assert when == datetime(2026, 11, 28, 17, 30, tzinfo=UTC)


def test_it_fills_slots_in_order_and_respects_the_daily_cap(account: Account) -> None:
    account.daily_cap = 1
    account.save()
    first = post_schedule(candidate=candidate("a"), by=None, account=account)
    second = post_schedule(candidate=candidate("b"), by=None, account=account)
    assert first.scheduled_at.date() < second.scheduled_at.date()
    assert Post.objects.count() == 2


def test_it_never_schedules_a_candidate_twice(account: Account) -> None:
    c = candidate()
    post_schedule(candidate=c, by=None, account=account)
    with pytest.raises(SchedulingError, match="already scheduled"):
        post_schedule(candidate=c, by=None, account=account)


def test_it_says_clearly_when_there_is_no_account() -> None:
    with pytest.raises(SchedulingError, match="no posting account yet"):
        post_schedule(candidate=candidate(), by=None)


def test_it_says_clearly_when_there_are_no_slots() -> None:
    account = Account.objects.create(name="empty")
    with pytest.raises(SchedulingError, match="no free posting slot"):
        post_schedule(candidate=candidate(), by=None, account=account)
