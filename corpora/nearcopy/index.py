"""The near-copy index of one corpus: sorted numpy arrays on disk, memory-mapped by every process
(or, for texts that are not a corpus, such as a bot's pending candidates, the same arrays in memory).

Files in one directory (written to a temporary sibling, then renamed, so readers never see half):

- ``ids`` (int64[N]): the TrainingText primary keys, in index order;
- ``tok_off`` (int64[N+1]) and ``toks`` (uint32[T]): each text's normalised words as CRC32 hashes;
- ``gram_keys`` (uint64[G], sorted, unique): word bigrams, ``hash(w1) << 32 | hash(w2)``;
  ``gram_off`` (int64[G+1]) into ``post_doc`` (int32[P]) and ``post_pos`` (uint16[P]): every
  occurrence of each bigram (text, word position), so a lookup can extend a seed along its diagonal;
- ``full_keys`` (uint64[M], sorted) and ``full_docs`` (int32[M]): a hash of each non-empty
  normalised text, for exact copies of any length;
- ``norm_off``/``norm_blob`` (and ``norm_len``, uint16) and ``raw_off``/``raw_blob``: the normalised texts (for edit
  similarity) and the texts as stored (for showing the closest text and its offsets), UTF-8.

Nothing here depends on the thresholds: they are applied at lookup time, so changing a setting
never needs a rebuild.
"""

import hashlib
import json
import os
import shutil
import tempfile
import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.tweets import normalise
from corpora.nearcopy.text import word_hashes

FORMAT = 1
_ARRAYS = (
    "ids",
    "tok_off",
    "toks",
    "gram_keys",
    "gram_off",
    "post_doc",
    "post_pos",
    "full_keys",
    "full_docs",
    "norm_off",
    "norm_len",
    "norm_blob",
    "raw_off",
    "raw_blob",
)
# Word positions are stored as uint16; longer texts are indexed on their first 65,535 words.
_MAX_POS = 65535


def full_hash(normalised: str) -> int:
    return int.from_bytes(hashlib.blake2b(normalised.encode(), digest_size=8).digest(), "little")


def bigram_keys(toks: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """Keys of the bigrams (toks[i], toks[i+1]) of one word sequence (or of a flat array, then filter)."""
    return (toks[:-1].astype(np.uint64) << np.uint64(32)) | toks[1:].astype(np.uint64)


@dataclass
class Index:
    directory: Path | None  # None: built in memory (index_build), never written
    meta: dict[str, object]
    ids: npt.NDArray[np.int64]
    tok_off: npt.NDArray[np.int64]
    toks: npt.NDArray[np.uint32]
    gram_keys: npt.NDArray[np.uint64]
    gram_off: npt.NDArray[np.int64]
    post_doc: npt.NDArray[np.int32]
    post_pos: npt.NDArray[np.uint16]
    full_keys: npt.NDArray[np.uint64]
    full_docs: npt.NDArray[np.int32]
    norm_off: npt.NDArray[np.int64]
    norm_len: npt.NDArray[np.uint16]
    norm_blob: npt.NDArray[np.uint8]
    raw_off: npt.NDArray[np.int64]
    raw_blob: npt.NDArray[np.uint8]

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])

    def normalised(self, doc: int) -> str:
        return bytes(self.norm_blob[self.norm_off[doc] : self.norm_off[doc + 1]]).decode()

    def normalised_many(self, docs: list[int]) -> list[str]:
        d = np.array(docs, dtype=np.int64)
        blob = self._norm_view()
        return [str(blob[a:b], "utf-8") for a, b in zip(self.norm_off[d].tolist(), self.norm_off[d + 1].tolist(), strict=True)]

    def _norm_view(self) -> memoryview:
        # A memoryview slices far faster than an ndarray; made once per index object.
        view = self.__dict__.get("_norm_mv")
        if view is None:
            view = self.__dict__["_norm_mv"] = self.norm_blob.data
        return view

    def raw(self, doc: int) -> str:
        return bytes(self.raw_blob[self.raw_off[doc] : self.raw_off[doc + 1]]).decode()

    def words(self, doc: int) -> npt.NDArray[np.uint32]:
        return self.toks[self.tok_off[doc] : self.tok_off[doc + 1]]

    def nbytes(self) -> int:
        return sum(int(getattr(self, name).nbytes) for name in _ARRAYS)


def index_load(directory: Path) -> Index:
    """Memory-map an index written by index_write: cheap, and the pages are shared between processes."""
    meta = json.loads((directory / "meta.json").read_text())
    if meta.get("format") != FORMAT:
        raise FileNotFoundError(f"{directory} holds index format {meta.get('format')}, expected {FORMAT}")
    # Plain ndarray views of the maps: numpy's memmap subclass makes every small index slow.
    arrays = {name: np.load(directory / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in _ARRAYS}
    return Index(directory=directory, meta=meta, **arrays)


def index_build(*, texts: Iterable[tuple[int, str]], meta: dict[str, object] | None = None) -> Index:
    """Build the index of (id, text) pairs in memory (nothing written): what index_write persists, and what a
    check between texts that live nowhere on disk (the pending candidates of a bot) queries directly.

    1. Normalise every text once and hash its words (C-speed CRC32), keeping flat arrays only.
    2. Make the bigram keys of all texts at once and sort them (numpy), recording each occurrence.
    """
    started = time.monotonic()
    ids = array("q")
    toks = array("I")
    tok_len = array("q")
    norm_len = array("q")
    raw_len = array("q")
    norm_parts: list[bytes] = []
    raw_parts: list[bytes] = []
    full = array("Q")
    full_doc = array("i")
    for doc, (pk, text) in enumerate(texts):
        norm = normalise(text)
        hashes = word_hashes(norm)
        ids.append(pk)
        toks.extend(hashes)
        tok_len.append(len(hashes))
        nb = norm.encode()
        rb = text.encode()
        norm_parts.append(nb)
        raw_parts.append(rb)
        norm_len.append(len(nb))
        raw_len.append(len(rb))
        if norm:
            full.append(full_hash(norm))
            full_doc.append(doc)
    n = len(ids)
    tok_arr = np.frombuffer(toks, dtype=np.uint32) if len(toks) else np.zeros(0, np.uint32)
    lengths = np.frombuffer(tok_len, dtype=np.int64) if n else np.zeros(0, np.int64)
    tok_off = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=tok_off[1:])

    # Bigram i of text d spans words i, i+1: valid where both lie in the same text.
    if tok_arr.size >= 2:
        keys = bigram_keys(tok_arr)
        doc_of_word = np.repeat(np.arange(n, dtype=np.int32), lengths)
        pos_of_word = np.arange(tok_arr.size, dtype=np.int64) - np.repeat(tok_off[:-1], lengths)
        valid = (doc_of_word[:-1] == doc_of_word[1:]) & (pos_of_word[:-1] <= _MAX_POS)
        keys = keys[valid]
        post_doc_all = doc_of_word[:-1][valid]
        post_pos_all = pos_of_word[:-1][valid].astype(np.uint16)
        del doc_of_word, pos_of_word, valid
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        post_doc = post_doc_all[order]
        post_pos = post_pos_all[order]
        del order, post_doc_all, post_pos_all
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        gram_keys = keys[starts]
        gram_off = np.append(starts, keys.size).astype(np.int64)
        del keys
    else:
        gram_keys = np.zeros(0, np.uint64)
        gram_off = np.zeros(1, np.int64)
        post_doc = np.zeros(0, np.int32)
        post_pos = np.zeros(0, np.uint16)

    full_keys = np.frombuffer(full, dtype=np.uint64) if len(full) else np.zeros(0, np.uint64)
    full_docs = np.frombuffer(full_doc, dtype=np.int32) if len(full_doc) else np.zeros(0, np.int32)
    order = np.argsort(full_keys, kind="stable")
    full_keys, full_docs = full_keys[order], full_docs[order]

    def offsets(lens: "array[int]") -> npt.NDArray[np.int64]:
        out = np.zeros(n + 1, np.int64)
        if n:
            np.cumsum(np.frombuffer(lens, dtype=np.int64), out=out[1:])
        return out

    arrays: dict[str, npt.NDArray[np.generic]] = {
        "ids": np.frombuffer(ids, dtype=np.int64) if n else np.zeros(0, np.int64),
        "tok_off": tok_off,
        "toks": tok_arr,
        "gram_keys": gram_keys,
        "gram_off": gram_off,
        "post_doc": post_doc,
        "post_pos": post_pos,
        "full_keys": full_keys,
        "full_docs": full_docs,
        "norm_off": offsets(norm_len),
        # Normalised lengths in bytes (capped), for the cheap length filter before edit similarity.
        "norm_len": np.minimum(np.frombuffer(norm_len, dtype=np.int64) if n else np.zeros(0, np.int64), 65535).astype(np.uint16),
        "norm_blob": np.frombuffer(b"".join(norm_parts), dtype=np.uint8),
        "raw_off": offsets(raw_len),
        "raw_blob": np.frombuffer(b"".join(raw_parts), dtype=np.uint8),
    }
    del norm_parts, raw_parts
    info = dict(meta or {})
    info.update({"format": FORMAT, "texts": n, "words": int(tok_arr.size), "bigrams": int(gram_keys.size)})
    info["build_seconds"] = round(time.monotonic() - started, 3)
    info["built_at"] = time.time()
    return Index(directory=None, meta=info, **arrays)  # type: ignore[arg-type]


def index_write(*, texts: Iterable[tuple[int, str]], directory: Path, meta: dict[str, object] | None = None) -> Index:
    """Build the index of (id, text) pairs into `directory` (atomically) and return it loaded.

    1. Build it in memory (index_build).
    2. Write to a temporary directory beside the target and rename it into place; if another
       process got there first, keep theirs (same texts, same result).
    """
    built = index_build(texts=texts, meta=meta)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", getattr(built, name))
        (tmp / "meta.json").write_text(json.dumps(built.meta))
        try:
            os.rename(tmp, directory)
        except OSError:
            # Another process finished the same index first: theirs is as good as ours.
            if not (directory / "meta.json").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return index_load(directory)
