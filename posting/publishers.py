"""Publishers: where a post goes. `x` posts through tweepy (X API v2), `dryrun` records what it would post.

Every publisher sorts each failure into one of the exceptions below, because the delivery rules in
posting.delivery differ by kind: a rate limit waits, an unknown outcome is looked up before any retry,
a duplicate fails, refused credentials pause the account. Register another publisher with `register`.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import requests
import tweepy
from django.conf import settings
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from posting.crypto import CREDENTIAL_FIELDS, credentials_decrypt
from posting.models import Account, DryRunTweet

X_API = "https://api.twitter.com"
# The most the lookup reads back through a user's timeline to settle an unknown outcome.
LOOKUP_MAX_PAGES = 10


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str
    posted_at: datetime
    # Set when the answer's rate-limit headers say nothing is left in the window: the account waits until then.
    exhausted_until: datetime | None = None


@dataclass(frozen=True)
class RemotePost:
    remote_id: str
    text: str
    created_at: datetime | None
    url: str


@dataclass(frozen=True)
class RemoteMention:
    remote_id: str
    text: str
    author_id: str
    author_username: str
    created_at: datetime | None
    conversation_id: str
    referenced: list[dict[str, str]]


@dataclass(frozen=True)
class Identity:
    user_id: str
    handle: str


@dataclass(frozen=True)
class KeySettlement:
    """What the post's send key says about an unknown outcome: found (sent), or None: safe to send again with that key."""

    found: "RemotePost | None"
    detail: str


class KeyLookupUnavailable(Exception):
    """The network cannot settle by the post's key (X; Mastodon past its idempotency window): read the timeline instead."""


class PublishError(Exception):
    """Base of every publisher failure; str() is the reason shown to people."""


class RateLimited(PublishError):
    def __init__(self, message: str, *, reset_at: datetime | None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class OutcomeUnknown(PublishError):
    """The request may have reached the API: it must be looked up before any retry."""


class NotSent(PublishError):
    """Nothing reached the API (no connection was made): safe to try again."""


class DuplicateContent(PublishError):
    pass


class AuthFailed(PublishError):
    """The API refused the account's credentials or permissions."""


class OutOfCredit(AuthFailed):
    """The account (its developer app) has no credit left: like refused credentials, it pauses the account and
    keeps its posts queued until the owner tops it up and resumes."""


class Rejected(PublishError):
    """The API refused this post for good (bad request and the like)."""


class Publisher(Protocol):
    def create(self, *, text: str, in_reply_to: str = "", key: str = "") -> Published:
        """Post once. `key` is the post's send key (posting.networks.send_key_new), the same on every attempt."""
        ...

    def settle_by_key(self, *, key: str, first_attempt_at: datetime | None) -> KeySettlement:
        """Settle an unknown outcome by the post's key; KeyLookupUnavailable when the network cannot."""
        ...

    def recent(self, *, user_id: str, since: datetime) -> Iterator[RemotePost]:
        """The account's posts since `since`, newest first, fetched page by page as the caller reads on."""
        ...

    def me(self) -> Identity: ...

    def mentions(self, *, user_id: str, since_id: str) -> list[RemoteMention]:
        """Posts naming the account newer than `since_id` (all recent ones when empty), newest first."""
        ...


PublisherFactory = Callable[[Account], Publisher]
_REGISTRY: dict[str, PublisherFactory] = {}


def register(name: str, factory: PublisherFactory) -> None:
    _REGISTRY[name] = factory


def publisher_for(account: Account) -> Publisher:
    try:
        factory = _REGISTRY[account.publisher]
    except KeyError:
        raise Rejected(f"Unknown publisher {account.publisher!r} for account {account.name}.") from None
    return factory(account)


# --- X through tweepy.


class _XTransport(HTTPAdapter):
    """Gives every API call a timeout (tweepy sets none) and, for a local fake, sends it elsewhere.

    tweepy 4.17 hard-codes https://api.twitter.com; this adapter is mounted on that prefix of the
    client's requests.Session, so the production code path is what the fake X server sees.
    """

    def __init__(self, *, base_url: str | None, timeout: tuple[float, float]) -> None:
        super().__init__(max_retries=0)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        if self.base_url and request.url and request.url.startswith(X_API):
            request.url = self.base_url + request.url[len(X_API) :]
            kwargs["proxies"] = {}
        return super().send(request, *args, **kwargs)


# What X answers (403) to a reply it will not take: the post it answers is gone or hidden, or, since February 2026,
# the bot was not mentioned by it. Only that reply fails; the account keeps posting.
_REPLY_REFUSALS = ("deleted or not visible to you", "you can only reply to", "reply to or quote")
# X's 24-hour posting caps, per user and per app, beside the 15-minute window of x-rate-limit-*.
_DAY_LIMITS = (("x-user-limit-24hour", "user"), ("x-app-limit-24hour", "app"))


def _rate_limit(exc: tweepy.TooManyRequests) -> RateLimited:
    """The latest reset among the windows that are used up: the 24-hour caps wait until their own reset."""
    headers = getattr(exc.response, "headers", None) or {}
    reset = datetime.fromtimestamp(exc.reset_time, tz=UTC) if exc.reset_time else None
    capped: list[str] = []
    for prefix, whose in _DAY_LIMITS:
        remaining, day_reset = headers.get(f"{prefix}-remaining"), headers.get(f"{prefix}-reset")
        if remaining == "0" and day_reset and day_reset.isdigit():
            capped.append(whose)
            at = datetime.fromtimestamp(int(day_reset), tz=UTC)
            reset = max(reset, at) if reset else at
    if capped:
        return RateLimited(f"X's 24-hour posting cap ({' and '.join(capped)}) is used up ({_api_message(exc)}).", reset_at=reset)
    return RateLimited(f"Rate limited by X ({_api_message(exc)}).", reset_at=reset)


def _api_message(exc: tweepy.HTTPException) -> str:
    response = exc.response
    body = ""
    try:
        data = response.json()
        body = data.get("detail") or "; ".join(str(m) for m in exc.api_messages) or data.get("title", "")
    except ValueError:
        body = (getattr(response, "text", "") or "")[:200]
    return f"{getattr(response, 'status_code', '?')} {body}".strip()


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class XPublisher:
    @sensitive_variables("creds")
    def __init__(self, account: Account) -> None:
        creds = credentials_decrypt(account.credentials_encrypted)
        missing = [f for f in CREDENTIAL_FIELDS if not creds.get(f)]
        if missing:
            raise AuthFailed(f"Account {account.name} has no credentials ({', '.join(missing)} missing): set them on the Accounts page.")
        self.account = account
        self.client = tweepy.Client(**{f: creds[f] for f in CREDENTIAL_FIELDS})
        base = settings.X_API_BASE_URL
        if base:
            self.client.session.trust_env = False
        timeout = (float(settings.X_API_CONNECT_TIMEOUT), float(settings.X_API_TIMEOUT))
        self.client.session.mount(X_API, _XTransport(base_url=base, timeout=timeout))

    def url_for(self, remote_id: str) -> str:
        web = (settings.X_API_BASE_URL or "https://x.com").rstrip("/")
        return f"{web}/{self.account.handle or 'i/web'}/status/{remote_id}"

    def _call(self, fn: Callable[..., Any], *args: Any, sending: bool, **kwargs: Any) -> Any:
        """Call tweepy and sort the failure. `sending`: whether the call may have changed something remotely."""
        try:
            return fn(*args, **kwargs)
        except tweepy.TooManyRequests as exc:
            raise _rate_limit(exc) from exc
        except tweepy.Unauthorized as exc:
            raise AuthFailed(f"X refused the credentials: {_api_message(exc)}") from exc
        except tweepy.Forbidden as exc:
            message = _api_message(exc)
            if "duplicate" in message.lower():
                raise DuplicateContent(f"X refused it as duplicate content: {message}") from exc
            if any(refusal in message.lower() for refusal in _REPLY_REFUSALS):
                raise Rejected(f"X refused the reply: {message}") from exc
            raise AuthFailed(f"X refused the account's permissions: {message}") from exc
        except tweepy.TwitterServerError as exc:
            cls = OutcomeUnknown if sending else PublishError
            raise cls(f"X server error: {_api_message(exc)}") from exc
        except tweepy.HTTPException as exc:
            if getattr(exc.response, "status_code", None) == 402:
                raise OutOfCredit(
                    f"X says the account is out of credit: {_api_message(exc)}. Add credit, then resume the account."
                ) from exc
            raise Rejected(f"X rejected it: {_api_message(exc)}") from exc
        except requests.ConnectTimeout as exc:
            raise NotSent(f"Could not connect to X: {exc}") from exc
        except requests.ConnectionError as exc:
            if _never_connected(exc):
                raise NotSent(f"Could not connect to X: {exc}") from exc
            cls = OutcomeUnknown if sending else PublishError
            raise cls(f"Connection to X lost: {exc}") from exc
        except requests.Timeout as exc:
            cls = OutcomeUnknown if sending else PublishError
            raise cls(f"X did not answer in time: {exc}") from exc
        except (requests.RequestException, ValueError) as exc:
            cls = OutcomeUnknown if sending else PublishError
            raise cls(f"Unexpected answer from X: {exc}") from exc

    def settle_by_key(self, *, key: str, first_attempt_at: datetime | None) -> KeySettlement:
        raise KeyLookupUnavailable("X posts carry no key of ours.")

    def create(self, *, text: str, in_reply_to: str = "", key: str = "") -> Published:
        if self.account.made_with_ai:
            data = self._create_made_with_ai(text=text, in_reply_to=in_reply_to)
        else:
            kwargs: dict[str, Any] = {"text": text, "user_auth": True}
            if in_reply_to:
                kwargs["in_reply_to_tweet_id"] = in_reply_to
            data = self._call(self.client.create_tweet, sending=True, **kwargs).data
        try:
            remote_id = str(data["id"])
        except (TypeError, KeyError) as exc:
            raise OutcomeUnknown(f"X answered without a post id: {data!r}") from exc
        return Published(remote_id=remote_id, url=self.url_for(remote_id), posted_at=timezone.now())

    def _create_made_with_ai(self, *, text: str, in_reply_to: str) -> Any:
        """POST /2/tweets with `made_with_ai`, which create_tweet has no parameter for: the same client's
        request() signs it (OAuth 1.0a user context) and sorts the errors as create_tweet would."""
        body: dict[str, Any] = {"text": text, "made_with_ai": True}
        if in_reply_to:
            body["reply"] = {"in_reply_to_tweet_id": in_reply_to}
        response = self._call(self.client.request, "POST", "/2/tweets", json=body, user_auth=True, sending=True)
        try:
            return response.json().get("data")
        except ValueError as exc:
            raise OutcomeUnknown(f"X answered without JSON: {exc}") from exc

    def recent(self, *, user_id: str, since: datetime) -> Iterator[RemotePost]:
        token = None
        for _page in range(LOOKUP_MAX_PAGES):
            kwargs: dict[str, Any] = {"max_results": 100, "start_time": since, "tweet_fields": ["created_at"], "user_auth": True}
            if token:
                kwargs["pagination_token"] = token
            response = self._call(self.client.get_users_tweets, user_id, sending=False, **kwargs)
            for tweet in response.data or []:
                created = tweet.created_at if isinstance(tweet.created_at, datetime) else _parse_time(tweet.get("created_at"))
                yield RemotePost(remote_id=str(tweet.id), text=tweet.text, created_at=created, url=self.url_for(str(tweet.id)))
            token = (response.meta or {}).get("next_token")
            if not token:
                break

    def mentions(self, *, user_id: str, since_id: str) -> list[RemoteMention]:
        found: list[RemoteMention] = []
        token = None
        for _page in range(LOOKUP_MAX_PAGES):
            kwargs: dict[str, Any] = {
                "max_results": 100,
                "expansions": ["author_id"],
                "tweet_fields": ["author_id", "created_at", "conversation_id", "referenced_tweets"],
                "user_fields": ["username"],
                "user_auth": True,
            }
            if since_id:
                kwargs["since_id"] = since_id
            if token:
                kwargs["pagination_token"] = token
            response = self._call(self.client.get_users_mentions, user_id, sending=False, **kwargs)
            users = {str(u.id): str(u.username) for u in (response.includes or {}).get("users", [])}
            for tweet in response.data or []:
                created = tweet.created_at if isinstance(tweet.created_at, datetime) else _parse_time(tweet.get("created_at"))
                found.append(
                    RemoteMention(
                        remote_id=str(tweet.id),
                        text=tweet.text,
                        author_id=str(tweet.author_id or ""),
                        author_username=users.get(str(tweet.author_id), ""),
                        created_at=created,
                        conversation_id=str(tweet.conversation_id or ""),
                        referenced=[{"type": str(r.type), "id": str(r.id)} for r in (tweet.referenced_tweets or [])],
                    )
                )
            token = (response.meta or {}).get("next_token")
            if not token:
                break
        return found

    def me(self) -> Identity:
        response = self._call(self.client.get_me, sending=False, user_auth=True)
        if not response.data:
            raise PublishError("X answered get_me without a user.")
        return Identity(user_id=str(response.data.id), handle=str(response.data.username))


def _never_connected(exc: requests.ConnectionError) -> bool:
    reason: BaseException | None = exc
    for _depth in range(6):
        if reason is None:
            break
        if isinstance(reason, NewConnectionError):
            return True
        reason = getattr(reason, "reason", None) or (reason.args[0] if reason.args and isinstance(reason.args[0], BaseException) else None)
    return False


# --- Dry run: records the post in the database instead of sending it.


class DryRunPublisher:
    def __init__(self, account: Account) -> None:
        self.account = account

    def settle_by_key(self, *, key: str, first_attempt_at: datetime | None) -> KeySettlement:
        raise KeyLookupUnavailable("Dry-run posts carry no key.")

    def create(self, *, text: str, in_reply_to: str = "", key: str = "") -> Published:
        row = DryRunTweet.objects.create(account=self.account, text=text, in_reply_to_id=in_reply_to)
        return Published(remote_id=f"dry-{row.pk}", url="", posted_at=row.created_at)

    def recent(self, *, user_id: str, since: datetime) -> Iterator[RemotePost]:
        for r in DryRunTweet.objects.filter(account=self.account, created_at__gte=since).iterator():
            yield RemotePost(remote_id=f"dry-{r.pk}", text=r.text, created_at=r.created_at, url="")

    def me(self) -> Identity:
        return Identity(user_id=f"dry-{self.account.pk}", handle=self.account.handle or self.account.name)

    def mentions(self, *, user_id: str, since_id: str) -> list[RemoteMention]:
        """Nobody can mention a dry-run account: its mentions are simulated (posting.mentions.mention_simulate)."""
        return []


register(Account.Publisher.X, XPublisher)
register(Account.Publisher.DRYRUN, DryRunPublisher)
