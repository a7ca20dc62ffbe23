"""Key press to next card, in Chromium, on the production setup: gunicorn, DEBUG off, PostgreSQL, 100k pending.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.queue_browser

DATABASE_URL names the server; the benchmark creates (and drops afterwards) its own database
`bench_queue_browser`, fills it with --candidates pending candidates (every 50th a near copy), collects
the static files and starts gunicorn (`config.wsgi`, --workers, DEBUG off, the settings docker-compose.yml
uses). Chromium (Debian's, through Playwright) logs in as a curator and works the queue with the keyboard:
`a` on an original, `r` on a near copy, --decisions times, each key pressed as soon as the page accepts
the next one (queue.js drops keys while a swap is in flight).

Per decision, from timestamps taken in the page (performance.now(), the key event's own timeStamp):
- painted: key event -> the new card is in the DOM and a frame has been painted (rAF, then a task);
- ready: key event -> queue.js accepts the next key (htmx:afterSettle);
- and where the time goes: key -> request sent (JavaScript), the server's time to first byte and the transfer
  (Resource Timing of the XHR), response -> swap (htmx parsing and swapping), swap -> paint, swap -> settle.
Prints p50 / p95 of each and the goal (p95 of painted <= 100 ms).
"""

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DB = "bench_queue_browser"
GOAL_MS = 100.0
ROOT = Path(__file__).resolve().parent.parent

# Installed in the page after it loads (Playwright's evaluate is not subject to the page's CSP; the app's own
# pages never run it). One record per decision, published on <html data-bench="n">.
INSTRUMENT = """() => {
  window.__bench = [];
  let cur = null;
  document.addEventListener("keydown", (ev) => {
    if (["a", "r"].includes(ev.key)) cur = { t0: ev.timeStamp };
  }, true);
  const body = document.body;
  // htmx's event order depends on its settle delay (with none, afterSettle can come before afterRequest):
  // each handler fills its field, and the record is published once all of them are in.
  body.addEventListener("htmx:beforeRequest", () => { if (cur && cur.sent === undefined) cur.sent = performance.now(); });
  body.addEventListener("htmx:afterRequest", () => { if (cur && cur.received === undefined) { cur.received = performance.now(); finish(cur); } });
  body.addEventListener("htmx:beforeSwap", () => { if (cur && cur.received === undefined) cur.received = performance.now(); });
  body.addEventListener("htmx:afterSwap", () => {
    if (!cur || cur.swap !== undefined) return;
    const c = cur;
    c.swap = performance.now();
    requestAnimationFrame(() => setTimeout(() => { c.paint = performance.now(); finish(c); }, 0));
  });
  body.addEventListener("htmx:afterSettle", () => {
    if (!cur || cur.settle !== undefined) return;
    cur.settle = performance.now();
    finish(cur);
  });
  function finish(c) {
    if (c.paint === undefined || c.settle === undefined || c.received === undefined || c.done) return;
    c.done = true;
    const xhr = performance.getEntriesByType("resource").filter((e) => e.initiatorType === "xmlhttprequest").pop();
    if (xhr) { c.ttfb = xhr.responseStart - xhr.requestStart; c.transfer = xhr.responseEnd - xhr.responseStart; c.bytes = xhr.encodedBodySize; }
    performance.clearResourceTimings();
    window.__bench.push(c);
    document.documentElement.setAttribute("data-bench", String(window.__bench.length));
  }
}"""


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _environment(database_url: str, var_dir: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CREDENTIALS_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
        # As docker-compose.yml runs it: TLS ends in front of the app.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
        "LOG_LEVEL": "WARNING",
    }


def _prepare(server_url: str, candidates: int, env: dict[str, str]) -> None:
    import psycopg

    parts = urlsplit(server_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench.queue import _fill

    started = time.monotonic()
    _fill(candidates, curators=1)
    print(f"filled {candidates:,} pending candidates in {time.monotonic() - started:.1f} s", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connections

    connections.close_all()


def _drop(server_url: str) -> None:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(server_url)._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def _serve(env: dict[str, str], workers: int, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not answer within 30 s")


def _drive(base: str, decisions: int, warmup: int) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=args, headless=True)
        page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{base}/login/?next=/queue/")
        page.fill("#id_username", "bench0")
        page.fill("#id_password", "bench-pass-123")
        page.click("button[type=submit]")
        page.wait_for_selector("#queue-panel[data-candidate-id]")
        page.evaluate(INSTRUMENT)
        for i in range(1, warmup + decisions + 1):
            page.wait_for_selector("html:not([data-queue-busy])", state="attached")
            near = page.locator("#queue-panel .qcard-near").count() > 0
            page.keyboard.press("r" if near else "a")
            page.wait_for_selector(f'html[data-bench="{i}"]', state="attached")
        records: list[dict[str, Any]] = page.evaluate("window.__bench")
        browser.close()
    return records[warmup:]


def _report(records: list[dict[str, Any]]) -> None:
    def series(name: str, f: Any) -> None:
        values = [f(r) for r in records if all(k in r for k in ("t0", "sent", "received", "swap", "paint", "settle"))]
        if values:
            print(f"{name:<34} p50 {_pct(values, 0.5):7.1f} ms   p95 {_pct(values, 0.95):7.1f} ms")

    print(f"\n{len(records)} decisions")
    series("key -> next card painted", lambda r: r["paint"] - r["t0"])
    series("key -> next key accepted", lambda r: r["settle"] - r["t0"])
    series("  key -> request sent (JS)", lambda r: r["sent"] - r["t0"])
    series("  server: time to first byte", lambda r: r.get("ttfb", float("nan")))
    series("  transfer", lambda r: r.get("transfer", float("nan")))
    series("  response -> swapped (htmx)", lambda r: max(0.0, r["swap"] - r["received"]))
    series("  swapped -> painted", lambda r: r["paint"] - r["swap"])
    series("  swapped -> settled", lambda r: r["settle"] - r["swap"])
    sizes = [r["bytes"] for r in records if r.get("bytes")]
    if sizes:
        print(f"{'response size':<34} p50 {_pct(sizes, 0.5):7.0f} bytes")
    painted = [r["paint"] - r["t0"] for r in records if "paint" in r]
    p95 = _pct(painted, 0.95)
    print(f"\ngoal: p95 of key -> painted <= {GOAL_MS:.0f} ms: {'met' if p95 <= GOAL_MS else 'NOT met'} ({p95:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10, help="decisions before measuring (gunicorn workers warm up)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (docker-compose.yml runs 3)")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        sys.exit("bench.queue_browser needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/anydb")
    var_dir = Path(tempfile.mkdtemp(prefix="bench-queue-browser-"))
    env = _environment(urlunsplit(urlsplit(server_url)._replace(path=f"/{BENCH_DB}")), var_dir)
    _prepare(server_url, args.candidates, env)
    port = _free_port()
    server = _serve(env, args.workers, port)
    try:
        records = _drive(f"http://127.0.0.1:{port}", args.decisions, args.warmup)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(var_dir, ignore_errors=True)
        if not args.keep_db:
            _drop(server_url)
    _report(records)


if __name__ == "__main__":
    main()
