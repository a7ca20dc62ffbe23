from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Heartbeat
from core.status import heartbeat_record

pytestmark = pytest.mark.django_db


def test_it_reports_degraded_without_workers(curator_client: Client) -> None:
    data = curator_client.get(reverse("core:status") + "?format=json").json()
    assert data["healthy"] is False
    assert data["beat_alive"] is False


def test_it_reports_healthy_when_both_queues_and_beat_answer(curator_client: Client) -> None:
    heartbeat_record(worker="default@box", queue="default")
    heartbeat_record(worker="gpu@box", queue="gpu")
    data = curator_client.get(reverse("core:status") + "?format=json").json()
    assert data["healthy"] is True
    assert {w["name"] for w in data["workers"]} == {"default@box", "gpu@box"}


def test_a_stale_heartbeat_is_not_alive(curator_client: Client) -> None:
    heartbeat_record(worker="default@box", queue="default")
    heartbeat_record(worker="gpu@box", queue="gpu")
    Heartbeat.objects.filter(name="gpu@box").update(seen_at=timezone.now() - timedelta(minutes=5))
    data = curator_client.get(reverse("core:status") + "?format=json").json()
    assert data["queues"] == {"default": True, "gpu": False}
    assert data["healthy"] is False


def test_the_status_panel_is_a_partial_for_htmx(curator_client: Client, htmx_headers: dict[str, str]) -> None:
    full = curator_client.get(reverse("core:status")).content.decode()
    part = curator_client.get(reverse("core:status"), **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert "<html" in full and 'id="status-panel"' in full
    assert "<html" not in part and 'id="status-panel"' in part
