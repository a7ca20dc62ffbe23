"""The Markov backend must not hand curators long verbatim runs of the training texts."""

import csv
from pathlib import Path

from django.conf import settings

from generation.markov import markov_generate, markov_write

SAMPLE = Path(settings.BASE_DIR) / "corpora" / "sample" / "houseplant.csv"


def word_runs(text: str, n: int) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_no_markov_candidate_repeats_a_span_the_near_copy_check_would_flag(tmp_path: Path) -> None:
    with SAMPLE.open(newline="") as f:
        texts = [row[0] for row in csv.reader(f)][1:]
    path = tmp_path / "chain.json"
    markov_write(texts=texts, path=path)
    out, _ = markov_generate(path=path, nsamples=200, batch_size=50, seed=7)
    produced = [t for t in out if t]
    assert len(produced) >= 150
    n = settings.NEARCOPY_SPAN_WORDS
    training = set().union(*(word_runs(" ".join(t.split()), n) for t in texts))
    copied = [t for t in produced if word_runs(t, n) & training]
    assert copied == []
