"""The queue's publishing port (curator.publishing), implemented by posting: scheduling, replies, undo.

Registered in PostingConfig.ready(). Each call runs inside the curator's decision transaction.
"""

from django.contrib.auth.models import User

from curator.errors import DecisionError
from curator.models import Candidate
from curator.publishing import Scheduled
from posting.mentions import reply_schedule, reply_undo
from posting.models import Post
from posting.scheduling import SchedulingError, post_schedule


def _scheduled(post: Post) -> Scheduled:
    return Scheduled(post_id=post.pk, scheduled_at=post.scheduled_at.isoformat(), account=post.account.name, reply_to=post.in_reply_to_id)


class PostingPublishing:
    def schedule(self, *, candidate: Candidate, by: User) -> Scheduled:
        try:
            return _scheduled(post_schedule(candidate=candidate, by=by))
        except SchedulingError as exc:
            raise DecisionError(f"{exc} Nothing was changed.") from exc

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
