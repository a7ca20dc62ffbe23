"""What became of an approved candidate, read from its posts: Posted, Scheduled, Failed, or Ready.

The candidate's own status stays "approved"; where it went is the posts' state (posting's rows, read
through the reverse relation `candidate.posts`, so nothing is imported from posting and nothing is
stored twice: moving or unscheduling a post changes what the candidate shows at once).
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from core.times import READABLE_FROM, READABLE_UNTIL, local_time
from curator.models import Candidate

# Posting's Post.State values, by what they mean for the candidate.
SCHEDULED = ["queued", "sending", "unknown"]
POSTED = ["sent"]
FAILED = ["failed"]
LIVE = [*SCHEDULED, *POSTED, *FAILED]
FILTERS = [("ready", "Ready (approved, not scheduled)"), ("scheduled", "Scheduled"), ("posted", "Posted"), ("failed", "Failed")]


@dataclass(frozen=True)
class PostLine:
    label: str  # Posted, Scheduled, Failed
    account: str
    network: str
    when: str  # human, in the account's time zone
    url: str = ""
    reason: str = ""


def _posts_model():
    return Candidate._meta.get_field("posts").related_model


def _live_readable() -> QuerySet:
    return (
        _posts_model()
        .objects.filter(state__in=LIVE, scheduled_at__gte=READABLE_FROM, scheduled_at__lt=READABLE_UNTIL)
        .select_related("account")
        .order_by("scheduled_at", "id")
    )


def with_posts(qs: "QuerySet[Candidate]") -> "QuerySet[Candidate]":
    """Prefetch each candidate's live posts (one query for the page), for `publication`."""
    return qs.prefetch_related(Prefetch("posts", queryset=_live_readable(), to_attr="live_posts"))


def publication(candidate: Candidate) -> list[PostLine]:
    """Each live post of the candidate as a line (Posted / Scheduled / Failed); empty when there is none."""
    posts = getattr(candidate, "live_posts", None)
    if posts is None:
        posts = list(_live_readable().filter(candidate=candidate))
    lines = []
    for post in posts:
        account = post.account
        network = account.get_publisher_display().split(" (")[0]
        if post.state in POSTED:
            when = local_time(post.sent_at or post.scheduled_at, account.timezone)
            # A dry run has no remote page: its link is the post's row in the posting History.
            url = post.url or f"{reverse('posting:post_history')}?account={account.pk}#post-{post.pk}"
            lines.append(PostLine(label="Posted", account=account.name, network=network, when=when, url=url))
        elif post.state in FAILED:
            when = local_time(post.scheduled_at, account.timezone)
            lines.append(PostLine(label="Failed", account=account.name, network=network, when=when, reason=post.error))
        else:
            lines.append(
                PostLine(label="Scheduled", account=account.name, network=network, when=local_time(post.scheduled_at, account.timezone))
            )
    return lines


def summary(candidate: Candidate) -> str:
    """One word for lists: Posted, Scheduled, Failed or Ready for an approved candidate; its status otherwise."""
    if candidate.status != Candidate.Status.APPROVED:
        return candidate.get_status_display()
    labels = {line.label for line in publication(candidate)}
    for label in ("Posted", "Scheduled", "Failed"):
        if label in labels:
            return label
    return "Ready" if candidate.mention_id is None else "Approved"


def filter_by(qs: "QuerySet[Candidate]", what: str) -> "QuerySet[Candidate]":
    """The Candidates page's publication filters."""
    posts = _posts_model().objects.filter(candidate=OuterRef("pk"))
    if what == "ready":
        return qs.filter(status=Candidate.Status.APPROVED, mention__isnull=True).exclude(Exists(posts.filter(state__in=LIVE)))
    states = {"scheduled": SCHEDULED, "posted": POSTED, "failed": FAILED}.get(what)
    if states is None:
        return qs
    return qs.filter(Q(Exists(posts.filter(state__in=states))))
