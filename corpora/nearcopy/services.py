"""The near-copy check against a corpus in the database: the persisted index, its freshness, verdicts.

An index directory is named by the corpus id, its texts_version and its creation time, so a stale
index is never read (texts_version moved on) and a database reset never picks up an old directory
left behind for a corpus that happened to get the same id. Each process memory-maps the index once
and keeps it until the corpus' texts_version changes.
"""

import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from corpora.models import Corpus, TrainingText
from corpora.nearcopy import Verdict
from corpora.nearcopy.index import Index, index_load, index_write
from corpora.nearcopy.matching import Thresholds, index_check

logger = logging.getLogger(__name__)

_cache: dict[int, tuple[str, Index]] = {}
_lock = threading.Lock()


def _key(corpus: Corpus) -> str:
    stamp = int(corpus.created_at.timestamp() * 1_000_000) if corpus.created_at else 0
    return f"corpus-{corpus.pk}-v{corpus.texts_version}-{stamp}"


def index_directory(*, corpus: Corpus) -> Path:
    return Path(settings.NEARCOPY_DIR) / _key(corpus)


def _texts(corpus_id: int) -> Iterator[tuple[int, str]]:
    return TrainingText.objects.filter(corpus_id=corpus_id).order_by("position").values_list("pk", "text").iterator(chunk_size=5000)


def nearcopy_index_build(*, corpus_id: int) -> Index | None:
    """Build and persist the index of a corpus' current texts, unless it already exists.

    1. Read the corpus' texts_version; if that version's index is on disk, only record it.
    2. Otherwise build it from the TrainingText rows into its own directory (atomic rename).
    3. Record the built version on the corpus with a conditional update (a newer import may
       have bumped texts_version meanwhile: then this build is stale and a later one records).
    4. Remove the directories of the corpus' older versions (never a newer one: a slow build of
       version 1 finishing after version 2's must not delete it).
    Returns None if the corpus no longer exists.
    """
    corpus = Corpus.objects.filter(pk=corpus_id).first()
    if corpus is None:
        return None
    directory = index_directory(corpus=corpus)
    try:
        index = index_load(directory)
    except FileNotFoundError:
        index = index_write(
            texts=_texts(corpus.pk), directory=directory, meta={"corpus_id": corpus.pk, "texts_version": corpus.texts_version}
        )
        logger.info(
            "near-copy index of corpus %s v%s: %s texts in %ss", corpus.pk, corpus.texts_version, index.size, index.meta["build_seconds"]
        )
    Corpus.objects.filter(pk=corpus.pk, texts_version=corpus.texts_version).exclude(index_built_version=corpus.texts_version).update(
        index_built_version=corpus.texts_version, index_built_at=timezone.now()
    )
    for old in directory.parent.glob(f"corpus-{corpus.pk}-v*"):
        if old.name != directory.name and old.is_dir() and _older(old.name, corpus):
            # Processes that still map the old files keep them until they let go (POSIX unlink).
            shutil.rmtree(old, ignore_errors=True)
    return index


def _older(name: str, corpus: Corpus) -> bool:
    """An older version of this corpus, or a directory of a deleted corpus that had the same id.
    A newer version (built by another worker while this build ran) is left alone."""
    _, _, version, stamp = name.split("-", 3)
    ours = _key(corpus).split("-", 3)[3]
    return stamp != ours or int(version.lstrip("v") or 0) < corpus.texts_version


def index_get(*, corpus: Corpus) -> Index:
    """The corpus' current index: from this process' cache, from disk, or built now if missing."""
    key = _key(corpus)
    cached = _cache.get(corpus.pk)
    if cached and cached[0] == key:
        return cached[1]
    with _lock:
        cached = _cache.get(corpus.pk)
        if cached and cached[0] == key:
            return cached[1]
        try:
            index = index_load(index_directory(corpus=corpus))
        except FileNotFoundError:
            logger.warning("near-copy index of corpus %s v%s missing: building it now", corpus.pk, corpus.texts_version)
            built = nearcopy_index_build(corpus_id=corpus.pk)
            assert built is not None
            index = built
        _cache[corpus.pk] = (key, index)
        return index


def index_state(*, corpus: Corpus) -> dict[str, object]:
    """For the corpus page: is the current version's index on disk, and what it holds."""
    directory = index_directory(corpus=corpus)
    state: dict[str, object] = {"current": corpus.index_built_version == corpus.texts_version, "on_disk": False}
    try:
        index = index_load(directory)
    except FileNotFoundError:
        return state
    state.update(
        on_disk=True,
        texts=index.size,
        words=index.meta.get("words"),
        build_seconds=index.meta.get("build_seconds"),
        megabytes=round(index.nbytes() / 2**20, 1),
    )
    return state


def nearcopy_check(*, corpus: Corpus, texts: list[str], thresholds: Thresholds | None = None) -> list[Verdict]:
    if not texts:
        return []
    return index_check(index=index_get(corpus=corpus), texts=texts, th=thresholds or Thresholds.from_settings())
