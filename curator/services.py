"""Writes of the curator app. Business rules live here, not in views or tasks."""

from django.utils import timezone

from curator.models import Heartbeat


def heartbeat_record(*, worker: str, queue: str) -> None:
    now = timezone.now()
    # A heartbeat task only reaches a worker because beat sent it, so it proves both alive.
    Heartbeat.objects.update_or_create(name="beat", defaults={"seen_at": now, "queues": ""})
    Heartbeat.objects.update_or_create(name=worker, defaults={"seen_at": now, "queues": queue})
