"""Facts about tweet text shared by generation, the queue and posting."""

import hashlib
import html
import re
import unicodedata

from twitter_text import extract_urls_with_indices, parse_tweet

MAX_WEIGHTED_LENGTH = 280

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w{1,15}")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


def weighted_length(text: str) -> int:
    """Length by the twitter-text rules: 280 max, URLs count 23, CJK and emoji count 2."""
    return int(parse_tweet(text).weightedLength)


def fits(text: str) -> bool:
    return 0 < weighted_length(text) <= MAX_WEIGHTED_LENGTH


def normalise(text: str) -> str:
    """Case, URLs, @mentions, punctuation, whitespace and HTML entities folded away."""
    text = unicodedata.normalize("NFKC", html.unescape(text)).lower()
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _NON_WORD.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def timeline_key(text: str, *, as_shown: bool = False) -> str:
    """What a posted text and the same post read back from X's timeline have in common.

    X shows a post rewritten: `&`, `<`, `>` HTML-escaped (`as_shown` undoes that once more than normalise does, so a
    literal "&amp;" we posted still matches), and every link replaced by a t.co link, including bare domains that
    twitter-text counts as links ("see example.com now"). So links are cut out by twitter-text's own extractor
    on both sides before normalising; a miss here would mean a second post.
    """
    if as_shown:
        text = html.unescape(text)
    for url in reversed(extract_urls_with_indices(text)):
        start, end = url["indices"]
        text = text[:start] + " " + text[end:]
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def text_hash(text: str) -> str:
    """Equal for texts that differ only by what normalise() folds away: the de-duplication key."""
    return hashlib.sha256(normalise(text).encode()).hexdigest()


# Characters that draw nothing although they are not whitespace to str.isspace(): the Hangul fillers and the
# blank Braille pattern, the usual ways to post "nothing" past a check for empty text.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible(text: str) -> bool:
    """True when some character of the text draws something.

    Whitespace, format characters (Unicode Cf: zero-width space, joiners, word joiner, BOM, bidi marks),
    controls and the blank glyphs above do not; a text of only those shows as nothing but still counts
    towards the length (two zero-width spaces weigh 2 of 280).
    """
    return any(not (ch.isspace() or ch in _BLANK_GLYPHS or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp")) for ch in text)
