"""Posting benchmark: 1,000 due posts across 3 accounts drained through the fake X server with 10% faults.

    .venv/bin/python -m bench.posting [--posts 1000] [--workers 4] [--fault-rate 0.1] [--latency 0.05]

Runs the fake X API as a separate process (`python -m testing.fakex`, duplicates stored so that a double
post is counted), then drains the same posts twice from a fresh server:

- baseline: what cron-style bots do: call create_tweet, and on any error try again (up to 3 times);
- post_due: `posting.delivery.posts_send_due` in N concurrent runs, as beat and the workers run it.

Prints time to drain, duplicates (must be 0) and lost posts (must be 0) side by side, with the ratio.
Uses a throw-away SQLite database under a temp dir unless DATABASE_URL is set (then a test_ database).
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
FAULTS = ["429", "500", "500_after_store", "timeout_after_store", "drop_after_store"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup_django(tmp: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("VAR_DIR", tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def _make_posts(n_posts: int, accounts: list[Any]) -> list[Any]:
    from datetime import timedelta

    from django.utils import timezone

    from posting.models import Post

    now = timezone.now() - timedelta(minutes=1)
    rows = [
        Post(account=accounts[i % len(accounts)], text=f"bench post {i} from {accounts[i % len(accounts)].name}", scheduled_at=now)
        for i in range(n_posts)
    ]
    return Post.objects.bulk_create(rows)


def _accounts(control: Any) -> list[Any]:
    from posting.crypto import credentials_encrypt
    from posting.models import Account

    accounts = []
    for i in range(3):
        token = f"bench-token-{i}"
        control.user(access_token=token, username=f"benchbot{i}")
        creds = {"consumer_key": "ck", "consumer_secret": "cs", "access_token": token, "access_token_secret": "ats"}
        accounts.append(
            Account.objects.create(name=f"benchbot{i}", publisher=Account.Publisher.X, credentials_encrypted=credentials_encrypt(creds))
        )
    return accounts


def _count(control: Any, texts: list[str]) -> tuple[int, int, int]:
    stored = Counter(t["text"] for t in control.tweets())
    duplicates = sum(n - 1 for n in stored.values() if n > 1)
    lost = sum(1 for t in texts if stored[t] == 0)
    return duplicates, lost, sum(stored.values())


def run_baseline(control: Any, posts: list[Any], workers: int) -> dict[str, float]:
    """Blind retry: send, and on any error send again (up to 3 tries)."""
    from django.db import connection

    from posting.publishers import PublishError, RateLimited, publisher_for

    todo = list(posts)
    lock = threading.Lock()

    def work() -> None:
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    post = todo.pop()
                publisher = publisher_for(post.account)
                for _try in range(3):
                    try:
                        publisher.create(text=post.text)
                        break
                    except RateLimited:
                        time.sleep(1)
                    except PublishError:
                        continue
        finally:
            connection.close()

    elapsed = _run_threads(work, workers)
    duplicates, lost, stored = _count(control, [p.text for p in posts])
    return {"seconds": elapsed, "duplicates": duplicates, "lost": lost, "stored": stored, **_calls(control)}


def run_post_due(control: Any, posts: list[Any], workers: int) -> dict[str, float]:
    from django.db import connection

    from posting.delivery import posts_send_due
    from posting.models import Attempt, Post

    open_states = [Post.State.QUEUED, Post.State.SENDING, Post.State.UNKNOWN]
    done = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while not done.is_set():
                posts_send_due(max_seconds=30)
                if not Post.objects.filter(state__in=open_states).exists():
                    done.set()
                else:
                    time.sleep(0.05)  # waiting for a rate-limit reset
        except BaseException as exc:  # noqa: BLE001 - reported after the run
            errors.append(exc)
            done.set()
        finally:
            connection.close()

    elapsed = _run_threads(work, workers)
    if errors:
        raise errors[0]
    duplicates, lost, stored = _count(control, [p.text for p in posts])
    states = Counter(Post.objects.values_list("state", flat=True))
    outcomes = Counter(Attempt.objects.values_list("outcome", flat=True))
    result = {
        "seconds": elapsed,
        "duplicates": duplicates,
        "lost": lost,
        "stored": stored,
        "failed": states.get(Post.State.FAILED, 0),
        **_calls(control),
    }
    result |= {f"outcome {k}": v for k, v in sorted(outcomes.items())}
    return result


def _run_threads(work: Callable[[], None], workers: int) -> float:
    """Run `work` in `workers` threads at once; the wall time until the last one ends."""
    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


def _calls(control: Any) -> dict[str, float]:
    stats = control.stats()
    return {"create calls": stats.get("create_tweet", 0), "lookup calls": stats.get("users_tweets", 0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds each create_tweet takes on the fake server")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="bench-posting-")
    _setup_django(tmp)
    from django.conf import settings
    from django.test.utils import setup_databases, teardown_databases

    from posting.models import Account, Attempt, DryRunTweet, Post
    from testing.fakex import FakeXControl

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "testing.fakex", "--port", str(port), "--allow-duplicates"],
        cwd=BASE_DIR,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    old = setup_databases(verbosity=0, interactive=False)
    try:
        assert server.stdout is not None
        server.stdout.readline()  # "listening on …"
        url = f"http://127.0.0.1:{port}"
        settings.X_API_BASE_URL = url
        settings.X_API_TIMEOUT = 1.0
        settings.X_API_CONNECT_TIMEOUT = 1.0
        settings.POST_SETTLE_SECONDS = 0
        settings.POST_VISIBLE_WITHIN_SECONDS = 0
        control = FakeXControl(url)
        results = {}
        for name, runner in (("baseline (blind retry)", run_baseline), ("post_due", run_post_due)):
            control.reset()
            Attempt.objects.all().delete()
            Post.objects.all().delete()
            DryRunTweet.objects.all().delete()
            Account.objects.all().delete()
            accounts = _accounts(control)
            posts = _make_posts(args.posts, accounts)
            control.config(latency=args.latency, timeout_delay=1.5)
            control.chaos(rate=args.fault_rate, kinds=FAULTS, seed=args.seed, reset_in=1)
            results[name] = runner(control, posts, args.workers)
    finally:
        teardown_databases(old, verbosity=0)
        server.terminate()
        server.wait(timeout=10)

    base, ours = results["baseline (blind retry)"], results["post_due"]
    print(
        f"\nPosting benchmark: {args.posts} due posts, 3 accounts, {args.workers} concurrent runs, {args.fault_rate:.0%} faults {FAULTS},"
    )
    print(
        f"create latency {args.latency}s, client timeout 1s, settle delay 0s, database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}\n"
    )
    keys = list(dict.fromkeys([*base, *ours]))
    print(f"| {'measure':<28} | {'baseline (blind retry)':>22} | {'post_due':>10} | {'ratio':>7} |")
    print(f"| {'-' * 28} | {'-' * 22}: | {'-' * 10}: | {'-' * 7}: |")
    for key in keys:
        b, o = base.get(key, ""), ours.get(key, "")
        ratio = f"{o / b:.2f}" if isinstance(b, int | float) and isinstance(o, int | float) and b else ""
        fmt = (lambda v: f"{v:.1f}") if key == "seconds" else (lambda v: f"{v}")
        print(f"| {key:<28} | {fmt(b) if b != '' else '':>22} | {fmt(o) if o != '' else '':>10} | {ratio:>7} |")
    print(f"\nposts per second: baseline {args.posts / base['seconds']:.1f}, post_due {args.posts / ours['seconds']:.1f}")
    ok = ours["duplicates"] == 0 and ours["lost"] == 0
    print("post_due: " + ("0 duplicates, 0 lost: OK" if ok else "FAILED: duplicates or lost posts"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
