"""Reads of the posting app."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.times import local_time
from posting.backlog import backlog_sizes
from posting.models import Account, Mention, Post, Slot

UPCOMING = [Post.State.QUEUED, Post.State.SENDING, Post.State.UNKNOWN]
HISTORY_STATES = {
    "all": [Post.State.SENT, Post.State.FAILED, Post.State.UNKNOWN],
    "sent": [Post.State.SENT],
    "failed": [Post.State.FAILED],
    "unknown": [Post.State.UNKNOWN],
}


@dataclass(frozen=True)
class AccountQueue:
    account: Account
    posts: list[Post]
    more: int


def schedule_by_account(*, per_account: int = 50) -> list[AccountQueue]:
    queues = []
    for account in Account.objects.order_by("name"):
        upcoming = (
            Post.objects.readable().filter(account=account, state__in=UPCOMING).select_related("candidate").order_by("scheduled_at", "id")
        )
        posts = list(upcoming[: per_account + 1])
        total = upcoming.count() if len(posts) > per_account else len(posts)
        queues.append(AccountQueue(account=account, posts=posts[:per_account], more=max(0, total - per_account)))
    return queues


def unreadable_posts() -> list[tuple[int, str, str]]:
    """(id, account name, state) of the posts whose time cannot be read back, for the Schedule page's warning."""
    return list(Post.objects.unreadable().exclude(state=Post.State.CANCELLED).values_list("pk", "account__name", "state"))


def history(*, state: str = "all", account_id: int | None = None) -> "QuerySet[Post]":
    posts = Post.objects.readable().filter(state__in=HISTORY_STATES.get(state, HISTORY_STATES["all"])).select_related("account")
    if account_id:
        posts = posts.filter(account_id=account_id)
    return posts.order_by("-sent_at", "-scheduled_at", "-id").prefetch_related("log")


def _count(model_qs: "QuerySet[Any]") -> Subquery:
    """A correlated COUNT(*) of rows of one account: one subquery per figure, so no join multiplies another."""
    return Subquery(model_qs.filter(account=OuterRef("pk")).order_by().values("account").annotate(n=Count("*")).values("n")[:1])


@dataclass(frozen=True)
class AccountRow:
    account: Account
    queued: int
    sent: int
    failed: int
    slot_count: int
    next_post: str
    backlog: int


def accounts_overview() -> list[AccountRow]:
    """Every account with its counts (queued, sent, failed, slots), its next post and its backlog size."""
    posts = Post.objects.all()
    annotated = Account.objects.annotate(
        queued=Coalesce(_count(posts.filter(state=Post.State.QUEUED)), 0),
        sent=Coalesce(_count(posts.filter(state=Post.State.SENT)), 0),
        failed=Coalesce(_count(posts.filter(state=Post.State.FAILED)), 0),
        slot_count=Coalesce(_count(Slot.objects.all()), 0),
        next_post_at=Subquery(
            Post.objects.readable()
            .filter(account=OuterRef("pk"), state=Post.State.QUEUED)
            .order_by("scheduled_at")
            .values("scheduled_at")[:1]
        ),
    ).order_by("name")
    sizes = backlog_sizes()
    return [
        AccountRow(
            account=a,
            queued=a.queued,
            sent=a.sent,
            failed=a.failed,
            slot_count=a.slot_count,
            next_post=local_time(a.next_post_at, a.timezone) if a.next_post_at else "",
            backlog=sizes.get(a.pk, 0),
        )
        for a in annotated
    ]


def recent_mentions(*, account: Account, limit: int = 10) -> list[Mention]:
    return list(Mention.objects.filter(account=account).select_related("batch").order_by("-fetched_at", "-id")[:limit])
