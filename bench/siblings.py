"""Near-duplicate siblings at insert: one batch of new candidates against a bot's pending pool.

    SHARED_DATA_DIR=/work/shared/data .venv/bin/python -m bench.siblings [--pending 100000] [--new 3000] [--seed 7]

A temporary SQLite database is migrated and filled with --pending pending candidates of one bot: the Trump
archive's tweets, topped up with texts of random words from their vocabulary. The batch holds --new texts, a
quarter each: edited copies of pending texts (one or two words changed), held-out real tweets and an edited copy
of each of them, and held-out real tweets alone. A planted copy counts as expected when the edited-copy rule holds
for it and its source (one or two changed words can take a short tweet below the threshold: then it is rightly
not a sibling), so "grouped / expected" is the index's recall against the rule. Measured, through the product's own code (curator.siblings): the seconds of
`siblings_find` (before generation's transaction: reading the pool, indexing it, looking up the batch) and of
`siblings_join` (inside it), and how many planted near-duplicates were grouped with their source. Baseline, side
by side: brute-force rapidfuzz `process.cdist` with `fuzz.ratio` (the edited-copy rule alone) of the batch
against the pool, timed on a sample and extrapolated (labelled so).
"""

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
_DB = Path(tempfile.mkdtemp(prefix="bench-siblings-")) / "db.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{_DB}"

from bench.nearcopy import data_path  # noqa: E402  (sets Django up, on the database above)


def _edit(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = text.split()
    for _ in range(rng.choice((1, 2))):
        words[rng.randrange(len(words))] = rng.choice(vocabulary)
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--brute-sample", type=int, default=200)
    args = parser.parse_args()

    from django.core.management import call_command
    from django.db import transaction
    from rapidfuzz import fuzz, process

    from core import tweets
    from corpora.models import Corpus
    from corpora.nearcopy.matching import Thresholds
    from curator import siblings
    from curator.models import Candidate
    from generation.models import Checkpoint, GenerationBatch

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    real = list(dict.fromkeys(t["text"] for t in json.loads(data_path().read_text()) if len(t["text"].split()) >= 8))
    rng.shuffle(real)
    held_out, real = real[: args.new], real[args.new :]
    vocabulary = [w for t in real[:5000] for w in t.split()]
    pool = real[: args.pending]
    while len(pool) < args.pending:
        pool.append(" ".join(rng.choice(vocabulary) for _ in range(rng.randint(8, 30))))

    corpus = Corpus.objects.create(name="bench", format=Corpus.Format.LINES)
    checkpoint = Checkpoint.objects.create(name="bench-markov", kind=Checkpoint.Kind.MARKOV, corpus=corpus)
    old = GenerationBatch.objects.create(checkpoint=checkpoint, corpus=corpus, backend="markov", n_candidates=len(pool))

    def row(text: str, batch: GenerationBatch) -> Candidate:
        return Candidate(batch=batch, corpus=corpus, text=text, generated_text=text, text_hash=tweets.text_hash(text))

    started = time.perf_counter()
    Candidate.objects.bulk_create([row(t, old) for t in pool], batch_size=5000)
    fill_s = time.perf_counter() - started

    quarter = args.new // 4
    sources = rng.sample(range(len(pool)), quarter)
    to_pending = [_edit(pool[i], rng, vocabulary) for i in sources]
    originals = held_out[:quarter]
    to_new = [_edit(t, rng, vocabulary) for t in originals]
    fresh = held_out[quarter : args.new - 2 * quarter]
    # As generation keeps them: one text per normalised text, none equal to a candidate already stored.
    stored = {tweets.text_hash(t) for t in pool}
    texts = list(
        {tweets.text_hash(t): t for t in reversed(to_pending + originals + to_new + fresh) if tweets.text_hash(t) not in stored}.values()
    )[::-1]
    batch = GenerationBatch.objects.create(checkpoint=checkpoint, corpus=corpus, backend="markov", n_candidates=len(texts))
    rows = [row(t, batch) for t in texts]

    started = time.perf_counter()
    links = siblings.siblings_find(corpus_id=corpus.pk, rows=rows, prefix="")
    find_s = time.perf_counter() - started
    with transaction.atomic():
        Candidate.objects.bulk_create(rows, batch_size=500)
        started = time.perf_counter()
        joined = siblings.siblings_join(links=links, rows=rows)
        join_s = time.perf_counter() - started

    group = {text: key for text, key in Candidate.objects.values_list("text", "sibling_group") if key is not None}
    th = Thresholds.from_settings()

    def expected(a: str, b: str) -> bool:
        na, nb = tweets.normalise(a), tweets.normalise(b)
        return min(len(na.split()), len(nb.split())) >= th.min_words and fuzz.ratio(na, nb) >= th.edit_ratio

    kept = set(texts)
    planted_pending = [(t, pool[i]) for i, t in zip(sources, to_pending, strict=True) if t in kept and expected(t, pool[i])]
    found_pending = sum(1 for t, source in planted_pending if t in group and group[t] == group.get(source))
    planted_new = [(t, o) for o, t in zip(originals, to_new, strict=True) if t in kept and o in kept and expected(t, o)]
    found_new = sum(1 for t, o in planted_new if t in group and group[t] == group.get(o))
    fresh_grouped = [t for t in fresh if t in group]

    normalised = [tweets.normalise(t) for t in pool]
    sample = [tweets.normalise(t) for t in texts[: args.brute_sample]]
    started = time.perf_counter()
    process.cdist(sample, normalised, scorer=fuzz.ratio, score_cutoff=80, workers=-1)
    brute_s = (time.perf_counter() - started) * len(texts) / len(sample)

    print(f"pool: {len(pool):,} pending candidates of one bot (inserted in {fill_s:.1f} s); batch: {len(texts):,} new candidates")
    print(
        f"siblings_find (before the transaction): {find_s:.2f} s;  siblings_join (inside it): {join_s * 1000:.0f} ms;  {joined:,} joined a group"
    )
    print(
        f"edited copies of a pending candidate grouped with it / expected by the rule: {found_pending}/{len(planted_pending)} (planted {quarter})"
    )
    print(
        f"edited copies of another new candidate grouped with it / expected by the rule: {found_new}/{len(planted_new)} (planted {quarter})"
    )
    print(f"held-out real tweets alone in the batch grouped with something: {len(fresh_grouped)}/{len(fresh)}, for example:")
    by_group: dict[int, list[str]] = {}
    for text, key in group.items():
        by_group.setdefault(key, []).append(text)
    for text in fresh_grouped[:3]:
        print("   ", " | ".join(t[:70] for t in by_group[group[text]][:3]))
    print(f"baseline, brute-force fuzz.ratio of the batch against the pool: {brute_s:.1f} s (extrapolated from {len(sample)} texts)")
    _DB.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
