"""Models on disk: registering checkpoints, the tiny random model, downloading GPT-2, Markov chains."""

import json
import shutil
from pathlib import Path
from typing import Any

from corpora.models import Corpus, TrainingText
from generation.gpt2 import files
from generation.models import Checkpoint


def checkpoint_register(
    *, name: str, kind: str, path: str, base_model: str = "", corpus: Corpus | None = None, hparams: dict[str, Any] | None = None
) -> Checkpoint:
    checkpoint, _ = Checkpoint.objects.update_or_create(
        name=name, defaults={"kind": kind, "path": path, "base_model": base_model, "corpus": corpus, "hparams": hparams or {}}
    )
    return checkpoint


def tiny_model_create(*, name: str, vocab_dir: Path | None = None, hparams: dict[str, int] | None = None) -> Checkpoint:
    path = files.base_path(name)
    hp = files.tiny_model_write(path=path, vocab_dir=vocab_dir, hparams=hparams)
    return checkpoint_register(name=name, kind=Checkpoint.Kind.BASE, path=f"models/{name}", base_model=name, hparams=hp)


class DownloadFailed(Exception):
    pass


# Where gpt_2_simple.download_gpt2 fetches from (hard-coded there); checked first because it has no timeout.
DOWNLOAD_HOST = "https://openaipublic.blob.core.windows.net/gpt-2"


def model_download(*, name: str) -> Checkpoint:
    """gpt_2_simple.download_gpt2 into MODELS_DIR/models/<name>; a failed download leaves nothing behind."""
    import requests

    path = files.base_path(name)
    existed = path.exists()
    try:
        # gpt-2-simple's download has no timeout: find out first, quickly, whether the host answers at all.
        requests.head(f"{DOWNLOAD_HOST}/models/{name}/hparams.json", timeout=15)
        import gpt_2_simple

        gpt_2_simple.download_gpt2(model_dir=str(files.models_dir() / "models"), model_name=name)
        files.model_check(path)
    except requests.RequestException as exc:
        if not existed:
            shutil.rmtree(path, ignore_errors=True)
        raise DownloadFailed(
            f"Could not download GPT-2 {name} from {DOWNLOAD_HOST.split('/')[2]} ({exc.__class__.__name__}). "
            "Is this machine online? Offline, copy a model folder into "
            f"{files.models_dir() / 'models'} or build a random one with `manage.py make_tiny_model`."
        ) from None
    except (KeyError, files.ModelMissing) as exc:
        if not existed:
            shutil.rmtree(path, ignore_errors=True)
        raise DownloadFailed(
            f"GPT-2 {name} could not be downloaded completely ({exc}). Check the model name (124M, 355M, 774M, 1558M)."
        ) from None
    return checkpoint_register(
        name=name, kind=Checkpoint.Kind.BASE, path=f"models/{name}", base_model=name, hparams=files.read_hparams(path)
    )


def checkpoint_check(*, kind: str, path: str) -> None:
    """Raise files.ModelMissing with plain words unless `path` (relative to MODELS_DIR) holds a model of `kind`.

    Every way a checkpoint is created goes through this (the page, the commands, the admin), so a row can
    never point at a folder where a file belongs, or at nothing.
    """
    if not path or Path(path).is_absolute() or ".." in Path(path).parts:
        raise files.ModelMissing(
            "The path must name a file or folder inside MODELS_DIR (for example markov/sample.json or checkpoint/run-1)."
        )
    where = files.resolve(path)
    if kind == Checkpoint.Kind.MARKOV:
        if not where.is_file():
            raise files.ModelMissing(f"{path} is not a Markov chain file under MODELS_DIR: build one from a corpus on the Generation page.")
        try:
            data = json.loads(where.read_text())
        except (OSError, UnicodeDecodeError, ValueError):
            raise files.ModelMissing(f"{path} is not a Markov chain saved by this project (it is not readable JSON).") from None
        if not isinstance(data, dict) or "chain" not in data or "state_size" not in data:
            raise files.ModelMissing(f"{path} is not a Markov chain saved by this project (no chain in it).")
        return
    files.model_check(where)


def markov_checkpoint_create(*, corpus: Corpus, name: str) -> Checkpoint:
    """A Markov chain of a corpus, saved under MODELS_DIR/markov/<name>.json and registered (any corpus)."""
    from generation import markov

    texts = list(TrainingText.objects.filter(corpus=corpus).order_by("position").values_list("text", flat=True))
    n = markov.markov_write(texts=texts, path=markov.markov_path(name))
    checkpoint_check(kind=Checkpoint.Kind.MARKOV, path=f"markov/{name}.json")
    return checkpoint_register(
        name=name,
        kind=Checkpoint.Kind.MARKOV,
        path=f"markov/{name}.json",
        corpus=corpus,
        hparams={"state_size": markov.STATE_SIZE, "texts": n},
    )
