"""What the queue adds to the home page (registered in CuratorConfig.ready)."""

from core.home import Fact, Step
from curator.models import Decision
from curator.selectors import pending_count, pending_label


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
    value = pending_label(pending_count())
    return [Fact(order=10, label="pending review", value=value, url_name="curator:queue", role="curator")]
