"""Format detection from a file's name and first bytes."""

import pytest

from corpora.formats import format_detect
from corpora.source import CorpusImportError


@pytest.mark.parametrize(
    ("name", "head", "fmt", "delimiter"),
    [
        ("tweets.js", b'window.YTD.tweets.part0 = [ {\n  "tweet" : {', "x_archive", None),
        ("tweets.json", b'[ {\n  "tweet" : { "full_text": "hi" } } ]', "x_archive", None),
        ("trump.json", b'[{"source": "Twitter for Android", "text": "hi"}]', "trump_json", None),
        ("data.jsonl", b'{"text": "hi"}\n{"text": "ho"}\n', "jsonl", None),
        ("bom.jsonl", b'\xef\xbb\xbf{"text": "hi"}\n', "jsonl", None),
        ("tweets.csv", b"hello\nthere\n", "csv", None),
        ("tweets", b"tweets\nhello\n", "csv", None),
        ("quoted.txt", b'"hello, you"\n', "csv", None),
        ("plain.txt", b"hello\nthere\n", "lines", None),
        ("blocks.txt", b"one\n==========\ntwo\n==========\nthree\n", "delimited", "=========="),
        ("gpt.txt", b"one\n<|endoftext|>\ntwo\n", "delimited", "<|endoftext|>"),
        ("dashes.txt", b"one\r\n-----\r\ntwo\r\n", "delimited", "-----"),
    ],
)
def test_it_detects_the_format(name: str, head: bytes, fmt: str, delimiter: str | None) -> None:
    detected = format_detect(head, name=name)
    assert (detected.format, detected.delimiter) == (fmt, delimiter)


@pytest.mark.parametrize(
    ("name", "head", "says"),
    [
        ("book.xlsx", b"PK\x03\x04", "Unknown format: book.xlsx looks like a binary file (.xlsx)"),
        ("blob", b"abc\x00def", "Unknown format: blob looks like a binary file (no extension)"),
        ("t.txt", "hi".encode("utf-16-le"), "t.txt is not UTF-8: it looks like UTF-16 without a byte-order mark"),
        ("t.js", b"console.log(1)", "Unknown format: t.js is named .js"),
    ],
)
def test_it_refuses_what_it_cannot_read(name: str, head: bytes, says: str) -> None:
    with pytest.raises(CorpusImportError) as raised:
        format_detect(head, name=name)
    assert str(raised.value).startswith(says)
