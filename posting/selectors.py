"""Reads of the posting app."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from posting.models import Account, Mention, Post

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


def accounts_overview() -> "QuerySet[Account]":
    return Account.objects.annotate(
        queued=Count("posts", filter=Q(posts__state=Post.State.QUEUED)),
        sent=Count("posts", filter=Q(posts__state=Post.State.SENT)),
        failed=Count("posts", filter=Q(posts__state=Post.State.FAILED)),
        slot_count=Count("slots", distinct=True),
    ).order_by("name")


def recent_mentions(*, account: Account, limit: int = 10) -> list[Mention]:
    return list(Mention.objects.filter(account=account).select_related("batch").order_by("-fetched_at", "-id")[:limit])
