"""Claims with leases: who holds which pending candidate, for how long, and never two at once."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from curator import claims, decisions
from curator.models import Candidate
from curator.tasks import expire_claims
from tests.support.queue import claims_at_once, in_threads, make_candidates
from tests.support.workers import wait_for


@pytest.mark.django_db
def test_opening_the_queue_claims_the_next_few_for_this_curator(curator_client: Client, curator: User) -> None:
    make_candidates(12)
    curator_client.get(reverse("curator:queue"))
    held = Candidate.objects.filter(claimed_by=curator)
    assert held.count() == settings.QUEUE_CLAIM_SIZE
    assert list(held.values_list("id", flat=True)) == list(
        Candidate.objects.order_by("id").values_list("id", flat=True)[: settings.QUEUE_CLAIM_SIZE]
    )
    lease = held.first().claim_expires_at  # type: ignore[union-attr]
    assert lease is not None
    assert timedelta(seconds=settings.QUEUE_CLAIM_SECONDS - 5) < lease - timezone.now() <= timedelta(seconds=settings.QUEUE_CLAIM_SECONDS)


@pytest.mark.django_db
def test_a_reload_shows_the_same_claims_and_renews_the_lease(curator: User) -> None:
    make_candidates(12)
    first = claims.queue_claim(user=curator)
    Candidate.objects.filter(claimed_by=curator).update(claim_expires_at=timezone.now() + timedelta(seconds=20))
    again = claims.queue_claim(user=curator)
    assert again == first
    assert all(
        c.claim_expires_at > timezone.now() + timedelta(seconds=settings.QUEUE_CLAIM_SECONDS - 5)  # type: ignore[operator]
        for c in Candidate.objects.filter(claimed_by=curator)
    )


@pytest.mark.django_db
def test_two_curators_get_different_candidates(curator: User, curator2: User) -> None:
    make_candidates(12)
    mine = claims.queue_claim(user=curator)
    theirs = claims.queue_claim(user=curator2)
    assert len(mine) == len(theirs) == settings.QUEUE_CLAIM_SIZE
    assert not set(mine) & set(theirs)


@pytest.mark.django_db
def test_expired_claims_are_taken_by_the_next_curator(curator: User, curator2: User) -> None:
    make_candidates(settings.QUEUE_CLAIM_SIZE)
    mine = claims.queue_claim(user=curator)
    assert claims.queue_claim(user=curator2) == []
    Candidate.objects.filter(claimed_by=curator).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    assert claims.queue_claim(user=curator2) == mine
    assert not Candidate.objects.filter(claimed_by=curator).exists()


@pytest.mark.django_db
def test_the_expiry_task_returns_dead_claims_to_the_pool(curator: User, curator2: User) -> None:
    make_candidates(8)
    claims.queue_claim(user=curator)
    claims.queue_claim(user=curator2)
    Candidate.objects.filter(claimed_by=curator).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    assert expire_claims() == settings.QUEUE_CLAIM_SIZE
    assert not Candidate.objects.filter(claimed_by=curator).exists()
    assert Candidate.objects.filter(claimed_by=curator2).count() == 3
    assert Candidate.objects.filter(claimed_by__isnull=True, claim_expires_at__isnull=True).count() == 5


def test_beat_runs_the_expiry_every_minute() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["expire-claims"]
    assert entry == {"task": "curator.tasks.expire_claims", "schedule": 60.0}


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_expiry_task(worker) -> None:  # type: ignore[no-untyped-def]
    # Not the `curator` fixture: a transactional test may run after another emptied the groups table.
    curator = User.objects.create_user("carl")
    make_candidates(3)
    claims.queue_claim(user=curator)
    Candidate.objects.update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    expire_claims.apply_async(queue="default")
    wait_for(lambda: not Candidate.objects.filter(claimed_by__isnull=False).exists(), message="the worker to expire the claims")


@pytest.mark.django_db
def test_logging_out_releases_the_curators_claims(client: Client, curator: User) -> None:
    make_candidates(8)
    client.post(reverse("login"), {"username": "carl", "password": "curator-pass-123"})
    client.get(reverse("curator:queue"))
    assert Candidate.objects.filter(claimed_by=curator).count() == settings.QUEUE_CLAIM_SIZE
    client.post(reverse("logout"))
    assert not Candidate.objects.filter(claimed_by__isnull=False).exists()
    assert not Candidate.objects.filter(claim_expires_at__isnull=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_the_renew_ping_extends_the_leases(curator_client: Client, curator: User, htmx: bool) -> None:
    make_candidates(3)
    claims.queue_claim(user=curator)
    Candidate.objects.update(claim_expires_at=timezone.now() + timedelta(seconds=5))
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = curator_client.post(reverse("curator:queue_renew"), **headers)  # type: ignore[arg-type]
    assert response.status_code == 204
    assert not Candidate.objects.filter(claim_expires_at__lt=timezone.now() + timedelta(seconds=60)).exists()


@pytest.mark.django_db
def test_a_skipped_candidate_is_not_handed_back_to_the_same_curator(curator: User, curator2: User) -> None:
    make_candidates(6)
    first = claims.queue_claim(user=curator)[0]
    decisions.candidate_skip(candidate_id=first, by=curator)
    assert first not in claims.queue_claim(user=curator)
    assert first in claims.queue_claim(user=curator2)


@pytest.mark.django_db
def test_decided_candidates_leave_the_claims_which_are_refilled_at_half(curator: User) -> None:
    make_candidates(12)
    ids = claims.queue_claim(user=curator)
    assert len(ids) == settings.QUEUE_CLAIM_SIZE == 5
    decisions.candidate_reject(candidate_id=ids[0], version=1, by=curator)
    decisions.candidate_reject(candidate_id=ids[1], version=1, by=curator)
    assert claims.queue_claim(user=curator) == ids[2:]  # three left: no refill yet
    decisions.candidate_reject(candidate_id=ids[2], version=1, by=curator)
    after = claims.queue_claim(user=curator)
    assert after[:2] == ids[3:] and len(after) == 5 and ids[2] not in after


@pytest.mark.django_db(transaction=True)
def test_concurrent_curators_never_hold_the_same_candidate_round_after_round() -> None:
    """Twelve threads (own database connections) claim at the same instant, release, and claim again."""
    users = [User.objects.create_user(f"curator{i}") for i in range(12)]
    make_candidates(40)  # 12 curators x 5 wanted, 40 there: real contention in every round
    rounds = 4
    barrier = threading.Barrier(len(users))
    errors: list[BaseException] = []
    per_round: list[dict[int, list[int]]] = [{} for _ in range(rounds)]
    doubles: list[int] = []

    def work(user: User) -> None:
        try:
            for r in range(rounds):
                barrier.wait(timeout=60)
                per_round[r][user.pk] = claims.queue_claim(user=user)
                if barrier.wait(timeout=60) == 0:
                    claimed = [pk for ids in per_round[r].values() for pk in ids]
                    doubles.append(len(claimed) - len(set(claimed)))
                    assert len(claimed) == 40, claimed
                barrier.wait(timeout=60)
                claims.claims_release(user=user)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    in_threads(work, users)
    assert not errors, errors
    assert doubles == [0] * rounds
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_give_each_candidate_to_exactly_one_curator() -> None:
    """All claim at once, nobody releases: each candidate has one holder and the pool is fully used."""
    users = [User.objects.create_user(f"c{i}") for i in range(10)]
    make_candidates(37)
    results = claims_at_once(users)
    claimed = [pk for ids in results.values() for pk in ids]
    assert len(claimed) == len(set(claimed)), "a candidate was handed to two curators"
    assert len(claimed) == 37  # 10 x 5 wanted, 37 available: all taken, none twice
    in_db = dict(Candidate.objects.values_list("id", "claimed_by_id"))
    for user_pk, ids in results.items():
        assert all(in_db[pk] == user_pk for pk in ids)
