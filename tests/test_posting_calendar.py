"""The week calendar: slots, scheduled and sent posts, gaps; move (form or drag, same POST), unschedule,
post now with a confirmation; with and without htmx."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posting.models import Account, Attempt, Post
from tests.support.bots import make_bot

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def next_slot(account: Account, hour: int, days: int) -> datetime:
    tz = ZoneInfo(account.timezone)
    day = (timezone.now() + timedelta(days=days)).astimezone(tz).date()
    return datetime.combine(day, datetime.min.time().replace(hour=hour), tzinfo=tz)


def test_it_shows_the_week_with_slots_posts_and_links(curator_client: Client) -> None:
    bot = make_bot("cal", tz="Europe/Berlin", hours=(9, 15))
    other = make_bot("other")
    when = next_slot(bot.account, 9, 1)
    Post.objects.create(account=bot.account, text="scheduled <b>bold</b>", scheduled_at=when)
    sent_at = timezone.now() - timedelta(hours=1)
    Post.objects.create(
        account=bot.account, text="went out", scheduled_at=sent_at, sent_at=sent_at, state=Post.State.SENT, url="https://x.com/cal/status/9"
    )
    week = when.date().isoformat()
    html = curator_client.get(reverse("posting:calendar"), {"week": week}).content.decode()
    assert "scheduled &lt;b&gt;bold&lt;/b&gt;" in html and "free slot" in html and 'data-move-url="' in html
    assert f'id="calendar-{other.account.pk}"' in html
    only = curator_client.get(reverse("posting:calendar"), {"week": week, "account": bot.account.pk}).content.decode()
    assert f'id="calendar-{other.account.pk}"' not in only
    this_week = curator_client.get(reverse("posting:calendar")).content.decode()
    if (
        sent_at.astimezone(ZoneInfo("Europe/Berlin")).isocalendar()[1]
        == timezone.now().astimezone(ZoneInfo("Europe/Berlin")).isocalendar()[1]
    ):
        assert "https://x.com/cal/status/9" in this_week
    partial = curator_client.get(reverse("posting:calendar"), {"week": week}, **HX).content.decode()  # type: ignore[arg-type]
    assert 'id="calendar"' in partial and "<html" not in partial
    for bad in ("not-a-date", "99999-01-01", "0001-01-01"):
        assert curator_client.get(reverse("posting:calendar"), {"week": bad, "account": "x1"}).status_code == 200


def test_moving_to_a_free_slot_with_and_without_htmx(curator_client: Client) -> None:
    bot = make_bot("mover", hours=(9, 15))
    post = Post.objects.create(account=bot.account, text="move me", scheduled_at=next_slot(bot.account, 9, 2))
    target = next_slot(bot.account, 15, 2)
    url = reverse("posting:calendar_move", args=[post.pk])
    html = curator_client.post(url, {"when": target.strftime("%Y-%m-%dT%H:%M")}, **HX).content.decode()  # type: ignore[arg-type]
    assert "Moved to" in html and Post.objects.get(pk=post.pk).scheduled_at == target
    assert Attempt.objects.filter(post=post, outcome=Attempt.Outcome.MOVED).exists()
    back = next_slot(bot.account, 9, 3)
    response = curator_client.post(url, {"when": back.strftime("%Y-%m-%dT%H:%M"), "week": back.date().isoformat()})
    assert response.status_code == 302 and "week=" in response["Location"]
    assert Post.objects.get(pk=post.pk).scheduled_at == back


def test_a_taken_slot_a_past_time_and_nonsense_are_refused(curator_client: Client) -> None:
    bot = make_bot("strict", hours=(9, 15))
    a = Post.objects.create(account=bot.account, text="a", scheduled_at=next_slot(bot.account, 9, 2))
    b = Post.objects.create(account=bot.account, text="b", scheduled_at=next_slot(bot.account, 15, 2))
    url = reverse("posting:calendar_move", args=[a.pk])
    cases = {
        b.scheduled_at.strftime("%Y-%m-%dT%H:%M"): "is taken by another post",
        "2020-01-01T09:00": "That time has passed",
        "9999-12-31T20:00": "too far in the future",
        "tomorrow": "Choose a slot or a time",
    }
    for when, message in cases.items():
        html = curator_client.post(url, {"when": when}, **HX).content.decode()  # type: ignore[arg-type]
        assert message in html, when
    assert Post.objects.get(pk=a.pk).scheduled_at == a.scheduled_at


def test_unschedule_and_post_now_with_confirmation(curator_client: Client) -> None:
    bot = make_bot("acts")
    a = Post.objects.create(account=bot.account, text="a", scheduled_at=next_slot(bot.account, 9, 2))
    b = Post.objects.create(account=bot.account, text="b", scheduled_at=next_slot(bot.account, 15, 2))
    html = curator_client.post(reverse("posting:calendar_action", args=[a.pk, "unschedule"]), **HX).content.decode()  # type: ignore[arg-type]
    assert "back in the account&#x27;s Ready list" in html and Post.objects.get(pk=a.pk).state == Post.State.CANCELLED
    now_url = reverse("posting:calendar_action", args=[b.pk, "now"])
    html = curator_client.post(now_url, **HX).content.decode()  # type: ignore[arg-type]
    assert "to confirm: nothing was sent" in html and Post.objects.get(pk=b.pk).scheduled_at > timezone.now()
    response = curator_client.post(now_url, {"confirm": "yes"})
    assert response.status_code == 302 and Post.objects.get(pk=b.pk).scheduled_at <= timezone.now()


def test_a_post_moves_to_a_time_between_slots_and_shows_there(curator_client: Client) -> None:
    bot = make_bot("offslot", tz="America/Los_Angeles", hours=(9,))
    post = Post.objects.create(account=bot.account, text="between slots", scheduled_at=next_slot(bot.account, 9, 2))
    at = next_slot(bot.account, 9, 2) + timedelta(hours=4, minutes=37)
    html = curator_client.post(
        reverse("posting:calendar_move", args=[post.pk]), {"when": at.strftime("%Y-%m-%dT%H:%M"), "week": at.date().isoformat()}, **HX
    ).content.decode()  # type: ignore[arg-type]
    assert f"Moved to {at:%a} {at.day} {at:%b %Y} 13:37 {at.tzname()}" in html
    assert Post.objects.get(pk=post.pk).scheduled_at == at
    assert "<strong>13:37</strong>" in html
    schedule = curator_client.post(
        reverse("posting:schedule_action", args=[post.pk, "move"]), {"when": at.strftime("%Y-%m-%dT14:05")}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f"14:05 {at.tzname()}" in schedule
