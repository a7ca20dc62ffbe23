"""Claims: a curator holds a few pending candidates under a lease, so curators never review the same card.

Every take is a conditional update that must change one row (SKIP LOCKED first on PostgreSQL).
"""

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, Max, Min, Q, QuerySet
from django.utils import timezone

from curator.models import Candidate, Decision, QueuePreference

PENDING = Candidate.Status.PENDING


def lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.QUEUE_CLAIM_SECONDS)


def free(now: datetime) -> Q:
    """Pending and held by nobody (a claim whose lease ran out counts as nobody's)."""
    return Q(status=PENDING) & (Q(claim_expires_at__isnull=True) | Q(claim_expires_at__lte=now))


def free_for(user: User, now: datetime) -> Q:
    """What this curator may decide: free, or held by this curator."""
    return Q(status=PENDING) & (Q(claimed_by=user) | Q(claim_expires_at__isnull=True) | Q(claim_expires_at__lte=now))


def preference(user: User) -> QueuePreference:
    """The curator's order and narrowing (best first over everything when never chosen); read once per request."""
    cached = getattr(user, "_queue_preference", None)
    if cached is None:
        cached = QueuePreference.objects.filter(user=user).first() or QueuePreference(user=user)
        user._queue_preference = cached  # type: ignore[attr-defined]
    return cached


def scope(pref: QueuePreference) -> Q:
    """What the curator chose to review: a bot (corpus), a batch or a checkpoint; everything when none."""
    q = Q()
    if pref.corpus_id:
        q &= Q(corpus_id=pref.corpus_id)
    if pref.batch_id:
        q &= Q(batch_id=pref.batch_id)
    if pref.checkpoint_id:
        q &= Q(batch__checkpoint_id=pref.checkpoint_id)
    return q


# The order the curator's held cards are shown in (replies first, grouped by mention, in both).
HELD_ORDER = {
    QueuePreference.Order.OLDEST: (F("mention_id").asc(nulls_last=True), "id"),
    QueuePreference.Order.BEST: (F("mention_id").asc(nulls_last=True), F("keep_probability").desc(nulls_last=True), "id"),
}
BEST = ("-keep_probability", "id")
OLDEST = ("id",)


def _claimable(user: User, now: datetime) -> QuerySet[Candidate]:
    # A curator who skipped a candidate left it for someone else: never hand it back to them. NOT IN
    # over this curator's skips (index on user, action) is evaluated once per query, so the claim stays
    # an index scan of the pending rows whatever the size of the whole decision log.
    skipped = Decision.objects.filter(user=user, action=Decision.Action.SKIP, undone=False).values("candidate_id")
    return Candidate.objects.filter(free(now)).exclude(pk__in=skipped)


# A lease is renewed at most this often, so that a busy curator's page views do not all write.
RENEW_EVERY = timedelta(seconds=20)


def queue_claim(*, user: User, now: datetime | None = None) -> list[int]:
    """The ids of the candidates this curator holds, in queue order (see queue_claim_cards)."""
    return [c.pk for c in queue_claim_cards(user=user, now=now)]


def queue_claim_cards(*, user: User, now: datetime | None = None) -> list[Candidate]:
    """Hold up to QUEUE_CLAIM_SIZE pending candidates for this curator; the held rows in queue order.

    1. Renew the curator's own claims: opening the queue or deciding is activity, so the lease extends
       (written only when the lease is more than RENEW_EVERY old).
    2. When half or fewer are left, top up from the pool (unclaimed or expired, not skipped by this curator;
       reply candidates first, then best first with a random share, or oldest first, as the curator
       chose, within what they narrowed the queue to). On
       PostgreSQL the chosen rows are locked with SKIP LOCKED so concurrent curators pass each other;
       on every backend the rows are then taken by conditional updates (on SQLite one row at a time,
       each of which must change exactly one row), so two curators can never hold the same candidate.
    """
    now = now or timezone.now()
    until = lease_end(now)
    pref = preference(user)
    # Reply candidates first, grouped by the mention they answer; then the backlog, best or oldest first.
    mine = (
        Candidate.objects.filter(claimed_by=user, status=PENDING)
        .select_related("batch", "batch__account", "nearcopy_closest", "mention")
        .order_by(*HELD_ORDER[QueuePreference.Order(pref.order)])
    )
    held = list(mine)
    if any(c.claim_expires_at is None or c.claim_expires_at < until - RENEW_EVERY for c in held):
        # Conditional on still being ours: a lease that ran out and was taken meanwhile stays taken.
        Candidate.objects.filter(claimed_by=user, status=PENDING).update(claim_expires_at=until)
    need = settings.QUEUE_CLAIM_SIZE - len(held)
    # Refill in steps rather than one row per decision: fewer writes, the curator still sees the next few.
    if len(held) <= settings.QUEUE_CLAIM_SIZE // 2 and _claim_more(user=user, need=need, now=now, until=until, pref=pref):
        held = list(mine.all())  # a fresh query: `mine` caches its first result
        # The candidate replies to one mention are compared with each other: whoever holds one holds all
        # that are free (beyond the claim size if need be), so one curator picks the best of them.
        mentions = {c.mention_id for c in held if c.mention_id is not None}
        if mentions and _claimable(user, now).filter(mention_id__in=mentions).update(claimed_by=user, claim_expires_at=until):
            held = list(mine.all())
    return held


def _claim_more(*, user: User, need: int, now: datetime, until: datetime, pref: QueuePreference) -> int:
    pool = _claimable(user, now).filter(scope(pref))
    # Replies first: a mention is worth answering within minutes, the backlog can wait.
    taken = _claim_from(pool.filter(mention__isnull=False), need=need, user=user, now=now, until=until)
    if taken < need and pref.order == QueuePreference.Order.BEST:
        taken += _claim_best(pool, need=need - taken, user=user, now=now, until=until)
    if taken < need:
        # Oldest first: by choice, for bots whose ranker has not trained yet, or when the ranked rows ran out.
        taken += _claim_from(pool, need=need - taken, user=user, now=now, until=until)
    return taken


def _claim_best(pool: QuerySet[Candidate], *, need: int, user: User, now: datetime, until: datetime) -> int:
    """Highest keep probability first, with each card drawn at random with probability RANKING_RANDOM_SHARE
    (marked `picked_at_random`), so the ranker also learns from what it would not have shown.

    Only ranked rows (their bot's ranker has trained on enough decisions) are ordered; a bot without a
    ranker has none, and its candidates come oldest first after them.
    """
    ranked = pool.filter(keep_probability__isnull=False)
    at_random = sum(1 for _ in range(need) if random.random() < settings.RANKING_RANDOM_SHARE)
    taken = _claim_from(ranked, need=need - at_random, user=user, now=now, until=until, order=BEST)
    if at_random and (taken or ranked.exists()):
        taken += _claim_random(pool, need=at_random, user=user, now=now, until=until)
    return taken


def _claim_random(pool: QuerySet[Candidate], *, need: int, user: User, now: datetime, until: datetime) -> int:
    # A random id between the pending extremes, then the first free row from there: two index lookups,
    # not ORDER BY random() over 100k rows. Rows after a long gap of ids are a little likelier; no matter here.
    bounds = Candidate.objects.filter(status=PENDING).aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return 0
    taken = 0
    for _ in range(need):
        pivot = random.randint(bounds["lo"], bounds["hi"])
        got = _claim_from(pool.filter(pk__gte=pivot), need=1, user=user, now=now, until=until, at_random=True)
        got = got or _claim_from(pool.filter(pk__lt=pivot), need=1, user=user, now=now, until=until, at_random=True)
        taken += got
    return taken


def _claim_from(
    pool: QuerySet[Candidate],
    *,
    need: int,
    user: User,
    now: datetime,
    until: datetime,
    order: tuple[str, ...] = OLDEST,
    at_random: bool = False,
) -> int:
    if need <= 0:
        return 0
    take = {"claimed_by": user, "claim_expires_at": until, "picked_at_random": at_random}
    if connection.features.has_select_for_update_skip_locked:
        # No savepoint when nested (queue_advance): nothing in here raises an expected error.
        with transaction.atomic(savepoint=False):
            # of=("self",): the narrowing to a checkpoint joins the batch, whose row must not be locked.
            locked = pool.select_for_update(skip_locked=True, of=("self",))
            ids = list(locked.order_by(*order).values_list("id", flat=True)[:need])
            # The rows are locked by this transaction; the condition is the belt to those braces.
            return Candidate.objects.filter(pk__in=ids).filter(free(now)).update(**take) if ids else 0
    # SQLite has no row locks: read a few more than needed, then race for each with a conditional
    # update; a row another curator changed first updates nothing and we move on to the next.
    taken = 0
    for _attempt in range(5):
        ids = list(pool.order_by(*order).values_list("id", flat=True)[: need * 3])
        if not ids:
            break
        for pk in ids:
            if Candidate.objects.filter(pk=pk).filter(free(now)).update(**take) == 1:
                taken += 1
                if taken == need:
                    return taken
    return taken


def claim_asked(*, user: User, candidate_id: int, now: datetime | None = None) -> bool:
    """Hold one candidate a curator asked for by its number (a link shared by another curator, an id typed into
    the address bar): taken when it is free and this curator has not skipped it, by the claim every refill uses
    (`_claim_from`: row locks on PostgreSQL, a conditional update everywhere), so it is never held twice. One held
    already, decided, or skipped by this curator: False."""
    now = now or timezone.now()
    return _claim_from(_claimable(user, now).filter(pk=candidate_id), need=1, user=user, now=now, until=lease_end(now)) == 1


def claims_renew(*, user: User, now: datetime | None = None) -> int:
    """Extend this curator's leases (the queue page pings while the curator is active)."""
    now = now or timezone.now()
    return Candidate.objects.filter(claimed_by=user, status=PENDING).update(claim_expires_at=lease_end(now))


def claims_expire(*, now: datetime | None = None) -> int:
    """Return every claim whose lease ran out to the pool (beat runs this every minute)."""
    now = now or timezone.now()
    # Only pending rows hold claims (a decision clears its claim); status first uses candidate_queue_idx.
    return Candidate.objects.filter(status=PENDING, claim_expires_at__lte=now).update(claimed_by=None, claim_expires_at=None)


def claims_release(*, user: User) -> int:
    """Give back all of a curator's claims at once (on logout)."""
    return Candidate.objects.filter(claimed_by=user).update(claimed_by=None, claim_expires_at=None)


def preference_set(
    *, user: User, order: str, corpus_id: int | None = None, batch_id: int | None = None, checkpoint_id: int | None = None
) -> QueuePreference:
    """Change the curator's order and narrowing; the cards they hold go back to the pool when either changes,
    so the next refill follows the new choice."""
    pref, _ = QueuePreference.objects.get_or_create(user=user)
    changed = (pref.order, pref.corpus_id, pref.batch_id, pref.checkpoint_id) != (order, corpus_id, batch_id, checkpoint_id)
    if changed:
        pref.order, pref.corpus_id, pref.batch_id, pref.checkpoint_id = order, corpus_id, batch_id, checkpoint_id
        pref.save()
        claims_release(user=user)
    user._queue_preference = pref  # type: ignore[attr-defined]
    return pref
