"""Reads of the generation area: what the Generation page lists."""

from dataclasses import dataclass

from django.db.models import QuerySet

from generation.models import ACTIVE, Checkpoint, FinetuneRun, GenerationBatch

CHART_W, CHART_H = 320, 90


@dataclass(frozen=True)
class LossChart:
    points: str  # an SVG polyline's points
    low: float
    high: float
    width: int = CHART_W
    height: int = CHART_H


def loss_chart(run: FinetuneRun) -> LossChart | None:
    """The loss history as polyline points, scaled into the chart (lower loss is lower on the chart)."""
    history = [(float(s), float(v)) for s, v in run.loss_history]
    if len(history) < 2:
        return None
    steps = [s for s, _ in history]
    losses = [v for _, v in history]
    s0, s1 = min(steps), max(steps)
    low, high = min(losses), max(losses)
    span_s, span_l = (s1 - s0) or 1.0, (high - low) or 1.0
    pad = 4
    points = " ".join(
        f"{pad + (s - s0) / span_s * (CHART_W - 2 * pad):.1f},{pad + (high - v) / span_l * (CHART_H - 2 * pad):.1f}" for s, v in history
    )
    return LossChart(points=points, low=low, high=high)


@dataclass(frozen=True)
class RunRow:
    run: FinetuneRun
    percent: int
    chart: LossChart | None


def runs_recent(limit: int = 20) -> list[RunRow]:
    rows = []
    for run in FinetuneRun.objects.select_related("corpus", "checkpoint")[:limit]:
        percent = min(100, round(100 * run.step / run.steps)) if run.steps else 0
        rows.append(RunRow(run=run, percent=percent, chart=loss_chart(run)))
    return rows


def batches_recent(limit: int = 20) -> QuerySet[GenerationBatch]:
    return GenerationBatch.objects.select_related("checkpoint", "corpus", "account")[:limit]


def checkpoints_usable() -> QuerySet[Checkpoint]:
    return Checkpoint.objects.select_related("corpus").order_by("kind", "name")


def anything_active() -> bool:
    return FinetuneRun.objects.filter(status__in=ACTIVE).exists() or GenerationBatch.objects.filter(status__in=ACTIVE).exists()
