"""What the Stats page shows of the rankers: each bot's versions with their AUC, and whether they are calibrated."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count

from curator.models import Decision, RankerVersion
from curator.ranking.services import KEEP, TEACHING


@dataclass(frozen=True)
class Decile:
    label: str
    decided: int
    approved: int

    @property
    def rate(self) -> float | None:
        return self.approved / self.decided if self.decided else None


@dataclass(frozen=True)
class RankingStats:
    versions: list[RankerVersion]
    deciles: list[Decile]  # approval rate by the probability the card had when it was decided
    random: Decile  # the random share: an unbiased look at the queue
    best: Decile  # cards served for their probability
    reasons: list[str]  # the reject reasons that occur, in the owner's order
    reasons_by: list[tuple[str, list[int]]]  # per checkpoint, then per batch: a count per reason
    min_decisions: int


def ranking_stats(*, versions: int = 10) -> RankingStats:
    latest = list(RankerVersion.objects.select_related("corpus").defer("model").order_by("-created_at", "-id")[:versions])
    bins = [[0, 0] for _ in range(10)]
    shares = {True: [0, 0], False: [0, 0]}
    rows = Decision.objects.filter(action__in=TEACHING, undone=False, data__probability__isnull=False).values_list("action", "data")
    for action, data in rows.iterator(chunk_size=2000):
        p = data.get("probability")
        if p is None:
            continue
        kept = action in KEEP
        cell = bins[min(9, int(float(p) * 10))]
        cell[0] += 1
        cell[1] += kept
        share = shares[bool(data.get("random"))]
        share[0] += 1
        share[1] += kept
    deciles = [Decile(label=f"{10 * i} to {10 * (i + 1)}%", decided=d, approved=a) for i, (d, a) in enumerate(bins)]
    reasons, reasons_by = _reasons()
    return RankingStats(
        reasons=reasons,
        min_decisions=settings.RANKING_MIN_DECISIONS,
        reasons_by=reasons_by,
        versions=latest,
        deciles=deciles,
        random=Decile(label="random share", decided=shares[True][0], approved=shares[True][1]),
        best=Decile(label="best first", decided=shares[False][0], approved=shares[False][1]),
    )


def _reasons() -> tuple[list[str], list[tuple[str, list[int]]]]:
    rows = list(
        Decision.objects.filter(action=Decision.Action.REJECT, undone=False, data__reason__isnull=False)
        .values("candidate__batch_id", "candidate__batch__checkpoint__name", "data__reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    order = {r: i for i, r in enumerate(settings.REJECT_REASONS)}
    reasons = sorted({str(r["data__reason"]) for r in rows}, key=lambda r: (order.get(r, len(order)), r))
    by: dict[str, dict[str, int]] = {}
    for r in rows:
        for label in (f"checkpoint {r['candidate__batch__checkpoint__name']}", f"batch {r['candidate__batch_id']}"):
            cell = by.setdefault(label, {})
            cell[str(r["data__reason"])] = cell.get(str(r["data__reason"]), 0) + r["n"]
    labels = sorted(by, key=lambda label: (not label.startswith("checkpoint"), label))
    return reasons, [(label, [by[label].get(reason, 0) for reason in reasons]) for label in labels]
