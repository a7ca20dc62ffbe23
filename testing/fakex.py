"""A fake X API v2: a real local HTTP server for tests, benchmarks and dress rehearsals.

Not part of the product: production code never imports the `testing` package (tests/test_imports.py).
Run it on its own with `python -m testing.fakex --port 8081` (`--allow-duplicates`, `--verbose`).

It implements what the publishers call (POST /2/tweets, GET /2/users/me, GET /2/users/:id/tweets,
GET /2/users/:id/mentions with since_id and the author expansion) in the API's own JSON shapes, and
scriptable faults. Control endpoints (under /_fake/) queue faults, set a random fault rate, register
users, post a mention from someone else and list what was stored:

    POST /_fake/faults  {"faults": [{"kind": "429", "endpoint": "create_tweet", "reset_in": 2}]}
    POST /_fake/chaos   {"rate": 0.1, "kinds": ["429", "500", "timeout_after_store"], "seed": 1}
    POST /_fake/users   {"access_token": "...", "username": "bot", "consumer_key": "...", "consumer_secret": "...",
                         "access_token_secret": "..."}   (with the secrets, every request's OAuth 1.0a signature is checked)
    POST /_fake/mentions {"author": "alice", "text": "@bot hi", "retweet_of": "", "in_reply_to": ""}
    POST /_fake/config  {"reject_duplicates": false, "timeout_delay": 5, "latency": 0.2, "visible_after": 3, "page_cap": 2}
    POST /_fake/reset
    GET  /_fake/tweets  (every stored post, oldest first)   GET /_fake/stats

Fault kinds: 429 (with x-rate-limit-reset), 500 (nothing stored), 500_after_store, timeout_after_store
(stored, then no answer for `delay` seconds), drop_after_store (stored, connection closed), 403_duplicate,
403_forbidden, 401, and what real X answers beside those: 402 (pay-per-use credit used up), 403_reply_deleted and
403_reply_not_mentioned (the two ways X refuses a reply), 429_user_24h and 429_app_24h (the 24-hour posting caps,
with x-user-limit-24hour-* / x-app-limit-24hour-* headers). Add an endpoint: a method on the handler plus a line in
ROUTES.

Like real X (and unlike a plain store): a post may show on timelines only `visible_after` seconds after it was
created, and timeline pages may be short (`page_cap` posts) while still carrying a next_token. testing/x_recorded.json
holds recorded real answers; tests/test_fake_x_fidelity.py checks the fake's against them.
"""

import argparse
import contextlib
import hashlib
import hmac
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse
from urllib.request import Request, urlopen

FAULT_KINDS = (
    "429", "500", "500_after_store", "timeout_after_store", "drop_after_store", "403_duplicate", "403_forbidden", "401",
    "402", "403_reply_deleted", "403_reply_not_mentioned", "429_user_24h", "429_app_24h",
)  # fmt: skip
# X's own words for refused replies (the second since February 2026) and for used-up pay-per-use credit.
REPLY_DELETED = "You attempted to reply to a Tweet that is deleted or not visible to you."
REPLY_NOT_MENTIONED = "You can only reply to or quote posts where you are mentioned or are the author."
# The signed URL is X's own: the publisher's transport redirects the request after tweepy signed it.
SIGNED_BASE = "https://api.twitter.com"
_OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')
FIRST_ID = 1_860_000_000_000_000_000


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def shown(text: str) -> str:
    """A text as X's API gives it back: every link twitter-text finds (bare domains too) becomes a t.co link,
    then `&`, `<` and `>` are HTML-escaped."""
    from html import escape

    from twitter_text import extract_urls_with_indices

    for url in reversed(extract_urls_with_indices(text)):
        start, end = url["indices"]
        text = text[:start] + "https://t.co/" + hashlib.sha256(url["url"].encode()).hexdigest()[:10] + text[end:]
    return escape(text, quote=False)


@dataclass
class Fault:
    kind: str
    endpoint: str = "create_tweet"
    access_token: str = ""
    reset_in: float = 60.0
    delay: float | None = None


@dataclass
class FakeState:
    reject_duplicates: bool = True
    timeout_delay: float = 5.0
    # Seconds each create_tweet takes, as a real API does (a few hundred milliseconds).
    latency: float = 0.0
    # A new post shows on timelines only after this many seconds (real X: eventually consistent reads).
    visible_after: float = 0.0
    # Timeline pages hold at most this many posts (0: as many as asked) and still carry a next_token.
    page_cap: int = 0
    # Show texts as X does: links (bare domains included) as t.co links, then `&`, `<`, `>` HTML-escaped.
    rewrite: bool = False
    # access_token -> the OAuth 1.0a secrets registered for it; such a token's signatures are checked.
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    tweets: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    chaos_rate: float = 0.0
    chaos_kinds: list[str] = field(default_factory=list)
    chaos_reset_in: float = 1.0
    rng: random.Random = field(default_factory=random.Random)
    stats: dict[str, int] = field(default_factory=dict)
    next_id: int = FIRST_ID
    lock: threading.Lock = field(default_factory=threading.Lock)

    def user_for(self, token: str) -> dict[str, str]:
        if token not in self.users:
            number = str(int(hashlib.sha256(token.encode()).hexdigest()[:12], 16))
            self.users[token] = {"id": number, "username": f"user{number[-6:]}", "name": f"User {number[-6:]}"}
        return self.users[token]

    def store(self, *, author: dict[str, str], text: str, in_reply_to: str = "", retweet_of: str = "") -> dict[str, Any]:
        """Keep a post as the API would (call with the lock held): its id, thread and references."""
        tweet_id = str(self.next_id)
        self.next_id += 1
        parent = next((t for t in self.tweets if t["id"] == in_reply_to), None) if in_reply_to else None
        referenced = [{"type": "replied_to", "id": in_reply_to}] if in_reply_to else []
        referenced += [{"type": "retweeted", "id": retweet_of}] if retweet_of else []
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "author_id": author["id"],
            "text": shown(text) if self.rewrite else text,
            "sent_text": text,
            "created_at": _iso(datetime.now(UTC)),
            "stored_at": time.time(),
            "in_reply_to": in_reply_to,
            "conversation_id": parent["conversation_id"] if parent else tweet_id,
            "referenced_tweets": referenced,
            "in_reply_to_user_id": parent["author_id"] if parent else "",
        }
        self.tweets.append(tweet)
        return tweet

    def take_fault(self, endpoint: str, token: str) -> Fault | None:
        for i, fault in enumerate(self.faults):
            if fault.endpoint in (endpoint, "*") and fault.access_token in ("", token):
                return self.faults.pop(i)
        if endpoint == "create_tweet" and self.chaos_rate and self.chaos_kinds and self.rng.random() < self.chaos_rate:
            return Fault(kind=self.rng.choice(self.chaos_kinds), reset_in=self.chaos_reset_in)
        return None


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    # --- plumbing

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8" if not isinstance(body, bytes) else "text/html; charset=utf-8")
        if self.path.startswith("/2/"):
            # Real X sends its 15-minute window on every answer, and never lets a client or proxy keep one.
            self.send_header("Cache-Control", "no-cache, no-store, max-age=0")
            headers = {"x-rate-limit-limit": "200", "x-rate-limit-remaining": "199", "x-rate-limit-reset": str(int(time.time()) + 900)} | (
                headers or {}
            )
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        # The client may have given up waiting (a timeout fault): exactly what was scripted.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)

    def _problem(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"title": title, "detail": detail, "type": "about:blank", "status": status}, headers)

    def _json_body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _token(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return None
        params = {k: unquote(v) for k, v in _OAUTH_PARAM.findall(header)}
        return params.get("oauth_token") or None

    @property
    def state(self) -> FakeState:
        return self.server.state

    def _count(self, name: str) -> None:
        with self.state.lock:
            self.state.stats[name] = self.state.stats.get(name, 0) + 1

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        for route_method, pattern, name in ROUTES:
            match = re.fullmatch(pattern, url.path)
            if route_method == method and match:
                self._count(name)
                getattr(self, name)(query, *match.groups())
                return
        self._problem(404, "Not Found", f"No route for {method} {url.path}")

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    # --- the API

    def _signature_ok(self, token: str) -> bool:
        """The OAuth 1.0a HMAC-SHA1 signature, recomputed with the secrets registered for this token (X's check).

        A JSON body is not signed (requests-oauthlib signs only form bodies); nonce and timestamp are not
        checked for replays.
        """
        registered = self.state.secrets.get(token)
        if registered is None:
            return True  # a token registered without secrets: the old, trusting behaviour
        from oauthlib.common import Request as OAuthRequest
        from oauthlib.oauth1 import Client
        from oauthlib.oauth1.rfc5849.signature import collect_parameters

        header = self.headers.get("Authorization", "")
        given = {k: unquote(v) for k, v in _OAUTH_PARAM.findall(header)}
        if given.get("oauth_consumer_key") != registered["consumer_key"] or given.get("oauth_signature_method") != "HMAC-SHA1":
            return False
        request = OAuthRequest(SIGNED_BASE + self.path, self.command, None, {"Authorization": header})
        request.oauth_params = [(k, v) for k, v in collect_parameters(headers={"Authorization": header}) if k != "oauth_signature"]
        client = Client(
            registered["consumer_key"],
            client_secret=registered["consumer_secret"],
            resource_owner_key=token,
            resource_owner_secret=registered["access_token_secret"],
        )
        return hmac.compare_digest(client.get_oauth_signature(request), given.get("oauth_signature", ""))

    def _authorise(self, endpoint: str) -> tuple[str, dict[str, str], Fault | None] | None:
        token = self._token()
        if token is None:
            self._problem(401, "Unauthorized", "Unauthorized")
            return None
        with self.state.lock:
            signed = self._signature_ok(token)
        if not signed:
            self._problem(401, "Unauthorized", "Unauthorized")
            return None
        with self.state.lock:
            user = self.state.user_for(token)
            fault = self.state.take_fault(endpoint, token)
        if fault and fault.kind == "401":
            self._problem(401, "Unauthorized", "Unauthorized")
            return None
        if fault and fault.kind == "429":
            reset = int(time.time() + fault.reset_in)
            headers = {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
            self._problem(429, "Too Many Requests", "Too Many Requests", headers)
            return None
        if fault and fault.kind in ("429_user_24h", "429_app_24h"):
            # The 15-minute window still has room; the 24-hour cap is what ran out, and resets much later.
            whose = "user" if fault.kind == "429_user_24h" else "app"
            now = int(time.time())
            headers = {
                "x-rate-limit-limit": "100", "x-rate-limit-remaining": "99", "x-rate-limit-reset": str(now + 900),
                f"x-{whose}-limit-24hour-limit": "17", f"x-{whose}-limit-24hour-remaining": "0",
                f"x-{whose}-limit-24hour-reset": str(int(now + fault.reset_in)),
            }  # fmt: skip
            self._problem(429, "Too Many Requests", "Too Many Requests", headers)
            return None
        if fault and fault.kind == "402":
            self._send(
                402,
                {
                    "title": "CreditsDepleted",
                    "detail": "Your enrolled account does not have any credits to fulfill this request.",
                    "type": "https://api.twitter.com/2/problems/credits",
                },
            )
            return None
        if fault and fault.kind in ("403_reply_deleted", "403_reply_not_mentioned"):
            detail = REPLY_DELETED if fault.kind == "403_reply_deleted" else REPLY_NOT_MENTIONED
            self._problem(403, "Forbidden", detail)
            return None
        if fault and fault.kind == "403_forbidden":
            self._problem(403, "Forbidden", "You are not permitted to perform this action.")
            return None
        if fault and fault.kind == "500":
            self._problem(500, "Internal Server Error", "Internal error")
            return None
        return token, user, fault

    def create_tweet(self, query: dict[str, str]) -> None:
        body = self._json_body()
        authorised = self._authorise("create_tweet")
        if authorised is None:
            return
        _token, user, fault = authorised
        if self.state.latency:
            time.sleep(self.state.latency)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            self._problem(400, "Invalid Request", "One or more parameters to your request was invalid.")
            return
        if fault and fault.kind == "403_duplicate":
            self._problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
            return
        with self.state.lock:
            if self.state.reject_duplicates and any(t["author_id"] == user["id"] and t["sent_text"] == text for t in self.state.tweets):
                duplicate = True
            else:
                duplicate = False
                reply = str((body.get("reply") or {}).get("in_reply_to_tweet_id", "") or "")
                stored = self.state.store(author=user, text=text, in_reply_to=reply)
                stored["made_with_ai"] = bool(body.get("made_with_ai", False))
                tweet_id = stored["id"]
            delay = fault.delay if fault and fault.delay is not None else self.state.timeout_delay
        if duplicate:
            self._problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
            return
        if fault and fault.kind == "500_after_store":
            self._problem(503, "Service Unavailable", "Service Unavailable")
            return
        if fault and fault.kind == "drop_after_store":
            self.close_connection = True
            self.connection.shutdown(2)  # socket.SHUT_RDWR: the client sees the connection drop with no answer
            return
        if fault and fault.kind == "timeout_after_store":
            time.sleep(delay)
        self._send(201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}})

    def get_me(self, query: dict[str, str]) -> None:
        authorised = self._authorise("get_me")
        if authorised is None:
            return
        self._send(200, {"data": dict(authorised[1])})

    def _timeline(self, query: dict[str, str], tweets: list[dict[str, Any]]) -> None:
        if since_id := query.get("since_id"):
            tweets = [t for t in tweets if int(t["id"]) > int(since_id)]
        if start := query.get("start_time"):
            since = _parse_iso(start)
            tweets = [t for t in tweets if _parse_iso(t["created_at"]) >= since]
        if end := query.get("end_time"):
            until = _parse_iso(end)
            tweets = [t for t in tweets if _parse_iso(t["created_at"]) <= until]
        if self.state.visible_after:
            shown_before = time.time() - self.state.visible_after
            tweets = [t for t in tweets if t["stored_at"] <= shown_before]
        tweets = sorted(tweets, key=lambda t: int(t["id"]), reverse=True)
        size = max(5, min(100, int(query.get("max_results") or 10)))
        if self.state.page_cap:
            size = min(size, self.state.page_cap)
        offset = int(query.get("pagination_token") or 0)
        page = tweets[offset : offset + size]
        fields = set((query.get("tweet.fields") or "").split(","))
        optional = ("created_at", "author_id", "conversation_id", "referenced_tweets", "in_reply_to_user_id")
        data = [
            {"id": t["id"], "text": t["text"], "edit_history_tweet_ids": [t["id"]]}
            | {name: t[name] for name in optional if name in fields and t.get(name)}
            for t in page
        ]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        if offset + size < len(tweets):
            meta["next_token"] = str(offset + size)
        body: dict[str, Any] = {"data": data, "meta": meta} if data else {"meta": meta}
        if data and "author_id" in (query.get("expansions") or "").split(","):
            with self.state.lock:
                by_id = {u["id"]: u for u in self.state.users.values()}
            authors = {t["author_id"] for t in page}
            body["includes"] = {"users": [dict(by_id[a]) for a in sorted(authors) if a in by_id]}
        self._send(200, body)

    def users_tweets(self, query: dict[str, str], user_id: str) -> None:
        if self._authorise("users_tweets") is None:
            return
        with self.state.lock:
            tweets = [t for t in self.state.tweets if t["author_id"] == user_id]
        self._timeline(query, tweets)

    def users_mentions(self, query: dict[str, str], user_id: str) -> None:
        if self._authorise("users_mentions") is None:
            return
        # Every post naming the user, their own included (a bot may mention itself; the caller must skip those).
        with self.state.lock:
            names = [u["username"] for u in self.state.users.values() if u["id"] == user_id]
            tweets = [t for t in self.state.tweets if any(re.search(rf"@{re.escape(n)}\b", t["text"], re.I) for n in names)]
        self._timeline(query, tweets)

    def status_page(self, query: dict[str, str], handle: str, tweet_id: str) -> None:
        with self.state.lock:
            tweet = next((t for t in self.state.tweets if t["id"] == tweet_id), None)
        if tweet is None:
            self._send(404, b"<p>No such post on the fake X server.</p>")
            return
        from html import escape

        self._send(200, f"<p>@{escape(handle)} on the fake X server:</p><blockquote>{escape(tweet['text'])}</blockquote>".encode())

    # --- control

    def control_faults(self, query: dict[str, str]) -> None:
        faults = [Fault(**f) for f in self._json_body().get("faults", [])]
        bad = [f.kind for f in faults if f.kind not in FAULT_KINDS]
        if bad:
            self._send(400, {"error": f"unknown fault kinds {bad}; known: {list(FAULT_KINDS)}"})
            return
        with self.state.lock:
            self.state.faults.extend(faults)
        self._send(200, {"queued": len(self.state.faults)})

    def control_chaos(self, query: dict[str, str]) -> None:
        body = self._json_body()
        with self.state.lock:
            self.state.chaos_rate = float(body.get("rate", 0))
            self.state.chaos_kinds = list(body.get("kinds", []))
            self.state.chaos_reset_in = float(body.get("reset_in", 1.0))
            self.state.rng = random.Random(body.get("seed"))
        self._send(200, {"rate": self.state.chaos_rate})

    def control_users(self, query: dict[str, str]) -> None:
        body = self._json_body()
        with self.state.lock:
            user = self.state.user_for(str(body["access_token"]))
            if body.get("username"):
                user["username"] = str(body["username"])
                user["name"] = str(body["username"])
            if body.get("consumer_secret"):
                keys = ("consumer_key", "consumer_secret", "access_token_secret")
                self.state.secrets[str(body["access_token"])] = {k: str(body.get(k) or "") for k in keys}
        self._send(200, {"data": user})

    def control_mentions(self, query: dict[str, str]) -> None:
        """Someone (by username; created if new) posts a text, usually naming the bot: a mention to fetch."""
        body = self._json_body()
        author, text = str(body.get("author") or ""), str(body.get("text") or "")
        if not author or not text.strip():
            self._send(400, {"error": "author and text are required"})
            return
        with self.state.lock:
            user = next((u for u in self.state.users.values() if u["username"].lower() == author.lower()), None)
            if user is None:
                user = self.state.user_for(f"author:{author}")
                user["username"] = user["name"] = author
            tweet = self.state.store(
                author=user, text=text, in_reply_to=str(body.get("in_reply_to") or ""), retweet_of=str(body.get("retweet_of") or "")
            )
        self._send(201, {"data": dict(tweet)})

    def control_config(self, query: dict[str, str]) -> None:
        body = self._json_body()
        with self.state.lock:
            if "reject_duplicates" in body:
                self.state.reject_duplicates = bool(body["reject_duplicates"])
            if "timeout_delay" in body:
                self.state.timeout_delay = float(body["timeout_delay"])
            if "latency" in body:
                self.state.latency = float(body["latency"])
            if "visible_after" in body:
                self.state.visible_after = float(body["visible_after"])
            if "page_cap" in body:
                self.state.page_cap = int(body["page_cap"])
            if "rewrite" in body:
                self.state.rewrite = bool(body["rewrite"])
        keys = ("reject_duplicates", "timeout_delay", "latency", "visible_after", "page_cap", "rewrite")
        self._send(200, {key: getattr(self.state, key) for key in keys})

    def control_reset(self, query: dict[str, str]) -> None:
        with self.state.lock:
            self.state.tweets.clear()
            self.state.faults.clear()
            self.state.chaos_rate = 0.0
            self.state.stats.clear()
            self.state.visible_after = 0.0
            self.state.page_cap = 0
            self.state.rewrite = False
        self._send(200, {"reset": True})

    def control_tweets(self, query: dict[str, str]) -> None:
        with self.state.lock:
            tweets = list(self.state.tweets)
        self._send(200, {"data": tweets})

    def control_stats(self, query: dict[str, str]) -> None:
        with self.state.lock:
            stats = dict(self.state.stats) | {"tweets": len(self.state.tweets), "faults_queued": len(self.state.faults)}
        self._send(200, stats)


ROUTES: list[tuple[str, str, str]] = [
    ("POST", r"/2/tweets", "create_tweet"),
    ("GET", r"/2/users/me", "get_me"),
    ("GET", r"/2/users/(\d+)/tweets", "users_tweets"),
    ("GET", r"/2/users/(\d+)/mentions", "users_mentions"),
    ("POST", r"/_fake/faults", "control_faults"),
    ("POST", r"/_fake/chaos", "control_chaos"),
    ("POST", r"/_fake/users", "control_users"),
    ("POST", r"/_fake/mentions", "control_mentions"),
    ("POST", r"/_fake/config", "control_config"),
    ("POST", r"/_fake/reset", "control_reset"),
    ("GET", r"/_fake/tweets", "control_tweets"),
    ("GET", r"/_fake/stats", "control_stats"),
    ("GET", r"/(\w+)/status/(\d+)", "status_page"),
]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many concurrent clients in the benchmark: a longer accept backlog than the default 5.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], *, state: FakeState, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.verbose = verbose


class FakeXServer:
    """The server, in a background thread of this process (or in the foreground: serve_forever)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, reject_duplicates: bool = True, verbose: bool = False) -> None:
        self.state = FakeState(reject_duplicates=reject_duplicates)
        self.httpd = _Server((host, port), state=self.state, verbose=verbose)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "FakeXServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-x-api", daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeXControl:
    """Drives a fake X server over HTTP (it may run in another process)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def fault(
        self, kind: str, *, endpoint: str = "create_tweet", access_token: str = "", reset_in: float = 60.0, delay: float | None = None
    ) -> None:
        fault = {"kind": kind, "endpoint": endpoint, "access_token": access_token, "reset_in": reset_in, "delay": delay}
        self._call("POST", "/_fake/faults", {"faults": [fault]})

    def chaos(self, *, rate: float, kinds: list[str], seed: int = 1, reset_in: float = 1.0) -> None:
        self._call("POST", "/_fake/chaos", {"rate": rate, "kinds": kinds, "seed": seed, "reset_in": reset_in})

    def mention(self, *, author: str, text: str, retweet_of: str = "", in_reply_to: str = "") -> dict[str, Any]:
        body = {"author": author, "text": text, "retweet_of": retweet_of, "in_reply_to": in_reply_to}
        return dict(self._call("POST", "/_fake/mentions", body)["data"])

    def user(self, *, access_token: str, username: str = "", secrets: dict[str, str] | None = None) -> dict[str, str]:
        """Register a user; with `secrets` (consumer_key, consumer_secret, access_token_secret) its signatures are checked."""
        body = {"access_token": access_token, "username": username, **(secrets or {})}
        return dict(self._call("POST", "/_fake/users", body)["data"])

    def config(self, **values: Any) -> dict[str, Any]:
        return dict(self._call("POST", "/_fake/config", values))

    def reset(self) -> None:
        self._call("POST", "/_fake/reset", {})

    def tweets(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_fake/tweets")["data"])

    def stats(self) -> dict[str, int]:
        return dict(self._call("GET", "/_fake/stats"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m testing.fakex",
        description="Run a fake X API v2 server (create post, get me, a user's posts and mentions) with scriptable faults.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--allow-duplicates", action="store_true", help="Store repeated texts instead of refusing them as X does.")
    parser.add_argument("--verbose", action="store_true", help="Log every request.")
    args = parser.parse_args(argv)
    server = FakeXServer(host=args.host, port=args.port, reject_duplicates=not args.allow_duplicates, verbose=args.verbose)
    print(f"Fake X API listening on {server.url} (set X_API_BASE_URL={server.url}); control under {server.url}/_fake/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
