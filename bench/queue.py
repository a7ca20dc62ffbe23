"""Benchmark of the curation queue on PostgreSQL with a large pending pool.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.queue

DATABASE_URL names the server (its database is only used to connect); the benchmark drops and
creates its own database `bench_queue` there, migrates it and fills it with --candidates pending rows.

First a ranker is trained and scores every pending row through the retrain task's service (timed), so the
queue has a keep probability everywhere. Then, through Django's test client (the whole middleware stack,
sessions, auth, templates):
1. p50/p95 of the queue page (an htmx GET that renews and tops up the claims and renders the card),
   best first (with the random share) and oldest first, on the same queue,
2. p50/p95 of an approve (an htmx POST that decides and renders the next card), in both orders,
3. --curators simulated curators deciding as fast as they can for --seconds (threads with their own
   database connections): decisions per second, and double decisions (must be 0),
and compares, side by side, against the goal (p95 <= 50 ms) and against a naive claim (read the next
free rows, then write them: what a queue without row locks or conditional updates does).
"""

import argparse
import logging
import os
import random
import re
import sys
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

BENCH_DB = "bench_queue"
GOAL_MS = 50.0


def _setup(base_url: str) -> None:
    parts = urlsplit(base_url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench.queue needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/anydb")
    import psycopg

    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    # django-axes logs every test-client login at INFO: hundreds of lines around the results.
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _drop(base_url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(urlunsplit(urlsplit(base_url)._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def _fill(n: int, curators: int) -> list[int]:
    from django.contrib.auth.models import Group, User

    from core import tweets
    from corpora.models import Corpus
    from curator.models import Candidate
    from generation.models import Checkpoint, GenerationBatch

    corpus = Corpus.objects.create(name="bench", format=Corpus.Format.LINES)
    checkpoint = Checkpoint.objects.create(name="bench-markov", kind=Checkpoint.Kind.MARKOV, corpus=corpus)
    batches = [
        GenerationBatch.objects.create(checkpoint=checkpoint, corpus=corpus, backend="markov", n_candidates=n // 4, temperature=t)
        for t in (0.7, 0.8, 0.9, 1.0)
    ]
    rng = random.Random(7)
    words = [
        "great",
        "america",
        "jobs",
        "media",
        "fake",
        "news",
        "tremendous",
        "people",
        "country",
        "win",
        "believe",
        "together",
        "strong",
        "tonight",
    ]
    rows = []
    for i in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(6, 30))) + f" #{i}"
        near = i % 50 == 0
        rows.append(
            Candidate(
                batch=batches[i % 4],
                corpus=corpus,
                text=text,
                generated_text=text,
                text_hash=tweets.text_hash(text),
                weighted_length=len(text),
                nearcopy_verdict="near" if near else "ok",
                nearcopy_score=88.0 if near else 30.0,
            )
        )
    Candidate.objects.bulk_create(rows, batch_size=5000)
    group = Group.objects.get(name="curator")
    ids = []
    for i in range(curators + 1):
        user = User.objects.create_user(f"bench{i}", password="bench-pass-123")
        user.groups.add(group)
        ids.append(user.pk)
    from django.db import connection

    with connection.cursor() as cursor:
        # What autovacuum does after a bulk insert of this size: statistics and the visibility map.
        cursor.execute("VACUUM ANALYZE")
    return ids


def _rank_all() -> float:
    """A ranker as the queue trains it (on 1,000 decisions: texts with "great" kept), then scoring every pending
    candidate through the service the retrain task calls: features, probabilities and the writes. Seconds."""
    from django.db import connection

    from curator.models import Candidate, RankerVersion
    from curator.ranking.features import Item
    from curator.ranking.model import ranker_train
    from curator.ranking.services import pending_score

    sample = list(Candidate.objects.order_by("id").values_list("text", flat=True)[:1000])
    trained = ranker_train(items=[Item(text=t) for t in sample], labels=["great" in t.split()[:3] for t in sample])
    corpus_id = Candidate.objects.values_list("corpus_id", flat=True).first()
    assert corpus_id is not None
    version = RankerVersion.objects.create(corpus_id=corpus_id, version=1, decisions=1000, approved=0, model=trained.ranker.dumps())
    start = time.perf_counter()
    pending_score(version=version, ranker=trained.ranker)
    took = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return took


CARD = re.compile(r'id="queue-panel"[^>]*data-candidate-id="(\d+)" data-version="(\d+)"')


def _card(html: str) -> tuple[int, int] | None:
    match = CARD.search(html)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _client(user_id: int):
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure_latency(user_id: int, iterations: int) -> dict[str, list[float]]:
    """Queue page and approve, interleaved so that both see the same machine load."""
    from django.urls import reverse

    client = _client(user_id)
    hx = {"HTTP_HX_REQUEST": "true"}
    queue_url = reverse("curator:queue")
    for _ in range(10):  # warm up: templates, connections
        client.get(queue_url, **hx)
    page: list[float] = []
    decide: list[float] = []
    for _ in range(iterations):
        start = time.perf_counter()
        html = client.get(queue_url, **hx).content.decode()
        page.append((time.perf_counter() - start) * 1000)
        card = _card(html)
        assert card is not None, "the queue ran dry"
        # Near copies need an override; the benchmark rejects those and approves the rest.
        name = "queue_reject" if "qcard qcard-near" in html else "queue_approve"
        start = time.perf_counter()
        response = client.post(reverse(f"curator:{name}", args=[card[0]]), {"version": card[1]}, **hx)
        decide.append((time.perf_counter() - start) * 1000)
        assert 'class="feedback success"' in response.content.decode(), response.content.decode()[:800]
    return {"queue page": page, "approve": decide}


def run_curators(user_ids: list[int], seconds: float) -> dict[str, float]:
    from django.db import connections
    from django.urls import reverse

    hx = {"HTTP_HX_REQUEST": "true"}
    done = [0] * len(user_ids)
    refused = [0] * len(user_ids)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(user_ids) + 1)
    stop = threading.Event()

    def curator(index: int, user_id: int) -> None:
        rng = random.Random(index)
        try:
            client = _client(user_id)
            html = client.get(reverse("curator:queue"), **hx).content.decode()
            card = _card(html)
            barrier.wait()
            while not stop.is_set() and card is not None:
                # Good candidates are rare: approve about 5%, reject the rest (near copies always rejected).
                near = "qcard qcard-near" in html
                name = "queue_approve" if rng.random() < 0.05 and not near else "queue_reject"
                html = client.post(reverse(f"curator:{name}", args=[card[0]]), {"version": card[1]}, **hx).content.decode()
                if "nothing was saved" in html or 'class="feedback error"' in html:
                    refused[index] += 1
                else:
                    done[index] += 1
                card = _card(html)
        except BaseException as exc:  # noqa: BLE001 - reported after the run
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=curator, args=(i, uid)) for i, uid in enumerate(user_ids)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return {"decisions": sum(done), "refused": sum(refused), "seconds": elapsed, "per_second": sum(done) / elapsed}


def double_decisions() -> tuple[int, int]:
    """Candidates with more than one standing decision, and candidates whose decider is not the decision's author."""
    from django.db.models import Count, F

    from curator.models import Candidate, Decision

    deciding = Decision.objects.filter(action__in=["approve", "reject", "schedule"], undone=False)
    doubles = deciding.values("candidate_id").annotate(n=Count("id")).filter(n__gt=1).count()
    mismatched = Candidate.objects.filter(decisions__in=deciding).exclude(decided_by_id=F("decisions__user_id")).distinct().count()
    return doubles, mismatched


def claim_race(user_ids: list[int], seconds: float, claim: Callable[..., list[int]]) -> dict[str, float]:
    """Curators claiming and releasing in a loop; count candidates two curators believed they held at once."""
    from django.contrib.auth.models import User
    from django.db import connections

    from curator.claims import claims_release
    from curator.models import Candidate

    Candidate.objects.filter(status="pending").update(claimed_by=None, claim_expires_at=None)
    held: dict[int, set[int]] = {uid: set() for uid in user_ids}
    lock = threading.Lock()
    doubles = [0]
    rounds = [0]
    failures = [0]
    stop = threading.Event()

    def loop(user_id: int) -> None:
        from django.db import DatabaseError

        user = User.objects.get(pk=user_id)
        try:
            while not stop.is_set():
                try:
                    ids = set(claim(user=user))
                    with lock:
                        others = set().union(*(v for k, v in held.items() if k != user_id))
                        doubles[0] += len(ids & others)
                        held[user_id] = ids
                        rounds[0] += 1
                    time.sleep(0.02)  # the curator reads the card
                    with lock:
                        held[user_id] = set()
                    claims_release(user=user)
                except DatabaseError:
                    # e.g. "deadlock detected": unordered multi-row writes without row locks.
                    failures[0] += 1
                    with lock:
                        held[user_id] = set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=loop, args=(uid,)) for uid in user_ids]
    started = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"doubles": doubles[0], "claims_per_second": rounds[0] / elapsed, "failures": failures[0]}


def naive_claim(*, user) -> list[int]:
    """The baseline: read the next free rows, then write them (no row lock, no condition on the write)."""
    from datetime import timedelta

    from django.conf import settings
    from django.db.models import Q
    from django.utils import timezone

    from curator.models import Candidate

    now = timezone.now()
    free = Candidate.objects.filter(status="pending").filter(Q(claim_expires_at__isnull=True) | Q(claim_expires_at__lte=now))
    ids = list(free.order_by("id").values_list("id", flat=True)[: settings.QUEUE_CLAIM_SIZE])
    Candidate.objects.filter(pk__in=ids).update(claimed_by=user, claim_expires_at=now + timedelta(seconds=settings.QUEUE_CLAIM_SECONDS))
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--curators", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--race-seconds", type=float, default=5.0)
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database afterwards (dropped by default)")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    t0 = time.perf_counter()
    _setup(base)
    user_ids = _fill(args.candidates, args.curators)
    print(f"database {BENCH_DB}: {args.candidates:,} pending candidates, {args.curators} curators (setup {time.perf_counter() - t0:.1f} s)")

    from django.contrib.auth.models import User

    from curator.claims import queue_claim
    from curator.models import Candidate

    rescore_s = _rank_all()
    print(
        f"the ranker scored and wrote {Candidate.objects.filter(keep_probability__isnull=False).count():,} pending candidates in {rescore_s:.1f} s"
    )
    from curator.claims import preference_set

    # The same queue, the same moment: one curator best first (with the 10% random share), one oldest first.
    preference_set(user=User.objects.get(pk=user_ids[-2]), order="oldest")
    latency_oldest = measure_latency(user_ids[-2], args.iterations // 2)
    latency_best = measure_latency(user_ids[-1], args.iterations)
    latency = {**{f"{k} best first": v for k, v in latency_best.items()}, **{f"{k} oldest first": v for k, v in latency_oldest.items()}}
    crowd = run_curators(user_ids[: args.curators], args.seconds)
    doubles, mismatched = double_decisions()
    ours = claim_race(user_ids[: args.curators], args.race_seconds, queue_claim)
    naive = claim_race(user_ids[: args.curators], args.race_seconds, naive_claim)
    pending = Candidate.objects.filter(status="pending").count()

    rows = []
    for name, samples in latency.items():
        for label, q in (("p50", 0.5), ("p95", 0.95)):
            value = _pct(samples, q)
            rows.append((f"{name} {label} (ms)", f"{value:.1f}", f"goal {GOAL_MS:.0f}", f"{value / GOAL_MS:.2f}"))
    rows.append((f"{args.curators} curators: decisions/s", f"{crowd['per_second']:.1f}", "", ""))
    rows.append(("  decisions / refused (stale)", f"{crowd['decisions']:.0f} / {crowd['refused']:.0f}", "", ""))
    rows.append(("  double decisions", f"{doubles}", "must be 0", ""))
    rows.append(("  decider != decision author", f"{mismatched}", "must be 0", ""))
    rows.append(
        (
            f"claim race {args.race_seconds:g} s: candidates held twice",
            f"{ours['doubles']}",
            f"naive {naive['doubles']}",
            "—" if not naive["doubles"] else f"{ours['doubles'] / naive['doubles']:.2f}",
        )
    )
    rows.append(("claim race: database errors (deadlocks)", f"{ours['failures']}", f"naive {naive['failures']}", ""))
    rows.append(
        (
            "claim race: claims/s",
            f"{ours['claims_per_second']:.0f}",
            f"naive {naive['claims_per_second']:.0f}",
            f"{ours['claims_per_second'] / naive['claims_per_second']:.2f}" if naive["claims_per_second"] else "—",
        )
    )
    widths = [max(len(r[i]) for r in [*rows, ("metric", "ours", "baseline", "ratio")]) for i in range(4)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(("metric", "ours", "baseline", "ratio"), widths, strict=True)) + " |"
    print()
    print(line)
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    load = os.getloadavg()
    print(
        f"\npending left: {pending:,}; {args.iterations} samples per latency figure; load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    if not args.keep:
        _drop(base)
    if doubles or mismatched:
        sys.exit("FAILED: a candidate was decided twice")


if __name__ == "__main__":
    main()
