"""No double post: racing post_due runs (threads, processes) yield exactly one post per candidate.

The fake X server stores repeated texts (reject_duplicates off), so a double post would be counted
here instead of being hidden by the server.
"""

import subprocess
import sys
import threading
from collections import Counter

import pytest
from django.db import connection

from curator.models import Candidate
from posting.delivery import posts_send_due
from posting.models import Account, Post
from testing.fakex import FakeXControl
from tests.support.posting import due_post, x_account
from tests.support.workers import BASE_DIR, process_env

pytestmark = pytest.mark.django_db(transaction=True)


def candidates_due(accounts: list[Account], per_account: int) -> list[Post]:
    posts = []
    for account in accounts:
        for i in range(per_account):
            text = f"{account.name} candidate {i}"
            c = Candidate.objects.create(text=text, generated_text=text, text_hash=text, status=Candidate.Status.APPROVED)
            post = due_post(account, text)
            post.candidate = c
            post.save(update_fields=["candidate"])
            posts.append(post)
    return posts


def assert_exactly_once(fake: FakeXControl, posts: list[Post]) -> None:
    counts = Counter(t["text"] for t in fake.tweets())
    doubles = {text: n for text, n in counts.items() if n > 1}
    assert doubles == {}, f"posted more than once: {doubles}"
    assert set(counts) == {p.text for p in posts}, "some candidates were never posted"
    states = Counter(Post.objects.values_list("state", flat=True))
    assert states == {Post.State.SENT: len(posts)}
    remote = {t["text"]: t["id"] for t in fake.tweets()}
    assert all(remote[p.text] == p.remote_id for p in Post.objects.all())


def test_racing_threads_post_each_candidate_exactly_once(fake: FakeXControl) -> None:
    accounts = [x_account(fake, name=f"bot{i}") for i in range(2)]
    posts = candidates_due(accounts, 15)
    fake.config(latency=0.02)
    fake.chaos(rate=0.2, kinds=["500_after_store", "500", "drop_after_store", "429"], seed=7, reset_in=0)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                posts_send_due()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    Account.objects.update(rate_limited_until=None)
    posts_send_due()
    assert_exactly_once(fake, posts)


def test_racing_processes_post_each_candidate_exactly_once(fake: FakeXControl, fake_server) -> None:  # type: ignore[no-untyped-def]
    accounts = [x_account(fake, name=f"proc{i}") for i in range(2)]
    posts = candidates_due(accounts, 15)
    # Enough work (30 x 0.15 s) that all three processes are up before the queue drains.
    fake.config(latency=0.15)
    fake.chaos(rate=0.2, kinds=["500_after_store", "500", "drop_after_store"], seed=11)
    env = process_env(
        X_API_BASE_URL=fake_server.url,
        X_API_TIMEOUT="1",
        X_API_CONNECT_TIMEOUT="1",
        POST_SETTLE_SECONDS="0",
        POST_VISIBLE_WITHIN_SECONDS="0",
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "post_due"], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    # Each process reported sending some: they really raced over the same due posts.
    assert sum("sent" in out for out in outputs) >= 2, outputs
    posts_send_due()
    assert_exactly_once(fake, posts)
