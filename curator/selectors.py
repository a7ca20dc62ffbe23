"""Reads of the curator app."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from corpora.models import TrainingText
from curator import publication, siblings
from curator.models import Candidate, Decision

# --- The queue ---------------------------------------------------------------------------------

# Decisions a curator can take back (while the candidate is unchanged since and not yet posted).
UNDOABLE = (Decision.Action.APPROVE, Decision.Action.REJECT, Decision.Action.SCHEDULE, Decision.Action.EDIT, Decision.Action.SKIP)
# Decisions that count towards a curator's pace.
DECIDING = UNDOABLE


@dataclass(frozen=True)
class QueueState:
    claims: list[Candidate]
    current: Candidate | None
    previous_id: int | None
    next_id: int | None
    pending: int
    last_undoable: Decision | None
    # The training tweets the current card overlaps: the closest first, then any other it was stitched from.
    sources: list[TrainingText]
    # The current card's near-duplicate siblings still pending: how many, and the first few (curator.siblings).
    similar: int = 0
    similar_shown: tuple["Similar", ...] = ()

    @property
    def similar_more(self) -> int:
        return self.similar - len(self.similar_shown)

    @property
    def pending_label(self) -> str:
        return pending_label(self.pending)


@dataclass(frozen=True)
class Similar:
    """A pending sibling as the card lists it."""

    pk: int
    text: str
    held_by: str  # the other curator reviewing it right now (Shift+R leaves it to them), or ""


PENDING_COUNT_CAP = 1000  # beyond this the queue page says "1000+": counting 100k rows per card costs more than the card


def pending_label(pending: int) -> str:
    """A pending_count() as pages show it: exact up to the cap, then "1000+"."""
    return f"{PENDING_COUNT_CAP}+" if pending > PENDING_COUNT_CAP else str(pending)


def pending_count() -> int:
    """Pending candidates up to PENDING_COUNT_CAP + 1, counted on every card (the stats page has the exact figure).

    Not cached: a per-process cache showed the same count across several decisions (and another figure in
    each web process). Counting at most 1,001 entries of the partial pending index costs well under a
    millisecond, so the figure is exact below the cap and fresh after each decision.
    """
    return Candidate.objects.filter(status=Candidate.Status.PENDING)[: PENDING_COUNT_CAP + 1].count()


def queue_state(*, user: User, claims: list[Candidate], current_id: int | None = None) -> QueueState:
    """What the queue page shows: this curator's claims (as held), the card in focus, and a few counts."""
    ids = [c.pk for c in claims]
    index = ids.index(current_id) if current_id in ids else 0
    current = claims[index] if claims else None
    return QueueState(
        claims=claims,
        current=current,
        previous_id=ids[index - 1] if claims and index > 0 else None,
        next_id=ids[index + 1] if claims and index + 1 < len(ids) else None,
        pending=pending_count(),
        last_undoable=Decision.objects.filter(user=user, undone=False, action__in=UNDOABLE).first(),
        sources=nearcopy_sources(candidate=current) if current else [],
        **similar_of(current, user=user),
    )


def similar_of(current: Candidate | None, *, user: User) -> dict[str, Any]:
    """`similar` (how many pending siblings) and `similar_shown` (the first few): two small queries on the pending
    sibling index, only for a candidate that has a group (the queue's card and the candidate's page)."""
    if current is None or current.sibling_group is None:
        return {}
    now = timezone.now()
    others = siblings.siblings_pending(candidate=current)
    shown = tuple(
        Similar(
            pk=o.pk,
            text=o.text,
            held_by=o.claimed_by.get_username()
            if o.claimed_by and o.claimed_by != user and o.claim_expires_at and o.claim_expires_at > now
            else "",
        )
        for o in others.select_related("claimed_by").order_by("id")[: siblings.SHOWN]
    )
    return {"similar": others.count(), "similar_shown": shown}


def nearcopy_sources(*, candidate: Candidate) -> list[TrainingText]:
    """The training tweets a candidate overlaps, closest first: two for a stitched candidate."""
    ids: list[int] = [candidate.nearcopy_closest_id] if candidate.nearcopy_closest_id else []
    for span in candidate.nearcopy_spans if isinstance(candidate.nearcopy_spans, list) else []:
        pk = span.get("training_id") if isinstance(span, dict) else None
        if isinstance(pk, int) and pk not in ids:
            ids.append(pk)
    if not ids:
        return []
    if ids == [candidate.nearcopy_closest_id] and candidate.nearcopy_closest is not None:
        return [candidate.nearcopy_closest]  # already read with the claims: no query
    found = TrainingText.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def next_after(claim_ids: list[int], decided_id: int) -> int | None:
    """After a decision, the card that followed it (or the first one)."""
    later = [pk for pk in claim_ids if pk > decided_id]
    return later[0] if later else (claim_ids[0] if claim_ids else None)


# --- Candidates list, history ----------------------------------------------------------------

SORTS = {
    "oldest": ("id",),
    "newest": ("-id",),
    "similarity": ("-nearcopy_score", "id"),
    "length": ("-weighted_length", "id"),
    "decided": ("-decided_at", "-id"),
}


def candidates_search(
    *,
    batch: int | None = None,
    status: str = "",
    verdict: str = "",
    curator: str = "",
    q: str = "",
    sort: str = "oldest",
) -> QuerySet[Candidate]:
    qs = Candidate.objects.select_related("batch", "decided_by", "claimed_by")
    if batch is not None:
        qs = qs.filter(batch_id=batch)
    if status in dict(publication.FILTERS):
        qs = publication.filter_by(qs, status)
    elif status:
        qs = qs.filter(status=status)
    if verdict:
        qs = qs.filter(nearcopy_verdict=verdict)
    if curator:
        qs = qs.filter(decided_by__username=curator)
    if q:
        qs = qs.filter(text__icontains=q)
    return publication.with_posts(qs).order_by(*SORTS.get(sort, SORTS["oldest"]))


def candidate_history(*, candidate: Candidate) -> QuerySet[Decision]:
    return candidate.decisions.select_related("user").order_by("-created_at", "-id")


def curator_recent_decisions(*, user: User, limit: int = 100) -> list[Decision]:
    return list(Decision.objects.filter(user=user).select_related("candidate").order_by("-created_at", "-id")[:limit])


# --- Stats ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    label: str
    approved: int
    rejected: int
    pending: int
    detail: str = ""

    @property
    def decided(self) -> int:
        return self.approved + self.rejected

    @property
    def rate(self) -> float | None:
        return self.approved / self.decided if self.decided else None


@dataclass(frozen=True)
class CuratorPace:
    username: str
    hours: list[int]  # decisions in each of the last 24 hours, oldest first
    last_hour: int
    total: int
    per_active_hour: float
    approvals: int


@dataclass(frozen=True)
class QueueStats:
    pending: int
    claimed: int
    claims_by_curator: list[tuple[str, int]]
    pace: list[CuratorPace]
    by_batch: list[Rate]
    by_temperature: list[Rate]
    by_checkpoint: list[Rate]
    counts: dict[str, int]  # decisions (approve, schedule, reject; not undone) apart from skips, undos, edits, overrides
    edit_rate: float | None  # percent of approvals whose candidate was edited first
    override_rate: float | None  # percent of approvals that overrode a near-copy verdict


def queue_stats(*, now: datetime | None = None) -> QueueStats:
    now = now or timezone.now()
    pending = Candidate.objects.filter(status=Candidate.Status.PENDING)
    live = pending.filter(claim_expires_at__gt=now)
    claims_by_curator = [
        (row["claimed_by__username"], row["n"])
        for row in live.values("claimed_by__username").annotate(n=Count("id")).order_by("-n", "claimed_by__username")
    ]
    since = now - timedelta(hours=24)
    rows = (
        Decision.objects.filter(created_at__gte=since, action__in=DECIDING, user__isnull=False)
        .values_list("user__username", "created_at", "action")
        .order_by()
    )
    per_user: dict[str, list[int]] = {}
    approvals: dict[str, int] = {}
    for username, created_at, action in rows:
        slot = min(23, int((now - created_at).total_seconds() // 3600))
        per_user.setdefault(username, [0] * 24)[23 - slot] += 1
        if action in (Decision.Action.APPROVE, Decision.Action.SCHEDULE):
            approvals[username] = approvals.get(username, 0) + 1
    pace = []
    for username, hours in sorted(per_user.items()):
        active = sum(1 for h in hours if h)
        pace.append(
            CuratorPace(
                username=username,
                hours=hours,
                last_hour=hours[-1],
                total=sum(hours),
                per_active_hour=sum(hours) / active if active else 0.0,
                approvals=approvals.get(username, 0),
            )
        )
    approved = Count("id", filter=Q(status=Candidate.Status.APPROVED))
    rejected = Count("id", filter=Q(status=Candidate.Status.REJECTED))
    waiting = Count("id", filter=Q(status=Candidate.Status.PENDING))
    batch_rows = (
        Candidate.objects.filter(batch__isnull=False)
        .values("batch_id", "batch__temperature", "batch__top_k", "batch__top_p", "batch__checkpoint__name")
        .annotate(approved=approved, rejected=rejected, pending=waiting)
        .order_by("-batch_id")
    )
    by_batch = [
        Rate(
            label=f"Batch {r['batch_id']}",
            approved=r["approved"],
            rejected=r["rejected"],
            pending=r["pending"],
            detail=f"{r['batch__checkpoint__name']} · temperature {r['batch__temperature']:g} · top_k {r['batch__top_k']} · top_p {r['batch__top_p']:g}",
        )
        for r in batch_rows
    ]
    temp_rows = (
        Candidate.objects.filter(batch__isnull=False)
        .values("batch__temperature")
        .annotate(approved=approved, rejected=rejected, pending=waiting)
        .order_by("batch__temperature")
    )
    by_temperature = [
        Rate(label=f"{r['batch__temperature']:g}", approved=r["approved"], rejected=r["rejected"], pending=r["pending"]) for r in temp_rows
    ]
    checkpoint_rows = (
        Candidate.objects.filter(batch__isnull=False)
        .values("batch__checkpoint__name")
        .annotate(approved=approved, rejected=rejected, pending=waiting)
        .order_by("batch__checkpoint__name")
    )
    by_checkpoint = [
        Rate(label=r["batch__checkpoint__name"], approved=r["approved"], rejected=r["rejected"], pending=r["pending"])
        for r in checkpoint_rows
    ]
    A = Decision.Action
    tally = dict(Decision.objects.filter(undone=False).values_list("action").annotate(n=Count("id")).order_by())
    counts = {
        "decisions": sum(tally.get(a, 0) for a in (A.APPROVE, A.SCHEDULE, A.REJECT)),
        "skips": tally.get(A.SKIP, 0),
        "undos": tally.get(A.UNDO, 0),
        "edits": tally.get(A.EDIT, 0),
        "overrides": tally.get(A.OVERRIDE, 0),
    }
    approved_total = tally.get(A.APPROVE, 0) + tally.get(A.SCHEDULE, 0)
    approved_ids = Decision.objects.filter(undone=False, action__in=(A.APPROVE, A.SCHEDULE)).values("candidate_id")
    edited = Decision.objects.filter(action=A.EDIT, candidate_id__in=approved_ids).values("candidate_id").distinct().count()
    return QueueStats(
        by_checkpoint=by_checkpoint,
        counts=counts,
        edit_rate=100 * edited / approved_total if approved_total else None,
        override_rate=100 * counts["overrides"] / approved_total if approved_total else None,
        pending=pending.count(),
        claimed=sum(n for _, n in claims_by_curator),
        claims_by_curator=claims_by_curator,
        pace=pace,
        by_batch=by_batch,
        by_temperature=by_temperature,
    )


def scheduled_by(*, candidate_id: int, user: User) -> dict[str, Any]:
    """What the curator's latest schedule decision on a candidate recorded about its post (account, time)."""
    decision = Decision.objects.filter(candidate_id=candidate_id, user=user, action=Decision.Action.SCHEDULE).first()
    return dict(decision.data) if decision else {}
