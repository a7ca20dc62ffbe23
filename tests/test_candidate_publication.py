"""The candidate tells the truth: Posted (link, network, time), Scheduled (account, human time in its zone),
Ready, Failed (reason); the Candidates page filters on each; moving a post changes what the candidate shows."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from curator.models import Candidate
from posting.models import Post
from tests.support.bots import candidate_of, make_bot

pytestmark = pytest.mark.django_db


def page(client: Client, c: Candidate) -> str:
    return client.get(reverse("curator:candidate", args=[c.pk])).content.decode()


def test_a_scheduled_candidate_shows_its_account_and_local_time_and_follows_a_move(curator_client: Client) -> None:
    bot = make_bot("la-bot", tz="America/Los_Angeles")
    c = candidate_of(bot, "on the schedule")
    curator_client.get(reverse("curator:queue"))
    curator_client.post(reverse("curator:queue_schedule", args=[c.pk]), {"version": 1})
    post = Post.objects.get(candidate=c)
    html = page(curator_client, c)
    assert '<strong class="publication">Scheduled</strong>' in html and "Scheduled</strong> on la-bot" in html
    assert "+00:00" not in html and ("PST" in html or "PDT" in html)
    day = (timezone.now() + timedelta(days=30)).astimezone(ZoneInfo("America/Los_Angeles")).date()
    local = datetime.combine(day, time(12, 30), tzinfo=ZoneInfo("America/Los_Angeles"))
    curator_client.post(reverse("posting:schedule_action", args=[post.pk, "move"]), {"when": f"{day:%Y-%m-%d}T12:30"})
    assert Post.objects.get(pk=post.pk).scheduled_at == local.astimezone(UTC)
    html = page(curator_client, c)
    assert f"{local:%a} {day.day} {local:%b %Y} 12:30 {local.tzname()}" in html


def test_posted_failed_and_ready_are_shown_and_filtered(curator_client: Client) -> None:
    bot = make_bot("bot")
    now = timezone.now()
    posted = candidate_of(bot, "went out", status=Candidate.Status.APPROVED)
    Post.objects.create(
        account=bot.account,
        candidate=posted,
        text=posted.text,
        scheduled_at=now - timedelta(hours=1),
        sent_at=now - timedelta(hours=1),
        state=Post.State.SENT,
        url="https://x.com/bot/status/123",
    )
    failed = candidate_of(bot, "was refused", status=Candidate.Status.APPROVED)
    Post.objects.create(
        account=bot.account, candidate=failed, text=failed.text, scheduled_at=now - timedelta(hours=2), state=Post.State.FAILED,
        error="X refused it as duplicate content",
    )  # fmt: skip
    ready = candidate_of(bot, "waiting for a slot", status=Candidate.Status.APPROVED)
    scheduled = candidate_of(bot, "has a time", status=Candidate.Status.APPROVED)
    Post.objects.create(account=bot.account, candidate=scheduled, text=scheduled.text, scheduled_at=now + timedelta(hours=3))
    html = page(curator_client, posted)
    assert "Posted</strong> on bot" in html and "https://x.com/bot/status/123" in html and "Dry run" in html
    assert "X refused it as duplicate content" in page(curator_client, failed)
    assert '<strong class="publication">Ready</strong>' in page(curator_client, ready)
    expected = {"posted": posted, "failed": failed, "ready": ready, "scheduled": scheduled}
    for status, c in expected.items():
        listing = curator_client.get(reverse("curator:candidates"), {"status": status}).content.decode()
        shown = {o.text for o in expected.values() if f">{o.text}<" in listing}
        assert shown == {c.text}, status
    listing = curator_client.get(reverse("curator:candidates"), {"status": "approved"}).content.decode()
    for label in ("Posted", "Failed", "Ready", "Scheduled"):
        assert f"<td>{label}" in listing


def test_an_older_decision_shows_its_time_in_words_not_iso(curator_client: Client, curator) -> None:  # type: ignore[no-untyped-def]
    from curator.models import Decision

    c = Candidate.objects.create(text="old", generated_text="old", text_hash="old", status=Candidate.Status.APPROVED)
    Decision.objects.create(
        candidate=c, user=curator, action=Decision.Action.SCHEDULE, before_status="pending", after_status="approved",
        data={"scheduled_at": "2026-12-02T15:00:00+00:00", "account": "bot"},
    )  # fmt: skip
    html = page(curator_client, c)
    assert "on bot for Wed 2 Dec 2026 15:00 UTC" in html and "2026-12-02T15:00:00+00:00" not in html
