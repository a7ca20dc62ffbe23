"""Corpus file formats: detection from the first bytes, and streaming parsers that yield one Record per text.

Each parser reports broken input with where it is (line, column or item) and never holds the whole file.
"""

import csv
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from corpora.models import Corpus
from corpora.source import CorpusImportError, TextStream

FORMATS: dict[str, str] = dict(Corpus.Format.choices)
DEFAULT_DELIMITER = "=========="
# A first CSV row holding one of these (any case) is a header, as in gpt-2-simple's and download_tweets' files.
HEADER_NAMES = {"text", "texts", "tweet", "tweets", "full_text", "content", "body", "message"}
BINARY_EXTENSIONS = {".zip", ".gz", ".bz2", ".xz", ".7z", ".tar", ".xlsx", ".xls", ".ods", ".docx", ".doc", ".pdf", ".png", ".jpg", ".jpeg"}
_DELIMITER_LINE = re.compile(r"^[ \t]*(={3,}|-{3,}|#{3,}|\*{3,}|~{3,}|_{3,}|<\|endoftext\|>)[ \t]*\r?$")
_X_ARCHIVE_PREFIX = re.compile(r"^\s*window\.YTD\.[\w.]+\s*=\s*$")
_TWITTER_DATE = "%a %b %d %H:%M:%S %z %Y"
CHUNK_KEEP = 1 << 20  # the JSON window drops what it parsed once it is past this many characters
MAX_ITEM_CHARS = 8 << 20  # no single tweet object comes near this: past it a JSON error is real, not a cut chunk


@dataclass(slots=True)
class Record:
    """One text as read, before cleaning. `text` is what cleaning starts from; `original` is kept verbatim."""

    text: str
    original: str
    external_id: str = ""
    posted_at: datetime | None = None
    retweet: bool = False  # flagged so by the source (the leading "RT @" is the cleaning rule's own check)
    reply: bool = False
    # A reply to the author's own post (a thread continuation): see _self_reply.
    self_reply: bool = False


@dataclass(frozen=True)
class Detected:
    format: str
    delimiter: str | None = None


def format_check(fmt: str) -> str:
    if fmt not in FORMATS:
        raise CorpusImportError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)} (or leave it out to detect it).")
    return fmt


def format_detect(head: bytes, *, name: str) -> Detected:
    """The format of a file from its name and first bytes (see sniff())."""
    ext = os.path.splitext(name)[1].lower()
    head = head.removeprefix(b"\xef\xbb\xbf")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with a byte-order mark (what Excel and Notepad write as "Unicode"): TextStream decodes it.
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    elif b"\x00" in head and head.count(b"\x00") * 3 >= len(head):
        raise CorpusImportError(
            f"{name} is not UTF-8: it looks like UTF-16 without a byte-order mark (line 1). "
            "Save the file as UTF-8, or as UTF-16 with a BOM, and import it again."
        )
    if ext in BINARY_EXTENSIONS or b"\x00" in head:
        raise CorpusImportError(
            f"Unknown format: {name} looks like a binary file ({ext or 'no extension'}), not text. "
            f"Supported: {_supported()}. Export your data to one of these first."
        )
    text = head.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith("window.") or re.match(r"^[\w.]+\s*=\s*\[", stripped):
        return Detected(Corpus.Format.X_ARCHIVE)
    if stripped.startswith("["):
        if re.match(r'^\[\s*\{\s*"tweet"\s*:', stripped):
            return Detected(Corpus.Format.X_ARCHIVE)
        return Detected(Corpus.Format.TRUMP_JSON)
    if stripped.startswith("{"):
        return Detected(Corpus.Format.JSONL)
    if ext in {".json", ".js", ".jsonl", ".ndjson"}:
        raise CorpusImportError(f"Unknown format: {name} is named {ext} but does not start with '[' or '{{'. Supported: {_supported()}.")
    if ext == ".csv":
        return Detected(Corpus.Format.CSV)
    lines = text.split("\n")
    if len(head) >= 64 * 1024:
        lines = lines[:-1]  # the last line may be cut
    seen: dict[str, int] = {}
    for line in lines:
        if m := _DELIMITER_LINE.match(line):
            seen[m.group(1)] = seen.get(m.group(1), 0) + 1
    if seen:
        return Detected(Corpus.Format.DELIMITED, delimiter=max(seen, key=lambda k: seen[k]))
    first = lines[0].strip() if lines else ""
    if first.lower() in HEADER_NAMES or first.startswith('"'):
        return Detected(Corpus.Format.CSV)
    return Detected(Corpus.Format.LINES)


def _supported() -> str:
    return ", ".join(str(label) for label in FORMATS.values())


def records(stream: TextStream, *, fmt: str, delimiter: str | None = None) -> Iterator[Record]:
    parsers: dict[str, Callable[[], Iterator[Record]]] = {
        Corpus.Format.CSV: lambda: _csv(stream),
        Corpus.Format.LINES: lambda: _lines(stream),
        Corpus.Format.DELIMITED: lambda: _delimited(stream, delimiter or DEFAULT_DELIMITER),
        Corpus.Format.TRUMP_JSON: lambda: _trump_json(stream),
        Corpus.Format.X_ARCHIVE: lambda: _x_archive(stream),
        Corpus.Format.JSONL: lambda: _jsonl(stream),
    }
    return parsers[format_check(fmt)]()


# --- Plain text and CSV.


def _lines(stream: TextStream) -> Iterator[Record]:
    for line in stream.lines():
        text = line.rstrip("\r\n")
        if text.strip():
            yield Record(text=text, original=text)


def _delimited(stream: TextStream, delimiter: str) -> Iterator[Record]:
    delimiter = delimiter.strip()
    block: list[str] = []
    for line in stream.lines():
        body = line.rstrip("\r\n")
        if body.strip() == delimiter:
            if text := "\n".join(block).strip("\r\n"):
                yield Record(text=text, original=text)
            block = []
        else:
            block.append(body)
    if text := "\n".join(block).strip("\r\n"):
        yield Record(text=text, original=text)


def _csv(stream: TextStream) -> Iterator[Record]:
    reader = csv.reader(stream.lines(), strict=True)
    column: int | None = None
    width = 1
    first = True
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            hint = " (a double quote is probably not closed)" if "end of data" in str(exc) else ""
            raise CorpusImportError(f"{stream.source.name} is not valid CSV: record starting at line {start}: {exc}{hint}.") from None
        if first:
            first = False
            names = [cell.strip().lower() for cell in row]
            if any(n in HEADER_NAMES for n in names):
                column = next(i for i, n in enumerate(names) if n in HEADER_NAMES)
                width = len(row)
                continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if column is None and len(row) != 1:
            raise CorpusImportError(
                f"{stream.source.name} is not a single-column CSV: line {start} has {len(row)} fields. "
                "Put texts that contain commas in double quotes, or add a header row naming the text column (text or tweets)."
            )
        if column is not None and len(row) != width:
            raise CorpusImportError(f"{stream.source.name} is not valid CSV: line {start} has {len(row)} fields, the header has {width}.")
        text = row[column or 0]
        if text.strip():
            yield Record(text=text, original=text)


# --- JSON.


class JsonArrayReader:
    """The items of one top-level JSON array, parsed one by one from text chunks (json's C scanner on a window).

    `prefix` matches what may stand before the "[" (tweets.js' `window.YTD.tweets.part0 =`).
    """

    def __init__(self, stream: TextStream, *, prefix: re.Pattern[str] | None = None, what: str = "a JSON array") -> None:
        self.name = stream.source.name
        self._chunks = stream.chunks()
        self._prefix = prefix
        self._what = what
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._dropped_lines = 0  # newlines in text already dropped from the window
        self._dropped_tail = 0  # characters after the last dropped newline
        self._decoder = json.JSONDecoder()
        self.item_pos = 0

    def _fill(self) -> bool:
        if self._eof:
            return False
        if self._pos > CHUNK_KEEP:
            dropped = self._buf[: self._pos]
            nl = dropped.count("\n")
            self._dropped_tail = len(dropped) - dropped.rfind("\n") - 1 if nl else self._dropped_tail + len(dropped)
            self._dropped_lines += nl
            self.item_pos = max(0, self.item_pos - self._pos)
            self._buf, self._pos = self._buf[self._pos :], 0
        chunk = next(self._chunks, None)
        if chunk is None:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def location(self, pos: int | None = None) -> str:
        pos = self._pos if pos is None else pos
        line = self._dropped_lines + self._buf.count("\n", 0, pos) + 1
        last = self._buf.rfind("\n", 0, pos)
        column = pos - last if last >= 0 else self._dropped_tail + pos + 1
        return f"line {line}, column {column}"

    def error(self, message: str, pos: int | None = None) -> CorpusImportError:
        joiner = " " if message.endswith(" at") else " at "  # json's own "Unterminated string starting at"
        return CorpusImportError(f"{self.name} is not valid JSON: {message}{joiner}{self.location(pos)}.")

    def cut_off(self, pos: int) -> CorpusImportError:
        """The file ended before the JSON did: a download or a copy that stopped half-way, not a syntax error."""
        return CorpusImportError(
            f"{self.name} looks cut off: it ends in the middle of the JSON (the item starting at {self.location(pos)} "
            "is never closed, or the closing ']' is missing). Download or copy the file again; nothing was imported."
        )

    def _skip_space(self) -> str:
        """The next non-space character (not consumed), or "" at the end of the file."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def items(self) -> Iterator[Any]:
        self._open()
        if self._skip_space() == "]":
            self._pos += 1
            self._close()
            return
        while True:
            self._skip_space()
            self.item_pos = self._pos
            while True:
                try:
                    item, end = self._decoder.raw_decode(self._buf, self._pos)
                    break
                except json.JSONDecodeError as exc:
                    # The window may end inside this item: read on, up to a size no real item reaches.
                    if len(self._buf) - self._pos >= MAX_ITEM_CHARS:
                        raise self.error(exc.msg, exc.pos) from None
                    if not self._fill():
                        if _ends_open(exc, self._buf):  # the item was still open when the file ended
                            raise self.cut_off(self.item_pos) from None
                        raise self.error(exc.msg, exc.pos) from None
                except (RecursionError, ValueError) as exc:
                    raise json_unreadable(self.name, f"the item at {self.location(self.item_pos)}", exc) from None
            self._pos = end
            yield item
            nxt = self._skip_space()
            if nxt == ",":
                self._pos += 1
            elif nxt == "]":
                self._pos += 1
                self._close()
                return
            elif nxt == "":
                raise self.cut_off(self._pos)
            else:
                raise self.error(f"expected ',' or ']' after an item, found {nxt!r}")

    def _open(self) -> None:
        while "[" not in self._buf and len(self._buf) < 4096 and self._fill():
            pass
        start = self._buf.find("[")
        before = self._buf[:start] if start >= 0 else self._buf
        if start < 0 or (before.strip() and not (self._prefix and self._prefix.match(before))):
            raise CorpusImportError(f"{self.name} does not hold {self._what}: it must start with {self._expected_start()}.")
        self._pos = start + 1

    def _expected_start(self) -> str:
        return "'window.YTD.tweets.part0 = [' or '['" if self._prefix else "'['"

    def _close(self) -> None:
        rest = self._skip_space()
        if rest == ";" and self._prefix:
            self._pos += 1
            rest = self._skip_space()
        if rest:
            raise self.error(f"unexpected {rest!r} after the closing ']'")


def _ends_open(exc: json.JSONDecodeError, text: str) -> bool:
    """The JSON error is the end of the text arriving too soon (a string or an object still open), not a wrong character."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip())


def json_unreadable(name: str, where: str, exc: BaseException) -> CorpusImportError:
    """Valid JSON that Python's reader refuses: nesting past the recursion limit, or an integer past its digit limit.

    json raises RecursionError and a plain ValueError for these (not JSONDecodeError); no tweet comes near either.
    """
    if isinstance(exc, RecursionError):
        reason = "is nested too deeply (hundreds of levels of [ or {); no tweet is nested like that"
    else:
        reason = f"holds a number with more than {sys.get_int_max_str_digits()} digits, which cannot be read"
    return CorpusImportError(f"{name} cannot be imported: {where} {reason}.")


_MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)}


# The year of a value shaped like Twitter's date or ISO 8601, to tell a date out of range from one not understood.
_DATE_YEAR = re.compile(r"\w{3} \w{3} \d{1,2} \d{1,2}:\d{1,2}:\d{1,2} [+-]\d{4} ([+-]?\d+)|([+-]?\d+)-\d{1,2}-\d{1,2}(?:[T ].*)?")


class DateOutOfRange(ValueError):
    """A date whose year no database column holds (Python's and the databases' years run from 1 to 9999)."""


def _date(value: object) -> datetime | None:
    """Twitter's "Mon May 04 18:54:25 +0000 2009" (parsed by hand: strptime was a third of the import's time), or ISO 8601.

    A value in neither shape is no date (None), as before; a date in one of them outside the years 1 to 9999, or
    one that leaves them once turned into UTC (how SQLite stores it), raises DateOutOfRange.
    """
    if not isinstance(value, str) or not value:
        return None
    when = _date_parse(value)
    if when is None:
        if (m := _DATE_YEAR.fullmatch(value)) and not 1 <= int(m.group(1) or m.group(2)) <= 9999:
            raise DateOutOfRange(value)
        return None
    try:
        return when.astimezone(UTC)
    except OverflowError:
        raise DateOutOfRange(value) from None


def _date_parse(value: str) -> datetime | None:
    parts = value.split(" ")
    if len(parts) == 6 and parts[1] in _MONTHS and parts[4] == "+0000" and len(parts[5]) <= 4:
        try:
            hour, minute, second = (int(p) for p in parts[3].split(":"))
            return datetime(int(parts[5]), _MONTHS[parts[1]], int(parts[2]), hour, minute, second, tzinfo=UTC)
        except ValueError:
            return None
    for parse in (lambda v: datetime.strptime(v, _TWITTER_DATE), datetime.fromisoformat):
        try:
            when = parse(value)
        except ValueError:
            continue
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def _ident(item: dict[str, Any], *, name: str, where: Callable[[], str]) -> str:
    key = "id_str" if item.get("id_str") else "id"
    value = item.get(key) or ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CorpusImportError(f'{name} cannot be imported: the item at {where()} has an "{key}" that is neither a string nor a number.')
    ident = str(value)[:64]
    if any(ord(c) < 32 or c == "\x7f" for c in ident):
        # PostgreSQL cannot store NUL, and no tweet id holds a control character: the file is damaged.
        raise CorpusImportError(f'{name} cannot be imported: the item at {where()} has a control character in its "{key}" ({ident!r}).')
    return ident


def _flag(item: dict[str, Any], *keys: str) -> bool:
    return any(item.get(key) not in (None, "", False, 0) for key in keys)


_REPLY_KEYS = ("in_reply_to_status_id_str", "in_reply_to_status_id", "in_reply_to_user_id_str", "in_reply_to_user_id")


def _author(item: dict[str, Any]) -> tuple[str, str]:
    """The author's id and handle when the item carries them (API v1.1 `user`, API v2 `author_id`)."""
    user = item.get("user")
    user = user if isinstance(user, dict) else {}
    ident = user.get("id_str") or user.get("id") or item.get("author_id") or item.get("user_id_str") or ""
    return str(ident), str(user.get("screen_name") or "").lower()


def _self_reply(item: dict[str, Any], text: str) -> bool:
    """A reply to the author's own post: the reply names the author as the one replied to; where the item does
    not say who wrote it (an X archive holds only its owner's posts), a reply that does not open with an @mention
    (X leaves the author's own handle out of a thread continuation, and opens replies to others with theirs)."""
    if not _flag(item, *_REPLY_KEYS):
        return False
    ident, handle = _author(item)
    to_id = str(item.get("in_reply_to_user_id_str") or item.get("in_reply_to_user_id") or "")
    to_handle = str(item.get("in_reply_to_screen_name") or "").lower()
    if ident or handle:
        return bool((ident and to_id == ident) or (handle and to_handle == handle))
    return not text.lstrip().startswith("@")


def _tweet_record(item: object, *, key: str, where: Callable[[], str], what: str, name: str) -> Record:
    if not isinstance(item, dict):
        raise CorpusImportError(f"{what}: the item at {where()} is {type(item).__name__}, not an object.")
    text = item.get(key)
    if not isinstance(text, str):
        raise CorpusImportError(f'{what}: the item at {where()} has no "{key}" string.')
    try:
        posted_at = _date(item.get("created_at"))
    except DateOutOfRange as exc:
        shown = str(exc) if len(str(exc)) <= 60 else str(exc)[:59] + "…"
        raise CorpusImportError(
            f'{name} cannot be imported: the item at {where()} has a "created_at" out of range ({shown!r}): '
            "dates must fall within the years 1 to 9999 (in UTC)."
        ) from None
    return Record(
        text=text,
        original=text,
        external_id=_ident(item, name=name, where=where),
        posted_at=posted_at,
        retweet=bool(item.get("is_retweet")) or bool(item.get("retweeted_status")),
        reply=_flag(item, *_REPLY_KEYS),
        self_reply=_self_reply(item, text),
    )


def _trump_json(stream: TextStream) -> Iterator[Record]:
    reader = JsonArrayReader(stream, what="a Trump Twitter Archive export (a JSON array of tweets)")
    what = f"{stream.source.name} is not a Trump Twitter Archive export"
    for item in reader.items():
        yield _tweet_record(item, key="text", where=lambda: reader.location(reader.item_pos), what=what, name=reader.name)


def _x_archive(stream: TextStream) -> Iterator[Record]:
    reader = JsonArrayReader(stream, prefix=_X_ARCHIVE_PREFIX, what="an X archive (window.YTD.tweets.part0 = [...])")
    what = f"{stream.source.name} is not an X archive tweets.js"
    for item in reader.items():
        tweet = item.get("tweet", item) if isinstance(item, dict) else item
        key = "full_text" if isinstance(tweet, dict) and "full_text" in tweet else "text"
        record = _tweet_record(tweet, key=key, where=lambda: reader.location(reader.item_pos), what=what, name=reader.name)
        record.text = _expand_links(record.text, tweet)
        yield record


def _expand_links(text: str, tweet: dict[str, Any]) -> str:
    """Put back the links the author wrote in place of X's t.co wrappers (entities.urls[].expanded_url)."""
    entities = tweet.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    if not isinstance(urls, list):
        return text
    for entry in urls:
        if isinstance(entry, dict) and isinstance(entry.get("url"), str) and isinstance(entry.get("expanded_url"), str) and entry["url"]:
            text = text.replace(entry["url"], entry["expanded_url"])
    return text


def _jsonl(stream: TextStream) -> Iterator[Record]:
    name = stream.source.name
    for number, line in enumerate(stream.lines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            if not line.endswith("\n") and _ends_open(exc, line):
                # The last line stops mid-object: the file was cut short, not written wrong.
                raise CorpusImportError(
                    f"{name} looks cut off: its last line ({number}) ends in the middle of a JSON object. "
                    "Download or copy the file again; nothing was imported."
                ) from None
            raise CorpusImportError(f"{name} is not valid JSON Lines: line {number}, column {exc.colno}: {exc.msg}.") from None
        except (RecursionError, ValueError) as exc:
            raise json_unreadable(name, f"line {number}", exc) from None
        yield _tweet_record(
            item, key="text", where=partial("line {}".format, number), what=f"{name} is not JSON Lines with a text field", name=name
        )
