"""The `mastodon` publisher, through Mastodon.py (instance URL + access token).

Exactly once by Idempotency-Key: the Post's key (`Post.send_key`, chosen before the first send) goes with
every create; the server keeps it about an hour and answers a repeat with the status it stored. So within
that window an unknown outcome is settled by sending again with the same key; after it, by reading the
account's statuses for the text, as on X.

Rate limits: Mastodon.py is told to throw instead of sleeping inside a run (`ratelimit_method="throw"`);
a 429, or an answer whose X-RateLimit-Remaining is 0, pauses the account until X-RateLimit-Reset.
"""

import html
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone
from mastodon import Mastodon
from mastodon import errors as md
from urllib3.exceptions import NewConnectionError

from posting.crypto import credentials_decrypt
from posting.models import Account
from posting.publishers import (
    AuthFailed,
    Identity,
    KeyLookupUnavailable,
    KeySettlement,
    NotSent,
    OutcomeUnknown,
    Published,
    PublishError,
    RateLimited,
    Rejected,
    RemoteMention,
    RemotePost,
    register,
)

# The server keeps an Idempotency-Key for an hour; settle by key only well inside that.
IDEMPOTENCY_WINDOW = timedelta(minutes=50)
LOOKUP_MAX_PAGES = 10
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"</p>\s*<p[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def plain_text(content: str) -> str:
    """A status's HTML content as the text that was posted (paragraphs and line breaks kept, links whole)."""
    text = _PARAGRAPH.sub("\n\n", content)
    text = _BREAK.sub("\n", text)
    return html.unescape(_TAG.sub("", text)).strip()


def _never_connected(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _depth in range(8):
        if seen is None:
            return False
        if isinstance(seen, NewConnectionError | requests.ConnectTimeout):
            return True
        nested = getattr(seen, "reason", None)
        if isinstance(nested, BaseException):
            seen = nested
            continue
        if seen.args and isinstance(seen.args[0], BaseException):
            seen = seen.args[0]
            continue
        seen = seen.__cause__ or seen.__context__
    return False


def _status_code(exc: md.MastodonAPIError) -> int:
    return exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0


def _reason(exc: md.MastodonAPIError) -> str:
    parts = [str(a) for a in exc.args[1:] if a]
    return " ".join(parts) or str(exc)


class MastodonPublisher:
    def __init__(self, account: Account) -> None:
        creds = credentials_decrypt(account.credentials_encrypted)
        if not creds.get("access_token"):
            raise AuthFailed(f"Account {account.name} has no Mastodon access token: set it on the Accounts page.")
        if not account.server_url:
            raise AuthFailed(f"Account {account.name} has no Mastodon instance URL: set it on the Accounts page.")
        self.account = account
        session = requests.Session()
        session.trust_env = False
        self.api = Mastodon(
            access_token=creds["access_token"],
            api_base_url=account.server_url.rstrip("/"),
            ratelimit_method="throw",
            request_timeout=(float(settings.X_API_CONNECT_TIMEOUT), float(settings.X_API_TIMEOUT)),  # type: ignore[arg-type]
            version_check_mode="none",
            session=session,
        )

    def _exhausted_until(self) -> datetime | None:
        remaining, reset = self.api.ratelimit_remaining, self.api.ratelimit_reset
        if remaining is not None and remaining <= 0 and reset:
            return datetime.fromtimestamp(float(reset), tz=UTC)
        return None

    def _call(self, fn: Callable[[], Any], *, sending: bool) -> Any:
        try:
            return fn()
        except md.MastodonRatelimitError as exc:
            reset = datetime.fromtimestamp(float(self.api.ratelimit_reset), tz=UTC) if self.api.ratelimit_reset else None
            raise RateLimited(f"Rate limited by Mastodon ({exc}).", reset_at=reset) from exc
        except md.MastodonUnauthorizedError as exc:
            raise AuthFailed(f"Mastodon refused the access token: {_reason(exc)}") from exc
        except md.MastodonServerError as exc:
            cls = OutcomeUnknown if sending else PublishError
            raise cls(f"Mastodon server error: {_reason(exc)}") from exc
        except md.MastodonNotFoundError as exc:
            raise Rejected(f"Mastodon: not found: {_reason(exc)}") from exc
        except md.MastodonAPIError as exc:
            code = _status_code(exc)
            if code == 403:
                raise AuthFailed(f"Mastodon refused the account's permissions: {_reason(exc)}") from exc
            if code == 429:
                raise RateLimited(f"Rate limited by Mastodon ({_reason(exc)}).", reset_at=None) from exc
            if 400 <= code < 500:
                raise Rejected(f"Mastodon refused it: {_reason(exc)}") from exc
            cls = OutcomeUnknown if sending else PublishError
            raise cls(f"Unexpected answer from Mastodon: {_reason(exc)}") from exc
        except md.MastodonNetworkError as exc:
            if _never_connected(exc):
                raise NotSent(f"Could not connect to Mastodon: {exc}") from exc
            cls = OutcomeUnknown if sending else PublishError
            raise cls(f"Connection to Mastodon lost or timed out: {exc}") from exc
        except md.MastodonError as exc:
            cls = OutcomeUnknown if sending else PublishError
            raise cls(f"Unexpected answer from Mastodon: {exc}") from exc

    # --- publisher

    def create(self, *, text: str, in_reply_to: str = "", key: str = "") -> Published:
        if not key:
            raise Rejected("A Mastodon post needs its Idempotency-Key before it is sent.")
        status = self._call(
            lambda: self.api.status_post(text, in_reply_to_id=in_reply_to or None, idempotency_key=key),
            sending=True,
        )
        try:
            remote_id = str(status["id"])
        except (TypeError, KeyError) as exc:
            raise OutcomeUnknown(f"Mastodon answered without a status id: {status!r}") from exc
        return Published(
            remote_id=remote_id, url=str(status.get("url") or ""), posted_at=timezone.now(), exhausted_until=self._exhausted_until()
        )

    def settle_by_key(self, *, key: str, first_attempt_at: datetime | None) -> KeySettlement:
        if first_attempt_at is None or timezone.now() - first_attempt_at > IDEMPOTENCY_WINDOW:
            raise KeyLookupUnavailable("Past Mastodon's idempotency window: reading the account's statuses instead.")
        return KeySettlement(
            found=None,
            detail="Within Mastodon's idempotency window: sending again with the same Idempotency-Key, "
            "which the server answers with the status it stored, if it stored one.",
        )

    def recent(self, *, user_id: str, since: datetime) -> Iterator[RemotePost]:
        max_id = None
        for _page in range(LOOKUP_MAX_PAGES):
            page = self._call(lambda m=max_id: self.api.account_statuses(user_id, limit=40, max_id=m), sending=False)  # type: ignore[misc]
            if not page:
                return
            for status in page:
                created = status.get("created_at")
                if isinstance(created, datetime) and created < since:
                    return
                yield RemotePost(
                    remote_id=str(status["id"]),
                    text=plain_text(str(status.get("content") or "")),
                    created_at=created if isinstance(created, datetime) else None,
                    url=str(status.get("url") or ""),
                )
            max_id = page[-1]["id"]

    def me(self) -> Identity:
        me = self._call(self.api.account_verify_credentials, sending=False)
        return Identity(user_id=str(me["id"]), handle=str(me.get("acct") or me.get("username") or ""))

    def max_characters(self) -> int | None:
        """The instance's own post length (configuration.statuses.max_characters), None when it does not say."""
        instance = self._call(self.api.instance_v2, sending=False)
        try:
            return int(instance["configuration"]["statuses"]["max_characters"])
        except (TypeError, KeyError, ValueError):
            return None

    def bot_label(self) -> str:
        """Make sure the account is flagged as a bot (update_credentials bot=true when it is not)."""
        me = self._call(self.api.account_verify_credentials, sending=False)
        if me.get("bot"):
            return "Set: the account is flagged as a bot."
        self._call(lambda: self.api.account_update_credentials(bot=True), sending=False)
        return "Set now: the account was not flagged as a bot, so the check set its bot flag."

    def mentions(self, *, user_id: str, since_id: str) -> list[RemoteMention]:
        """Notifications of type mention, newest first. `since_id` is the newest status id seen (notification
        ids are another sequence), so the filter is on the status: Mastodon's ids grow with time."""
        found: list[RemoteMention] = []
        page = self._call(lambda: self.api.notifications(types=["mention"], limit=40), sending=False)
        for note in page or []:
            status = note.get("status")
            if not status or (since_id.isdigit() and int(status["id"]) <= int(since_id)):
                continue
            author = status.get("account") or {}
            reblog = status.get("reblog")
            referenced = [{"type": "retweeted", "id": str(reblog["id"])}] if reblog else []
            if status.get("in_reply_to_id"):
                referenced.append({"type": "replied_to", "id": str(status["in_reply_to_id"])})
            created = status.get("created_at")
            found.append(
                RemoteMention(
                    remote_id=str(status["id"]),
                    text=plain_text(str(status.get("content") or "")),
                    author_id=str(author.get("id") or ""),
                    author_username=str(author.get("acct") or author.get("username") or ""),
                    created_at=created if isinstance(created, datetime) else None,
                    conversation_id=str(status.get("conversation_id") or ""),
                    referenced=referenced,
                )
            )
        return found


register(Account.Publisher.MASTODON, MastodonPublisher)
