"""Posting benchmark: due posts across 3 accounts drained through a network's test server with injected faults.

    .venv/bin/python -m bench.posting [--network x|bluesky|mastodon] [--posts 1000] [--workers 4] [--fault-rate 0.1] [--latency 0.05]

x: the fake X API as a separate process (`python -m testing.fakex`, duplicates stored so that a double
post is counted). bluesky: a real local PDS (testing/pds, `npm ci --prefix testing/pds`) behind the fault
proxy (testing/pds.py). mastodon: the fake Mastodon API (testing/fakemastodon.py). Each drains the same
posts twice, each time on fresh accounts:

- baseline: what cron-style bots do: call create, and on any error try again (up to 3 times), with no
  key of ours (a fresh record key or Idempotency-Key each try, as the SDKs' send_post / status_post do);
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

    from posting.networks import send_key_new
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
                        publisher.create(text=post.text, key=send_key_new(post.account.publisher))
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


class BlueskyControl:
    """The real PDS behind the fault proxy, with the fake X control's interface for the runners."""

    def __init__(self) -> None:
        from testing.pds import FaultProxy, PdsServer

        self.pds = PdsServer().start()
        self.proxy = FaultProxy(self.pds.url).start()
        self.dids: list[str] = []

    def accounts(self) -> list[Any]:
        from posting.crypto import credentials_encrypt
        from posting.models import Account

        rows = []
        self.dids = []
        for i in range(3):
            remote = self.pds.account(f"bench{i}")
            self.dids.append(remote.did)
            creds = credentials_encrypt({"identifier": remote.handle, "app_password": remote.app_password})
            rows.append(
                Account.objects.create(
                    name=f"sky{i}-{remote.handle}",
                    publisher=Account.Publisher.BLUESKY,
                    server_url=self.proxy.url,
                    credentials_encrypted=creds,
                )
            )
        return rows

    def reset(self) -> None:
        self.proxy.clear()
        with self.proxy.state.lock:
            self.proxy.state.stats.clear()

    def chaos(self, *, rate: float, seed: int) -> None:
        self.proxy.chaos(rate=rate, kinds=FAULTS, seed=seed, delay=1.5)

    def tweets(self) -> list[dict[str, Any]]:
        return [{"text": r["value"]["text"]} for did in self.dids for r in self.pds.posts(did)]

    def stats(self) -> dict[str, float]:
        with self.proxy.state.lock:
            stats = dict(self.proxy.state.stats)
        return {"create_tweet": stats.get("com.atproto.repo.createRecord", 0), "users_tweets": stats.get("com.atproto.repo.getRecord", 0)}

    def stop(self) -> None:
        self.proxy.stop()
        self.pds.stop()


class MastodonControl:
    """The fake Mastodon API, in a thread of this process, restarted for each run."""

    def __init__(self) -> None:
        self.server: Any = None
        self.control: Any = None

    def reset(self) -> None:
        from testing.fakemastodon import FakeMastodonControl, FakeMastodonServer

        if self.server is not None:
            self.server.stop()
        self.server = FakeMastodonServer().start()
        self.control = FakeMastodonControl(self.server.url)

    def accounts(self) -> list[Any]:
        from posting.crypto import credentials_encrypt
        from posting.models import Account

        rows = []
        for i in range(3):
            token = f"bench-masto-{i}"
            self.control.user(access_token=token, username=f"benchtoot{i}")
            creds = credentials_encrypt({"access_token": token})
            rows.append(
                Account.objects.create(
                    name=f"toot{i}", publisher=Account.Publisher.MASTODON, server_url=self.control.url, credentials_encrypted=creds
                )
            )
        return rows

    def chaos(self, *, rate: float, seed: int, latency: float) -> None:
        self.control.config(latency=latency, timeout_delay=1.5)
        self.control.chaos(rate=rate, kinds=FAULTS, seed=seed, reset_in=1)

    def tweets(self) -> list[dict[str, Any]]:
        return list(self.control.statuses())

    def stats(self) -> dict[str, float]:
        stats = self.control.stats()
        return {"create_tweet": stats.get("create_status", 0), "users_tweets": stats.get("account_statuses", 0)}

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds each create_tweet takes on the fake server")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--network", choices=["x", "bluesky", "mastodon"], default="x")
    args = parser.parse_args(argv)
    if args.network != "x":
        return main_network(args)

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

    return report(args, results, "fake X API")


def main_network(args: argparse.Namespace) -> int:
    """Bluesky (the real PDS behind the fault proxy) or Mastodon (the fake API), in this process."""
    tmp = tempfile.mkdtemp(prefix="bench-posting-")
    _setup_django(tmp)
    from django.conf import settings
    from django.test.utils import setup_databases, teardown_databases

    from posting.models import Account, Attempt, Post

    control: Any = BlueskyControl() if args.network == "bluesky" else MastodonControl()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        settings.X_API_TIMEOUT = 1.0
        settings.X_API_CONNECT_TIMEOUT = 1.0
        settings.POST_SETTLE_SECONDS = 0
        results = {}
        for name, runner in (("baseline (blind retry)", run_baseline), ("post_due", run_post_due)):
            control.reset()
            Attempt.objects.all().delete()
            Post.objects.all().delete()
            Account.objects.all().delete()
            posts = _make_posts(args.posts, control.accounts())
            if args.network == "bluesky":
                control.chaos(rate=args.fault_rate, seed=args.seed)
            else:
                control.chaos(rate=args.fault_rate, seed=args.seed, latency=args.latency)
            results[name] = runner(control, posts, args.workers)
    finally:
        teardown_databases(old, verbosity=0)
        control.stop()
    server = "a real local PDS behind the fault proxy" if args.network == "bluesky" else "the fake Mastodon API"
    return report(args, results, server)


def report(args: argparse.Namespace, results: dict[str, dict[str, float]], server: str) -> int:
    from django.conf import settings

    base, ours = results["baseline (blind retry)"], results["post_due"]
    print(
        f"\nPosting benchmark ({args.network}, {server}): {args.posts} due posts, 3 accounts, {args.workers} concurrent runs, "
        f"{args.fault_rate:.0%} faults {FAULTS},"
    )
    latency = f"create latency {args.latency}s" if args.network != "bluesky" else "the PDS's own latency"
    print(f"{latency}, client timeout 1s, settle delay 0s, database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}\n")
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
