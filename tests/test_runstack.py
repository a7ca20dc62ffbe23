"""`make run`'s stack, for real: migrate, demo login, then web + workers + beat with no outside service."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tests.support.workers import BASE_DIR, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def embedded_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "TESTING"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", "VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"})
    return env


def test_the_run_command_starts_web_workers_and_beat_and_ctrl_c_stops_them(tmp_path: Path) -> None:
    env = embedded_env(tmp_path)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=BASE_DIR, env=env, check=True, capture_output=True, timeout=180)
    setup = subprocess.run([*manage, "setup_demo"], cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True, timeout=300)
    password = (tmp_path / "demo-password").read_text().strip()
    assert f"username 'demo', password '{password}'" in setup.stdout

    port = free_port()
    proc = subprocess.Popen(
        [*manage, "runstack", "--port", str(port)], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    assert proc.stdout is not None
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()  # type: ignore[union-attr]
    try:
        db = tmp_path / "db.sqlite3"

        def alive() -> bool:
            with sqlite3.connect(db) as conn:
                names = {row[0] for row in conn.execute("select queues from curator_heartbeat")}
            return {"", "default", "gpu"} <= names  # "" is beat

        wait_for(alive, timeout=90, message="heartbeats from beat and both workers:\n" + "".join(lines))
        session = requests.Session()
        login = session.get(f"http://127.0.0.1:{port}/login/", timeout=10)
        assert login.status_code == 200
        response = session.post(
            f"http://127.0.0.1:{port}/login/",
            data={"username": "demo", "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            timeout=10,
        )
        assert response.status_code == 200 and "Welcome, demo" in response.text
        status = session.get(f"http://127.0.0.1:{port}/status/?format=json", timeout=10).json()
        assert status["healthy"] is True, status
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    time.sleep(0.5)
    output = "".join(lines)
    assert "All processes stopped." in output
    for name in ("web", "worker-gpu", "worker", "beat"):
        assert f"{name:<10}| " in output, f"no output from {name}"
