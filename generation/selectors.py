"""Reads of the generation area: what the Generation page lists."""

import re
from dataclasses import dataclass, field

from django.db.models import QuerySet

from generation.models import ACTIVE, Checkpoint, FinetuneRun, GenerationBatch

CHART_W, CHART_H = 360, 150
# Room for the value labels on the left and the step labels below the plot.
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 48, 12, 20, 34


@dataclass(frozen=True)
class Tick:
    at: float  # pixel position along its axis
    label: str


@dataclass(frozen=True)
class LossChart:
    points: str  # an SVG polyline's points
    low: float
    high: float
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int = CHART_W
    height: int = CHART_H
    left: int = PLOT_LEFT
    top: int = PLOT_TOP
    right: int = CHART_W - PLOT_RIGHT
    bottom: int = CHART_H - PLOT_BOTTOM


def _loss_label(value: float, span: float) -> str:
    return f"{value:.3f}" if span < 0.1 else f"{value:.2f}"


def loss_chart(run: FinetuneRun) -> LossChart | None:
    """The loss history scaled into a plot with axes: steps along the bottom, loss up the side (lower is better)."""
    history = [(float(s), float(v)) for s, v in run.loss_history]
    if len(history) < 2:
        return None
    steps = [s for s, _ in history]
    losses = [v for _, v in history]
    s0, s1 = min(steps), max(steps)
    low, high = min(losses), max(losses)
    span_s, span_l = (s1 - s0) or 1.0, (high - low) or 1.0
    x0, x1, y0, y1 = PLOT_LEFT, CHART_W - PLOT_RIGHT, PLOT_TOP, CHART_H - PLOT_BOTTOM

    def x(step: float) -> float:
        return x0 + (step - s0) / span_s * (x1 - x0)

    def y(loss: float) -> float:
        return y0 + (high - loss) / span_l * (y1 - y0)

    points = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in history)
    x_steps = sorted({round(s0), round((s0 + s1) / 2), round(s1)})
    y_values = [high, (high + low) / 2, low] if high != low else [high]
    return LossChart(
        points=points,
        low=low,
        high=high,
        x_ticks=[Tick(at=round(x(s), 1), label=f"{s:,}") for s in x_steps],
        y_ticks=[Tick(at=round(y(v), 1), label=_loss_label(v, high - low)) for v in y_values],
    )


# What a byte-level model writes before it has learned anything: bytes that are no UTF-8, control characters.
_UNREADABLE = re.compile(r"[\ufffd\x00-\x08\x0b-\x1f\x7f-\x9f]+")
_MARKERS = re.compile(r"<\|(?:startoftext|endoftext)\|>")


def sample_texts(text: str) -> list[str]:
    """A finetune sample as the texts it holds: split at gpt-2-simple's markers, undecodable bytes and
    control characters removed, whitespace folded; texts with fewer than 3 letters left are noise, dropped."""
    texts = []
    for piece in _MARKERS.split(text or ""):
        clean = " ".join(_UNREADABLE.sub(" ", piece).split())
        if sum(ch.isalpha() for ch in clean) >= 3:
            texts.append(clean)
    return texts


@dataclass(frozen=True)
class RunRow:
    run: FinetuneRun
    percent: int
    chart: LossChart | None
    sample_step: int | None = None
    sample: list[str] = field(default_factory=list)  # the latest sample's readable texts; empty while it is noise


def runs_recent(limit: int = 20) -> list[RunRow]:
    rows = []
    for run in FinetuneRun.objects.select_related("corpus", "checkpoint")[:limit]:
        percent = min(100, round(100 * run.step / run.steps)) if run.steps else 0
        latest = run.samples[-1] if run.samples else None
        rows.append(
            RunRow(
                run=run,
                percent=percent,
                chart=loss_chart(run),
                sample_step=latest.get("step") if latest else None,
                sample=sample_texts(str(latest.get("text", ""))) if latest else [],
            )
        )
    return rows


def batches_recent(limit: int = 20) -> QuerySet[GenerationBatch]:
    return GenerationBatch.objects.select_related("checkpoint", "corpus", "account")[:limit]


def checkpoints_usable() -> QuerySet[Checkpoint]:
    return Checkpoint.objects.select_related("corpus").order_by("kind", "name")


def anything_active() -> bool:
    return FinetuneRun.objects.filter(status__in=ACTIVE).exists() or GenerationBatch.objects.filter(status__in=ACTIVE).exists()
