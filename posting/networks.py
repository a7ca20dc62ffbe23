"""What differs between the networks we post to, apart from their clients: credentials, length, send keys.

- credentials: which secrets each publisher needs (stored encrypted by posting.crypto, never shown back);
- length: X counts 280 weighted characters (twitter-text), Bluesky 300 graphemes, Mastodon the instance's
  own limit (`configuration.statuses.max_characters`, read at the account check; 500 by default), where
  a link counts as 23 characters and a mention as its local part;
- send keys: chosen and stored on the Post before its first send. Bluesky's is the record key (a TID),
  Mastodon's an Idempotency-Key; X has none, so an unknown outcome there is settled by reading the timeline.
"""

import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import regex

from core.tweets import MAX_WEIGHTED_LENGTH, weighted_length
from posting.crypto import CREDENTIAL_FIELDS
from posting.models import Account

BLUESKY_MAX_GRAPHEMES = 300
BLUESKY_DEFAULT_SERVER = "https://bsky.social"
MASTODON_DEFAULT_MAX_CHARACTERS = 500
# Mastodon counts every link as this many characters, whatever its length (StatusLengthValidator).
MASTODON_URL_LENGTH = 23


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    secret: bool = True
    help_text: str = ""


CREDENTIALS: dict[str, tuple[CredentialField, ...]] = {
    Account.Publisher.X: (
        CredentialField(CREDENTIAL_FIELDS[0], "API key (consumer key)"),
        CredentialField(CREDENTIAL_FIELDS[1], "API key secret (consumer secret)"),
        CredentialField(CREDENTIAL_FIELDS[2], "Access token"),
        CredentialField(CREDENTIAL_FIELDS[3], "Access token secret"),
    ),
    Account.Publisher.BLUESKY: (
        CredentialField(
            "identifier", "Handle or email", secret=False, help_text="The account's handle (bot.bsky.social) or its login email."
        ),
        CredentialField(
            "app_password",
            "App password",
            help_text="Settings → Privacy and security → App passwords on bsky.app; not the account password.",
        ),
    ),
    Account.Publisher.MASTODON: (
        CredentialField(
            "access_token",
            "Access token",
            help_text="Preferences → Development → New application on your instance, with the read and write scopes.",
        ),
    ),
}

# Where each network's server is, when the account sets none.
SERVER_HELP: dict[str, str] = {
    Account.Publisher.BLUESKY: f"The account's PDS; empty for {BLUESKY_DEFAULT_SERVER}.",
    Account.Publisher.MASTODON: "The instance the account lives on, e.g. https://mastodon.social.",
}


def credential_fields(publisher: str) -> tuple[CredentialField, ...]:
    return CREDENTIALS.get(publisher, ())


# --- Length rules.

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w", re.UNICODE)


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters), as Bluesky counts them."""
    return len(regex.findall(r"\X", text))


def mastodon_length(text: str) -> int:
    """Mastodon's count: each link 23 characters, a remote mention only its local part (@user@host → @user)."""
    text = _URL.sub("x" * MASTODON_URL_LENGTH, text)
    text = _MENTION.sub(lambda m: "@" + m.group(1), text)
    return len(text)


@dataclass(frozen=True)
class LengthRule:
    network: str
    limit: int
    unit: str
    measure: Callable[[str], int]

    def length(self, text: str) -> int:
        return self.measure(text)

    def fits(self, text: str) -> bool:
        return 0 < self.length(text) <= self.limit if text.strip() else False

    def refusal(self, text: str) -> str:
        """Why the text cannot go out on this network, in words; empty when it fits."""
        if not text.strip():
            return "The text is empty."
        length = self.length(text)
        if length > self.limit:
            return f"Too long for {self.network}: {length}/{self.limit} {self.unit}."
        return ""

    def __str__(self) -> str:
        return f"{self.network}: {self.limit} {self.unit}"


def length_rule(account: Account) -> LengthRule:
    """The length rule of the network the account posts to (the dry run posts as X would)."""
    if account.publisher == Account.Publisher.BLUESKY:
        return LengthRule("Bluesky", BLUESKY_MAX_GRAPHEMES, "graphemes", graphemes)
    if account.publisher == Account.Publisher.MASTODON:
        limit = account.max_characters or MASTODON_DEFAULT_MAX_CHARACTERS
        return LengthRule("Mastodon", limit, "characters", mastodon_length)
    return LengthRule("X", MAX_WEIGHTED_LENGTH, "weighted characters", weighted_length)


# --- Send keys.

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_tid_lock = threading.Lock()
_tid_last = 0
_TID_CLOCK_ID = random.randrange(1024)


def tid_new() -> str:
    """An atproto TID: 53 bits of microseconds since the epoch and a 10-bit clock id, base32-sortable, 13 characters.

    Monotonic within the process, so two posts created in the same microsecond still get different keys.
    """
    global _tid_last
    with _tid_lock:
        micros = max(time.time_ns() // 1000, _tid_last + 1)
        _tid_last = micros
    value = (micros << 10) | _TID_CLOCK_ID
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def send_key_new(publisher: str) -> str:
    """The key a post keeps across all its attempts; empty for networks that have none (X, dry run)."""
    if publisher == Account.Publisher.BLUESKY:
        return tid_new()
    if publisher == Account.Publisher.MASTODON:
        return uuid.uuid4().hex
    return ""
