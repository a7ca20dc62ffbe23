"""Split a text into plain and marked segments for showing near-copy spans (escaped by the template)."""

from dataclasses import dataclass

from corpora.nearcopy import Span
from corpora.nearcopy.text import words_with_offsets


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool


def segments(text: str, ranges: list[tuple[int, int]]) -> list[Segment]:
    """`text` cut at the union of the [start, end) ranges; overlapping or touching ranges merge."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in ranges):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[Segment] = []
    pos = 0
    for start, end in merged:
        if start > pos:
            out.append(Segment(text[pos:start], False))
        out.append(Segment(text[start:end], True))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:], False))
    return out


def candidate_segments(text: str, spans: list[Span]) -> list[Segment]:
    return segments(text, [(s.candidate_start, s.candidate_end) for s in spans])


def training_segments(text: str, spans: list[Span], training_id: int | None) -> list[Segment]:
    return segments(text, [(s.training_start, s.training_end) for s in spans if s.training_id == training_id])


def copied_share(text: str, ranges: list[tuple[int, int]]) -> int:
    """The one meaning of the near-copy percentage everywhere: the share of the text's words (as the check
    counts them) that lie in runs shared with training tweets, in whole percent. A copy is 100, an
    original with no shared run 0."""
    words = words_with_offsets(text)
    if not words:
        return 0
    inside = sum(1 for w in words if any(start <= w.start and w.end <= end for start, end in ranges))
    return round(100 * inside / len(words))
