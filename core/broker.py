"""Sending tasks when the broker may be down, and asking whether it is up.

The web process commits a row and then sends its task. If the broker cannot be reached the row is
already there, so the caller must hear about it (task_send returns False) and say so on the row:
no row may wait for a task that was never sent.
"""

import logging
from typing import Any

from celery import Task, current_app

log = logging.getLogger(__name__)

BROKER_UNREACHABLE = (
    "The task queue (the broker) could not be reached, so it was not started. Try again once the Status page shows the broker up."
)


def task_send(task: Task, *args: Any) -> bool:
    """Send the task now; False (and the reason in the log) when the broker did not take it.

    A closed port fails in well under a second; Celery retries the publish twice first.
    """
    try:
        task.apply_async(args, retry=True, retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2})
    except Exception:  # kombu's OperationalError and whatever a transport raises: either way it was not sent
        log.exception("could not send %s%r to the broker", task.name, args)
        return False
    return True


def broker_reachable(*, timeout: int = 2) -> bool:
    """This process' own connection to the broker (the workers' heartbeats cannot tell: they use theirs)."""
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
    except Exception:
        log.warning("the broker is not reachable from this process", exc_info=True)
        return False
    return True
