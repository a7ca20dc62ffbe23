"""The status page's facts: database, broker, workers and beat (from their heartbeats)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from core.broker import broker_reachable
from core.models import Heartbeat

ALIVE_WITHIN = timedelta(seconds=45)


@dataclass(frozen=True)
class ProcessStatus:
    name: str
    queues: str
    seen_at: datetime | None
    alive: bool


@dataclass(frozen=True)
class SystemStatus:
    database: str
    broker_reachable: bool
    beat: ProcessStatus | None
    workers: list[ProcessStatus]
    queues: dict[str, bool]
    healthy: bool


def system_status() -> SystemStatus:
    # Workers report through their own broker connection; this process must reach it too, or nothing it sends arrives.
    broker_ok = broker_reachable()
    now = timezone.now()
    processes = [
        ProcessStatus(name=h.name, queues=h.queues, seen_at=h.seen_at, alive=now - h.seen_at <= ALIVE_WITHIN)
        for h in Heartbeat.objects.order_by("name")
    ]
    workers = [p for p in processes if p.name != "beat"]
    beat = next((p for p in processes if p.name == "beat"), None)
    alive_queues = {q for p in workers if p.alive for q in p.queues.split(",") if q}
    return SystemStatus(
        database=connection.vendor,
        broker_reachable=broker_ok,
        beat=beat,
        workers=workers,
        queues={q: q in alive_queues for q in ("default", "gpu")},
        healthy=broker_ok and bool(beat and beat.alive) and all(q in alive_queues for q in ("default", "gpu")),
    )


def heartbeat_record(*, worker: str, queue: str) -> None:
    now = timezone.now()
    # A heartbeat task only reaches a worker because beat sent it, so it proves both alive.
    Heartbeat.objects.update_or_create(name="beat", defaults={"seen_at": now, "queues": ""})
    Heartbeat.objects.update_or_create(name=worker, defaults={"seen_at": now, "queues": queue})
