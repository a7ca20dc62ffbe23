"""Lookup through the index, then exact scoring: the near-copy decision for a batch of texts.

Lookup (vectorised over the whole batch):
1. Each text's word bigrams are looked up in the index; their document frequency decides which
   to probe. Two sets of probes per text:
   - a *covering* set: in every window of ``min_words - 1`` consecutive bigrams at least one is
     probed, the cheapest such set (dynamic programming on document frequency). Any run of
     ``min_words`` words shared with a training text contains a probed bigram, so every such run
     is found whatever its words' frequency;
   - the ``EDIT_PROBES`` rarest bigrams (up to ``EDIT_PROBE_MAX_DF`` occurrences), which find
     edited copies whose edits left no long run intact.
2. Every occurrence of a probed bigram is a seed; seeds are extended left and right along their
   diagonal, word by word, to the maximal shared run, and runs found twice are merged.
Exact scoring (per text, on the few training texts found): equality of normalised text, rapidfuzz
``ratio`` on normalised text, longest shared run, and coverage by the runs of two training texts.
"""

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from curator.tweets import normalise
from generation.nearcopy import Span, Verdict
from generation.nearcopy.index import Index, bigram_keys, full_hash
from generation.nearcopy.text import word_hashes, words_with_offsets

COPY = "copy"
EDITED = "edited copy"
SPAN = "copied span"
STITCHED = "stitched"
REASONS = (COPY, EDITED, SPAN, STITCHED)

# How many of a text's rarest bigrams to probe for edited copies, and the most common a bigram
# may be to be worth it (a probe with more occurrences finds only texts sharing a stock phrase).
EDIT_PROBES = 6
EDIT_PROBE_MAX_DF = 2000
# Training texts scored with `ratio` per candidate, besides those sharing a long run.
RATIO_CANDIDATES = 8
# Training texts considered for stitching, the ones covering most of the candidate.
STITCH_CANDIDATES = 24
# Each of the two stitched sources covers at least this many words the other does not.
STITCH_OWN_WORDS = 3


@dataclass(frozen=True)
class Thresholds:
    edit_ratio: float = 80.0
    span_words: int = 8
    min_words: int = 6
    span_share: float = 0.8
    stitch_share: float = 0.8

    @classmethod
    def from_settings(cls) -> "Thresholds":
        from django.conf import settings

        return cls(
            edit_ratio=settings.NEARCOPY_EDIT_RATIO,
            span_words=settings.NEARCOPY_SPAN_WORDS,
            min_words=settings.NEARCOPY_MIN_WORDS,
            span_share=settings.NEARCOPY_SPAN_SHARE,
            stitch_share=settings.NEARCOPY_STITCH_SHARE,
        )

    @property
    def lookup_words(self) -> int:
        """The shortest run any rule can flag: lookup must find every run this long."""
        return max(2, min(self.min_words, self.span_words))


@dataclass(frozen=True)
class Run:
    """Words [qa, qa+length) of the candidate equal words [ta, ta+length) of training text `doc`."""

    doc: int
    qa: int
    ta: int
    length: int


@dataclass
class Found:
    """What lookup found for one candidate; the input of the exact decision."""

    copies: set[int] = field(default_factory=set)
    runs: dict[int, list[Run]] = field(default_factory=dict)
    ratios: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    verdict: str
    reason: str
    score: float
    doc: int | None
    runs: tuple[Run, ...] = ()


@dataclass
class Query:
    text: str
    norm: str
    toks: list[int]


def queries_make(texts: list[str]) -> list[Query]:
    out = []
    for text in texts:
        norm = normalise(text)
        out.append(Query(text=text, norm=norm, toks=word_hashes(norm)))
    return out


def _cover(df: list[int], window: int) -> list[int]:
    """Cheapest positions such that every `window` consecutive positions hold one (DP on cost)."""
    n = len(df)
    if n < window:
        return []
    cost = [0] * n
    back = [-1] * n
    for i in range(n):
        if i < window:
            cost[i] = df[i]
        else:
            lo = i - window
            j = min(range(lo, i), key=cost.__getitem__)
            cost[i] = df[i] + cost[j]
            back[i] = j
    i = min(range(n - window, n), key=cost.__getitem__)
    chosen = []
    while i >= 0:
        chosen.append(i)
        i = back[i]
    return chosen


def _ranges(starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Concatenation of arange(s, s+l) for each pair, without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    ends = np.cumsum(lengths)
    shift = np.repeat(starts - (ends - lengths), lengths)
    return np.arange(total, dtype=np.int64) + shift


def lookup(index: Index, queries: list[Query], th: Thresholds, *, exhaustive: bool = False) -> list[Found]:
    """Training texts that may be near copies of each query, with their shared runs and ratios.

    `exhaustive` probes every bigram (for checking recall in the benchmark); the product never sets it.
    """
    found = [Found() for _ in queries]
    n_q = len(queries)
    if n_q == 0 or index.size == 0:
        return found

    # Exact copies: hash of the whole normalised text, confirmed by comparing the texts.
    hashes = np.array([full_hash(q.norm) if q.norm else 0 for q in queries], dtype=np.uint64)
    pos = np.searchsorted(index.full_keys, hashes)
    for qi, q in enumerate(queries):
        p = int(pos[qi])
        while q.norm and p < index.full_keys.size and int(index.full_keys[p]) == int(hashes[qi]):
            doc = int(index.full_docs[p])
            if index.normalised(doc) == q.norm:
                found[qi].copies.add(doc)
            p += 1

    lens = np.array([len(q.toks) for q in queries], dtype=np.int64)
    qoff = np.zeros(n_q + 1, np.int64)
    np.cumsum(lens, out=qoff[1:])
    flat = np.array([t for q in queries for t in q.toks], dtype=np.uint32)
    if flat.size < 2 or index.gram_keys.size == 0:
        return found
    q_of_word = np.repeat(np.arange(n_q, dtype=np.int64), lens)
    valid = q_of_word[:-1] == q_of_word[1:]
    keys = bigram_keys(flat)
    g = np.searchsorted(index.gram_keys, keys)
    g_clip = np.minimum(g, index.gram_keys.size - 1)
    hit = valid & (index.gram_keys[g_clip] == keys)
    df = np.where(hit, index.gram_off[g_clip + 1] - index.gram_off[g_clip], 0)

    # Choose probes per query (word position of the bigram's first word, global in `flat`).
    window = th.lookup_words - 1
    probes: list[int] = []
    for qi in range(n_q):
        a, b = int(qoff[qi]), int(qoff[qi + 1])
        nb = b - a - 1
        if nb < 1:
            continue
        d = df[a : a + nb].tolist()
        if exhaustive:
            chosen = set(range(nb))
        else:
            chosen = set(_cover(d, window))
            rare = sorted((x, i) for i, x in enumerate(d) if 0 < x <= EDIT_PROBE_MAX_DF)
            chosen.update(i for _, i in rare[:EDIT_PROBES])
        probes.extend(a + i for i in chosen if d[i] > 0)
    if not probes:
        return found
    pr = np.array(probes, dtype=np.int64)
    gi = g_clip[pr]
    starts = index.gram_off[gi]
    counts = index.gram_off[gi + 1] - starts
    post = _ranges(starts, counts)
    h_word = np.repeat(pr, counts)  # global query word index of the seed's first word
    h_q = q_of_word[h_word]
    h_i = h_word - qoff[h_q]
    h_doc = index.post_doc[post].astype(np.int64)
    h_j = index.post_pos[post].astype(np.int64)
    del post

    # Extend each seed along its diagonal to the maximal shared run.
    t_base = index.tok_off[h_doc]
    t_len = index.tok_off[h_doc + 1] - t_base
    q_len = lens[h_q]
    left = np.zeros(h_q.size, np.int64)
    active = np.arange(h_q.size)
    k = 1
    while active.size:
        ok = (h_i[active] >= k) & (h_j[active] >= k)
        active = active[ok]
        if not active.size:
            break
        same = flat[h_word[active] - k] == index.toks[t_base[active] + h_j[active] - k]
        active = active[same]
        left[active] += 1
        k += 1
    right = np.zeros(h_q.size, np.int64)
    active = np.arange(h_q.size)
    k = 2
    while active.size:
        ok = (h_i[active] + k < q_len[active]) & (h_j[active] + k < t_len[active])
        active = active[ok]
        if not active.size:
            break
        same = flat[h_word[active] + k] == index.toks[t_base[active] + h_j[active] + k]
        active = active[same]
        right[active] += 1
        k += 1
    qa = h_i - left
    ta = h_j - left
    length = left + right + 2
    del left, right, t_base, t_len, q_len, h_i, h_j, h_word
    # One row per distinct run (several seeds of one run meet here).
    order = np.lexsort((ta, qa, h_doc, h_q))
    h_q, h_doc, qa, ta, length = h_q[order], h_doc[order], qa[order], ta[order], length[order]
    first = np.ones(h_q.size, bool)
    first[1:] = (h_q[1:] != h_q[:-1]) | (h_doc[1:] != h_doc[:-1]) | (qa[1:] != qa[:-1]) | (ta[1:] != ta[:-1])
    h_q, h_doc, qa, ta, length = h_q[first], h_doc[first], qa[first], ta[first], length[first]

    # Per (query, training text): the longest run and how many runs; keep, per query, the training
    # texts with a run long enough for any rule, and the best few others (for edit similarity).
    pair_start = np.flatnonzero(np.concatenate(([True], (h_q[1:] != h_q[:-1]) | (h_doc[1:] != h_doc[:-1]))))
    p_q = h_q[pair_start]
    p_doc = h_doc[pair_start]
    p_max = np.maximum.reduceat(length, pair_start)
    p_runs = np.diff(np.append(pair_start, h_q.size))
    rank_order = np.lexsort((p_doc, -p_runs, -p_max, p_q))
    q_sorted = p_q[rank_order]
    group_start = np.searchsorted(q_sorted, q_sorted, side="left")
    rank = np.empty(rank_order.size, np.int64)
    rank[rank_order] = np.arange(rank_order.size) - group_start
    keep_pair = (rank < RATIO_CANDIDATES) | (p_max >= th.lookup_words)
    keep_run = np.repeat(keep_pair, p_runs)
    for q, doc, a, t, n in zip(
        h_q[keep_run].tolist(),
        h_doc[keep_run].tolist(),
        qa[keep_run].tolist(),
        ta[keep_run].tolist(),
        length[keep_run].tolist(),
        strict=True,
    ):
        found[q].runs.setdefault(doc, []).append(Run(doc=doc, qa=a, ta=t, length=n))

    # Exact edit similarity for the kept training texts (and the exact copies).
    pair_q: list[int] = []
    pair_doc: list[int] = []
    for qi, f in enumerate(found):
        for doc in f.copies | f.runs.keys():
            pair_q.append(qi)
            pair_doc.append(doc)
    if pair_q:
        scores = process.cpdist([queries[q].norm for q in pair_q], [index.normalised(d) for d in pair_doc], scorer=fuzz.ratio, workers=-1)
        for qn, doc, s in zip(pair_q, pair_doc, scores.tolist(), strict=True):
            found[qn].ratios[doc] = float(s)
    return found


class DocWords:
    """Word counts of training texts, from the index."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def __call__(self, doc: int) -> int:
        return int(self.index.tok_off[doc + 1] - self.index.tok_off[doc])


def _coverage(runs: list[Run], min_len: int) -> int:
    mask = 0
    for r in runs:
        if r.length >= min_len:
            mask |= ((1 << r.length) - 1) << r.qa
    return mask


def decide(*, n_words: int, found: Found, doc_words: DocWords, th: Thresholds) -> Decision:
    """The exact rules (docs/architecture.md, "Near-copy check"), strongest reason first."""
    if found.copies:
        doc = min(found.copies)
        return Decision(COPY, COPY, 100.0, doc, (Run(doc, 0, 0, n_words),) if n_words else ())

    edited = [(s, doc) for doc, s in found.ratios.items() if s >= th.edit_ratio and min(n_words, doc_words(doc)) >= th.min_words]
    if edited:
        s, doc = max(edited, key=lambda x: (x[0], -x[1]))
        return Decision("near", EDITED, round(s, 1), doc)

    if n_words:
        masks = {doc: _coverage(runs, th.min_words) for doc, runs in found.runs.items()}
        masks = {doc: m for doc, m in masks.items() if m}
        if len(masks) >= 2:
            top = sorted(masks.items(), key=lambda kv: (-kv[1].bit_count(), kv[0]))[:STITCH_CANDIDATES]
            best: tuple[int, int, int] | None = None
            for x in range(len(top)):
                for y in range(x + 1, len(top)):
                    (d1, m1), (d2, m2) = top[x], top[y]
                    if (m1 & ~m2).bit_count() >= STITCH_OWN_WORDS and (m2 & ~m1).bit_count() >= STITCH_OWN_WORDS:
                        covered = (m1 | m2).bit_count()
                        if best is None or covered > best[0]:
                            best = (covered, d1, d2)
            if best is not None and best[0] >= th.stitch_share * n_words:
                covered, d1, d2 = best
                kept = tuple(sorted((r for d in (d1, d2) for r in found.runs[d] if r.length >= th.min_words), key=lambda r: (r.qa, r.doc)))
                return Decision("near", STITCHED, round(100.0 * covered / n_words, 1), d1, kept)

    best_span: tuple[float, int, int] | None = None  # (share, length, doc)
    for doc, runs in found.runs.items():
        longest = max(r.length for r in runs)
        shorter = min(n_words, doc_words(doc))
        share = longest / shorter if shorter else 0.0
        if longest >= th.span_words or (longest >= th.min_words and share >= th.span_share):
            key = (share, longest, -doc)
            if best_span is None or key > (best_span[0], best_span[1], -best_span[2]):
                best_span = (share, longest, doc)
    if best_span is not None:
        share, longest, doc = best_span
        kept = tuple(sorted((r for r in found.runs[doc] if r.length >= min(th.min_words, longest)), key=lambda r: r.qa))
        return Decision("near", SPAN, round(100.0 * min(share, 1.0), 1), doc, kept)

    # Not flagged: still name the closest training text and how close it is.
    best_ok: tuple[float, int] | None = None
    for doc, ratio in found.ratios.items():
        if best_ok is None or (ratio, -doc) > (best_ok[0], -best_ok[1]):
            best_ok = (ratio, doc)
    if best_ok is None:
        return Decision("ok", "", 0.0, None)
    closeness, doc = best_ok
    shown = tuple(sorted((r for r in found.runs.get(doc, []) if r.length >= 3), key=lambda r: r.qa))
    return Decision("ok", "", round(min(closeness, 100.0), 1), doc, shown)


def _char_spans(query: Query, decision: Decision, index: Index) -> list[Span]:
    if decision.doc is None:
        return []
    q_words = words_with_offsets(query.text)
    docs = {decision.doc} | {r.doc for r in decision.runs}
    t_words = {doc: words_with_offsets(index.raw(doc)) for doc in docs}
    runs: list[Run] = list(decision.runs)
    if decision.reason == EDITED:
        # The words the two texts share, block by block, in order.
        t_toks = index.words(decision.doc).tolist()
        for block in Indel.opcodes(query.toks, t_toks):
            if block.tag == "equal":
                runs.append(Run(decision.doc, block.src_start, block.dest_start, block.src_end - block.src_start))
    spans = []
    for r in runs:
        tw = t_words[r.doc]
        if r.length <= 0 or r.qa + r.length > len(q_words) or r.ta + r.length > len(tw):
            continue
        spans.append(
            Span(
                candidate_start=q_words[r.qa].start,
                candidate_end=q_words[r.qa + r.length - 1].end,
                training_start=tw[r.ta].start,
                training_end=tw[r.ta + r.length - 1].end,
                training_id=int(index.ids[r.doc]),
            )
        )
    return spans


def index_check(*, index: Index, texts: list[str], th: Thresholds) -> list[Verdict]:
    """One verdict per text, in order."""
    queries = queries_make(texts)
    found = lookup(index, queries, th)
    doc_words = DocWords(index)
    verdicts = []
    for q, f in zip(queries, found, strict=True):
        decision = decide(n_words=len(q.toks), found=f, doc_words=doc_words, th=th)
        if decision.doc is None:
            verdicts.append(Verdict(verdict="ok"))
            continue
        verdicts.append(
            Verdict(
                verdict=decision.verdict,
                reason=decision.reason,
                score=decision.score,
                closest_id=int(index.ids[decision.doc]),
                closest=index.raw(decision.doc),
                spans=_char_spans(q, decision, index),
            )
        )
    return verdicts
