"""Shared set-up for the generation tests (no tests here): one tiny GPT-2 model per test session.

The model is built once into a temporary MODELS_DIR (TensorFlow runs in a child process), then each
test points settings.MODELS_DIR there and registers the Checkpoint row it needs.
"""

import random
import shutil
import tempfile
from pathlib import Path

from corpora.models import Corpus, TrainingText
from generation.gpt2 import files
from generation.models import Checkpoint

_built: dict[str, Path] = {}

WORDS = [
    "make",
    "america",
    "great",
    "again",
    "the",
    "fake",
    "news",
    "media",
    "is",
    "very",
    "dishonest",
    "jobs",
    "tremendous",
    "crowd",
    "tonight",
    "thank",
    "you",
    "new",
    "hampshire",
    "poll",
    "numbers",
    "winning",
    "big",
    "league",
    "believe",
    "me",
    "sad",
    "total",
    "disaster",
]


def tiny_models_dir() -> Path:
    """MODELS_DIR holding models/tiny, built on first use in this test session."""
    if "dir" not in _built:
        root = Path(tempfile.mkdtemp(prefix="gen-models-"))
        files.tiny_model_write(path=root / "models" / "tiny")
        _built["dir"] = root
    return _built["dir"]


def fresh_models_dir(tmp_path: Path) -> Path:
    """A private copy (finetunes write checkpoint/<run> into it)."""
    target = tmp_path / "models-dir"
    shutil.copytree(tiny_models_dir(), target)
    return target


def tiny_checkpoint() -> Checkpoint:
    return Checkpoint.objects.create(
        name="tiny", kind=Checkpoint.Kind.BASE, path="models/tiny", base_model="tiny", hparams=dict(files.TINY_HPARAMS)
    )


def corpus_make(name: str = "sample", n: int = 200, seed: int = 1) -> Corpus:
    rng = random.Random(seed)
    corpus = Corpus.objects.create(name=name, format=Corpus.Format.LINES)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))).capitalize() + rng.choice(["!", ".", "!!"]) for _ in range(n)]
    TrainingText.objects.bulk_create(TrainingText(corpus=corpus, position=i, text=t, original=t) for i, t in enumerate(texts))
    corpus.kept_count = n
    corpus.save()
    return corpus
