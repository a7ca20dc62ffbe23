"""What posting adds to the home page (registered in PostingConfig.ready)."""

from datetime import timedelta

from django.db.models import Min
from django.utils import timezone

from core.home import Fact, Step
from posting.backlog import ready_candidates
from posting.models import Account, Post


def setup_step() -> Step:
    return Step(
        order=50,
        title="Connect an account",
        how="Add the X account to post to (a dry-run account records posts without sending), and its posting times.",
        done=Account.objects.exclude(publisher=Account.Publisher.DRYRUN).exists(),
        url_name="posting:accounts",
        role="owner",
    )


def facts() -> list[Fact]:
    ready = ready_candidates().count()
    found = [Fact(order=20, label="approved, not yet scheduled", value=str(ready), url_name="posting:ready", role="curator")]
    upcoming = (
        Post.objects.readable()
        .filter(state=Post.State.QUEUED, scheduled_at__gte=timezone.now() - timedelta(minutes=5))
        .values("account__name")
        .annotate(next_at=Min("scheduled_at"))
        .order_by("next_at")
    )
    for row in upcoming[:6]:
        local = timezone.localtime(row["next_at"])
        found.append(
            Fact(
                order=30,
                label=f"next post on {row['account__name']}",
                value=local.strftime("%a %H:%M"),
                url_name="posting:schedule",
                role="curator",
                detail=local.strftime("%Y-%m-%d"),
            )
        )
    return found
