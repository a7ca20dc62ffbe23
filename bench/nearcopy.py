"""Near-copy benchmark: recall against brute force, planted near copies, speed at 30k and 1M texts.

    SHARED_DATA_DIR=/work/shared/data .venv/bin/python -m bench.nearcopy [--big 1000000] [--seed 7]

Training texts come straight from the Trump archive JSON (no database); the index and the checks
are the product's own code (corpora.nearcopy.index / matching). Baseline, side by side in the
same run: brute-force rapidfuzz `process.cdist` with `fuzz.ratio` (run on a sample at 1M and
extrapolated, labelled so).
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

import numpy as np  # noqa: E402
import psutil  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from core.tweets import normalise  # noqa: E402
from corpora.nearcopy.index import Index, index_load, index_write  # noqa: E402
from corpora.nearcopy.matching import (  # noqa: E402
    COPY,
    EDITED,
    REASONS,
    SPAN,
    STITCHED,
    DocWords,
    Found,
    Run,
    Thresholds,
    decide,
    index_check,
    lookup,
    queries_make,
)

KINDS = ("copy", "edited copy", "copied span: inside", "copied span: prefix", "copied span: window", "stitched")


def data_path() -> Path:
    base = os.environ.get("SHARED_DATA_DIR") or str(Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    path = Path(base) / "trump_tweets_2009_2016.json"
    if not path.exists():
        sys.exit(f"{path} not found: set SHARED_DATA_DIR to the folder holding trump_tweets_2009_2016.json")
    return path


# --- Data: training / novel split and planted near copies -------------------------------------


def split(texts: list[str], rng: random.Random, n_novel: int) -> tuple[list[str], list[str]]:
    """Hold out real tweets as novel texts; drop held-out ones whose normalised text is in training."""
    order = list(range(len(texts)))
    rng.shuffle(order)
    held = set(order[: n_novel * 2])
    training = [t for i, t in enumerate(texts) if i not in held]
    seen = {normalise(t) for t in training}
    novel = []
    for i in order[: n_novel * 2]:
        norm = normalise(texts[i])
        if len(norm.split()) >= 3 and norm not in seen:
            novel.append(texts[i])
            seen.add(norm)
        if len(novel) == n_novel:
            break
    return training, novel


def plant(training: list[str], novel: list[str], rng: random.Random, per_kind: int) -> list[tuple[str, str]]:
    """(kind, text) near copies of random training tweets, perturbed the way a model copies."""
    words = [w for t in novel for w in t.split()]
    by_len: dict[int, list[str]] = defaultdict(list)
    for t in training:
        by_len[len(normalise(t).split())].append(t)

    def pick(min_words: int) -> list[str]:
        for _ in range(1000):
            t = rng.choice(training)
            tokens = t.split()
            if len(normalise(t).split()) >= min_words and len(tokens) >= min_words:
                return tokens
        raise RuntimeError("no training text long enough")

    def filler(n: int) -> list[str]:
        start = rng.randrange(len(words) - n)
        return words[start : start + n]

    out: list[tuple[str, str]] = []
    for _ in range(per_kind):
        # copy: case, punctuation, URL, mention, entity changes only
        t = " ".join(pick(3))
        t = rng.choice([t.upper(), t.lower(), t.replace(",", "").replace(".", "!"), t])
        t = rng.choice([t + " https://t.co/Zx81kq", "@someone " + t, t.replace("&", "&amp;") + "!!", t])
        out.append(("copy", t))
        # edited copy: one or two words substituted, inserted or deleted
        tokens = pick(10)
        for _ in range(rng.choice([1, 1, 2])):
            i = rng.randrange(len(tokens))
            op = rng.choice(["sub", "ins", "del"])
            if op == "sub":
                tokens[i] = rng.choice(words)
            elif op == "ins":
                tokens.insert(i, rng.choice(words))
            elif len(tokens) > 2:
                del tokens[i]
        out.append(("edited copy", " ".join(tokens)))
        # copied span: a whole training tweet inside a longer new text
        out.append(("copied span: inside", " ".join([*filler(rng.randint(5, 12)), *pick(6), *filler(rng.randint(3, 10))])))
        # copied span: a candidate that is the beginning of a training tweet
        tokens = pick(12)
        out.append(("copied span: prefix", " ".join(tokens[: max(6, int(len(tokens) * rng.uniform(0.5, 0.8)))])))
        # copied span: a run of 8+ words of a long tweet inside a new text
        tokens = pick(18)
        n = rng.randint(9, 12)
        s = rng.randrange(len(tokens) - n)
        out.append(("copied span: window", " ".join([*filler(rng.randint(6, 12)), *tokens[s : s + n], *filler(rng.randint(6, 12))])))
        # stitched: the start of one tweet glued to the end of another
        a, b = pick(14), pick(14)
        out.append(("stitched", " ".join(a[: len(a) // 2] + b[len(b) // 2 :])))
    return out


# --- Synthetic training texts at scale ---------------------------------------------------------


def synthetic(texts: list[str], n: int, seed: int) -> Iterator[str]:
    """Texts from a word-level order-1 Markov chain of the real tweets (same vocabulary and word
    statistics, length distribution close to the real one), generated vectorised."""
    rng = np.random.default_rng(seed)
    seqs = [normalise(t).split() for t in texts]
    vocab, inverse = np.unique(np.array([w for s in seqs for w in s], dtype=object).astype(str), return_inverse=True)
    start, end = len(vocab), len(vocab) + 1
    prev_l: list[int] = []
    next_l: list[int] = []
    pos = 0
    for s in seqs:
        ids = [*inverse[pos : pos + len(s)].tolist()]
        pos += len(s)
        chain = [start, *ids, end]
        prev_l.extend(chain[:-1])
        next_l.extend(chain[1:])
    pairs, counts = np.unique(np.array(prev_l, np.int64) * (end + 1) + np.array(next_l, np.int64), return_counts=True)
    prev = pairs // (end + 1)
    nxt = pairs % (end + 1)
    row_total = np.bincount(prev, weights=counts, minlength=end + 1)
    cum = np.cumsum(counts).astype(np.float64)
    row_first = np.searchsorted(prev, np.arange(end + 1))
    before = np.where(row_first < len(cum), np.concatenate(([0.0], cum))[row_first], 0.0)
    frac = (cum - before[prev]) / row_total[prev]
    glob = prev + np.minimum(frac, 1.0)
    chunk = 100_000
    for base in range(0, n, chunk):
        m = min(chunk, n - base)
        cur = np.full(m, start, np.int64)
        steps = []
        alive = np.ones(m, bool)
        for _ in range(45):
            u = rng.random(m)
            idx = np.minimum(np.searchsorted(glob, cur + u * (1 - 1e-12), side="right"), len(glob) - 1)
            cur = np.where(alive, nxt[idx], end)
            alive &= cur != end
            steps.append(np.where(alive, cur, -1))
            if not alive.any():
                break
        grid = np.stack(steps, axis=1)
        for row in grid:
            yield " ".join(vocab[row[row >= 0]].tolist())


# --- Brute force (independent of the index): every pair, exactly -------------------------------


def brute_force(training: list[str], queries: list[str], th: Thresholds) -> list[Found]:
    """Exact Found for every query against every training text, without the index:
    rapidfuzz cdist ratio over all pairs, a dict of every `min_words`-gram for shared runs."""
    t_norm = [normalise(t) for t in training]
    t_words = [s.split() for s in t_norm]
    q_norm = [normalise(q) for q in queries]
    q_words = [s.split() for s in q_norm]
    found = [Found() for _ in queries]
    by_norm: dict[str, list[int]] = defaultdict(list)
    for d, s in enumerate(t_norm):
        if s:
            by_norm[s].append(d)
    for qi, s in enumerate(q_norm):
        if s:
            found[qi].copies.update(by_norm.get(s, []))
    scores = process.cdist(q_norm, t_norm, scorer=fuzz.ratio, score_cutoff=th.edit_ratio, dtype=np.uint8, workers=-1)
    for qi, d in zip(*np.nonzero(scores), strict=True):
        found[qi].ratios[int(d)] = float(fuzz.ratio(q_norm[qi], t_norm[d]))
    k = th.lookup_words
    grams: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
    for d, ws in enumerate(t_words):
        for i in range(len(ws) - k + 1):
            grams[tuple(ws[i : i + k])].append((d, i))
    for qi, ws in enumerate(q_words):
        runs: set[tuple[int, int, int, int]] = set()
        for i in range(len(ws) - k + 1):
            for d, j in grams.get(tuple(ws[i : i + k]), ()):
                tw = t_words[d]
                a, b = i, j
                while a > 0 and b > 0 and ws[a - 1] == tw[b - 1]:
                    a, b = a - 1, b - 1
                n = 0
                while a + n < len(ws) and b + n < len(tw) and ws[a + n] == tw[b + n]:
                    n += 1
                runs.add((d, a, b, n))
        for d, a, b, n in runs:
            found[qi].runs.setdefault(d, []).append(Run(d, a, b, n))
    return found


def flagged_pairs(found: Found, n_words: int, doc_words: DocWords, th: Thresholds) -> dict[str, set[int]]:
    """Training texts each pairwise rule flags for one query (copy, edited copy, copied span)."""
    out: dict[str, set[int]] = {COPY: set(found.copies), EDITED: set(), SPAN: set()}
    for d, s in found.ratios.items():
        if s >= th.edit_ratio and min(n_words, doc_words(d)) >= th.min_words:
            out[EDITED].add(d)
    for d, runs in found.runs.items():
        longest = max(r.length for r in runs)
        shorter = min(n_words, doc_words(d))
        if longest >= th.span_words or (longest >= th.min_words and shorter and longest / shorter >= th.span_share):
            out[SPAN].add(d)
    return out


# --- Measurements -----------------------------------------------------------------------------


def recall_vs_brute(index: Index, training: list[str], queries: list[str], th: Thresholds) -> dict[str, tuple[int, int]]:
    qs = queries_make(queries)
    via_index = lookup(index, qs, th)
    brute = brute_force(training, queries, th)
    doc_words = DocWords(index)
    result: dict[str, list[int]] = {r: [0, 0] for r in REASONS}
    for q, fi, fb in zip(qs, via_index, brute, strict=True):
        pi = flagged_pairs(fi, len(q.toks), doc_words, th)
        pb = flagged_pairs(fb, len(q.toks), doc_words, th)
        for reason in (COPY, EDITED, SPAN):
            result[reason][0] += len(pb[reason] & pi[reason])
            result[reason][1] += len(pb[reason])
        db = decide(n_words=len(q.toks), found=fb, doc_words=doc_words, th=th)
        if db.reason == STITCHED:
            di = decide(n_words=len(q.toks), found=fi, doc_words=doc_words, th=th)
            result[STITCHED][0] += di.reason == STITCHED
            result[STITCHED][1] += 1
    return {r: (a, b) for r, (a, b) in result.items()}


def planted_recall(
    index: Index, planted: list[tuple[str, str]], novel: list[str], th: Thresholds
) -> tuple[dict[str, tuple[int, int, int]], int, list[tuple[str, str, str]]]:
    verdicts = index_check(index=index, texts=[t for _, t in planted], th=th)
    per_kind: dict[str, list[int]] = {k: [0, 0, 0] for k in KINDS}
    for (kind, _), v in zip(planted, verdicts, strict=True):
        row = per_kind[kind]
        row[2] += 1
        row[0] += v.verdict in ("copy", "near")
        row[1] += v.reason == kind.split(":")[0]
    novel_v = index_check(index=index, texts=novel, th=th)
    fps = [(t, v.reason, v.closest) for t, v in zip(novel, novel_v, strict=True) if v.verdict in ("copy", "near")]
    return {k: (a, b, c) for k, (a, b, c) in per_kind.items()}, len(fps), fps


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def timed_check(index: Index, texts: list[str], th: Thresholds) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, all threads) for one batch; best of two runs."""
    index_check(index=index, texts=texts[:50], th=th)  # warm the pages and the code paths
    best = (float("inf"), float("inf"))
    for _ in range(2):
        wall, cpu = time.perf_counter(), time.process_time()
        index_check(index=index, texts=texts, th=th)
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best


def timed_brute(training_norm: list[str], queries: list[str], th: Thresholds) -> float:
    q_norm = [normalise(q) for q in queries]
    started = time.perf_counter()
    process.cdist(q_norm, training_norm, scorer=fuzz.ratio, score_cutoff=th.edit_ratio, dtype=np.uint8, workers=-1)
    return time.perf_counter() - started


def build_in_child(texts_file: Path, directory: Path) -> dict[str, float]:
    """Build in a fresh process reading texts one line at a time (as the database iterator feeds
    them), so its peak memory is the build's own."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.nearcopy", "--build", str(texts_file), str(directory)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_build(texts_file: Path, directory: Path) -> None:
    def texts() -> Iterator[tuple[int, str]]:
        with texts_file.open() as f:
            for i, line in enumerate(f):
                yield i + 1, json.loads(line)

    base = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    index = index_write(texts=texts(), directory=directory)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_rss_mb": peak, "base_rss_mb": base, "texts": index.size}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--big", type=int, default=1_000_000, help="training texts for the scale test (0 to skip)")
    parser.add_argument("--per-kind", type=int, default=200, help="planted near copies per kind")
    parser.add_argument("--novel", type=int, default=1000, help="held-out real tweets used as novel texts")
    parser.add_argument("--build", nargs=2, metavar=("TEXTS_JSONL", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        child_build(Path(args.build[0]), Path(args.build[1]))
        return

    th = Thresholds.from_settings()
    rng = random.Random(args.seed)
    tweets = [t["text"] for t in json.loads(data_path().read_text())]
    training, novel = split(tweets, rng, args.novel)
    planted = plant(training, novel, rng, args.per_kind)
    mixed = [t for _, t in planted] + novel
    rng.shuffle(mixed)
    print(f"# Near-copy benchmark (seed {args.seed}; {os.cpu_count()} cores; thresholds {th})\n")
    print(
        f"Training: {len(training):,} real tweets; candidates: {len(planted):,} planted near copies + {len(novel):,} held-out real tweets.\n"
    )

    with tempfile.TemporaryDirectory(prefix="nearcopy-bench-") as tmp:
        tmpdir = Path(tmp)
        texts_file = tmpdir / "real.jsonl"
        texts_file.write_text("".join(json.dumps(t) + "\n" for t in training))
        b30 = build_in_child(texts_file, tmpdir / "idx-real")
        index = index_load(tmpdir / "idx-real")

        print("## Recall of the index against brute force (pairs flagged by the exact rules over all pairs)\n")
        started = time.perf_counter()
        rec = recall_vs_brute(index, training, mixed, th)
        print("| reason | found via index | flagged by brute force | recall |\n| --- | ---: | ---: | ---: |")
        for reason, (a, b) in rec.items():
            print(f"| {reason} | {a:,} | {b:,} | {a / b if b else float('nan'):.4f} |")
        print(f"\n(brute force over {len(mixed):,} x {len(training):,} pairs took {time.perf_counter() - started:.1f} s)\n")

        print("## Planted near copies (real tweets perturbed) and false positives (held-out real tweets)\n")
        per_kind, n_fp, fps = planted_recall(index, planted, novel, th)
        print("| kind | flagged | flagged with this reason | planted | recall |\n| --- | ---: | ---: | ---: | ---: |")
        for kind, (a, b, c) in per_kind.items():
            print(f"| {kind} | {a} | {b} | {c} | {a / c:.3f} |")
        print(f"\nFalse positives: {n_fp} of {len(novel)} held-out real tweets flagged ({100 * n_fp / len(novel):.1f}%)")
        print("by reason:", dict(Counter(r for _, r, _ in fps)))
        for text, reason, closest in fps[:8]:
            print(f"- {reason}: {text[:90]!r}\n    closest: {closest[:90]!r}")

        print("\n## Speed\n")
        # A realistic batch (10% near copies, as a model finetuned on a small corpus may write) and
        # a harsh one (the planted mix: more than half near copies, which cost a second pass).
        batches = {"10% near copies": novel[:900] + [t for _, t in planted[:100]], "55% near copies": mixed[:1000]}
        t_norm = [normalise(t) for t in training]
        rows = []
        for label, batch in batches.items():
            wall, cpu = timed_check(index, batch, th)
            brute = timed_brute(t_norm, batch, th)
            rows.append((f"{len(training):,} real", label, wall, cpu, brute, "measured", b30, index))

        if args.big:
            big_file = tmpdir / "big.jsonl"
            started = time.perf_counter()
            with big_file.open("w") as f:
                for t in training:
                    f.write(json.dumps(t) + "\n")
                for t in synthetic(training, args.big - len(training), args.seed):
                    f.write(json.dumps(t) + "\n")
            print(f"(synthetic texts generated in {time.perf_counter() - started:.0f} s)")
            bbig = build_in_child(big_file, tmpdir / "idx-big")
            before = rss_mb()
            big = index_load(tmpdir / "idx-big")
            sample = 50_000
            with big_file.open() as f:
                sample_norm = [normalise(json.loads(next(f))) for _ in range(sample)]
            for label, batch in batches.items():
                wall, cpu = timed_check(big, batch, th)
                brute = timed_brute(sample_norm, batch, th) * big.size / sample
                rows.append((f"{big.size:,} (real + synthetic)", label, wall, cpu, brute, f"extrapolated from {sample:,}", bbig, big))
            after = rss_mb()
            print(f"(query process RSS {before:.0f} -> {after:.0f} MiB after mapping the 1M index and checking both batches)")
            per_kind_big, n_fp_big, _ = planted_recall(big, planted, novel, th)
            print(
                "Planted recall against the 1M set:",
                ", ".join(f"{k} {a / c:.3f}" for k, (a, _, c) in per_kind_big.items()),
                f"; held-out tweets flagged {n_fp_big}/{len(novel)}",
            )
        print(f"\nLoad average during the run (2 cores shared with other work): {', '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
        print(
            "| training texts | batch of 1,000 | index: wall s | index: CPU s | index: candidates/s | brute-force ratio: s | "
            "brute force | speed-up (wall) | build wall s | build CPU s | build peak RSS MiB | index MiB |\n"
            "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
        )
        for size, label, wall, cpu, brute, how, build, idx in rows:
            print(
                f"| {size} | {label} | {wall:.2f} | {cpu:.2f} | {1000 / wall:,.0f} | {brute:.1f} | {how} | {brute / wall:.0f}x | "
                f"{build['seconds']:.1f} | {build['cpu']:.1f} | {build['peak_rss_mb']:.0f} | {idx.nbytes() / 2**20:.0f} |"
            )


if __name__ == "__main__":
    main()
