"""A broker outage, injected: a real web process (runserver) whose broker port is closed.

Each start (a batch, a finetune, a corpus upload) commits its row and then cannot send its task. The user
gets a clear message and no 500; no row is left queued for a task that was never sent; the status page
of that same process says the broker is not reachable.
"""

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client

from core import broker
from corpora.models import Corpus
from generation.models import Checkpoint, FinetuneRun, GenerationBatch, Status
from tests.support.generation import corpus_make, tiny_checkpoint, tiny_models_dir
from tests.support.workers import BASE_DIR, process_env, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but never listening: connecting to it is refused at once, like a stopped Redis."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


@pytest.fixture
def models_dir(settings) -> Path:  # type: ignore[no-untyped-def]
    settings.MODELS_DIR = tiny_models_dir()  # holds models/tiny, a complete base model
    return settings.MODELS_DIR


@pytest.fixture
def web(closed_port: int, models_dir: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = f"redis://127.0.0.1:{closed_port}/0"
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=process_env(REDIS_URL=dead, CELERY_BROKER_URL=dead, MODELS_DIR=str(models_dir)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{url}/login/", timeout=2).status_code == 200
        except requests.ConnectionError:
            return proc.poll() is not None  # stop waiting if it died; the assertion below says why

    try:
        wait_for(up, timeout=60, message="the web process")
        assert proc.poll() is None, proc.communicate()[0]
        yield url
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
        # No request answered 500 (runserver logs each as `"POST /… HTTP/1.1" 302 0`); the send failures are logged.
        assert '" 500 ' not in out and "Internal Server Error" not in out, out[-4000:]
        assert "could not send generation.tasks.generate" in out


def _session(url: str) -> requests.Session:
    user = User.objects.create_superuser("boss", password="boss-pass-123")
    client = Client()
    client.force_login(user)
    s = requests.Session()
    s.cookies.set("sessionid", client.cookies["sessionid"].value)
    s.get(f"{url}/generation/", timeout=10)  # sets the CSRF cookie
    s.headers["X-CSRFToken"] = s.cookies["csrftoken"]
    return s


def _messages(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_every_start_says_it_was_not_started_and_leaves_nothing_queued(web: str) -> None:
    s = _session(web)
    corpus = corpus_make()
    chain = Checkpoint.objects.create(name="chain", kind=Checkpoint.Kind.MARKOV, path="markov/chain.json", corpus=corpus)
    tiny_checkpoint()

    batch = s.post(
        f"{web}/generation/batch/",
        {"checkpoint": chain.pk, "n_candidates": 40, "batch_size": 20, "temperature": 0.7, "top_k": 0, "top_p": 0.9, "length": 100},
        timeout=30,
    )
    assert batch.status_code == 200 and batch.history and batch.history[0].status_code == 302
    row = GenerationBatch.objects.get()
    assert row.status == Status.FAILED and row.error == broker.BROKER_UNREACHABLE
    assert f"Batch {row.pk}: The task queue (the broker) could not be reached, so it was not started." in _messages(batch.text)

    run = s.post(
        f"{web}/generation/finetune/",
        {"corpus": corpus.pk, "base_model": "tiny", "run_name": "outage", "steps": 10, "batch_size": 1, "learning_rate": 1e-4}
        | {"sample_every": 5, "save_every": 5},
        timeout=30,
    )
    assert run.status_code == 200
    row_run = FinetuneRun.objects.get()
    assert row_run.status == Status.FAILED and row_run.error == broker.BROKER_UNREACHABLE
    assert "Finetune outage: The task queue (the broker) could not be reached, so it was not started." in _messages(run.text)

    # Resume sends the task again: still down, so the run stays failed with the reason, and the page says so.
    resumed = s.post(f"{web}/generation/finetune/{row_run.pk}/resume/", timeout=30)
    assert resumed.status_code == 200
    assert FinetuneRun.objects.get().status == Status.FAILED
    assert "outage (resume): The task queue (the broker) could not be reached" in _messages(resumed.text)

    upload = s.post(
        f"{web}/corpora/upload/",
        {"name": "outage", "format": ""},
        files={"file": ("t.txt", b"first text here\nsecond text here\n")},
        timeout=30,
    )
    # The import itself needs no broker: it stands, and the index is built by the first check that needs it.
    assert upload.status_code == 200 and upload.history and upload.history[0].status_code == 302
    imported = Corpus.objects.get(name="outage")
    assert 'Imported "outage": kept 2 of 2 texts.' in _messages(upload.text)
    assert imported.index_built_version != imported.texts_version
    assert "not built yet" in _messages(s.get(f"{web}/corpora/{imported.pk}/nearcopy/", timeout=30).text)

    status = s.get(f"{web}/status/?format=json", timeout=30).json()
    assert status["broker_reachable"] is False and status["healthy"] is False
    assert "not reachable from this web process" in s.get(f"{web}/status/", timeout=30).text
