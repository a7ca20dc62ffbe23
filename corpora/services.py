"""Corpus import and export: the writes of the corpora area."""

import csv
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction

from corpora import formats
from corpora.cleaning import RULES, Cleaner, options_normalise
from corpora.models import Corpus, TrainingText
from corpora.signals import corpus_texts_changed
from corpora.source import CorpusImportError, Readable, Source, TextStream, sniff, source_open

INSERT_CHUNK = 2000
CSV_HEADER = "text"  # gpt-2-simple skips the first line of a .csv as its header
TXT_DELIMITER = formats.DEFAULT_DELIMITER

__all__ = ["CorpusImportError", "ImportSummary", "corpus_export_csv", "corpus_export_txt", "corpus_import"]


@dataclass(frozen=True)
class ImportSummary:
    corpus: Corpus
    format: str
    read: int
    kept: int
    counts: dict[str, int]
    options: dict[str, Any]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """One flat object: read, kept, and one count per rule (what `import_corpus --json` prints)."""
        return {
            "corpus": self.corpus.name,
            "id": self.corpus.pk,
            "format": self.format,
            "read": self.read,
            "kept": self.kept,
            **{rule.key: self.counts[rule.key] for rule in RULES},
            "rules_on": [rule.key for rule in RULES if self.options[rule.option]],
            "seconds": round(self.seconds, 3),
        }

    def lines(self) -> list[str]:
        """The summary as text: one line per rule, then the number kept."""
        label = formats.FORMATS[self.format]
        out = [
            f'Imported corpus "{self.corpus.name}" from {self.corpus.source_name} ({label}) in {self.seconds:.1f} s',
            f"  {'read':<16}{self.read:>10}",
        ]
        for rule in RULES:
            if self.options[rule.option]:
                out.append(f"  {rule.key:<16}{self.counts[rule.key]:>10} {rule.kind}")
            else:
                out.append(f"  {rule.key:<16}{'off':>10}")
        out.append(f"  {'kept':<16}{self.kept:>10}")
        return out


def corpus_import(
    *,
    name: str,
    path_or_file: str | os.PathLike[str] | Readable,
    format: str | None = None,  # the word the command line and the issue use
    options: Mapping[str, Any] | None = None,
    by: User | None,
    max_bytes: int | None = None,
    max_text_chars: int | None = None,
) -> ImportSummary:
    """Read, clean and store a corpus; all or nothing.

    1. Check the name (unique), the options and the format; open the file, refusing it when over the size limit.
    2. Detect the format from the first bytes unless given.
    3. In one transaction: create the corpus, stream records through the cleaning rules, bulk insert kept texts
       in chunks of INSERT_CHUNK; any bad input raises CorpusImportError and rolls everything back.
    4. Refuse an empty result; store counts and preview; send corpus_texts_changed (inside the transaction).
    """
    started = time.monotonic()
    name = (name or "").strip()
    if not name:
        raise CorpusImportError("Give the corpus a name.")
    if len(name) > Corpus._meta.get_field("name").max_length:  # type: ignore[operator]
        raise CorpusImportError("The corpus name is too long (at most 100 characters).")
    if _name_taken(name):
        raise CorpusImportError(f'A corpus named "{name}" already exists: choose another name.')
    opts = options_normalise(options)
    if format:
        formats.format_check(format)
    limit = settings.CORPUS_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    longest = settings.CORPUS_MAX_TEXT_CHARS if max_text_chars is None else max_text_chars
    if longest < 1:
        raise CorpusImportError(f"The longest text kept must be at least 1 character, not {longest}.")
    source = source_open(path_or_file, max_bytes=limit)
    try:
        fmt = format or ""
        if not fmt:
            detected = formats.format_detect(sniff(source), name=source.name)
            fmt = detected.format
            if detected.delimiter and not opts.get("delimiter"):
                opts["delimiter"] = detected.delimiter
        if fmt == Corpus.Format.DELIMITED and not opts.get("delimiter"):
            opts["delimiter"] = _delimiter_guess(source)
        stream = TextStream(source, max_bytes=limit)
        cleaner = Cleaner(options=opts, max_chars=longest)
        with transaction.atomic():
            try:
                corpus = Corpus.objects.create(name=name, source_name=source.name[:255], format=fmt, options=opts, created_by=by)
            except IntegrityError:
                # Somebody took the name between the check and the insert.
                raise CorpusImportError(f'A corpus named "{name}" already exists: choose another name.') from None
            _insert(corpus, cleaner, formats.records(stream, fmt=fmt, delimiter=opts.get("delimiter")))
            if cleaner.read == 0:
                raise CorpusImportError(f"{source.name} holds no texts (read as {formats.FORMATS[fmt]}).")
            if cleaner.kept == 0:
                raise CorpusImportError(_nothing_left(cleaner))
            corpus.counts = cleaner.counts
            corpus.read_count, corpus.kept_count = cleaner.read, cleaner.kept
            corpus.preview = cleaner.preview
            corpus.source_bytes = stream.bytes_read
            corpus.import_seconds = time.monotonic() - started
            corpus.save(update_fields=["counts", "read_count", "kept_count", "preview", "source_bytes", "import_seconds"])
            corpus_texts_changed.send(sender=Corpus, corpus=corpus)
    finally:
        source.close()
    return ImportSummary(
        corpus=corpus,
        format=fmt,
        read=cleaner.read,
        kept=cleaner.kept,
        counts=dict(cleaner.counts),
        options=opts,
        seconds=corpus.import_seconds,
    )


def _name_taken(name: str) -> bool:
    return Corpus.objects.filter(name=name).exists()


def _delimiter_guess(source: Source) -> str:
    """The delimiter line of a file given as delimited without saying which: the commonest one, else "=========="."""
    try:
        return formats.format_detect(sniff(source), name=source.name).delimiter or formats.DEFAULT_DELIMITER
    except CorpusImportError:
        return formats.DEFAULT_DELIMITER


_COLUMNS = ("corpus", "position", "text", "original", "external_id", "posted_at")


def _insert(corpus: Corpus, cleaner: Cleaner, records: Iterator[formats.Record]) -> None:
    """Kept texts go in as they come: COPY on PostgreSQL, executemany of INSERT_CHUNK rows elsewhere.

    Not bulk_create: building a model instance and preparing each field through the ORM took about half of
    the import's time on SQLite. Both paths stream, so memory does not grow with the file.
    """
    meta = TrainingText._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(str(meta.get_field(name).column)) for name in _COLUMNS)  # type: ignore[union-attr]
    postgres = connection.vendor == "postgresql"
    adapt = (lambda value: value) if postgres else connection.ops.adapt_datetimefield_value
    rows = _rows(corpus, cleaner, records, adapt)
    with connection.cursor() as cursor:
        if postgres:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= INSERT_CHUNK:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _rows(corpus: Corpus, cleaner: Cleaner, records: Iterator[formats.Record], adapt: Callable[[Any], Any]) -> Iterator[tuple[Any, ...]]:
    for record in records:
        kept = cleaner.clean(record)
        if kept is None:
            continue
        posted_at = adapt(record.posted_at) if record.posted_at else None
        yield (corpus.pk, cleaner.kept - 1, kept.text, record.original, record.external_id, posted_at)


def _nothing_left(cleaner: Cleaner) -> str:
    removed = [f"{rule.label.lower()} {cleaner.counts[rule.key]}" for rule in RULES if rule.kind == "removed" and cleaner.counts[rule.key]]
    return (
        f"Nothing is left after cleaning: {cleaner.read} read, removed: {', '.join(removed)}. "
        "Switch a rule off (e.g. keep replies or retweets) or check the file."
    )


# --- Export.


def corpus_texts(*, corpus: Corpus) -> Iterator[str]:
    return corpus.texts.order_by("position").values_list("text", flat=True).iterator(chunk_size=INSERT_CHUNK)


def corpus_csv_rows(*, corpus: Corpus) -> Iterator[list[str]]:
    """gpt-2-simple's training CSV: a one-line header, then one quoted-as-needed text per row."""
    yield [CSV_HEADER]
    for text in corpus_texts(corpus=corpus):
        yield [text]


def corpus_txt_chunks(*, corpus: Corpus) -> Iterator[str]:
    """Plain text: the texts separated by a line of "==========" (multi-line tweets stay whole; re-imports as delimited)."""
    first = True
    for text in corpus_texts(corpus=corpus):
        yield text + "\n" if first else f"{TXT_DELIMITER}\n{text}\n"
        first = False


def corpus_export_csv(*, corpus: Corpus, path: str | os.PathLike[str]) -> int:
    """Write the corpus as gpt-2-simple's single-column CSV (it adds <|startoftext|> and <|endoftext|> per row).

    Returns the number of texts written. `path` should end in .csv: gpt-2-simple picks its CSV reader by that.
    """
    count = -1
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        for row in corpus_csv_rows(corpus=corpus):
            writer.writerow(row)
            count += 1
    return count


def corpus_export_txt(*, corpus: Corpus, path: str | os.PathLike[str]) -> int:
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        for chunk in corpus_txt_chunks(corpus=corpus):
            fh.write(chunk)
            count += 1
    return count


def corpus_rename(*, corpus: Corpus, name: str) -> Corpus:
    """A new name (unique, case-insensitively); everything that uses the corpus follows it (they link by id)."""
    name = " ".join(name.split())
    if not name:
        raise CorpusImportError("The name is empty.")
    if len(name) > 100:
        raise CorpusImportError("The name is longer than 100 characters.")
    if Corpus.objects.filter(name__iexact=name).exclude(pk=corpus.pk).exists():
        raise CorpusImportError(f"There is already a corpus named {name!r}.")
    corpus.name = name
    corpus.save(update_fields=["name"])
    return corpus


def corpus_delete(*, corpus: Corpus) -> int:
    """Delete a corpus and its texts; returns how many texts went.

    Refused while a finetune run was trained on it (the run records what its checkpoint learned). Checkpoints,
    batches and candidates stay, without the link: a Markov chain keeps its file and keeps writing; candidates
    keep their near-copy verdicts, but an edit can no longer be re-checked against this corpus.
    """
    from corpora.selectors import corpus_dependents

    with transaction.atomic():
        corpus = Corpus.objects.select_for_update().get(pk=corpus.pk)
        found = corpus_dependents(corpus=corpus)
        if found.blocks_delete:
            runs = ", ".join(found.finetune_runs[:5]) + (" …" if len(found.finetune_runs) > 5 else "")
            raise CorpusImportError(
                f"{corpus.name} cannot be deleted: the finetune run(s) {runs} were trained on it. Delete those runs first (Admin, Finetune runs), or keep the corpus."
            )
        texts = found.texts
        corpus.delete()
    return texts
