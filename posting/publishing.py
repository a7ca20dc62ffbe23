"""The queue's publishing port (curator.publishing), implemented by posting: scheduling, replies, undo.

Registered in PostingConfig.ready(). Each call runs inside the curator's decision transaction.
"""

from dataclasses import replace

from django.contrib.auth.models import User

from curator.errors import DecisionError
from curator.models import Candidate
from curator.publishing import LengthCheck, Scheduled, Target
from posting.backlog import target_account
from posting.costs import link_warning
from posting.mentions import reply_schedule, reply_undo
from posting.models import Account, Post
from posting.networks import length_rule
from posting.scheduling import SchedulingError, local_time, post_schedule, schedule_targets


def _scheduled(post: Post) -> Scheduled:
    return Scheduled(
        post_id=post.pk,
        scheduled_at=post.scheduled_at.isoformat(),
        account=post.account.name,
        reply_to=post.in_reply_to_id,
        scheduled_local=local_time(post.scheduled_at, post.account),
    )


class PostingPublishing:
    def schedule(self, *, candidate: Candidate, by: User, account_id: int | None = None) -> Scheduled:
        try:
            account = None
            if account_id is not None:
                account = Account.objects.filter(pk=account_id).first()
                if account is None:
                    raise SchedulingError("That account no longer exists.")
            first = post_schedule(candidate=candidate, by=by, account=account)
        except SchedulingError as exc:
            raise DecisionError(f"{exc} Nothing was changed.") from exc
        scheduled = _scheduled(first)
        if account is None:
            # `s` may have scheduled it on several accounts (one bot on several networks): name them all.
            names = Post.objects.filter(candidate=candidate).exclude(state=Post.State.CANCELLED).order_by("account_id")
            scheduled = replace(scheduled, account=", ".join(names.values_list("account__name", flat=True)) or scheduled.account)
        return scheduled

    def length_checks(self, *, candidate: Candidate) -> list[LengthCheck]:
        checks = []
        for account in schedule_targets(candidate=candidate):
            rule = length_rule(account)
            note = link_warning(candidate.text) if account.publisher == Account.Publisher.X else ""
            checks.append(
                LengthCheck(
                    account=account.name,
                    network=rule.network,
                    length=rule.length(candidate.text),
                    limit=rule.limit,
                    unit=rule.unit,
                    note=note,
                )
            )
        return checks

    def targets(self, *, candidate: Candidate) -> list[Target]:
        default = target_account(candidate=candidate)
        accounts = sorted(Account.objects.all(), key=lambda a: (default is None or a.pk != default.pk, a.name))
        return [
            Target(
                account_id=a.pk,
                name=a.name,
                network=a.get_publisher_display().split(" (")[0],
                default=default is not None and a.pk == default.pk,
            )
            for a in accounts
        ]

    def reply(self, *, candidate: Candidate, by: User) -> Scheduled:
        try:
            return _scheduled(reply_schedule(candidate=candidate, by=by))
        except SchedulingError as exc:
            raise DecisionError(f"{exc} Nothing was changed.") from exc

    def undo(self, *, candidate: Candidate) -> None:
        live = Post.objects.filter(candidate=candidate).exclude(state=Post.State.CANCELLED)
        # Conditional on still queued: a post the beat claimed meanwhile stays live, and is refused below.
        live.filter(state=Post.State.QUEUED).update(state=Post.State.CANCELLED)
        if live.exists():
            raise DecisionError("This candidate is already being posted or was posted: it can no longer be undone.")
        reply_undo(candidate=candidate)
