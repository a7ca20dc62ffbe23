"""Lookup through the index, then exact scoring: the near-copy decision for a batch of texts.

Lookup (vectorised over the whole batch; docs/architecture.md, "Near-copy check", has the why):
1. exact copies by a hash of the whole normalised text;
2. *covering* probes: the cheapest set of a text's word bigrams (by document frequency, dynamic
   programming) such that every window of ``lookup_words - 1`` consecutive bigrams holds one. Any
   run of ``lookup_words`` words shared with a training text contains a probed bigram, so every run
   a rule can use is found, however common its words. Each occurrence of a probed bigram is a seed,
   extended word by word along its diagonal to the maximal shared run;
3. the ``EDIT_PROBES`` rarest bigrams, for edited copies whose edits broke every long run: their
   training texts of a suitable length are counted (not extended) and the best scored;
4. a second pass for texts found to be copies or edited copies, scoring every near-identical
   training text (templated tweets come in dozens).
Exact scoring (per text, on the training texts found): equality of normalised text, rapidfuzz
``ratio`` on normalised text, longest shared run, and coverage by the runs of two training texts.
"""

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from core.tweets import normalise
from corpora.nearcopy import NEAR_COPY, Span, Verdict
from corpora.nearcopy.index import Index, bigram_keys, full_hash
from corpora.nearcopy.text import word_hashes, words_with_offsets

COPY = "copy"
EDITED = "edited copy"
SPAN = "copied span"
STITCHED = "stitched"
REASONS = (COPY, EDITED, SPAN, STITCHED)

# How many of a text's rarest bigrams to probe for edited copies, and the most common a bigram
# may be to be worth it (a probe with more occurrences finds only texts sharing a stock phrase).
EDIT_PROBES = 6
EDIT_PROBE_MAX_DF = 2000
# Training texts scored with `ratio` per candidate, besides those sharing a long run: those sharing
# most words among the ones long enough to reach the threshold, and the closest few by longest run.
RATIO_CANDIDATES = 32
CLOSEST_CANDIDATES = 4
# Second pass for texts found to be copies or edited copies: probe bigrams up to this frequency and
# score this many training texts, so every near-identical training text is named, not just one.
EXPAND_MAX_DF = 5000
EXPAND_CANDIDATES = 256
# Training texts considered for stitching, the ones covering most of the candidate.
STITCH_CANDIDATES = 24
# An original text still shows the runs it shares with its closest training text, from this length.
OK_SPAN_WORDS = 4
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
    scored: set[int] = field(default_factory=set)  # found only to be scored by edit similarity
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


def lookup(index: Index, queries: list[Query], th: Thresholds) -> list[Found]:
    """Training texts that may be near copies of each query, with their shared runs and ratios."""
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

    norm_bytes = np.array([len(q.norm.encode()) for q in queries], dtype=np.int64)
    batch = _Batch(
        index=index, queries=queries, flat=flat, lens=lens, qoff=qoff, q_of_word=q_of_word, gram=g_clip, df=df, norm_bytes=norm_bytes
    )

    # Pass 1, every query: covering probes, extended to exact runs; and the rarest few bigrams,
    # whose training texts (only those long enough to be edited copies) are scored by edit similarity.
    window = th.lookup_words - 1
    covering: list[int] = []
    rare: list[int] = []
    for qi in range(n_q):
        a, nb = int(qoff[qi]), int(lens[qi]) - 1
        if nb < 1:
            continue
        d = df[a : a + nb].tolist()
        chosen = {i for i in _cover(d, window) if d[i] > 0}
        covering.extend(a + i for i in sorted(chosen))
        ranked = sorted((x, i) for i, x in enumerate(d) if 0 < x <= EDIT_PROBE_MAX_DF)
        rare.extend(a + i for _, i in ranked[:EDIT_PROBES] if i not in chosen)
    _fill(batch, found, _runs(batch, covering), th)
    _score_sharing(batch, found, rare, th, limit=RATIO_CANDIDATES, min_shared=1)

    # Pass 2, only for texts already found to be copies or edited copies (a few in a real batch):
    # templated tweets come in dozens of near-identical copies, and every one of them should be
    # scored, not only those the first probes reached.
    expand = [qi for qi, f in enumerate(found) if f.copies or any(s >= th.edit_ratio for s in f.ratios.values())]
    if expand:
        probes: list[int] = []
        for qi in expand:
            a, nb = int(qoff[qi]), int(lens[qi]) - 1
            probes.extend(a + i for i, x in enumerate(df[a : a + nb].tolist()) if 0 < x <= EXPAND_MAX_DF)
        _score_sharing(batch, found, probes, th, limit=EXPAND_CANDIDATES, min_shared=2)
    return found


@dataclass
class _Batch:
    """A batch of queries as flat arrays, with each word bigram's place in the index."""

    index: Index
    queries: list[Query]
    flat: npt.NDArray[np.uint32]  # all queries' word hashes, concatenated
    lens: npt.NDArray[np.int64]
    qoff: npt.NDArray[np.int64]
    q_of_word: npt.NDArray[np.int64]
    gram: npt.NDArray[np.int64]  # for the bigram starting at each word: its row in gram_keys
    df: npt.NDArray[np.int64]  # ... and its number of occurrences (0: not in the index)
    norm_bytes: npt.NDArray[np.int64]  # each query's normalised length in UTF-8 bytes

    def postings(self, probes: list[int]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Every occurrence of the probed bigrams: (query word index in `flat`, doc, word position in doc)."""
        pr = np.array(probes, dtype=np.int64)
        gi = self.gram[pr]
        starts = self.index.gram_off[gi]
        counts = self.index.gram_off[gi + 1] - starts
        post = _ranges(starts, counts)
        return np.repeat(pr, counts), self.index.post_doc[post].astype(np.int64), self.index.post_pos[post].astype(np.int64)

    def reachable(self, q: npt.NDArray[np.int64], doc: npt.NDArray[np.int64], th: Thresholds) -> npt.NDArray[np.bool_]:
        """Whether the lengths allow ratio >= threshold: ratio = 2·matches/(a+b) <= 2·min(a, b)/(a+b).
        UTF-8 bytes stand in for characters, with a margin."""
        q_chars = self.norm_bytes[q]
        t_chars = self.index.norm_len[doc]
        return 2 * np.minimum(q_chars, t_chars) >= (th.edit_ratio / 100 - 0.05) * (q_chars + t_chars)


@dataclass
class _Runs:
    """Distinct maximal runs, sorted by (query, doc)."""

    q: npt.NDArray[np.int64]
    doc: npt.NDArray[np.int64]
    qa: npt.NDArray[np.int64]
    ta: npt.NDArray[np.int64]
    length: npt.NDArray[np.int64]


def _runs(batch: _Batch, probes: list[int]) -> _Runs:
    """Every occurrence of the probed bigrams, extended along its diagonal to the maximal shared run.

    `probes` must be sorted. A run holding several probed bigrams is kept once: from its leftmost probe.
    """
    index, flat = batch.index, batch.flat
    if not probes:
        empty = np.zeros(0, np.int64)
        return _Runs(empty, empty, empty, empty, empty)
    h_word, h_doc, h_j = batch.postings(probes)
    h_q = batch.q_of_word[h_word]
    h_i = h_word - batch.qoff[h_q]
    t_base = index.tok_off[h_doc]
    t_len = index.tok_off[h_doc + 1] - t_base
    q_len = batch.lens[h_q]
    left = np.zeros(h_q.size, np.int64)
    active = np.arange(h_q.size)
    k = 1
    while active.size:
        active = active[(h_i[active] >= k) & (h_j[active] >= k)]
        if not active.size:
            break
        active = active[flat[h_word[active] - k] == index.toks[t_base[active] + h_j[active] - k]]
        left[active] += 1
        k += 1
    # The previous probed position of the same query, for each word: a seed whose run reaches back
    # to it is a duplicate of that probe's seed.
    prev_probe = np.full(flat.size, -1, np.int64)
    pr = np.array(probes, dtype=np.int64)
    same_q = np.concatenate(([False], batch.q_of_word[pr[1:]] == batch.q_of_word[pr[:-1]]))
    prev_probe[pr] = np.where(same_q, np.concatenate(([-1], pr[:-1])), -1)
    qa = h_i - left
    first = prev_probe[h_word] < h_word - left
    h_q, h_doc, h_i, h_j, h_word, qa, left = h_q[first], h_doc[first], h_i[first], h_j[first], h_word[first], qa[first], left[first]
    t_base, t_len, q_len = t_base[first], t_len[first], q_len[first]
    right = np.zeros(h_q.size, np.int64)
    active = np.arange(h_q.size)
    k = 2
    while active.size:
        active = active[(h_i[active] + k < q_len[active]) & (h_j[active] + k < t_len[active])]
        if not active.size:
            break
        active = active[flat[h_word[active] + k] == index.toks[t_base[active] + h_j[active] + k]]
        right[active] += 1
        k += 1
    order = np.argsort(h_q * index.size + h_doc, kind="stable")
    return _Runs(h_q[order], h_doc[order], qa[order], (h_j - left)[order], (left + right + 2)[order])


def _rank_within_query(q: npt.NDArray[np.int64], score: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """0 for the highest score of each query, 1 for the next... (ties: input order). 0 <= score < 2**31."""
    order = np.argsort(q * (1 << 32) + ((1 << 31) - 1 - score), kind="stable")
    q_sorted = q[order]
    starts = np.flatnonzero(np.concatenate(([True], q_sorted[1:] != q_sorted[:-1])))
    sizes = np.diff(np.append(starts, q_sorted.size))
    rank = np.empty(order.size, np.int64)
    rank[order] = np.arange(order.size) - np.repeat(starts, sizes)
    return rank


def _fill(batch: _Batch, found: list[Found], runs: _Runs, th: Thresholds) -> None:
    """Keep the promising training texts' runs in `found` and score their edit similarity.

    Per (query, training text): the longest run and the words shared in runs. Kept: every training
    text with a run long enough for a rule; the RATIO_CANDIDATES sharing most words among those whose
    length allows the ratio threshold; and the CLOSEST_CANDIDATES with the longest runs, so an
    original text still shows its closest training text.
    """
    if runs.q.size:
        pair_start = np.flatnonzero(np.concatenate(([True], (runs.q[1:] != runs.q[:-1]) | (runs.doc[1:] != runs.doc[:-1]))))
        p_q = runs.q[pair_start]
        p_doc = runs.doc[pair_start]
        p_max = np.maximum.reduceat(runs.length, pair_start)
        p_sum = np.add.reduceat(runs.length, pair_start)
        reachable = batch.reachable(p_q, p_doc, th)
        # Runs are kept where a rule or the display needs them; the others are only scored.
        keep_runs = p_max >= th.lookup_words
        keep_runs |= _rank_within_query(p_q, p_max * 1024 + np.minimum(p_sum, 1023)) < CLOSEST_CANDIDATES
        score_only = ~keep_runs & reachable & (_rank_within_query(p_q, np.where(reachable, p_sum, 0)) < RATIO_CANDIDATES)
        for q, doc in zip(p_q[score_only].tolist(), p_doc[score_only].tolist(), strict=True):
            found[q].scored.add(doc)
        keep_run = np.repeat(keep_runs, np.diff(np.append(pair_start, runs.q.size)))
        for q, doc, a, t, n in zip(
            runs.q[keep_run].tolist(),
            runs.doc[keep_run].tolist(),
            runs.qa[keep_run].tolist(),
            runs.ta[keep_run].tolist(),
            runs.length[keep_run].tolist(),
            strict=True,
        ):
            found[q].runs.setdefault(doc, []).append(Run(doc=doc, qa=a, ta=t, length=n))
    _score(batch, found, [(qi, doc) for qi, f in enumerate(found) for doc in f.copies | f.scored | f.runs.keys()])


def _score_sharing(batch: _Batch, found: list[Found], probes: list[int], th: Thresholds, *, limit: int, min_shared: int) -> None:
    """Score, per query, the `limit` training texts sharing most probed bigrams (at least
    `min_shared`) among those whose length allows the ratio threshold."""
    if not probes:
        return
    h_word, h_doc, _ = batch.postings(probes)
    h_q = batch.q_of_word[h_word]
    ok = batch.reachable(h_q, h_doc, th)
    pairs, shared = np.unique(h_q[ok] * batch.index.size + h_doc[ok], return_counts=True)
    p_q, p_doc = pairs // batch.index.size, pairs % batch.index.size
    keep = (_rank_within_query(p_q, shared) < limit) & (shared >= min_shared)
    for q, doc in zip(p_q[keep].tolist(), p_doc[keep].tolist(), strict=True):
        found[q].scored.add(doc)
    _score(batch, found, list(zip(p_q[keep].tolist(), p_doc[keep].tolist(), strict=True)))


def _score(batch: _Batch, found: list[Found], pairs: list[tuple[int, int]]) -> None:
    """rapidfuzz ratio on normalised text for the (query, doc) pairs not scored yet (both cores)."""
    todo = [(q, doc) for q, doc in pairs if doc not in found[q].ratios]
    if not todo:
        return
    queries, index = batch.queries, batch.index
    scores = process.cpdist([queries[q].norm for q, _ in todo], index.normalised_many([d for _, d in todo]), scorer=fuzz.ratio, workers=-1)
    for (q, doc), s in zip(todo, scores.tolist(), strict=True):
        found[q].ratios[doc] = float(s)


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
    shown = tuple(sorted((r for r in found.runs.get(doc, []) if r.length >= OK_SPAN_WORDS), key=lambda r: r.qa))
    return Decision("ok", "", round(min(closeness, 100.0), 1), doc, shown)


def _char_spans(query: Query, decision: Decision, index: Index) -> list[Span]:
    if decision.doc is None or (not decision.runs and decision.reason != EDITED):
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


# Between texts of the same kind (a bot's pending candidates: curator.siblings) only the rules that say two texts
# are one text apply: the same normalised text, an edited copy, and a shared run covering SPAN_SHARE of the shorter.
# A lone run of SPAN_WORDS and stitching are off (unreachable thresholds): they mark a text that borrowed a phrase,
# and between candidates they would join texts that only share a stock phrase.
_NEVER_WORDS = 1 << 30
_NEVER_SHARE = 2.0


def near_identical_thresholds(th: Thresholds) -> Thresholds:
    return replace(th, span_words=_NEVER_WORDS, stitch_share=_NEVER_SHARE)


def _forget(found: Found, doc: int) -> None:
    """A text looked up in an index that holds it finds itself: leave itself out."""
    found.copies.discard(doc)
    found.runs.pop(doc, None)
    found.scored.discard(doc)
    found.ratios.pop(doc, None)


def index_near_identical(*, index: Index, docs: list[int], th: Thresholds) -> list[list[int]]:
    """For each of the index's own texts at positions `docs`: the positions of every other text of the index it is
    near-identical to (near_identical_thresholds). Looked up as index_check does; the exact rules are decided for
    each pair, not only for the closest text, since every pair joins a group."""
    th = near_identical_thresholds(th)
    queries = queries_make(index.normalised_many(docs)) if docs else []
    found = lookup(index, queries, th)
    doc_words = DocWords(index)
    near: list[list[int]] = []
    for doc, q, f in zip(docs, queries, found, strict=True):
        _forget(f, doc)
        pairs = (
            Found(
                copies=f.copies & {other},
                runs={other: f.runs[other]} if other in f.runs else {},
                ratios={other: f.ratios[other]} if other in f.ratios else {},
            )
            for other in sorted(f.copies | f.ratios.keys() | f.runs.keys())
        )
        near.append(
            [
                p.doc
                for p in (decide(n_words=len(q.toks), found=pair, doc_words=doc_words, th=th) for pair in pairs)
                if p.verdict in NEAR_COPY and p.doc is not None
            ]
        )
    return near
