"""Near-copy check: is a candidate a memorised or lightly edited training text?

The public interface (used by generation and the queue, which apply verdicts to candidates: curator.nearcopy; and
`near_identical`, the same rules between candidates: curator.siblings); the implementation lives in this package:
`text` (words and offsets), `index` (the persisted index), `matching` (lookup and the exact rules),
`services` (corpus index in the database and on disk), `tasks` (the build task).
Definitions: docs/architecture.md, "Near-copy check".
"""

from dataclasses import dataclass, field

# The verdicts that make a text a near copy: flagged in the queue, refused without an override. The one definition.
NEAR_COPY = ("near", "copy")


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

    @property
    def is_near_copy(self) -> bool:
        return self.verdict in NEAR_COPY


def check_texts(*, corpus_id: int, texts: list[str]) -> list[Verdict]:
    """One verdict per text, in order, against the corpus' training texts.

    Uses the corpus' persisted index (built now if it is missing or stale). A corpus that does
    not exist gives "unchecked" verdicts rather than an error, so generation never loses a batch.
    """
    from corpora.models import Corpus
    from corpora.nearcopy.services import nearcopy_check

    corpus = Corpus.objects.filter(pk=corpus_id).first()
    if corpus is None:
        return [Verdict(verdict="unchecked") for _ in texts]
    return nearcopy_check(corpus=corpus, texts=texts)


def near_identical(*, texts: list[str], new: int) -> list[list[int]]:
    """The near-copy rules between texts rather than against a corpus: for each of the last `new` texts, the
    positions in `texts` of every other text it is near-identical to.

    Near-identical: the same normalised text, an edited copy, or a shared run covering SPAN_SHARE of the shorter
    text (matching.near_identical_thresholds says why the other rules are off). An index of all the texts is built
    in memory (linear in their number) and only the new ones are looked up, so a few thousand new texts against
    100k known ones cost seconds, not a comparison of every pair.
    """
    from corpora.nearcopy.index import index_build
    from corpora.nearcopy.matching import Thresholds, index_near_identical

    if new <= 0:
        return []
    index = index_build(texts=enumerate(texts))
    return index_near_identical(index=index, docs=list(range(len(texts) - new, len(texts))), th=Thresholds.from_settings())
