"""Cleaning rules, as minimaxir's download_tweets applies them before gpt-2-simple, each switchable and counted.

Rules run in the order of RULES. A text removed by one rule is counted by that rule only; "changed" counts
are over the texts that reached the rule (a text changed by the URL rule and later found to be a duplicate
is counted by both).
"""

import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings

from corpora.formats import Record
from corpora.source import CorpusImportError


@dataclass(frozen=True)
class Rule:
    key: str  # the name in counts, summaries and --json
    option: str  # the switch in options
    label: str
    kind: Literal["removed", "changed"]
    default: bool
    help: str


RULES: tuple[Rule, ...] = (
    Rule(
        "too_long",
        "drop_too_long",
        "Too long",
        "removed",
        True,
        "more than CORPUS_MAX_TEXT_CHARS characters as read (4000 unless set): a pasted page or a whole file on one line, not a post",
    ),
    Rule("retweets", "drop_retweets", "Retweets", "removed", True, 'flagged as retweets by the source, or starting with "RT @"'),
    Rule("replies", "drop_replies", "Replies", "removed", True, 'flagged as replies by the source, or starting with "@"'),
    Rule("urls", "remove_urls", "URLs", "changed", True, "links (http://, https://, www., pic.twitter.com, and truncated ones) cut out"),
    Rule("html_entities", "unescape_html", "HTML entities", "changed", True, "&amp; &lt; &gt; &quot; … turned back into characters"),
    Rule(
        "whitespace", "normalise_whitespace", "Whitespace", "changed", True, "runs of spaces collapsed, lines trimmed, blank lines squeezed"
    ),
    Rule("empty", "drop_empty", "Empty or only mentions", "removed", True, "nothing left after cleaning but @mentions and punctuation"),
    Rule("duplicates", "drop_duplicates", "Exact duplicates", "removed", True, "the same text (after cleaning) as one kept before"),
)
RULE_BY_KEY = {rule.key: rule for rule in RULES}
OPTION_KEYS = {rule.option for rule in RULES}
FORMAT_OPTION_KEYS = {"delimiter"}
# An exception to the replies rule, off by default: keep the author's replies to their own posts (threads).
KEEP_SELF_REPLIES = "keep_self_replies"
KEEP_SELF_REPLIES_HELP = "an author's replies to their own posts (thread continuations) stay, when the replies rule is on"

RETWEET = re.compile(r"^\s*RT:?\s*@\w")
REPLY = re.compile(r"^\s*@\w")
# Also the stubs that truncated tweets end with ("http:", "https://t.co…", a bare "http" at the very end).
URL = re.compile(r"https?:\S*|\bhttps?…?$|\bwww\.\S+|\bpic\.twitter\.com/\S*", re.IGNORECASE)
MENTION = re.compile(r"@\w+")
NOTHING_BUT_PUNCTUATION = re.compile(r"[\s.,:;!?\-\u2013\u2014|/\\\"'()\[\]\u2026&+]*")
PREVIEW_PER_RULE = 3
PREVIEW_KEPT = 5
PREVIEW_CHARS = 500


def options_normalise(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every rule switch (defaults filled in) plus the format options; unknown keys are refused."""
    options = dict(options or {})
    unknown = set(options) - OPTION_KEYS - FORMAT_OPTION_KEYS - {KEEP_SELF_REPLIES}
    if unknown:
        raise CorpusImportError(
            f"Unknown option(s): {', '.join(sorted(unknown))}. Known: {', '.join(sorted(OPTION_KEYS | FORMAT_OPTION_KEYS))}."
        )
    result: dict[str, Any] = {rule.option: bool(options.get(rule.option, rule.default)) for rule in RULES}
    result[KEEP_SELF_REPLIES] = bool(options.get(KEEP_SELF_REPLIES, False))
    if options.get("delimiter"):
        result["delimiter"] = str(options["delimiter"])
    return result


@dataclass(slots=True)
class Kept:
    text: str
    record: Record


def _cut(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def whitespace_normalise(text: str) -> str:
    """Spaces collapsed and lines trimmed, line breaks kept (a multi-line tweet stays one text), at most one blank line."""
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


@dataclass
class Cleaner:
    """Applies the switched-on rules to records one at a time, counting and keeping a few examples per rule."""

    options: dict[str, Any]
    max_chars: int = 0  # the too_long rule's limit; 0: settings.CORPUS_MAX_TEXT_CHARS
    read: int = 0
    kept: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {rule.key: 0 for rule in RULES})
    preview: dict[str, Any] = field(default_factory=lambda: {"kept": [], "rules": {rule.key: [] for rule in RULES}})
    _seen: set[bytes] = field(default_factory=set)

    def __post_init__(self) -> None:
        on = self.options
        self.max_chars = self.max_chars or settings.CORPUS_MAX_TEXT_CHARS
        self._too_long = on["drop_too_long"]
        self._retweets, self._replies = on["drop_retweets"], on["drop_replies"]
        self._keep_self = bool(on.get(KEEP_SELF_REPLIES, False))
        self._urls, self._html, self._space = on["remove_urls"], on["unescape_html"], on["normalise_whitespace"]
        self._empty, self._dupes = on["drop_empty"], on["drop_duplicates"]

    def clean(self, record: Record) -> Kept | None:
        self.read += 1
        if "\x00" in record.original or "\x00" in record.text:
            # PostgreSQL cannot store NUL in text or JSON, and it never means anything in a tweet.
            record.text, record.original = record.text.replace("\x00", ""), record.original.replace("\x00", "")
        text = record.text
        # First, on the text as read: the other rules' patterns need not run over a 50 MiB "tweet".
        if self._too_long and (len(text) > self.max_chars or len(record.original) > self.max_chars):
            return self._drop("too_long", record)
        if self._retweets and (record.retweet or RETWEET.match(text)):
            return self._drop("retweets", record)
        if self._replies and (record.reply or REPLY.match(text)) and not (self._keep_self and record.self_reply):
            return self._drop("replies", record)
        if self._urls and _may_hold_link(text):
            text = self._change("urls", text, URL.sub("", text))
        if self._html and "&" in text:
            text = self._change("html_entities", text, html.unescape(text))
        if self._space:
            text = self._change("whitespace", text, whitespace_normalise(text))
        if self._empty and _is_empty(text):
            return self._drop("empty", record)
        if self._dupes:
            key = hashlib.blake2b(text.encode(), digest_size=16).digest()
            if key in self._seen:
                return self._drop("duplicates", record)
            self._seen.add(key)
        self.kept += 1
        if len(self.preview["kept"]) < PREVIEW_KEPT:
            self.preview["kept"].append({"text": _cut(text), "original": _cut(record.original)})
        return Kept(text=text, record=record)

    def _drop(self, rule: str, record: Record) -> Kept | None:
        self.counts[rule] += 1
        examples = self.preview["rules"][rule]
        if len(examples) < PREVIEW_PER_RULE:
            examples.append({"original": _cut(record.original)})
        return None

    def _change(self, rule: str, before: str, after: str) -> str:
        if after != before:
            self.counts[rule] += 1
            examples = self.preview["rules"][rule]
            if len(examples) < PREVIEW_PER_RULE:
                examples.append({"before": _cut(before), "after": _cut(after)})
        return after


def _may_hold_link(text: str) -> bool:
    """A cheap test first: most texts have no link, and the URL pattern is the slowest step of cleaning."""
    low = text.lower()
    return "http" in low or "www." in low or "pic.twitter.com/" in low


def _is_empty(text: str) -> bool:
    if not text.strip():
        return True
    return "@" in text and NOTHING_BUT_PUNCTUATION.fullmatch(MENTION.sub("", text)) is not None
