"""The whole path in the embedded demo: approved → scheduled → posted by post_due (dry run) → shown in history."""

import pytest
from django.test import Client
from django.urls import reverse

from curator.models import Candidate
from posting.demo import demo_account_ensure
from posting.models import DryRunTweet, Post
from posting.scheduling import post_schedule
from posting.tasks import post_due

pytestmark = pytest.mark.django_db


def test_an_approved_candidate_goes_out_through_the_dry_run_account_and_shows_in_history(curator_client: Client, curator) -> None:  # type: ignore[no-untyped-def]
    demo_account_ensure()
    text = "A candidate worth posting"
    candidate = Candidate.objects.create(text=text, generated_text=text, text_hash="h", status=Candidate.Status.APPROVED)
    post = post_schedule(candidate=candidate, by=curator)
    assert post.account.name == "demo-bot" and post.state == Post.State.QUEUED
    assert text in curator_client.get(reverse("posting:schedule")).content.decode()
    curator_client.post(reverse("posting:schedule_action", args=[post.pk, "now"]))
    post_due()  # what beat sends every minute
    post.refresh_from_db()
    assert post.state == Post.State.SENT
    assert DryRunTweet.objects.get().text == text
    html = curator_client.get(reverse("posting:post_history")).content.decode()
    assert text in html and f"dry run ({post.remote_id})" in html


def test_beat_runs_post_due_every_minute() -> None:
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["post-due"] == {"task": "posting.tasks.post_due", "schedule": 60.0}
