"""The whole loop with real parts: a mention on the fake X server, reply candidates written by the tiny GPT-2
model in a real Celery worker, a curator's approval in the queue, and post_due posting the reply exactly once."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from curator.models import Candidate
from generation.models import GenerationBatch
from posting.models import Account, Mention, Post
from posting.tasks import poll_mentions, post_due
from testing.fakex import FakeXControl, FakeXServer
from tests.support.generation import corpus_make, fresh_models_dir, tiny_checkpoint
from tests.support.posting import x_account
from tests.support.workers import celery_worker, wait_for


def runs(output: str, task: str) -> int:
    return len(re.findall(rf"Task posting\.tasks\.{task}\[[^\]]+\] succeeded", output))


pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def models_dir(tmp_path: Path, settings: SettingsWrapper) -> Path:
    settings.MODELS_DIR = fresh_models_dir(tmp_path)
    return Path(settings.MODELS_DIR)


@pytest.fixture
def reviewer() -> Iterator[Client]:
    # Its own user and group: a transactional test may run after another one flushed the groups.
    user = User.objects.create_user("rita", password="x")
    user.groups.add(Group.objects.get_or_create(name="curator")[0])
    client = Client()
    client.force_login(user)
    yield client


def test_a_mention_is_answered_through_the_queue_by_a_real_worker_exactly_once(
    fake: FakeXControl, fake_server: FakeXServer, models_dir: Path, redis_broker: str, reviewer: Client
) -> None:
    checkpoint = tiny_checkpoint()
    checkpoint.corpus = corpus_make()
    checkpoint.save()
    account = x_account(fake, username="thebot")
    Account.objects.filter(pk=account.pk).update(replies_enabled=True, reply_candidates=4)
    tweet = fake.mention(author="alice", text="@thebot what do you make of the crowd tonight?")
    env = {
        "MODELS_DIR": str(models_dir),
        "X_API_BASE_URL": fake_server.url,
        "X_API_TIMEOUT": "2",
        "X_API_CONNECT_TIMEOUT": "1",
        "POST_SETTLE_SECONDS": "0",
        "POST_VISIBLE_WITHIN_SECONDS": "0",
    }
    with celery_worker(env=env) as w:
        # 1. Beat's poll: the worker fetches the mention and sends its generation to the gpu queue.
        poll_mentions.delay()
        mention = wait_for(
            lambda: Mention.objects.filter(state__in=[Mention.State.READY, Mention.State.FAILED]).first(),
            timeout=120,
            message=f"reply candidates\n{w.output[-3000:]}",
        )
        assert mention.state == Mention.State.READY, mention.reason
        assert (mention.remote_id, mention.author_username) == (tweet["id"], "alice")
        batch = GenerationBatch.objects.get(pk=mention.batch_id)
        assert batch.prefix == "what do you make of the crowd tonight?" and batch.generated_count == 4
        replies = list(Candidate.objects.filter(mention=mention).order_by("id"))
        assert len(replies) == batch.kept_count > 0
        for row in replies:
            assert not row.text.startswith("what do you make") and "<|startoftext|>" not in row.text
            assert row.nearcopy_verdict != "" and 0 < row.weighted_length <= 280

        # 2. A curator sees the mention above its candidates and approves one.
        html = reviewer.get(reverse("curator:queue")).content.decode()
        assert "to <strong>@alice</strong>" in html
        chosen = replies[0]
        response = reviewer.post(reverse("curator:queue_approve", args=[chosen.pk]), {"version": chosen.version})
        assert response.status_code == 303
        post = Post.objects.get()
        assert post.in_reply_to_id == tweet["id"] and post.scheduled_at <= timezone.now() + timezone.timedelta(minutes=1)
        assert all(c.status == Candidate.Status.SET_ASIDE for c in Candidate.objects.filter(mention=mention).exclude(pk=chosen.pk))

        # 3. A minute later beat's post_due sends it (run twice: it must go out once).
        Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now())
        post_due.delay()
        wait_for(
            lambda: Post.objects.filter(pk=post.pk, state=Post.State.SENT).exists(),
            timeout=60,
            message=f"the reply sent\n{w.output[-3000:]}",
        )
        post_due.delay()
        poll_mentions.delay()  # the bot's own reply does not mention it; nothing new to answer
        wait_for(lambda: runs(w.output, "post_due") == 2 and runs(w.output, "poll_mentions") == 2, timeout=30, message="the last runs")
    account.refresh_from_db()
    sent = [t for t in fake.tweets() if t["author_id"] == account.remote_user_id]
    assert len(sent) == 1
    assert sent[0]["in_reply_to"] == tweet["id"] and sent[0]["text"] == chosen.text
    assert Post.objects.get(pk=post.pk).remote_id == sent[0]["id"]
    assert Mention.objects.count() == 1 and Mention.objects.get().state == Mention.State.ANSWERED
