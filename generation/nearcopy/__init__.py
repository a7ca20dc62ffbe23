"""Near-copy check: is a candidate a memorised or lightly edited training text?

The public interface (used by generation and the queue); the implementation lives in this package.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """Overlapping words: character offsets [start, end) in the candidate and in the training text."""

    candidate_start: int
    candidate_end: int
    training_start: int
    training_end: int
    training_id: int


@dataclass(frozen=True)
class Verdict:
    verdict: str  # "copy", "near", "ok" (or "unchecked" when no index exists)
    reason: str = ""  # "copy", "edited copy", "copied span", "stitched", ""
    score: float = 0.0  # 0..100
    closest_id: int | None = None
    closest: str = ""
    spans: list[Span] = field(default_factory=list)


def check_texts(*, corpus_id: int, texts: list[str]) -> list[Verdict]:
    """One verdict per text, in order. Placeholder until the index lands: everything is unchecked."""
    return [Verdict(verdict="unchecked") for _ in texts]
