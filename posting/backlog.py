"""Bots and their backlogs: which account a candidate is for, and the approved candidates waiting for a slot.

A bot is a voice (checkpoints, and so corpora: `Account.checkpoints`) and the account it posts to. A batch
knows the account it generates for (`GenerationBatch.account`, chosen on the Generation page, defaulting to
the checkpoint's account); its candidates are for that account. The backlog ("Ready") of an account is every
approved candidate for it with no live post on any account: scheduling, sending it elsewhere or auto-fill
takes it out, unscheduling puts it back.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from curator.models import Candidate
from posting.models import Account, Post


def live_posts() -> "QuerySet[Post]":
    return Post.objects.exclude(state=Post.State.CANCELLED)


def target_account(*, candidate: Candidate) -> Account | None:
    """The account a candidate is for: its batch's, else the only account there is, else none (ask the curator)."""
    batch = candidate.batch
    if batch is not None and batch.account_id is not None:
        return Account.objects.get(pk=batch.account_id)
    only = list(Account.objects.order_by("id")[:2])
    return only[0] if len(only) == 1 else None


def ready_candidates() -> "QuerySet[Candidate]":
    """Approved, with no live post on any account: what the Ready page lists (the home page counts it)."""
    live = live_posts().filter(candidate=OuterRef("pk"))
    return Candidate.objects.filter(status=Candidate.Status.APPROVED, mention__isnull=True).exclude(Exists(live))


def _for(account: Account) -> Q:
    mine = Q(batch__account=account)
    if not Account.objects.exclude(pk=account.pk).exists():
        # The only account takes the candidates no batch assigned (older batches, candidates without a batch).
        mine |= Q(batch__isnull=True) | Q(batch__account__isnull=True)
    return mine


def backlog(*, account: Account) -> "QuerySet[Candidate]":
    """The account's Ready candidates, newest decision first."""
    return ready_candidates().filter(_for(account)).select_related("batch", "decided_by").order_by("-decided_at", "-id")


def backlog_unassigned() -> "QuerySet[Candidate]":
    """Ready candidates that are for no account (with two accounts or more, their batch chose none)."""
    if Account.objects.count() <= 1:
        return Candidate.objects.none()
    return (
        ready_candidates()
        .filter(Q(batch__isnull=True) | Q(batch__account__isnull=True))
        .select_related("batch", "decided_by")
        .order_by("-decided_at", "-id")
    )


def backlog_sizes() -> dict[int, int]:
    """Ready candidates per account id (one query per account: there are a handful)."""
    return {account.pk: backlog(account=account).count() for account in Account.objects.all()}
