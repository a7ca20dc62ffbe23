"""post_due in a real Celery worker process, on Redis, against the fake X server; and a worker killed mid-send."""

import time

import pytest
from django.utils import timezone

from curator.models import Candidate
from posting.models import Attempt, Post
from posting.tasks import post_due
from testing.fakex import FakeXControl, FakeXServer
from tests.support.posting import due_post, x_account
from tests.support.workers import celery_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def worker_env(server: FakeXServer, **extra: str) -> dict[str, str]:
    return {
        "X_API_BASE_URL": server.url,
        "X_API_TIMEOUT": "1",
        "X_API_CONNECT_TIMEOUT": "1",
        "POST_SETTLE_SECONDS": "0",
        "POST_VISIBLE_WITHIN_SECONDS": "0",
        "POST_SENDING_STALE_SECONDS": "3",
    } | extra


def test_a_real_worker_runs_post_due_and_the_posts_go_out(fake: FakeXControl, fake_server: FakeXServer, redis_broker: str) -> None:
    account = x_account(fake, username="workerbot")
    posts = [due_post(account, f"from a real worker {i}") for i in range(3)]
    with celery_worker(queues="default", env=worker_env(fake_server)) as w:
        post_due.delay()
        wait_for(lambda: Post.objects.filter(state=Post.State.SENT).count() == 3, timeout=60, message=f"three sent posts\n{w.output}")
    assert sorted(t["text"] for t in fake.tweets()) == sorted(p.text for p in posts)
    assert all(p.url.startswith(fake_server.url) for p in Post.objects.all())


def test_a_worker_killed_between_the_api_call_and_the_database_write_leaves_exactly_one_post(
    fake: FakeXControl, fake_server: FakeXServer, redis_broker: str
) -> None:
    account = x_account(fake, username="killed")
    text = "the worker dies right after this reaches X"
    c = Candidate.objects.create(text=text, generated_text=text, text_hash=text, status=Candidate.Status.APPROVED)
    post = due_post(account, text)
    Post.objects.filter(pk=post.pk).update(candidate=c)
    # X stores the post, then answers only after 20 s: long enough to kill the worker while it waits.
    fake.fault("timeout_after_store", delay=20)
    slow = worker_env(fake_server, X_API_TIMEOUT="30", POST_SENDING_STALE_SECONDS="60")
    with celery_worker(queues="default", env=slow) as w:
        post_due.delay()
        wait_for(lambda: fake.tweets(), timeout=60, message=f"the post stored on the fake server\n{w.output}")
        w.kill()
    post.refresh_from_db()
    assert post.state == Post.State.SENDING, "the worker died before writing the outcome"
    time.sleep(3.2)  # past POST_SENDING_STALE_SECONDS of the next worker
    with celery_worker(queues="default", env=worker_env(fake_server)) as w:
        post_due.delay()
        wait_for(
            lambda: Post.objects.filter(pk=post.pk, state=Post.State.SENT).exists(), timeout=60, message=f"the post settled\n{w.output}"
        )
    post.refresh_from_db()
    stored = fake.tweets()
    assert [t["text"] for t in stored] == [text]
    assert post.remote_id == stored[0]["id"]
    assert list(post.log.values_list("outcome", flat=True)) == [Attempt.Outcome.ABANDONED, Attempt.Outcome.FOUND]
    assert post.sent_at and post.sent_at <= timezone.now()
