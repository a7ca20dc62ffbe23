"""What every app uses: the workers' and beat's heartbeats (the status page)."""

from django.db import models


class Heartbeat(models.Model):
    """Last sign of life of each worker and of beat, shown on the status page."""

    name = models.CharField(max_length=200, unique=True, help_text="'beat' or the worker's hostname.")
    queues = models.CharField(max_length=200, blank=True)
    seen_at = models.DateTimeField()

    class Meta:
        # The table keeps the name it had in the curator app (no data moves).
        db_table = "curator_heartbeat"

    def __str__(self) -> str:
        return self.name
