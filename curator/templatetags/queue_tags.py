"""Template helpers of the queue: span highlighting and small inline SVG charts.

Everything that comes from a model or a user is escaped here; only our own tags are marked safe.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from core.times import local_time
from corpora.nearcopy.highlight import copied_share, segments
from curator import publication
from curator.models import Candidate
from curator.selectors import Rate

register = template.Library()


def _ranges(spans: Any, side: str, training_id: int | None) -> list[tuple[int, int]]:
    """The stored spans' offsets on one side; malformed ones are ignored rather than trusted
    (corpora.nearcopy.highlight.segments clamps and merges them)."""
    found: list[tuple[int, int]] = []
    for span in spans if isinstance(spans, list) else []:
        if not isinstance(span, dict):
            continue
        if side == "training" and training_id is not None and span.get("training_id") != training_id:
            continue
        try:
            found.append((int(span[f"{side}_start"]), int(span[f"{side}_end"])))
        except (KeyError, TypeError, ValueError):
            continue
    return found


@register.simple_tag
def highlight(text: str, spans: Any, side: str = "candidate", training_id: int | None = None) -> SafeString:
    """The text, escaped, with the overlapping spans (character offsets on `side`) wrapped in <mark>."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html("<mark>{}</mark>", s.text) if s.marked else s.text,)
            for s in segments(text or "", _ranges(spans, side, training_id))
        ),
    )


@register.simple_tag
def copied(candidate: Any) -> SafeString:
    """The near-copy percentage, with one meaning everywhere: how much of the text is in runs shared with
    training tweets. Nothing for a text that was not checked."""
    if candidate.nearcopy_verdict == "unchecked":
        return SafeString("")
    share = copied_share(candidate.text or "", _ranges(candidate.nearcopy_spans, "candidate", None))
    return format_html(
        '<span class="similarity" title="Share of its words found in runs shared with training tweets">{}% copied</span>', share
    )


@register.simple_tag
def rate_chart(rates: Sequence[Rate], title: str = "Approval rate") -> SafeString:
    """Horizontal bars of approval rate (approved / decided), one per row, with the counts."""
    row_h, label_w, bar_w = 26, 90, 360
    height = row_h * max(1, len(rates)) + 10
    width = label_w + bar_w + 130
    rows = []
    for i, rate in enumerate(rates):
        y = 5 + i * row_h
        value = rate.rate or 0.0
        text = f"{value:.1%} of {rate.decided}" if rate.decided else "no decisions yet"
        rows.append(
            (
                y + 16,
                rate.label,
                label_w,
                y + 3,
                bar_w,
                label_w,
                y + 3,
                max(0.0, round(bar_w * value, 1)),
                label_w + bar_w + 8,
                y + 16,
                text,
            )
        )
    bars = format_html_join(
        "",
        '<text x="0" y="{}" class="chart-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="18" class="chart-track"/>'
        '<rect x="{}" y="{}" width="{}" height="18" class="chart-bar"/>'
        '<text x="{}" y="{}" class="chart-value">{}</text>',
        rows,
    )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}"><title>{}</title>{}</svg>',
        title,
        width,
        height,
        width,
        height,
        title,
        bars,
    )


@register.simple_tag
def sparkline(values: Sequence[int], title: str = "Values", width: int = 192, height: int = 28) -> SafeString:
    """Tiny column chart (e.g. decisions in each of the last 24 hours); `title` is its accessible name."""
    top = max(values) if values else 0
    step = width / max(1, len(values))
    cols = [
        (
            round(i * step, 1),
            round(height - (height * v / top if top else 0), 1),
            round(step - 1, 1),
            round(height * v / top if top else 0, 1),
            v,
        )
        for i, v in enumerate(values)
    ]
    bars = format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}" class="chart-bar"><title>{}</title></rect>', cols)
    return format_html(
        '<svg class="sparkline" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}"><title>{}</title>{}</svg>',
        title,
        width,
        height,
        width,
        height,
        title,
        bars,
    )


@register.filter
def age(value: datetime | None) -> str:
    """How old a candidate is, in words ("just now" under a minute)."""
    if value is None:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value).split(',')[0]} old"


@register.filter
def publication_summary(candidate: Candidate) -> str:
    """Posted, Scheduled, Failed or Ready for an approved candidate (from its posts); its status otherwise."""
    return publication.summary(candidate)


@register.filter
def publication_lines(candidate: Candidate) -> list[publication.PostLine]:
    return publication.publication(candidate)


@register.filter
def human_time(value: str) -> str:
    """An ISO time stored in a decision's data (older decisions), as people read it (UTC)."""
    try:
        return local_time(datetime.fromisoformat(value), "UTC")
    except (TypeError, ValueError, OverflowError):
        return ""
