"""Writes of the curator app. Business rules live here, not in views or tasks.

The queue's rules: a curator holds a few pending candidates under a lease (a claim); every decision
is a conditional update carrying the version the curator saw, and is recorded as a Decision event.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.timesince import timesince

from core import tweets
from curator.models import Candidate, Decision
from curator.selectors import UNDOABLE

PENDING = Candidate.Status.PENDING
NEAR_VERDICTS = (Candidate.Verdict.NEAR, Candidate.Verdict.COPY)


class DecisionError(Exception):
    """Shown to the curator as is; nothing was changed."""


class StaleCandidate(DecisionError):
    """Someone else decided or edited the candidate since this curator saw it."""


class NearCopyBlocked(DecisionError):
    """A near copy needs an explicit, logged override."""


# --- Claims -----------------------------------------------------------------------------------


def _lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.QUEUE_CLAIM_SECONDS)


def _free(now: datetime) -> Q:
    """Pending and held by nobody (a claim whose lease ran out counts as nobody's)."""
    return Q(status=PENDING) & (Q(claim_expires_at__isnull=True) | Q(claim_expires_at__lte=now))


def _free_for(user: User, now: datetime) -> Q:
    """What this curator may decide: free, or held by this curator."""
    return Q(status=PENDING) & (Q(claimed_by=user) | Q(claim_expires_at__isnull=True) | Q(claim_expires_at__lte=now))


def _claimable(user: User, now: datetime) -> QuerySet[Candidate]:
    # A curator who skipped a candidate left it for someone else: never hand it back to them. NOT IN
    # over this curator's skips (index on user, action) is evaluated once per query, so the claim stays
    # an index scan of the pending rows whatever the size of the whole decision log.
    skipped = Decision.objects.filter(user=user, action=Decision.Action.SKIP, undone=False).values("candidate_id")
    return Candidate.objects.filter(_free(now)).exclude(pk__in=skipped)


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
       reply candidates first, then oldest first). On
       PostgreSQL the chosen rows are locked with SKIP LOCKED so concurrent curators pass each other;
       on every backend the rows are then taken by conditional updates (on SQLite one row at a time,
       each of which must change exactly one row), so two curators can never hold the same candidate.
    """
    now = now or timezone.now()
    until = _lease_end(now)
    # Reply candidates first, grouped by the mention they answer; then the backlog, oldest first.
    mine = (
        Candidate.objects.filter(claimed_by=user, status=PENDING)
        .select_related("batch", "nearcopy_closest", "mention")
        .order_by(F("mention_id").asc(nulls_last=True), "id")
    )
    held = list(mine)
    if any(c.claim_expires_at is None or c.claim_expires_at < until - RENEW_EVERY for c in held):
        # Conditional on still being ours: a lease that ran out and was taken meanwhile stays taken.
        Candidate.objects.filter(claimed_by=user, status=PENDING).update(claim_expires_at=until)
    need = settings.QUEUE_CLAIM_SIZE - len(held)
    # Refill in steps rather than one row per decision: fewer writes, the curator still sees the next few.
    if len(held) <= settings.QUEUE_CLAIM_SIZE // 2 and _claim_more(user=user, need=need, now=now, until=until):
        held = list(mine.all())  # a fresh query: `mine` caches its first result
        # The candidate replies to one mention are compared with each other: whoever holds one holds all
        # that are free (beyond the claim size if need be), so one curator picks the best of them.
        mentions = {c.mention_id for c in held if c.mention_id is not None}
        if mentions and _claimable(user, now).filter(mention_id__in=mentions).update(claimed_by=user, claim_expires_at=until):
            held = list(mine.all())
    return held


def _claim_more(*, user: User, need: int, now: datetime, until: datetime) -> int:
    # Replies first: a mention is worth answering within minutes, the backlog can wait.
    taken = _claim_from(_claimable(user, now).filter(mention__isnull=False), need=need, user=user, now=now, until=until)
    if taken < need:
        taken += _claim_from(_claimable(user, now), need=need - taken, user=user, now=now, until=until)
    return taken


def _claim_from(pool: QuerySet[Candidate], *, need: int, user: User, now: datetime, until: datetime) -> int:
    if connection.features.has_select_for_update_skip_locked:
        # No savepoint when nested (queue_advance): nothing in here raises an expected error.
        with transaction.atomic(savepoint=False):
            ids = list(pool.select_for_update(skip_locked=True).order_by("id").values_list("id", flat=True)[:need])
            # The rows are locked by this transaction; the condition is the belt to those braces.
            return Candidate.objects.filter(pk__in=ids).filter(_free(now)).update(claimed_by=user, claim_expires_at=until) if ids else 0
    # SQLite has no row locks: read a few more than needed, then race for each with a conditional
    # update; a row another curator changed first updates nothing and we move on to the next.
    taken = 0
    for _attempt in range(5):
        ids = list(pool.order_by("id").values_list("id", flat=True)[: need * 3])
        if not ids:
            break
        for pk in ids:
            if Candidate.objects.filter(pk=pk).filter(_free(now)).update(claimed_by=user, claim_expires_at=until) == 1:
                taken += 1
                if taken == need:
                    return taken
    return taken


def claims_renew(*, user: User, now: datetime | None = None) -> int:
    """Extend this curator's leases (the queue page pings while the curator is active)."""
    now = now or timezone.now()
    return Candidate.objects.filter(claimed_by=user, status=PENDING).update(claim_expires_at=_lease_end(now))


def claims_expire(*, now: datetime | None = None) -> int:
    """Return every claim whose lease ran out to the pool (beat runs this every minute)."""
    now = now or timezone.now()
    # Only pending rows hold claims (a decision clears its claim); status first uses candidate_queue_idx.
    return Candidate.objects.filter(status=PENDING, claim_expires_at__lte=now).update(claimed_by=None, claim_expires_at=None)


def claims_release(*, user: User) -> int:
    """Give back all of a curator's claims at once (on logout)."""
    return Candidate.objects.filter(claimed_by=user).update(claimed_by=None, claim_expires_at=None)


# --- Decisions --------------------------------------------------------------------------------


def _stale(*, candidate_id: int, by: User, now: datetime) -> StaleCandidate:
    """Name who changed the candidate, so the curator understands why nothing was saved."""
    candidate = Candidate.objects.filter(pk=candidate_id).select_related("claimed_by").first()
    if candidate is None:
        return StaleCandidate("This candidate no longer exists; nothing was saved.")
    holder = candidate.claimed_by
    if (
        candidate.status == PENDING
        and holder is not None
        and holder != by
        and candidate.claim_expires_at is not None
        and candidate.claim_expires_at > now
    ):
        return StaleCandidate(f"{holder.get_username()} is reviewing this candidate right now; nothing was saved.")
    last = Decision.objects.filter(candidate_id=candidate_id).exclude(action=Decision.Action.SKIP).select_related("user").first()
    if last is None:
        return StaleCandidate("This candidate changed since you opened it; nothing was saved. Here it is as it is now.")
    who = "You" if last.user_id == by.pk else (last.user.get_username() if last.user else "Someone")
    what = last.get_action_display().lower()
    ago = timesince(last.created_at, now)
    where = " (in another tab)" if who == "You" else ""
    return StaleCandidate(f"{who} {what} this candidate {ago} ago{where}; nothing was saved. Here it is as it is now.")


def _record(
    *, candidate: Candidate, by: User, action: str, before_status: str, after_status: str, after_text: str | None = None, **data: Any
) -> Decision:
    return Decision.objects.create(
        candidate=candidate,
        user=by,
        action=action,
        before_status=before_status,
        after_status=after_status,
        before_text=candidate.text,
        after_text=candidate.text if after_text is None else after_text,
        data=data,
    )


def _decide(*, candidate_id: int, version: int, by: User, status: str, action: str, override: bool) -> Candidate:
    """Approve or reject, inside the caller's transaction.

    1. Refuse a near copy without an override (the override is logged as its own event).
    2. Conditional update on (id, the version the curator saw, pending, not held by another):
       anything but one changed row means somebody else got there first.
    3. Record the decision with the version it produced (undo checks nothing changed since).
    """
    now = timezone.now()
    candidate = Candidate.objects.filter(pk=candidate_id).first()
    if candidate is None or candidate.version != version or candidate.status != PENDING:
        raise _stale(candidate_id=candidate_id, by=by, now=now)
    near = candidate.nearcopy_verdict in NEAR_VERDICTS
    if near and status == Candidate.Status.APPROVED and not override:
        label = candidate.get_nearcopy_verdict_display().lower()
        raise NearCopyBlocked(
            f"This is a {label} of a training tweet: it can only be approved with an override (Shift+A, or Shift+S to schedule), which is logged."
        )
    overriding = near and status == Candidate.Status.APPROVED
    changed = (
        Candidate.objects.filter(pk=candidate_id, version=version)
        .filter(_free_for(by, now))
        .update(
            status=status,
            version=F("version") + 1,
            decided_by=by,
            decided_at=now,
            claimed_by=None,
            claim_expires_at=None,
            nearcopy_override=overriding or candidate.nearcopy_override,
        )
    )
    if changed != 1:
        raise _stale(candidate_id=candidate_id, by=by, now=now)
    if overriding:
        _record(
            candidate=candidate,
            by=by,
            action=Decision.Action.OVERRIDE,
            before_status=PENDING,
            after_status=status,
            verdict=candidate.nearcopy_verdict,
            score=candidate.nearcopy_score,
            closest_id=candidate.nearcopy_closest_id,
        )
    _record(
        candidate=candidate,
        by=by,
        action=action,
        before_status=PENDING,
        after_status=status,
        version=version + 1,
        before_override=candidate.nearcopy_override,
    )
    # What the update wrote, without reading the row back.
    candidate.status, candidate.version, candidate.decided_by, candidate.decided_at = status, version + 1, by, now
    candidate.claimed_by, candidate.claim_expires_at = None, None
    candidate.nearcopy_override = overriding or candidate.nearcopy_override
    return candidate


def _approve(*, candidate_id: int, version: int, by: User, override: bool = False) -> Candidate:
    candidate = _decide(
        candidate_id=candidate_id,
        version=version,
        by=by,
        status=Candidate.Status.APPROVED,
        action=Decision.Action.APPROVE,
        override=override,
    )
    if candidate.mention_id is not None:
        # A reply has no slot to wait for: approving it is scheduling it (posting.mentions).
        _reply_schedule(candidate=candidate, by=by, action=Decision.Action.APPROVE)
    return candidate


def _reply_schedule(*, candidate: Candidate, by: User, action: str) -> None:
    from posting.mentions import reply_schedule
    from posting.services import SchedulingError

    try:
        post = reply_schedule(candidate=candidate, by=by)
    except SchedulingError as exc:
        # Leaving the caller's atomic block by this exception rolls the approval back too.
        raise DecisionError(f"{exc} Nothing was changed.") from exc
    decision = Decision.objects.filter(candidate=candidate, user=by, action=action).first()
    assert decision is not None
    data = {
        "post_id": post.pk,
        "scheduled_at": post.scheduled_at.isoformat(),
        "account": post.account.name,
        "reply_to": post.in_reply_to_id,
    }
    decision.data = {**decision.data, **data}
    decision.save(update_fields=["data"])


def _reject(*, candidate_id: int, version: int, by: User, override: bool = False) -> Candidate:
    return _decide(
        candidate_id=candidate_id, version=version, by=by, status=Candidate.Status.REJECTED, action=Decision.Action.REJECT, override=False
    )


def _schedule(*, candidate_id: int, version: int, by: User, override: bool = False) -> Candidate:
    from posting.services import SchedulingError, post_schedule

    candidate = _decide(
        candidate_id=candidate_id,
        version=version,
        by=by,
        status=Candidate.Status.APPROVED,
        action=Decision.Action.SCHEDULE,
        override=override,
    )
    if candidate.mention_id is not None:
        _reply_schedule(candidate=candidate, by=by, action=Decision.Action.SCHEDULE)
        return candidate
    try:
        post = post_schedule(candidate=candidate, by=by)
    except SchedulingError as exc:
        # Leaving the caller's atomic block by this exception rolls the approval back too.
        raise DecisionError(f"{exc} Nothing was changed.") from exc
    decision = Decision.objects.filter(candidate=candidate, user=by, action=Decision.Action.SCHEDULE).first()
    assert decision is not None
    decision.data = {**decision.data, "post_id": post.pk, "scheduled_at": post.scheduled_at.isoformat(), "account": post.account.name}
    decision.save(update_fields=["data"])
    return candidate


def candidate_approve(*, candidate_id: int, version: int, by: User, override: bool = False) -> Candidate:
    with transaction.atomic():
        return _approve(candidate_id=candidate_id, version=version, by=by, override=override)


def candidate_reject(*, candidate_id: int, version: int, by: User) -> Candidate:
    with transaction.atomic():
        return _reject(candidate_id=candidate_id, version=version, by=by)


def candidate_schedule(*, candidate_id: int, version: int, by: User, override: bool = False) -> Candidate:
    """Approve and put into the next free posting slot, or change nothing (the slot error is shown as is)."""
    with transaction.atomic():
        return _schedule(candidate_id=candidate_id, version=version, by=by, override=override)


QUEUE_ACTIONS: dict[str, Callable[..., Candidate]] = {"approve": _approve, "reject": _reject, "schedule": _schedule}


def queue_decide(*, action: str, candidate_id: int, version: int, by: User, override: bool = False) -> list[Candidate]:
    """One decision from the queue and the refill of the curator's claims, in one transaction.

    One commit per card (no savepoint either); if the decision is refused, nothing is claimed.
    Returns the claims after the decision, as queue_claim_cards does.
    """
    decide = QUEUE_ACTIONS[action]
    with transaction.atomic():
        decide(candidate_id=candidate_id, version=version, by=by, override=override)
        return queue_claim_cards(user=by)


def _nearcopy_fields(candidate: Candidate) -> dict[str, Any]:
    return {
        "nearcopy_verdict": candidate.nearcopy_verdict,
        "nearcopy_reason": candidate.nearcopy_reason,
        "nearcopy_score": candidate.nearcopy_score,
        "nearcopy_closest_id": candidate.nearcopy_closest_id,
        "nearcopy_spans": candidate.nearcopy_spans,
        "nearcopy_override": candidate.nearcopy_override,
    }


def candidate_edit(*, candidate_id: int, version: int, by: User, text: str) -> Candidate:
    """Change a pending candidate's text, re-running the length and near-copy checks.

    1. Validate the length (a too-long text is refused with its length; the curator keeps their text).
    2. Check the new text against the corpus (outside the transaction: it may take a moment).
    3. Conditional update on the version seen, writing the new verdict; record the edit with what it replaced.
    """
    from corpora import nearcopy

    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise DecisionError("The text is empty: write the tweet, or press Esc to keep the original.")
    length = tweets.weighted_length(text)
    if length > tweets.MAX_WEIGHTED_LENGTH:
        raise DecisionError(f"The text is {length} of {tweets.MAX_WEIGHTED_LENGTH} characters (weighted): shorten it to save.")
    now = timezone.now()
    candidate = Candidate.objects.filter(pk=candidate_id).select_related("batch").first()
    if candidate is None or candidate.version != version or candidate.status != PENDING:
        raise _stale(candidate_id=candidate_id, by=by, now=now)
    if text == candidate.text:
        return candidate
    corpus_id = candidate.corpus_id or (candidate.batch.corpus_id if candidate.batch else None)
    verdict = nearcopy.check_texts(corpus_id=corpus_id, texts=[text])[0] if corpus_id is not None else nearcopy.Verdict(verdict="unchecked")
    new_fields = {
        "nearcopy_verdict": verdict.verdict,
        "nearcopy_reason": verdict.reason[:40],
        "nearcopy_score": verdict.score if verdict.verdict != "unchecked" else None,
        "nearcopy_closest_id": verdict.closest_id,
        "nearcopy_spans": [asdict(span) for span in verdict.spans],
        # An override was given for the old text; the new text must earn its own.
        "nearcopy_override": False,
    }
    with transaction.atomic():
        changed = (
            Candidate.objects.filter(pk=candidate_id, version=version)
            .filter(_free_for(by, now))
            .update(
                text=text,
                text_hash=tweets.text_hash(text),
                weighted_length=length,
                version=F("version") + 1,
                claimed_by=by,
                claim_expires_at=_lease_end(now),
                **new_fields,
            )
        )
        if changed != 1:
            raise _stale(candidate_id=candidate_id, by=by, now=now)
        _record(
            candidate=candidate,
            by=by,
            action=Decision.Action.EDIT,
            before_status=PENDING,
            after_status=PENDING,
            after_text=text,
            version=version + 1,
            before_nearcopy=_nearcopy_fields(candidate),
            verdict=verdict.verdict,
        )
    candidate.refresh_from_db()
    return candidate


def candidate_skip(*, candidate_id: int, by: User) -> None:
    """Leave a candidate for another curator: release the claim; this curator is not given it again."""
    now = timezone.now()
    with transaction.atomic():
        candidate = Candidate.objects.filter(pk=candidate_id).first()
        changed = Candidate.objects.filter(pk=candidate_id).filter(_free_for(by, now)).update(claimed_by=None, claim_expires_at=None)
        if candidate is None or changed != 1:
            raise _stale(candidate_id=candidate_id, by=by, now=now)
        _record(candidate=candidate, by=by, action=Decision.Action.SKIP, before_status=PENDING, after_status=PENDING)


def decision_undo(*, by: User, decision_id: int | None = None) -> Decision:
    """Take back one of this curator's recent decisions (the latest when no id is given).

    1. The candidate must be unchanged since the decision (its version) and not posted; a queued Post
       of a scheduled candidate is cancelled.
    2. The candidate goes back to pending (or its old text), held by this curator, so it is the next card.
    3. The decision is marked undone and the undo itself is recorded.
    """
    from posting.models import Post

    now = timezone.now()
    undoable = Decision.objects.filter(user=by, undone=False, action__in=UNDOABLE)
    decision = undoable.filter(pk=decision_id).first() if decision_id is not None else undoable.first()
    if decision is None:
        raise DecisionError("Nothing to undo: you have no recent decision that can be taken back.")
    candidate = decision.candidate
    action = decision.action
    with transaction.atomic():
        if action == Decision.Action.SKIP:
            changed = Candidate.objects.filter(pk=candidate.pk).filter(_free(now)).update(claimed_by=by, claim_expires_at=_lease_end(now))
        elif action == Decision.Action.EDIT:
            before = decision.data.get("before_nearcopy", {})
            changed = (
                Candidate.objects.filter(pk=candidate.pk, version=decision.data.get("version"), status=PENDING)
                .filter(_free_for(by, now))
                .update(
                    text=decision.before_text,
                    text_hash=tweets.text_hash(decision.before_text),
                    weighted_length=tweets.weighted_length(decision.before_text),
                    version=F("version") + 1,
                    claimed_by=by,
                    claim_expires_at=_lease_end(now),
                    **before,
                )
            )
        else:
            posts = Post.objects.filter(candidate=candidate).exclude(state=Post.State.CANCELLED)
            if posts.exclude(state=Post.State.QUEUED).exists():
                raise DecisionError("This candidate is already being posted or was posted: it can no longer be undone.")
            changed = Candidate.objects.filter(pk=candidate.pk, version=decision.data.get("version"), status=decision.after_status).update(
                status=PENDING,
                version=F("version") + 1,
                decided_by=None,
                decided_at=None,
                claimed_by=by,
                claim_expires_at=_lease_end(now),
                nearcopy_override=bool(decision.data.get("before_override", False)),
            )
            if changed == 1:
                posts.filter(state=Post.State.QUEUED).update(state=Post.State.CANCELLED)
                if posts.exists():
                    # The beat picked it up while we were undoing: keep everything as it was.
                    raise DecisionError("This candidate is already being posted: it can no longer be undone.")
                if candidate.mention_id is not None and decision.after_status == Candidate.Status.APPROVED:
                    from posting.mentions import reply_undo

                    reply_undo(candidate=candidate)
        if changed != 1:
            if action == Decision.Action.SKIP:
                raise StaleCandidate("Another curator has taken this candidate since you skipped it; nothing was changed.")
            raise _stale(candidate_id=candidate.pk, by=by, now=now)
        if Decision.objects.filter(pk=decision.pk, undone=False).update(undone=True) != 1:
            raise DecisionError("This decision was already undone.")
        candidate.refresh_from_db()
        undo = Decision.objects.create(
            candidate=candidate,
            user=by,
            action=Decision.Action.UNDO,
            before_status=decision.after_status,
            after_status=candidate.status,
            before_text=decision.after_text,
            after_text=candidate.text,
            data={"undid": decision.pk, "undid_action": action, "version": candidate.version},
        )
    return undo


# --- Bulk -------------------------------------------------------------------------------------


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def candidates_decide_bulk(*, items: list[tuple[int, int]], by: User, approve: bool, override: bool = False) -> BulkResult:
    """Approve or reject many (id, version seen) pairs; each is its own decision, refused ones are listed with why."""
    result = BulkResult()
    for candidate_id, version in items:
        try:
            if approve:
                candidate_approve(candidate_id=candidate_id, version=version, by=by, override=override)
            else:
                candidate_reject(candidate_id=candidate_id, version=version, by=by)
        except DecisionError as exc:
            result.refused.append((candidate_id, str(exc)))
        else:
            result.done.append(candidate_id)
    return result
