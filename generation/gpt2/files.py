"""Models on disk in gpt-2-simple's layout: MODELS_DIR/models/<base>/ and MODELS_DIR/checkpoint/<run>/.

Nothing here imports TensorFlow at module level: the web process uses it to list and validate models.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MODEL_FILES = ("hparams.json", "encoder.json", "vocab.bpe", "checkpoint")
# gpt-2-simple's markers for short texts (its author's recipe for tweets).
START_TOKEN = "<|startoftext|>"
END_TOKEN = "<|endoftext|>"


# A model, run or checkpoint name is one folder (or file) name under MODELS_DIR: no "/", no "..", no leading ".".
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
NAME_RULE = "use letters, digits, '-', '_' or '.', starting with a letter or digit, at most 100 characters"


class ModelMissing(Exception):
    """A checkpoint directory that is absent or incomplete; the message says what is missing."""


class BadName(ValueError):
    """A name that is not one plain folder name (`../outside`, `/tmp/x`, empty): it would point outside MODELS_DIR."""


def name_check(name: str) -> str:
    """The one check of model, run and checkpoint names: the forms, the commands and every path below use it."""
    if not NAME.fullmatch(name):
        raise BadName(f"{name!r} is not a valid name: {NAME_RULE} (one folder under MODELS_DIR, not a path).")
    return name


def models_dir() -> Path:
    return Path(settings.MODELS_DIR)


def base_path(name: str) -> Path:
    return models_dir() / "models" / name_check(name)


def run_path(run_name: str) -> Path:
    return models_dir() / "checkpoint" / name_check(run_name)


def resolve(relative: str) -> Path:
    return models_dir() / relative


def read_hparams(path: Path) -> dict[str, int]:
    with open(path / "hparams.json") as f:
        return dict(json.load(f))


def model_check(path: Path) -> None:
    """Raise ModelMissing with plain words unless `path` holds a loadable gpt-2-simple model."""
    if not path.is_dir():
        raise ModelMissing(f"The model folder {path} does not exist (was it deleted, or is MODELS_DIR different on this worker?).")
    missing = [name for name in MODEL_FILES if not (path / name).exists()]
    if not any(p.name.endswith(".index") for p in path.iterdir()):
        missing.append("model.ckpt.* (the weights)")
    if missing:
        raise ModelMissing(f"The model folder {path} is incomplete: missing {', '.join(missing)}.")


def byte_vocab() -> dict[str, int]:
    """gpt-2-simple's own byte-to-unicode table as a vocabulary: 256 byte tokens plus <|endoftext|> = 256.

    Copied from gpt_2_simple.src.encoder.bytes_to_unicode (importing that module would import TensorFlow).
    """
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    vocab = {chr(c): b for b, c in zip(bs, cs, strict=True)}
    vocab[END_TOKEN] = 256
    return vocab


TINY_HPARAMS = {"n_vocab": 257, "n_ctx": 1024, "n_embd": 64, "n_head": 4, "n_layer": 2}


def tiny_model_write(*, path: Path, vocab_dir: Path | None = None, hparams: dict[str, int] | None = None, seed: int = 1) -> dict[str, int]:
    """Write a randomly initialised GPT-2 checkpoint in gpt-2-simple's format; return its hparams.

    Runs in a child process: building the variables needs TensorFlow with eager mode off, which
    must not leak into the calling process (the web process, a management command, a test).
    """
    hp = dict(hparams or TINY_HPARAMS)
    if hp.get("n_ctx") != 1024:
        raise ValueError("n_ctx must be 1024: gpt-2-simple's finetune always samples 1024-token windows.")
    path.mkdir(parents=True, exist_ok=True)
    if vocab_dir is not None:
        encoder = json.loads((vocab_dir / "encoder.json").read_text())
        if len(encoder) != hp["n_vocab"]:
            raise ValueError(f"{vocab_dir}/encoder.json has {len(encoder)} entries but n_vocab is {hp['n_vocab']}.")
        (path / "encoder.json").write_text(json.dumps(encoder))
        (path / "vocab.bpe").write_text((vocab_dir / "vocab.bpe").read_text(encoding="utf-8"), encoding="utf-8")
    else:
        if hp["n_vocab"] != 257:
            raise ValueError("The byte-level vocabulary has 257 entries: n_vocab must be 257 without --vocab.")
        (path / "encoder.json").write_text(json.dumps(byte_vocab()))
        (path / "vocab.bpe").write_text("#version: 0.2\n", encoding="utf-8")
    (path / "hparams.json").write_text(json.dumps(hp, indent=2))
    code = (
        "import sys, json, tensorflow as tf\n"
        "import gpt_2_simple  # noqa: F401 - turns eager mode off, as in the worker\n"
        "from gpt_2_simple.src import model\n"
        "path, seed = sys.argv[1], int(sys.argv[2])\n"
        "hp = model.default_hparams(); hp.override_from_dict(json.load(open(path + '/hparams.json')))\n"
        "tf.compat.v1.set_random_seed(seed)\n"
        "X = tf.compat.v1.placeholder(tf.int32, [1, None])\n"
        "model.model(hparams=hp, X=X)\n"
        "with tf.compat.v1.Session() as sess:\n"
        "    sess.run(tf.compat.v1.global_variables_initializer())\n"
        "    tf.compat.v1.train.Saver().save(sess, path + '/model.ckpt')\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-c", code, str(path), str(seed)], capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"Building the model failed:\n{proc.stderr[-2000:]}")
    model_check(path)
    return hp
