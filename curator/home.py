"""What the queue adds to the home page (registered in CuratorConfig.ready)."""

from core.home import Fact, Step
from curator.models import Decision
from curator.selectors import PENDING_COUNT_CAP, pending_count


def setup_step() -> Step:
    return Step(
        order=40,
        title="Review",
        how="Work the queue with the keyboard: a approves, r rejects, e edits, ? lists the keys.",
        done=Decision.objects.exists(),
        url_name="curator:queue",
        role="curator",
    )


def facts() -> list[Fact]:
    n = pending_count()
    value = f"{PENDING_COUNT_CAP}+" if n > PENDING_COUNT_CAP else str(n)
    return [Fact(order=10, label="pending review", value=value, url_name="curator:queue", role="curator")]
