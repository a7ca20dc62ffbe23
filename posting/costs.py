"""X's pay-per-use cost meter (since February 2026): this month's posts, replies and reads on one X account.

An estimate from our own records, priced by settings (X_COST_POST, X_COST_POST_WITH_LINK, X_COST_REPLY,
X_COST_READ; defaults as X published them): each sent post (with a link or without), each sent reply,
and each owned read (every lookup that settled an unknown outcome, every mention fetched).
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from posting.models import Account, Attempt, Mention, Post

_LINK = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
READS = [Attempt.Outcome.FOUND, Attempt.Outcome.NOT_FOUND, Attempt.Outcome.LOOKUP_FAILED]


def has_link(text: str) -> bool:
    return bool(_LINK.search(text))


def link_warning(text: str) -> str:
    """What a link costs on X, in words; empty when the text has none."""
    if not has_link(text):
        return ""
    return f"Contains a link: on X a post with a link costs ${settings.X_COST_POST_WITH_LINK:.3f} instead of ${settings.X_COST_POST:.3f}."


@dataclass(frozen=True)
class CostMeter:
    since: datetime
    posts: int
    posts_with_link: int
    replies: int
    reads: int

    @property
    def total(self) -> float:
        return (
            self.posts * settings.X_COST_POST
            + self.posts_with_link * settings.X_COST_POST_WITH_LINK
            + self.replies * settings.X_COST_REPLY
            + self.reads * settings.X_COST_READ
        )


def x_cost_meter(*, account: Account, now: datetime | None = None) -> CostMeter:
    now = now or timezone.now()
    since = now.astimezone(timezone.get_current_timezone()).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    sent = Post.objects.filter(account=account, state=Post.State.SENT, sent_at__gte=since)
    posts = with_link = 0
    for text in sent.filter(in_reply_to_id="").values_list("text", flat=True):
        if has_link(text):
            with_link += 1
        else:
            posts += 1
    replies = sent.exclude(in_reply_to_id="").count()
    lookups = Attempt.objects.filter(post__account=account, outcome__in=READS, at__gte=since).count()
    mentions = Mention.objects.filter(account=account, simulated=False, fetched_at__gte=since).count()
    return CostMeter(since=since, posts=posts, posts_with_link=with_link, replies=replies, reads=lookups + mentions)
