"""Words of a text as the near-copy check sees them, fast (hashes) or with character offsets.

The words are those of `core.tweets.normalise(text).split()`: case, URLs, @mentions,
punctuation, whitespace and HTML entities folded away. The index and the lookup use 32-bit
CRC hashes of those words (C speed, stable across processes); offsets are computed only for
the few texts whose overlap is shown.
"""

import html
import re
import unicodedata
import zlib
from dataclasses import dataclass

from core.tweets import _MENTION, _URL, normalise

# The pattern html.unescape() applies, so unescaping entity by entity gives the same text.
_ENTITY = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
_WORD = re.compile(r"\w+")


def word_hashes(normalised: str) -> list[int]:
    """CRC32 of each word of an already normalised text (single spaces, no edges)."""
    if not normalised:
        return []
    return list(map(zlib.crc32, normalised.encode().split(b" ")))


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _folded_with_origin(text: str) -> tuple[str, list[int], list[int]]:
    """The unescaped, NFKC-folded, lower-cased text, and for each of its characters the raw [start, end)."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def emit(piece: str, start: int, end: int) -> None:
        # Fold a base character with its combining marks together, as whole-text NFKC would.
        i = 0
        while i < len(piece):
            j = i + 1
            while j < len(piece) and unicodedata.combining(piece[j]):
                j += 1
            folded = unicodedata.normalize("NFKC", piece[i:j]).lower()
            s = start if end - start != len(piece) else start + i
            e = end if end - start != len(piece) else start + j
            for ch in folded:
                chars.append(ch)
                starts.append(s)
                ends.append(e)
            i = j

    pos = 0
    for m in _ENTITY.finditer(text):
        if m.start() > pos:
            emit(text[pos : m.start()], pos, m.start())
        emit(html.unescape(m.group()), m.start(), m.end())
        pos = m.end()
    if pos < len(text):
        emit(text[pos:], pos, len(text))
    return "".join(chars), starts, ends


def words_with_offsets(text: str) -> list[Word]:
    """The words of normalise(text).split(), each with its [start, end) in the raw text.

    Exact for ASCII text and for the usual Unicode; where folding character by character would
    disagree with normalise() on the whole text (rare scripts), every word gets the whole text's range.
    """
    folded = text.lower()
    if "&" not in text and len(folded) == len(text) and (text.isascii() or unicodedata.is_normalized("NFKC", text)):
        # Nothing changes length: offsets in the folded text are offsets in the raw text.
        starts = ends = None
    else:
        folded, starts, ends = _folded_with_origin(text)
    if "http" in folded or "www." in folded:
        folded = _URL.sub(_blank, folded)
    if "@" in folded:
        folded = _MENTION.sub(_blank, folded)
    words: list[Word] = []
    for m in _WORD.finditer(folded):
        if starts is None or ends is None:
            words.append(Word(m.group(), m.start(), m.end()))
        else:
            words.append(Word(m.group(), starts[m.start()], ends[m.end() - 1]))
    expected = normalise(text).split()
    if [w.text for w in words] != expected:
        return [Word(w, 0, len(text)) for w in expected]
    return words
