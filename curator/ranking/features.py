"""What the ranker sees of a candidate: hashed word (1-2) and character (3-4) n-grams, plus a few numbers.

The numbers: the text's shape (length, words, !, #, @, capitals, quotes, question marks), its signals
(repetition, distinct-1/2), and where known the model's mean log-probability per token, the near-copy score
and the generation parameters. An unknown number is 0 with a "missing" flag beside it, so a replayed file of
bare texts and a queue of generated candidates go through the same code.
"""

import re
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from curator.ranking.signals import text_signals

# 2**18 buckets each: collisions are rare at the vocabulary of one bot, and the model stays a few MB at most.
_WORDS = HashingVectorizer(n_features=2**18, ngram_range=(1, 2), alternate_sign=False, norm="l2")
# Character 3-4-grams within word boundaries: as good as 2-4-grams on the benchmark (AUC) at a third of the time.
_CHARS = HashingVectorizer(n_features=2**18, analyzer="char_wb", ngram_range=(3, 4), alternate_sign=False, norm="l2")

# Counted with the regex engine: a Python loop over every character was a third of the time to score 100k texts.
_LETTERS = re.compile(r"[^\W\d_]")
_CAPITALS = re.compile(r"[A-Z\u00C0-\u00DE]")

# The numbers' block is weighed against the two n-gram blocks (each of unit length per text). At 1.0 the few
# numbers drowned the n-grams; 0.3 gave the best AUC and first-200 approval rate at every warm-up tried on the
# benchmark (300, 500, 1,000 and 2,000 decisions; docs/benchmarks.md).
NUMBERS_WEIGHT = 0.3

# Optional numbers: (key, scale). Each gets a value and a missing flag.
OPTIONAL = (("logprob", 5.0), ("nearcopy_score", 100.0), ("temperature", 1.0), ("top_p", 1.0), ("top_k", 40.0))


@dataclass(frozen=True)
class Item:
    """One text to learn from or to score, with whatever numbers are known about it."""

    text: str
    numbers: dict[str, float | None] = field(default_factory=dict)


def _shape(text: str, length: float | None, signals: dict[str, float] | None) -> list[float]:
    n_words = len(text.split())
    letters = len(_LETTERS.findall(text)) or 1
    s = signals or text_signals(text)
    return [
        # The stored weighted length when known (twitter-text is slow: ~0.6 ms a text), else characters.
        (len(text) if length is None else length) / 280,
        n_words / 30,
        text.count("!") / 3,
        text.count("#"),
        text.count("@"),
        len(_CAPITALS.findall(text)) / letters,
        text.count('"') / 2,
        float(text.startswith('"')),
        float(text.startswith(".@")),
        float("?" in text),
        s["repetition"],
        s["distinct_1"],
        s["distinct_2"],
    ]


def _dense(item: Item) -> list[float]:
    numbers = item.numbers
    signals = None
    if all(numbers.get(k) is not None for k in ("repetition", "distinct_1", "distinct_2")):
        signals = {k: float(numbers[k] or 0.0) for k in ("repetition", "distinct_1", "distinct_2")}
    row = _shape(item.text, numbers.get("weighted_length"), signals)
    for key, scale in OPTIONAL:
        value = numbers.get(key)
        row += [0.0, 1.0] if value is None else [float(value) / scale, 0.0]
    return row


def ngrams(texts: list[str]) -> sparse.csr_matrix:
    """Hashed word 1-2-grams beside character 3-4-grams (within word boundaries)."""
    return sparse.hstack([_WORDS.transform(texts), _CHARS.transform(texts)]).tocsr()


def matrix(items: list[Item], *, plain: bool = False, weight: float = NUMBERS_WEIGHT) -> sparse.csr_matrix:
    """The feature matrix; `plain`: n-grams only (the baseline the benchmark compares against); `weight`: the
    numbers' block's weight (a model is scored with the weight it was trained with)."""
    grams = ngrams([i.text for i in items])
    if plain:
        return grams
    dense = sparse.csr_matrix(weight * np.array([_dense(i) for i in items], dtype=np.float64).reshape(len(items), -1))
    return sparse.hstack([grams, dense]).tocsr()
