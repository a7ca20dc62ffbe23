"""A real worker process runs a real task that writes to the database; the test sees the row."""

import subprocess
import sys
import time

import pytest

from core.models import Heartbeat
from core.tasks import heartbeat
from tests.support.workers import BASE_DIR, celery_worker, process_env, wait_for


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_a_task_that_writes_a_row(worker) -> None:  # type: ignore[no-untyped-def]
    heartbeat.apply_async(queue="default")
    row = wait_for(lambda: Heartbeat.objects.filter(queues="default").first(), message="the worker's heartbeat row")
    assert row.name.startswith("test-")
    assert Heartbeat.objects.filter(name="beat").exists()


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_on_commit_reaches_the_gpu_queue(worker) -> None:  # type: ignore[no-untyped-def]
    from django.db import transaction

    with transaction.atomic():
        heartbeat.apply_async(queue="gpu")
    wait_for(lambda: Heartbeat.objects.filter(queues="gpu").exists(), message="a heartbeat from the gpu queue")


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_embedded_filesystem_broker_runs_a_task(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"CELERY_BROKER_URL": "filesystem://", "VAR_DIR": str(tmp_path)}
    for sub in ("queue", "control", "processed"):
        (tmp_path / "broker" / sub).mkdir(parents=True)
    with celery_worker(env=env) as w:
        send = "from core.tasks import heartbeat; heartbeat.apply_async(queue='default')"
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {send}"], cwd=BASE_DIR, env=process_env(**env), check=True, timeout=60
        )
        wait_for(
            lambda: Heartbeat.objects.filter(queues="default").exists(), message=f"the heartbeat via the filesystem broker\n{w.output}"
        )
        assert time.monotonic() - started < 60
