"""The `bluesky` publisher: posts are records in the account's repository, created through the atproto SDK.

Exactly once by record key: the Post's TID (`Post.send_key`, chosen before the first send) is the rkey of
every create. An unknown outcome is settled by reading the record by that key: found means sent, not
found means it is safe to create it again with the same key. A second create of a key that exists fails
with a plain 500 (the PDS says "There is already a value at key"), which is never read as "already sent":
it goes to unknown, and the read by key settles it.

Logging in is rate limited (30 per 5 minutes, a few hundred a day), so the session of each account is kept
in the process and refreshed by the SDK, not made again for every post.
"""

import hashlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
from atproto import Client, models
from atproto_client import exceptions as at
from atproto_client.request import Request
from django.conf import settings
from django.utils import timezone

from posting.crypto import credentials_decrypt
from posting.models import Account
from posting.networks import BLUESKY_DEFAULT_SERVER
from posting.publishers import (
    AuthFailed,
    Identity,
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

POST_COLLECTION = "app.bsky.feed.post"
PROFILE_COLLECTION = "app.bsky.actor.profile"
# The self-label Bluesky asks automated accounts to carry on their profile record.
BOT_LABEL = "bot"


class _HeadersRequest(Request):
    """The SDK's request, remembering each answer's headers (per thread): the SDK returns models without them,
    and the ratelimit-* headers of a successful create say when the account's window is used up."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.local = threading.local()

    def _send_request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.local.headers = None
        response = super()._send_request(method, url, **kwargs)
        self.local.headers = response.headers
        return response

    def exhausted_until(self) -> datetime | None:
        headers = getattr(self.local, "headers", None)
        if headers is None:
            return None
        try:
            remaining, reset = int(headers.get("ratelimit-remaining", "")), int(headers.get("ratelimit-reset", ""))
        except ValueError:
            return None
        return datetime.fromtimestamp(reset, tz=UTC) if remaining <= 0 else None


_sessions: dict[tuple[int, str], Client] = {}
_sessions_lock = threading.RLock()


def _message(exc: at.RequestErrorBase) -> str:
    text = str(exc)
    return text if text and text != "None" else type(exc).__name__


def _never_connected(exc: BaseException) -> bool:
    """A connection that was never made (refused, or the connect timed out): nothing reached the server."""
    seen: BaseException | None = exc
    for _depth in range(6):
        if seen is None:
            return False
        if isinstance(seen, httpx.ConnectError | httpx.ConnectTimeout):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def server_url(account: Account) -> str:
    return (account.server_url or BLUESKY_DEFAULT_SERVER).rstrip("/")


class BlueskyPublisher:
    def __init__(self, account: Account) -> None:
        creds = credentials_decrypt(account.credentials_encrypted)
        if not creds.get("identifier") or not creds.get("app_password"):
            raise AuthFailed(f"Account {account.name} has no Bluesky credentials: set its handle and app password on the Accounts page.")
        self.account = account
        self._creds = creds

    # --- session

    def _client(self) -> Client:
        """The account's logged-in client, kept for the life of the process (login is rate limited)."""
        fingerprint = hashlib.sha256(self.account.credentials_encrypted.encode() + server_url(self.account).encode()).hexdigest()
        key = (self.account.pk, fingerprint)
        with _sessions_lock:
            client = _sessions.get(key)
            if client is not None:
                return client
            timeout = httpx.Timeout(float(settings.X_API_TIMEOUT), connect=float(settings.X_API_CONNECT_TIMEOUT))
            client = Client(base_url=server_url(self.account), request=_HeadersRequest(timeout=timeout, trust_env=False))
            # No AppView is needed to post: the profile (an AppView read) is fetched only by the account check.
            self._call(
                lambda: client.login(self._creds["identifier"], self._creds["app_password"], fetch_bsky_profile=False), sending=False
            )
            _sessions[key] = client
            return client

    def _did(self, client: Client) -> str:
        session = client._session
        if session is None:
            raise PublishError("Bluesky: no session after logging in.")
        return str(session.did)

    def _call(self, fn: Callable[[], Any], *, sending: bool) -> Any:
        """Call the SDK and sort the failure. `sending`: whether the call may have changed something remotely."""
        try:
            return fn()
        except at.RateLimitExceededError as exc:
            raise RateLimited(f"Rate limited by Bluesky ({_message(exc)}).", reset_at=exc.reset_at) from exc
        except at.UnauthorizedError as exc:
            self._forget()
            raise AuthFailed(f"Bluesky refused the credentials: {_message(exc)}") from exc
        except at.BadRequestError as exc:
            raise Rejected(f"Bluesky refused it: {_message(exc)}") from exc
        except (at.NetworkError, httpx.TransportError) as exc:
            if _never_connected(exc):
                raise NotSent(f"Could not connect to Bluesky: {exc!r}") from exc
            cls = OutcomeUnknown if sending else PublishError
            raise cls(
                f"Connection to Bluesky lost or timed out: {_message(exc) if isinstance(exc, at.RequestErrorBase) else exc!r}"
            ) from exc
        except at.RequestErrorBase as exc:
            # 5xx, including the 500 of a second create with an existing key: never read as "already there".
            cls = OutcomeUnknown if sending else PublishError
            raise cls(f"Bluesky server error: {_message(exc)}") from exc
        except at.AtProtocolError as exc:
            cls = OutcomeUnknown if sending else PublishError
            raise cls(f"Unexpected answer from Bluesky: {exc!r}") from exc

    def _forget(self) -> None:
        with _sessions_lock:
            for key in [k for k in _sessions if k[0] == self.account.pk]:
                del _sessions[key]

    # --- publisher

    def url_for(self, uri: str) -> str:
        rkey = uri.rsplit("/", 1)[-1]
        return f"https://bsky.app/profile/{self.account.handle or uri.split('/')[2]}/post/{rkey}"

    def create(self, *, text: str, in_reply_to: str = "", key: str = "") -> Published:
        if not key:
            raise Rejected("A Bluesky post needs its record key before it is sent.")
        client = self._client()
        record: dict[str, Any] = {"$type": POST_COLLECTION, "text": text, "createdAt": client.get_current_time_iso()}
        if in_reply_to:
            record["reply"] = self._reply_refs(client, in_reply_to)
        did = self._did(client)
        data = models.ComAtprotoRepoCreateRecord.Data(repo=did, collection=POST_COLLECTION, rkey=key, record=record)
        response = self._call(lambda: client.com.atproto.repo.create_record(data), sending=True)
        request = client.request
        exhausted = request.exhausted_until() if isinstance(request, _HeadersRequest) else None
        return Published(
            remote_id=str(response.uri), url=self.url_for(str(response.uri)), posted_at=timezone.now(), exhausted_until=exhausted
        )

    def _reply_refs(self, client: Client, parent_uri: str) -> dict[str, Any]:
        """Strong refs (uri + cid) of the parent and of its thread's root, read from the parent record."""
        parts = parent_uri.removeprefix("at://").split("/")
        if len(parts) != 3:
            raise Rejected(f"Not a Bluesky post to reply to: {parent_uri}")
        params = models.ComAtprotoRepoGetRecord.Params(repo=parts[0], collection=parts[1], rkey=parts[2])
        parent = self._call(lambda: client.com.atproto.repo.get_record(params), sending=False)
        parent_ref = {"uri": str(parent.uri), "cid": str(parent.cid)}
        value = parent.value
        reply = value.get("reply") if isinstance(value, dict) else getattr(value, "reply", None)
        root = parent_ref
        if reply:
            root_ref = reply["root"] if isinstance(reply, dict) else reply.root
            root = {"uri": str(_get(root_ref, "uri")), "cid": str(_get(root_ref, "cid"))}
        return {"root": root, "parent": parent_ref}

    def settle_by_key(self, *, key: str, first_attempt_at: datetime | None) -> KeySettlement:
        """Read the record by its key: found is sent (with its URI); RecordNotFound means safe to create again."""
        client = self._client()
        params = models.ComAtprotoRepoGetRecord.Params(repo=self._did(client), collection=POST_COLLECTION, rkey=key)

        def read() -> Any:
            try:
                return client.com.atproto.repo.get_record(params)
            except at.BadRequestError as exc:
                if getattr(getattr(exc.response, "content", None), "error", "") == "RecordNotFound":
                    return None
                raise

        record = self._call(read, sending=False)
        if record is None:
            return KeySettlement(found=None, detail=f"No record at key {key}: safe to create it with the same key.")
        text = str(_get(record.value, "text") or "")
        created = _parse_time(str(_get(record.value, "created_at") or _get(record.value, "createdAt") or ""))
        uri = str(record.uri)
        return KeySettlement(found=RemotePost(remote_id=uri, text=text, created_at=created, url=self.url_for(uri)), detail=uri)

    def recent(self, *, user_id: str, since: datetime) -> Iterator[RemotePost]:
        client = self._client()
        cursor = None
        for _page in range(10):
            params = models.ComAtprotoRepoListRecords.Params(repo=self._did(client), collection=POST_COLLECTION, limit=100, cursor=cursor)
            page = self._call(lambda p=params: client.com.atproto.repo.list_records(p), sending=False)  # type: ignore[misc]
            for item in page.records:
                created = _parse_time(str(_get(item.value, "created_at") or _get(item.value, "createdAt") or ""))
                if created is not None and created < since:
                    return
                yield RemotePost(
                    remote_id=str(item.uri), text=str(_get(item.value, "text") or ""), created_at=created, url=self.url_for(item.uri)
                )
            cursor = page.cursor
            if not cursor:
                return

    def me(self) -> Identity:
        client = self._client()
        session = self._call(lambda: client.com.atproto.server.get_session(), sending=False)
        return Identity(user_id=str(session.did), handle=str(session.handle))

    def bot_label(self) -> str:
        """Whether the profile record carries the automated-account self-label, in words."""
        client = self._client()
        params = models.ComAtprotoRepoGetRecord.Params(repo=self._did(client), collection=PROFILE_COLLECTION, rkey="self")
        try:
            record = client.com.atproto.repo.get_record(params)
        except at.BadRequestError:
            return f"Missing: the account has no profile record, so no “{BOT_LABEL}” self-label. Bluesky asks bots to label themselves."
        except at.AtProtocolError as exc:
            return f"Not checked: {exc!r}"[:300]
        labels = _get(record.value, "labels")
        values = [str(_get(v, "val")) for v in (_get(labels, "values") or [])] if labels else []
        if BOT_LABEL in values:
            return f"Set: the profile carries the “{BOT_LABEL}” self-label."
        return f"Missing: the profile does not carry the “{BOT_LABEL}” self-label. Bluesky asks bots to label themselves."

    def mentions(self, *, user_id: str, since_id: str) -> list[RemoteMention]:
        """Notifications of reason "mention" (served by the AppView, through the PDS), newest first.

        `since_id` is not used: notification order is by indexing time, not by URI; the mention's URI is
        stored once per account (Mention's unique constraint), so a mention seen before is skipped there.
        """
        client = self._client()
        params = models.AppBskyNotificationListNotifications.Params(limit=50, reasons=["mention"])
        page = self._call(lambda: client.app.bsky.notification.list_notifications(params), sending=False)
        found: list[RemoteMention] = []
        for note in page.notifications:
            if note.reason != "mention":
                continue
            record = note.record
            reply = _get(record, "reply")
            parent = str(_get(_get(reply, "parent"), "uri") or "") if reply else ""
            root = str(_get(_get(reply, "root"), "uri") or "") if reply else ""
            found.append(
                RemoteMention(
                    remote_id=str(note.uri),
                    text=str(_get(record, "text") or ""),
                    author_id=str(note.author.did),
                    author_username=str(note.author.handle),
                    created_at=_parse_time(str(_get(record, "created_at") or _get(record, "createdAt") or "")),
                    conversation_id=root or str(note.uri),
                    referenced=[{"type": "replied_to", "id": parent}] if parent else [],
                )
            )
        return found


def _get(value: Any, name: str) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def _parse_time(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


register(Account.Publisher.BLUESKY, BlueskyPublisher)
