"""A real Bluesky PDS for tests and benchmarks, and a small fault proxy in front of it.

`PdsServer` runs testing/pds/server.js (`@atproto/dev-env` with `@atproto/pds`, pinned in
testing/pds/package.json; `npm ci --prefix testing/pds` installs it) in a child process, with its SQLite
files under a temporary folder that is removed on stop. Accounts are created over XRPC
(createAccount), and each gets an app password (createAppPassword), which is what the publisher logs in with.

`FaultProxy` forwards every request to the PDS and, when scripted, breaks one createRecord the ways the
real server cannot: 429 with ratelimit-* headers and 500 before storing (not forwarded), and after the
record was stored (forwarded): 500_after_store, timeout_after_store (no answer for `delay` seconds) and
drop_after_store (the connection closed with no answer). Never imported by production code.
"""

import contextlib
import http.client
import itertools
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import urlparse
from urllib.request import Request, urlopen

PDS_DIR = Path(__file__).resolve().parent / "pds"
FAULT_KINDS = ("429", "500", "500_after_store", "timeout_after_store", "drop_after_store", "exhausted")
_handles = itertools.count(1)


def pds_installed() -> bool:
    return (PDS_DIR / "node_modules" / "@atproto" / "dev-env").is_dir() and shutil.which("node") is not None


def _xrpc(url: str, method: str, body: dict[str, Any], token: str = "") -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = Request(f"{url}/xrpc/{method}", data=json.dumps(body).encode(), method="POST", headers=headers)
    with urlopen(request, timeout=30) as response:
        return dict(json.loads(response.read()))


@dataclass(frozen=True)
class PdsAccount:
    handle: str
    did: str
    password: str
    app_password: str


class PdsServer:
    """`appview`: the whole dev network (AppView on PostgreSQL `postgres_url` and Redis `redis_host`), so that
    notifications (mentions) are served; slower to start (about 15 s)."""

    def __init__(self, *, rate_limits: bool = False, appview: bool = False, postgres_url: str = "", redis_host: str = "") -> None:
        self.rate_limits = rate_limits
        self.appview = appview
        self.postgres_url = postgres_url
        self.redis_host = redis_host
        self.process: subprocess.Popen[bytes] | None = None
        self.schema = ""
        self.tmp = ""
        self.url = ""

    def start(self, timeout: float = 60.0) -> "PdsServer":
        self.tmp = tempfile.mkdtemp(prefix="curator-pds-")
        env = os.environ | {"TMPDIR": self.tmp, "PDS_RATE_LIMITS": "1" if self.rate_limits else "0", "LOG_ENABLED": "false"}
        if self.appview:
            self.schema = "curator_" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
            env |= {
                "PDS_APPVIEW": "1",
                "DB_POSTGRES_URL": self.postgres_url,
                "DB_POSTGRES_SCHEMA": self.schema,
                "REDIS_HOST": self.redis_host,
            }
        self.process = subprocess.Popen(
            ["node", str(PDS_DIR / "server.js")],
            cwd=PDS_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        line = self._first_line(timeout)
        port = urlparse(json.loads(line)["url"]).port
        self.url = f"http://127.0.0.1:{port}"
        # Warm up: the first account and login on a fresh server take seconds (code paths load lazily),
        # longer than the 1 s client timeout the fault tests use.
        warm = self.account("warmup")
        _xrpc(self.url, "com.atproto.server.createSession", {"identifier": warm.handle, "password": warm.app_password})
        return self

    def _first_line(self, timeout: float) -> str:
        assert self.process is not None
        found: list[str] = []
        reader = threading.Thread(target=lambda: found.append(cast(IO[bytes], self.process.stdout).readline().decode()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not found or not found[0].strip():
            self.stop()
            raise RuntimeError("The local PDS did not start (see testing/pds/server.js; is `npm ci --prefix testing/pds` done?)")
        return found[0]

    def account(self, name: str = "bot") -> PdsAccount:
        handle = f"{name}{next(_handles)}-{random.randrange(10**6)}.test"
        password = f"pw-{random.randrange(10**12)}"
        created = _xrpc(
            self.url, "com.atproto.server.createAccount", {"handle": handle, "email": f"{handle}@example.invalid", "password": password}
        )
        app = _xrpc(self.url, "com.atproto.server.createAppPassword", {"name": "curator"}, token=str(created["accessJwt"]))
        return PdsAccount(handle=handle, did=str(created["did"]), password=password, app_password=str(app["password"]))

    def post_as(self, account: PdsAccount, text: str) -> dict[str, Any]:
        """Someone (another account on this PDS) posts: how a mention reaches the bot. Returns {uri, cid}."""
        session = _xrpc(self.url, "com.atproto.server.createSession", {"identifier": account.handle, "password": account.password})
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        }
        facets = []
        for word in text.split():
            if word.startswith("@"):
                handle = word[1:].rstrip(".,!?")
                start = text.encode().find(word.encode())
                resolved = json.loads(urlopen(f"{self.url}/xrpc/com.atproto.identity.resolveHandle?handle={handle}", timeout=30).read())
                facets.append(
                    {
                        "index": {"byteStart": start, "byteEnd": start + len(("@" + handle).encode())},
                        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": resolved["did"]}],
                    }
                )
        if facets:
            record["facets"] = facets
        body = {"repo": session["did"], "collection": "app.bsky.feed.post", "record": record}
        return _xrpc(self.url, "com.atproto.repo.createRecord", body, token=str(session["accessJwt"]))

    def posts(self, did: str) -> list[dict[str, Any]]:
        """Every post in the account's repository (listRecords), oldest first: what a double post would show in."""
        rows: list[dict[str, Any]] = []
        cursor = ""
        while True:
            query = f"repo={did}&collection=app.bsky.feed.post&limit=100" + (f"&cursor={cursor}" if cursor else "")
            with urlopen(f"{self.url}/xrpc/com.atproto.repo.listRecords?{query}", timeout=30) as response:
                page = json.loads(response.read())
            rows += page["records"]
            cursor = page.get("cursor") or ""
            if not cursor or not page["records"]:
                return list(reversed(rows))

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(Exception):
                cast(IO[bytes], self.process.stdin).close()
                self.process.terminate()
                self.process.wait(timeout=15)
            if self.process.poll() is None:
                self.process.kill()
            self.process = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = ""
        if self.schema:
            # The AppView's and Ozone's schemas in PostgreSQL: dropped, so runs do not pile them up.
            import psycopg

            with contextlib.suppress(Exception), psycopg.connect(self.postgres_url, autocommit=True) as conn:
                for prefix in ("appview_", "ozone_"):
                    conn.execute(f'DROP SCHEMA IF EXISTS "{prefix}{self.schema}" CASCADE')
            self.schema = ""


# --- The fault proxy.


@dataclass
class Fault:
    kind: str
    endpoint: str = "com.atproto.repo.createRecord"
    reset_in: float = 60.0
    delay: float = 5.0


@dataclass
class ProxyState:
    faults: list[Fault] = field(default_factory=list)
    chaos_rate: float = 0.0
    chaos_kinds: list[str] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    timeout_delay: float = 5.0
    stats: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, endpoint: str) -> Fault | None:
        with self.lock:
            self.stats[endpoint] = self.stats.get(endpoint, 0) + 1
            for i, fault in enumerate(self.faults):
                if fault.endpoint in (endpoint, "*"):
                    return self.faults.pop(i)
            if endpoint == "com.atproto.repo.createRecord" and self.chaos_rate and self.rng.random() < self.chaos_rate:
                return Fault(kind=self.rng.choice(self.chaos_kinds), reset_in=1.0, delay=self.timeout_delay)
        return None


class _ProxyHandler(BaseHTTPRequestHandler):
    server: "_ProxyServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in ("transfer-encoding", "content-length", "connection", "keep-alive"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def _forward(self, method: str) -> tuple[int, bytes, list[tuple[str, str]]]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "keep-alive")}
        try:
            upstream.request(method, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            return response.status, response.read(), response.getheaders()
        finally:
            upstream.close()

    def _handle(self, method: str) -> None:
        endpoint = self.path.split("?")[0].removeprefix("/xrpc/")
        fault = self.server.state.take(endpoint)
        if fault and fault.kind == "429":
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            reset = int(time.time() + fault.reset_in)
            headers = [
                ("ratelimit-limit", "5000"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", str(reset)),
                ("ratelimit-policy", "5000;w=3600"),
            ]
            self._answer(
                429, b'{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}', [("Content-Type", "application/json"), *headers]
            )
            return
        if fault and fault.kind == "500":
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self._answer(500, b'{"error":"InternalServerError","message":"Internal Server Error"}', [("Content-Type", "application/json")])
            return
        status, body, headers = self._forward(method)
        if fault and fault.kind == "exhausted":
            # Stored and answered, with headers saying the window is used up (the create took the last points).
            reset_at = str(int(time.time() + fault.reset_in))
            limits = [
                ("ratelimit-limit", "5000"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", reset_at),
                ("ratelimit-policy", "5000;w=3600"),
            ]
            headers = [h for h in headers if not h[0].lower().startswith("ratelimit-")] + limits
        if fault and fault.kind == "500_after_store":
            self._answer(502, b'{"error":"UpstreamFailure","message":"Upstream Failure"}', [("Content-Type", "application/json")])
            return
        if fault and fault.kind == "drop_after_store":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault and fault.kind == "timeout_after_store":
            time.sleep(fault.delay)
        self._answer(status, body, headers)

    def do_GET(self) -> None:
        if self.path.startswith("/_proxy/"):
            self._control("GET")
            return
        self._handle("GET")

    def do_POST(self) -> None:
        if self.path.startswith("/_proxy/"):
            self._control("POST")
            return
        self._handle("POST")

    def _control(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = json.loads(self.rfile.read(length) or b"{}") if length else {}
        state = self.server.state
        with state.lock:
            if self.path == "/_proxy/faults":
                state.faults.extend(Fault(**f) for f in data.get("faults", []))
            elif self.path == "/_proxy/chaos":
                state.chaos_rate = float(data.get("rate", 0))
                state.chaos_kinds = list(data.get("kinds", []))
                state.rng = random.Random(data.get("seed"))
                state.timeout_delay = float(data.get("delay", state.timeout_delay))
            payload = json.dumps({"faults": len(state.faults), "stats": state.stats}).encode()
        self._answer(200, payload, [("Content-Type", "application/json")])


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], *, upstream: str, state: ProxyState) -> None:
        super().__init__(address, _ProxyHandler)
        parsed = urlparse(upstream)
        self.upstream_host, self.upstream_port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.state = state


class FaultProxy:
    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = ProxyState()
        self.httpd = _ProxyServer((host, port), upstream=upstream, state=self.state)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "FaultProxy":
        threading.Thread(target=self.httpd.serve_forever, name="pds-fault-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fault(self, kind: str, *, endpoint: str = "com.atproto.repo.createRecord", reset_in: float = 60.0, delay: float = 5.0) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {FAULT_KINDS}")
        with self.state.lock:
            self.state.faults.append(Fault(kind=kind, endpoint=endpoint, reset_in=reset_in, delay=delay))

    def chaos(self, *, rate: float, kinds: list[str], seed: int = 1, delay: float = 5.0) -> None:
        with self.state.lock:
            self.state.chaos_rate, self.state.chaos_kinds, self.state.rng = rate, list(kinds), random.Random(seed)
            self.state.timeout_delay = delay

    def clear(self) -> None:
        with self.state.lock:
            self.state.faults.clear()
            self.state.chaos_rate = 0.0
