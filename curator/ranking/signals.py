"""Signals of a text that say something about its quality before anyone reads it (plain text functions).

GPT-2's known trap is the loop: a phrase written again and again. `repetition` measures it as the share of
word trigrams that repeat an earlier one (0 for none, towards 1 for a loop); `distinct_n` is the share of
distinct word n-grams (Li et al. 2016's distinct-1/2). Words are those of the near-copy check
(`core.tweets.normalise`), so case, punctuation and links do not count.
"""

from core.tweets import normalise


def words(text: str) -> list[str]:
    return normalise(text).split()


def _ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def repetition(text: str, *, n: int = 3) -> float:
    """Share of word n-grams that repeat an earlier one: 0.0 for none, close to 1.0 for a loop."""
    grams = _ngrams(words(text), n)
    if not grams:
        return 0.0
    return round(1 - len(set(grams)) / len(grams), 4)


def distinct_n(text: str, n: int) -> float:
    """Share of distinct word n-grams (1.0 when every n-gram is new; 1.0 for a text shorter than n)."""
    grams = _ngrams(words(text), n)
    if not grams:
        return 1.0
    return round(len(set(grams)) / len(grams), 4)


def text_signals(text: str) -> dict[str, float]:
    """The text signals a candidate stores (with the model's log-probability, which only the sampler knows)."""
    return {"repetition": repetition(text), "distinct_1": distinct_n(text, 1), "distinct_2": distinct_n(text, 2)}
