"""The Markov-chain backend (markovify): instant candidates on any machine, for the offline demo.

A Markov "checkpoint" is a markovify model of a corpus, saved as JSON under MODELS_DIR/markov/.
It goes through the same batch, the same cleaning and the same Candidate rows as GPT-2.
"""

import random
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import markovify
from django.conf import settings

from generation.gpt2.files import models_dir, name_check

STATE_SIZE = 2
# markovify rejects a sentence sharing more than min(total, ratio x its length) consecutive words with
# the source. One word under the near-copy span threshold: chains stitch runs of the training texts,
# and with markovify's defaults (15, 0.7) about half of a small corpus' output was a near copy.
MAX_OVERLAP_RATIO = 0.6


def _novelty() -> dict[str, float | int]:
    return {"max_overlap_ratio": MAX_OVERLAP_RATIO, "max_overlap_total": settings.NEARCOPY_SPAN_WORDS - 1}


_lock = threading.Lock()
_warm: dict[tuple[str, float], markovify.NewlineText] = {}


def markov_path(name: str) -> Path:
    return models_dir() / "markov" / f"{name_check(name)}.json"


def markov_write(*, texts: list[str], path: Path) -> int:
    """Build the chain from one text a line; return how many texts it learned from."""
    lines = [" ".join(t.split()) for t in texts if t.strip()]
    if not lines:
        raise ValueError("The corpus has no texts to learn from.")
    chain = markovify.NewlineText("\n".join(lines), state_size=STATE_SIZE, well_formed=False, retain_original=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(chain.to_json())
    return len(lines)


def _load(path: Path) -> markovify.NewlineText:
    key = (str(path), path.stat().st_mtime)
    with _lock:
        if key not in _warm:
            _warm.clear()
            _warm[key] = markovify.NewlineText.from_json(path.read_text())
        return _warm[key]


def _seeded(chain: markovify.NewlineText, seeds: list[str], n: int, max_chars: int) -> str:
    """A sentence through a prompt word: text n starts from the n-th word, moving on past words the chain lacks."""
    for i in range(min(len(seeds), 4)):
        word = seeds[(n + i) % len(seeds)]
        for form in dict.fromkeys([word, word.lower()]):
            try:
                text = chain.make_sentence_with_start(form, strict=False, tries=20, **_novelty())
            except (markovify.text.ParamError, KeyError):
                continue
            if text and len(text) <= max_chars:
                return str(text)
    return ""


def markov_generate(
    *,
    path: Path,
    nsamples: int,
    batch_size: int,
    seed: int | None,
    max_chars: int = 280,
    on_chunk: Callable[[int, int], None] | None = None,
    prompt: str = "",
) -> tuple[list[str], dict[str, float]]:
    """`nsamples` texts (an empty string where the chain found no new sentence); `on_chunk` after each batch_size.

    With a `prompt` (a mention being answered), each text is first tried from one of the prompt's words, so
    the reply shares a word with what it answers; the chain has no other way to be conditioned.
    """
    if not path.is_file():
        from generation.gpt2.files import ModelMissing

        raise ModelMissing(f"The Markov model file {path} does not exist (was it deleted, or is MODELS_DIR different on this worker?).")
    started = time.monotonic()
    chain = _load(path)
    loaded = time.monotonic()
    rng = random.Random(seed)
    seeds = [w for w in re.findall(r"[A-Za-z][\w']{3,}", prompt) if not w.startswith("http")]
    texts: list[str] = []
    with _lock:  # markovify draws from the global random module
        state = random.getstate()
        random.seed(rng.random())
        try:
            while len(texts) < nsamples:
                for _ in range(min(batch_size, nsamples - len(texts))):
                    seeded = _seeded(chain, seeds, len(texts), max_chars) if seeds else ""
                    sentence = seeded or chain.make_short_sentence(max_chars, tries=100, **_novelty())
                    texts.append(sentence or "")
                if on_chunk is not None:
                    on_chunk(len(texts), 0)
        finally:
            random.setstate(state)
    return texts, {"load_s": round(loaded - started, 3), "sample_s": round(time.monotonic() - loaded, 3)}
