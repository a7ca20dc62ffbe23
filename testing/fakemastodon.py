"""A fake Mastodon API: a real local HTTP server for tests and benchmarks (never imported by production code).

No Mastodon server installs from the registries here, so this speaks the part of its API the publisher
uses, in its JSON shapes: verify_credentials, update_credentials (the bot flag), /api/v2/instance
(configuration.statuses.max_characters), POST /api/v1/statuses with Idempotency-Key (a repeat of a key
within the window answers the status already stored, as Mastodon does for an hour), an account's statuses
(newest first, max_id paging), notifications of type mention, and X-RateLimit-* headers on every answer.

Scriptable faults, as the fake X server's (POST /_fake/faults, /_fake/chaos): 429 (X-RateLimit-Remaining 0
and the reset), 500 (nothing stored), 500_after_store, timeout_after_store, drop_after_store, 401, 422
(text refused). Control: /_fake/users, /_fake/mentions, /_fake/config, /_fake/statuses, /_fake/stats.
"""

import contextlib
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse
from urllib.request import Request, urlopen

FAULT_KINDS = ("429", "500", "500_after_store", "timeout_after_store", "drop_after_store", "401", "422")
URL_LENGTH = 23
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def status_length(text: str) -> int:
    return len(_URL.sub("x" * URL_LENGTH, text))


def html_content(text: str) -> str:
    """Plain text as Mastodon renders it: paragraphs, line breaks, escaped."""
    paragraphs = list(re.split(r"\n{2,}", text))
    return "".join("<p>" + escape(p).replace("\n", "<br />") + "</p>" for p in paragraphs)


@dataclass
class Fault:
    kind: str
    endpoint: str = "create_status"
    access_token: str = ""
    reset_in: float = 60.0
    delay: float | None = None


@dataclass
class FakeState:
    domain: str = "fake.mastodon.test"
    max_characters: int = 500
    timeout_delay: float = 5.0
    latency: float = 0.0
    idempotency_window: float = 3600.0
    rate_limit: int = 300
    statuses: list[dict[str, Any]] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (account id, Idempotency-Key) → (status id, when stored)
    keys: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    chaos_rate: float = 0.0
    chaos_kinds: list[str] = field(default_factory=list)
    chaos_reset_in: float = 1.0
    rng: random.Random = field(default_factory=random.Random)
    stats: dict[str, int] = field(default_factory=dict)
    next_id: int = 110_000_000_000_000_000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def account(self, *, token: str = "", username: str = "") -> dict[str, Any]:
        """The account of a token (or of a username, for authors of mentions), created on first use."""
        key = token or f"user:{username}"
        if key not in self.accounts:
            name = username or f"user{len(self.accounts) + 1}"
            self.accounts[key] = {
                "id": self.new_id(),
                "username": name,
                "acct": name,
                "display_name": name,
                "locked": False,
                "bot": False,
                "group": False,
                "discoverable": True,
                "created_at": _iso(datetime.now(UTC)),
                "note": "",
                "url": f"https://{self.domain}/@{name}",
                "uri": f"https://{self.domain}/users/{name}",
                "avatar": "",
                "avatar_static": "",
                "header": "",
                "header_static": "",
                "followers_count": 0,
                "following_count": 0,
                "statuses_count": 0,
                "last_status_at": None,
                "emojis": [],
                "fields": [],
            }
        return self.accounts[key]

    def store(self, *, author: dict[str, Any], text: str, in_reply_to: str = "") -> dict[str, Any]:
        status_id = self.new_id()
        parent = next((s for s in self.statuses if s["id"] == in_reply_to), None) if in_reply_to else None
        mentions = []
        for name in re.findall(r"(?<![\w/])@(\w+)", text):
            target = next((a for a in self.accounts.values() if a["username"].lower() == name.lower()), None)
            if target is not None:
                mentions.append({"id": target["id"], "username": target["username"], "acct": target["acct"], "url": target["url"]})
        status = {
            "id": status_id,
            "uri": f"https://{self.domain}/users/{author['username']}/statuses/{status_id}",
            "url": f"https://{self.domain}/@{author['username']}/{status_id}",
            "created_at": _iso(datetime.now(UTC)),
            "account": dict(author),
            "content": html_content(text),
            "text_source": text,
            "visibility": "public",
            "sensitive": False,
            "spoiler_text": "",
            "media_attachments": [],
            "mentions": mentions,
            "tags": [],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "in_reply_to_id": in_reply_to or None,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None,
            "reblog": None,
            "language": "en",
        }
        self.statuses.append(status)
        author["statuses_count"] += 1
        for m in mentions:
            if m["id"] != author["id"]:
                self.notifications.append(
                    {
                        "id": self.new_id(),
                        "type": "mention",
                        "created_at": status["created_at"],
                        "account": dict(author),
                        "status": status,
                        "to": m["id"],
                    }
                )
        return status

    def take_fault(self, endpoint: str, token: str) -> Fault | None:
        for i, fault in enumerate(self.faults):
            if fault.endpoint in (endpoint, "*") and fault.access_token in ("", token):
                return self.faults.pop(i)
        if endpoint == "create_status" and self.chaos_rate and self.chaos_kinds and self.rng.random() < self.chaos_rate:
            return Fault(kind=self.rng.choice(self.chaos_kinds), reset_in=self.chaos_reset_in)
        return None


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    @property
    def state(self) -> FakeState:
        return self.server.state

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        reset = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=5)
        limits = {"X-RateLimit-Limit": str(self.state.rate_limit), "X-RateLimit-Remaining": str(self.state.rate_limit - 1)}
        limits["X-RateLimit-Reset"] = _iso(reset)
        for key, value in (limits | (headers or {})).items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error": message}, headers)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                data = json.loads(raw or b"{}")
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}
        return {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}

    def _token(self) -> str:
        header = self.headers.get("Authorization", "")
        return header[len("Bearer ") :] if header.startswith("Bearer ") else ""

    def _count(self, name: str) -> None:
        with self.state.lock:
            self.state.stats[name] = self.state.stats.get(name, 0) + 1

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        query = dict(parse_qs(url.query).items())
        path = url.path.rstrip("/") or "/"  # Rails routes answer with or without the trailing slash
        for route_method, pattern, name in ROUTES:
            match = re.fullmatch(pattern, path)
            if route_method == method and match:
                self._count(name)
                getattr(self, name)(query, *match.groups())
                return
        self._error(404, "Record not found")

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    # --- the API

    def _authorise(self, endpoint: str) -> tuple[dict[str, Any], Fault | None] | None:
        token = self._token()
        with self.state.lock:
            known = token in self.state.accounts
            fault = self.state.take_fault(endpoint, token) if known else None
            account = self.state.accounts.get(token)
        if not known or account is None or (fault and fault.kind == "401"):
            self._error(401, "The access token is invalid")
            return None
        if fault and fault.kind == "429":
            reset = datetime.now(UTC) + timedelta(seconds=fault.reset_in)
            self._error(429, "Too many requests", {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": _iso(reset)})
            return None
        if fault and fault.kind == "500":
            self._error(500, "Internal server error")
            return None
        return account, fault

    def verify_credentials(self, query: dict[str, list[str]]) -> None:
        authorised = self._authorise("verify_credentials")
        if authorised is not None:
            self._send(200, dict(authorised[0]))

    def update_credentials(self, query: dict[str, list[str]]) -> None:
        body = self._body()
        authorised = self._authorise("update_credentials")
        if authorised is None:
            return
        with self.state.lock:
            if "bot" in body:
                authorised[0]["bot"] = str(body["bot"]).lower() in ("1", "true", "t", "on")
            result = dict(authorised[0])
        self._send(200, result)

    def instance(self, query: dict[str, list[str]]) -> None:
        config = {"statuses": {"max_characters": self.state.max_characters, "max_media_attachments": 4, "characters_reserved_per_url": 23}}
        self._send(200, {"domain": self.state.domain, "title": "Fake Mastodon", "version": "4.3.0", "configuration": config})

    def create_status(self, query: dict[str, list[str]]) -> None:
        body = self._body()
        authorised = self._authorise("create_status")
        if authorised is None:
            return
        author, fault = authorised
        if self.state.latency:
            time.sleep(self.state.latency)
        text = str(body.get("status") or "")
        if not text.strip():
            self._error(422, "Validation failed: Text can't be blank")
            return
        if (fault and fault.kind == "422") or status_length(text) > self.state.max_characters:
            self._error(422, f"Validation failed: Text character limit of {self.state.max_characters} exceeded")
            return
        key = self.headers.get("Idempotency-Key") or ""
        with self.state.lock:
            status = None
            if key:
                seen = self.state.keys.get((author["id"], key))
                if seen and time.time() - seen[1] < self.state.idempotency_window:
                    status = next(s for s in self.state.statuses if s["id"] == seen[0])
            if status is None:
                status = self.state.store(author=author, text=text, in_reply_to=str(body.get("in_reply_to_id") or ""))
                if key:
                    self.state.keys[(author["id"], key)] = (status["id"], time.time())
            delay = fault.delay if fault and fault.delay is not None else self.state.timeout_delay
            answer = {k: v for k, v in status.items() if k != "text_source"}
        if fault and fault.kind == "500_after_store":
            self._error(503, "Service unavailable")
            return
        if fault and fault.kind == "drop_after_store":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault and fault.kind == "timeout_after_store":
            time.sleep(delay)
        self._send(200, answer)

    def account_statuses(self, query: dict[str, list[str]], account_id: str) -> None:
        if self._authorise("account_statuses") is None:
            return
        limit = max(1, min(40, int((query.get("limit") or ["20"])[-1])))
        max_id = (query.get("max_id") or [""])[-1]
        with self.state.lock:
            rows = [s for s in self.state.statuses if s["account"]["id"] == account_id]
        rows = sorted(rows, key=lambda s: int(s["id"]), reverse=True)
        if max_id:
            rows = [s for s in rows if int(s["id"]) < int(max_id)]
        self._send(200, [{k: v for k, v in s.items() if k != "text_source"} for s in rows[:limit]])

    def notifications(self, query: dict[str, list[str]]) -> None:
        authorised = self._authorise("notifications")
        if authorised is None:
            return
        me = authorised[0]["id"]
        types = query.get("types[]") or query.get("types") or []
        since_id = (query.get("since_id") or [""])[-1]
        with self.state.lock:
            rows = [n for n in self.state.notifications if n["to"] == me and (not types or n["type"] in types)]
        if since_id:
            rows = [n for n in rows if int(n["id"]) > int(since_id)]
        rows = sorted(rows, key=lambda n: int(n["id"]), reverse=True)
        self._send(200, [{k: v for k, v in n.items() if k != "to"} for n in rows[:40]])

    # --- control

    def control_faults(self, query: dict[str, list[str]]) -> None:
        faults = [Fault(**f) for f in self._body().get("faults", [])]
        bad = [f.kind for f in faults if f.kind not in FAULT_KINDS]
        if bad:
            self._send(400, {"error": f"unknown fault kinds {bad}; known: {list(FAULT_KINDS)}"})
            return
        with self.state.lock:
            self.state.faults.extend(faults)
        self._send(200, {"queued": len(self.state.faults)})

    def control_chaos(self, query: dict[str, list[str]]) -> None:
        body = self._body()
        with self.state.lock:
            self.state.chaos_rate = float(body.get("rate", 0))
            self.state.chaos_kinds = list(body.get("kinds", []))
            self.state.chaos_reset_in = float(body.get("reset_in", 1.0))
            self.state.rng = random.Random(body.get("seed"))
        self._send(200, {"rate": self.state.chaos_rate})

    def control_users(self, query: dict[str, list[str]]) -> None:
        body = self._body()
        with self.state.lock:
            account = self.state.account(token=str(body["access_token"]), username=str(body.get("username") or ""))
            if "bot" in body:
                account["bot"] = bool(body["bot"])
            result = dict(account)
        self._send(200, result)

    def control_mentions(self, query: dict[str, list[str]]) -> None:
        body = self._body()
        author, text = str(body.get("author") or ""), str(body.get("text") or "")
        with self.state.lock:
            status = self.state.store(author=self.state.account(username=author), text=text, in_reply_to=str(body.get("in_reply_to") or ""))
        self._send(201, dict(status.items()))

    def control_config(self, query: dict[str, list[str]]) -> None:
        body = self._body()
        with self.state.lock:
            for name in ("max_characters", "timeout_delay", "latency", "idempotency_window", "rate_limit"):
                if name in body:
                    setattr(self.state, name, type(getattr(self.state, name))(body[name]))
        self._send(200, {"max_characters": self.state.max_characters})

    def control_statuses(self, query: dict[str, list[str]]) -> None:
        with self.state.lock:
            rows = [
                {"id": s["id"], "text": s["text_source"], "account": s["account"]["username"], "in_reply_to_id": s["in_reply_to_id"]}
                for s in self.state.statuses
            ]
        self._send(200, rows)

    def control_stats(self, query: dict[str, list[str]]) -> None:
        with self.state.lock:
            stats = dict(self.state.stats) | {"statuses": len(self.state.statuses), "faults_queued": len(self.state.faults)}
        self._send(200, stats)


ROUTES: list[tuple[str, str, str]] = [
    ("GET", r"/api/v1/accounts/verify_credentials", "verify_credentials"),
    ("PATCH", r"/api/v1/accounts/update_credentials", "update_credentials"),
    ("GET", r"/api/v2/instance", "instance"),
    ("POST", r"/api/v1/statuses", "create_status"),
    ("GET", r"/api/v1/accounts/(\d+)/statuses", "account_statuses"),
    ("GET", r"/api/v1/notifications", "notifications"),
    ("POST", r"/_fake/faults", "control_faults"),
    ("POST", r"/_fake/chaos", "control_chaos"),
    ("POST", r"/_fake/users", "control_users"),
    ("POST", r"/_fake/mentions", "control_mentions"),
    ("POST", r"/_fake/config", "control_config"),
    ("GET", r"/_fake/statuses", "control_statuses"),
    ("GET", r"/_fake/stats", "control_stats"),
]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], *, state: FakeState, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.verbose = verbose


class FakeMastodonServer:
    """The server, in a background thread of this process (or in the foreground: serve_forever)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.state = FakeState()
        self.httpd = _Server((host, port), state=self.state, verbose=verbose)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "FakeMastodonServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-mastodon", daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeMastodonControl:
    """Drives a fake Mastodon server over HTTP (it may run in another process)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def fault(
        self, kind: str, *, endpoint: str = "create_status", access_token: str = "", reset_in: float = 60.0, delay: float | None = None
    ) -> None:
        fault = {"kind": kind, "endpoint": endpoint, "access_token": access_token, "reset_in": reset_in, "delay": delay}
        self._call("POST", "/_fake/faults", {"faults": [fault]})

    def chaos(self, *, rate: float, kinds: list[str], seed: int = 1, reset_in: float = 1.0) -> None:
        self._call("POST", "/_fake/chaos", {"rate": rate, "kinds": kinds, "seed": seed, "reset_in": reset_in})

    def user(self, *, access_token: str, username: str, bot: bool | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"access_token": access_token, "username": username}
        if bot is not None:
            body["bot"] = bot
        return dict(self._call("POST", "/_fake/users", body))

    def mention(self, *, author: str, text: str, in_reply_to: str = "") -> dict[str, Any]:
        return dict(self._call("POST", "/_fake/mentions", {"author": author, "text": text, "in_reply_to": in_reply_to}))

    def config(self, **values: Any) -> dict[str, Any]:
        return dict(self._call("POST", "/_fake/config", values))

    def statuses(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_fake/statuses"))

    def stats(self) -> dict[str, int]:
        return dict(self._call("GET", "/_fake/stats"))
