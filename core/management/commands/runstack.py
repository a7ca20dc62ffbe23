"""Run web, the two Celery workers and beat as separate processes; Ctrl-C stops them all."""

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


def stack_commands(*, host: str, port: int, python: str = sys.executable) -> dict[str, list[str]]:
    celery = [python, "-m", "celery", "-A", "config"]
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        # TensorFlow and fork do not mix: the gpu queue gets one solo process that keeps its model warm.
        "worker-gpu": [*celery, "worker", "-Q", "gpu", "-n", "gpu@%h", "--pool", "solo", "--loglevel", "INFO"],
        "worker": [*celery, "worker", "-Q", "default", "-n", "default@%h", "--concurrency", "2", "--loglevel", "INFO"],
        "beat": [*celery, "beat", "--loglevel", "INFO", "-s", str(settings.CELERY_BEAT_SCHEDULE_FILENAME)],
    }


def _pump(name: str, stream: TextIO, lock: threading.Lock) -> None:
    width = 10
    for line in stream:
        with lock:
            sys.stdout.write(f"{name:<{width}}| {line}")
            sys.stdout.flush()


class Command(BaseCommand):
    help = "Start web, worker (default queue), worker-gpu (gpu queue) and beat together. Ctrl-C stops all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        if settings.CELERY_BROKER_URL == "filesystem://":
            for folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.values():
                if isinstance(folder, str):
                    os.makedirs(folder, exist_ok=True)
        lock = threading.Lock()
        procs: dict[str, subprocess.Popen[str]] = {}
        for name, cmd in stack_commands(host=host, port=port).items():
            # Own process group, so Ctrl-C reaches us once and we stop each child in order.
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
            procs[name] = proc
            assert proc.stdout is not None
            threading.Thread(target=_pump, args=(name, proc.stdout, lock), daemon=True).start()
        self.stdout.write(
            self.style.SUCCESS(f"Running at http://{host}:{port}/  (status: http://{host}:{port}/status/) — Ctrl-C stops everything.")
        )
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    self.stderr.write(f"{name} exited with code {proc.returncode}; stopping the others.")
                    exit_code = proc.returncode or 1
                    stopping = True
                    break
            time.sleep(0.3)
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        self.stdout.write("All processes stopped.")
        if exit_code:
            sys.exit(exit_code)
