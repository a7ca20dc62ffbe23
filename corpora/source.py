"""Reading a corpus file as a stream of text: strict UTF-8 (a BOM is accepted) or UTF-16 with a BOM, a size limit, positions for errors.

Nothing here holds the whole file: a million tweets are read in chunks of CHUNK_BYTES.
"""

import codecs
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

CHUNK_BYTES = 1 << 20


class CorpusImportError(Exception):
    """Bad input: one clear message for the person who gave it; nothing was imported."""


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass
class Source:
    """An opened corpus file: its name, its size, and the binary stream to read (a path or an upload)."""

    name: str
    size: int | None
    stream: Readable
    _owned: IO[bytes] | None = field(default=None, repr=False)

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()


def source_open(path_or_file: str | os.PathLike[str] | Readable, *, max_bytes: int) -> Source:
    """Open a path or take a file object (e.g. Django's UploadedFile); refuse it at once when it is too big."""
    if isinstance(path_or_file, str | os.PathLike):
        path = Path(path_or_file)
        if not path.is_file():
            raise CorpusImportError(f"There is no file at {path}.")
        size: int | None = path.stat().st_size
        _check_size(size or 0, max_bytes=max_bytes, name=path.name)
        handle = path.open("rb")
        return Source(name=path.name, size=size, stream=handle, _owned=handle)
    name = os.path.basename(str(getattr(path_or_file, "name", "") or "upload"))
    size = getattr(path_or_file, "size", None)
    if isinstance(size, int):
        _check_size(size, max_bytes=max_bytes, name=name)
    seek = getattr(path_or_file, "seek", None)
    if callable(seek):
        seek(0)
    return Source(name=name, size=size if isinstance(size, int) else None, stream=path_or_file)


def _check_size(size: int, *, max_bytes: int, name: str) -> None:
    if size > max_bytes:
        raise CorpusImportError(
            f"{name} is {_human(size)}, over the limit of {_human(max_bytes)} (CORPUS_MAX_UPLOAD_BYTES). Split the file or raise the limit."
        )


def _human(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"


class TextStream:
    """Decoded text chunks of a source, with byte and line counters for error messages.

    UTF-8 is decoded strictly (a leading BOM is dropped); the first invalid byte stops the import with
    its line and byte offset. The size limit is enforced again while reading, for streams of unknown size.
    """

    def __init__(self, source: Source, *, max_bytes: int, chunk_bytes: int | None = None) -> None:
        self.source = source
        self.max_bytes = max_bytes
        self.chunk_bytes = chunk_bytes or CHUNK_BYTES
        self.bytes_read = 0
        self._decoder: codecs.IncrementalDecoder | None = None  # chosen from the first bytes
        self.encoding = "utf-8"
        self._newlines = 0  # newlines in the bytes decoded so far, to give the line of a bad byte

    def _decoder_for(self, data: bytes) -> codecs.IncrementalDecoder:
        """UTF-8 (a BOM dropped), or UTF-16 when the file starts with its byte-order mark (Excel's and
        Notepad's "Unicode"): the BOM says which byte order, the decoder drops it."""
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.encoding = "utf-16"
        return codecs.getincrementaldecoder("utf-16" if self.encoding == "utf-16" else "utf-8-sig")(errors="strict")

    def chunks(self) -> Iterator[str]:
        while True:
            data = self.source.stream.read(self.chunk_bytes)
            if self._decoder is None:
                self._decoder = self._decoder_for(data)
            final = not data
            self.bytes_read += len(data)
            if self.bytes_read > self.max_bytes:
                _check_size(self.bytes_read, max_bytes=self.max_bytes, name=self.source.name)
            try:
                text = self._decoder.decode(data, final)
            except UnicodeDecodeError as exc:
                raise self._not_utf8(exc) from None
            self._newlines += text.count("\n")
            if text:
                yield text
            if final:
                return

    def _not_utf8(self, exc: UnicodeDecodeError) -> CorpusImportError:
        if self.encoding == "utf-16":
            return CorpusImportError(
                f"{self.source.name} starts as UTF-16 but has bytes that are not UTF-16 (near byte offset "
                f"{self.bytes_read - len(exc.object) + exc.start}); it may be cut off. Save it again as UTF-8 and import it."
            )
        # exc.object is what the decoder held (bytes left over from the last chunk + this chunk): it ends here.
        seen = exc.object
        offset = self.bytes_read - len(seen) + exc.start
        line = self._newlines + seen.count(b"\n", 0, exc.start) + 1
        bad = seen[exc.start : exc.start + 1].hex()
        return CorpusImportError(
            f"{self.source.name} is not UTF-8: byte 0x{bad} at line {line} (byte offset {offset}) cannot be decoded. "
            "Save the file as UTF-8 (with or without BOM) and import it again."
        )

    def lines(self) -> Iterator[str]:
        """Lines split on "\\n" only, ending kept (as csv.reader wants them); the last one may have none.

        Not str.splitlines: that also splits on U+2028, form feeds and the like, which live inside tweets.
        """
        rest = ""
        for chunk in self.chunks():
            rest += chunk
            start = 0
            while (end := rest.find("\n", start)) != -1:
                yield rest[start : end + 1]
                start = end + 1
            rest = rest[start:]
        if rest:
            yield rest


def sniff(source: Source, *, size: int = 64 * 1024) -> bytes:
    """The first bytes of a stream for format detection, put back so parsing starts at the beginning."""
    seek = getattr(source.stream, "seek", None)
    if not callable(seek):
        raise CorpusImportError(f"{source.name} cannot be re-read: give a format explicitly.")
    head = source.stream.read(size)
    seek(0)
    return head
