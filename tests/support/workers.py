"""A real Celery worker process for tests, pointed at the test database."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """The URL of the database pytest-django created, for processes outside the test process."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": test_database_url(), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


# The workers running now: a failed test's report shows the end of their output (tests/conftest.py).
LIVE: list["Worker"] = []


class Worker:
    def __init__(self, proc: subprocess.Popen[str], name: str) -> None:
        self.proc = proc
        self.name = name
        self.lines: list[str] = []
        self.ready = threading.Event()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if " ready." in line:
                self.ready.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def kill(self) -> None:
        """Kill -9: the worker dies as if the machine lost power."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def celery_worker(
    *,
    queues: str = "default,gpu",
    pool: str = "threads",
    concurrency: int = 2,
    env: dict[str, str] | None = None,
    ready_timeout: float = 60,
) -> Iterator[Worker]:
    """Start `celery worker` as a separate process; yield once it reports ready."""
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "-Q", queues, "-n", name, "--pool", pool, "--concurrency", str(concurrency),
        "--without-gossip", "--without-mingle", "--loglevel", "INFO",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        cwd=BASE_DIR,
        env=process_env(**(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    worker = Worker(proc, name)
    threading.Thread(target=worker._pump, daemon=True).start()
    try:
        deadline = time.monotonic() + ready_timeout
        while not worker.ready.wait(0.2):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{worker.output}")
        LIVE.append(worker)
        yield worker
    finally:
        if worker in LIVE:
            LIVE.remove(worker)
        worker.stop()


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.2, message: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll until predicate() is truthy; return its value or fail with the message."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)
